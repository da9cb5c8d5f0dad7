"""The offline plan: what `pulumi preview` would declare, proven free of leaked secrets.

`make_plan()` reads the stack files, runs the unchanged program under the mock runtime, and turns
the capture into a `Plan`: every resource with its inputs (secret values masked), which input paths
are secret, and its options. It fails when a secret shows up anywhere but a secret input path, or
when an input was dropped because a mock lacked an output. `Plan.to_json()` is the documented,
versioned format the check and diff commands read (see `PLAN_FORMAT`).

Each resource may carry `secretSources` (optional, additive to version 1): for every leaf under a
secret input path, where its value comes from, by name only, so a diff can tell whether a secret
changed without the plan holding anything derived from it:

- `{"kind": "config", "key": "secrets-platform:mapsApiKey"}`: a `secure:` config value (the key
  path, as `StackInput.placeholders` records it);
- `{"kind": "file", "path": "certs/payments-ca.crt"}`: the content of a file the stack config names;
- `{"kind": "generated", "urn": "<urn of the random resource>"}`: a generated value;
- `{"kind": "computed"}`: anything else (a kubeconfig built from outputs, a literal in the program).

Names, paths and URNs only: never a value, a ciphertext or a hash of either. Readers of plans
without the field treat every source as unknown.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from offline import exits
from offline.leaks import LeakScanner
from offline.mocks import GENERATED_PREFIX, PlanMocks
from offline.runtime import Capture, Registration, collector_paused, join, run_program
from offline.stackfiles import PLACEHOLDER_PREFIX, StackInput, read_stack

PLAN_FORMAT = "secrets-platform/plan"
PLAN_VERSION = 1
MASK = "[secret]"
EXIT_PLAN = exits.PLAN_FAILED
"""Exit code of a command whose plan failed its own checks (a leak, a dropped input)."""
EXIT_CONFIG = exits.BAD_INPUT
"""Exit code of a command given a wrong stack config (every problem listed, nothing declared)."""


class PlanError(Exception):
    """The plan is not trustworthy: a secret leaked, or an input was silently dropped."""

    def __init__(self, stack: str, findings: list[str]) -> None:
        self.findings = findings
        header = f"the plan of stack {stack} failed {len(findings)} check(s):"
        super().__init__("\n".join([header, *(f"  - {f}" for f in findings)]))


@dataclass
class Resource:
    """One resource of the plan, safe to print and store: secret values are masked."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    secret_paths: list[str]
    options: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    secret_sources: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """Secret leaf path -> where its value comes from, by name only (see the module docstring)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "provider": self.provider,
            "custom": self.custom,
            "inputs": self.inputs,
            "secretPaths": self.secret_paths,
            "options": self.options,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "secretSources": self.secret_sources,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Resource:
        return cls(
            urn=doc["urn"],
            type=doc["type"],
            name=doc["name"],
            parent=doc["parent"],
            provider=doc["provider"],
            custom=doc["custom"],
            inputs=doc["inputs"],
            secret_paths=doc["secretPaths"],
            options=doc["options"],
            dependencies=doc["dependencies"],
            property_dependencies=doc["propertyDependencies"],
            secret_sources=doc.get("secretSources", {}),
        )


@dataclass
class Plan:
    """A stack's offline plan."""

    project: str
    stack: str
    secrets_provider: str
    resources: list[Resource]
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "version": PLAN_VERSION,
            "project": self.project,
            "stack": self.stack,
            "secretsProvider": self.secrets_provider,
            "resourceCount": len(self.resources),
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }

    def dumps(self) -> str:
        """The plan as a JSON document: keys sorted, one resource per line, so two plans compare line
        by line per resource; lines are compact, which keeps the dump in the C encoder (an indented
        dump of a 1,000-secret plan costs about three times as much)."""
        doc = self.to_json()
        lines = []
        for key in sorted(doc):
            if key == "resources":
                rows = ",\n  ".join(json.dumps(r, sort_keys=True) for r in doc[key])
                lines.append(f'"resources": [\n  {rows}\n ]' if rows else '"resources": []')
            else:
                lines.append(f"{json.dumps(key)}: {json.dumps(doc[key], sort_keys=True)}")
        return "{\n " + ",\n ".join(lines) + "\n}\n"

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Plan:
        if doc.get("format") != PLAN_FORMAT or doc.get("version") != PLAN_VERSION:
            raise ValueError(f"not a {PLAN_FORMAT} v{PLAN_VERSION} document")
        return cls(
            project=doc["project"],
            stack=doc["stack"],
            secrets_provider=doc["secretsProvider"],
            resources=[Resource.from_json(r) for r in doc["resources"]],
            outputs=doc.get("outputs", {}),
        )

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}


# --- masking and leak detection ----------------------------------------------------------------


def _covered(path: str, secret_paths: list[str]) -> bool:
    return any(
        path == p or path.startswith(p + ".") or path.startswith(p + "[") or p == "" for p in secret_paths
    )


def mask(value: Any, secret_paths: list[str], path: str = "") -> Any:
    """A copy of `value` with every secret subtree replaced by `[secret]`."""
    if path in secret_paths:
        return MASK
    if isinstance(value, dict):
        return {k: mask(v, secret_paths, join(path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, secret_paths, join(path, i)) for i, v in enumerate(value)]
    return value


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, join(path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, join(path, i))
    else:
        yield path, value


@dataclass(frozen=True)
class InputLeaves:
    """One walk of a registration's inputs, shared by the leak check, provenance and redaction."""

    plain_keys: tuple[str, ...]
    """The map keys outside secret subtrees."""
    plain_strings: tuple[tuple[str, str], ...]
    """(path, value) of the string leaves outside secret subtrees."""
    secret_leaves: tuple[tuple[str, Any], ...]
    """(path, value) of every leaf inside a secret subtree."""


def input_leaves(reg: Registration) -> InputLeaves:
    """The registration's inputs walked once (the result is kept on the registration)."""
    if reg.walked is None:
        keys: list[str] = []
        plain: list[tuple[str, str]] = []
        secret: list[tuple[str, Any]] = []
        _walk(reg.inputs, "", False, set(reg.secret_paths), keys, plain, secret)
        reg.walked = InputLeaves(tuple(keys), tuple(plain), tuple(secret))
    return reg.walked


def _walk(
    value: Any,
    path: str,
    secret: bool,
    secret_paths: set[str],
    keys: list[str],
    plain: list[tuple[str, str]],
    secrets: list[tuple[str, Any]],
) -> None:
    secret = secret or path in secret_paths
    if isinstance(value, dict):
        for k, v in value.items():
            if not secret:
                keys.append(str(k))
            _walk(v, join(path, k), secret, secret_paths, keys, plain, secrets)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, join(path, i), secret, secret_paths, keys, plain, secrets)
    elif secret:
        secrets.append((path, value))
    elif isinstance(value, str):
        plain.append((path, value))


def scanner_for(capture: Capture) -> LeakScanner:
    """A scanner for every secret this run handed the program or got from a provider: canaries by
    pattern, and the other secret values (secret outputs, file contents, computed secret inputs)."""
    exact = set(capture.secret_outputs)
    for reg in capture.resources:
        exact.update(
            value
            for _, value in input_leaves(reg).secret_leaves
            if isinstance(value, str) and len(value) >= 12
        )
    return LeakScanner(exact)


def find_leaks(capture: Capture) -> list[str]:
    """Every place a secret appears outside a secret input path, by resource and path only."""
    scanner = scanner_for(capture)
    findings = []
    for reg in capture.resources:
        if scanner.found_in(reg.name) or scanner.found_in(reg.urn):
            findings.append(f"a secret value is part of the name of {reg.type} (URN withheld)")
            continue
        walked = input_leaves(reg)
        if any(scanner.found_in(k) for k in walked.plain_keys):
            # The path would hold the secret: name the resource only.
            findings.append(f"secret value in a map key of a plain input of {reg.urn} (path withheld)")
            continue
        for path, value in walked.plain_strings:
            if scanner.found_in(value):
                findings.append(f"secret value in plain input {path!r} of {reg.urn}")
        for key in ("aliases", "ignoreChanges"):
            if any(scanner.found_in(str(v)) for v in reg.options.get(key, [])):
                findings.append(f"secret value in option {key} of {reg.urn}")
    for path, value in leaves(capture.outputs):
        if (
            isinstance(value, str)
            and not _covered(path, capture.output_secret_paths)
            and scanner.found_in(value)
        ):
            findings.append(f"secret value in stack output {path!r} (export it with pulumi.Output.secret)")
    for level in sorted({level for level, message in capture.logs if scanner.found_in(message)}):
        findings.append(f"secret value in a {level} log message of the program")
    for stream, text in (("standard output", capture.stdout), ("standard error", capture.stderr)):
        if text and scanner.found_in(text):
            findings.append(f"secret value in what the program printed on {stream}")
    return findings


def find_dropped(capture: Capture) -> list[str]:
    """Inputs that would be silently dropped because a mock lacked an output the program read."""
    unknown = [
        f"input {path!r} of {reg.urn} depends on an output the offline mocks do not provide "
        f"(add it to offline/mocks.py for {reg.type} or the resource it reads from)"
        for reg in capture.resources
        for path in reg.unknown_paths
    ]
    missing = [
        f"the program read {read}, which the offline mocks do not return; an input built from it "
        "would be silently dropped (add it to offline/mocks.py)"
        for read in sorted(capture.missing_reads)
    ]
    return unknown + missing


# --- where secret values come from ------------------------------------------------------------

_MAX_SOURCE_FILE = 1 << 20


def _named_files(project_dir: Path, config: dict[str, str]) -> dict[str, str]:
    """Files under the project that the stack config names (relative path -> content, in memory).

    A `file` secret's value is such a file's content; the content never leaves this process.
    """
    strings: set[str] = set()
    for value in config.values():
        try:
            doc = json.loads(value) if value[:1] in ("[", "{") else value
        except ValueError:
            doc = value
        strings.update(v for _, v in leaves(doc) if isinstance(v, str))
    root = project_dir.resolve()
    files: dict[str, str] = {}
    for text in sorted(strings):
        if not text or len(text) > 255 or "\n" in text or text.startswith(("/", PLACEHOLDER_PREFIX)):
            continue
        try:
            # One stat for the many config strings that name no file; resolve only those that do.
            if not os.path.isfile(root / text):
                continue
            path = (root / text).resolve()
            if path.is_relative_to(root) and path.stat().st_size <= _MAX_SOURCE_FILE:
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return files


class _Canaries:
    """Finds which of a run's canaries (`<prefix>-...-<n>-<run>`) a text holds, in their own order.

    A canary is the prefix, a counter and the run's id; a pattern per shape finds candidates in one
    pass over the text and the exact set confirms them, instead of one substring search per canary.
    """

    def __init__(self, canaries: dict[str, str]) -> None:
        self.order = {canary: i for i, canary in enumerate(canaries)}
        shapes: set[str] = set()
        self.odd: list[str] = []
        for canary in canaries:
            head, counter, run = [*canary.rsplit("-", 2), "", ""][:3]
            if counter.isdigit() and run:
                shapes.add(f"{re.escape(head)}-\\d+-{re.escape(run)}")
            else:
                self.odd.append(canary)
        self.pattern = re.compile("|".join(sorted(shapes))) if shapes else None

    def found_in(self, text: str) -> list[str]:
        found = {m.group(0) for m in self.pattern.finditer(text)} if self.pattern else set()
        found = {c for c in found if c in self.order} | {c for c in self.odd if c in text}
        return sorted(found, key=self.order.__getitem__)


class SourceFinder:
    """Where each secret leaf's value comes from: config keys, generators, named files; names only.

    `placeholders` maps a config placeholder to its key path, `generated` a generated canary to the
    name of the resource that made it, `urns` a resource name to its URN, `files` a named file to its
    content. Values are compared here, in memory, and dropped.
    """

    def __init__(
        self,
        placeholders: dict[str, str],
        generated: dict[str, str],
        files: dict[str, str],
        urns: dict[str, str],
    ) -> None:
        self.placeholders, self.generated, self.files, self.urns = placeholders, generated, files, urns
        self._placeholders, self._generated = _Canaries(placeholders), _Canaries(generated)

    def sources(self, reg: Registration) -> dict[str, list[dict[str, str]]]:
        """Each secret leaf of a registration -> its sources."""
        sources: dict[str, list[dict[str, str]]] = {}
        for path, value in input_leaves(reg).secret_leaves:
            found: list[dict[str, str]] = []
            text = value if isinstance(value, str) else ""
            if PLACEHOLDER_PREFIX in text:
                found += [
                    {"kind": "config", "key": self.placeholders[ph]}
                    for ph in self._placeholders.found_in(text)
                ]
            if GENERATED_PREFIX in text:
                found += [
                    {"kind": "generated", "urn": self.urns.get(name, name)}
                    for name in (self.generated[c] for c in self._generated.found_in(text))
                ]
            if text and not found:
                found += [
                    {"kind": "file", "path": name}
                    for name, content in self.files.items()
                    if content and (text == content or (len(content) >= 32 and content in text))
                ]
            sources[path] = found or [{"kind": "computed"}]
        return sources


# --- making a plan -------------------------------------------------------------------------------


class Progress:
    """A one-line resource counter on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, stack: str) -> None:
        self.stream = stream
        self.stack = stack
        self.active = stream.isatty()
        self.last = 0.0

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        if self.active and now - self.last > 0.1:
            self.last = now
            self.stream.write(f"\r  planning {self.stack}: {count} resources registered")
            self.stream.flush()

    def done(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()


def capture_stack(
    project_dir: Path, stack: str, progress: Progress | None = None, capture: Capture | None = None
) -> tuple[StackInput, Capture, PlanMocks]:
    """Run the program for a stack (into `capture` when given); raises `ConfigError` on bad config."""
    stack_input = read_stack(project_dir, stack)
    region = stack_input.config.get("aws:region") or stack_input.config.get("azure-native:location") or ""
    plan_mocks = PlanMocks(region, stack_input.run_id)
    capture = run_program(
        project_dir / "__main__.py",
        project=stack_input.project,
        stack=stack,
        config=stack_input.config,
        secret_keys=stack_input.secret_keys,
        plan_mocks=plan_mocks,
        on_register=progress or (lambda n: None),
        capture=capture,
    )
    return stack_input, capture, plan_mocks


def make_plan(project_dir: Path, stack: str, progress: Progress | None = None) -> Plan:
    """Plan a stack offline; raise `ConfigError` or `PlanError` when it cannot be trusted."""
    with collector_paused(freeze=True):
        return _make_plan(project_dir, stack, progress)


def _make_plan(project_dir: Path, stack: str, progress: Progress | None) -> Plan:
    stack_input, capture, plan_mocks = capture_stack(project_dir, stack, progress)
    if progress:
        progress.done()
    verify(capture, stack)
    return build_plan(project_dir, stack_input, capture, plan_mocks)


def verify(capture: Capture, stack: str) -> None:
    """Raise `PlanError` when a run leaked a secret or would have dropped an input."""
    findings = find_dropped(capture) + find_leaks(capture)
    if findings:
        raise PlanError(stack, findings)


def build_plan(project_dir: Path, stack_input: StackInput, capture: Capture, plan_mocks: PlanMocks) -> Plan:
    """The plan of a verified run: inputs masked, secret sources named (`secretSources`)."""
    files = (
        _named_files(project_dir, stack_input.config)
        if any(r.secret_paths for r in capture.resources)
        else {}
    )
    urns = {r.name: r.urn for r in capture.resources if r.type.startswith("random:")}
    finder = SourceFinder(stack_input.placeholders, plan_mocks.generated, files, urns)
    resources = [
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            parent=r.parent,
            provider=r.provider,
            custom=r.custom,
            inputs=mask(r.inputs, r.secret_paths) if r.secret_paths else r.inputs,
            secret_paths=r.secret_paths,
            options=r.options,
            dependencies=r.dependencies,
            property_dependencies=r.property_dependencies,
            secret_sources=finder.sources(r) if r.secret_paths else {},
        )
        for r in sorted(capture.resources, key=lambda r: r.urn)
    ]
    return Plan(
        stack_input.project, stack_input.stack, stack_input.secrets_provider, resources, mask_outputs(capture)
    )


def mask_outputs(capture: Capture) -> dict[str, Any]:
    """The stack outputs with every output exported as a secret, or holding one, masked."""
    scanner = LeakScanner(capture.secret_outputs)
    return {
        k: (MASK if isinstance(v, str) and scanner.found_in(v) else v)
        for k, v in mask(capture.outputs, capture.output_secret_paths).items()
    }


# --- printing ------------------------------------------------------------------------------------

_COLLAPSE = 12


def _label(resource: Resource) -> str:
    flags = []
    if resource.options.get("protect"):
        flags.append("protected")
    if resource.options.get("retainOnDelete"):
        flags.append("retained")
    if resource.secret_paths:
        flags.append(
            f"{len(resource.secret_paths)} secret input{'s' if len(resource.secret_paths) > 1 else ''}"
        )
    suffix = f"  ({', '.join(flags)})" if flags else ""
    return f"{resource.type}  {resource.name}{suffix}"


def render_tree(plan: Plan, out: TextIO = sys.stdout, *, glyphs: bool = False, urns: bool = False) -> None:
    """The plan as a tree by component, with counts; secret values never appear (only `[secret]`).

    `glyphs` draws the tree with box characters (a terminal); plain indentation otherwise (CI, files).
    `urns` adds each resource's URN under it, for `pulumi state` commands.
    """
    children: dict[str, list[Resource]] = defaultdict(list)
    urns_by = plan.by_urn()
    for r in plan.resources:
        parent = r.parent if r.parent in urns_by else ""
        children[parent].append(r)

    def count(urn: str) -> int:
        return sum(1 + count(c.urn) for c in children.get(urn, []))

    def line(prefix: str, last: bool, text: str) -> str:
        if not glyphs:
            return f"{prefix}  {text}"
        return f"{prefix}{'└─ ' if last else '├─ '}{text}"

    def deeper(prefix: str, last: bool) -> str:
        if not glyphs:
            return prefix + "  "
        return prefix + ("   " if last else "│  ")

    def walk(urn: str, prefix: str) -> None:
        kids = sorted(children.get(urn, []), key=lambda r: (r.custom, r.type, r.name))
        by_type = Counter(k.type for k in kids if k.custom and not children.get(k.urn))
        shown: Counter[str] = Counter()
        rows: list[tuple[Resource | None, str]] = []
        for kid in kids:
            if kid.custom and by_type[kid.type] > _COLLAPSE and not children.get(kid.urn):
                shown[kid.type] += 1
                if shown[kid.type] == _COLLAPSE:
                    rows.append((None, f"… and {by_type[kid.type] - _COLLAPSE + 1} more {kid.type}"))
                if shown[kid.type] >= _COLLAPSE:
                    continue
            if kid.custom:
                rows.append((kid, _label(kid)))
            else:
                n = count(kid.urn)
                rows.append((kid, f"{kid.type}  {kid.name}  [{n} resource{'s' if n != 1 else ''}]"))
        for index, (kid, text) in enumerate(rows):
            last = index == len(rows) - 1
            out.write(line(prefix, last, text) + "\n")
            if kid is not None:
                if urns:
                    out.write(f"{deeper(prefix, last)}  {kid.urn}\n")
                walk(kid.urn, deeper(prefix, last))

    secret_inputs = sum(len(r.secret_paths) for r in plan.resources)
    protected = sum(1 for r in plan.resources if r.options.get("protect"))
    out.write(
        f"Offline plan of stack {plan.stack} (project {plan.project}, secrets provider {plan.secrets_provider})\n"
    )
    walk("", "")
    types = Counter(r.type for r in plan.resources if r.custom)
    out.write(
        f"\n{len(plan.resources)} resources to create ({sum(types.values())} custom, "
        f"{len(plan.resources) - sum(types.values())} components), {protected} protected, "
        f"{secret_inputs} secret inputs shown as {MASK}; no secret value left a secret input.\n"
    )
    if plan.outputs:
        out.write("Outputs:\n")
        for key in sorted(plan.outputs):
            value = plan.outputs[key]
            out.write(f"  {key}: {value if isinstance(value, (str, int, float, bool)) else '(structured)'}\n")
