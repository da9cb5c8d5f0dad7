"""The CMS's Jobs: the provisioning Job and the writer Jobs, under Pulumi's mock runtime and as pods.

What a Job's container is given must be exactly what `bff/` reads: the image's entry point
(`python -m bff`) with the Job's `args` reaches the subcommand; every variable the Job sets is one the
subcommand documents; laid out as the kubelet would (each volume a directory), the paths the
variables name exist and hold what the subcommand reads, and its own argument checks accept them.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from bff import provision, writer
from bff.__main__ import main as bff_main
from components.kubernetes.conventions import BFF_IMAGE_UID
from components.mobile import cms_jobs
from components.mobile.cms_provisioner import (
    CmsProvisioner,
    CmsProvisionerArgs,
    VersionedSecret,
    check_provisioner_args,
    provisioner_job_spec,
)
from components.mobile.cms_writer import (
    JOB_PREFIX,
    CmsWriterJobs,
    CmsWriterJobsArgs,
    MobileSecretVersion,
    check_writer_args,
    writer_job_spec,
)
from config import references
from offline.mocks import PlanMocks
from offline.plan import Plan, find_dropped, find_leaks, make_plan
from offline.runtime import Capture, Registration, run_program
from tests.bff._pki import make_pki
from tests.conftest import ROOT

PROJECT = "secrets-platform"
JOB = "kubernetes:batch/v1:Job"
SECRET = "kubernetes:core/v1:Secret"
CANARY = "spcanary-t-7-feedbeef"
IMAGE = "ghcr.io/example/bff@sha256:" + "c" * 64
URL = "https://cms.cms.svc.cluster.local"


def writer_args(
    *secrets: tuple[str, int], depends_on: list[pulumi.Resource] | None = None
) -> CmsWriterJobsArgs:
    return CmsWriterJobsArgs(
        namespace="cms",
        image=IMAGE,
        cms_url=URL,
        collection="mobile_secrets",
        ca_secret="cms-tls",
        writer_token_secret="cms-writer-token-v3",
        secrets=[MobileSecretVersion(name=n, version=v, secret_name=f"{n}-v{v}") for n, v in secrets],
        depends_on=depends_on or [],
    )


def provisioner_args(
    admin_version: int = 1, read_token: pulumi.Output[str] | None = None, depends_on: list | None = None
) -> CmsProvisionerArgs:
    return CmsProvisionerArgs(
        namespace="cms",
        image=IMAGE,
        cms_url=URL,
        collection="mobile_secrets",
        ca_secret="cms-tls",
        admin_email="cms-admin@example.com",
        admin_secret="cms-admin",
        admin_password=VersionedSecret(name=f"cms-admin-v{admin_version}", version=admin_version),
        # The pure functions never read it: no Output (it needs an event loop) outside a program.
        read_token=read_token if read_token is not None else "unused",  # type: ignore[arg-type]
        read_token_version=2,
        read_token_source="bff-cms-token",
        read_token_rotation_days=60,
        writer_token=VersionedSecret(name="cms-writer-token-v3", version=3),
        depends_on=depends_on or [],
    )


# --- the pods: exactly what bff/ reads ------------------------------------------------------------


def _container(spec: dict[str, Any]) -> dict[str, Any]:
    (container,) = spec["template"]["spec"]["containers"]
    return container


def _env(spec: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in _container(spec)["env"]}


def materialize(spec: dict[str, Any], root: Path, secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """Lay the Job's volumes out under `root` as the kubelet would (an optional Secret that does not
    exist leaves no file), and return its env with every mounted path moved under `root`."""
    pod = spec["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in _container(spec)["volumeMounts"]:
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        volume = volumes[mount["name"]]
        sources = [volume["secret"] | {"name": volume["secret"]["secretName"]}] if "secret" in volume else []
        sources += [s["secret"] for s in volume.get("projected", {}).get("sources", [])]
        for source in sources:
            data = secrets.get(source["name"])
            if data is None:
                assert source.get("optional"), f"Secret {source['name']} is mounted but not provided"
                continue
            # Like the kubelet: the files, and the `..data` link a writer must skip.
            (target / "..data").mkdir(exist_ok=True)
            for item in source.get("items") or [{"key": k, "path": k} for k in data]:
                (target / item["path"]).write_text(data[item["key"]])
    mounts = [m["mountPath"] for m in _container(spec)["volumeMounts"]]
    env = _env(spec)
    for name, value in env.items():
        if any(value == m or value.startswith(m + "/") for m in mounts):
            env[name] = str(root / value.lstrip("/"))
    return env


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@functools.cache
def _pki(root: str) -> Any:
    return make_pki(Path(root))


def test_the_writer_job_runs_write_secret_with_exactly_what_it_reads(tmp_path: Path) -> None:
    spec = writer_job_spec(
        writer_args(("maps-api-key", 4)), writer_args(("maps-api-key", 4)).secrets[0], "cms-writer"
    )
    assert _container(spec)["args"] == ["write-secret"], "the image's entry point is `python -m bff`"
    assert "command" not in _container(spec), "the image's entry point, not a shell"
    help_text = writer._parser().format_help()
    assert all(f"({name})" in help_text for name in _env(spec)), "every variable is one the writer reads"
    pki = _pki(str(tmp_path / "pki"))
    env = materialize(
        spec,
        tmp_path,
        {
            "maps-api-key-v4": {"api-key": CANARY, "region": "eu"},
            "cms-writer-token-v3": {"token": "writer-token"},
            "cms-tls": {"ca.crt": pki.ca_file.read_text(), "tls.crt": "x", "tls.key": "never mounted"},
        },
    )
    with environment(env):
        request = writer.parse_request([])
    assert (request.name, request.version, request.collection, request.cms_url) == (
        "maps-api-key",
        4,
        "mobile_secrets",
        URL,
    )
    assert writer.read_secret_dir(request.secret_dir) == {"api-key": CANARY, "region": "eu"}, "every key"
    assert request.token_file.read_text() == "writer-token"
    assert request.ca_file.read_text() == pki.ca_file.read_text()
    assert not (request.ca_file.parent / "tls.key").exists(), "only ca.crt of the CMS's certificate Secret"


@pytest.mark.parametrize("admin_version", [1, 2])
def test_the_provisioning_job_runs_provision_cms_with_exactly_what_it_reads(
    tmp_path: Path, admin_version: int
) -> None:
    spec = provisioner_job_spec(provisioner_args(admin_version), "cms-read-token-v2", "cms-provisioner")
    assert _container(spec)["args"] == ["provision-cms"]
    help_text = provision._parser().format_help()
    assert all(f"({name})" in help_text for name in _env(spec)), "every variable is one the provisioner reads"
    pki = _pki(str(tmp_path / "pki"))
    secrets = {
        f"cms-admin-v{admin_version}": {"password": "current-password"},
        "cms-read-token-v2": {"token": "read-token"},
        "cms-writer-token-v3": {"token": "writer-token"},
        "cms-tls": {"ca.crt": pki.ca_file.read_text()},
    }
    if admin_version > 1:
        secrets["cms-admin-v1"] = {"password": "previous-password"}
    env = materialize(spec, tmp_path / "present", secrets)
    with environment(env):
        request = provision.parse_request([])
    credentials = provision.read_credentials(request)
    assert (credentials.admin_email, credentials.admin_password) == (
        "cms-admin@example.com",
        "current-password",
    )
    assert (credentials.read_token, credentials.read_token_version, credentials.writer_token) == (
        "read-token",
        2,
        "writer-token",
    )
    assert credentials.admin_previous_password == ("previous-password" if admin_version > 1 else None)
    assert request.collection == "mobile_secrets" and request.cms_url == URL
    if admin_version > 1:  # the previous Secret is gone after the update: no file, no failure
        del secrets["cms-admin-v1"]
        with environment(materialize(spec, tmp_path / "gone", secrets)):
            assert provision.read_credentials(provision.parse_request([])).admin_previous_password is None


def test_the_entry_point_dispatches_both_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    for args, prog in ((["write-secret"], "write-secret"), (["provision-cms"], "provision-cms")):
        with pytest.raises(SystemExit) as exited:
            bff_main([*args, "--help"])
        assert exited.value.code == 0
        assert f"python -m bff {prog}" in capsys.readouterr().out


@pytest.mark.parametrize("spec_of", ["writer", "provisioner"])
def test_the_jobs_pods_run_restricted_bounded_and_without_an_api_token(spec_of: str) -> None:
    args = writer_args(("maps-api-key", 1))
    spec = (
        writer_job_spec(args, args.secrets[0], "cms-writer")
        if spec_of == "writer"
        else provisioner_job_spec(provisioner_args(), "cms-read-token-v2", "cms-provisioner")
    )
    pod = spec["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": BFF_IMAGE_UID,
        "runAsGroup": BFF_IMAGE_UID,
        "fsGroup": BFF_IMAGE_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    context = _container(spec)["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]} and context["runAsUser"] == BFF_IMAGE_UID
    assert set(_container(spec)["resources"]["limits"]) == {"cpu", "memory"}
    assert spec["backoffLimit"] == cms_jobs.BACKOFF_LIMIT and spec["activeDeadlineSeconds"] > 0
    assert "ttlSecondsAfterFinished" not in spec, "a Job deleted by Kubernetes would be created again"
    for volume in pod["volumes"]:
        if "secret" in volume or "projected" in volume:
            assert (volume.get("secret") or volume["projected"])["defaultMode"] == 0o440, volume["name"]
    assert all(m.get("readOnly") for m in _container(spec)["volumeMounts"] if m["name"] != "tmp")


# --- arguments, names ---------------------------------------------------------------------------


def test_names_come_from_versions_only_and_the_config_knows_their_limit() -> None:
    assert references.WRITER_JOB_PREFIX == JOB_PREFIX
    assert references.JOB_NAME_MAX == cms_jobs.MAX_NAME
    assert check_writer_args(writer_args(("maps-api-key", 1), ("maps-api-key", 2))) == [
        "mobile secret 'maps-api-key' is listed twice"
    ]
    long = "k" * 50
    assert check_writer_args(writer_args((long, 1))) == [
        f"Job name 'cms-writer-{long}-v1' is longer than 63 characters"
    ]
    huge = provisioner_args(admin_version=10**60)
    assert check_provisioner_args(huge)[0].endswith("is longer than 63 characters")


# --- the components under the mock runtime --------------------------------------------------------


def _capture(body: Any) -> Capture:
    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config={f"{PROJECT}:readToken": CANARY},
        secret_keys=[f"{PROJECT}:readToken"],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )


def _of(capture: Capture, typ: str) -> list[Registration]:
    return [r for r in capture.resources if r.type == typ]


@pytest.fixture(scope="module")
def jobs() -> Capture:
    def body() -> None:
        token = pulumi.Config(PROJECT).require_secret("readToken")
        provisioner = CmsProvisioner("p", provisioner_args(admin_version=2, read_token=token))
        CmsWriterJobs("w", writer_args(("maps-api-key", 4), ("push-key", 1), depends_on=[provisioner.job]))

    return _capture(body)


def test_one_writer_job_per_mobile_secret_named_by_its_version_after_the_provisioner(jobs: Capture) -> None:
    by_name = {r.name: r for r in _of(jobs, JOB)}
    provisioner = by_name.pop("p-job")
    assert provisioner.inputs["metadata"]["name"] == "cms-provision-r2-w3-a2"
    assert {n: r.inputs["metadata"]["name"] for n, r in by_name.items()} == {
        "w-maps-api-key": "cms-writer-maps-api-key-v4",
        "w-push-key": "cms-writer-push-key-v1",
    }, "the resource is named by the secret (a version bump replaces it); the Job by its version"
    for job in by_name.values():
        assert provisioner.urn in job.options["dependsOn"], f"{job.name} runs after the provisioning Job"
        assert job.options["deleteBeforeReplace"] is False, job.urn
        labels = job.inputs["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "cms-writer", job.urn


def test_the_read_token_copy_is_a_secret_labelled_for_cms_access(jobs: Capture) -> None:
    (copy,) = _of(jobs, SECRET)
    assert (
        copy.inputs["metadata"]["name"] == "cms-read-token-v2"
        and copy.inputs["metadata"]["namespace"] == "cms"
    )
    assert copy.inputs["metadata"]["labels"]["secrets-platform/cms-access"] == "read"
    assert copy.inputs["metadata"]["annotations"]["secrets-platform/rotation-days"] == "60"
    assert copy.inputs["immutable"] is True and "stringData" in copy.secret_paths, copy.urn
    assert find_leaks(jobs) == [] and find_dropped(jobs) == []


def test_the_service_accounts_mount_no_token(jobs: Capture) -> None:
    accounts = {r.inputs["metadata"]["name"]: r for r in _of(jobs, "kubernetes:core/v1:ServiceAccount")}
    assert set(accounts) == {"cms-writer", "cms-provisioner"}
    assert all(a.inputs["automountServiceAccountToken"] is False for a in accounts.values())


# --- in both stacks: the order of the mobile path --------------------------------------------------


@functools.cache
def _plan(stack: str) -> Plan:
    return make_plan(ROOT, stack)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_cms_then_provisioner_then_writers_and_the_bff(stack: str) -> None:
    resources = {r.name: r for r in _plan(stack).resources}
    provisioner = resources["secrets-cms-provisioner-job"]
    assert resources["secrets-cms-deployment"].urn in provisioner.options["dependsOn"], (
        "the CMS is ready first"
    )
    assert resources["secrets-cms-service"].urn in provisioner.options["dependsOn"]
    writer_job = resources["secrets-cms-writer-maps-api-key"]
    assert provisioner.urn in writer_job.options["dependsOn"]
    assert provisioner.urn in resources["secrets-helm-bff-release"].options["dependsOn"], (
        "the BFF's pods roll to a read token the CMS already accepts"
    )
    image = writer_job.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
    values = resources["secrets-helm-bff-release"].inputs["values"]["image"]
    bff_image = (
        values["repository"]
        + (f":{values['tag']}" if values["tag"] else "")
        + (f"@{values['digest']}" if values["digest"] else "")
    )
    assert image == bff_image, "the Jobs run the BFF's image"
