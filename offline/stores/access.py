"""One catalogue entry's store, whichever it is: read, rotate now, write a value, revoke.

`Stores` builds each store's client once, on first use, with `clients` (a name -> factory map);
`from_environment()` gives the real ones, which take credentials where the cloud SDKs look for them
(the AWS credential chain, `DefaultAzureCredential`, `VAULT_TOKEN`), never from the stack's config.
Tests pass factories that return moto's client, a `SecretClient` over the Key Vault fake, or hvac
against OpenBao.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from config.models import AnySecret, StackConfig
from offline.catalogue import KEY_VAULT, SECRETS_MANAGER, VAULT, store_name, store_of
from offline.stores import StoreError, StoreState, StoreVersion, aws, keyvault, vault

PASSWORD_LENGTH = 32
"""Characters of each value the Key Vault rotation draws (AzureSecretStoreArgs.password_length)."""

ClientFactory = Callable[[StackConfig], Any]


def _boto3_client(config: StackConfig) -> Any:
    import boto3

    return boto3.client("secretsmanager", region_name=config.region or None)


def _keyvault_client(config: StackConfig) -> Any:
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    if config.azure is None:
        raise StoreError("the stack has no azure: block, so no Key Vault")
    return SecretClient(f"https://{config.azure.key_vault_name}.vault.azure.net", DefaultAzureCredential())


def _hvac_client(config: StackConfig) -> Any:
    import hvac

    if config.vault is None:
        raise StoreError("the stack has no vault: block, so no Vault address")
    return hvac.Client(url=config.vault.address)  # the token: VAULT_TOKEN, else ~/.vault-token


def from_environment() -> dict[str, ClientFactory]:
    return {SECRETS_MANAGER: _boto3_client, KEY_VAULT: _keyvault_client, VAULT: _hvac_client}


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A store call whose unexpected failure (a refused connection, a timeout) is one line."""

    def call(self: Stores, entry: AnySecret, *args: Any) -> Any:
        try:
            return fn(self, entry, *args)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{entry.name}: {type(exc).__name__}: {_first_line(exc)}") from None

    call.__doc__ = fn.__doc__
    return call


class Stores:
    """The stores of one stack, reached with the given client factories."""

    def __init__(
        self, config: StackConfig, clients: dict[str, ClientFactory], now: datetime | None = None
    ) -> None:
        self.config = config
        self._factories = clients
        self._clients: dict[str, Any] = {}
        self.now = now or datetime.now(UTC)

    def _client(self, store: str) -> Any:
        if store not in self._clients:
            factory = self._factories.get(store)
            if factory is None:
                raise StoreError(f"{store}: no client for this store here")
            try:
                self._clients[store] = factory(self.config)
            except StoreError:
                raise
            except Exception as exc:  # an SDK missing or refusing its settings: one line, no traceback
                raise StoreError(
                    f"{store}: cannot make a client: {type(exc).__name__}: {_first_line(exc)}"
                ) from None
        return self._clients[store]

    def _where(self, entry: AnySecret) -> tuple[str, str]:
        store = store_of(self.config, entry)
        if store is None or entry.source != "cloud":
            raise StoreError(f"secret {entry.name} is held by the platform, not a store")
        if entry.database is not None:
            raise StoreError(
                f"secret {entry.name} is issued per lease by Vault's database engine: no stored value"
            )
        return store, store_name(self.config, entry)

    def _mount(self) -> str:
        assert self.config.vault is not None  # config validation: a Vault secret needs `vault:`
        return self.config.vault.kv_mount

    def describe(self, entry: AnySecret) -> str:
        """The entry's place, as an operator would type it (`secrets-manager secrets-dev/x`)."""
        store, name = self._where(entry)
        return f"{store} {self._mount()}/{name}" if store == VAULT else f"{store} {name}"

    @_guarded
    def read(self, entry: AnySecret) -> StoreState:
        store, name = self._where(entry)
        if store == SECRETS_MANAGER:
            return aws.read(self._client(store), name)
        if store == KEY_VAULT:
            return keyvault.read(self._client(store), name)
        return vault.read(self._client(store), self._mount(), name, now=self.now)

    @_guarded
    def rotate_now(self, entry: AnySecret) -> str:
        """Start the store's own rotation of a store-rotated entry; returns the new version."""
        store, name = self._where(entry)
        if store == SECRETS_MANAGER:
            return aws.rotate_now(self._client(store), name)
        if store == KEY_VAULT:
            assert self.config.azure is not None
            return keyvault.rotate_now(
                self._client(store), name, vault_name=self.config.azure.key_vault_name,
                length=PASSWORD_LENGTH, now=self.now,
            )  # fmt: skip
        raise StoreError(f"secret {entry.name}: Vault does not rotate values by itself")

    @_guarded
    def put_value(self, entry: AnySecret, values: dict[str, str]) -> str:
        """Write an operator's new value (all of the entry's keys) as the next version."""
        store, name = self._where(entry)
        if store == VAULT:
            return vault.put_value(self._client(store), self._mount(), name, values)
        document = json.dumps(values, sort_keys=True)
        if store == SECRETS_MANAGER:
            return aws.put_value(self._client(store), name, document)
        return keyvault.put_value(
            self._client(store), name, document, rotation_days=entry.rotation_days, now=self.now
        )

    @_guarded
    def revoke(self, entry: AnySecret, version: StoreVersion) -> None:
        store, name = self._where(entry)
        if store == SECRETS_MANAGER:
            aws.revoke(self._client(store), name, version)
        elif store == KEY_VAULT:
            keyvault.revoke(self._client(store), name, version)
        else:
            vault.revoke(self._client(store), self._mount(), name, version)
