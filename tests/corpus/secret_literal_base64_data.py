"""A Secret's `data`, base64 of a value written in the program: encoding is no source."""

from __future__ import annotations

import base64

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    k8s.core.v1.Secret(
        "smtp",
        metadata={
            "name": "smtp-v1",
            "namespace": "orders",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        data={"password": base64.b64encode(b"smtp-password-in-code").decode()},
    )
