"""Write `secure:` config values into a passphrase-encrypted stack file without the Pulumi CLI.

This is the equivalent of `pulumi config set --secret KEY` for machines that have this repository's
virtualenv but not the Pulumi CLI (maintainers refreshing the dev stack's example ciphertexts).

    PULUMI_CONFIG_PASSPHRASE=... python tools/encrypt_dev_stack.py --stack-file Pulumi.dev.yaml \\
        --set dbPassword=@/path/to/value --set apiToken=-

- The passphrase comes only from the environment variable `PULUMI_CONFIG_PASSPHRASE`.
- `--set KEY=@PATH` reads the value from the file at PATH; `--set KEY=-` reads one line from stdin
  (without echo when stdin is a terminal). One trailing newline is removed in both cases. Values are
  never accepted on the command line, where they would end up in shell history and process lists.
- KEY is `KEY` or `secrets-platform:KEY`; the entry is written as `secrets-platform:KEY: {secure: v1:...}`
  under `config:`, replacing an existing entry for that key or appending a new one.
- The stack file's `encryptionsalt:` is used (a wrong passphrase is refused), or created if missing.
- The file is edited line by line, so comments and layout elsewhere are kept. Values are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as `python tools/encrypt_dev_stack.py`
    sys.path.insert(0, str(REPO_ROOT))

from offline.passphrase import WrongPassphrase, encrypt, key_from_salt_state, new_salt_state  # noqa: E402

PROJECT = "secrets-platform"
"""Same as `config.models.PROJECT`; not imported, to keep this tool free of pulumi and pydantic."""
PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_TOP_LEVEL_RE = re.compile(r"^[^\s#]")
_CONFIG_RE = re.compile(r"^config:[ \t]*(?P<rest>[^#]*?)[ \t]*(#.*)?$")


class ToolError(Exception):
    """A problem reported to the user as one line, with exit status 2."""


def parse_set(arg: str) -> tuple[str, str]:
    """`KEY=@PATH` or `KEY=-` -> (bare key, source)."""
    key, sep, source = arg.partition("=")
    if not sep:
        raise ToolError(f"--set {key!r}: expected KEY=@PATH or KEY=-")
    if key.startswith(f"{PROJECT}:"):
        key = key[len(PROJECT) + 1 :]
    if not _KEY_RE.fullmatch(key):
        raise ToolError(f"--set: {key!r} is not a config key of project {PROJECT}")
    if source != "-" and not (source.startswith("@") and len(source) > 1):
        # Do not echo `source`: it may be a value typed on the command line by mistake.
        raise ToolError(f"--set {key}: the value must come from @PATH or - (stdin), not the command line")
    return key, source


def read_value(key: str, source: str, stdin: TextIO) -> str:
    """The value for `key` from a file (`@PATH`) or one line of stdin (`-`), minus one trailing newline."""
    if source == "-":
        if stdin.isatty():
            return getpass.getpass(f"value for {PROJECT}:{key}: ")
        line = stdin.readline()
        if line == "":
            raise ToolError(f"--set {key}=-: stdin ended before a value was read")
        return _strip_newline(line)
    path = Path(source[1:]).expanduser()
    try:
        return _strip_newline(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ToolError(f"--set {key}: cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ToolError(f"--set {key}: {path} is not UTF-8 text") from None


def _strip_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def check_provider(data: dict) -> None:
    """Refuse stack files whose secrets are not protected by the passphrase provider."""
    provider = data.get("secretsprovider")
    if provider not in (None, "", "passphrase"):  # `default` would be the Pulumi Cloud provider
        raise ToolError(f"the stack uses secrets provider {provider!r}, not a passphrase")
    if data.get("encryptedkey"):
        raise ToolError("the stack has an `encryptedkey:` (a cloud secrets provider), not a passphrase")


def ensure_salt(lines: list[str], encryptionsalt: str) -> None:
    """Add a top-level `encryptionsalt:` line, just before `config:` (or at the end)."""
    line = f"encryptionsalt: {encryptionsalt}"
    config_at = _find_config(lines)
    if config_at is None:
        lines.append(line)
    else:
        lines.insert(config_at, line)


def set_secure(lines: list[str], key: str, ciphertext: str) -> None:
    """Write `secrets-platform:KEY` as `{secure: ciphertext}` under `config:`, editing `lines` in place."""
    name = f"{PROJECT}:{key}"
    config_at = _find_config(lines)
    if config_at is None:
        lines.extend(["config:", f"  {name}:", f"    secure: {ciphertext}"])
        return
    rest = _CONFIG_RE.match(lines[config_at])["rest"]  # type: ignore[index]
    if rest == "{}":
        lines[config_at] = "config:"
    elif rest:
        raise ToolError("`config:` is written inline in the stack file; rewrite it as a block by hand first")
    end = next((i for i in range(config_at + 1, len(lines)) if _TOP_LEVEL_RE.match(lines[i])), len(lines))

    entry_re = re.compile(rf"^(?P<indent>[ ]+)(?P<q>[\"']?){re.escape(name)}(?P=q)[ \t]*:(?:[ \t].*)?$")
    for i in range(config_at + 1, end):
        match = entry_re.match(lines[i])
        if not match:
            continue
        indent = match["indent"]
        stop = i + 1  # the entry's own nested lines are blank or indented deeper than it
        while stop < end and (not lines[stop].strip() or _indent_of(lines[stop]) > len(indent)):
            stop += 1
        while stop > i + 1 and (not lines[stop - 1].strip() or lines[stop - 1].lstrip().startswith("#")):
            stop -= 1  # leave trailing blank lines and comments where they are
        lines[i:stop] = [f"{indent}{name}:", f"{indent}  secure: {ciphertext}"]
        return

    body = [i for i in range(config_at + 1, end) if lines[i].strip() and lines[i][0] in " \t"]
    entries = [i for i in body if not lines[i].lstrip().startswith("#")]
    indent = " " * _indent_of(lines[entries[0]]) if entries else "  "
    at = body[-1] + 1 if body else config_at + 1
    lines[at:at] = [f"{indent}{name}:", f"{indent}  secure: {ciphertext}"]


def _find_config(lines: Sequence[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if _CONFIG_RE.match(line)), None)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Parse arguments, encrypt the values and rewrite the stack file; returns the exit status."""
    parser = argparse.ArgumentParser(
        description="Encrypt config values into a passphrase stack file (like `pulumi config set --secret`)."
    )
    parser.add_argument(
        "--stack-file", type=Path, default=REPO_ROOT / "Pulumi.dev.yaml", help="default: Pulumi.dev.yaml"
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=@PATH|KEY=-",
        required=True,
        help="config key and where to read its value: @PATH for a file, - for one line of stdin",
    )
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    stdin = sys.stdin if stdin is None else stdin

    try:
        passphrase = environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            raise ToolError(f"set {PASSPHRASE_ENV} to the stack's passphrase")
        sets = [parse_set(arg) for arg in args.sets]
        path: Path = args.stack_file
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ToolError(f"cannot read stack file {path}: {err.strerror}") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            raise ToolError(f"{path} is not valid YAML") from None
        if not isinstance(data, dict):
            raise ToolError(f"{path} is not a YAML mapping")
        check_provider(data)

        lines = text.splitlines()
        salt = data.get("encryptionsalt")
        if salt:
            try:
                key = key_from_salt_state(passphrase, str(salt))
            except WrongPassphrase:
                raise ToolError(f"{PASSPHRASE_ENV} is not the passphrase of {path}") from None
            except ValueError as err:
                raise ToolError(f"{path}: {err}") from None
        else:
            config = data.get("config") or {}
            if any(isinstance(v, dict) and "secure" in v for v in config.values()):
                raise ToolError(f"{path} has secure values but no encryptionsalt; restore its encryptionsalt")
            salt, key = new_salt_state(passphrase)
            ensure_salt(lines, salt)

        written: dict[str, str] = {}
        for name, source in sets:
            ciphertext = encrypt(key, read_value(name, source, stdin))
            set_secure(lines, name, ciphertext)
            written[f"{PROJECT}:{name}"] = ciphertext

        new_text = "\n".join(lines) + "\n"
        # Check the edit before writing: same YAML everywhere else, our entries exactly as intended.
        expected = {**data, "encryptionsalt": salt}
        expected["config"] = {**(data.get("config") or {}), **{n: {"secure": c} for n, c in written.items()}}
        if yaml.safe_load(new_text) != expected:
            raise ToolError(
                f"internal error: editing {path} would change more than intended; nothing written"
            )
        _write_atomically(path, new_text)
    except ToolError as err:
        print(f"encrypt_dev_stack: {err}", file=sys.stderr)
        return 2

    for name in written:
        print(f"set {name} (secure) in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
