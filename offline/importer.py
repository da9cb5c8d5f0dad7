"""`secrets-platform import`: adopt secrets that exist already into a stack's catalogue.

Three ways in, one per run:

- `--from-kubectl FILE|-`: the output of `kubectl get secret NAME -n NS -o yaml` (one Secret, or a
  `List`). Each Secret becomes a `literal` entry in its namespace whose keys name new secret config
  keys. Values never go into the stack file in clear: with the passphrase provider they are written
  as its ciphertext (as `pulumi config set --secret` would), otherwise the exact commands are printed,
  which pipe each value from the cluster into `pulumi config set --secret` without showing it. The
  platform's Secret is versioned and immutable (`<name>-v1`), so the old Secret is not adopted: it
  is listed for deletion once the readers run on `<name>-v1`.
- `--from-secrets-manager NAME...` / `--from-key-vault NAME...` (on the real path, credentials from
  the environment): each secret named as the platform names its store secrets (`<cluster>/<entry>`,
  `<cluster>-<entry>`) becomes a `cloud` entry with `generate: false` (its value is kept; nothing
  draws a new one), keys read from its JSON value (the value itself is dropped). A `pulumi import`
  file is written with the exact type, name, id and parents the program declares (from the offline
  plan of the edited stack), so the first `pulumi up` adopts the secret instead of creating a second
  one.

The stack file is edited with `offline.stackedit` (every other line kept) and validated with the
program's own models before it is written.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from config.errors import ConfigError
from config.patterns import is_dns_label
from offline import exits
from offline.catalogue import KEY_VAULT, SECRETS_MANAGER, Catalogue, load_catalogue
from offline.leaks import LeakScanner
from offline.passphrase import WrongPassphrase, encrypt, key_from_salt_state
from offline.plan import PlanError
from offline.rotate import RotateError, encryption_salt, passphrase_from
from offline.stackedit import EditError, StackFileEdit
from offline.stores import StoreError
from offline.stores import aws as aws_store
from offline.stores import keyvault as keyvault_store
from offline.stores.access import ClientFactory, from_environment

DEFAULT_ROTATION_DAYS = 90
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
ADOPTABLE_TYPES = {"Opaque", "kubernetes.io/tls", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth"}
"""Secret types whose data is the application's (a ServiceAccount token or a registry credential is not)."""
TYPES = {SECRETS_MANAGER: "aws:secretsmanager/secret:Secret", KEY_VAULT: "azure-native:keyvault:Secret"}
NAME_INPUT = {SECRETS_MANAGER: "name", KEY_VAULT: "secretName"}


class ImportError_(Exception):
    """The secrets cannot be adopted as given: one line, nothing changed."""


@dataclass
class Adopted:
    """One secret to adopt: its catalogue entry, and what comes with it (never printed values)."""

    entry: dict[str, Any]
    values: dict[str, str] = field(default_factory=dict)
    """Config key -> value (kubectl only), kept in memory to be encrypted."""
    commands: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    store: str | None = None
    store_name: str | None = None
    import_id: str | None = None


def config_key_for(secret: str, data_key: str) -> str:
    """`payments-legacy` + `db_password` -> `paymentsLegacyDbPassword`."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", f"{secret}-{data_key}") if w]
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _documents(text: str) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        raise ImportError_(
            "--from-kubectl: not YAML (expected `kubectl get secret ... -o yaml` output)"
        ) from None
    secrets: list[dict[str, Any]] = []
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "List":
            secrets += [i for i in doc.get("items") or [] if isinstance(i, dict)]
        elif isinstance(doc, dict):
            secrets.append(doc)
    for doc in secrets:
        if doc.get("kind") != "Secret":
            raise ImportError_(
                f"--from-kubectl: found a {doc.get('kind')!r}; expected Secrets (kind: Secret)"
            )
    if not secrets:
        raise ImportError_("--from-kubectl: no Secret in the input")
    return secrets


def from_kubectl(
    text: str, catalogue: Catalogue, *, readers: list[str], rotation_days: int, write_values: bool
) -> list[Adopted]:
    existing_keys = set(
        (yaml.safe_load(catalogue.stack_file.read_text(encoding="utf-8")) or {}).get("config") or {}
    )
    adopted = []
    for doc in _documents(text):
        meta = doc.get("metadata") or {}
        name, namespace = str(meta.get("name", "")), str(meta.get("namespace") or "default")
        where = f"Secret {namespace}/{name}"
        kind = doc.get("type") or "Opaque"
        if kind not in ADOPTABLE_TYPES:
            raise ImportError_(
                f"{where}: type {kind} is not an application secret; expected one of {', '.join(sorted(ADOPTABLE_TYPES))}"
            )
        if not is_dns_label(name) or not is_dns_label(namespace):
            raise ImportError_(
                f"{where}: the name is not a Kubernetes name the catalogue accepts (a DNS label)"
            )
        if catalogue.entry(name) is not None:
            raise ImportError_(
                f"{where}: the catalogue of {catalogue.stack_file.name} already has an entry named {name}"
            )
        values = _secret_values(doc, where)
        keys: dict[str, str] = {}
        item = Adopted(entry={})
        for data_key in sorted(values):
            if not _SECRET_KEY.match(data_key):
                raise ImportError_(
                    f"{where}: data key {data_key!r} is not a Secret key the catalogue accepts"
                )
            config_key = config_key_for(name, data_key)
            if f"secrets-platform:{config_key}" in existing_keys:
                raise ImportError_(f"{where}: config key secrets-platform:{config_key} exists already")
            keys[data_key] = config_key
            if write_values:
                item.values[config_key] = values[data_key]
            else:
                jsonpath = data_key.replace(".", "\\.")
                item.commands.append(
                    f"kubectl get secret {name} -n {namespace} -o jsonpath='{{.data.{jsonpath}}}' | base64 -d | "
                    f"pulumi config set --secret --stack {catalogue.stack} {config_key}"
                )
        item.entry = {
            "name": name,
            "description": f"Adopted from the Kubernetes Secret {namespace}/{name}",
            "source": "literal",
            "keys": keys,
            "namespace": namespace,
            **({"readers": readers} if readers else {}),
            "rotationDays": rotation_days,
        }
        item.steps.append(
            f"after `pulumi up`, once every reader mounts {name}-v1: `kubectl delete secret {name} -n {namespace}` "
            "(the old Secret is not the platform's; its values stay readable until it is gone)"
        )
        adopted.append(item)
    return adopted


def _secret_values(doc: dict[str, Any], where: str) -> dict[str, str]:
    """A Secret's values as text (`data` is base64, `stringData` plain, as the API defines them)."""
    values: dict[str, str] = {}
    for key, encoded in (doc.get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode(str(encoded), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ImportError_(
                f"{where}: key {key} is not base64 of UTF-8 text; config values are text"
            ) from None
    for key, value in (doc.get("stringData") or {}).items():
        values[str(key)] = str(value)
    if not values:
        raise ImportError_(f"{where}: no data to adopt")
    return values


def _entry_name(catalogue: Catalogue, store: str, store_name: str) -> str:
    cluster = catalogue.config.cluster.name
    prefix = f"{cluster}/" if store == SECRETS_MANAGER else f"{cluster}-"
    pattern = "<cluster>/<name>" if store == SECRETS_MANAGER else "<cluster>-<name>"
    entry = store_name[len(prefix) :] if store_name.startswith(prefix) else ""
    if not is_dns_label(entry):
        raise ImportError_(
            f"{store} secret {store_name}: the platform names its secrets {pattern} (here {prefix}<name>), so it "
            "would declare a second secret beside this one; create the entry with generate: false and copy the "
            "value into the platform's secret instead"
        )
    if catalogue.entry(entry) is not None:
        raise ImportError_(f"{store} secret {store_name}: the catalogue already has an entry named {entry}")
    return entry


def from_store(
    catalogue: Catalogue,
    store: str,
    names: list[str],
    client: Any,
    *,
    readers: list[str],
    rotation_days: int | None,
    subscription: str | None,
) -> list[Adopted]:
    adopted = []
    for given in names:
        if store == SECRETS_MANAGER:
            name, arn, keys, days = aws_store.adopt_info(
                client, given, accept=lambda found: _entry_name(catalogue, store, found)
            )
            import_id = arn
        else:
            if catalogue.config.azure is None or not subscription:
                raise ImportError_(
                    "--from-key-vault: the import id names the subscription: pass --subscription-id "
                    "(or set AZURE_SUBSCRIPTION_ID)"
                )
            _entry_name(catalogue, store, given)
            name, keys, days = given, keyvault_store.adopt_info(client, given), None
            azure = catalogue.config.azure
            import_id = (
                f"/subscriptions/{subscription}/resourceGroups/{azure.resource_group_name}/providers/"
                f"Microsoft.KeyVault/vaults/{azure.key_vault_name}/secrets/{name}"
            )
        entry = _entry_name(catalogue, store, name)
        adopted.append(
            Adopted(
                entry={
                    "name": entry,
                    "description": f"Adopted from {store} {name}",
                    "source": "cloud",
                    "keys": keys,
                    **({"readers": readers} if readers else {}),
                    "generate": False,
                    "rotationDays": rotation_days or days or DEFAULT_ROTATION_DAYS,
                },
                store=store,
                store_name=name,
                import_id=import_id,
            )
        )
    return adopted


def _validated(project_dir: Path, stack: str, text: str) -> None:
    """Load the edited stack file with the program's models, in a scratch copy of the project files."""
    with tempfile.TemporaryDirectory(prefix="secrets-platform-import-") as tmp:
        scratch = Path(tmp)
        shutil.copy(project_dir / "Pulumi.yaml", scratch / "Pulumi.yaml")
        (scratch / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
        try:
            load_catalogue(scratch, stack)
        except ConfigError as exc:
            problems = "; ".join(p.render(exc.stack_file) for p in exc.problems)
            raise ImportError_(
                f"the adopted entries would make the stack invalid; nothing written: {problems}"
            ) from None


def import_file(
    project_dir: Path, stack: str, adopted: list[Adopted], *, parents_exist: bool
) -> dict[str, Any]:
    """The `pulumi import --file` document: each store secret with the type, name and parents the
    program declares for it (read from the offline plan of the edited stack)."""
    from offline.plan import make_plan

    plan = make_plan(project_dir, stack)
    by_urn = plan.by_urn()
    resources: list[dict[str, Any]] = []
    name_table: dict[str, str] = {}
    listed: set[str] = set()
    for item in adopted:
        assert item.store is not None
        resource = next(
            (
                r
                for r in plan.resources
                if r.type == TYPES[item.store] and r.inputs.get(NAME_INPUT[item.store]) == item.store_name
            ),
            None,
        )
        if resource is None:
            raise ImportError_(
                f"the plan of stack {stack} declares no {TYPES[item.store]} named {item.store_name}"
            )
        parent = by_urn.get(resource.parent)
        if parent is not None and parents_exist:
            name_table[parent.name] = parent.urn
        elif parent is not None:
            chain = []
            node: Any = parent
            while node is not None:
                chain.append(node)
                node = by_urn.get(node.parent)
            for component in reversed(chain):  # outermost first: a parent is listed before its children
                if component.urn in listed:
                    continue
                listed.add(component.urn)
                grand = by_urn.get(component.parent)
                resources.append({"type": component.type, "name": component.name, "component": True,
                                  **({"parent": grand.name} if grand else {})})  # fmt: skip
        resources.append({"type": resource.type, "name": resource.name, "id": item.import_id,
                          **({"parent": parent.name} if parent else {})})  # fmt: skip
    return {**({"nameTable": name_table} if name_table else {}), "resources": resources}


def cmd_import(
    args: argparse.Namespace,
    project_dir: Path,
    *,
    clients: dict[str, ClientFactory] | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """The `import` subcommand (registered in offline/cli.py)."""
    env = environ if environ is not None else os.environ
    read: list[str] = []
    try:
        catalogue = load_catalogue(project_dir, args.stack)
        readers = list(args.reader or [])
        if args.from_kubectl:
            text = sys.stdin.read() if args.from_kubectl == "-" else _read(args.from_kubectl)
            write = catalogue.passphrase_provider and not args.print_commands
            key = key_from_salt_state(passphrase_from(env), encryption_salt(catalogue)) if write else None
            adopted = from_kubectl(
                text,
                catalogue,
                readers=readers,
                rotation_days=args.rotation_days or DEFAULT_ROTATION_DAYS,
                write_values=write,
            )
        else:
            store = SECRETS_MANAGER if args.from_secrets_manager else KEY_VAULT
            names = args.from_secrets_manager or args.from_key_vault
            factory = (clients or from_environment())[store]
            subscription = (
                args.subscription_id or env.get("AZURE_SUBSCRIPTION_ID") or env.get("ARM_SUBSCRIPTION_ID")
            )
            adopted = from_store(
                catalogue, store, names, factory(catalogue.config),
                readers=readers, rotation_days=args.rotation_days, subscription=subscription,
            )  # fmt: skip
            key = None
        edit = StackFileEdit(catalogue.stack_file)
        for item in adopted:
            edit.add_entry(item.entry)
            for config_key, value in item.values.items():
                assert key is not None
                read.append(value)
                edit.set_secure(config_key, encrypt(key, value))
        _validated(project_dir, args.stack, edit.check())
        diff = edit.diff()
        edit.write()
        lines = [f"Adopted {len(adopted)} secret(s) into {catalogue.stack_file.name}:"]
        lines += [
            line if "secure: " not in line else line.split("secure: ")[0] + "secure: v1:…" for line in diff
        ]
        commands = [c for item in adopted for c in item.commands]
        if commands:
            lines += [
                "",
                "Set each value as a stack secret (the value goes from the cluster to Pulumi, never on screen):",
            ]
            lines += [f"  {c}" for c in commands]
        stored = [item for item in adopted if item.store]
        if stored:
            try:
                document = import_file(project_dir, args.stack, stored, parents_exist=args.parents_exist)
            except BaseException as exc:
                # The plan refused the adopted entries (a limit only a component knows): undo the edit.
                catalogue.stack_file.write_text(edit.original, encoding="utf-8")
                if isinstance(exc, (pulumi.RunError, PlanError)):
                    raise ImportError_(
                        "the adopted entries do not plan; nothing written: " + " ".join(str(exc).split())
                    ) from None
                raise
            target = Path(args.import_file or f"out/import-{args.stack}.json")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
            lines += [
                "",
                f"Wrote {target}: adopt the existing secrets before the first `pulumi up`, so it updates them in place:",
                f"  pulumi import --stack {args.stack} --file {target} --generate-code=false",
            ]
        steps = [s for item in adopted for s in item.steps]
        if steps:
            lines += ["", "Then:", *(f"  {s}" for s in steps)]
    except (ImportError_, RotateError, EditError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    except WrongPassphrase:
        print(
            f"error: PULUMI_CONFIG_PASSPHRASE is not the passphrase of Pulumi.{args.stack}.yaml",
            file=sys.stderr,
        )
        return exits.BAD_INPUT
    text = "\n".join(lines) + "\n"
    if read and LeakScanner(read).found_in(text):
        print("error: the report would have shown a value; it was not printed", file=sys.stderr)
        return exits.PLAN_FAILED
    if getattr(args, "json", False):
        from offline.cli import envelope

        body = {"adopted": [i.entry["name"] for i in adopted], "importFile": str(target) if stored else None,
                "commands": commands, "messages": lines}  # fmt: skip
        text = envelope("import", args.stack, body)
    sys.stdout.write(text)
    return exits.OK


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"--from-kubectl {path}: {exc.strerror}") from None
