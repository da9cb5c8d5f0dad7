"""Azure Functions entry point (Python v2 programming model): Event Grid -> `rotation.rotate`.

The v2 model declares the trigger with a decorator in this file, so the code and its binding are
reviewed together and no `function.json` can drift from them (Azure Functions Python developer guide,
"Programming model"). The app settings come from `components/azure/rotation_function.py`:
`KEY_VAULT_URI`, `KEY_VAULT_NAME`, `PASSWORD_LENGTH` and `AZURE_CLIENT_ID` (the user-assigned identity
the function authenticates as; it holds Key Vault Secrets Officer on exactly the secrets it rotates).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import azure.functions as func
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from rotation import RotationRefused, parse_event, password_length, rotate

FUNCTION_NAME = "rotate_secret"
"""The function's name: the Event Grid subscription delivers to `<app>/functions/rotate_secret`."""

app = func.FunctionApp()


@app.function_name(name=FUNCTION_NAME)
@app.event_grid_trigger(arg_name="event")
def rotate_secret(event: func.EventGridEvent) -> None:
    """Rotate the secret a SecretNearExpiry event names; a refused event is logged and not retried."""
    try:
        near_expiry = parse_event(event.event_type, event.get_json())
        client = SecretClient(
            vault_url=os.environ["KEY_VAULT_URI"],
            credential=ManagedIdentityCredential(client_id=os.environ["AZURE_CLIENT_ID"]),
        )
        outcome = rotate(
            client,
            near_expiry,
            vault_name=os.environ["KEY_VAULT_NAME"],
            length=password_length(os.environ.get("PASSWORD_LENGTH")),
            now=datetime.now(UTC),
        )
    except RotationRefused as refused:
        # Retrying cannot help; the 30-day grace leaves operators time to act on the logged reason.
        logging.getLogger("keyvault_rotation").error("rotation refused: %s", refused)
        return
    logging.getLogger("keyvault_rotation").info("%s: %s", outcome.secret_name, outcome.reason)
