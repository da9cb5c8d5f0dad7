"""Stack config validation through the real entry point: `secrets-platform plan` on a scratch stack.

Each bad input changes one thing of the dev stack and asserts the exact problem line: stack file,
key path, what was found and what is expected; exit code 2, no traceback, no resource declared.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from offline.cli import main
from offline.plan import capture_stack
from offline.runtime import Capture
from tests.conftest import ROOT, dev_stack

C = "config"
NS = "secrets-platform:"


def _secret(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc[C][NS + "secrets"] if s["name"] == name)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting `secrets-platform:<path>` (dotted, with list indexes) to `value`."""

    def mutate(doc: dict[str, Any]) -> None:
        parts = path.split(".")
        node: Any = doc[C]
        key: Any = NS + parts[0]
        for part in parts[1:]:
            node = node[key]
            key = int(part) if part.isdigit() else part
        node[key] = value

    return mutate


def _delete(full_key: str) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc[C].pop(full_key)


def _duplicate_secret(doc: dict[str, Any]) -> None:
    doc[C][NS + "secrets"].append(dict(_secret(doc, "payments-db")))


def _secure_in_catalogue(doc: dict[str, Any]) -> None:
    _secret(doc, "payments-db")["description"] = {"secure": "v1:AAAAAAAAAAAAAAAA:AAAA"}


def _plain_literal(doc: dict[str, Any]) -> None:
    doc[C][NS + "mapsApiKey"] = "AIzaPlainTextKeyThatShouldBeSecret"


def _prod_with_cloud_secret(doc: dict[str, Any]) -> None:
    """Turn the document into the prod (Azure) stack plus a secret kept in the cloud store."""
    doc.clear()
    doc.update(yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8")))
    doc[C][NS + "secrets"].append(
        {"name": "queue", "source": "cloud", "keys": ["password"], "namespace": "bff"}
    )


def _yaml_error(project_dir: Path) -> None:
    (project_dir / "Pulumi.t.yaml").write_text(
        "config:\n  secrets-platform:cloud: aws\n   bad: [\n", encoding="utf-8"
    )


# (id, mutation, exact problem line without the "Pulumi.t.yaml: " prefix)
BAD_INPUTS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "missing-key",
        _delete(NS + "bff"),
        "secrets-platform:bff: found nothing; expected a value: this key is required",
    ),
    (
        "wrong-type",
        _set("cluster.nodeCount", "many"),
        'secrets-platform:cluster.nodeCount: found "many"; expected a valid integer, unable to parse '
        "string as an integer",
    ),
    (
        "unknown-nested-key",
        _set("cluster.nodeCuont", 3),
        'secrets-platform:cluster.nodeCuont: found unknown key "nodeCuont"; expected one of the keys name, '
        "kubernetesVersion, nodeCount, nodeSize, publicAccessCidrs, logRetentionDays",
    ),
    (
        "unknown-top-level-key",
        lambda doc: doc[C].update({NS + "clustr": {"name": "x"}}),
        'secrets-platform:clustr: found unknown key "clustr"; expected one of cloud, aws, azure, cluster, '
        "operators, workloads, secrets, apps, helmReleases, cms, bff, edge, alerting, vault, or a secret key named "
        "by a literal secret of the catalogue",
    ),
    (
        "app-asks-for-unknown-secret",
        _set("apps.0.secrets", ["maps-api-key", "stripe-key"]),
        'secrets-platform:apps[0].secrets[1]: found "stripe-key"; expected the name of a secret in '
        "secrets-platform:secrets (bff-cache-key, bff-cms-token, bff-tls, cms-admin, cms-signing, "
        "cms-writer-token, maps-api-key, orders-queue, orders-webhook-key, payments-ca, payments-db, "
        "payments-provider)",
    ),
    (
        "reader-workload-does-not-exist",
        _set("secrets.0.readers", ["payments-apii"]),
        'secrets-platform:secrets[0].readers[0]: found "payments-apii"; expected the name of a workload in '
        "secrets-platform:workloads (orders-api, payments-api)",
    ),
    (
        "duplicate-secret-name",
        _duplicate_secret,
        'secrets-platform:secrets[12].name: found "payments-db"; expected a secret name not used before',
    ),
    (
        "app-granted-a-backend-secret",
        _set("apps.0.secrets", ["maps-api-key", "payments-db"]),
        'secrets-platform:apps[0].secrets[1]: found "payments-db", a backend secret (not declared with '
        "mobile: true); expected a secret declared for mobile delivery (maps-api-key)",
    ),
    (
        "mobile-secret-outside-the-cms-namespace",
        _set("secrets.5.namespace", "bff"),
        'secrets-platform:secrets[5].namespace: found "bff"; expected "cms" or nothing: a mobile secret '
        "lives in the CMS namespace, where its writer Job mounts it",
    ),
    (
        "writer-token-given-to-the-bff",
        _set("helmReleases.0.secretValues.0.secret", "cms-writer-token"),
        'secrets-platform:helmReleases[0].secretValues[0].secret: found "cms-writer-token", the CMS writer '
        "token; expected any secret but the writer token, which only the writer Jobs mount",
    ),
    (
        "database-secret-on-aws",
        _set("cms.databaseSecret", "cms-admin"),
        'secrets-platform:cms.databaseSecret: found "cms-admin"; expected nothing on AWS: RDS keeps the '
        "master password in Secrets Manager and rotates it",
    ),
    (
        "invalid-kubernetes-name",
        _set("workloads.0.name", "Payments_API"),
        'secrets-platform:workloads[0].name: found "Payments_API"; expected a Kubernetes name: at most 63 '
        "characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
    ),
    (
        "invalid-cidr",
        _set("bff.allowedCidrs", ["10.0.0.300/8"]),
        'secrets-platform:bff.allowedCidrs[0]: found "10.0.0.300/8"; expected an IPv4 or IPv6 network in '
        "CIDR form, such as 203.0.113.0/24",
    ),
    (
        "rotation-period-out-of-range",
        _set("secrets.0.rotationDays", 400),
        "secrets-platform:secrets[0].rotationDays: found 400; expected less than or equal to 365",
    ),
    (
        "unsupported-cloud",
        _set("cloud", "gcp"),
        "secrets-platform:cloud: found \"gcp\"; expected 'aws' or 'azure'",
    ),
    (
        "unknown-secret-source",
        _set("secrets.0.source", "vault"),
        'secrets-platform:secrets[0].source: found "vault"; expected one of literal, file, generated, cloud',
    ),
    (
        "literal-key-not-set",
        _delete(NS + "mapsApiKey"),
        "secrets-platform:secrets[5].keys.api-key: found the name of a config key the stack does not set; "
        "expected a secret config key: run `pulumi config set --secret <key> <value>` with the name written "
        "at this path",
    ),
    (
        "literal-key-in-plain-text",
        _plain_literal,
        "secrets-platform:mapsApiKey: found a plain-text value; expected a secret value: run "
        "`pulumi config set --secret mapsApiKey <value>` and rotate the exposed one",
    ),
    (
        "secure-value-inside-structured-key",
        _secure_in_catalogue,
        "secrets-platform:secrets: found a secret (secure:) value; expected plain structure here; keep each "
        "secret in its own key (`pulumi config set --secret <key> <value>`) and name that key in the catalogue",
    ),
    (
        "file-source-missing",
        _set("secrets.2.keys", {"ca.crt": "certs/missing.crt"}),
        'secrets-platform:secrets[2].keys.ca.crt: found "certs/missing.crt", which does not exist; expected a '
        "readable file relative to the project",
    ),
    (
        "invalid-region",
        lambda doc: doc[C].update({"aws:region": "mars-north-1x"}),
        'aws:region: found "mars-north-1x"; expected an AWS region name such as eu-west-1',
    ),
    (
        "reader-in-another-namespace",
        _set("secrets.0.readers", ["payments-api", "orders-api"]),
        'secrets-platform:secrets[0].readers[1]: found workload "orders-api" in namespace "orders"; expected a '
        'workload in namespace "payments", where the Secret lives (pods cannot mount Secrets of another '
        "namespace)",
    ),
    (
        "cloud-block-missing",
        _delete(NS + "aws"),
        "secrets-platform:aws: found nothing; expected a secrets-platform:aws block, since cloud is aws",
    ),
    (
        "tls-secret-without-key",
        lambda doc: (_set("secrets.4.keys", {"tls.crt": "bffTlsCert"})(doc), doc[C].pop(NS + "bffTlsKey")),
        'secrets-platform:bff.tlsSecret: found secret "bff-tls" with keys tls.crt; expected a secret with the '
        "keys tls.crt and tls.key",
    ),
    (
        "key-vault-firewall-private-range-on-azure",
        lambda doc: (
            _prod_with_cloud_secret(doc),
            doc[C][NS + "azure"].update({"keyVaultAllowedCidrs": ["10.1.0.0/16"]}),
        ),
        'secrets-platform:azure.keyVaultAllowedCidrs[0]: found "10.1.0.0/16"; expected a public IPv4 '
        "network (Key Vault's firewall refuses private ranges: 10/8, 172.16/12, 192.168/16)",
    ),
    (
        "vault-secret-without-vault-block",
        _delete(NS + "vault"),
        'secrets-platform:secrets[11].store: found "hashicorp-vault" with no secrets-platform:vault block; '
        "expected a secrets-platform:vault block with the Vault's address",
    ),
    (
        "vault-address-not-tls",
        _set("vault.address", "http://vault.dev.example.com"),
        'secrets-platform:vault.address: found "http://vault.dev.example.com"; expected an https:// URL of '
        "the Vault server, such as https://vault.example.com",
    ),
    (
        "vault-address-on-a-port-the-operator-cannot-reach",
        _set("vault.address", "https://vault.dev.example.com:8200"),
        'secrets-platform:vault.address: found "https://vault.dev.example.com:8200"; expected a Vault served '
        "on port 443: the External Secrets Operator may only reach HTTPS on 443 (put a load balancer or "
        "ingress on 443 in front of Vault's 8200)",
    ),
    (
        "vault-kv-mount-reserved",
        _set("vault.kvMount", "sys/secrets"),
        'secrets-platform:vault.kvMount: found "sys/secrets"; expected a path outside the ones Vault '
        "reserves (sys, auth, cubbyhole, identity)",
    ),
    (
        "vault-kv-mount-with-glob",
        _set("vault.kvMount", "secret/*"),
        'secrets-platform:vault.kvMount: found "secret/*"; expected a Vault mount path: segments of letters, '
        "digits, '-', '_' and '.' separated by '/', at most 128 characters, without a leading or trailing '/'",
    ),
    (
        "vault-token-ttl-too-long",
        _set("vault.tokenTtlSeconds", 604800),
        "secrets-platform:vault.tokenTtlSeconds: found 604800; expected less than or equal to 86400",
    ),
    (
        "vault-keeps-one-version",
        _set("vault.maxVersions", 1),
        "secrets-platform:vault.maxVersions: found 1; expected greater than or equal to 2",
    ),
    (
        "vault-socket-audit-without-address",
        _set("vault.audit", {"type": "socket"}),
        "secrets-platform:vault.audit: found a map; expected an audit device of type socket needs an "
        "address (host:port)",
    ),
    (
        "vault-secret-without-reader",
        lambda doc: _secret(doc, "orders-webhook-key").update({"readers": [], "namespace": "orders"}),
        "secrets-platform:secrets[11].readers: found an empty list; expected at least one workload: a Vault "
        "secret is synced into the cluster by its reader's identity",
    ),
    (
        "database-on-default-store",
        lambda doc: _secret(doc, "orders-queue").update({"database": "orders-db"}),
        'secrets-platform:secrets[3].database: found "orders-db"; expected no database on a secret of store '
        "default (dynamic credentials come from Vault's database secrets engine: set store: hashicorp-vault)",
    ),
    (
        "database-not-declared",
        lambda doc: _secret(doc, "orders-webhook-key").update(
            {"database": "orders-db", "keys": ["username", "password"]}
        ),
        'secrets-platform:secrets[11].database: found "orders-db"; expected the name of a database in '
        "secrets-platform:vault.databases (none are declared)",
    ),
    (
        "bff-release-outside-the-bff-namespace",
        _set("helmReleases.0.namespace", "payments"),
        'secrets-platform:helmReleases[0].namespace: found "payments"; expected "bff", '
        "secrets-platform:bff.namespace, where the platform lets the BFF's pods reach the CMS and the "
        "ingress controller reach them",
    ),
    (
        "second-bff-release",
        lambda doc: doc[C][NS + "helmReleases"].append(
            {**doc[C][NS + "helmReleases"][0], "name": "bff-canary"}
        ),
        'secrets-platform:helmReleases[1].chart: found a second release of "charts/bff"; expected one '
        "release of charts/bff (helmReleases[0] is the BFF)",
    ),
    (
        "grants-in-the-bff-release-values",
        _set("helmReleases.0.values", {"config": {"apps": {"backdoor": {"secrets": ["maps-api-key"]}}}}),
        "secrets-platform:helmReleases[0].values.config.apps: found grants; expected nothing: the platform "
        "writes the BFF's grants from secrets-platform:apps",
    ),
    (
        "apps-without-a-bff",
        _set("helmReleases", []),
        "secrets-platform:apps: found 2 app(s); expected no apps, or a secrets-platform:helmReleases entry "
        "installing charts/bff: apps reach secrets only through the BFF",
    ),
    (
        "mobile-secret-whose-writer-job-name-is-too-long",
        lambda doc: _secret(doc, "maps-api-key").update({"version": 10**40}),
        'secrets-platform:secrets[5].name: found "maps-api-key" at version '
        + str(10**40)
        + "; expected a shorter name: its writer Job, cms-writer-maps-api-key-v"
        + str(10**40)
        + ", is a Kubernetes name of at most 63 characters",
    ),
    (
        "workload-named-like-the-cms-writer",
        lambda doc: doc[C][NS + "workloads"].append(
            {"name": "cms-writer", "namespace": "cms", "image": "ghcr.io/example/imposter:1.0.0"}
        ),
        'secrets-platform:workloads[2].name: found "cms-writer"; expected a name other than bff, cms, '
        "cms-writer, cms-provisioner, which the platform deploys itself",
    ),
    (
        "workload-in-kube-system",
        _set("workloads.0.namespace", "kube-system"),
        'secrets-platform:workloads[0].namespace: found "kube-system"; expected a namespace of its own: not one '
        "Kubernetes keeps for itself (default, kube-system, kube-public, kube-node-lease) nor one the platform's "
        "controllers take (external-secrets, ingress-nginx, cert-manager)",
    ),
    (
        "secret-in-default",
        _set("secrets.0.namespace", "default"),
        'secrets-platform:secrets[0].namespace: found "default"; expected a namespace of its own: not one '
        "Kubernetes keeps for itself (default, kube-system, kube-public, kube-node-lease) nor one the platform's "
        "controllers take (external-secrets, ingress-nginx, cert-manager)",
    ),
    (
        "bff-in-the-operators-namespace",
        _set("bff.namespace", "external-secrets"),
        'secrets-platform:bff.namespace: found "external-secrets"; expected a namespace of its own: not one '
        "Kubernetes keeps for itself (default, kube-system, kube-public, kube-node-lease) nor one the platform's "
        "controllers take (external-secrets, ingress-nginx, cert-manager)",
    ),
    (
        "helm-release-name-longer-than-helm-allows",
        _set("helmReleases.0.name", "b" * 54),
        f'secrets-platform:helmReleases[0].name: found "{"b" * 54}"; expected a release name of at most 53 '
        "characters, as Helm accepts",
    ),
    (
        "cluster-name-too-long-for-the-rotation-lambda",
        _set("cluster.name", "c" * 49),
        f'secrets-platform:cluster.name: found "{"c" * 49}"; expected a cluster name of at most 48 characters: '
        "the rotation Lambda is named <cluster>-secret-rotation, and Lambda allows 64",
    ),
    (
        "cluster-name-the-cms-database-cannot-take",
        _set("cluster.name", "1-secrets"),
        'secrets-platform:cluster.name: found "1-secrets"; expected a cluster name that starts with a letter, '
        "has no two hyphens in a row and at most 59 characters: the CMS database's RDS identifier is <cluster>-cms",
    ),
    (
        "key-of-other-namespace-for-region",
        lambda doc: doc[C].update({NS + "region": "eu-west-1"}),
        "secrets-platform:region: found a region under secrets-platform; expected aws:region or "
        "azure-native:location",
    ),
]


def _plan(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--project-dir", str(project_dir), "plan", "--stack", "t"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in BAD_INPUTS], ids=[i for i, _, _ in BAD_INPUTS]
)
def test_bad_input_is_reported_once_with_file_key_found_and_expected(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], mutate: Callable, expected: str
) -> None:
    doc = dev_stack()
    mutate(doc)
    code, out, err = _plan(project(doc), capsys)
    assert code == 2, f"exit code {code}, stderr: {err}"
    lines = [line for line in err.splitlines() if line.startswith("Pulumi.t.yaml: ")]
    assert lines == [f"Pulumi.t.yaml: {expected}"], err
    assert "Traceback" not in err and "Traceback" not in out
    assert out == ""


def test_yaml_syntax_error_names_line_and_column(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = project(dev_stack())
    _yaml_error(project_dir)
    code, _, err = _plan(project_dir, capsys)
    assert code == 2
    assert (
        "Pulumi.t.yaml: line 3, column 7: found a YAML syntax error (mapping values are not allowed in this context); expected valid YAML"
        in err
    ), err
    assert "Traceback" not in err


def test_bad_config_declares_no_resource(project: Callable[..., Path]) -> None:
    doc = dev_stack()
    _set("secrets.0.readers", ["nobody"])(doc)
    project_dir = project(doc)
    capture = Capture()
    with pytest.raises(ConfigError):
        capture_stack(project_dir, "t", capture=capture)
    assert capture.resources == [], [r.urn for r in capture.resources]


def test_several_problems_are_all_reported(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = dev_stack()
    _set("secrets.0.readers", ["nobody"])(doc)
    _set("apps.0.secrets", ["nothing"])(doc)
    code, _, err = _plan(project(doc), capsys)
    assert code == 2
    assert "2 problems in the stack config" in err
    assert "secrets[0].readers[0]" in err and "apps[0].secrets[0]" in err


def test_error_never_echoes_a_secret_value(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = dev_stack()
    canary = "hunter2-canary-value-pasted-by-mistake"
    _set("secrets.1.keys", {"api-key": canary})(doc)  # a value where a config key name belongs
    code, out, err = _plan(project(doc), capsys)
    assert code == 2
    assert canary not in err + out
    assert "secrets-platform:secrets[1].keys.api-key.[key]" not in err


def test_good_stacks_validate(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan(project(dev_stack()), capsys)
    assert code == 0, err
    assert "Offline plan of stack t" in out
