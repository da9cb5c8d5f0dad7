"""The Key Vault rotation function's Azure side: where it runs, what it may touch, what triggers it.

- A Linux App Service plan (Basic B1) runs the function app: it supports regional VNet integration, which
  the vault's firewall needs (the app joins the stack's function subnet, admitted by a virtual network
  rule), runs a package from a blob with a managed identity, and needs no Azure Files share (an
  Elastic Premium plan needs one, reachable only with an account key: a secret in an app setting).
  Rotations are rare, so the smallest dedicated tier is enough.
- The package (`functions/keyvault_rotation`, built by `functions/package.py` with its dependencies)
  is a blob named by its hash; `WEBSITE_RUN_FROM_PACKAGE` points at it and the app's identity reads it
  (Azure Functions docs, "Run your functions from a package file": fetch with a managed identity).
- The storage account accepts Entra ID only (no shared keys), is encrypted with the stack's store key
  (its own identity holds Key Vault Crypto Service Encryption User on that key alone), and holds the
  package and the host's state (`AzureWebJobsStorage` by identity).
- The function's identity holds Key Vault Secrets Officer on exactly the secrets it rotates (scope:
  each secret), and Storage Blob Data Owner on its own storage account.
- An Event Grid system topic on the vault, and a subscription that delivers only
  `Microsoft.KeyVault.SecretNearExpiry` of the rotated secrets to the function.
"""

# No `from __future__ import annotations` here: see components/azure/foundation.py.
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_azure_native as azure_native

from config import azure_names

FUNCTION_SOURCE = Path("functions") / "keyvault_rotation"
"""The rotation function's source, relative to the project directory."""
PACKAGE_PATH = Path("out") / "keyvault-rotation.zip"
"""Where the reproducible package is written, relative to the project directory (git-ignored)."""
FUNCTION_NAME = "rotate_secret"
"""The function's name in `function_app.py` (`@app.function_name`): Event Grid delivers to it."""
PYTHON_VERSION = "3.11"
"""The function's Python: the version the package's dependencies were installed for (`make venv`)."""
PLAN_SKU = {"name": "B1", "tier": "Basic"}
"""Smallest dedicated Linux tier with regional VNet integration (App Service docs, "Integrate your app
with an Azure virtual network": Basic and above)."""
PACKAGE_CONTAINER = "function-packages"
NEAR_EXPIRY_EVENT = "Microsoft.KeyVault.SecretNearExpiry"
KEY_VAULT_TOPIC_TYPE = "Microsoft.KeyVault.vaults"
"""Event Grid system topic type of a Key Vault (Event Grid docs, "Azure Key Vault as an Event Grid source")."""
STRING_IN_MAX_VALUES = 25
"""Values one StringIn advanced filter may list (Event Grid docs, "Advanced filtering" limits)."""
EVENT_RETRY = {"max_delivery_attempts": 30, "event_time_to_live_in_minutes": 1440}
"""Event Grid retries a failed delivery for a day (its default); the 30-day grace covers longer outages."""


@dataclass(frozen=True, kw_only=True)
class RotationFunctionArgs:
    cluster_name: str
    """The stack's cluster name, for descriptions."""
    key_vault_name: str
    """The vault (`azure.keyVaultName`): the app and its storage account are named from it."""
    region: str
    resource_group_name: pulumi.Input[str]
    vault_id: pulumi.Input[str]
    vault_uri: pulumi.Input[str]
    store_key_name: pulumi.Input[str]
    """Key that encrypts the storage account (the foundation's store key)."""
    store_key_resource_id: pulumi.Input[str]
    """ARM id of that key, the scope of the storage identity's only role."""
    functions_subnet_id: pulumi.Input[str]
    secrets: Mapping[str, azure_native.keyvault.Secret]
    """Key Vault secret name -> the secret it rotates (each the scope of one role assignment)."""
    password_length: int
    project_dir: Path
    role_definition: "RoleDefinitionId"


class RoleDefinitionId:
    """Turns a built-in role's GUID into the subscription-scoped id ARM returns."""

    def __init__(self, subscription_of: pulumi.Output[str]) -> None:
        self._subscription = subscription_of

    def __call__(self, role: str) -> pulumi.Output[str]:
        return self._subscription.apply(
            lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"
        )


@dataclass(frozen=True)
class RotationFunction:
    """What the store and the audit need from the function."""

    app: azure_native.web.WebApp
    identity: azure_native.managedidentity.UserAssignedIdentity


def package_blob_name(code_sha256: str) -> str:
    """The package's blob, named by its content: a new package is a new URL, so the app restarts on it."""
    digest = hashlib.sha256(code_sha256.encode()).hexdigest()[:16]
    return f"keyvault-rotation-{digest}.zip"


def rotation_function(name: str, args: RotationFunctionArgs, parent: pulumi.Resource) -> RotationFunction:
    """Declare the function app and everything it stands on (children of `parent`, the store)."""
    from components.azure.foundation import (
        KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
        KEY_VAULT_SECRETS_OFFICER,
        STORAGE_BLOB_DATA_OWNER,
    )
    from functions.package import build_function_app_zip

    child = pulumi.ResourceOptions(parent=parent)
    group = args.resource_group_name
    identity = azure_native.managedidentity.UserAssignedIdentity(
        f"{name}-rotation-identity",
        resource_name_=f"id-{args.cluster_name}-secret-rotation",
        resource_group_name=group,
        location=args.region,
        opts=child,
    )
    storage_identity = azure_native.managedidentity.UserAssignedIdentity(
        f"{name}-rotation-storage-identity",
        resource_name_=f"id-{args.cluster_name}-rotation-storage",
        resource_group_name=group,
        location=args.region,
        opts=child,
    )
    key_access = azure_native.authorization.RoleAssignment(
        f"{name}-rotation-storage-key-access",
        principal_id=storage_identity.principal_id,
        principal_type=azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
        role_definition_id=args.role_definition(KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER),
        scope=args.store_key_resource_id,
        opts=pulumi.ResourceOptions(parent=storage_identity),
    )
    account = azure_native.storage.StorageAccount(
        f"{name}-rotation-storage",
        account_name=azure_names.rotation_storage_account_name(args.key_vault_name),
        resource_group_name=group,
        location=args.region,
        kind=azure_native.storage.Kind.STORAGE_V2,
        sku={"name": azure_native.storage.SkuName.STANDARD_LRS},
        identity={
            "type": azure_native.storage.IdentityType.USER_ASSIGNED,
            "user_assigned_identities": [storage_identity.id],
        },
        # Entra ID only: no account key can read the package or the host's state.
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        allow_blob_public_access=False,
        minimum_tls_version=azure_native.storage.MinimumTlsVersion.TLS1_2,
        enable_https_traffic_only=True,
        encryption={
            "key_source": azure_native.storage.KeySource.MICROSOFT_KEYVAULT,
            # No key_version: Storage follows the key's rotation by itself (Storage docs,
            # "Customer-managed keys": automatic updating of the key version).
            "key_vault_properties": {"key_name": args.store_key_name, "key_vault_uri": args.vault_uri},
            "encryption_identity": {"encryption_user_assigned_identity": storage_identity.id},
            "require_infrastructure_encryption": True,
            "services": {"blob": {"enabled": True, "key_type": "Account"}},
        },
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[key_access]),
    )
    container = azure_native.storage.BlobContainer(
        f"{name}-rotation-packages",
        account_name=account.name,
        resource_group_name=group,
        container_name=PACKAGE_CONTAINER,
        public_access=azure_native.storage.PublicAccess.NONE,
        opts=pulumi.ResourceOptions(parent=account),
    )
    code_sha256 = build_function_app_zip(args.project_dir / FUNCTION_SOURCE, args.project_dir / PACKAGE_PATH)
    blob_name = package_blob_name(code_sha256)
    blob = azure_native.storage.Blob(
        f"{name}-rotation-package",
        account_name=account.name,
        container_name=container.name,
        resource_group_name=group,
        blob_name=blob_name,
        type=azure_native.storage.BlobType.BLOCK,
        content_type="application/zip",
        source=pulumi.FileAsset(str(args.project_dir / PACKAGE_PATH)),
        opts=pulumi.ResourceOptions(parent=container),
    )
    storage_access = azure_native.authorization.RoleAssignment(
        f"{name}-rotation-storage-access",
        principal_id=identity.principal_id,
        principal_type=azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
        role_definition_id=args.role_definition(STORAGE_BLOB_DATA_OWNER),
        scope=account.id,
        opts=pulumi.ResourceOptions(parent=account),
    )
    secret_access = [
        azure_native.authorization.RoleAssignment(
            f"{name}-rotation-access-{secret_name}",
            principal_id=identity.principal_id,
            principal_type=azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=args.role_definition(KEY_VAULT_SECRETS_OFFICER),
            scope=secret.id,
            opts=pulumi.ResourceOptions(parent=secret),
        )
        for secret_name, secret in sorted(args.secrets.items())
    ]
    plan = azure_native.web.AppServicePlan(
        f"{name}-rotation-plan",
        resource_group_name=group,
        location=args.region,
        kind="linux",
        reserved=True,
        sku=PLAN_SKU,
        opts=child,
    )
    package_url = pulumi.Output.concat(
        "https://", account.name, ".blob.core.windows.net/", PACKAGE_CONTAINER, "/", blob_name
    )
    settings = {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsStorage__accountName": account.name,
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": identity.client_id,
        "WEBSITE_RUN_FROM_PACKAGE": package_url,
        "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID": identity.id,
        "AZURE_CLIENT_ID": identity.client_id,
        "KEY_VAULT_URI": args.vault_uri,
        "KEY_VAULT_NAME": args.key_vault_name,
        "PASSWORD_LENGTH": str(args.password_length),
    }
    app = azure_native.web.WebApp(
        f"{name}-rotation",
        name=azure_names.rotation_function_app_name(args.key_vault_name),
        resource_group_name=group,
        location=args.region,
        kind="functionapp,linux",
        reserved=True,
        server_farm_id=plan.id,
        https_only=True,
        identity={
            "type": azure_native.web.ManagedServiceIdentityType.USER_ASSIGNED,
            "user_assigned_identities": [identity.id],
        },
        key_vault_reference_identity=identity.id,
        virtual_network_subnet_id=args.functions_subnet_id,
        # Every outbound call leaves through the function subnet, which the vault's firewall admits.
        outbound_vnet_routing={"all_traffic": True},
        site_config={
            "linux_fx_version": f"Python|{PYTHON_VERSION}",
            "always_on": True,
            "ftps_state": azure_native.web.FtpsState.DISABLED,
            "min_tls_version": azure_native.web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
            "http20_enabled": True,
            "remote_debugging_enabled": False,
            "app_settings": [{"name": k, "value": v} for k, v in settings.items()],
        },
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[blob, storage_access]),
    )
    _trigger(name, args, app, secret_access, parent)
    return RotationFunction(app=app, identity=identity)


def event_filter(secret_names: Sequence[str]) -> dict:
    """Only SecretNearExpiry, and only of the rotated secrets when they fit one StringIn filter (the
    function refuses any secret not tagged as rotated by it either way)."""
    names = sorted(secret_names)
    event_filter: dict = {"included_event_types": [NEAR_EXPIRY_EVENT]}
    if len(names) <= STRING_IN_MAX_VALUES:
        # The typed class, not a dict: advanced filters are a union type, whose dict keys the SDK
        # would pass on unconverted (`operator_type` instead of `operatorType`).
        event_filter["advanced_filters"] = [
            azure_native.eventgrid.StringInAdvancedFilterArgs(
                operator_type="StringIn", key="data.ObjectName", values=names
            )
        ]
    return event_filter


def _trigger(
    name: str,
    args: RotationFunctionArgs,
    app: azure_native.web.WebApp,
    after: list[pulumi.Resource],
    parent: pulumi.Resource,
) -> None:
    topic = azure_native.eventgrid.SystemTopic(
        f"{name}-vault-events",
        system_topic_name=f"{args.key_vault_name}-events",
        resource_group_name=args.resource_group_name,
        location=args.region,
        source=args.vault_id,
        topic_type=KEY_VAULT_TOPIC_TYPE,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    azure_native.eventgrid.SystemTopicEventSubscription(
        f"{name}-near-expiry",
        event_subscription_name="secret-near-expiry",
        system_topic_name=topic.name,
        resource_group_name=args.resource_group_name,
        destination={
            "endpoint_type": "AzureFunction",
            "resource_id": app.id.apply(lambda app_id: f"{app_id}/functions/{FUNCTION_NAME}"),
            "max_events_per_batch": 1,
            "preferred_batch_size_in_kilobytes": 64,
        },
        filter=event_filter(list(args.secrets)),
        event_delivery_schema=azure_native.eventgrid.EventDeliverySchema.EVENT_GRID_SCHEMA,
        retry_policy=EVENT_RETRY,
        # The function must be able to read and write the secrets before the first event reaches it.
        opts=pulumi.ResourceOptions(parent=topic, depends_on=after),
    )
