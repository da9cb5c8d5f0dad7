"""Secrets Manager on the real path, through a boto3 `secretsmanager` client (moto's in the tests).

API reference (Secrets Manager API): DescribeSecret (`LastRotatedDate`, `RotationEnabled`,
`VersionIdsToStages`), ListSecretVersionIds (`CreatedDate` of each version), RotateSecret with
`RotateImmediately` (the configured rotation Lambda runs its four steps now), PutSecretValue (a new
AWSCURRENT; the old one becomes AWSPREVIOUS), UpdateSecretVersionStage (removing AWSPREVIOUS leaves
the version without labels: deprecated, no longer served by label, deletable by the service).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from offline.stores import StoreError, StoreState, StoreVersion

STORE = "secrets-manager"
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


def _call(what: str, name: str, fn: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return dict(fn(**kwargs))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StoreError(
            f"Secrets Manager {what} {name}: {error.get('Code', 'error')}: {error.get('Message', '')}"
        ) from None
    except BotoCoreError as exc:
        raise StoreError(f"Secrets Manager {what} {name}: {exc}") from None


def read(client: Any, secret_id: str) -> StoreState:
    """The secret's versions, labels and dates (no value is read)."""
    described = _call("DescribeSecret", secret_id, client.describe_secret, SecretId=secret_id)
    versions: list[StoreVersion] = []
    token: str | None = None
    while True:
        page = _call(
            "ListSecretVersionIds",
            secret_id,
            client.list_secret_version_ids,
            SecretId=secret_id,
            **({"NextToken": token} if token else {}),
        )
        for item in page.get("Versions", []):
            labels = tuple(item.get("VersionStages") or ())
            versions.append(
                StoreVersion(
                    id=str(item["VersionId"]),
                    created=_when(item.get("CreatedDate")),
                    current=CURRENT in labels,
                    live=bool(labels),
                    labels=labels,
                )
            )
        token = page.get("NextToken") or None
        if not token:
            break
    current = next((v for v in versions if v.current), None)
    return StoreState(
        store=STORE,
        name=str(described.get("Name", secret_id)),
        current_since=current.created if current else None,
        last_rotated=_when(described.get("LastRotatedDate")),
        versions=versions,
    )


def rotate_now(client: Any, secret_id: str) -> str:
    """Start the secret's configured rotation now; returns the new version's id."""
    described = _call("DescribeSecret", secret_id, client.describe_secret, SecretId=secret_id)
    if not described.get("RotationEnabled") or not described.get("RotationLambdaARN"):
        raise StoreError(
            f"Secrets Manager secret {secret_id} has no rotation configured; nothing was started"
        )
    # Without RotationRules and the Lambda ARN the service keeps the configured ones (RotateSecret:
    # "If you don't specify ... Secrets Manager uses the existing").
    answer = _call(
        "RotateSecret",
        secret_id,
        client.rotate_secret,
        SecretId=secret_id,
        RotationLambdaARN=described["RotationLambdaARN"],
        RotateImmediately=True,
    )
    return str(answer.get("VersionId", ""))


def put_value(client: Any, secret_id: str, document: str) -> str:
    """Write an operator's new value as AWSCURRENT (the old one becomes AWSPREVIOUS); returns its id."""
    answer = _call(
        "PutSecretValue", secret_id, client.put_secret_value, SecretId=secret_id, SecretString=document
    )
    return str(answer.get("VersionId", ""))


def revoke(client: Any, secret_id: str, version: StoreVersion) -> None:
    """Take AWSPREVIOUS (and any other label but AWSCURRENT) off a previous version: deprecated."""
    if version.current:
        raise StoreError(f"refusing to revoke the current version of {secret_id}")
    for label in version.labels:
        _call(
            "UpdateSecretVersionStage",
            secret_id,
            client.update_secret_version_stage,
            SecretId=secret_id,
            VersionStage=label,
            RemoveFromVersionId=version.id,
        )


def adopt_info(client: Any, secret_id: str, accept: Any = None) -> tuple[str, str, list[str], int | None]:
    """What adopting a secret needs: its name, ARN, the keys of its JSON value, its rotation period.

    The value is read only to list its keys, then dropped; a value that is not a JSON object of
    strings cannot be a catalogue entry (External Secrets reads it by key). `accept(name)` may refuse
    the secret by its name first.
    """
    described = _call("DescribeSecret", secret_id, client.describe_secret, SecretId=secret_id)
    if accept is not None:
        accept(str(described["Name"]))  # refuses before the value is read
    value = _call("GetSecretValue", secret_id, client.get_secret_value, SecretId=secret_id).get(
        "SecretString"
    )
    keys = _json_keys(value)
    if keys is None:
        raise StoreError(f"Secrets Manager secret {secret_id}: its value is not a JSON object of text values")
    days = (described.get("RotationRules") or {}).get("AutomaticallyAfterDays")
    return str(described["Name"]), str(described["ARN"]), keys, int(days) if days else None


def _json_keys(value: Any) -> list[str] | None:
    import json

    try:
        document = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if (
        not isinstance(document, dict)
        or not document
        or not all(isinstance(v, str) for v in document.values())
    ):
        return None
    return sorted(document)
