"""Leaks in any form: every transformation of every kind of secret is found, in every place a program
can put it, and innocent text is not.

The forms are applied to four kinds of secret the engine knows: a placeholder canary (a `secure:`
config value), a generated canary (a random value), the content of a file source and a provider's
secret output. Then whole programs leak through inputs, names, outputs, logs, stdout and stderr.
"""

from __future__ import annotations

import base64
import codecs
import json
import logging
import sys
import textwrap
import urllib.parse
from collections.abc import Callable

import pulumi
import pulumi_kubernetes as k8s
import pytest

from offline.leaks import LeakScanner
from offline.mocks import PlanMocks
from offline.plan import find_leaks
from offline.runtime import Capture, run_program

PROJECT = "secrets-platform"
PLACEHOLDER = "spcanary-t-1-feedbeef"
GENERATED = "spgenerated-t-7-0c0ffee1"
FILE_CONTENT = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----\n"
)
PROVIDER_SECRET = "kubeconfig-token-Zx81HfQp2LmN7sWd"

SECRETS = {
    "placeholder": PLACEHOLDER,
    "generated": GENERATED,
    "file": FILE_CONTENT,
    "provider output": PROVIDER_SECRET,
}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _wrap(text: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(text, width))


FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "upper-cased": str.upper,
    "lower-cased": str.lower,
    "swapped case": str.swapcase,
    "inside a longer value": lambda s: f"Authorization: Bearer {s}; retry=3",
    "as a URL query value": lambda s: "https://api.example.com/v1?key=" + urllib.parse.quote(s, safe=""),
    "URL-escaped, every byte": lambda s: "".join(f"%{b:02X}" for b in s.encode()),
    "URL-escaped with plus signs": lambda s: urllib.parse.quote_plus(s),
    "JSON-escaped, every character": lambda s: "".join(f"\\u{ord(c):04x}" for c in s),
    "inside a JSON document": lambda s: json.dumps({"config": {"token": s}}),
    "Python-escaped": lambda s: "".join(f"\\x{ord(c):02x}" for c in s),
    "hex": lambda s: s.encode().hex(),
    "HEX": lambda s: s.encode().hex().upper(),
    "hex inside a longer hex string": lambda s: "00ff" + s.encode().hex() + "a0",
    "hex at an odd offset": lambda s: "f" + s.encode().hex() + "0",
    "base64": _b64,
    "base64 without padding": lambda s: _b64(s).rstrip("="),
    "URL-safe base64": lambda s: base64.urlsafe_b64encode(b"\xfb\xff" + s.encode()).decode(),
    "base64 of a longer text": lambda s: _b64(f"user=admin\npassword={s}\n"),
    "base64 inside a longer value": lambda s: "data:text/plain;base64," + _b64(s) + "#end",
    "base64 at every alignment (1)": lambda s: _b64("x" + s),
    "base64 at every alignment (2)": lambda s: _b64("xy" + s),
    "base64, line-wrapped": lambda s: _wrap(_b64("some header text " + s)),
    "base64 of base64": lambda s: _b64(_b64(s)),
    "base64 of a JSON document holding hex": lambda s: _b64(json.dumps({"k": s.encode().hex()})),
    "hex of base64": lambda s: _b64(s).encode().hex(),
    "rot13 then raw (not an encoding we hide by)": lambda s: s,
}
"""Each way a program can turn a secret into another string; all must be found."""


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_every_form_of_every_secret_is_found(kind: str, form: str) -> None:
    secret = SECRETS[kind]
    scanner = LeakScanner([FILE_CONTENT, PROVIDER_SECRET])
    assert scanner.found_in(FORMS[form](secret)), f"{kind} {form} was not found"


@pytest.mark.parametrize(
    "line",
    [line for line in FILE_CONTENT.splitlines() if not line.startswith("-----")],
    ids=["line1", "line2"],
)
def test_one_line_of_a_multi_line_file_secret_is_a_leak(line: str) -> None:
    assert LeakScanner([FILE_CONTENT]).found_in(f"note: {line}")


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:iam::111122223333:role/secrets-store-identity-orders-api-role-3807364e",
        "secrets-store-synced-orders-queue-external-secret",
        "deadbeefdeadbeefdeadbeefdeadbeef",
        _b64("a harmless sentence that mentions no secret at all"),
        "-----BEGIN CERTIFICATE-----",  # a PEM header alone is not the file's secret
        "spcanary",  # the prefix alone is not a canary
        "https://vault.example.com:8200/v1/secret/data/payments/db",
        codecs.encode(PLACEHOLDER, "rot13"),  # not an encoding: nothing to find, and nothing found
        "",
    ],
)
def test_innocent_text_is_not_a_leak(text: str) -> None:
    assert not LeakScanner([FILE_CONTENT, PROVIDER_SECRET]).found_in(text), text


# --- whole programs -------------------------------------------------------------------------------


def _run(body: Callable[[], None]) -> Capture:
    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config={f"{PROJECT}:token": PLACEHOLDER},
        secret_keys=[f"{PROJECT}:token"],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )


def _token() -> pulumi.Output[str]:
    return pulumi.Config(PROJECT).require_secret("token")


def _leaking_via(channel: str) -> Callable[[], None]:
    def body() -> None:
        token = _token()
        # The secret Secret itself is fine; what the program does with the value is the point. An
        # apply on a secret stays secret (the engine would encrypt the field); `unsecret` is how a
        # careless program takes the mark off before it writes the value somewhere plain.
        k8s.core.v1.Secret("ok", string_data={"token": token})
        plain = pulumi.Output.unsecret(token)
        if channel == "print":
            token.apply(lambda v: print(f"token is {v.upper()}"))
        elif channel == "stderr":
            token.apply(lambda v: print(_b64(v), file=sys.stderr))
        elif channel == "logging":
            token.apply(lambda v: logging.getLogger("my.program").warning("debugging %s", v.encode().hex()))
        elif channel == "pulumi.log.info":
            token.apply(lambda v: pulumi.log.info(f"value {urllib.parse.quote(v)}"))
        elif channel == "pulumi.log.debug":
            token.apply(lambda v: pulumi.log.debug(f"value {v}"))
        elif channel == "annotation, hex":
            k8s.core.v1.ConfigMap(
                "cm", metadata={"annotations": {"x": plain.apply(lambda v: v.encode().hex())}}
            )
        elif channel == "label, upper-cased":
            k8s.core.v1.ConfigMap("cm", metadata={"labels": {"x": plain.apply(str.upper)}})
        elif channel == "data, JSON-escaped":
            k8s.core.v1.ConfigMap(
                "cm", data={"cfg": plain.apply(lambda v: "".join(f"\\u{ord(c):04x}" for c in v))}
            )
        elif channel == "binaryData, base64 of a document":
            k8s.core.v1.ConfigMap(
                "cm", binary_data={"cfg": plain.apply(lambda v: _b64(f"[auth]\nkey={v}\n"))}
            )
        elif channel == "stack output, wrapped base64":
            pulumi.export("blob", plain.apply(lambda v: _wrap(_b64("prefix " + v), 8)))

    return body


CHANNELS = [
    "print",
    "stderr",
    "logging",
    "pulumi.log.info",
    "pulumi.log.debug",
    "annotation, hex",
    "label, upper-cased",
    "data, JSON-escaped",
    "binaryData, base64 of a document",
    "stack output, wrapped base64",
]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_program_leaking_through_any_channel_fails_the_plan(channel: str) -> None:
    capture = _run(_leaking_via(channel))
    findings = find_leaks(capture)
    assert findings, f"a leak through {channel} was not found"
    assert not any(PLACEHOLDER in f or PLACEHOLDER.upper() in f for f in findings), "findings never echo it"


def test_a_program_that_prints_nothing_secret_passes_and_its_output_is_kept() -> None:
    def body() -> None:
        k8s.core.v1.Secret("ok", string_data={"token": _token()})
        print("declared the secret")
        logging.getLogger("my.program").warning("no value here")

    capture = _run(body)
    assert find_leaks(capture) == []
    assert capture.stdout == "declared the secret\n"
    assert ("warning", "no value here") in capture.logs


def test_the_sdk_own_debug_lines_are_not_collected_but_the_programs_are() -> None:
    def body() -> None:
        k8s.core.v1.Secret("ok", string_data={"token": _token()})
        pulumi.log.debug("mine")

    capture = _run(body)
    assert capture.logs == [("debug", "mine")], "only the program's own debug line is kept"


def test_an_apply_on_a_secret_stays_secret_and_is_no_leak() -> None:
    """What the engine does: an output computed from a secret is a secret, so the field is encrypted."""

    def body() -> None:
        k8s.core.v1.ConfigMap("cm", metadata={"annotations": {"x": _token().apply(str.upper)}})

    capture = _run(body)
    config_map = next(r for r in capture.resources if r.name == "cm")
    assert config_map.secret_paths, f"{config_map.urn}: the annotation computed from a secret is secret"
    assert find_leaks(capture) == []
