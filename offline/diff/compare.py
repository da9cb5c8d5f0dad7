"""The diff of two plans of one stack, matched by URN: a pure function of the plans, the optional
provenance of `--base` mode, and the two sides' violations.

Resources to create, update, replace and delete; for a replacement, the property that forces it
(`offline.diff.replace`); property-level changes of plain values; secret inputs only as `[secret]`
with whether they changed (`Verdict`, from their provenance: a generated value changed when its
generator is created or replaced, a different source on each side changed, config and file sources
as `Provenance` compares them, anything else unknown); the policy violations the change introduces
or fixes; and who gains or loses read access to which secret (`offline.access`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from pulumi.runtime import rpc

from offline.access import access_report
from offline.diff.model import (
    MISSING,
    AccessChange,
    Action,
    Cause,
    Change,
    Diff,
    Note,
    PropertyChange,
    ResourceChange,
    SecretChange,
    Verdict,
    ViolationChange,
)
from offline.diff.provenance import Finding, Provenance
from offline.diff.replace import deletes_first, matches, replacement
from offline.plan import Plan, Resource, _covered
from offline.runtime import SIG_KEY, join


def _walk_inputs(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves of an input tree; empty maps and lists are leaves too."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _walk_inputs(v, join(path, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _walk_inputs(v, join(path, i))
    else:
        yield path, value


_FILE_SIGS = {rpc._special_asset_sig: "asset", rpc._special_archive_sig: "archive"}
"""Pulumi's wire signatures of file assets and archives (the engine diffs them by content)."""


def _file_assets(value: Any, path: str = "") -> dict[str, dict[str, Any]]:
    """Input path -> every asset or archive node that names a file (`path`)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) in _FILE_SIGS and isinstance(value.get("path"), str):
            return {path: value}
        return {k: v for key, item in value.items() for k, v in _file_assets(item, join(path, key)).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _file_assets(item, join(path, i)).items()}
    return {}


def _same_place(a: str, b: str) -> str | None:
    """The shared tail of two absolute file paths from two checkouts (`out/x.zip`); None if none."""
    if a == b:
        return a
    left, right = PurePosixPath(a), PurePosixPath(b)
    if not (left.is_absolute() and right.is_absolute()):
        return None
    shared = 0
    while (
        shared < min(len(left.parts), len(right.parts)) - 1
        and left.parts[-1 - shared] == right.parts[-1 - shared]
    ):
        shared += 1
    return "/".join(left.parts[-shared:]) if shared else None


def _plain_changes(
    base: Resource, head: Resource, provenance: Provenance | None = None
) -> tuple[list[PropertyChange], int]:
    """Plain input changes; second, file assets whose content this diff cannot compare."""
    secret = list(base.secret_paths) + list(head.secret_paths)
    ignore = list(head.options.get("ignoreChanges") or [])
    old_files, new_files = _file_assets(base.inputs), _file_assets(head.inputs)
    files = sorted(set(old_files) & set(new_files), key=_path_key)
    old = {p: v for p, v in _walk_inputs(base.inputs) if not _covered(p, secret + files)}
    new = {p: v for p, v in _walk_inputs(head.inputs) if not _covered(p, secret + files)}
    changes = []
    for path in sorted(set(old) | set(new), key=_path_key):
        before, after = old.get(path, MISSING), new.get(path, MISSING)
        if before != after:
            changes.append(PropertyChange(path, before, after, any(matches(i, path) for i in ignore)))
    # A file asset is the same when it is the same file of each checkout with the same bytes.
    unseen = 0
    for path in files:
        before, after = old_files[path]["path"], new_files[path]["path"]
        kind = _FILE_SIGS[new_files[path][SIG_KEY]]
        place = _same_place(before, after)
        ignored = any(matches(i, path) for i in ignore)
        if place is None:
            changes.append(PropertyChange(join(path, "path"), before, after, ignored))
        elif provenance is None:
            unseen += 1
        elif provenance.same_file(before, after) is False:
            changes.append(PropertyChange(path, f"{kind} {place}", f"{kind} {place}, new content", ignored))
    # A secret path that was plain on one side: say so, show no value.
    for path in sorted(set(base.secret_paths) ^ set(head.secret_paths)):
        became = "now a secret" if path in head.secret_paths else "no longer a secret"
        changes.append(PropertyChange(path, None, f"({became})", secrecy=True))
    return changes, unseen


def _path_key(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]


_OPTIONS = (
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "ignoreChanges",
    "replaceOnChanges",
    "aliases",
)


def _option_changes(base: Resource, head: Resource) -> list[PropertyChange]:
    changes = []
    for key in _OPTIONS:
        before, after = base.options.get(key), head.options.get(key)
        if before != after and (before or after):  # None, False and [] all mean the default
            changes.append(PropertyChange(key, before, after))
    before, after = base.provider.rsplit("::", 1)[0], head.provider.rsplit("::", 1)[0]
    if before != after:
        changes.append(PropertyChange("provider", before, after))
    return changes


def _source_text(source: dict[str, str]) -> str:
    kind = source.get("kind")
    if kind == "config":
        return f"config key `{source.get('key')}`"
    if kind == "file":
        return f"file `{source.get('path')}`"
    if kind == "generated":
        return f"generated by `{str(source.get('urn', '')).rsplit('::', 1)[-1]}`"
    return "computed by the program"


def _leaf_sources(resource: Resource) -> dict[str, list[dict[str, str]]]:
    """Secret leaf -> sources; a plan without `secretSources` gives each secret path no source."""
    return resource.secret_sources or {path: [] for path in resource.secret_paths}


def _secret_changes(
    base: Resource | None,
    head: Resource,
    provenance: Provenance | None,
    regenerated: dict[str, str],
) -> tuple[list[SecretChange], list[SecretChange]]:
    """Each secret leaf's verdict; second, the leaves whose sources are the same but whose values
    this diff cannot see (listed only for resources that change for other reasons)."""
    head_sources = _leaf_sources(head)
    if base is None:
        return [
            SecretChange(
                path, Verdict.ADDED, "from " + ", ".join(_source_text(s) for s in sources) if sources else ""
            )
            for path, sources in sorted(head_sources.items())
        ], []
    base_sources = _leaf_sources(base)
    if provenance is not None and not base.secret_sources and head.secret_sources:
        # A base planned by code that predates `secretSources`: assume it read the same sources.
        base_sources = {p: s for p, s in head_sources.items() if _covered(p, base.secret_paths)}
    found: list[SecretChange] = []
    unseen: list[SecretChange] = []
    for path in sorted(set(base_sources) | set(head_sources), key=_path_key):
        if path not in head_sources:
            found.append(SecretChange(path, Verdict.REMOVED, ""))
            continue
        if path not in base_sources:
            sources = head_sources[path]
            found.append(
                SecretChange(path, Verdict.ADDED, "from " + ", ".join(_source_text(s) for s in sources))
            )
            continue
        before, after = base_sources[path], head_sources[path]
        status, cause, detail = _compare_sources(before, after, provenance, regenerated)
        change = SecretChange(path, status, detail, cause)
        (unseen if status == Verdict.UNKNOWN and before == after else found).append(change)
    return found, unseen


def _compare_sources(
    before: list[dict[str, str]],
    after: list[dict[str, str]],
    provenance: Provenance | None,
    regenerated: dict[str, str],
) -> Finding:
    if not before or not after:
        return Verdict.UNKNOWN, Cause.NO_SOURCE, "the plan records no source for it"
    if _canonical(before) != _canonical(after):
        was = ", ".join(_source_text(s) for s in before)
        now = ", ".join(_source_text(s) for s in after)
        return Verdict.CHANGED, Cause.SOURCE, f"now from {now} (was {was})"
    verdicts: list[Finding] = []
    for source in after:
        kind = source.get("kind")
        if kind == "generated":
            urn = source.get("urn", "")
            name = urn.rsplit("::", 1)[-1]
            if urn in regenerated:
                verdicts.append(
                    (Verdict.CHANGED, Cause.REGENERATED, f"regenerated: `{name}` is {regenerated[urn]}")
                )
            else:
                verdicts.append(
                    (Verdict.UNCHANGED, Cause.GENERATED, f"same generated value (`{name}` is kept)")
                )
        elif provenance is None:
            verdicts.append((Verdict.UNKNOWN, Cause.NOT_IN_PLANS, "plan files hold no secret material"))
        elif kind == "config":
            verdicts.append(provenance.config(source.get("key", "")))
        elif kind == "file":
            verdicts.append(provenance.file(source.get("path", "")))
        else:
            verdicts.append(
                (
                    Verdict.UNKNOWN,
                    Cause.COMPUTED,
                    "computed by the program from other resources; not compared",
                )
            )
    statuses = {status for status, _, _ in verdicts}
    status = next(s for s in (Verdict.CHANGED, Verdict.UNKNOWN, Verdict.UNCHANGED) if s in statuses)
    chosen = [(cause, detail) for s, cause, detail in verdicts if s == status]
    return status, chosen[0][0], "; ".join(detail for _, detail in chosen)


def _canonical(sources: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(s.items())) for s in sources)


def diff_plans(
    base: Plan,
    head: Plan,
    *,
    provenance: Provenance | None = None,
    base_violations: dict[str, Any] | None = None,
    head_violations: dict[str, Any] | None = None,
    base_label: str = "base",
    head_label: str = "this change",
) -> Diff:
    """Compare two plans of one stack (matched by URN); a pure function of its arguments."""
    olds, news = base.by_urn(), head.by_urn()
    changes: dict[str, ResourceChange] = {}
    for urn in sorted(set(news) - set(olds)):
        r = news[urn]
        changes[urn] = ResourceChange(Action.CREATE, urn, r.type, r.name, r.custom)
    for urn in sorted(set(olds) - set(news)):
        r = olds[urn]
        change = ResourceChange(Action.DELETE, urn, r.type, r.name, r.custom)
        if r.options.get("protect"):
            change.notes.append(Note.PROTECTED_DELETE)
        if r.options.get("retainOnDelete"):
            change.notes.append(Note.RETAINED)
        changes[urn] = change

    plain: dict[str, list[PropertyChange]] = {}
    unseen_files = 0
    for urn in sorted(set(olds) & set(news)):
        old, new = olds[urn], news[urn]
        properties, unseen_here = _plain_changes(old, new, provenance)
        unseen_files += unseen_here
        plain[urn] = properties
        change = ResourceChange(Action.UPDATE, urn, new.type, new.name, new.custom, properties=properties)
        change.options = _option_changes(old, new)
        change.reasons = replacement(new, [p.path for p in properties if not p.ignored], news)
        changes[urn] = change

    hidden_by_urn = _settle_secrets(changes, plain, olds, news, provenance)
    for urn, change in changes.items():
        if change.action == Action.UPDATE and change.reasons:
            _to_replacement(change, olds[urn], news[urn])
    listed = [
        c
        for c in changes.values()
        if c.action != Action.UPDATE
        or any(not p.ignored for p in c.properties)
        or c.options
        or any(s.status != Verdict.UNCHANGED for s in c.secrets)
    ]
    listed_urns = {c.urn for c in listed}
    unseen = 0
    for urn, c in changes.items():
        if urn in listed_urns:
            c.secrets = sorted(c.secrets + hidden_by_urn.get(urn, []), key=lambda s: _path_key(s.path))
        else:
            c.secrets = []
            unseen += len(hidden_by_urn.get(urn, []))
    order = {Action.REPLACE: 0, Action.DELETE: 1, Action.CREATE: 2, Action.UPDATE: 3}
    listed.sort(key=lambda c: (order[c.action], not c.custom, c.type, c.name))
    unchanged = sum(1 for urn in set(olds) & set(news) if olds[urn].custom and urn not in listed_urns)

    access, follows = diff_access(base, head)
    violations = (
        diff_violations(base_violations, head_violations)
        if base_violations is not None and head_violations is not None
        else None
    )
    return Diff(
        stack=head.stack or base.stack,
        base_label=base_label,
        head_label=head_label,
        mode="base" if provenance is not None else "plans",
        resources=listed,
        unchanged=unchanged,
        access=access,
        violations=violations,
        unseen_secrets=unseen,
        unseen_files=unseen_files,
        version_follows=follows,
    )


def _settle_secrets(
    changes: dict[str, ResourceChange],
    plain: dict[str, list[PropertyChange]],
    olds: dict[str, Resource],
    news: dict[str, Resource],
    provenance: Provenance | None,
) -> dict[str, list[SecretChange]]:
    """Each secret leaf's verdict; returns, by URN, the leaves whose values this diff cannot see.

    Generated values follow their generator, and a changed value may force a replacement (of a
    Secret whose data is immutable), which may regenerate nothing further: two passes settle it.
    """
    hidden_by_urn: dict[str, list[SecretChange]] = {}
    for _ in range(2):
        regenerated = {
            urn: "created" if c.action == Action.CREATE else f"replaced (`{c.reasons[0].path}` changed)"
            for urn, c in changes.items()
            if c.action == Action.CREATE or (c.action == Action.UPDATE and c.reasons)
        }
        for urn in sorted(news):
            new = news[urn]
            if not (new.secret_paths or (urn in olds and olds[urn].secret_paths)):
                continue
            change = changes[urn]
            secrets, hidden = _secret_changes(olds.get(urn), new, provenance, regenerated)
            change.secrets = secrets
            hidden_by_urn[urn] = hidden
            if change.action != Action.UPDATE:
                continue
            changed = [p.path for p in plain[urn] if not p.ignored] + [
                s.path for s in secrets if s.status in (Verdict.CHANGED, Verdict.ADDED, Verdict.REMOVED)
            ]
            change.reasons = replacement(new, changed, news)
            maybe = [s.path for s in hidden + secrets if s.status == Verdict.UNKNOWN]
            change.notes = [n for n in change.notes if n != Note.MAYBE_REPLACED]
            if maybe and not change.reasons and replacement(new, maybe, news):
                change.notes.append(Note.MAYBE_REPLACED)
    return hidden_by_urn


def _to_replacement(change: ResourceChange, old: Resource, new: Resource) -> None:
    """An update with a reason to replace becomes a replacement, with its order and caveats noted."""
    change.action = Action.REPLACE
    if new.options.get("protect"):
        change.notes.append(Note.PROTECTED_REPLACE)
    if not deletes_first(old, new):
        change.notes.insert(0, Note.CREATE_FIRST)
    elif new.options.get("deleteBeforeReplace"):
        change.notes.insert(0, Note.DELETE_FIRST_OPTION)
    else:
        change.notes.insert(0, Note.DELETE_FIRST_SAME_NAME)
    literal = any(s.cause == Cause.SAME_CIPHERTEXT for s in change.secrets)
    if (
        literal
        and all(s.status == Verdict.UNCHANGED for s in change.secrets)
        and new.type.endswith(":Secret")
    ):
        change.notes.append(Note.LITERAL_UNCHANGED)


def _unversioned(secret: str) -> str:
    return re.sub(r"-v\d+$", "", secret)


def _job_unversioned(through: str) -> str:
    """`Job cms/cms-writer-maps-api-key-v2 (...)` as `Job cms/cms-writer-maps-api-key-v# (...)`: the
    platform's Jobs are named after versions, so a rotation renames the Job that reads (not an access
    change, like the renamed Secret)."""
    return re.sub(r"^Job (\S+)", lambda m: "Job " + re.sub(r"\d+", "#", m.group(1)), through)


def diff_access(base: Plan, head: Plan) -> tuple[list[AccessChange], list[str]]:
    """Readers that gain or lose read access, matched by catalogue secret (its version ignored)."""

    def index(plan: Plan) -> dict[tuple[str, str, str, str], list[dict[str, Any]]]:
        rows: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in access_report(plan):
            rows[(row["layer"], _unversioned(row["secret"]), row["reader_kind"], row["reader"])].append(row)
        return rows

    before, after = index(base), index(head)
    changes, follows = [], []
    for key in sorted(set(before) | set(after)):
        old = {(_job_unversioned(r["through"]), tuple(r["verbs"])): r for r in before.get(key, [])}
        new = {(_job_unversioned(r["through"]), tuple(r["verbs"])): r for r in after.get(key, [])}
        rows = after.get(key) or before.get(key) or []
        if set(old) == set(new):
            versions = (
                {r["secret"] for r in before.get(key, [])},
                {r["secret"] for r in after.get(key, [])},
            )
            jobs = ({r["through"] for r in old.values()}, {r["through"] for r in new.values()})
            if versions[0] != versions[1]:
                follows.append(
                    f"`{key[3]}` reads {' / '.join(sorted(versions[1]))} (was {' / '.join(sorted(versions[0]))})"
                )
            elif jobs[0] != jobs[1]:
                follows.append(
                    f"`{key[3]}` reads {' / '.join(sorted(versions[1]))} through "
                    f"{' / '.join(sorted(jobs[1]))} (was {' / '.join(sorted(jobs[0]))})"
                )
            continue
        secret = rows[0]["secret"]
        for found in sorted(set(new) - set(old)):
            changes.append(
                AccessChange(
                    Change.GAINS, secret, key[2], key[3], new[found]["through"], found[1], new[found]["layer"]
                )
            )
        for found in sorted(set(old) - set(new)):
            secret_before = (before.get(key) or rows)[0]["secret"]
            changes.append(
                AccessChange(
                    Change.LOSES,
                    secret_before,
                    key[2],
                    key[3],
                    old[found]["through"],
                    found[1],
                    old[found]["layer"],
                )
            )
    return changes, follows


def diff_violations(base: dict[str, Any], head: dict[str, Any]) -> list[ViolationChange]:
    """Violations only one side has, matched by (policy, URN, message), then by (policy, URN)."""

    def rows(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return [
            (v.get("policy", ""), v.get("urn", ""), v.get("enforcementLevel", ""), v.get("message", ""))
            for v in doc.get("violations", [])
        ]

    old, new = rows(base), rows(head)
    left_old, left_new = list(old), []
    for row in new:
        if row in left_old:
            left_old.remove(row)
        else:
            left_new.append(row)
    # The same policy on the same resource with another message (a threshold moved): not news.
    for row in list(left_new):
        twin = next((o for o in left_old if o[:2] == row[:2]), None)
        if twin is not None:
            left_old.remove(twin)
            left_new.remove(row)
    return [ViolationChange(Change.INTRODUCED, p, lvl, u, m) for p, u, lvl, m in left_new] + [
        ViolationChange(Change.FIXED, p, lvl, u, m) for p, u, lvl, m in left_old
    ]
