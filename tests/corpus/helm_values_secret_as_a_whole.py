"""Helm values wrapped whole in a secret: every setting hidden, secret in the release record."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"offline-helm-values-secret-leaves"}


def program() -> None:
    k8s.helm.v3.Release(
        "bff",
        chart="charts/bff",
        namespace="bff",
        values=pulumi.Output.secret({"replicaCount": 2, "ingress": {"hostname": "whole-values.example.net"}}),
    )
