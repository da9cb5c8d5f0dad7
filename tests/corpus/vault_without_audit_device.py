"""Vault secrets with version limits but no audit device: nobody can tell who read them."""

from __future__ import annotations

import pulumi_vault as vault

EXPECTED = {"vault-audit-device-present"}


def program() -> None:
    mount = vault.Mount("kv", path="secrets-platform", type="kv", options={"version": "2"})
    vault.kv.SecretBackendV2("kv-config", mount=mount.path, max_versions=3, delete_version_after=3_196_800)
