"""The offline commands: plan, check, diff and access reports without credentials."""
