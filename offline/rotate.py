"""`secrets-platform rotate NAME`: rotate one catalogue entry in one command.

What a rotation is depends on where the value lives:

- platform-held (literal, file, generated) and Vault values the platform writes: bump `version` in
  the stack file (comments and layout kept, the reason on the `version:` line); `pulumi up` then
  creates `<name>-v<N+1>`, rolls the readers onto it and deletes the old Secret. A literal entry
  also needs its new value: it is read from a prompt (no echo) or standard input, never from the
  command line, and written as the stack's secrets provider would write it. With the passphrase
  provider this project writes the `secure:` value itself (`offline/passphrase.py`, byte for byte
  Pulumi's format); with a cloud KMS provider only that KMS can, so the exact
  `pulumi config set --secret` command is printed instead. Then the review diff: the stack file's
  lines, and the offline plan diff against `HEAD` (what the pull request will show).
- store-rotated (Secrets Manager's Lambda, the Key Vault function): `--now` starts the store's own
  rotation at once (emergency revocation); the stack file does not change.
- operator-written into a store (`generate: false`): `--now` writes the new value (prompt or stdin)
  as the store's next version.

No value is ever printed, logged, or written anywhere but as the provider's ciphertext: every line
this command prints is checked against the values it read (`offline.leaks.LeakScanner`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from config.models import AnySecret, FileSecret
from offline import exits
from offline.catalogue import Catalogue, load_catalogue, operator_written, store_of, store_rotated
from offline.history import HistoryError, file_changed_since, version_starts
from offline.leaks import LeakScanner
from offline.passphrase import WrongPassphrase, encrypt, key_from_salt_state
from offline.stackedit import EditError, StackFileEdit
from offline.stores import StoreError
from offline.stores.access import ClientFactory, Stores, from_environment

PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"


class RotateError(Exception):
    """The rotation cannot be done as asked: one line, nothing changed; `code` is the exit code."""

    def __init__(self, message: str, code: int = exits.BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ValueReader:
    """Where new values come from: `--value-from KEY=@PATH|KEY=-`, else a prompt or standard input."""

    stdin: TextIO
    sources: dict[str, str] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)
    """Every value read, so that no output can carry one."""

    def values(self, secret: str, keys: list[str]) -> dict[str, str]:
        unknown = sorted(set(self.sources) - set(keys))
        if unknown:
            raise RotateError(
                f"--value-from {unknown[0]}: secret {secret} has no key {unknown[0]!r} (keys: {', '.join(keys)})"
            )
        if list(self.sources.values()).count("-") > 1:
            raise RotateError("--value-from: standard input can give one value only")
        tty = self.stdin.isatty()
        if len(keys) > 1 and not tty and set(self.sources) != set(keys):
            missing = [k for k in keys if k not in self.sources]
            raise RotateError(
                f"secret {secret} has keys {', '.join(keys)}: give each with --value-from KEY=@PATH "
                f"(or KEY=- for one of them on standard input); missing: {', '.join(missing)}"
            )
        out = {}
        for key in keys:
            source = self.sources.get(key, "-")
            value = self._one(secret, key, source, tty)
            if not value:
                raise RotateError(f"the new value of {secret} key {key} is empty; nothing changed")
            out[key] = value
            self.read.append(value)
        return out

    def _one(self, secret: str, key: str, source: str, tty: bool) -> str:
        if source.startswith("@"):
            path = Path(source[1:]).expanduser()
            try:
                return _strip_newline(path.read_text(encoding="utf-8"))
            except OSError as exc:
                raise RotateError(f"--value-from {key}: cannot read {path}: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise RotateError(f"--value-from {key}: {path} is not UTF-8 text") from None
        if tty:
            first = getpass.getpass(f"new value of {secret} key {key}: ")
            if getpass.getpass("again, to confirm: ") != first:
                raise RotateError(f"the two values typed for {secret} key {key} differ; nothing changed")
            return first
        return _strip_newline(self.stdin.read())


def _strip_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def parse_value_from(items: list[str] | None) -> dict[str, str]:
    """`KEY=@PATH` or `KEY=-` (a file, or standard input); anything else may be a value typed by
    mistake on the command line, so it is refused without being echoed."""
    sources: dict[str, str] = {}
    for item in items or []:
        key, sep, source = item.partition("=")
        if not sep or not (source == "-" or (source.startswith("@") and len(source) > 1)):
            raise RotateError(
                f"--value-from {key}=...: expected KEY=@PATH or KEY=- (values never go on the command line)",
                exits.USAGE,
            )
        sources[key] = source
    return sources


def passphrase_from(environ: dict[str, str] | os._Environ[str]) -> str:
    """The stack passphrase, where the Pulumi CLI reads it: the variable, else the file it names."""
    if environ.get(PASSPHRASE_ENV) is not None:
        return environ[PASSPHRASE_ENV]
    path = environ.get(PASSPHRASE_FILE_ENV)
    if path:
        try:
            return _strip_newline(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RotateError(f"{PASSPHRASE_FILE_ENV}: cannot read {path}: {exc.strerror}") from None
    raise RotateError(
        f"set {PASSPHRASE_ENV} (or {PASSPHRASE_FILE_ENV}) to the stack's passphrase: the new value is "
        "encrypted with it, as `pulumi config set --secret` would"
    )


@dataclass
class Outcome:
    """What the rotation did and what the operator does next (printed after the leak check)."""

    lines: list[str] = field(default_factory=list)
    review: bool = False


def _entry(catalogue: Catalogue, name: str) -> AnySecret:
    entry = catalogue.entry(name)
    if entry is None:
        names = ", ".join(sorted(s.name for s in catalogue.config.secrets))
        raise RotateError(
            f'{catalogue.stack_file.name}: secrets-platform:secrets: found no entry named "{name}"; '
            f"expected one of {names}"
        )
    return entry


def rotate_store(catalogue: Catalogue, entry: AnySecret, stores: Stores, reader: ValueReader) -> Outcome:
    """`--now`: the store's own rotation, or an operator's value as the store's next version."""
    store = store_of(catalogue.config, entry)
    out = Outcome()
    where = stores.describe(entry)
    if store_rotated(catalogue.config, entry):
        version = stores.rotate_now(entry)
        out.lines.append(f"Started the rotation of {where}: version {version} is current.")
    elif operator_written(catalogue.config, entry):
        version = stores.put_value(entry, reader.values(entry.name, list(entry.keys)))
        out.lines.append(f"Wrote the new value of {where} as version {version}.")
    else:
        raise RotateError(
            f"secret {entry.name} is written into Vault by the platform from its own generated value: "
            f"a direct write would be put back by the next `pulumi up --refresh`; rotate it without --now "
            "(a version bump) and run `pulumi up` at once"
        )
    state = stores.read(entry)
    out.lines.append(
        f"The previous value is still served by {store} ({len(state.previous_live)} previous version(s) live) "
        "until consumers have moved; then revoke it: "
        f"secrets-platform revoke --stack {catalogue.stack} {entry.name} --apply"
    )
    return out


def rotate_in_stack_file(
    catalogue: Catalogue,
    entry: AnySecret,
    *,
    reason: str | None,
    reader: ValueReader,
    environ: dict[str, str] | os._Environ[str],
    today: datetime,
) -> Outcome:
    """Bump the entry's version (and write a literal's new value); raises `RotateError`, `EditError`."""
    out = Outcome(review=True)
    key: bytes | None = None
    values: dict[str, str] = {}
    commands: list[str] = []
    if entry.source == "literal":
        if catalogue.passphrase_provider:
            salt = encryption_salt(catalogue)
            try:
                key = key_from_salt_state(passphrase_from(environ), salt)
            except WrongPassphrase:
                raise RotateError(
                    f"{PASSPHRASE_ENV} is not the passphrase of {catalogue.stack_file.name}"
                ) from None
            values = reader.values(entry.name, list(entry.keys))
        else:
            commands = [
                f"pulumi config set --secret --stack {catalogue.stack} {config_key}   "
                f"# prompts for the new value of key {data_key}; or pipe it in on standard input"
                for data_key, config_key in entry.keys.items()
            ]
    if reason and LeakScanner(reader.read).found_in(reason):
        raise RotateError("--reason holds the new value: nothing changed; give a reason without it")
    edit = StackFileEdit(catalogue.stack_file)
    comment = f"rotated {today.date().isoformat()}" + (f": {reason}" if reason else "")
    new_version = edit.bump_version(entry.name, comment)
    if key is not None:
        for data_key, config_key in entry.keys.items():
            edit.set_secure(config_key, encrypt(key, values[data_key]))
    diff = edit.diff()
    edit.write()
    out.lines.append(f"{entry.name}: version {entry.version} -> {new_version} in {catalogue.stack_file.name}")
    out.lines += [_short_ciphertext(line) for line in diff]
    if commands:
        out.lines += [
            "",
            f"The stack's secrets provider is {catalogue.secrets_provider}: only its key can encrypt the new "
            "value. Set it with (never put the value on the command line):",
            *(f"  {c}" for c in commands),
        ]
    if entry.source == "file":
        out.lines += _file_reminders(catalogue, entry)
    out.lines += [
        "",
        "Next: commit this change and open a pull request; `pulumi up` creates "
        f"{entry.name}-v{new_version}, rolls its readers onto it, then deletes {entry.name}-v{entry.version}.",
    ]
    return out


def encryption_salt(catalogue: Catalogue) -> str:
    """The stack file's `encryptionsalt:` (the passphrase provider's salt and key check)."""
    import yaml

    doc = yaml.safe_load(catalogue.stack_file.read_text(encoding="utf-8")) or {}
    return str(doc.get("encryptionsalt", ""))


def _short_ciphertext(line: str) -> str:
    """A diff line with a `secure:` ciphertext shortened (it is long, and a reviewer needs its place)."""
    head, sep, value = line.partition("secure: ")
    return f"{head}{sep}{value[:12]}…" if sep and len(value) > 16 else line


def _file_reminders(catalogue: Catalogue, entry: FileSecret) -> list[str]:
    lines = ["", "The new Secret is built from these files at `pulumi up`; replace them before it:"]
    try:
        start = version_starts(catalogue.stack_file, {entry.name: entry.version})[entry.name]
    except HistoryError:
        start = None
    for data_key, path in entry.keys.items():
        changed = file_changed_since(catalogue.stack_file.parent, path)
        stale = start is not None and start.since is not None and (changed is None or changed <= start.since)
        lines.append(
            f"  {data_key}: {path}" + ("  (unchanged since the current version began)" if stale else "")
        )
    return lines


def _review_diff(project_dir: Path, stack: str) -> list[str]:
    """The offline plan diff against HEAD: what the pull request's review comment will show."""
    from offline.diff import DiffError, diff_against_ref, guard, render_markdown

    try:
        diff, forbidden = diff_against_ref(project_dir, stack, "HEAD", check=False)
    except DiffError as exc:
        return ["", f"(no review diff: {guard(str(exc)).splitlines()[0]})"]
    return ["", guard(render_markdown(diff), forbidden)]


def cmd_rotate(
    args: argparse.Namespace,
    project_dir: Path,
    *,
    clients: dict[str, ClientFactory] | None = None,
    stdin: TextIO | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """The `rotate` subcommand (registered in offline/cli.py)."""
    stdin = stdin if stdin is not None else sys.stdin
    env = environ if environ is not None else os.environ
    reader = ValueReader(stdin)
    try:
        reader.sources = parse_value_from(args.value_from)
        catalogue = load_catalogue(project_dir, args.stack)
        entry = _entry(catalogue, args.name)
        if entry.source == "cloud" and entry.database is not None:
            raise RotateError(
                f"secret {entry.name} is issued per lease by Vault's database engine: nothing to rotate; "
                "to cut off issued credentials, revoke their leases (`vault lease revoke -prefix "
                f"<databaseMount>/creds/<role>`)"
            )
        store = store_of(catalogue.config, entry)
        external = store_rotated(catalogue.config, entry) or operator_written(catalogue.config, entry)
        now = datetime.now(UTC)
        if args.now:
            if store is None:
                raise RotateError(
                    f"--now starts a store's rotation; secret {entry.name} ({entry.source}) is held by the "
                    "platform: rotate it without --now and run `pulumi up`"
                )
            outcome = rotate_store(
                catalogue, entry, Stores(catalogue.config, clients or from_environment(), now=now), reader
            )
        elif external:
            what = (
                "rotates it" if store_rotated(catalogue.config, entry) else "holds the value operators write"
            )
            raise RotateError(
                f"secret {entry.name}: {store} {what}; the stack file has nothing to change. Add --now to "
                "rotate it in the store now (credentials from the environment)"
            )
        else:
            outcome = rotate_in_stack_file(
                catalogue, entry, reason=args.reason, reader=reader, environ=env, today=now
            )
    except RotateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except (EditError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    if outcome.review and not args.no_diff:
        outcome.lines += _review_diff(project_dir, args.stack)
    scanner = LeakScanner(reader.read)
    text = "\n".join(outcome.lines) + "\n"
    if reader.read and scanner.found_in(text):  # never: the lines hold names, dates and ciphertexts
        print("error: the rotation's report would have shown a value; it was not printed", file=sys.stderr)
        return exits.PLAN_FAILED
    if getattr(args, "json", False):
        from offline.cli import envelope

        text = envelope("rotate", args.stack, {"secret": args.name, "messages": outcome.lines})
    sys.stdout.write(text)
    return exits.OK
