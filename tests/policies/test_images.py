"""kubernetes-container-image-digest: containers (of every pod-bearing kind, init containers included)
and the image blocks of Helm release values name their image by digest, unless exempt by config."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s

from policies.images import KUBERNETES_CONTAINER_IMAGE_DIGEST
from tests.corpus._safe import container, deployment_spec, pod_spec
from tests.policies.conftest import judge

TAG = "ghcr.io/example/payments-api:2.4.1"


def _deployment(name: str, **changes: Any) -> None:
    k8s.apps.v1.Deployment(name, metadata={"namespace": "payments"}, spec=deployment_spec(name, **changes))


def _release(name: str, values: dict[str, Any]) -> None:
    k8s.helm.v3.Release(name, chart="./charts/bff", namespace="bff", values=values)


def test_images_by_digest_pass_and_by_tag_fail() -> None:
    def program() -> None:
        _deployment("passed-1")
        _deployment("failed-1", containers=[container(image=TAG)])
        k8s.batch.v1.Job(
            "failed-2",
            metadata={"namespace": "payments"},
            spec={
                "template": {"spec": pod_spec(init_containers=[container(name="migrate", image="busybox")])}
            },
        )
        _release(
            "passed-2",
            {"image": {"repository": "ghcr.io/example/bff", "tag": "1.0.0", "digest": "sha256:" + "a" * 64}},
        )
        _release("failed-3", {"image": {"repository": "ghcr.io/example/bff", "tag": "1.0.0", "digest": ""}})
        _release("passed-3", {"controller": {"replicaCount": 2}})  # an upstream chart's own pinned images

    found = judge(KUBERNETES_CONTAINER_IMAGE_DIGEST, program)
    assert found["failed-1"] == [
        "The container at containers[0] runs its image by tag, not by digest. Reference the image by digest "
        "(name@sha256:...), the digest `docker push` or the registry prints."
    ]
    assert found["failed-2"][0].startswith("The container at initContainers[0] runs its image by tag")
    assert found["failed-3"][0].startswith("The release's values.image names its image by tag")


def test_a_helm_v4_chart_names_its_images_by_digest_too() -> None:
    def program() -> None:
        digest = "sha256:" + "a" * 64
        k8s.helm.v4.Chart(
            "passed-1", chart="./charts/bff", values={"image": {"repository": "x", "digest": digest}}
        )
        k8s.helm.v4.Chart(
            "failed-1", chart="./charts/bff", values={"image": {"repository": "x", "tag": "1.0"}}
        )

    judge(KUBERNETES_CONTAINER_IMAGE_DIGEST, program)


def test_an_exempt_image_passes_by_tag() -> None:
    def program() -> None:
        _deployment("passed-1", containers=[container(image="registry.k8s.io/pause:3.10")])
        _deployment("failed-1", containers=[container(image=TAG)])

    judge(KUBERNETES_CONTAINER_IMAGE_DIGEST, program, {"exempt": ["registry.k8s.io/pause:*"]})


def test_a_digest_must_be_a_whole_sha256() -> None:
    def program() -> None:
        _deployment("passed-1", containers=[container(image="ghcr.io/example/api:2.4.1@sha256:" + "0" * 64)])
        _deployment("failed-1", containers=[container(image="ghcr.io/example/api@sha256:abc")])

    judge(KUBERNETES_CONTAINER_IMAGE_DIGEST, program)
