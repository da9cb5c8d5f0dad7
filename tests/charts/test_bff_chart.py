"""charts/bff rendered by Helm's own engine (helm-python, no binary), linted, and schema-checked.

Every rendered object is validated strictly against the Kubernetes 1.31 OpenAPI schemas; the tests
then read the objects as the API server would get them. Each test changes one thing of the dev-like
values.
"""

from __future__ import annotations

import base64
import copy
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml

from components.kubernetes.helm_release import bff_sets, merge_values
from config.models import BffConfig
from offline.helm_render import MASK, render_for_display

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "bff"
KUBE_VERSION = "1.31.0"
RELEASE = "bff"
NAMESPACE = "bff"
CANARY = "spcanary-helm-1-feedbeef"
CANARY_B64 = base64.b64encode(CANARY.encode()).decode()
SECRET_KEYS = ("cmsToken", "cacheEncryptionKey")


@pytest.fixture(scope="module", autouse=True)
def cached_schemas() -> Iterator[None]:
    """kubernetes-validate re-reads its schema files on every call (6.5 ms an object); cache them."""
    with pytest.MonkeyPatch.context() as patch:
        utils = kubernetes_validate.utils
        patch.setattr(utils, "schema_contents", functools.lru_cache(maxsize=None)(utils.schema_contents))
        patch.setattr(utils, "all_versions", functools.lru_cache(maxsize=None)(utils.all_versions))
        yield


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(str(CHART)) as loaded:
        yield loaded


def dev_values() -> dict[str, Any]:
    """The happy path: what a developer passes with `--set` for a local install."""
    return {
        "config": {"oauth": {"issuer": "https://auth.dev.example.com/", "audience": "shopper-apps"}},
        "ingress": {"hostname": "bff.dev.example.com", "tlsSecretName": "bff-tls-v1"},
        "secret": {"cmsToken": "dev-cms-token-0001", "cacheEncryptionKey": "dev-cache-key-0001"},
    }


def prod_values() -> dict[str, Any]:
    """values.prod.yaml, then what the platform sets: the existing Secret and the stack's settings."""
    prod = helm.values_from_yaml((CHART / "values.prod.yaml").read_text(encoding="utf-8"))
    return merge_values(
        [prod],
        {},
        {
            "config.oauth.issuer": "https://auth.example.com/",
            "config.oauth.audience": "shopper-apps",
            "ingress.hostname": "bff.example.com",
            "ingress.tlsSecretName": "bff-tls-v3",
            "ingress.allowedCidrs": ["203.0.113.0/24", "198.51.100.0/24"],
            "secret.existingSecret": "bff-secret-values-v2",
        },
    )


def render(chart: helm.Chart, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rendered object (NOTES.txt aside), validated strictly against Kubernetes 1.31."""
    rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = [
        doc
        for path, text in sorted(rendered.items())
        if not path.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc is not None
    ]
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = "/".join(str(p) for p in error.path)
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} is invalid at {path}: {error.message}")
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, rendered {[o['metadata']['name'] for o in found]}"
    return found[0]


def pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objects, "Deployment")["spec"]["template"]["spec"]


VARIANTS = {"dev": dev_values, "prod": prod_values}


# --- lint and schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_lint_strict_reports_nothing(variant: str) -> None:
    report = helm.lint(str(CHART), VARIANTS[variant](), strict=True, kube_version=f"v{KUBE_VERSION}")
    assert report["total_charts_linted"] == 1
    assert report["messages"] == [], f"helm lint --strict on charts/bff ({variant}): {report['messages']}"
    assert report["errors"] == []


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_object_is_valid_kubernetes_1_31(chart: helm.Chart, variant: str) -> None:
    objects = render(chart, VARIANTS[variant]())  # validates each object strictly
    kinds = sorted(o["kind"] for o in objects)
    expected = [
        "Deployment",
        "Ingress",
        "NetworkPolicy",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]
    if variant == "dev":
        expected = sorted([*expected, "Secret"])
    assert kinds == expected, f"charts/bff ({variant}) rendered {kinds}"
    assert all(o["metadata"]["namespace"] == NAMESPACE for o in objects)


def test_values_yaml_holds_only_empty_secret_placeholders(chart: helm.Chart) -> None:
    defaults = chart.values["secret"]
    assert {k: defaults[k] for k in (*SECRET_KEYS, "existingSecret")} == dict.fromkeys(
        (*SECRET_KEYS, "existingSecret"), ""
    ), "charts/bff/values.yaml must hold empty placeholders for secrets"
    prod = yaml.safe_load((CHART / "values.prod.yaml").read_text(encoding="utf-8"))
    assert "secret" not in prod, "values.prod.yaml must not carry secrets"


@pytest.mark.parametrize(
    ("path", "value", "complaint"),
    [
        ("secret.cmsToken", 12345, "/secret/cmsToken"),
        ("secret.cacheEncryptionKey", None, "cacheEncryptionKey"),
        ("replicaCount", 1, "/replicaCount"),
        ("replicas", 3, "additional properties 'replicas'"),
        ("ingress.allowedCidrs", [], "/ingress/allowedCidrs"),
        ("config.oauth.issuer", "http://auth.example.com/", "/config/oauth/issuer"),
        ("secret.mount", "file", "/secret/mount"),
    ],
)
def test_schema_refuses_bad_values(chart: helm.Chart, path: str, value: Any, complaint: str) -> None:
    values = merge_values([dev_values()], {}, {path: value})
    with pytest.raises(helm.HelmValuesError) as caught:
        chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    assert complaint in str(caught.value), f"charts/bff schema, {path}={value!r}: {caught.value}"


# --- the restricted pod ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_pod_runs_restricted(chart: helm.Chart, variant: str) -> None:
    spec = pod_spec(render(chart, VARIANTS[variant]()))
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
    volume = next(v for v in spec["volumes"] if v["name"] == tmp["name"])
    assert "emptyDir" in volume, "Deployment bff: /tmp must be an emptyDir"


def test_service_account_mounts_no_token(chart: helm.Chart) -> None:
    account = one(render(chart, dev_values()), "ServiceAccount")
    assert account["automountServiceAccountToken"] is False


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_probes_and_resource_limits(chart: helm.Chart, variant: str) -> None:
    (container,) = pod_spec(render(chart, VARIANTS[variant]()))["containers"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}


def test_prod_values_scale_up(chart: helm.Chart) -> None:
    objects = render(chart, prod_values())
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    (spread,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_dev_values_run_two_replicas(chart: helm.Chart) -> None:
    assert one(render(chart, dev_values()), "Deployment")["spec"]["replicas"] == 2


# --- disruption budget, network policy, ingress ---------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_pdb_keeps_one_replica(chart: helm.Chart, variant: str) -> None:
    objects = render(chart, VARIANTS[variant]())
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert (
        pdb["spec"]["selector"]["matchLabels"]
        == one(objects, "Deployment")["spec"]["selector"]["matchLabels"]
    )


def test_network_policy_denies_all_but_the_ingress_controller_and_dns(chart: helm.Chart) -> None:
    objects = render(chart, dev_values())
    selector = one(objects, "Deployment")["spec"]["selector"]["matchLabels"]
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(objects, "NetworkPolicy")}
    deny = policies["bff-default-deny"]
    assert deny["podSelector"]["matchLabels"] == selector
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny, "the default-deny policy allows nothing"

    allow = policies["bff"]
    assert allow["podSelector"]["matchLabels"] == selector
    assert allow["ingress"] == [
        {
            "from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
            ],
            "ports": [{"protocol": "TCP", "port": "http"}],
        }
    ]
    (dns,) = allow["egress"]
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]


def test_prod_network_policy_adds_only_the_cms_and_https_egress(chart: helm.Chart) -> None:
    objects = render(chart, prod_values())
    allow = next(p["spec"] for p in by_kind(objects, "NetworkPolicy") if p["metadata"]["name"] == "bff")
    ports = [sorted(p["port"] for p in rule["ports"]) for rule in allow["egress"]]
    assert ports == [[53, 53], [8055], [443]]


def test_ingress_serves_tls_with_rate_limit_and_allow_list(chart: helm.Chart) -> None:
    ingress = one(render(chart, prod_values()), "Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["bff.example.com"], "secretName": "bff-tls-v3"}]
    assert ingress["spec"]["rules"][0]["host"] == "bff.example.com"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/limit-rpm"] == "600"
    assert (
        annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] == "203.0.113.0/24,198.51.100.0/24"
    )


def test_platform_settings_from_the_stack_config_fit_the_schema(chart: helm.Chart) -> None:
    bff = BffConfig.model_validate(
        {
            "hostname": "bff.dev.example.com",
            "tlsSecret": "bff-tls",
            "oauthIssuer": "https://auth.dev.example.com/",
            "oauthAudience": "shopper-apps",
            "rateLimitPerMinute": 300,
            "image": "ghcr.io/example/bff:1.2.3",
        }
    )
    values = merge_values([], {}, {**bff_sets(bff, "bff-tls-v1"), "secret.existingSecret": "s-v1"})
    objects = render(chart, values)
    # The platform declares the BFF's Ingress itself (components/mobile/bff_ingress.py), where policies see it.
    assert not [o for o in objects if o["kind"] == "Ingress"], "the chart's Ingress is switched off"
    (container,) = pod_spec(objects)["containers"]
    assert container["image"] == "ghcr.io/example/bff:1.2.3"


# --- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_missing_secret_value_fails_the_render(chart: helm.Chart, key: str) -> None:
    values = dev_values()
    values["secret"][key] = ""
    with pytest.raises(helm.HelmRenderError) as caught:
        chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    assert re.match(
        rf"execution error at \(bff/templates/secrets\.yaml:\d+:\d+\): secret\.{key} is required",
        str(caught.value),
    ), str(caught.value)


def test_existing_secret_replaces_the_charts_own(chart: helm.Chart) -> None:
    values = dev_values()
    values["secret"] = {"existingSecret": "bff-secret-values-v2"}  # and no secret value at all
    objects = render(chart, values)
    assert by_kind(objects, "Secret") == [], "with existingSecret the chart renders no Secret"
    spec = pod_spec(objects)
    volume = next(v for v in spec["volumes"] if "secret" in v)
    assert volume["secret"]["secretName"] == "bff-secret-values-v2"
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
    assert mount["readOnly"] is True


def test_env_mount_reads_each_key_by_secret_key_ref(chart: helm.Chart) -> None:
    values = merge_values([dev_values()], {}, {"secret.existingSecret": "s-v1", "secret.mount": "env"})
    spec = pod_spec(render(chart, values))
    refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"] for e in spec["containers"][0]["env"] if "valueFrom" in e
    }
    assert refs == {
        "CMS_TOKEN": {"name": "s-v1", "key": "cmsToken"},
        "CACHE_ENCRYPTION_KEY": {"name": "s-v1", "key": "cacheEncryptionKey"},
    }
    assert all("secret" not in v for v in spec["volumes"]), "env mode mounts no secret volume"


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def test_a_secret_set_with_set_appears_only_in_the_rendered_secret(chart: helm.Chart) -> None:
    values = merge_values([dev_values()], {}, helm.parse_set_string(f"secret.cmsToken={CANARY}"))
    rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    notes = next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))
    assert CANARY not in notes
    places = [
        f"{obj['kind']}/{obj['metadata']['name']}:{path}"
        for path_, text in rendered.items()
        if not path_.endswith("NOTES.txt")
        for obj in yaml.safe_load_all(text)
        if obj
        for path, leaf in _leaves(obj)
        if isinstance(leaf, str) and (CANARY in leaf or CANARY_B64 in leaf)
    ]
    assert places == ["Secret/bff-secret:stringData.cmsToken"]


def test_render_for_display_masks_secret_values(chart: helm.Chart) -> None:
    values = merge_values([dev_values()], {}, {"secret.cmsToken": CANARY})
    shown = render_for_display(CHART, values, release_name=RELEASE, namespace=NAMESPACE)
    assert CANARY not in shown
    assert CANARY_B64 not in shown
    secret = next(d for d in yaml.safe_load_all(shown) if d and d["kind"] == "Secret")
    assert secret["stringData"] == dict.fromkeys(SECRET_KEYS, MASK)
    assert "# NOTES.txt" in shown and "bff.dev.example.com" in shown, "the rest stays readable"


def test_render_for_display_masks_a_secret_echoed_elsewhere(tmp_path: Path) -> None:
    leaky = tmp_path / "bff"
    (leaky / "templates").mkdir(parents=True)
    for name in ("Chart.yaml", "values.yaml", "values.schema.json"):
        (leaky / name).write_bytes((CHART / name).read_bytes())
    for template in (CHART / "templates").iterdir():
        (leaky / "templates" / template.name).write_bytes(template.read_bytes())
    (leaky / "templates" / "NOTES.txt").write_text("token: {{ .Values.secret.cmsToken | b64enc }}\n")
    values = copy.deepcopy(dev_values())
    values["secret"]["cmsToken"] = CANARY
    shown = render_for_display(leaky, values, release_name=RELEASE, namespace=NAMESPACE)
    assert CANARY not in shown
    assert CANARY_B64 not in shown
    assert f"# token: {MASK}" in shown


def test_render_for_display_masks_a_secret_inside_a_list(tmp_path: Path) -> None:
    chart = tmp_path / "listed"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: listed\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("token: ''\n")
    (chart / "templates" / "list.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n"
        "    stringData: {token: {{ .Values.token | quote }}}\n"
    )
    shown = render_for_display(chart, {"token": CANARY}, release_name=RELEASE, namespace=NAMESPACE)
    assert CANARY not in shown
    assert f"token: '{MASK}'" in shown or f"token: {MASK}" in shown, shown
