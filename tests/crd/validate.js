// Validate External Secrets Operator and cert-manager objects against validators generated from their
// own CRDs (@kubernetes-models/external-secrets and @kubernetes-models/cert-manager, pinned in
// package.json).
//
// stdin:  a JSON array of objects (ExternalSecret, SecretStore, ... of external-secrets.io/v1 or v1beta1,
//         and generators such as VaultDynamicSecret of generators.external-secrets.io/v1alpha1).
// stdout: a JSON array with one result per object, in order:
//         {"index", "apiVersion", "kind", "name", "valid", "message", "errors": [{"path", "message", "params"}]}
//         where `message` is the validator's own message (every error, comma-separated) or null.
// Exit status: 0 when the results were written (valid or not), 2 when the input is not a JSON array.
//
// The generated validators check required properties, types and enums; they do not reject unknown
// fields (the schemas are generated from ESO's Go types without `additionalProperties: false`).

import * as v1 from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import * as v1beta1 from "@kubernetes-models/external-secrets/external-secrets.io/v1beta1";
import * as certManagerV1 from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import * as generators from "@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1";

const MODELS = {
  "external-secrets.io/v1": v1,
  "external-secrets.io/v1beta1": v1beta1,
  "cert-manager.io/v1": certManagerV1,
  "generators.external-secrets.io/v1alpha1": generators,
};

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function validateOne(obj, index) {
  const apiVersion = obj?.apiVersion ?? null;
  const kind = obj?.kind ?? null;
  const result = { index, apiVersion, kind, name: obj?.metadata?.name ?? null, valid: true, message: null, errors: [] };
  const module = MODELS[apiVersion];
  const Model = module && Object.hasOwn(module, kind) ? module[kind] : undefined;
  if (typeof Model !== "function" || typeof Model.prototype?.validate !== "function") {
    result.valid = false;
    result.message = `no validator for apiVersion ${apiVersion} kind ${kind}`;
    result.errors.push({ path: "", message: result.message, params: {} });
    return result;
  }
  try {
    new Model(obj).validate();
  } catch (error) {
    result.valid = false;
    result.message = String(error?.message ?? error);
    for (const e of error?.errors ?? []) {
      result.errors.push({ path: e.instancePath ?? "", message: e.message ?? "", params: e.params ?? {} });
    }
  }
  return result;
}

const text = await readStdin();
let objects;
try {
  objects = JSON.parse(text);
} catch (error) {
  process.stderr.write(`stdin is not JSON: ${error.message}\n`);
  process.exit(2);
}
if (!Array.isArray(objects)) {
  process.stderr.write("stdin must be a JSON array of objects\n");
  process.exit(2);
}
process.stdout.write(JSON.stringify(objects.map(validateOne)) + "\n");
