"""HashiCorp Vault (or OpenBao) as a secret store, beside the stack's cloud store."""
