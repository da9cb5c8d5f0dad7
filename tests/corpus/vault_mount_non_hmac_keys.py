"""A Vault mount that exempts the `value` key from the audit HMAC: values are logged in clear."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-audit-device-hmac"}


def program() -> None:
    audited_vault_server()
    vault.Mount("transit", path="transit", type="transit", audit_non_hmac_request_keys=["plaintext"])
