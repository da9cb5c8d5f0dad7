"""HelmChartRelease under the offline engine, and its pure functions without Pulumi.

The release's `values` must stay a plain, readable input: the secret overrides travel in a Secret
whose name is the only thing the values say about them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from pydantic import TypeAdapter

from components.kubernetes.helm_release import (
    BffWiring,
    HelmChartRelease,
    HelmChartReleaseArgs,
    bff_sets,
    check_args,
    merge_values,
    overrides_rotation_days,
    overrides_version,
)
from config.models import BffConfig, HelmRelease, MobileApp, SecretEntry
from offline.mocks import PlanMocks
from offline.plan import find_dropped, find_leaks
from offline.runtime import Capture, Registration, run_program

ROOT = Path(__file__).resolve().parents[3]
PROJECT = "secrets-platform"
CANARY = "spcanary-t-1-feedbeef"
CANARY_2 = "spcanary-t-2-feedbeef"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
SECRET_TYPE = "kubernetes:core/v1:Secret"


def bff_release(**changes: Any) -> HelmRelease:
    """The happy path: the BFF chart with the prod values file and two secret overrides."""
    doc: dict[str, Any] = {
        "name": "bff",
        "chart": "charts/bff",
        "namespace": "bff",
        "valuesFiles": ["charts/bff/values.prod.yaml"],
        "values": {"config": {"cache": {"ttlSeconds": 120}}},
        "secretValues": [
            {"path": "secret.cmsToken", "secret": "bff-cms", "key": "token"},
            {"path": "secret.cacheEncryptionKey", "secret": "bff-cache", "key": "key"},
        ],
    }
    doc.update(changes)
    return HelmRelease.model_validate(doc)


def _run(
    release: HelmRelease,
    sets: dict[str, Any] | None = None,
    dry_run: bool = True,
    capture: Capture | None = None,
) -> Capture:
    def body() -> None:
        config = pulumi.Config(PROJECT)
        secret_values = {
            "secret.cmsToken": config.require_secret("cmsToken"),
            "secret.cacheEncryptionKey": config.require_secret("cacheKey"),
        }
        HelmChartRelease(
            "bff",
            HelmChartReleaseArgs(
                release=release,
                project_dir=ROOT,
                secret_values={o.path: secret_values[o.path] for o in release.secret_values},
                sets=sets if sets is not None else {"ingress.tlsSecretName": "bff-tls-v1"},
                secret_version=3,
                rotation_days=30,
            ),
        )

    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config={f"{PROJECT}:cmsToken": CANARY, f"{PROJECT}:cacheKey": CANARY_2},
        secret_keys=[f"{PROJECT}:cmsToken", f"{PROJECT}:cacheKey"],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
        dry_run=dry_run,
        capture=capture,
    )


def _one(capture: Capture, typ: str) -> Registration:
    found = [r for r in capture.resources if r.type == typ]
    assert len(found) == 1, f"expected one {typ}, registered {[r.name for r in found]}"
    return found[0]


@pytest.fixture(scope="module")
def capture() -> Capture:
    return _run(bff_release())


# --- the component under the offline engine ---------------------------------------------------------


def test_release_values_are_plain_and_free_of_secrets(capture: Capture) -> None:
    release = _one(capture, RELEASE_TYPE)
    assert not [p for p in release.secret_paths if p == "values" or p.startswith("values.")], (
        f"Release {release.name}: values must not be secret, so a preview diff shows them"
    )
    text = json.dumps(release.inputs)
    assert CANARY not in text and CANARY_2 not in text, f"Release {release.name} carries a secret value"
    assert release.unknown_paths == [], f"Release {release.name}: values must be known in a preview"


def test_release_values_name_the_secret_and_merge_files_values_and_sets(capture: Capture) -> None:
    release = _one(capture, RELEASE_TYPE)
    secret = _one(capture, SECRET_TYPE)
    values = release.inputs["values"]
    assert values["secret"] == {"existingSecret": secret.inputs["metadata"]["name"]}
    assert secret.inputs["metadata"]["name"] == "bff-secret-values-v3"
    assert values["replicaCount"] == 3, "values.prod.yaml is merged"
    assert values["config"] == {"cache": {"ttlSeconds": 120}}, "the stack's plain values are merged"
    assert values["ingress"] == {"tlsSecretName": "bff-tls-v1"}, "plain --set overrides are merged"
    assert release.inputs["chart"] == "./charts/bff"
    assert release.inputs["namespace"] == "bff" and release.inputs["name"] == "bff"
    assert release.inputs["atomic"] is True and release.inputs["cleanupOnFail"] is True


def test_secret_holds_the_overrides_as_secrets(capture: Capture) -> None:
    secret = _one(capture, SECRET_TYPE)
    assert secret.secret_paths == ["stringData"], f"Secret {secret.name}: stringData must be secret"
    assert secret.inputs["stringData"] == {"cmsToken": CANARY, "cacheEncryptionKey": CANARY_2}
    assert secret.inputs["immutable"] is True
    assert secret.inputs["metadata"]["namespace"] == "bff"
    assert secret.inputs["metadata"]["annotations"]["secrets-platform/rotation-days"] == "30"
    assert secret.inputs["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "secrets-platform"
    assert secret.options["deleteBeforeReplace"] is False


def test_release_depends_on_the_secret_and_both_are_children(capture: Capture) -> None:
    release = _one(capture, RELEASE_TYPE)
    secret = _one(capture, SECRET_TYPE)
    component = _one(capture, "secrets-platform:helm_release:HelmChartRelease")
    assert secret.urn in release.dependencies, f"Release {release.name} must wait for Secret {secret.name}"
    assert release.parent == component.urn and secret.parent == component.urn
    assert release.name == "bff-release" and secret.name == "bff-secret-values"


def test_no_leak_and_no_dropped_input(capture: Capture) -> None:
    assert find_leaks(capture) == []
    assert find_dropped(capture) == []


def test_values_are_the_same_without_preview() -> None:
    capture = _run(bff_release(), dry_run=False)
    assert _one(capture, RELEASE_TYPE).inputs["values"]["secret"] == {
        "existingSecret": "bff-secret-values-v3"
    }
    assert find_leaks(capture) == []


def test_release_waits_for_what_it_is_told_to() -> None:
    def body() -> None:
        first = k8s.core.v1.ConfigMap("first", metadata={"name": "first", "namespace": "bff"})
        HelmChartRelease(
            "bff",
            HelmChartReleaseArgs(release=bff_release(secretValues=[]), project_dir=ROOT, depends_on=[first]),
        )

    capture = run_program(
        body,
        project=PROJECT,
        stack="t",
        config={},
        secret_keys=[],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )
    release = _one(capture, RELEASE_TYPE)
    first = _one(capture, "kubernetes:core/v1:ConfigMap")
    assert first.urn in release.options["dependsOn"], release.urn


def test_release_without_secret_overrides_declares_no_secret() -> None:
    capture = _run(bff_release(secretValues=[]), sets={})
    assert [r for r in capture.resources if r.type == SECRET_TYPE] == []
    assert "secret" not in _one(capture, RELEASE_TYPE).inputs["values"]


def test_secret_and_release_wait_for_the_namespace() -> None:
    def body() -> None:
        namespace = k8s.core.v1.Namespace("ns", metadata={"name": "bff"})
        release = bff_release(secretValues=[{"path": "secret.cmsToken", "secret": "bff-cms", "key": "token"}])
        HelmChartRelease(
            "bff",
            HelmChartReleaseArgs(
                release=release,
                project_dir=ROOT,
                namespace=namespace.metadata.name,
                secret_values={"secret.cmsToken": pulumi.Config(PROJECT).require_secret("cmsToken")},
            ),
        )

    capture = run_program(
        body,
        project=PROJECT,
        stack="t",
        config={f"{PROJECT}:cmsToken": CANARY},
        secret_keys=[f"{PROJECT}:cmsToken"],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )
    namespace = _one(capture, "kubernetes:core/v1:Namespace")
    for registration in (_one(capture, SECRET_TYPE), _one(capture, RELEASE_TYPE)):
        assert namespace.urn in registration.dependencies, f"{registration.name} must wait for the namespace"
    assert _one(capture, RELEASE_TYPE).inputs["namespace"] == "bff"
    assert find_leaks(capture) == [] and find_dropped(capture) == []


def test_remote_chart_uses_repository_opts() -> None:
    release = bff_release(
        chart="bff", repository="https://charts.example.com", version="0.1.0", valuesFiles=[], values={}
    )
    inputs = _one(_run(release), RELEASE_TYPE).inputs
    assert inputs["chart"] == "bff" and inputs["version"] == "0.1.0"
    assert inputs["repositoryOpts"] == {"repo": "https://charts.example.com"}


def test_contradictory_arguments_declare_nothing() -> None:
    capture = Capture()
    with pytest.raises(ValueError, match=r"secret\.cmsToken is set by the platform"):
        _run(bff_release(), sets={"secret.cmsToken": "x"}, capture=capture)
    assert capture.resources == [], "arguments are checked before any resource exists"


# --- check_args: one change of the happy path per test ------------------------------------------------


def _args(release: HelmRelease | None = None, **changes: Any) -> HelmChartReleaseArgs:
    """Arguments for `check_args`, which reads only the paths of the secret values (no Pulumi needed)."""
    release = release or bff_release()
    args = HelmChartReleaseArgs(
        release=release,
        project_dir=ROOT,
        secret_values=dict.fromkeys((o.path for o in release.secret_values), "[value]"),
    )
    return replace(args, **changes)


def test_check_args_accepts_the_happy_path() -> None:
    assert check_args(_args()) == []


@pytest.mark.parametrize(
    ("release_changes", "arg_changes", "problem"),
    [
        ({"chart": "charts/none"}, {}, "is not a chart directory"),
        (
            {"valuesFiles": ["charts/bff/values.none.yaml"]},
            {},
            "values file charts/bff/values.none.yaml does",
        ),
        ({}, {"secret_values": {}}, "no value was provided for secret override secret.cmsToken"),
        ({}, {"secret_version": 0}, "secret_version must be at least 1"),
        ({}, {"rotation_days": 400}, "rotation_days must be between 1 and 365"),
        (
            {"secretValues": [{"path": "token", "secret": "s", "key": "k"}]},
            {},
            "must be nested under a values key",
        ),
        (
            {
                "secretValues": [
                    {"path": "secret.cmsToken", "secret": "s", "key": "k"},
                    {"path": "cms.token", "secret": "s", "key": "k"},
                ]
            },
            {},
            "must share one parent key",
        ),
        ({"values": {"secret": {"cmsToken": "oops"}}}, {}, "secret.cmsToken has a value in valuesFiles"),
        (
            {"values": {"secret": {"existingSecret": "mine"}}},
            {},
            "secret.existingSecret is set in valuesFiles",
        ),
        ({}, {"sets": {"secret.existingSecret": "mine"}}, "secret.existingSecret is set by the platform"),
    ],
)
def test_check_args_refuses(release_changes: dict, arg_changes: dict, problem: str) -> None:
    problems = check_args(_args(bff_release(**release_changes), **arg_changes))
    assert any(problem in p for p in problems), problems
    assert all(p.startswith("Helm release bff: ") for p in problems)


def test_check_args_refuses_grants_beside_the_platforms() -> None:
    """`config.apps` merges key by key in Helm: an app granted in the values would be served unseen."""
    apps = {"shopper-ios": {"secrets": ["maps-api-key"]}}
    sneaky = bff_release(values={"config": {"apps": {"backdoor-app": {"secrets": ["maps-api-key"]}}}})
    assert check_args(_args(sneaky, sets={"config.apps": apps})) == [
        "Helm release bff: config.apps is set by the platform (from the stack config); leave it empty in "
        "valuesFiles and values"
    ]
    assert check_args(_args(sets={"config.apps": apps})) == [], "an empty map in values.yaml is fine"


def test_check_args_refuses_a_value_for_an_undeclared_override() -> None:
    args = _args(secret_values={"secret.cmsToken": "v", "secret.cacheEncryptionKey": "v", "secret.x": "v"})
    assert check_args(args) == [
        "Helm release bff: a value was provided for secret.x, which is not a declared secret override"
    ]


# --- merge_values ------------------------------------------------------------------------------------


def test_merge_values_later_files_win() -> None:
    merged = merge_values([{"a": 1, "b": 1}, {"b": 2}], {}, {})
    assert merged == {"a": 1, "b": 2}


def test_merge_values_merges_maps_deeply() -> None:
    files = [{"image": {"repository": "r", "tag": "1"}, "resources": {"limits": {"cpu": "1"}}}]
    merged = merge_values(files, {"image": {"tag": "2"}, "resources": {"limits": {"memory": "1Gi"}}}, {})
    assert merged == {
        "image": {"repository": "r", "tag": "2"},
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
    }


def test_merge_values_applies_values_after_files_and_sets_last() -> None:
    merged = merge_values([{"a": {"b": "file"}}], {"a": {"b": "values"}}, {"a.b": "set", "a.c.d": 4})
    assert merged == {"a": {"b": "set", "c": {"d": 4}}}


def test_merge_values_replaces_lists() -> None:
    merged = merge_values([{"cidrs": ["10.0.0.0/8", "192.168.0.0/16"]}], {}, {"cidrs": ["203.0.113.0/24"]})
    assert merged == {"cidrs": ["203.0.113.0/24"]}


def test_merge_values_set_replaces_a_scalar_with_a_map() -> None:
    assert merge_values([{"a": "text"}], {}, {"a.b": 1}) == {"a": {"b": 1}}


def test_merge_values_does_not_modify_its_inputs() -> None:
    files = [{"a": {"b": [1]}}]
    values = {"a": {"c": 2}}
    merged = merge_values(files, values, {"a.d": 3})
    merged["a"]["b"].append(9)
    assert files == [{"a": {"b": [1]}}] and values == {"a": {"c": 2}}


# --- versions and the BFF's settings ----------------------------------------------------------------------


def _catalogue(cms: dict[str, Any], cache: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"name": "bff-cms", "source": "literal", "keys": {"token": "cmsToken"}, **cms},
        {"name": "bff-cache", "source": "generated", "keys": ["key"], **cache},
    ]
    adapter = TypeAdapter(SecretEntry)
    return {e["name"]: adapter.validate_python(e) for e in entries}


def test_overrides_version_grows_with_any_catalogue_version() -> None:
    release = bff_release()
    assert overrides_version(release, _catalogue({}, {})) == 2
    assert overrides_version(release, _catalogue({"version": 2}, {})) == 3
    assert overrides_version(release, _catalogue({}, {"version": 4})) == 5


def test_overrides_rotation_days_is_the_shortest() -> None:
    release = bff_release()
    assert overrides_rotation_days(release, _catalogue({"rotationDays": 30}, {"rotationDays": 60})) == 30
    assert overrides_rotation_days(release, _catalogue({}, {})) == 90


WIRING = BffWiring(
    apps=[
        MobileApp(name="shopper-ios", platform="ios", secrets=["maps-api-key"]),
        MobileApp(
            name="shopper-android",
            platform="android",
            secrets=["maps-api-key", "push-key"],
            rate_limit_per_minute=120,
        ),
    ],
    serving_secret="bff-internal-tls",
    cms_url="https://cms.cms.svc.cluster.local",
    cms_collection="mobile_secrets",
)


def test_bff_sets_carry_what_the_stack_states_and_the_platform_wiring() -> None:
    bff = BffConfig.model_validate(
        {
            "hostname": "bff.dev.example.com",
            "tlsSecret": "bff-tls",
            "oauthIssuer": "https://auth.dev.example.com/",
            "oauthAudience": "shopper-apps",
            "rateLimitPerMinute": 300,
        }
    )
    assert bff_sets(bff, WIRING) == {
        # The stack's `bff:` block: only what it states.
        "ingress.hostname": "bff.dev.example.com",
        "config.oauth.issuer": "https://auth.dev.example.com/",
        "config.oauth.audience": "shopper-apps",
        "ingress.rateLimitPerMinute": 300,
        # The platform declares the Ingress and the NetworkPolicies itself.
        "ingress.enabled": False,
        "networkPolicy.enabled": False,
        # The pod serves its own certificate and pins the internal CA (its ca.crt) for the CMS.
        "tls.existingSecret": "bff-internal-tls",
        "config.cms.caSecretName": "bff-internal-tls",
        "config.cms.caConfigMap": "",
        "config.cms.caKey": "ca.crt",
        "config.cms.url": "https://cms.cms.svc.cluster.local",
        "config.cms.collection": "mobile_secrets",
        # `apps:`, names and numbers only.
        "config.apps": {
            "shopper-ios": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 60},
            "shopper-android": {"secrets": ["maps-api-key", "push-key"], "rateLimitPerMinute": 120},
        },
        # Always the stack's image (the default placeholder here): the CMS Jobs run the same.
        "image.repository": "ghcr.io/example/bff",
        "image.tag": "1.0.0",
        "image.digest": "",
    }


def test_bff_sets_without_a_cms_leave_the_charts_address() -> None:
    bff = BffConfig(hostname="bff.example.com", oauth_issuer="https://a.example.com/", oauth_audience="a")
    sets = bff_sets(bff, BffWiring(apps=[], serving_secret="bff-internal-tls"))
    assert "config.cms.url" not in sets and "config.cms.collection" not in sets
    assert sets["config.apps"] == {}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("ghcr.io/example/bff:1.0.0", ("ghcr.io/example/bff", "1.0.0", "")),
        ("registry:5000/bff:2.1.0", ("registry:5000/bff", "2.1.0", "")),
        ("ghcr.io/example/bff@sha256:" + "a" * 64, ("ghcr.io/example/bff", "", "sha256:" + "a" * 64)),
        ("registry:5000/bff@sha256:" + "b" * 64, ("registry:5000/bff", "", "sha256:" + "b" * 64)),
    ],
)
def test_bff_sets_split_the_image(image: str, expected: tuple[str, str, str]) -> None:
    bff = BffConfig(
        hostname="bff.example.com",
        tls_secret="bff-tls",
        oauth_issuer="https://auth.example.com/",
        oauth_audience="a",
        image=image,
    )
    sets = bff_sets(bff, WIRING)
    assert (sets["image.repository"], sets["image.tag"], sets["image.digest"]) == expected


@pytest.mark.parametrize("image", ["ghcr.io/example/bff", "ghcr.io/example/bff:latest", "registry:5000/bff"])
def test_an_unpinned_bff_image_is_refused(image: str) -> None:
    with pytest.raises(ValueError, match="pinned by digest"):
        BffConfig(
            hostname="bff.example.com", oauth_issuer="https://a.example.com/", oauth_audience="a", image=image
        )
