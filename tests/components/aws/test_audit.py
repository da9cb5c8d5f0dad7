"""SecretAccessAudit: the trail, its encrypted destinations, and the two alarms on secret access.

Pure builders (policy documents, filter patterns, argument checks) are tested without Pulumi; the
component runs under the capture engine (`offline.runtime`) with the offline plan mocks, and each
test reads the registrations the monitor saw. The filter patterns are run against sample CloudTrail
records by a small evaluator of the part of the CloudWatch Logs filter syntax they use.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from parliament import analyze_policy_string, enhance_finding
from pulumi.runtime import settings

from components.aws.audit import (
    DENIED_ACCESS_PATTERN,
    FILTER_PATTERN_MAX_LENGTH,
    SESSION_ISSUER_ARN,
    SecretAccessAudit,
    SecretAccessAuditArgs,
    bucket_policy,
    check_args,
    cloudtrail_logs_policy,
    log_group_arn,
    topic_policy,
    trail_arn,
    unexpected_reader_pattern,
)
from components.aws.backend import foundation_args
from components.aws.foundation import AwsFoundation
from offline.plan import find_dropped
from offline.runtime import Capture, Registration
from tests.components._support import by_name, refused, run, stack_config

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CLUSTER = "secrets-dev"
STORE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b5e6a1c-1234-4abc-8def-5f6a7b8c0000"
SYNC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-external-secrets"
ROTATION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-rotation"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{CLUSTER}-secrets-audit"
LOG_GROUP = "/aws/cloudtrail/secrets-dev"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{CLUSTER}-secrets-audit-alerts"


def _args(**changes: Any) -> SecretAccessAuditArgs:
    """The happy path: the dev stack's cluster, account, region and alerting, with two readers."""
    stack = stack_config()
    assert stack.aws is not None
    fields: dict[str, Any] = {
        "cluster_name": stack.cluster.name,
        "account_id": stack.aws.account_id,
        "region": stack.region,
        "store_key_arn": STORE_KEY,
        "alerting": stack.alerting,
        "expected_readers": [SYNC_ROLE, ROTATION_ROLE],
        "log_retention_days": 365,
    }
    return SecretAccessAuditArgs(**{**fields, **changes})


def _declare(args: SecretAccessAuditArgs) -> Capture:
    return run(lambda: SecretAccessAudit("audit", args))


@pytest.fixture(scope="module")
def happy() -> Capture:
    return _declare(_args())


def _doc(reg: Registration, key: str) -> dict[str, Any]:
    return json.loads(reg.inputs[key])


# --- a tiny evaluator of CloudWatch Logs JSON filter patterns ------------------------------------
# The subset the patterns use: `{ ... }`, `&&`, `||`, parentheses, `$.a.b = "v"`, `!=`, `NOT EXISTS`,
# and `*` at the start or end of a string value. Mixing `&&` and `||` without parentheses is refused,
# as CloudWatch's precedence is not something a pattern should rely on.

_TOKEN = re.compile(
    r"\s*(?:(?P<brace>[{}])|(?P<paren>[()])|(?P<logic>&&|\|\|)|(?P<exists>NOT EXISTS)"
    r'|(?P<op>!=|=)|(?P<selector>\$(?:\.[A-Za-z0-9_]+)+)|(?P<string>"[^"]*"))'
)
MISSING = object()
Predicate = Callable[[dict[str, Any], bool], bool]


def _tokens(pattern: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(pattern.rstrip()):
        match = _TOKEN.match(pattern, position)
        assert match, f"unexpected text at {position}: {pattern[position : position + 30]!r}"
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _lookup(event: dict[str, Any], selector: str) -> Any:
    value: Any = event
    for part in selector.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _glob(expected: str) -> re.Pattern[str]:
    inner = expected.strip("*")
    assert "*" not in inner, f"wildcards only at the start or end of a value: {expected!r}"
    prefix = ".*" if expected.startswith("*") else ""
    suffix = ".*" if expected.endswith("*") else ""
    return re.compile(f"^{prefix}{re.escape(inner)}{suffix}$")


def compile_pattern(pattern: str) -> Callable[[dict[str, Any], bool], bool]:
    """`match(event, missing_is_not_equal)`: the second argument chooses how `!=` treats an absent
    field, since the patterns must not depend on it."""
    tokens = _tokens(pattern)
    position = 0

    def take(kind: str, text: str | None = None) -> str:
        nonlocal position
        got_kind, got_text = tokens[position]
        assert got_kind == kind and (text is None or got_text == text), (tokens[position], kind, text)
        position += 1
        return got_text

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def atom() -> Predicate:
        if peek() == ("paren", "("):
            take("paren", "(")
            inner = either()
            take("paren", ")")
            return inner
        selector = take("selector")
        if peek() == ("exists", "NOT EXISTS"):
            take("exists")
            return lambda event, _: _lookup(event, selector) is MISSING
        op = take("op")
        wanted = _glob(take("string")[1:-1])

        def compare(event: dict[str, Any], missing_is_not_equal: bool) -> bool:
            value = _lookup(event, selector)
            if value is MISSING or not isinstance(value, str):
                return op == "!=" and missing_is_not_equal
            return bool(wanted.match(value)) == (op == "=")

        return compare

    def chain(logic: str, part: Callable[[], Predicate]) -> list[Predicate]:
        parts = [part()]
        while peek() == ("logic", logic):
            take("logic", logic)
            parts.append(part())
        return parts

    def both() -> Predicate:
        parts = chain("&&", atom)
        return lambda event, semantics: all(p(event, semantics) for p in parts)

    def either() -> Predicate:
        start = position
        parts = chain("||", both)
        depth, mixed = 0, set()
        for kind, text in tokens[start:position]:
            depth += {"(": 1, ")": -1}.get(text, 0) if kind == "paren" else 0
            if kind == "logic" and depth == 0:
                mixed.add(text)
        assert len(mixed) < 2, "mixing && and || needs parentheses"
        return lambda event, semantics: any(p(event, semantics) for p in parts)

    take("brace", "{")
    root = either()
    take("brace", "}")
    assert position == len(tokens), f"trailing tokens: {tokens[position:]}"
    return root


def matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether the pattern matches, asserting the answer is the same under both `!=` semantics."""
    match = compile_pattern(pattern)
    strict, lenient = match(event, False), match(event, True)
    assert strict == lenient, f"the pattern depends on how `!=` treats an absent field: {event}"
    return strict


def test_the_evaluator_refuses_mixed_logic_without_parentheses() -> None:
    with pytest.raises(AssertionError, match="parentheses"):
        compile_pattern('{ $.a = "x" && $.b = "y" || $.c = "z" }')


def test_the_evaluator_matches_wildcards_at_either_end_only() -> None:
    assert compile_pattern('{ $.e = "AccessDenied*" }')({"e": "AccessDeniedException"}, False)
    assert compile_pattern('{ $.e = "*UnauthorizedOperation" }')({"e": "Client.UnauthorizedOperation"}, False)
    assert not compile_pattern('{ $.e = "AccessDenied*" }')({"e": "NotAccessDenied"}, False)
    with pytest.raises(AssertionError, match="start or end"):
        compile_pattern('{ $.e = "Access*Denied" }')


# --- sample CloudTrail records (shapes from the Secrets Manager and KMS CloudTrail guides) --------


def _assumed_role(role_arn: str, web_identity: bool = False) -> dict[str, Any]:
    role_name = role_arn.rsplit("/", 1)[1]
    identity: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEID:{role_name}-session",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{role_name}-session",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEID",
                "arn": role_arn,
                "accountId": ACCOUNT,
                "userName": role_name,
            },
            "attributes": {"creationDate": "2025-05-20T20:40:00Z", "mfaAuthenticated": "false"},
        },
    }
    if web_identity:
        identity["sessionContext"]["webIdFederationData"] = {
            "federatedProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/5E1B",
            "attributes": {},
        }
    return identity


IAM_USER = {
    "type": "IAMUser",
    "principalId": "AIDAEXAMPLEID",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/mallory",
    "accountId": ACCOUNT,
    "accessKeyId": "AKIAEXAMPLEKEY",
    "userName": "mallory",
}
SECRETS_MANAGER_SERVICE = {"type": "AWSService", "invokedBy": "secretsmanager.amazonaws.com"}


def _event(source: str, name: str, identity: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": copy.deepcopy(identity),
        "eventTime": "2025-05-20T20:46:16Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-sdk-go-v2/1.36.3",
        "requestParameters": {"secretId": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-queue"},
        "responseElements": None,
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error is not None:
        event["errorCode"] = error
        event["errorMessage"] = f"User: {identity.get('arn')} is not authorized to perform: {name}"
    return event


def _read(identity: dict[str, Any], error: str | None = None, name: str = "GetSecretValue") -> dict[str, Any]:
    return _event("secretsmanager.amazonaws.com", name, identity, error)


SYNC_READ = _read(_assumed_role(SYNC_ROLE, web_identity=True))
ROTATION_READ = _read(_assumed_role(ROTATION_ROLE))
UNKNOWN_ROLE_READ = _read(_assumed_role(f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"))
IAM_USER_READ = _read(IAM_USER)
DENIED_READ = _read(_assumed_role(f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"), error="AccessDenied")
UNKNOWN_BATCH_READ = _read(IAM_USER, name="BatchGetSecretValue")
INVOKED_BY_SECRETS_MANAGER_READ = _read(
    {**IAM_USER, "invokedBy": "secretsmanager.amazonaws.com"}  # a per-secret entry of a batch read
)
SERVICE_READ = _read(SECRETS_MANAGER_SERVICE)  # replication of a secret to another region
DENIED_DECRYPT = _event("kms.amazonaws.com", "Decrypt", IAM_USER, error="AccessDeniedException")
KMS_DECRYPT = _event("kms.amazonaws.com", "Decrypt", _assumed_role(SYNC_ROLE, web_identity=True))
EC2_UNAUTHORIZED = _event("ec2.amazonaws.com", "RunInstances", IAM_USER, error="Client.UnauthorizedOperation")
MISSING_SECRET = _read(_assumed_role(SYNC_ROLE, web_identity=True), error="ResourceNotFoundException")


def test_sample_records_carry_the_fields_the_patterns_select() -> None:
    issuer = DENIED_READ["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"]
    assert (DENIED_READ["eventSource"], DENIED_READ["errorCode"]) == (
        "secretsmanager.amazonaws.com",
        "AccessDenied",
    )
    assert issuer == f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"
    assert SYNC_READ["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == SYNC_ROLE
    assert "webIdFederationData" in SYNC_READ["userIdentity"]["sessionContext"], (
        "IRSA sessions are web identity"
    )
    assert "sessionContext" not in IAM_USER_READ["userIdentity"], "an IAM user has no session issuer"
    assert "errorCode" not in SYNC_READ, "a successful call has no errorCode"
    assert INVOKED_BY_SECRETS_MANAGER_READ["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com"
    assert SERVICE_READ["userIdentity"]["type"] == "AWSService"


# --- (a) denied access -----------------------------------------------------------------------------


def test_denied_access_pattern_is_the_documented_one() -> None:
    assert DENIED_ACCESS_PATTERN == (
        '{ ($.eventSource = "secretsmanager.amazonaws.com" || $.eventSource = "kms.amazonaws.com") '
        '&& ($.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation") }'
    )


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (DENIED_READ, True),
        (DENIED_DECRYPT, True),
        (_read(IAM_USER, error="Client.UnauthorizedOperation"), True),
        (SYNC_READ, False),
        (KMS_DECRYPT, False),
        (MISSING_SECRET, False),
        (EC2_UNAUTHORIZED, False),
    ],
    ids=["denied-read", "denied-decrypt", "unauthorized-operation", "read", "decrypt", "not-found", "ec2"],
)
def test_denied_access_pattern_matches_denials_of_secrets_and_keys_only(
    event: dict[str, Any], expected: bool
) -> None:
    assert matches(DENIED_ACCESS_PATTERN, event) is expected, event["eventName"]


# --- (b) unexpected readers --------------------------------------------------------------------


def test_unexpected_reader_pattern_is_exact_and_sorted() -> None:
    issuer = "$.userIdentity.sessionContext.sessionIssuer.arn"
    assert unexpected_reader_pattern([SYNC_ROLE, ROTATION_ROLE, SYNC_ROLE]) == (
        '{ $.eventSource = "secretsmanager.amazonaws.com"'
        ' && ($.eventName = "GetSecretValue" || $.eventName = "BatchGetSecretValue")'
        " && $.errorCode NOT EXISTS"
        ' && $.userIdentity.type != "AWSService"'
        ' && ($.userIdentity.invokedBy NOT EXISTS || $.userIdentity.invokedBy != "secretsmanager.amazonaws.com")'
        f' && ({issuer} NOT EXISTS || ({issuer} != "{SYNC_ROLE}" && {issuer} != "{ROTATION_ROLE}")) }}'
    )


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (SYNC_READ, False),
        (ROTATION_READ, False),
        (INVOKED_BY_SECRETS_MANAGER_READ, False),
        (SERVICE_READ, False),
        (DENIED_READ, False),
        (KMS_DECRYPT, False),
        (UNKNOWN_ROLE_READ, True),
        (IAM_USER_READ, True),
        (UNKNOWN_BATCH_READ, True),
    ],
    ids=[
        "sync-role",
        "rotation-role",
        "invoked-by-secrets-manager",
        "aws-service",
        "denied",
        "kms",
        "unknown-role",
        "iam-user",
        "unknown-batch-read",
    ],
)
def test_unexpected_reader_pattern_matches_reads_by_others_only(
    event: dict[str, Any], expected: bool
) -> None:
    pattern = unexpected_reader_pattern([SYNC_ROLE, ROTATION_ROLE])
    assert matches(pattern, event) is expected, event["userIdentity"]


def test_unexpected_reader_pattern_refuses_a_user_arn() -> None:
    with pytest.raises(ValueError, match="not an IAM role ARN"):
        unexpected_reader_pattern([SYNC_ROLE, f"arn:aws:iam::{ACCOUNT}:user/mallory"])


def test_unexpected_reader_pattern_refuses_a_pattern_cloudwatch_would_refuse() -> None:
    readers = [f"arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-external-secrets-namespace-{i}" for i in range(8)]
    with pytest.raises(ValueError, match=f"at most {FILTER_PATTERN_MAX_LENGTH}"):
        unexpected_reader_pattern(readers)
    assert len(unexpected_reader_pattern(readers[:4])) <= FILTER_PATTERN_MAX_LENGTH


# --- argument checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"expected_readers": [f"arn:aws:iam::{ACCOUNT}:user/mallory"]}, "not an IAM role ARN"),
        ({"log_retention_days": 100}, "log_retention_days is 100"),
        ({"account_id": "1111"}, "12-digit"),
        ({"region": "Ireland"}, "AWS region"),
        ({"cluster_name": "x" * 120}, "trail name"),
    ],
    ids=["user-reader", "retention", "account", "region", "long-cluster-name"],
)
def test_check_args_refuses(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_args(_args(**changes))


def test_check_args_accepts_the_happy_path() -> None:
    check_args(_args())  # raises on failure


def test_refused_before_any_resource_exists() -> None:
    user = [f"arn:aws:iam::{ACCOUNT}:user/mallory"]
    message, capture = refused(lambda: SecretAccessAudit("audit", _args(expected_readers=user)))
    assert "not an IAM role ARN" in message
    assert capture.resources == [], "a refused audit must not register any resource"


def test_with_no_expected_reader_every_successful_read_is_unexpected() -> None:
    pattern = unexpected_reader_pattern([])
    assert SESSION_ISSUER_ARN not in pattern and pattern.endswith(" }"), pattern
    assert "GetSecretValue" in pattern and "$.errorCode NOT EXISTS" in pattern


# --- policy documents --------------------------------------------------------------------------


def test_bucket_policy_lets_only_this_trail_write_and_refuses_plain_http() -> None:
    bucket = "arn:aws:s3:::audit-trail-bucket-1234"
    assert json.loads(bucket_policy(bucket, ACCOUNT, TRAIL))["Statement"] == [
        {
            "Sid": "AllowCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["s3:GetBucketAcl"],
            "Resource": bucket,
            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
        },
        {
            "Sid": "AllowCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["s3:PutObject"],
            "Resource": f"{bucket}/AWSLogs/{ACCOUNT}/*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": TRAIL, "s3:x-amz-acl": "bucket-owner-full-control"}
            },
        },
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*"],
            "Resource": [bucket, f"{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


def test_cloudtrail_logs_policy_writes_only_cloudtrail_streams_of_the_audit_log_group() -> None:
    streams = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:log-stream:{ACCOUNT}_CloudTrail_*"
    assert json.loads(cloudtrail_logs_policy(REGION, ACCOUNT, CLUSTER)) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CreateCloudTrailLogStreams",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream"],
                "Resource": [streams],
            },
            {
                "Sid": "PutCloudTrailLogEvents",
                "Effect": "Allow",
                "Action": ["logs:PutLogEvents"],
                "Resource": [streams],
            },
        ],
    }


def test_topic_policy_lets_only_this_clusters_alarms_publish() -> None:
    assert json.loads(topic_policy(TOPIC, REGION, ACCOUNT, CLUSTER))["Statement"] == [
        {
            "Sid": "AllowCloudWatchAlarmsToPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["sns:Publish"],
            "Resource": TOPIC,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {
                    "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{CLUSTER}-secrets-*"
                },
            },
        }
    ]


def test_names_match_what_the_store_key_policy_is_given() -> None:
    assert trail_arn(REGION, ACCOUNT, CLUSTER) == TRAIL
    assert log_group_arn(REGION, ACCOUNT, CLUSTER) == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}"


# --- the component under the capture engine ----------------------------------------------------


def test_nothing_the_component_builds_is_dropped_by_the_mocks(happy: Capture) -> None:
    assert find_dropped(happy) == []


def test_trail_records_all_management_events_everywhere_with_validation(happy: Capture) -> None:
    trail = by_name(happy, "audit-trail")
    assert trail.inputs["name"] == f"{CLUSTER}-secrets-audit", f"{trail.urn}: the name the key policy names"
    assert trail.inputs["enableLogging"] is True, f"{trail.urn} must log"
    assert trail.inputs["enableLogFileValidation"] is True, f"{trail.urn} must sign digests of its log files"
    assert trail.inputs["isMultiRegionTrail"] is True, f"{trail.urn} must record every region"
    assert trail.inputs["includeGlobalServiceEvents"] is True, f"{trail.urn} must record IAM and STS"
    assert trail.inputs["eventSelectors"] == [
        {"readWriteType": "All", "includeManagementEvents": True, "excludeManagementEventSources": []}
    ], f"{trail.urn}: management reads and writes, KMS not excluded"
    assert trail.inputs["kmsKeyId"] == STORE_KEY, f"{trail.urn} must encrypt log files with the store key"
    assert trail.options["protect"] is True, f"{trail.urn} must be protected"


def test_trail_delivers_to_the_bucket_and_the_log_group_once_they_allow_it(happy: Capture) -> None:
    trail = by_name(happy, "audit-trail")
    bucket_name = by_name(happy, "audit-trail-bucket-policy").inputs["bucket"]
    log_group = by_name(happy, "audit-trail-logs")
    role = by_name(happy, "audit-trail-logs-role")
    assert bucket_name.startswith("audit-trail-bucket-"), "the bucket is autonamed from the component"
    assert trail.inputs["s3BucketName"] == bucket_name, f"{trail.urn} must deliver to the audit bucket"
    assert trail.inputs["cloudWatchLogsGroupArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*"
    ), f"{trail.urn} must deliver to the audit log group (with the log-stream wildcard)"
    assert trail.inputs["cloudWatchLogsRoleArn"].startswith(
        f"arn:aws:iam::{ACCOUNT}:role/audit-trail-logs-role"
    )
    for needed in ("audit-trail-bucket-policy", "audit-trail-logs-role-policy"):
        assert by_name(happy, needed).urn in trail.dependencies, f"{trail.urn} must wait for {needed}"
    assert role.parent == log_group.urn, f"{role.urn} belongs to the log group it writes"


def test_bucket_is_retained_protected_versioned_private_and_on_the_store_key(happy: Capture) -> None:
    bucket = by_name(happy, "audit-trail-bucket")
    assert bucket.options["protect"] is True, f"{bucket.urn} must be protected"
    assert bucket.options["retainOnDelete"] is True, f"{bucket.urn} must outlive the stack"
    assert bucket.inputs["forceDestroy"] is False, f"{bucket.urn} must not be emptied on delete"
    versioning = by_name(happy, "audit-trail-bucket-versioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}, versioning.urn
    encryption = by_name(happy, "audit-trail-bucket-encryption")
    assert encryption.inputs["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": STORE_KEY},
            "bucketKeyEnabled": False,
        }
    ], f"{encryption.urn} must encrypt with the store key"
    public = by_name(happy, "audit-trail-bucket-public-access")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert public.inputs[flag] is True, f"{public.urn}: {flag}"
    for child in (versioning, encryption, public):
        assert child.parent == bucket.urn, f"{child.urn} belongs to the bucket"
        assert child.options["protect"] is True, f"{child.urn} inherits the bucket's protection"


def test_bucket_policy_is_the_built_document_for_the_real_bucket(happy: Capture) -> None:
    policy = by_name(happy, "audit-trail-bucket-policy")
    bucket_name = policy.inputs["bucket"]
    assert bucket_name.startswith("audit-trail-bucket-"), policy.urn
    assert _doc(policy, "policy") == json.loads(
        bucket_policy(f"arn:aws:s3:::{bucket_name}", ACCOUNT, TRAIL)
    ), f"{policy.urn} must be the built policy of this bucket"
    public = by_name(happy, "audit-trail-bucket-public-access")
    assert public.urn in policy.dependencies, f"{policy.urn} must wait for the public access block"


def test_log_group_is_named_for_the_key_policy_encrypted_and_expires(happy: Capture) -> None:
    log_group = by_name(happy, "audit-trail-logs")
    assert log_group.inputs["name"] == LOG_GROUP, f"{log_group.urn}: the name the key policy names"
    assert log_group.inputs["kmsKeyId"] == STORE_KEY, f"{log_group.urn} must use the store key"
    assert log_group.inputs["retentionInDays"] == 365, f"{log_group.urn} retention"


def test_cloudtrail_role_is_assumed_by_cloudtrail_and_writes_one_log_group(happy: Capture) -> None:
    role = by_name(happy, "audit-trail-logs-role")
    assert _doc(role, "assumeRolePolicy")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    ], f"{role.urn} must trust CloudTrail only"
    policy = by_name(happy, "audit-trail-logs-role-policy")
    assert policy.inputs["policy"] == cloudtrail_logs_policy(REGION, ACCOUNT, CLUSTER), policy.urn
    assert policy.parent == role.urn, f"{policy.urn} belongs to its role"


def test_identity_policies_pass_parliament_with_community_auditors(happy: Capture) -> None:
    identity_policies = [r for r in happy.resources if r.type == "aws:iam/rolePolicy:RolePolicy"]
    assert [r.name for r in identity_policies] == ["audit-trail-logs-role-policy"]
    for policy in identity_policies:
        findings = analyze_policy_string(policy.inputs["policy"], include_community_auditors=True).findings
        described = [f"{f.issue} {f.severity} {f.detail}" for f in map(enhance_finding, findings)]
        assert described == [], f"{policy.urn}: parliament findings {described}"


def test_topic_is_encrypted_and_only_alarms_publish(happy: Capture) -> None:
    topic = by_name(happy, "audit-alerts")
    assert topic.inputs["kmsMasterKeyId"] == STORE_KEY, f"{topic.urn} must be encrypted with the store key"
    policy = by_name(happy, "audit-alerts-policy")
    assert policy.inputs["arn"] == TOPIC, f"{policy.urn} must be on the alarm topic"
    assert policy.inputs["policy"] == topic_policy(TOPIC, REGION, ACCOUNT, CLUSTER), policy.urn


def test_alerts_go_to_the_alerting_email(happy: Capture) -> None:
    subscription = by_name(happy, "audit-alerts-email")
    assert subscription.inputs["topic"] == TOPIC, f"{subscription.urn} must subscribe to the alarm topic"
    assert subscription.inputs["protocol"] == "email", subscription.urn
    assert subscription.inputs["endpoint"] == stack_config().alerting.email, f"{subscription.urn} address"


@pytest.mark.parametrize(
    ("role", "metric"),
    [("denied-access", "DeniedSecretOrKeyAccess"), ("unexpected-reader", "UnexpectedSecretRead")],
)
def test_each_filter_counts_on_the_audit_log_group_and_its_alarm_pages(
    happy: Capture, role: str, metric: str
) -> None:
    metric_filter = by_name(happy, f"audit-{role}-filter")
    alarm = by_name(happy, f"audit-{role}-alarm")
    assert metric_filter.inputs["logGroupName"] == LOG_GROUP, f"{metric_filter.urn} must read the audit logs"
    transformation = metric_filter.inputs["metricTransformation"]
    assert transformation == {
        "name": metric,
        "namespace": f"SecretsPlatform/{CLUSTER}",
        "value": "1",
        "unit": "Count",
    }, f"{metric_filter.urn} metric"
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == (
        transformation["namespace"],
        transformation["name"],
    ), f"{alarm.urn} must watch its filter's metric"
    assert alarm.inputs["name"] == f"{CLUSTER}-secrets-{role}", f"{alarm.urn}: the prefix the topic admits"
    assert alarm.inputs["statistic"] == "Sum", alarm.urn
    assert alarm.inputs["period"] == 300, f"{alarm.urn} must count over 5 minutes"
    assert alarm.inputs["evaluationPeriods"] == 1, alarm.urn
    assert alarm.inputs["threshold"] == 1, f"{alarm.urn} must use alerting.deniedAccessThreshold"
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold", alarm.urn
    assert alarm.inputs["treatMissingData"] == "notBreaching", alarm.urn
    assert alarm.inputs["alarmActions"] == [TOPIC], f"{alarm.urn} must publish to the alarm topic"


def test_filter_patterns_are_the_built_ones(happy: Capture) -> None:
    denied = by_name(happy, "audit-denied-access-filter")
    assert denied.inputs["pattern"] == DENIED_ACCESS_PATTERN, denied.urn
    unexpected = by_name(happy, "audit-unexpected-reader-filter")
    assert unexpected.inputs["pattern"] == unexpected_reader_pattern([SYNC_ROLE, ROTATION_ROLE]), (
        unexpected.urn
    )


def test_alarm_threshold_follows_the_alerting_config() -> None:
    stack = stack_config(lambda raw: raw["alerting"].update({"deniedAccessThreshold": 5}))
    capture = _declare(_args(alerting=stack.alerting))
    for role in ("denied-access", "unexpected-reader"):
        alarm = by_name(capture, f"audit-{role}-alarm")
        assert alarm.inputs["threshold"] == 5, f"{alarm.urn} must use alerting.deniedAccessThreshold"


def test_expected_readers_may_be_outputs_of_roles() -> None:
    def body() -> None:
        sync = aws.iam.Role("eso-sync", assume_role_policy="{}")
        SecretAccessAudit("audit", _args(expected_readers=[sync.arn, ROTATION_ROLE]))

    pattern = by_name(run(body), "audit-unexpected-reader-filter").inputs["pattern"]
    readers = re.findall(r'sessionIssuer\.arn != "([^"]+)"', pattern)
    assert len(readers) == 2 and ROTATION_ROLE in readers, pattern
    sync = next(r for r in readers if r != ROTATION_ROLE)
    assert sync.startswith(f"arn:aws:iam::{ACCOUNT}:role/eso-sync-"), "the role's ARN, once known"
    assert matches(pattern, _read(_assumed_role(sync, web_identity=True))) is False, (
        "the output role is expected"
    )


def test_an_output_reader_that_is_not_a_role_fails_the_deployment() -> None:
    def body() -> None:
        SecretAccessAudit(
            "audit",
            _args(expected_readers=[pulumi.Output.from_input(f"arn:aws:iam::{ACCOUNT}:user/mallory")]),
        )

    try:
        with pytest.raises(ValueError, match="not an IAM role ARN"):
            run(body)
    finally:
        _forget_the_failed_run()


def _forget_the_failed_run() -> None:
    """Drop what a run that failed inside an apply left pending on its (closed) event loop.

    `offline.runtime.run_program` does not clear `SETTINGS.outputs` (a run must clear them, or the next run waits on the last run's tasks):
    the outputs left pending would make the next run in this process wait forever. Their tasks can
    never finish, so they are also told not to complain when they are garbage-collected.
    """
    leftovers = list(settings.SETTINGS.outputs)
    settings.SETTINGS.outputs.clear()
    for loop in {task.get_loop() for task in leftovers}:
        for task in asyncio.all_tasks(loop):
            task._log_destroy_pending = False  # type: ignore[attr-defined]


def test_outputs_name_the_trail_bucket_log_group_topic_and_alarms() -> None:
    seen: dict[str, Any] = {}

    def body() -> None:
        audit = SecretAccessAudit("audit", _args())
        pulumi.Output.all(
            audit.trail_arn,
            audit.trail_bucket_name,
            audit.log_group_name,
            audit.alarm_topic_arn,
            audit.alarm_arns,
        ).apply(
            lambda values: seen.update(
                zip(["trail", "bucket", "logs", "topic", "alarms"], values, strict=True)
            )
        )

    run(body)
    assert seen["trail"] == TRAIL, "trail_arn"
    assert seen["bucket"].startswith("audit-trail-bucket-"), "trail_bucket_name"
    assert seen["logs"] == LOG_GROUP, "log_group_name"
    assert seen["topic"] == TOPIC, "alarm_topic_arn"
    assert seen["alarms"] == [
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{CLUSTER}-secrets-denied-access",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{CLUSTER}-secrets-unexpected-reader",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{CLUSTER}-secrets-kubernetes-secret-denied",
    ], "alarm_arns"


def test_with_the_foundation_the_store_key_admits_exactly_this_trail_and_log_group() -> None:
    def body() -> None:
        stack = stack_config()
        foundation = AwsFoundation("found", foundation_args(stack))
        SecretAccessAudit("audit", replace(_args(), store_key_arn=foundation.store_key_id))

    capture = run(body)
    store = by_name(capture, "found-store-key")
    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"
    trail = by_name(capture, "audit-trail")
    assert trail.inputs["kmsKeyId"].startswith(key_arn), f"{trail.urn} must use the foundation's store key"
    for user in ("audit-trail-logs", "audit-alerts"):
        reg = by_name(capture, user)
        assert reg.inputs.get("kmsKeyId", reg.inputs.get("kmsMasterKeyId")) == trail.inputs["kmsKeyId"], (
            reg.urn
        )
    by_sid = {s["Sid"]: s for s in _doc(store, "policy")["Statement"]}
    trail_arn_now = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{trail.inputs['name']}"
    encrypt = by_sid["AllowCloudTrailToEncryptTheAuditTrail"]["Condition"]["StringEquals"]
    assert encrypt["aws:SourceArn"] == [trail_arn_now], f"{store.urn} must name the declared trail"
    assert encrypt["kms:EncryptionContext:aws:cloudtrail:arn"] == [trail_arn_now], store.urn
    logs = by_sid["AllowCloudWatchLogsOfThisPlatform"]["Condition"]["ArnEquals"][
        "kms:EncryptionContext:aws:logs:arn"
    ]
    log_group = by_name(capture, "audit-trail-logs").inputs["name"]
    assert f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group}" in logs, (
        f"{store.urn} must admit the log group"
    )
    assert find_dropped(capture) == []
