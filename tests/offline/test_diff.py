"""The diff: pairs of plans of the dev stack with one change each, and `--base` end to end.

Each variant of the dev stack (`VARIANTS`) changes one thing. Plans (about a second each) and
policy checks are made once per module and reused; a module-scoped pack process serves every check.
The end-to-end test builds a git repository in a scratch directory: its base commit and a working
tree with a new ciphertext, a changed certificate file and a rotation.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.check import (
    CheckResult,
    PolicyPackProcess,
    check_capture,
    effective_config,
    load_policy_config,
    policy_config_path,
    to_json,
)
from offline.cli import main
from offline.diff import (
    ADDED,
    CHANGED,
    UNKNOWN,
    Diff,
    ResourceChange,
    diff_plans,
    guard,
    render_markdown,
    replace_rules,
)
from offline.passphrase import decrypt, encrypt, key_from_salt_state
from offline.plan import Plan, capture_stack, make_plan
from tests.conftest import ROOT, dev_stack

DEV_PASSPHRASE = "dev-only-example-passphrase"  # documented in the README; dev's example values only
CANARY = re.compile(r"(spcanary|spgenerated)-[a-z0-9-]+")
CIPHERTEXT = re.compile(r"\bv1:[A-Za-z0-9+/=]{8,}:")
SECRET = "kubernetes:core/v1:Secret"
RANDOM = "random:index/randomPassword:RandomPassword"
NOT_IN_PLANS = "plan files hold no secret material"


def _entry(config: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in config["secrets-platform:secrets"] if s["name"] == name)


def _create(config: dict[str, Any]) -> None:
    """A new generated secret in the BFF's namespace."""
    config["secrets-platform:secrets"].append(
        {"name": "audit-token", "source": "generated", "keys": ["token"], "namespace": "bff"}
    )


def _update(config: dict[str, Any]) -> None:
    """One more replica of payments-api."""
    config["secrets-platform:workloads"][0]["replicas"] = 3


def _rotate(config: dict[str, Any]) -> None:
    """payments-provider v1 -> v2 (the config value itself is not touched)."""
    _entry(config, "payments-provider")["version"] = 2


def _delete(config: dict[str, Any]) -> None:
    """The payments CA bundle leaves the catalogue."""
    config["secrets-platform:secrets"].remove(_entry(config, "payments-ca"))


def _regenerate(config: dict[str, Any]) -> None:
    """payments-db v1 -> v2: its password is generated again."""
    _entry(config, "payments-db")["version"] = 2


def _resource(config: dict[str, Any]) -> None:
    """maps-api-key now reads another config key (and the unused key goes)."""
    _entry(config, "maps-api-key")["keys"] = {"api-key": "bffCmsToken"}
    del config["secrets-platform:mapsApiKey"]


def _reader(config: dict[str, Any]) -> None:
    """A new workload that reads payments-db."""
    config["secrets-platform:workloads"].append(
        {"name": "payments-worker", "namespace": "payments", "image": "ghcr.io/example/payments-worker:1.0.0"}
    )
    _entry(config, "payments-db")["readers"].append("payments-worker")


def _grant(config: dict[str, Any]) -> None:
    """A new mobile secret, granted to the iOS app; the Android app loses maps-api-key."""
    config["secrets-platform:secrets"].append(
        {"name": "push-key", "source": "generated", "keys": ["key"], "mobile": True}
    )
    apps = config["secrets-platform:apps"]
    apps[0]["secrets"].append("push-key")
    apps[1]["secrets"] = []


def _rotate_mobile(config: dict[str, Any]) -> None:
    """maps-api-key v1 -> v2: a new Secret and a new writer Job."""
    _entry(config, "maps-api-key")["version"] = 2


def _weaken(config: dict[str, Any]) -> None:
    """Operators bound through a group the policy config does not allow."""
    config["secrets-platform:operators"]["group"] = "ops-admins"


def _harden(config: dict[str, Any]) -> None:
    """KMS deletion windows at the 30 days the dev policy config advises."""
    config["secrets-platform:aws"]["kmsDeletionWindowDays"] = 30


VARIANTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "base": lambda config: None,
    "create": _create,
    "update": _update,
    "rotate": _rotate,
    "delete": _delete,
    "regenerate": _regenerate,
    "resource": _resource,
    "reader": _reader,
    "grant": _grant,
    "rotate-mobile": _rotate_mobile,
    "weaken": _weaken,
    "harden": _harden,
}


def _stack_doc(variant: str) -> dict[str, Any]:
    doc = dev_stack()
    VARIANTS[variant](doc["config"])
    return doc


@pytest.fixture(scope="module")
def cache() -> dict[tuple[str, str], Any]:
    """Plans and violations per variant, shared by the module's tests."""
    return {}


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(project="secrets-platform", stack="t") as process:
        yield process


@pytest.fixture
def planned(
    project: Callable[[dict[str, Any]], Path], cache: dict[tuple[str, str], Any]
) -> Callable[[str], Plan]:
    """The plan of a variant (stack `t` in the `project` fixture's scratch copy), made once."""

    def get(variant: str) -> Plan:
        if ("plan", variant) not in cache:
            cache[("plan", variant)] = make_plan(project(_stack_doc(variant)), "t")
        return cache[("plan", variant)]

    return get


@pytest.fixture
def checked(
    project: Callable[[dict[str, Any]], Path], cache: dict[tuple[str, str], Any], pack: PolicyPackProcess
) -> Callable[[str], dict[str, Any]]:
    """The violations document of a variant under dev's policy config, as `check --out` writes it."""

    def get(variant: str) -> dict[str, Any]:
        if ("check", variant) not in cache:
            _, capture, _ = capture_stack(project(_stack_doc(variant)), "t")
            config = effective_config(pack.policies(), load_policy_config(policy_config_path("dev")))
            violations = check_capture(pack, capture, config)
            result = CheckResult("secrets-platform", "t", {"name": "secrets-platform"}, violations, {})
            cache[("check", variant)] = to_json(result)
        return cache[("check", variant)]

    return get


@pytest.fixture
def diff(planned: Callable[[str], Plan]) -> Callable[[str], Diff]:
    """The diff from the base variant to another, from the two plans alone."""
    return lambda variant: diff_plans(planned("base"), planned(variant))


def _by_name(d: Diff) -> dict[str, ResourceChange]:
    return {c.name: c for c in d.resources}


def _actions(d: Diff) -> set[tuple[str, str]]:
    return {(c.action, c.name) for c in d.resources if c.custom}


# --- resources -------------------------------------------------------------------------------------


def test_a_new_secret_is_created_with_its_generator(diff: Callable[[str], Diff]) -> None:
    d = diff("create")
    assert {(a, n) for a, n in _actions(d) if a != "update"} == {
        ("create", "secrets-audit-token-secret"),
        ("create", "secrets-audit-token-token"),
    }
    assert _actions(d) - {
        ("create", "secrets-audit-token-secret"),
        ("create", "secrets-audit-token-token"),
    } == {("update", "secrets-operators-bff-role")}, "the operators' Role names the new Secret"
    secret = _by_name(d)["secrets-audit-token-secret"]
    assert [(s.path, s.status) for s in secret.secrets] == [("stringData.token", ADDED)], secret.urn
    assert "generated by `secrets-audit-token-token`" in secret.secrets[0].detail, secret.urn
    assert (d.count("create"), d.count("update"), d.count("replace"), d.count("delete")) == (2, 1, 0, 0)


def test_a_plain_change_is_an_update_with_old_and_new_values(diff: Callable[[str], Diff]) -> None:
    d = diff("update")
    assert _actions(d) == {("update", "secrets-workload-payments-api-deployment")}
    change = d.resources[0]
    assert [(p.path, p.old, p.new) for p in change.properties] == [("spec.replicas", 2, 3)], change.urn
    assert not change.reasons and not change.secrets, change.urn
    # Each plan was made in its own scratch directory: the rotation Lambda's archive is the same file
    # of another checkout, not a change (its content is for `--base` to compare).
    assert d.unseen_files == 1
    text = render_markdown(d)
    assert "- `spec.replicas`: `2` → `3`" in text
    assert "**0 to create, 1 to update, 0 to replace, 0 to delete**" in text


def test_a_rotation_replaces_the_secret_and_names_the_reason(diff: Callable[[str], Diff]) -> None:
    d = diff("rotate")
    secret = _by_name(d)["secrets-payments-provider-secret"]
    assert secret.action == "replace" and secret.type == SECRET, secret.urn
    assert [str(r) for r in secret.reasons] == [
        "`metadata.name` changed: a Kubernetes object is known by name and namespace"
    ]
    assert secret.notes[0] == "create before delete", (
        "a new name lets the new Secret exist before the old goes"
    )
    assert _actions(d) == {
        ("replace", "secrets-payments-provider-secret"),
        ("update", "secrets-workload-payments-api-deployment"),
        ("update", "secrets-operators-payments-role"),
        ("update", "secrets-reader-payments-api-role"),
    }
    text = render_markdown(d)
    assert "| `+-` replace | `secrets-payments-provider-secret` |" in text
    assert "`metadata.name`: `payments-provider-v1` → `payments-provider-v2`" in text
    # Two plan files cannot tell whether the literal value changed with the version.
    assert [(s.path, s.status, s.detail) for s in secret.secrets] == [
        ("stringData.api-key", UNKNOWN, NOT_IN_PLANS)
    ]
    assert f"`stringData.api-key`: [secret], changed: unknown ({NOT_IN_PLANS})" in text


def test_a_removed_catalogue_entry_deletes_its_secret(diff: Callable[[str], Diff]) -> None:
    d = diff("delete")
    assert {n for a, n in _actions(d) if a == "delete"} == {"secrets-payments-ca-secret"}
    assert {n for a, n in _actions(d) if a not in ("delete", "update")} == set()
    volumes = _by_name(d)["secrets-workload-payments-api-deployment"]
    assert any(p.path.startswith("spec.template.spec.volumes") for p in volumes.properties), volumes.urn


def test_replace_rules_cover_identity_immutable_data_and_cloud_names() -> None:
    def paths(resource_type: str) -> set[str]:
        return {p for rule in replace_rules(resource_type) for p in rule.paths}

    assert {"metadata.name", "metadata.namespace", "stringData", "data", "type"} <= paths(SECRET)
    assert {"metadata.name", "spec.selector"} <= paths("kubernetes:apps/v1:Deployment")
    assert paths(RANDOM) == {"*"}
    assert {"name"} <= paths("aws:secretsmanager/secret:Secret")
    assert {"vaultName", "keyName", "resourceGroupName"} <= paths("azure-native:keyvault:Key")
    assert {"vaultName", "resourceGroupName"} <= paths("azure-native:keyvault:Vault")


def test_replace_on_changes_and_ignore_changes_options_are_honoured(planned: Callable[[str], Plan]) -> None:
    base, head = planned("base"), planned("update")
    base, head = copy.deepcopy(base), copy.deepcopy(head)
    deployment = "secrets-workload-payments-api-deployment"
    for plan in (base, head):
        next(r for r in plan.resources if r.name == deployment).options["replaceOnChanges"] = [
            "spec.replicas"
        ]
    change = _by_name(diff_plans(base, head))[deployment]
    assert change.action == "replace", change.urn
    assert [str(r) for r in change.reasons] == [
        "`spec.replicas` changed: listed in the resource's `replaceOnChanges` (`spec.replicas`)"
    ]
    for plan in (base, head):
        next(r for r in plan.resources if r.name == deployment).options.update(
            replaceOnChanges=[], ignoreChanges=["spec.replicas"]
        )
    assert deployment not in _by_name(diff_plans(base, head)), "an ignored change is no change"


# --- secrets ---------------------------------------------------------------------------------------


def test_a_version_bump_of_a_generated_secret_regenerates_it(diff: Callable[[str], Diff]) -> None:
    d = diff("regenerate")
    generator = _by_name(d)["secrets-payments-db-password"]
    assert generator.action == "replace" and generator.type == RANDOM, generator.urn
    assert generator.reasons[0].path == "keepers.version", generator.reasons
    secret = _by_name(d)["secrets-payments-db-secret"]
    assert [(s.path, s.status) for s in secret.secrets] == [("stringData.password", CHANGED)], secret.urn
    assert secret.secrets[0].detail == (
        "regenerated: `secrets-payments-db-password` is replaced (`keepers.version` changed)"
    )


def test_a_secret_read_from_another_config_key_is_changed_from_plans_alone(
    diff: Callable[[str], Diff],
) -> None:
    d = diff("resource")
    assert _actions(d) == {("replace", "secrets-maps-api-key-secret")}
    secret = d.resources[0]
    assert [str(r) for r in secret.reasons] == [
        "`stringData` changed: Secret data and type are replaced, never updated"
    ]
    assert [(s.path, s.status) for s in secret.secrets] == [("stringData.api-key", CHANGED)]
    assert secret.secrets[0].detail == (
        "now from config key `secrets-platform:bffCmsToken` (was config key `secrets-platform:mapsApiKey`)"
    )
    assert "maps-api-key" not in {a.secret.split("/")[-1] for a in d.access}, "no reader changed"


def test_plan_files_alone_say_secret_changes_are_unknown(diff: Callable[[str], Diff]) -> None:
    d = diff("update")
    # Every secret input but the generated ones; the read token's copy for the CMS's provisioning Job
    # (a value the program computes from the literal) included.
    assert d.mode == "plans" and d.unseen_secrets == 9, "every secret input but the generated ones"
    assert NOT_IN_PLANS in render_markdown(d)


# --- access ----------------------------------------------------------------------------------------


def test_a_new_reader_gains_read_access(diff: Callable[[str], Diff]) -> None:
    d = diff("reader")
    # Two paths: the reader Role's binding, and the kubelet fetching the Secret its pods mount.
    assert [(a.change, a.secret, a.reader_kind, a.reader, a.through, a.verbs) for a in d.access] == [
        ("gains", "payments/payments-db-v1", "workload", "payments/payments-worker",
         "Deployment payments/payments-worker (volume, key password)", ("get",)),
        ("gains", "payments/payments-db-v1", "workload", "payments/payments-worker",
         "RoleBinding payments/payments-worker-secret-reader", ("get",)),
    ]  # fmt: skip
    assert "| gains | `payments/payments-db-v1` | workload `payments/payments-worker` |" in render_markdown(d)


def test_a_removed_secret_is_lost_by_its_readers(diff: Callable[[str], Diff]) -> None:
    d = diff("delete")
    lost = {(a.secret, a.reader) for a in d.access if a.change == "loses"}
    assert ("payments/payments-ca-v1", "payments/payments-api") in lost
    assert not [a for a in d.access if a.change == "gains"]


def test_a_rotation_is_not_an_access_change(diff: Callable[[str], Diff]) -> None:
    d = diff("rotate")
    assert d.access == [], "readers follow the Secret to its new version"
    assert any("payments/payments-api" in f and "payments-provider-v2" in f for f in d.version_follows)


def test_app_grants_gained_and_lost_through_the_bff(diff: Callable[[str], Diff]) -> None:
    d = diff("grant")
    changes = [(a.change, a.secret, a.reader_kind, a.reader, a.through) for a in d.access]
    # Apps read the CMS copy of a mobile secret, through the BFF release.
    assert ("gains", "mobile_secrets/push-key", "app", "shopper-ios", "BFF bff/bff (ios app)") in changes
    assert (
        "loses",
        "mobile_secrets/maps-api-key",
        "app",
        "shopper-android",
        "BFF bff/bff (android app)",
    ) in changes
    # The new mobile secret also gets its writer Job (and the operators' Role names it).
    assert (
        "gains",
        "cms/push-key-v1",
        "job",
        "cms/cms-writer",
        "Job cms/cms-writer-push-key-v1 (volume); writes it into CMS collection mobile_secrets",
    ) in changes
    assert not [c for c in changes if c[3] == "shopper-ios" and c[0] == "loses"]
    text = render_markdown(d)
    assert "| gains | `mobile_secrets/push-key` | app `shopper-ios` | BFF bff/bff (ios app) | get |" in text
    assert (
        "| loses | `mobile_secrets/maps-api-key` | app `shopper-android` | BFF bff/bff (android app) | get |"
        in text
    )


def test_a_mobile_rotation_replaces_the_writer_job_create_before_delete(diff: Callable[[str], Diff]) -> None:
    d = diff("rotate-mobile")
    job = _by_name(d)["secrets-cms-writer-maps-api-key"]
    assert job.action == "replace", job.urn
    assert job.notes[0] == "create before delete", "the new Job writes the new value before the old goes"
    assert "`metadata.name`: `cms-writer-maps-api-key-v1` → `cms-writer-maps-api-key-v2`" in render_markdown(
        d
    )
    assert d.access == [], "the apps, the writer identity and the operators keep their access"
    assert any("cms/cms-writer" in f and "maps-api-key-v2" in f for f in d.version_follows)


# --- policy violations ------------------------------------------------------------------------------


def test_a_change_that_breaks_a_policy_introduces_violations(
    planned: Callable[[str], Plan], checked: Callable[[str], dict[str, Any]]
) -> None:
    d = diff_plans(
        planned("base"), planned("weaken"), base_violations=checked("base"), head_violations=checked("weaken")
    )
    assert d.violations is not None
    # A group the policy config does not know may neither be bound nor restart workloads where Secrets are.
    assert {(v.change, v.policy, v.urn.rsplit("::", 1)[-1]) for v in d.violations} == {
        ("introduced", "kubernetes-rolebinding-subjects", f"secrets-operators-{ns}-binding")
        for ns in ("bff", "cms", "orders", "payments")
    } | {
        ("introduced", "kubernetes-role-workload-write", f"secrets-operators-{ns}-role")
        for ns in ("bff", "cms", "orders", "payments")
    }
    assert "| introduced | mandatory | `kubernetes-rolebinding-subjects` |" in render_markdown(d)


def test_a_change_that_meets_a_policy_fixes_violations(
    planned: Callable[[str], Plan], checked: Callable[[str], dict[str, Any]]
) -> None:
    d = diff_plans(
        planned("base"), planned("harden"), base_violations=checked("base"), head_violations=checked("harden")
    )
    assert d.violations is not None
    assert {(v.change, v.policy, v.urn.rsplit("::", 1)[-1]) for v in d.violations} == {
        ("fixed", "aws-kms-key-deletion-window", "secrets-aws-secrets-key"),
        ("fixed", "aws-kms-key-deletion-window", "secrets-aws-store-key"),
        ("fixed", "aws-kms-key-deletion-window", "secrets-vault-store-audit-logs-key"),
    }


# --- the command -----------------------------------------------------------------------------------


def test_plan_files_mode_from_the_command_line(
    planned: Callable[[str], Plan],
    checked: Callable[[str], dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {}
    for name, doc in {
        "base.json": planned("base").to_json(),
        "head.json": planned("weaken").to_json(),
        "base-violations.json": checked("base"),
        "head-violations.json": checked("weaken"),
    }.items():
        files[name] = tmp_path / name
        files[name].write_text(json.dumps(doc), encoding="utf-8")
    args = ["diff", "--base-plan", str(files["base.json"]), "--plan", str(files["head.json"])]
    code = main([*args, "--base-violations", str(files["base-violations.json"])])
    assert code == 64 and "give both --base-violations and --violations" in capsys.readouterr().err
    code = main(
        [
            *args,
            "--base-violations",
            str(files["base-violations.json"]),
            "--violations",
            str(files["head-violations.json"]),
            "--out",
            str(tmp_path / "diff.md"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 4, err  # the weakening introduces a mandatory violation: the diff says so by its exit code
    assert out == (tmp_path / "diff.md").read_text(encoding="utf-8")
    assert "`base.json` → `head.json`" in out and "| introduced | mandatory |" in out
    assert not CANARY.search(out + err), "a placeholder or generated canary reached the command's output"


# --- --base end to end, and the canaries --------------------------------------------------------------

_CODE = ("config", "components", "offline", "policies", "charts", "certs", "functions")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository of the project (stack `t` = dev) whose working tree changes three secrets.

    Returns the directory and the new plaintext, which must appear nowhere.
    """
    repo = tmp_path_factory.mktemp("repo")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, repo / name)
    for folder in _CODE:
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "policies" / "config" / "dev.json", repo / "policies" / "config" / "t.json")
    doc = dev_stack()
    (repo / "Pulumi.t.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    # The change: a new value (and version) for payments-provider, a new CA bundle without a new
    # version, and a cleaner KMS deletion window.
    plaintext = "sk_test_rotated_" + "4f1d9c2b7a"
    key = key_from_salt_state(DEV_PASSPHRASE, doc["encryptionsalt"])
    doc["config"]["secrets-platform:paymentsProviderApiKey"] = {"secure": encrypt(key, plaintext)}
    _rotate(doc["config"])
    _harden(doc["config"])
    (repo / "Pulumi.t.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    ca = repo / "certs" / "payments-ca.crt"
    ca.write_text(ca.read_text(encoding="utf-8").replace("\n-----END", "\n\n-----END", 1), encoding="utf-8")
    return repo, plaintext


@pytest.fixture(scope="module")
def base_mode(repository: tuple[Path, str]) -> dict[str, str]:
    """`secrets-platform diff --stack t --base main --out diff.md`, run once: stdout, stderr, file."""
    repo, _ = repository
    out = repo.parent / "diff.md"
    result = subprocess.run(
        [
            str(Path(__import__("sys").executable)),
            "-m",
            "offline.cli",
            "--project-dir",
            str(repo),
            "diff",
            "--stack",
            "t",
            "--base",
            "main",
            "--out",
            str(out),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {"stdout": result.stdout, "stderr": result.stderr, "file": out.read_text(encoding="utf-8")}


def test_base_mode_compares_ciphertexts_and_files_in_memory(base_mode: dict[str, str]) -> None:
    text = base_mode["file"]
    assert text == base_mode["stdout"], "--out holds what was printed"
    assert "`main (" in text and "`working tree`" in text
    assert (
        "`stringData.api-key`: [secret], changed: `secrets-platform:paymentsProviderApiKey` has a new "
        "ciphertext (its value was set again)" in text
    )
    assert "`stringData.ca.crt`: [secret], changed: `certs/payments-ca.crt` changed" in text
    assert "- note: delete before create: the new object keeps the old name" in text, (
        "CA bundle without a version"
    )
    # Unchanged sources are compared too, and stay out of the report.
    assert "bffTlsKey" not in text and "mapsApiKey" not in text
    assert "secrets-store-store-rotation" not in text, "the Lambda archive is byte for byte the same"
    assert "| fixed | advisory | `aws-kms-key-deletion-window` | `secrets-aws-secrets-key` |" in text


def test_base_mode_refuses_an_unknown_ref(
    repository: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = repository
    code = main(["--project-dir", str(repo), "diff", "--stack", "t", "--base", "no-such-branch"])
    assert code == 64
    assert "'no-such-branch' is not a commit of this repository" in capsys.readouterr().err


def test_no_canary_plaintext_or_ciphertext_reaches_any_diff_output(
    base_mode: dict[str, str],
    repository: tuple[Path, str],
    diff: Callable[[str], Diff],
) -> None:
    repo, plaintext = repository
    outputs = {f"--base {k}": v for k, v in base_mode.items()}
    outputs |= {
        f"plans {v}": render_markdown(diff(v)) for v in ("create", "rotate", "regenerate", "resource")
    }
    doc = dev_stack()
    key = key_from_salt_state(DEV_PASSPHRASE, doc["encryptionsalt"])
    secure = [v["secure"] for v in doc["config"].values() if isinstance(v, dict) and "secure" in v]
    changed = yaml.safe_load((repo / "Pulumi.t.yaml").read_text(encoding="utf-8"))
    secure.append(changed["config"]["secrets-platform:paymentsProviderApiKey"]["secure"])
    values = [decrypt(key, v) for v in secure[:-1]] + [plaintext]
    ca = (repo / "certs" / "payments-ca.crt").read_text(encoding="utf-8")
    for where, text in outputs.items():
        assert not CANARY.search(text), f"a placeholder or generated canary reached {where}"
        assert not CIPHERTEXT.search(text), f"something like a ciphertext reached {where}"
        for ciphertext in secure:
            for part in ciphertext.split(":")[1:]:
                assert part not in text, f"a ciphertext (or its nonce) reached {where}"
        for value in values:
            for line in [value, *value.splitlines()[1:2]]:
                assert line not in text, f"a decrypted dev value reached {where}"
        assert ca.splitlines()[1] not in text, f"the CA bundle's content reached {where}"


def test_the_output_guard_redacts_whatever_slips_through() -> None:
    text = "a spcanary-t-1-deadbeef and spgenerated-2-x1 and v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB=="
    assert guard(text, ["plain-secret-value"]) == "a [secret] and [secret] and [secret]"
    assert guard("key plain-secret-value here", ["plain-secret-value"]) == "key [secret] here"
