"""A registration as the engine hands it to a policy pack: `AnalyzeRequest` and `AnalyzerResource`.

The engine marshals a resource's inputs with secrets wrapped in the secret signature and without
nulls, its options, and its provider (type, inputs, URN, name). `AnalyzeStack` gets every resource
again with its parent and dependencies. Both are built once per registration here.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from offline.runtime import SECRET_SIG, SIG_KEY, Registration, join


def wrap_secrets(value: Any, secret_paths: list[str], path: str = "") -> Any:
    """The inputs as the engine marshals them: secret paths wrapped in the secret signature, no nulls.

    Paths are recomputed while walking (`offline.runtime.join`), so keys holding dots stay exact.
    """
    if path and path in secret_paths:
        return {SIG_KEY: SECRET_SIG, "value": wrap_secrets(value, [], path)}
    if isinstance(value, dict):
        return {k: wrap_secrets(v, secret_paths, join(path, k)) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [wrap_secrets(v, secret_paths, join(path, i)) for i, v in enumerate(value)]
    return value


def _drop_nulls(value: Any) -> Any:
    """`wrap_secrets` for inputs without secret paths: the same walk without path bookkeeping."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def properties(reg: Registration) -> struct_pb2.Struct:
    """A registration's inputs as the engine marshals them for the analyzer."""
    struct = struct_pb2.Struct()
    struct.update(wrap_secrets(reg.inputs, reg.secret_paths) if reg.secret_paths else _drop_nulls(reg.inputs))
    return struct


def options(reg: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    opts = reg.options
    delete_before_replace = opts.get("deleteBeforeReplace")
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(opts.get("protect")),
        ignoreChanges=list(opts.get("ignoreChanges", [])),
        deleteBeforeReplace=bool(delete_before_replace),
        deleteBeforeReplaceDefined=delete_before_replace is not None,
        additionalSecretOutputs=list(opts.get("additionalSecretOutputs", [])),
        aliases=[a if isinstance(a, str) else json.dumps(a, sort_keys=True) for a in opts.get("aliases", [])],
        parent=reg.parent,
    )


def provider(
    reg: Registration, by_urn: dict[str, Registration]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The provider resource of a registration (its reference is `<urn>::<id>`), when registered."""
    found = by_urn.get(reg.provider.rsplit("::", 1)[0]) if reg.provider else None
    if found is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=found.type, properties=properties(found), urn=found.urn, name=found.name
    )


def requests(
    reg: Registration, by_urn: dict[str, Registration]
) -> tuple[analyzer_pb2.AnalyzeRequest, analyzer_pb2.AnalyzerResource]:
    """The `Analyze` request of a registration and its entry in `AnalyzeStack`, sharing one marshalling."""
    props = properties(reg)
    opts = options(reg)
    prov = provider(reg, by_urn)
    request = analyzer_pb2.AnalyzeRequest(
        type=reg.type, properties=props, urn=reg.urn, name=reg.name, options=opts
    )
    resource = analyzer_pb2.AnalyzerResource(
        type=reg.type,
        properties=props,
        urn=reg.urn,
        name=reg.name,
        options=opts,
        parent=reg.parent,
        dependencies=reg.dependencies,
    )
    if prov is not None:
        request.provider.CopyFrom(prov)
        resource.provider.CopyFrom(prov)
    for key, urns in reg.property_dependencies.items():
        resource.propertyDependencies[key].CopyFrom(analyzer_pb2.AnalyzerPropertyDependencies(urns=urns))
    return request, resource
