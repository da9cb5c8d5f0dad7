"""Audit: the CloudTrail trail keeps logging, reads included."""

from __future__ import annotations

import pulumi_aws as aws

from components.aws.foundation import CLUSTER_LOG_TYPES
from policies.audit import AWS_CLOUDTRAIL_TRAIL_LOGGING, AWS_EKS_CLUSTER_AUDIT_LOGGING
from tests.policies.conftest import judge

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _trail(name: str, **changes: object) -> None:
    args: dict = {"s3_bucket_name": "trail", "enable_logging": True, "kms_key_id": KEY, **changes}
    aws.cloudtrail.Trail(name, **{k: v for k, v in args.items() if v is not None})


def test_cloudtrail_trail_logging() -> None:
    def body() -> None:
        _trail("passed-1")
        _trail("passed-2", event_selectors=[{"include_management_events": True, "read_write_type": "All"}])
        _trail(
            "passed-3",
            advanced_event_selectors=[
                {"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]}
            ],
        )
        _trail("failed-1", enable_logging=False)
        _trail(
            "failed-2", event_selectors=[{"include_management_events": True, "read_write_type": "WriteOnly"}]
        )
        _trail("failed-3", event_selectors=[{"include_management_events": False}])
        _trail(
            "failed-4",
            event_selectors=[
                {"read_write_type": "All", "exclude_management_event_sources": ["kms.amazonaws.com"]}
            ],
        )
        _trail(
            "failed-5",
            advanced_event_selectors=[
                {
                    "field_selectors": [
                        {"field": "eventCategory", "equals": ["Management"]},
                        {"field": "readOnly", "equals": ["false"]},
                    ]
                }
            ],
        )

    judge(AWS_CLOUDTRAIL_TRAIL_LOGGING, body)


def _eks(name: str, log_types: list[str] | None) -> None:
    aws.eks.Cluster(
        name,
        role_arn="arn:aws:iam::111122223333:role/eks",
        vpc_config={"subnet_ids": ["subnet-1", "subnet-2"], "endpoint_public_access": False},
        enabled_cluster_log_types=log_types,
    )


def test_eks_cluster_audit_logging() -> None:
    def body() -> None:
        _eks("passed-1", CLUSTER_LOG_TYPES)  # as the platform declares it
        _eks("passed-2", ["audit", "authenticator", "scheduler"])
        _eks("failed-1", None)  # EKS's default: no control-plane log at all
        _eks("failed-2", ["api"])
        _eks("failed-3", ["audit"])  # who made the reads is in the authenticator's log

    found = judge(AWS_EKS_CLUSTER_AUDIT_LOGGING, body)
    assert "audit, authenticator" in found["failed-1"][0] and "authenticator" in found["failed-3"][0]


def test_eks_required_log_types_come_from_policy_config() -> None:
    def body() -> None:
        _eks("passed-1", ["audit"])
        _eks("failed-1", ["authenticator"])

    judge(AWS_EKS_CLUSTER_AUDIT_LOGGING, body, {"requiredLogTypes": ["audit"]})
