"""A database master password written in the program."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    aws.rds.Instance(
        "reports-db",
        instance_class="db.t4g.micro",
        engine="postgres",
        allocated_storage=20,
        username="reports",
        password="ChangeMe-Reports-2024",
    )
