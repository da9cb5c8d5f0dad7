"""Rotation of the secrets the platform generates in AWS Secrets Manager (the four-step protocol).

Secrets Manager calls this function four times per rotation, with the same `ClientRequestToken`
(the id of the new version) each time: `createSecret`, `setSecret`, `testSecret`, `finishSecret`
(Secrets Manager user guide, "Lambda rotation functions"). The structure follows AWS's own
`SecretsManagerRotationTemplate` (aws-samples/aws-secrets-manager-rotation-lambdas): check the event
and the version's staging labels first, then run one step; every step may be retried, so each is
idempotent.

The secret string is a JSON object whose keys are the catalogue entry's `keys`. A key named
`username` keeps its value; every other key gets a new value from Python's `secrets` module (no
punctuation, `PASSWORD_LENGTH` characters). A bad event raises before anything is written, so the
AWSCURRENT value is never lost; finishSecret re-checks the pending version before it moves
AWSCURRENT, so no order of calls makes an invalid version current. Logs carry step names, ARNs and
version ids, never a value.

A rotation stuck on a label state the protocol refuses (AWSPENDING left on an abandoned version, so
Secrets Manager answers "a previous rotation isn't complete"): remove the label from that version,
`aws secretsmanager update-secret-version-stage --secret-id <arn> --version-stage AWSPENDING
--remove-from-version-id <version>`, then `aws secretsmanager rotate-secret --secret-id <arn>`.
AWSCURRENT is untouched throughout.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import string
from typing import Any

import boto3

logger = logging.getLogger("secretsmanager_rotation")
logger.setLevel(logging.INFO)

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
KEPT_KEYS = frozenset({"username"})
"""Keys whose value survives a rotation: the identity stays, only its credentials change."""
DEFAULT_PASSWORD_LENGTH = 32
PASSWORD_LENGTH_RANGE = (16, 4096)
"""Shortest length we accept (the catalogue's own minimum) and the longest GetRandomPassword allows."""


def password_length() -> int:
    """Characters of each new value, from `PASSWORD_LENGTH`; a bad setting refuses the rotation."""
    raw = os.environ.get("PASSWORD_LENGTH", str(DEFAULT_PASSWORD_LENGTH))
    low, high = PASSWORD_LENGTH_RANGE
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"PASSWORD_LENGTH must be a whole number from {low} to {high}")
    return int(raw)


def lambda_handler(event: dict[str, Any], context: Any) -> None:
    """Entry point: refuse a bad event, then run the one step it names.

    Refused (ValueError, nothing written): an unknown step, a secret without rotation enabled, a
    token that is not a version of the secret, a token staged but not AWSPENDING. A token that is
    already AWSCURRENT means the rotation finished earlier: nothing to do.
    """
    try:
        secret_id = event["SecretId"]
        token = event["ClientRequestToken"]
        step = event["Step"]
    except (KeyError, TypeError):
        raise ValueError("the event must carry SecretId, ClientRequestToken and Step") from None
    if step not in STEPS:
        raise ValueError(f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}")

    client = _client()
    metadata = client.describe_secret(SecretId=secret_id)
    # Secrets Manager sends the ARN; a name (as moto sends) is resolved so that logs always show the ARN.
    arn = metadata["ARN"]
    if not metadata.get("RotationEnabled"):
        logger.error("secret %s is not enabled for rotation", arn)
        raise ValueError(f"secret {arn} is not enabled for rotation")
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        logger.error("version %s has no stage for rotation of secret %s", token, arn)
        raise ValueError(f"version {token} has no stage for rotation of secret {arn}")
    if CURRENT in versions[token]:
        logger.info("%s: version %s is already AWSCURRENT for secret %s", step, token, arn)
        if PENDING in versions[token]:
            # A rotation finished without its AWSPENDING label removed (an older version of this
            # function, or an interrupted finishSecret): remove it so the next rotation may start.
            client.update_secret_version_stage(SecretId=arn, VersionStage=PENDING, RemoveFromVersionId=token)
        return
    if PENDING not in versions[token]:
        logger.error("version %s is not AWSPENDING for rotation of secret %s", token, arn)
        raise ValueError(f"version {token} is not set as AWSPENDING for rotation of secret {arn}")

    logger.info("%s: secret %s, version %s", step, arn, token)
    {
        "createSecret": create_secret,
        "setSecret": set_secret,
        "testSecret": test_secret,
        "finishSecret": finish_secret,
    }[step](client, arn, token)


def create_secret(client: Any, arn: str, token: str) -> None:
    """Store new values as AWSPENDING under the token, unless an earlier attempt already did."""
    current = _secret_dict(client, arn, stage=CURRENT)
    try:
        _secret_dict(client, arn, stage=PENDING, version_id=token)
        logger.info("createSecret: version %s of secret %s already exists", token, arn)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    length = password_length()
    new = {key: value if key in KEPT_KEYS else _random_password(length) for key, value in current.items()}
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(new), VersionStages=[PENDING]
    )
    logger.info("createSecret: stored version %s of secret %s as AWSPENDING", token, arn)


def set_secret(client: Any, arn: str, token: str) -> None:
    """Nothing downstream to update: the value is generated for consumers that read it from here.

    A database rotation would set the new password on the database in this step. Our generated
    values have no system of record besides Secrets Manager (consumers read them through the
    External Secrets sync), so the step only checks that the pending version exists.
    """
    _secret_dict(client, arn, stage=PENDING, version_id=token)
    logger.info("setSecret: no downstream system for secret %s; version %s is pending", arn, token)


def test_secret(client: Any, arn: str, token: str) -> None:
    """The pending value must be a JSON object with every expected key and well-formed values."""
    _check_pending(client, arn, token, "testSecret")
    logger.info("testSecret: version %s of secret %s has every key", token, arn)


def _check_pending(client: Any, arn: str, token: str, step: str) -> None:
    """Raise unless the token's AWSPENDING version exists and is a valid successor of AWSCURRENT:
    the same keys, kept keys unchanged, every other value `PASSWORD_LENGTH` letters and digits."""
    current = _secret_dict(client, arn, stage=CURRENT)
    try:
        pending = _secret_dict(client, arn, stage=PENDING, version_id=token)
    except client.exceptions.ResourceNotFoundException:
        raise ValueError(f"{step}: version {token} of secret {arn} has no AWSPENDING value") from None
    if set(pending) != set(current):
        missing = sorted(set(current) - set(pending))
        extra = sorted(set(pending) - set(current))
        raise ValueError(
            f"{step}: version {token} of secret {arn} has different keys "
            f"(missing {missing}, unexpected {extra})"
        )
    length = password_length()
    for key, value in pending.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"{step}: key {key!r} of version {token} of secret {arn} is empty")
        if key in KEPT_KEYS:
            if value != current[key]:
                raise ValueError(f"{step}: key {key!r} of version {token} of secret {arn} changed")
        elif len(value) != length or not value.isalnum():
            raise ValueError(
                f"{step}: key {key!r} of version {token} of secret {arn} is not {length} letters and digits"
            )


def finish_secret(client: Any, arn: str, token: str) -> None:
    """Move AWSCURRENT to the token's version, only once it passes testSecret's checks again.

    Re-checking here means no sequence of calls (a finishSecret without testSecret, a retried or
    replayed event) can make a missing or malformed version current. Secrets Manager moves
    AWSPREVIOUS to the old version itself. AWSPENDING is then removed from the new version, as the
    service does after a successful rotation, so that a later rotation is never refused as "still in
    progress".
    """
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    current_version = next((v for v, stages in versions.items() if CURRENT in stages), None)
    if current_version == token:
        logger.info("finishSecret: version %s is already AWSCURRENT for secret %s", token, arn)
        return
    _check_pending(client, arn, token, "finishSecret")
    client.update_secret_version_stage(
        SecretId=arn, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current_version
    )
    client.update_secret_version_stage(SecretId=arn, VersionStage=PENDING, RemoveFromVersionId=token)
    logger.info("finishSecret: version %s of secret %s is AWSCURRENT (was %s)", token, arn, current_version)


def _client() -> Any:
    # The Lambda runtime sets AWS_REGION; SECRETS_MANAGER_ENDPOINT serves a VPC endpoint if one is used.
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT") or None
    return boto3.client("secretsmanager", endpoint_url=endpoint)


def _secret_dict(client: Any, arn: str, *, stage: str, version_id: str | None = None) -> dict[str, Any]:
    """One version's value as a dict; raises ResourceNotFoundException when it does not exist."""
    kwargs: dict[str, str] = {"SecretId": arn, "VersionStage": stage}
    if version_id is not None:
        kwargs["VersionId"] = version_id
    response = client.get_secret_value(**kwargs)
    try:
        value = json.loads(response.get("SecretString") or "")
    except ValueError:
        value = None
    if not isinstance(value, dict) or not value:
        # The message names the version, never the content.
        raise ValueError(f"{stage} value of secret {arn} is not a non-empty JSON object")
    return value


ALPHABET = string.ascii_letters + string.digits
"""What new values are drawn from: no punctuation, which many clients mishandle in URLs."""


def _random_password(length: int) -> str:
    """Letters and digits from the OS's CSPRNG (`secrets`), so the role needs no `Resource: "*"`
    statement for `secretsmanager:GetRandomPassword` (an action without a resource type)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
