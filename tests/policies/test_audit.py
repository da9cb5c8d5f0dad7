"""Audit: the CloudTrail trail keeps logging, reads included."""

from __future__ import annotations

import pulumi_aws as aws

from policies.audit import AWS_CLOUDTRAIL_TRAIL_LOGGING
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
