"""An armored PGP secret key kept in a ConfigMap under an innocent name."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-configmap-plaintext-secret"}


def program() -> None:
    k8s.core.v1.ConfigMap(
        "release-signing",
        metadata={"name": "release-signing", "namespace": "payments"},
        data={
            "notes.txt": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGX0...\n-----END PGP PRIVATE KEY BLOCK-----\n"
        },
    )
