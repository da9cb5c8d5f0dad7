"""The offline policy check, through the engine's analyzer protocol against the real pack process.

One pack subprocess serves the whole module (started as the engine starts it); each test configures
it (`Configure`) and analyzes a capture. The corpus (`tests/corpus/`) holds deliberately unsafe
programs and stack config variants; each must be caught by exactly the policies it names.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import os
import re
import runpy
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_vault as vault
import pytest
import yaml
from pulumi.runtime import settings

from config.errors import ConfigError
from offline.check import (
    OFFLINE_CHECKS,
    PACK_DIR,
    CheckResult,
    PackError,
    PolicyConfigError,
    PolicyPackProcess,
    Redactor,
    Violation,
    check_capture,
    effective_config,
    load_policy_config,
    pack_python,
    policy_config_path,
    render,
    run_check,
    stack_sources,
    to_json,
    to_sarif,
    wrap_secrets,
    write_reports,
)
from offline.cli import main
from offline.mocks import PlanMocks
from offline.plan import capture_stack, find_dropped, find_leaks
from offline.runtime import SECRET_SIG, SIG_KEY, Capture, _forget_project_modules, run_program
from offline.stackfiles import PLACEHOLDER_PREFIX, StackInput, read_stack
from policies import ALL_POLICIES
from tests.conftest import ROOT, dev_stack
from tests.policies.conftest import run

CORPUS = ROOT / "tests" / "corpus"
PROGRAM_CASES = sorted(p for p in CORPUS.glob("*.py") if not p.name.startswith("_"))
CONFIG_CASES = sorted(CORPUS.glob("*.yaml"))
CANARY = re.compile(r"(spcanary|spgenerated)-[a-z0-9-]+")

EXPECTED_VIOLATIONS = {
    "dev": {
        # dev's config asks for 7-day windows, which dev's policy config only advises against.
        ("aws-kms-key-deletion-window", "secrets-aws-secrets-key", "advisory"),
        ("aws-kms-key-deletion-window", "secrets-aws-store-key", "advisory"),
        ("aws-secretsmanager-secret-recovery-window", "secrets-store-store-orders-queue", "advisory"),
        ("aws-kms-key-deletion-window", "secrets-vault-store-audit-logs-key", "advisory"),
        # dev runs its images by tag on purpose; prod's policy config makes digests mandatory.
        ("kubernetes-container-image-digest", "secrets-cms-provisioner-job", "advisory"),
        ("kubernetes-container-image-digest", "secrets-cms-writer-maps-api-key", "advisory"),
        ("kubernetes-container-image-digest", "secrets-helm-bff-release", "advisory"),
        ("kubernetes-container-image-digest", "secrets-workload-orders-api-deployment", "advisory"),
        ("kubernetes-container-image-digest", "secrets-workload-payments-api-deployment", "advisory"),
        # dev's payments-provider is `mount: env` (a reader that cannot read files); prod forbids it.
        ("kubernetes-container-secret-env", "secrets-workload-payments-api-deployment", "advisory"),
    },
    "prod": set(),
}
"""Every violation each shipped stack has, exactly: a new one, or one that disappears, fails the test."""


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(project="secrets-platform", stack="t") as process:
        yield process


@pytest.fixture(scope="module")
def configs(pack: PolicyPackProcess) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    return {
        stack: effective_config(
            pack.policies(), load_policy_config(policy_config_path(stack)), f"{stack}.json"
        )
        for stack in ("dev", "prod")
    }


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the protocol ----------------------------------------------------------------------------


def test_pack_runs_in_the_venv_named_by_its_project_file() -> None:
    assert pack_python(PACK_DIR) == str(ROOT / ".venv" / "bin" / "python")


def test_pack_serves_every_policy_with_its_level_and_config_schema(pack: PolicyPackProcess) -> None:
    assert pack.info is not None and pack.info.name == "secrets-platform"
    served = pack.policies()
    assert list(served) == [p.name for p in ALL_POLICIES]
    for policy in ALL_POLICIES:
        info = served[policy.name]
        assert info.description == policy.description
        assert info.remediation_steps == policy.remediation_steps
        schema = policy.config_schema.properties if policy.config_schema else {}
        for key in schema:
            assert key in info.configSchema.properties, f"{policy.name}: {key} is not served"


def test_a_pack_that_fails_to_start_is_reported_with_its_error(tmp_path: Path) -> None:
    broken = tmp_path / "pack"
    broken.mkdir()
    (broken / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    (broken / "__main__.py").write_text("raise SystemExit('no policies here')\n", encoding="utf-8")
    with pytest.raises(PackError, match="no policies here"), PolicyPackProcess(broken, timeout=20):
        pass


def test_config_applies_schema_defaults_then_all_then_the_policy_entry(pack: PolicyPackProcess) -> None:
    policies = pack.policies()
    config = effective_config(policies, {})
    assert config["aws-kms-key-rotation"] == ("mandatory", {"maxRotationDays": 365})
    config = effective_config(
        policies,
        {
            "all": "advisory",
            "aws-kms-key-rotation": {"enforcementLevel": "mandatory", "maxRotationDays": 90},
            "kubernetes-ingress-tls": "disabled",
        },
    )
    assert config["aws-kms-key-rotation"] == ("mandatory", {"maxRotationDays": 90})
    assert config["kubernetes-ingress-tls"][0] == "disabled"
    assert config["azure-keyvault-purge-protection"][0] == "advisory"


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"aws-kms-key-rotaton": "advisory"}, "'aws-kms-key-rotaton' is not a policy"),
        ({"aws-kms-key-rotation": {"maxRotationDays": "ninety"}}, "aws-kms-key-rotation.maxRotationDays"),
        ({"aws-kms-key-rotation": {"maxRotationDay": 90}}, "Additional properties"),
        ({"aws-kms-key-rotation": "sometimes"}, "'sometimes' is not one of"),
        ({"all": "strict"}, "all: 'strict'"),
    ],
)
def test_config_errors_name_the_policy_and_property(pack: PolicyPackProcess, doc: dict, problem: str) -> None:
    with pytest.raises(PolicyConfigError, match=re.escape(problem)):
        effective_config(pack.policies(), doc)


def test_secret_paths_are_wrapped_as_the_engine_marshals_them() -> None:
    inputs = {"stringData": {"tls.crt": "a", "tls.key": "b"}, "metadata": {"name": "x", "uid": None}}
    wrapped = wrap_secrets(inputs, ["stringData.tls.key"])
    assert wrapped["stringData"]["tls.key"] == {SIG_KEY: SECRET_SIG, "value": "b"}
    assert wrapped["stringData"]["tls.crt"] == "a"
    assert wrapped["metadata"] == {"name": "x"}, "nulls are skipped"


def test_levels_follow_the_stack_policy_config(pack: PolicyPackProcess, configs: dict) -> None:
    path = CORPUS / "kms_short_deletion_window.py"
    capture = run(_load(path).program)
    levels = {
        stack: {v.level for v in check_capture(pack, capture, configs[stack])} for stack in ("dev", "prod")
    }
    assert levels == {"dev": {"advisory"}, "prod": {"mandatory"}}, "dev advises where prod blocks"


def test_a_disabled_policy_reports_nothing(pack: PolicyPackProcess, configs: dict) -> None:
    capture = run(_load(CORPUS / "role_wildcard_verbs.py").program)
    assert check_capture(pack, capture, configs["prod"]), "enabled, the policy reports the case"
    config = dict(configs["prod"])
    config["kubernetes-role-wildcards"] = ("disabled", config["kubernetes-role-wildcards"][1])
    assert check_capture(pack, capture, config) == []


def test_violations_carry_the_resource_urn_and_remediation(pack: PolicyPackProcess, configs: dict) -> None:
    capture = run(_load(CORPUS / "binding_user_subject.py").program)
    (violation,) = check_capture(pack, capture, configs["prod"])
    assert violation.urn.endswith("RoleBinding::reader-alice"), violation.urn
    assert violation.resource_type == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
    assert violation.level == "mandatory" and violation.severity == "high"
    assert violation.remediation and violation.message.endswith("."), violation
    assert not violation.message.startswith(violation.description), "the description line is split off"


# --- the corpus ------------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_every_policy_and_offline_check() -> None:
    expected = set()
    unsafe: dict[str, int] = {}
    safe = 0
    for path in PROGRAM_CASES:
        case = _load(path).EXPECTED
        expected |= case
        safe += not case
        for domain in {name.split("-")[0] for name in case}:
            unsafe[domain] = unsafe.get(domain, 0) + 1
    for path in CONFIG_CASES:
        expected |= set(yaml.safe_load(path.read_text(encoding="utf-8"))["expected"])
    variants = sum(1 for p in PROGRAM_CASES if _load(p).EXPECTED) + len(CONFIG_CASES)
    assert variants >= 120, f"{variants} unsafe variants"
    assert safe >= 5, "passing twins show what the policies accept"
    for domain in ("kubernetes", "aws", "azure", "vault", "random", "offline"):
        assert unsafe.get(domain, 0) >= 3, f"too few {domain} cases: {unsafe}"
    assert expected == {p.name for p in ALL_POLICIES} | set(OFFLINE_CHECKS)


@pytest.mark.parametrize("path", PROGRAM_CASES, ids=lambda p: p.stem)
def test_unsafe_program_is_caught_by_exactly_its_policies(
    pack: PolicyPackProcess, configs: dict, path: Path
) -> None:
    case = _load(path)
    capture = run(case.program)
    violations = check_capture(pack, capture, configs[getattr(case, "POLICY_CONFIG", "prod")])
    caught = {v.policy for v in violations}
    assert caught == case.EXPECTED, f"{path.stem}: caught {sorted(caught)}, expected {sorted(case.EXPECTED)}"
    for violation in violations:
        assert not CANARY.search(violation.message), f"{path.stem}: a message shows a secret value"


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set `ns:key[name=x].field` (or `ns:key.0.field`) in a stack file's config."""
    key, _, rest = path.partition("[") if "[" in path.split(".")[0] else path.partition(".")
    node: Any = doc["config"]
    parts = re.findall(r"\[name=([^\]]+)\]|([^.\[\]]+)", ("[" + rest) if "[" in path.split(".")[0] else rest)
    node = node[key]
    for i, (name, field) in enumerate(parts):
        last = i == len(parts) - 1
        if name:
            matches = [item for item in node if item.get("name") == name]
            assert len(matches) == 1, f"{path}: no single entry named {name}"
            node = matches[0]
        elif last:
            node[field] = value
        else:
            node = node[int(field)] if isinstance(node, list) else node[field]


def _scratch_project(tmp_path: Path, stack: str, doc: dict[str, Any]) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    for directory in ("certs", "charts", "functions"):
        if (ROOT / directory).exists():
            shutil.copytree(ROOT / directory, tmp_path / directory)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return tmp_path


_BASELINES: dict[tuple[str, str], set[tuple[str, str]]] = {}


def _baseline(pack: PolicyPackProcess, configs: dict, stack: str, policy_config: str) -> set[tuple[str, str]]:
    """(policy, URN) the unchanged stack already violates: a variant counts only what it adds."""
    if (stack, policy_config) not in _BASELINES:
        _, capture, _ = capture_stack(ROOT, stack)
        _BASELINES[(stack, policy_config)] = {
            (v.policy, v.urn) for v in check_capture(pack, capture, configs[policy_config])
        }
    return _BASELINES[(stack, policy_config)]


@pytest.mark.parametrize("path", CONFIG_CASES, ids=lambda p: p.stem)
def test_unsafe_config_variant_is_caught_by_exactly_its_policies(
    pack: PolicyPackProcess, configs: dict, tmp_path: Path, path: Path
) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    stack = case["stack"]
    doc = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")))
    for key, value in case["set"].items():
        _set(doc, key, value)
    baseline = _baseline(pack, configs, stack, case["policyConfig"])
    _, capture, _ = capture_stack(_scratch_project(tmp_path, stack, doc), stack)
    added = [
        v
        for v in check_capture(pack, capture, configs[case["policyConfig"]])
        if (v.policy, v.urn) not in baseline
    ]
    assert {v.policy for v in added} == set(case["expected"]), (
        f"{path.stem}: {[(v.policy, v.urn) for v in added]}"
    )


# --- the corpus appended to the real programs ------------------------------------------------------


TOKEN_KEY = "secrets-platform:token"


def _case_type(stem: str) -> str:
    """A component type per case: children's URNs carry it, so same-named resources of two cases differ."""
    return "corpus:case:" + "".join(word.capitalize() for word in stem.split("_"))


def _appended_capture(stack: str) -> tuple[StackInput, Capture, dict[str, ModuleType]]:
    """One run of the real program of `stack` with every corpus program appended, as an attacker
    appends resources to `__main__.py`: each case under its own component, reading the stack config
    plus one secure key (`token`), set after the platform has loaded its own config."""
    stack_input = read_stack(ROOT, stack)
    placeholder = f"{PLACEHOLDER_PREFIX}-{stack}-{len(stack_input.placeholders) + 1}-{stack_input.run_id}"
    cases = {path.stem: _load(path) for path in PROGRAM_CASES}
    region = stack_input.config.get("aws:region") or stack_input.config.get("azure-native:location") or ""

    def body() -> None:
        previous = os.getcwd()
        os.chdir(ROOT)
        try:
            runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        finally:
            os.chdir(previous)
        pulumi.runtime.set_all_config(
            {**stack_input.config, TOKEN_KEY: placeholder}, [*stack_input.secret_keys, TOKEN_KEY]
        )
        for stem, case in cases.items():
            # Each case is an attack of its own: one that declares Vault resources talks to a Vault of its
            # own (the platform's Vault is reached through the platform's provider), so an audit device or
            # mount limits of another case do not cover it.
            opts = None
            if "pulumi_vault" in Path(case.__file__ or "").read_text(encoding="utf-8"):
                server = vault.Provider(
                    f"{stem}-vault", address=f"https://{stem.replace('_', '-')}.vault.example:8200"
                )
                opts = pulumi.ResourceOptions(transformations=[_on_server(server)])
            parent = pulumi.ComponentResource(_case_type(stem), stem, opts=opts)
            token = settings.ROOT.set(parent)
            try:
                case.program()
            finally:
                settings.ROOT.reset(token)

    _forget_project_modules()
    capture = run_program(
        body,
        project=stack_input.project,
        stack=stack,
        config=stack_input.config,
        secret_keys=stack_input.secret_keys,
        plan_mocks=PlanMocks(region, stack_input.run_id),
    )
    return stack_input, capture, cases


def _on_server(server: pulumi.ProviderResource) -> pulumi.ResourceTransformation:
    """A transformation that declares a case's Vault resources with its own Vault provider."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not args.type_.startswith("vault:") or args.opts.provider is not None:
            return None
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(provider=server))
        )

    return transform


def _owners(capture: Capture) -> dict[str, str]:
    """URN -> the case whose component it descends from ("" for the platform's own resources)."""
    parents = {r.urn: r.parent for r in capture.resources}
    cases = {r.urn: r.name for r in capture.resources if r.type.startswith("corpus:case:")}
    owners = {}
    for urn in parents:
        node = urn
        while node and node not in cases:
            node = parents.get(node, "")
        owners[urn] = cases.get(node, "")
    return owners


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_case_appended_to_the_real_program_is_caught_by_exactly_its_policies(
    pack: PolicyPackProcess, configs: dict, stack: str
) -> None:
    stack_input, capture, cases = _appended_capture(stack)
    assert find_dropped(capture) + find_leaks(capture) == [], (
        "the appended program must plan as the check does"
    )
    violations = check_capture(
        pack, capture, configs[stack], sources=stack_sources(ROOT, stack_input, capture)
    )
    owners = _owners(capture)
    caught: dict[str, set[str]] = {stem: set() for stem in cases}
    platform = set()
    for v in violations:
        owner = owners.get(v.urn, "")
        if owner:
            caught[owner].add(v.policy)
        else:
            platform.add((v.policy, v.urn.rsplit("::", 1)[-1], v.level))
        assert not CANARY.search(v.message), f"{owner or 'platform'}: a message shows a secret value"
    assert platform == EXPECTED_VIOLATIONS[stack], f"{stack}: the platform's own violations changed"
    wrong = {
        stem: (sorted(caught[stem]), sorted(expected))
        for stem, case in cases.items()
        if caught[stem] != (expected := getattr(case, "EXPECTED_IN_STACK", {}).get(stack, case.EXPECTED))
    }
    assert wrong == {}, f"{stack}: cases caught (found, expected) differently when appended"


# --- offline checks ------------------------------------------------------------------------


def test_offline_checks_see_secret_inputs_the_pack_cannot(pack: PolicyPackProcess, configs: dict) -> None:
    def body() -> None:
        token = pulumi.Config("secrets-platform").require_secret("token")
        k8s.helm.v3.Release("passed-1", chart="x", values={"secret": {"cmsToken": token}})
        k8s.helm.v3.Release("failed-1", chart="x", values={"secret": {"cmsToken": "not-a-secret-input"}})
        k8s.helm.v3.Release("failed-2", chart="x", values={"auth": {"note": token}})

    config = dict(configs["prod"])
    name = "kubernetes-helm-release-values-plaintext-secret"
    config[name] = (config[name][0], {**config[name][1], "allowList": ["secret.cmsToken"]})
    violations = check_capture(pack, run(body), config)
    found = {(v.policy, v.urn.rsplit("::", 1)[-1]) for v in violations}
    assert found == {
        ("offline-helm-values-secret-leaves", "failed-1"),
        ("offline-secret-in-plaintext-field", "failed-2"),
    }, found


# --- output and the real stacks -------------------------------------------------------------


def test_reports_never_show_a_secret_value(pack: PolicyPackProcess, configs: dict, tmp_path: Path) -> None:
    capture = run(_load(CORPUS / "env_secret_from_config.py").program)
    violations = check_capture(pack, capture, configs["prod"])
    result = CheckResult(
        project="secrets-platform",
        stack="t",
        pack={"name": "secrets-platform", "version": "0.1.0", "config": "prod.json"},
        violations=[*violations, _canary_violation()],
        policies={
            v.policy: {
                "description": v.description,
                "remediation": v.remediation,
                "level": v.level,
                "severity": "",
            }
            for v in [*violations, _canary_violation()]
        },
    )
    out = io.StringIO()
    render(result, out)
    written = write_reports(result, tmp_path)
    texts = [out.getvalue(), *(p.read_text(encoding="utf-8") for p in written)]
    for text in texts:
        assert not CANARY.search(text), "a placeholder value reached the output"
    assert "[secret]" in texts[1], "the canary in the message was masked, not dropped"


def test_the_redactor_masks_placeholders_of_any_stack_name() -> None:
    text = "a spcanary-Prod_EU.1-3-0a1b2c3d and spgenerated-4-0a1b2c3d here"
    assert Redactor()(text) == "a [secret] and [secret] here"


def _canary_violation() -> Violation:
    return Violation(
        policy="offline-secret-in-plaintext-field",
        level="mandatory",
        urn="urn:pulumi:t::secrets-platform::kubernetes:core/v1:ConfigMap::c",
        resource_type="kubernetes:core/v1:ConfigMap",
        message="A message quoting spcanary-t-1-feedbeef by mistake. Never do that.",
        description="d",
        remediation="r",
        source="offline",
    )


def test_sarif_is_2_1_0_with_a_rule_per_policy_and_a_located_result() -> None:
    violation = _canary_violation()
    result = CheckResult(
        project="p",
        stack="prod",
        pack={"name": "secrets-platform", "version": "0.1.0", "config": "prod.json"},
        violations=[violation],
        policies={
            violation.policy: {"description": "d", "remediation": "r", "level": "mandatory", "severity": "x"}
        },
    )
    sarif = to_sarif(result)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    run_ = sarif["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    (finding,) = run_["results"]
    assert rule_ids[finding["ruleIndex"]] == finding["ruleId"] == violation.policy
    assert finding["level"] == "error"
    location = finding["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.prod.yaml"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == violation.urn
    assert to_json(result)["summary"] == {"mandatory": 1, "advisory": 0, "resources": 0}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stack_check_finds_exactly_the_expected_violations(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--project-dir", str(ROOT), "check", "--stack", stack, "--out", str(tmp_path)])
    stdout, stderr = capsys.readouterr()
    report = json.loads((tmp_path / "violations.json").read_text(encoding="utf-8"))
    sarif = json.loads((tmp_path / "violations.sarif").read_text(encoding="utf-8"))
    found = {(v["policy"], v["urn"].rsplit("::", 1)[-1], v["enforcementLevel"]) for v in report["violations"]}
    assert found == EXPECTED_VIOLATIONS[stack], f"{stack}: violations changed"
    assert code == 0, stderr
    assert report["stack"] == stack and report["summary"]["mandatory"] == 0
    assert len(sarif["runs"][0]["results"]) == len(report["violations"])
    assert f"Policy check of stack {stack}" in stdout
    for text in (stdout, stderr, json.dumps(report), json.dumps(sarif)):
        assert not CANARY.search(text), f"{stack}: a placeholder value reached the output"


def test_pack_process_option_gives_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--pack-process` runs the pack in its own process over gRPC, as the engine does: same report."""
    reports = {}
    for option in ([], ["--pack-process"]):
        out = tmp_path / ("process" if option else "in-process")
        code = main(["--project-dir", str(ROOT), "check", "--stack", "dev", "--out", str(out), *option])
        capsys.readouterr()
        assert code == 0
        reports[bool(option)] = (out / "violations.json").read_text(encoding="utf-8")
    assert reports[True] == reports[False] and json.loads(reports[True])["violations"]


# --- streaming: the pack analyzes while the program runs -----------------------------------------------


def test_streamed_analysis_finds_what_a_sequential_one_finds() -> None:
    streamed = run_check(ROOT, "dev")
    stack_input, capture, _ = capture_stack(ROOT, "dev")
    path = policy_config_path("dev")
    with PolicyPackProcess(PACK_DIR, project="secrets-platform", stack="dev") as pack:
        config = effective_config(pack.policies(), load_policy_config(path), source=path.name)
        sequential = check_capture(pack, capture, config, sources=stack_sources(ROOT, stack_input, capture))
    assert streamed.violations, "dev has advisory findings to compare"
    assert [(v.policy, v.level, v.urn, v.message) for v in streamed.violations] == [
        (v.policy, v.level, v.urn, v.message) for v in sequential
    ]


def test_bad_config_stops_the_streamed_check_with_the_config_error(project_dir_with_bad_reader: Path) -> None:
    with pytest.raises(ConfigError, match=r"secrets\[0\]\.readers\[0\]"):
        run_check(project_dir_with_bad_reader, "t")


@pytest.fixture
def project_dir_with_bad_reader(project: Any) -> Path:
    doc = dev_stack()
    doc["config"]["secrets-platform:secrets"][0]["readers"] = ["nobody"]
    return project(doc)
