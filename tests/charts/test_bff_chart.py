"""charts/bff rendered by Helm's own engine (helm-python, no binary), linted, and schema-checked.

Every rendered object is validated strictly against the Kubernetes 1.31 OpenAPI schemas; the tests
then read the objects as the API server would get them. Two kinds of values: a standalone install
(`dev`, what a developer sets; `prod`, values.prod.yaml), and the values the platform hands Helm for
each stack, read from the stack's offline plan (`platform-dev`, `platform-prod`). Each test changes
one thing of them.
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

from components.kubernetes.conventions import BFF_APP, BFF_PORT
from components.kubernetes.helm_release import merge_values
from components.mobile.bff_certificates import SERVING_SECRET
from components.mobile.bff_ingress import SERVICE_PORT_NAME
from offline.helm_render import MASK, render_for_display
from offline.plan import Plan, make_plan

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
        "config": {
            "oauth": {"issuer": "https://auth.dev.example.com/", "audience": "shopper-apps"},
            "cms": {"caConfigMap": "cms-ca"},
        },
        "ingress": {"hostname": "bff.dev.example.com", "tlsSecretName": "bff-tls-v1"},
        "secret": {"cmsToken": "dev-cms-token-0001", "cacheEncryptionKey": "dev-cache-key-0001"},
    }


def prod_values() -> dict[str, Any]:
    """values.prod.yaml for a standalone install: an existing Secret, the CA in a ConfigMap."""
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
            "config.cms.caConfigMap": "cms-ca",
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


@functools.cache
def _plan(stack: str) -> Plan:
    return make_plan(ROOT, stack)


def platform_values(stack: str) -> dict[str, Any]:
    """The values the platform passes to Helm for the stack's BFF release, as its plan records them
    (values files merged, then the stack's `values`, then the platform's sets)."""
    (release,) = [
        r
        for r in _plan(stack).resources
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs.get("chart") == "./charts/bff"
    ]
    return copy.deepcopy(release.inputs["values"])


VARIANTS = {
    "dev": dev_values,
    "prod": prod_values,
    "platform-dev": lambda: platform_values("dev"),
    "platform-prod": lambda: platform_values("prod"),
}
STANDALONE = ("dev", "prod")


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
    expected = ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"]
    if variant in STANDALONE:
        expected = sorted([*expected, "Ingress", "NetworkPolicy", "NetworkPolicy"])
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
        ("config.cms.url", "http://directus.cms:8055", "/config/cms/url"),
        ("config.oauth.algorithms", ["RS256", "HS256"], "/config/oauth/algorithms"),
        ("config.apps", {"shopper-ios": {"secrets": ["Maps_Key"]}}, "/config/apps/shopper-ios/secrets/0"),
        ("config.apps", {"shopper-ios": {"secrets": [], "rateLimitPerMinute": 0}}, "rateLimitPerMinute"),
        ("config.apps", {"shopper-ios": {"secrets": [], "extra": 1}}, "additional properties 'extra'"),
        ("config.rateLimit.redisUrl", "redis://user:pw@redis:6379", "/config/rateLimit/redisUrl"),
        ("config.network.trustedProxyCidrs", ["10.0.0.0"], "/config/network/trustedProxyCidrs/0"),
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
    # The pod serves HTTPS only, so the kubelet probes it over HTTPS.
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "https", "scheme": "HTTPS"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "https", "scheme": "HTTPS"}
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
            "ports": [{"protocol": "TCP", "port": "https"}],
        }
    ]
    (dns,) = allow["egress"]
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]


def test_prod_network_policy_adds_only_the_cms_and_https_egress(chart: helm.Chart) -> None:
    objects = render(chart, prod_values())
    allow = next(p["spec"] for p in by_kind(objects, "NetworkPolicy") if p["metadata"]["name"] == "bff")
    ports = [sorted(p["port"] for p in rule["ports"]) for rule in allow["egress"]]
    assert ports == [[53, 53], [8443], [443]], "DNS, the CMS pods' TLS port, the issuer over HTTPS"
    (cms,) = allow["egress"][1]["to"]
    assert cms["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "cms"}, "the CMS's pods only"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_platform_switches_the_charts_network_policies_off(chart: helm.Chart, stack: str) -> None:
    """The platform declares the BFF's NetworkPolicies (tests/components/mobile/test_network_paths.py
    judges them); policies are additive, so any from the chart would only widen them."""
    assert by_kind(render(chart, platform_values(stack)), "NetworkPolicy") == []


def test_ingress_serves_tls_with_rate_limit_and_allow_list(chart: helm.Chart) -> None:
    ingress = one(render(chart, prod_values()), "Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["bff.example.com"], "secretName": "bff-tls-v3"}]
    assert ingress["spec"]["rules"][0]["host"] == "bff.example.com"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS", "the pod serves TLS only"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["port"] == {"name": "https"}
    assert annotations["nginx.ingress.kubernetes.io/limit-rpm"] == "600"
    assert (
        annotations["nginx.ingress.kubernetes.io/whitelist-source-range"] == "203.0.113.0/24,198.51.100.0/24"
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_platform_values_wire_the_pod_to_its_certificate_and_the_cms(
    chart: helm.Chart, stack: str
) -> None:
    objects = render(chart, platform_values(stack))
    # The platform declares the BFF's Ingress itself (components/mobile/bff_ingress.py), where policies see it.
    assert not by_kind(objects, "Ingress"), "the chart's Ingress is switched off"
    env = plain_env(objects)
    assert env["CMS_URL"] == "https://cms.cms.svc.cluster.local", "the CMS Service (port 443)"
    assert env["CMS_COLLECTION"] == "mobile_secrets"
    volumes = {v["name"]: v for v in pod_spec(objects)["volumes"]}
    # The pod serves its own certificate from the internal CA, which the edge verifies (re-encryption)...
    assert volumes["tls"]["secret"]["secretName"] == SERVING_SECRET
    # ... and pins that CA (ca.crt of the same Secret), which also signs the CMS's certificate.
    assert volumes["cms-ca"] == {
        "name": "cms-ca",
        "secret": {
            "secretName": SERVING_SECRET,
            "defaultMode": 288,
            "items": [{"key": "ca.crt", "path": "ca.crt"}],
        },
    }
    assert env["CMS_CA_FILE"] == "/etc/bff/cms-ca/ca.crt"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_apps_file_is_the_stacks_apps(chart: helm.Chart, stack: str) -> None:
    from bff.apps import parse_apps

    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    apps = doc["secrets-platform:apps"]
    scope = parse_apps(one(render(chart, platform_values(stack)), "ConfigMap")["data"]["apps.json"])
    assert scope.apps == {a["name"] for a in apps}
    for app in apps:
        grant = scope.grant(app["name"])
        assert grant is not None and grant.secrets == set(app["secrets"]), app["name"]
        assert grant.rate_limit_per_minute == app.get("rateLimitPerMinute", 60), app["name"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_service_ingress_probes_and_network_policies_agree_on_the_port(chart: helm.Chart, stack: str) -> None:
    """The platform's Ingress names the Service port `https`; the Service sends it to the container port
    of that name, which is the port the platform's NetworkPolicies open to the ingress controller."""
    objects = render(chart, platform_values(stack))
    (port,) = one(objects, "Service")["spec"]["ports"]
    assert port["name"] == SERVICE_PORT_NAME and port["targetPort"] == SERVICE_PORT_NAME
    (container_port,) = container(objects)["ports"]
    assert container_port == {"name": SERVICE_PORT_NAME, "containerPort": BFF_PORT, "protocol": "TCP"}
    assert plain_env(objects)["PORT"] == str(BFF_PORT), "the BFF listens where the Service sends"
    labels = pod_spec_labels(objects)
    assert labels["app.kubernetes.io/name"] == BFF_APP, "the label the platform's NetworkPolicies select"


def pod_spec_labels(objects: list[dict[str, Any]]) -> dict[str, str]:
    return one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_platform_runs_the_stacks_image(chart: helm.Chart, stack: str) -> None:
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    image = doc["secrets-platform:bff"].get("image", "ghcr.io/example/bff:1.0.0")
    assert container(render(chart, platform_values(stack)))["image"] == image
    if stack == "prod":
        assert "@sha256:" in image, "production runs the BFF image by digest"


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
    volume = next(v for v in spec["volumes"] if v["name"] == "secrets")
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
    mounted = [v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v]
    assert mounted == ["bff-tls-v1"], "env mode mounts no volume of the BFF's Secret (the TLS one only)"


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


# --- what the BFF reads: env names, mounted paths, the apps file --------------------------------------

# What the platform will render from the stack's `apps:` (names only).
PLATFORM_APPS = {
    "shopper-ios": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 60},
    "shopper-android": {"secrets": ["maps-api-key", "push-key"], "rateLimitPerMinute": 120},
}


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = pod_spec(objects)["containers"]
    return found


def plain_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(objects)["env"] if "value" in e}


def materialize(objects: list[dict[str, Any]], root: Path) -> dict[str, str]:
    """Lay the pod's volumes out under `root` as the kubelet would, and return its env with every
    mounted path moved under `root`: what the BFF would find in the pod."""
    from tests.bff._pki import make_pki

    spec = pod_spec(objects)
    configmaps = {o["metadata"]["name"]: o["data"] for o in by_kind(objects, "ConfigMap")}
    pki = make_pki(root / "_pki")
    volumes = {v["name"]: v for v in spec["volumes"]}
    certificate = {"tls.crt": pki.cert_file.read_text(), "tls.key": pki.key_file.read_text()}
    # The Secrets the platform provides (never rendered by the chart in prod): the hand-set public
    # certificate, cert-manager's serving certificate (with the internal CA), the overrides Secret.
    secrets = {
        "bff-tls-v3": certificate,
        SERVING_SECRET: {**certificate, "ca.crt": pki.ca_file.read_text()},
        volumes["secrets"]["secret"]["secretName"]: {"cmsToken": "cms-token", "cacheEncryptionKey": "k" * 64},
    }
    configmaps.setdefault("cms-ca", {"ca.crt": pki.ca_file.read_text()})
    for mount in container(objects)["volumeMounts"]:
        volume = volumes[mount["name"]]
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        if "secret" in volume:
            source = secrets[volume["secret"]["secretName"]]
            items = volume["secret"].get("items")
        elif "configMap" in volume:
            source = configmaps[volume["configMap"]["name"]]
            items = volume["configMap"].get("items")
        else:
            continue
        for item in items or [{"key": k, "path": k} for k in source]:
            (target / item["path"]).write_text(source[item["key"]])
    mounts = [m["mountPath"] for m in container(objects)["volumeMounts"]]
    env = plain_env(objects)
    for name, value in env.items():
        if any(value == m or value.startswith(m + "/") for m in mounts):
            env[name] = str(root / value.lstrip("/"))
    return env


def with_apps(values: dict[str, Any]) -> dict[str, Any]:
    return merge_values([values], {}, {"config.apps": PLATFORM_APPS})


def test_every_variable_the_chart_sets_is_a_setting_of_the_bff(chart: helm.Chart) -> None:
    from bff.settings import Settings

    settings = {name.upper() for name in Settings.model_fields}
    for values in (prod_values(), merge_values([prod_values()], {}, {"secret.mount": "env"})):
        names = {e["name"] for e in container(render(chart, values))["env"]} - {"TMPDIR"}
        assert names <= settings, f"variables the BFF does not read: {sorted(names - settings)}"
    required = {name.upper() for name, field in Settings.model_fields.items() if field.is_required()}
    assert required <= set(plain_env(render(chart, prod_values()))), "every required setting is set"


@pytest.mark.parametrize("variant", ["prod", "platform-dev", "platform-prod"])
def test_the_bff_starts_from_what_the_pod_mounts(chart: helm.Chart, variant: str, tmp_path: Path) -> None:
    """Every mounted path exists where the env says, and the BFF's own start-up checks accept them."""
    from bff.settings import load_settings
    from bff.wiring import build

    objects = render(chart, with_apps(VARIANTS[variant]()))
    env = materialize(objects, tmp_path)
    settings = load_settings(env)
    for path in (settings.tls_cert_file, settings.tls_key_file, settings.cms_ca_file, settings.bff_apps_file):
        assert path.is_file(), f"{path} is not mounted"
    assert settings.bff_secrets_dir is not None
    assert {p.name for p in settings.bff_secrets_dir.iterdir()} == {"cmsToken", "cacheEncryptionKey"}
    build(settings)  # reads the apps file, the token and the cache key as at start-up; raises if wrong
    assert settings.cms_url == "https://cms.cms.svc.cluster.local"
    assert settings.bff_replicas == (2 if variant == "platform-dev" else 3), "replicas divide the limits"


def test_the_apps_configmap_is_the_file_the_bff_parses(chart: helm.Chart) -> None:
    from bff.apps import parse_apps

    objects = render(chart, with_apps(prod_values()))
    configmap = one(objects, "ConfigMap")
    assert configmap["metadata"]["name"] == "bff-apps"
    scope = parse_apps(configmap["data"]["apps.json"])
    assert scope.apps == set(PLATFORM_APPS)
    android = scope.grant("shopper-android")
    assert android is not None and android.secrets == {"maps-api-key", "push-key"}
    assert android.rate_limit_per_minute == 120


def test_a_change_of_grants_rolls_the_pods(chart: helm.Chart) -> None:
    def checksum(apps: dict[str, Any]) -> str:
        values = merge_values([prod_values()], {}, {"config.apps": apps})
        return one(render(chart, values), "Deployment")["spec"]["template"]["metadata"]["annotations"][
            "checksum/apps"
        ]

    granted = checksum(PLATFORM_APPS)
    assert granted != checksum({**PLATFORM_APPS, "shopper-ios": {"secrets": [], "rateLimitPerMinute": 60}})
    assert granted == checksum(copy.deepcopy(PLATFORM_APPS))


def test_the_pod_serves_the_ingress_certificate_unless_told_otherwise(chart: helm.Chart) -> None:
    def tls_volume(values: dict[str, Any]) -> dict[str, Any]:
        return next(v for v in pod_spec(render(chart, values))["volumes"] if v["name"] == "tls")["secret"]

    assert tls_volume(prod_values())["secretName"] == "bff-tls-v3"
    own = merge_values([prod_values()], {}, {"tls.existingSecret": "bff-internal-tls-v1"})
    assert tls_volume(own) == {
        "secretName": "bff-internal-tls-v1",
        "defaultMode": 288,
        "items": [{"key": "tls.crt", "path": "tls.crt"}, {"key": "tls.key", "path": "tls.key"}],
    }


def test_edge_limits_apply_in_the_pod_unless_overridden(chart: helm.Chart) -> None:
    env = plain_env(render(chart, prod_values()))
    assert env["IP_RATE_LIMIT_PER_MINUTE"] == "600"
    assert env["ALLOWED_CIDRS"] == "203.0.113.0/24,198.51.100.0/24"
    assert env["TRUSTED_PROXY_CIDRS"] == "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    assert "REDIS_URL" not in env
    overridden = merge_values(
        [prod_values()],
        {},
        {
            "config.rateLimit.perIpPerMinute": 90,
            "config.network.allowedCidrs": ["192.0.2.0/24"],
            "config.rateLimit.redisUrl": "rediss://redis.bff.svc:6380/0",
        },
    )
    env = plain_env(render(chart, overridden))
    assert (env["IP_RATE_LIMIT_PER_MINUTE"], env["ALLOWED_CIDRS"]) == ("90", "192.0.2.0/24")
    assert env["REDIS_URL"] == "rediss://redis.bff.svc:6380/0"


def test_a_redis_password_is_read_from_the_secret_only(chart: helm.Chart) -> None:
    values = merge_values(
        [dev_values()],
        {},
        {
            "secret.existingSecret": "s-v1",
            "secret.mount": "env",
            "config.rateLimit.redisUrl": "redis://r:6379",
        },
    )
    env = container(render(chart, values))["env"]
    (ref,) = [e["valueFrom"]["secretKeyRef"] for e in env if e["name"] == "REDIS_PASSWORD"]
    assert ref == {"name": "s-v1", "key": "redisPassword", "optional": True}
