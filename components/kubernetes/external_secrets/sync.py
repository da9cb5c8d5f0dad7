"""What every synced Secret shares: the External Secrets API, refresh intervals, reload annotations,
and which workload identity syncs which secret."""

from collections.abc import Sequence
from datetime import timedelta

from config.models import CloudSecret, StackConfig

EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1"
STORE_KIND = "SecretStore"
"""Namespaced stores only: a ClusterSecretStore could be named by an ExternalSecret of any namespace."""

MAX_REFRESH = timedelta(hours=1)
"""Longest time ESO waits before re-reading a secret; a rotated value is at most this old in the Secret."""

REFRESH_FRACTION = 4
"""ESO re-reads a secret at least four times per rotation period, so a rotation never waits for it."""

RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload"
"""On a Deployment: the Secrets (comma-separated) whose change makes Reloader roll it."""

WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
"""pulumi-kubernetes waits for this condition before it reports the resource created (v4.18+)."""

WAIT_FOR_READY = "condition=Ready"
"""ESO sets `Ready` on a SecretStore once it is valid and on an ExternalSecret once the Secret is synced."""

_DURATION_UNITS = (("h", 3600), ("m", 60), ("s", 1))


def refresh_interval(rotation_days: int, ceiling: timedelta = MAX_REFRESH) -> timedelta:
    """How often ESO re-reads a secret: `min(ceiling, rotation period / 4)`."""
    return min(ceiling, timedelta(days=rotation_days) / REFRESH_FRACTION)


def go_duration(interval: timedelta) -> str:
    """A whole-second interval as a Go duration (`1h`, `1h30m`, `45s`), the form `refreshInterval` takes."""
    seconds = int(interval.total_seconds())
    if seconds <= 0 or seconds != interval.total_seconds():
        raise ValueError(f"expected a positive whole number of seconds, got {interval}")
    parts = []
    for unit, size in _DURATION_UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


def reloader_annotations(secret_names: Sequence[str]) -> dict[str, str]:
    """The Deployment annotation that makes Reloader roll it when one of these Secrets changes."""
    return {RELOAD_ANNOTATION: ",".join(sorted(set(secret_names)))}


def sync_plan(stack: StackConfig, store: str = "default") -> dict[str, list[CloudSecret]]:
    """Workload name -> the secrets of `store` its sync identity reads, in catalogue order.

    A `source: cloud` secret of that store is synced by the identity of its first reader that runs
    in the secret's namespace (a SecretStore can only use a ServiceAccount of its own namespace); other
    readers in that namespace consume the same Secret. A secret that no workload of its namespace
    reads (the platform's own BFF and CMS get no sync identity) is refused: nothing could sync it.
    """
    namespaces = {w.name: w.namespace_name for w in stack.workloads}
    plan: dict[str, list[CloudSecret]] = {}
    problems = []
    for entry in stack.secrets:
        if not isinstance(entry, CloudSecret) or entry.store != store:
            continue
        namespace = stack.secret_namespace(entry)
        owner = next((r for r in entry.readers if namespaces.get(r) == namespace), None)
        if owner is None:
            problems.append(
                f"cloud secret {entry.name!r} lives in namespace {namespace!r}, where none of the stack's "
                "workloads that read it runs; add such a reader, whose identity will sync it"
            )
            continue
        plan.setdefault(owner, []).append(entry)
    if problems:
        raise ValueError("; ".join(problems))
    return plan
