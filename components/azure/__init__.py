"""The Azure backend: AKS with Key Vault KMS, Key Vault."""
