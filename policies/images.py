"""Images: what runs beside the secrets is exactly the image that was reviewed.

A tag is a name the registry's owner can point at other content at any time, so a pod referencing
`api:2.4.1` may run code nobody reviewed, next to the Secrets it mounts; a digest (`@sha256:...`) names
the content itself. Whether a stack must pin is its policy config's choice: mandatory for prod
(`policies/config/prod.json`), advisory for dev, where tags move on purpose.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._kubernetes import HELM_RELEASES, containers, pod_spec, pod_spec_path, with_manifests
from policies._support import is_unknown, message, plain, schema, settings, string_list

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
"""An image reference pinned by content (OCI distribution spec: `<name>@<algorithm>:<hex>`)."""


def _exempt(image: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(image, pattern) for pattern in patterns)


def _release_images(values: Any, path: str = "values") -> list[tuple[str, dict[str, Any]]]:
    """(path, image block) of every `image: {repository, tag, digest}` map in a release's values (the
    Helm convention `charts/bff` follows)."""
    found = []
    if isinstance(values, dict):
        image = values.get("image")
        if isinstance(image, dict) and image.get("repository"):
            found.append((f"{path}.image", image))
        for key, value in values.items():
            if key != "image":
                found += _release_images(value, f"{path}.{key}")
    return found


def _image_digest(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in HELM_RELEASES and pod_spec_path(args.resource_type) is None:
        return  # runs no image: its properties are not copied
    cfg = settings(args, KUBERNETES_CONTAINER_IMAGE_DIGEST.config_schema)
    fix = "Reference the image by digest (name@sha256:...), the digest `docker push` or the registry prints"
    props = plain(args.props)
    if args.resource_type in HELM_RELEASES:
        for where, image in _release_images(props.get("values")):
            if any(is_unknown(image.get(k)) for k in ("repository", "tag", "digest")):
                continue
            name = f"{image.get('repository')}:{image.get('tag') or ''}"
            if (
                image.get("digest")
                or DIGEST.search(str(image.get("tag") or ""))
                or _exempt(name, cfg["exempt"])
            ):
                continue
            # The message names where, never the reference itself (a message repeats no input value).
            report(
                message(f"The release's {where} names its image by tag, not by digest", f"{fix}: set digest"),
                None,
            )
        return
    spec = pod_spec(args.resource_type, props)
    if spec is None:
        return
    for where, container in containers(spec):
        image = container.get("image")
        if (
            is_unknown(image)
            or not isinstance(image, str)
            or DIGEST.search(image)
            or _exempt(image, cfg["exempt"])
        ):
            continue
        report(message(f"The container at {where} runs its image by tag, not by digest", fix), None)


# Source: checkov CKV_K8S_43 ("Image should use digest"); NSA/CISA Kubernetes Hardening Guide, "use
# immutable image references"; Kubernetes docs, "Images" ("pin by digest ... the image never changes").
KUBERNETES_CONTAINER_IMAGE_DIGEST = ResourceValidationPolicy(
    name="kubernetes-container-image-digest",
    description="Containers must reference their image by digest, so what runs is exactly what was reviewed.",
    validate=with_manifests(_image_digest),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        exempt=string_list(
            [], "Image references (glob patterns) allowed by tag, each a documented exception."
        )
    ),
    remediation_steps="Replace the tag with the image's digest: name@sha256:<64 hex digits>.",
)

POLICIES = [KUBERNETES_CONTAINER_IMAGE_DIGEST]
"""The policies of this concern, in report order."""
