"""The CMS token that may write, kept in the BFF's namespace where the BFF's pods may mount it."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-secret-cms-write-token"}


def program() -> None:
    k8s.core.v1.Secret(
        "writer-token",
        metadata={
            "name": "cms-writer-token-v1",
            "namespace": "bff",
            "labels": {"secrets-platform/cms-access": "write"},
            "annotations": {"secrets-platform/rotation-days": "90"},
        },
        type="Opaque",
        string_data=pulumi.Output.secret({"token": pulumi.Config().require_secret("token")}),
    )
