"""The access report and its picture on the shipped stacks: exact rows for a few secrets of each, every
upstream chart analysed, the BFF chart's pods as Helm renders them, and no secret in any output."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import yaml

from offline.access import access_report, principal_names, render_markdown, render_mermaid, render_svg
from offline.access.kubernetes import pod_reads
from offline.catalogue import load_catalogue
from offline.cli import main
from offline.leaks import LeakScanner
from offline.plan import Plan, make_plan
from tests.conftest import ROOT
from tests.offline.test_report import _dev_example_values

GROUP = "platform-operators (3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f)"
OPS = "create,delete,get,patch,update"
ESO = "ClusterRole external-secrets-controller (Helm release external-secrets/external-secrets, chart external-secrets 2.9.0)"
ESO_CERT = "ClusterRole external-secrets-cert-controller (Helm release external-secrets/external-secrets, chart external-secrets 2.9.0)"  # fmt: skip
CM = "ClusterRoles cert-manager-controller-issuers, -clusterissuers, -certificates, -orders, -challenges (Helm release cert-manager/cert-manager, chart cert-manager v1.17.2)"  # fmt: skip
CAINJECTOR = (
    "ClusterRole cert-manager-cainjector (Helm release cert-manager/cert-manager, chart cert-manager v1.17.2)"
)
NGINX = "ClusterRole ingress-nginx (Helm release ingress-nginx/ingress-nginx, chart ingress-nginx 4.12.1)"
RELOADER = "Role reloader-reloader-role (Helm release external-secrets/reloader, chart reloader 2.2.16)"
RW = "create,delete,get,list,patch,update,watch"
CONTROLLERS = [
    ("controller", "cert-manager/cert-manager", CM, RW),
    ("controller", "cert-manager/cert-manager-cainjector", CAINJECTOR, "get,list,watch"),
    ("controller", "external-secrets/external-secrets", ESO, RW),
    ("controller", "external-secrets/external-secrets-cert-controller", ESO_CERT, "get,list,watch"),
]
NGINX_ROW = ("controller", "ingress-nginx/ingress-nginx", NGINX, "list,watch")
RELOADER_ROW = ("controller", "external-secrets/reloader-reloader", RELOADER, "get,list,watch")
EKS_ADMIN = (
    "principal",
    "arn:aws:iam::111122223333:role/platform-operators",
    "EKS access entry of cluster secrets-dev, access policy AmazonEKSClusterAdminPolicy; "
    "member of Kubernetes group platform-operators",
    "*",
)
AKS_ADMIN = ("group", GROUP, "AKS Entra ID admin group of cluster secrets-prod (cluster-admin)", "*")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: make_plan(ROOT, stack) for stack in ("dev", "prod")}


@pytest.fixture(scope="module")
def reports(plans: dict[str, Plan]) -> dict[str, list[dict[str, Any]]]:
    return {
        stack: access_report(plan, principal_names(load_catalogue(ROOT, stack).config))
        for stack, plan in plans.items()
    }


def _of(rows: list[dict[str, Any]], secret: str, catalogue: str | None = "-") -> list[tuple[str, ...]]:
    return [
        (r["reader_kind"], r["reader"], r["through"], ",".join(r["verbs"]))
        for r in rows
        if r["secret"] == secret and (catalogue == "-" or r["catalogue"] == catalogue)
    ]


def test_dev_the_queue_credentials_from_secrets_manager_to_the_pod(reports: dict) -> None:
    rows = reports["dev"]
    assert _of(rows, "orders/orders-queue-v1", "orders-queue") == [
        *CONTROLLERS,
        RELOADER_ROW,  # it watches orders, where a synced Secret's consumers must roll
        NGINX_ROW,
        ("group", "platform-operators", "RoleBinding orders/secrets-operator", OPS),
        EKS_ADMIN,  # the operators' IAM role is cluster admin: it reads every Secret
        (
            "workload",
            "orders/orders-api",
            "Deployment orders/orders-api (volume, keys username, password)",
            "get",
        ),
        ("workload", "orders/orders-api", "RoleBinding orders/orders-api-secret-reader", "get"),
    ]
    sync = "IAM role secrets-store-identity-orders-api-role (role policy secrets-store-identity-orders-api-read-secrets)"
    assert _of(rows, "secrets-dev/orders-queue", "orders-queue") == [
        ("controller", "external-secrets/external-secrets",
         f"SecretStore orders/orders-api-secrets-manager as orders/orders-api-secret-sync; {sync}", "DescribeSecret,GetSecretValue"),
        ("function", "Lambda secrets-dev-secret-rotation", "IAM role secrets-store-store-rotation-role (inline policy rotate-secrets)",
         "DescribeSecret,GetSecretValue,PutSecretValue,UpdateSecretVersionStage"),
        ("workload", "orders/orders-api-secret-sync", sync, "DescribeSecret,GetSecretValue"),
    ]  # fmt: skip
    vault = "Vault role secrets-dev-orders-api-vault-sync (policy secrets-dev-orders-api-vault-sync)"
    assert _of(rows, "secrets-platform/data/secrets-dev/orders-webhook-key", "orders-webhook-key") == [
        ("controller", "external-secrets/external-secrets", f"SecretStore orders/orders-api-vault as orders/orders-api-vault-sync; {vault}", "read"),
        ("workload", "orders/orders-api-vault-sync", vault, "read"),
    ]  # fmt: skip


def test_dev_the_helm_overrides_secret_holds_two_catalogue_secrets(reports: dict) -> None:
    rows = reports["dev"]
    holds = "holds bff-cms-token/token as cmsToken, bff-cache-key/key as cacheEncryptionKey"
    for entry in ("bff-cms-token", "bff-cache-key"):
        assert _of(rows, "bff/bff-secret-values-v2", entry) == [
            *[(k, r, f"{t}; {holds}", v) for k, r, t, v in [*CONTROLLERS, NGINX_ROW, EKS_ADMIN]],
            ("release", "bff/bff", f"Helm release bff/bff (values secret.existingSecret); {holds}", "get"),
        ], entry


def test_dev_the_mobile_secret_reaches_apps_only_through_the_bff(reports: dict) -> None:
    read = "CMS read token bff-cms-token (Directus policy: read on collection mobile_secrets)"
    assert _of(reports["dev"], "mobile_secrets/maps-api-key") == [
        ("app", "shopper-android", "BFF bff/bff (android app)", "get"),
        ("app", "shopper-ios", "BFF bff/bff (ios app)", "get"),
        (
            "credential",
            "CMS administrator",
            "CMS administrator password cms-admin (Directus administrator)",
            "*",
        ),
        ("release", "bff/bff", read, "read"),
    ]


def test_dev_operators_are_cluster_admins_through_their_access_entry(reports: dict) -> None:
    assert EKS_ADMIN in _of(reports["dev"], "*/*")


def test_prod_key_vault_readers_with_the_operator_group_by_name(reports: dict) -> None:
    rows = reports["prod"]
    user = "Key Vault Secrets User role assignment secrets-store-identity-orders-api-read-orders-queue"
    admin = "Key Vault Administrator role assignment secrets-azure-operators-vault-admin"
    assert _of(rows, "kv-secrets-prod-weu/secrets-prod-orders-queue", "orders-queue") == [
        ("controller", "external-secrets/external-secrets",
         f"SecretStore orders/orders-api-key-vault as orders/orders-api-secret-sync; {user}", "getSecret"),
        ("function", "Function App func-kv-secrets-prod-weu-rotation (identity id-secrets-prod-secret-rotation)",
         "Key Vault Secrets Officer role assignment secrets-store-store-rotation-access-secrets-prod-orders-queue", "getSecret"),
        ("group", GROUP, admin, "getSecret"),
        ("workload", "orders/orders-api-secret-sync", user, "getSecret"),
    ]  # fmt: skip
    assert ("group", GROUP, admin, "getSecret") in _of(rows, "kv-secrets-prod-weu/*")
    assert ("group", GROUP, "AKS Entra ID admin group of cluster secrets-prod (cluster-admin)", "*") in _of(
        rows, "*/*"
    )


def test_prod_the_cms_database_password_is_read_by_the_cms_pod(reports: dict) -> None:
    assert _of(reports["prod"], "cms/cms-database-v1", "cms-database") == [
        *CONTROLLERS,
        RELOADER_ROW,
        NGINX_ROW,
        AKS_ADMIN,
        ("group", GROUP, "RoleBinding cms/secrets-operator", OPS),
        ("workload", "cms/cms", "Deployment cms/cms (volume, key password)", "get"),
    ]


def test_no_operator_shows_as_a_bare_object_id(reports: dict) -> None:
    bare = re.compile(r"^[0-9a-f-]{36}$")
    assert not [r for r in reports["prod"] if bare.match(r["reader"])]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_upstream_release_is_analysed(reports: dict, stack: str) -> None:
    """A chart bump fails here until its RBAC is read again and written into offline/access/controllers.py."""
    assert not [r for r in reports[stack] if "unknown" in r["verbs"]]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_bff_chart_rendered_by_helm_reads_exactly_what_the_report_says(
    plans: dict, reports: dict, stack: str
) -> None:
    helm = pytest.importorskip("helm_python")  # in requirements/test.lock: never skipped in CI
    release = next(r for r in plans[stack].resources if r.name == "secrets-helm-bff-release")
    chart = helm.Chart.load(str(ROOT / "charts" / "bff"))
    rendered = chart.render(release.inputs["values"], name="bff", namespace="bff", is_install=True)
    read = set()
    for path, text in rendered.items():
        for doc in yaml.safe_load_all(text) if path.endswith(".yaml") else []:
            if isinstance(doc, dict):
                assert doc.get("kind") not in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"), (
                    path
                )
                if doc.get("kind") == "Deployment":
                    read |= {f"bff/{name}" for name, _, _ in pod_reads(doc["spec"]["template"]["spec"])}
    reported = {
        r["secret"] for r in reports[stack] if r["reader"] == "bff/bff" and r["layer"] == "kubernetes"
    }
    assert reported == read and "bff/bff-secret-values-v2" in read


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_picture_and_the_table_carry_no_secret(reports: dict, stack: str) -> None:
    rows = reports[stack]
    texts = [render_markdown(rows), render_mermaid(rows), render_svg(rows), json.dumps(rows)]
    scanner = LeakScanner(_dev_example_values() if stack == "dev" else ())
    assert not [t[:80] for t in texts if scanner.found_in(t)]


def test_the_svg_is_a_named_accessible_image(reports: dict) -> None:
    svg = render_svg(reports["dev"], title="Who can read which secret: stack dev")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("role") == "img"
    assert root.get("aria-label", "").startswith("Who can read which secret: stack dev: ")
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"orders/orders-queue-v1", "Lambda secrets-dev-secret-rotation", "AWS Secrets Manager"} <= texts


def test_access_command_formats(capsys: pytest.CaptureFixture[str], reports: dict) -> None:
    assert main(["--project-dir", str(ROOT), "access", "--stack", "prod", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["version"], doc["stack"]) == ("secrets-platform/access", 1, "prod")
    camel = {"reader_kind": "readerKind"}
    assert doc["grants"] == [{camel.get(k, k): v for k, v in row.items()} for row in reports["prod"]]
    assert main(["--project-dir", str(ROOT), "access", "--stack", "prod", "--format", "mermaid"]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR\n") and GROUP.split(" (")[0] in mermaid
    assert main(["--project-dir", str(ROOT), "access", "--stack", "prod"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("```mermaid\nflowchart LR\n")
    assert f"| kv-secrets-prod-weu/* |  | key-vault | group | {GROUP} |" in markdown
    assert main(["--project-dir", str(ROOT), "access", "--stack", "prod", "--format", "svg"]) == 0
    assert ET.fromstring(capsys.readouterr().out).get("role") == "img"


def test_access_for_one_secret_and_an_unknown_one(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--project-dir", str(ROOT), "access", "--stack", "dev", "--secret", "orders-queue", "--json"]
    assert main(args) == 0
    grants = json.loads(capsys.readouterr().out)["grants"]
    assert {g["catalogue"] for g in grants} == {"orders-queue"}
    assert {g["layer"] for g in grants} == {"kubernetes", "secrets-manager"}
    assert main(["--project-dir", str(ROOT), "access", "--stack", "dev", "--secret", "nope"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: --secret nope: no reader of such a catalogue secret in stack dev")
        and err[-1] == "\n"
    )


def test_the_readme_picture_is_what_the_command_draws(reports: dict) -> None:
    """The README's access picture (dev's queue credentials) never drifts from the report (the other
    Mermaid block is the review flow's example comment)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)\n```", readme, re.S)
    rows = [r for r in reports["dev"] if r["catalogue"] == "orders-queue"]
    assert render_mermaid(rows) in blocks, (
        "regenerate: secrets-platform access -s dev --secret orders-queue --format mermaid"
    )
