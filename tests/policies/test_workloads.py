"""Workload policies: Secret volume modes, node access, privileged and root containers beside Secrets,
and API tokens where no API access is declared; for every pod-bearing kind."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from policies._kubernetes import pod_spec_path
from policies.workloads import (
    KUBERNETES_CONTAINER_PRIVILEGED,
    KUBERNETES_CONTAINER_RUN_AS_ROOT,
    KUBERNETES_CONTAINER_SECRET_ENV,
    KUBERNETES_POD_HOST_ACCESS,
    KUBERNETES_POD_SECRET_VOLUME_MODE,
    KUBERNETES_POD_SERVICE_ACCOUNT_TOKEN,
    KUBERNETES_POD_SHARED_PROCESS_NAMESPACE,
)
from tests.policies.conftest import judge

SAFE_CONTEXT = {
    "run_as_non_root": True,
    "run_as_user": 65532,
    "run_as_group": 65532,
    "allow_privilege_escalation": False,
    "capabilities": {"drop": ["ALL"]},
}
SECRET_VOLUME = {"name": "secrets", "secret": {"secret_name": "payments-db-v1", "default_mode": 0o400}}


def _container(**changes: Any) -> dict[str, Any]:
    return {"name": "api", "image": "ghcr.io/example/api:1.0.0", "security_context": SAFE_CONTEXT, **changes}


def _pod_spec(**changes: Any) -> dict[str, Any]:
    return {
        "automount_service_account_token": False,
        "containers": [_container()],
        "volumes": [SECRET_VOLUME],
        **changes,
    }


def _deployment(name: str, **changes: Any) -> None:
    k8s.apps.v1.Deployment(
        name,
        metadata={"namespace": "payments"},
        spec={
            "selector": {"match_labels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": _pod_spec(**changes)},
        },
    )


@pytest.mark.parametrize(
    ("resource_type", "path"),
    [
        ("kubernetes:core/v1:Pod", ("spec",)),
        ("kubernetes:apps/v1:StatefulSet", ("spec", "template", "spec")),
        ("kubernetes:apps/v1:DaemonSetPatch", ("spec", "template", "spec")),
        ("kubernetes:batch/v1:CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
        ("kubernetes:core/v1:ReplicationController", ("spec", "template", "spec")),
        ("kubernetes:core/v1:PodTemplate", ("template", "spec")),
        ("kubernetes:extensions/v1beta1:Deployment", ("spec", "template", "spec")),
        ("kubernetes:core/v1:Service", None),
    ],
)
def test_every_pod_bearing_kind_is_found(resource_type: str, path: tuple | None) -> None:
    assert pod_spec_path(resource_type) == path


def test_secret_volume_mode() -> None:
    def body() -> None:
        _deployment("passed-1")
        _deployment(
            "passed-2",
            volumes=[
                {"name": "s", "projected": {"default_mode": 0o440, "sources": [{"secret": {"name": "a"}}]}}
            ],
        )
        _deployment("passed-3", volumes=[{"name": "c", "config_map": {"name": "settings"}}])  # not a Secret
        _deployment("failed-1", volumes=[{"name": "s", "secret": {"secret_name": "payments-db-v1"}}])  # 0644
        _deployment(
            "failed-2", volumes=[{"name": "s", "secret": {"secret_name": "x", "default_mode": 0o444}}]
        )
        _deployment(
            "failed-3",
            volumes=[
                {
                    "name": "s",
                    "secret": {
                        "secret_name": "x",
                        "default_mode": 0o400,
                        "items": [{"key": "k", "path": "k", "mode": 0o755}],
                    },
                }
            ],
        )
        _deployment(
            "failed-4", volumes=[{"name": "s", "projected": {"sources": [{"secret": {"name": "a"}}]}}]
        )
        k8s.core.v1.Pod(
            "failed-5",
            metadata={"namespace": "payments"},
            spec=_pod_spec(volumes=[{"name": "s", "secret": {"secret_name": "x", "default_mode": 0o660}}]),
        )

    found = judge(KUBERNETES_POD_SECRET_VOLUME_MODE, body)
    assert "0o644" in found["failed-1"][0], "the default mode counts when unset"


def test_host_access() -> None:
    def body() -> None:
        _deployment("passed-1")
        _deployment("failed-1", host_network=True)
        _deployment("failed-2", host_pid=True)
        _deployment("failed-3", host_ipc=True)
        _deployment("failed-4", volumes=[{"name": "root", "host_path": {"path": "/var/lib/kubelet"}}])
        k8s.apps.v1.DaemonSet(
            "failed-5",
            metadata={"namespace": "tools"},
            spec={
                "selector": {"match_labels": {"app": "a"}},
                "template": {
                    "metadata": {"labels": {"app": "a"}},
                    "spec": _pod_spec(host_pid=True, volumes=[]),
                },
            },
        )

    judge(KUBERNETES_POD_HOST_ACCESS, body)


def test_shared_process_namespace_beside_secrets() -> None:
    def body() -> None:
        _deployment("passed-1")
        _deployment("passed-2", share_process_namespace=False)
        # No Secret anywhere in the pod: nothing to read through /proc.
        _deployment("passed-3", share_process_namespace=True, volumes=[])
        _deployment("failed-1", share_process_namespace=True)  # a Secret volume
        _deployment(
            "failed-2",
            share_process_namespace=True,
            volumes=[],
            containers=[
                _container(
                    env=[
                        {"name": "DB", "value_from": {"secret_key_ref": {"name": "db-v1", "key": "password"}}}
                    ]
                ),
                _container(name="debug"),
            ],
        )
        _deployment(
            "failed-3",
            share_process_namespace=True,
            volumes=[],
            containers=[_container(env_from=[{"secret_ref": {"name": "db-v1"}}])],
        )
        _deployment(
            "failed-4",
            share_process_namespace=True,
            volumes=[
                {"name": "p", "projected": {"default_mode": 0o400, "sources": [{"secret": {"name": "a"}}]}}
            ],
        )
        k8s.core.v1.Pod(
            "failed-5", metadata={"namespace": "payments"}, spec=_pod_spec(share_process_namespace=True)
        )

    judge(KUBERNETES_POD_SHARED_PROCESS_NAMESPACE, body)


def test_container_privileged() -> None:
    def body() -> None:
        _deployment("passed-1")
        _deployment(
            "passed-2",
            containers=[
                _container(security_context={**SAFE_CONTEXT, "capabilities": {"add": ["NET_BIND_SERVICE"]}})
            ],
        )
        _deployment(
            "failed-1", containers=[_container(security_context={**SAFE_CONTEXT, "privileged": True})]
        )
        _deployment(
            "failed-2", containers=[_container(security_context={"capabilities": {"add": ["CAP_SYS_ADMIN"]}})]
        )
        _deployment(
            "failed-3",
            init_containers=[_container(security_context={"capabilities": {"add": ["sys_ptrace"]}})],
        )
        _deployment(
            "failed-4", containers=[_container(security_context={**SAFE_CONTEXT, "proc_mount": "Unmasked"})]
        )
        _deployment("failed-5", security_context={"windows_options": {"host_process": True}})

    judge(KUBERNETES_CONTAINER_PRIVILEGED, body)


def test_container_run_as_root_beside_secrets() -> None:
    def body() -> None:
        _deployment("passed-1")
        _deployment("passed-2", containers=[_container(security_context={})], volumes=[])  # no Secret used
        _deployment(
            "passed-3",
            security_context={"run_as_non_root": True, "run_as_user": 1000},
            containers=[_container(security_context={"allow_privilege_escalation": False})],
        )
        _deployment("failed-1", containers=[_container(security_context={**SAFE_CONTEXT, "run_as_user": 0})])
        _deployment(
            "failed-2", containers=[_container(security_context={"allow_privilege_escalation": False})]
        )
        _deployment(
            "failed-3",
            containers=[_container(security_context={**SAFE_CONTEXT, "allow_privilege_escalation": True})],
        )
        _deployment(
            "failed-4",
            volumes=[],
            containers=[
                _container(
                    security_context={"allow_privilege_escalation": False},
                    env=[{"name": "K", "value_from": {"secret_key_ref": {"name": "s", "key": "k"}}}],
                )
            ],
        )
        _deployment(
            "failed-5",
            volumes=[],
            containers=[
                _container(
                    security_context={**SAFE_CONTEXT, "run_as_group": 0},
                    env_from=[{"secret_ref": {"name": "s"}}],
                )
            ],
        )

    judge(KUBERNETES_CONTAINER_RUN_AS_ROOT, body)


def test_service_account_token_only_where_api_access_is_declared() -> None:
    def account(name: str, **changes: Any) -> None:
        k8s.core.v1.ServiceAccount(f"sa-{name}", metadata={"name": name, "namespace": "payments"}, **changes)

    def body() -> None:
        account("quiet", automount_service_account_token=False)
        account("operator")
        k8s.rbac.v1.RoleBinding(
            "operator-binding",
            metadata={"name": "operator", "namespace": "payments"},
            role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "operator"},
            subjects=[{"kind": "ServiceAccount", "name": "operator"}],
        )
        _deployment("passed-1")
        _deployment("passed-2", automount_service_account_token=None, service_account_name="quiet")
        _deployment("passed-3", automount_service_account_token=None, service_account_name="operator")
        _deployment(
            "passed-4",
            volumes=[
                {
                    "name": "t",
                    "projected": {"sources": [{"service_account_token": {"audience": "sts.amazonaws.com"}}]},
                }
            ],
        )
        _deployment("failed-1", automount_service_account_token=None)  # the default account, automounted
        _deployment("failed-2", automount_service_account_token=True, service_account_name="quiet")
        _deployment(
            "failed-3",
            volumes=[{"name": "t", "projected": {"sources": [{"service_account_token": {"path": "token"}}]}}],
        )
        k8s.yaml.v2.ConfigGroup(
            "failed-4",
            objs=[
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "p", "namespace": "payments"},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                }
            ],
        )

    found = judge(KUBERNETES_POD_SERVICE_ACCOUNT_TOKEN, body)
    assert found["failed-4"][0].startswith("objs[0]: "), found["failed-4"]


def test_secrets_are_read_as_files_not_env() -> None:
    def program() -> None:
        _deployment("passed-1")
        ref = {"name": "payments-db-v1", "key": "password"}
        _deployment(
            "failed-1", containers=[_container(env=[{"name": "DB", "value_from": {"secret_key_ref": ref}}])]
        )
        _deployment(
            "failed-2", containers=[_container(env_from=[{"secret_ref": {"name": "payments-db-v1"}}])]
        )
        _deployment("passed-2", containers=[_container(env=[{"name": "MODE", "value": "strict"}])])
        cm = {"config_map_ref": {"name": "settings"}}
        _deployment("passed-3", containers=[_container(env_from=[cm])])

    found = judge(KUBERNETES_CONTAINER_SECRET_ENV, program)
    assert found["failed-1"] == [
        "containers[0].env[0] takes its value from a Secret (secretKeyRef). Mount the Secret as a read-only "
        "volume and read it from the file (catalogue `mount: volume`, the default)."
    ]
    assert found["failed-2"][0].startswith("containers[0].envFrom[0] loads every key of a Secret")
