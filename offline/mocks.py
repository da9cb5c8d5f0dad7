"""Realistic provider outputs for the offline plan.

Each mock returns the inputs plus every output the program reads (cluster endpoints, OIDC issuers,
key ARNs, vault URIs...), shaped as the provider returns them. Generated secrets (random
passwords) come back as unique canaries; the monitor marks them secret as the engine would, and the
leak check looks for them. A missing output is not guessed: the plan reports the input it dropped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import pulumi

ACCOUNT = "111122223333"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
GENERATED_PREFIX = "spgenerated"


def recent_creation_time() -> int:
    """A creation time as the provider would report for a key version rotated on schedule: the start of
    yesterday (UTC). Whole days, so every plan of one day shows the same value."""
    return int(time.time()) // 86400 * 86400 - 86400


def _suffix(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def _kubeconfig(server: str, name: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": "LS0t"}}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [
                {
                    "name": name,
                    "user": {
                        "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin"}
                    },
                }
            ],
        }
    )


class PlanMocks(pulumi.runtime.Mocks):
    """Outputs for every resource and call the platform declares, for any stack."""

    def __init__(self, region: str, run_id: str) -> None:
        self.region = region or "eu-west-1"
        self.run_id = run_id
        self.generated: dict[str, str] = {}
        """Canary -> the resource name that generated it."""

    # -- helpers --------------------------------------------------------------------------
    def _canary(self, name: str) -> str:
        value = f"{GENERATED_PREFIX}-{len(self.generated) + 1}-{self.run_id}"
        self.generated[value] = name
        return value

    def _arn(self, service: str, resource: str, regional: bool = True) -> str:
        region = self.region if regional else ""
        account = ACCOUNT if service != "s3" else ""
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    def _azure_id(self, inputs: dict[str, Any], provider_type: str, name: str) -> str:
        group = inputs.get("resourceGroupName", "rg")
        return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_type}/{name}"

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = args.name
        typ = args.typ
        handler = _HANDLERS.get(typ)
        extra = handler(self, name, inputs) if handler else {}
        if typ.startswith("aws:") and "arn" not in inputs and "arn" not in extra:
            service = typ.split(":")[1].split("/")[0]
            extra["arn"] = self._arn(service, f"{typ.split('/')[-1].split(':')[0].lower()}/{name}")
        identity = inputs.get("identity")
        if typ.startswith("azure-native:") and isinstance(identity, dict):
            # Inputs list identity resource IDs; the provider returns a map of ID -> principal.
            assigned = identity.get("userAssignedIdentities")
            if isinstance(assigned, list):
                identity = {
                    **identity,
                    "userAssignedIdentities": {
                        i: {
                            "principalId": f"{_suffix(i)}-0000-4000-8000-000000000003",
                            "clientId": f"{_suffix(i)}-0000-4000-8000-000000000004",
                        }
                        for i in assigned
                    },
                }
            extra["identity"] = {
                **identity,
                "principalId": f"{_suffix(name)}-0000-4000-8000-000000000005",
                "tenantId": SUBSCRIPTION,
            }
        if typ.startswith("azure-native:") and "id" not in extra:
            provider_type = "Microsoft." + typ.split(":")[1].capitalize()
            extra["id"] = self._azure_id(inputs, provider_type, inputs.get("name") or name)
        if typ.startswith("kubernetes:") and typ != "kubernetes:helm.sh/v3:Release":
            metadata = dict(inputs.get("metadata") or {})
            metadata.setdefault("name", f"{name}-{_suffix(name)}")
            metadata.setdefault("uid", f"uid-{_suffix(typ + name)}")
            extra["metadata"] = metadata
        resource_id = extra.pop("id", None) or f"{name}-id"
        return resource_id, {**inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list | None]:
        token = args.token
        if token == "azure-native:containerservice:listManagedClusterUserCredentials":
            name = args.args.get("resourceName", "aks")
            value = base64.b64encode(
                _kubeconfig(f"https://{name}.hcp.westeurope.azmk8s.io:443", name).encode()
            )
            return {"kubeconfigs": [{"name": "clusterUser", "value": value.decode()}]}, []
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/plan", "userId": "AIDA"}, []
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}, []
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com"}, []
        if token == "aws:ec2/getSubnet:getSubnet":
            subnet = str(args.args.get("id", "subnet"))
            octet = int(_suffix(subnet)[:2], 16)
            return {
                "id": subnet,
                "cidrBlock": f"10.{octet}.0.0/20",
                "vpcId": f"vpc-{_suffix('vpc')}",
                "availabilityZone": f"{self.region}a",
            }, []
        if token == "azure-native:keyvault:getKey":
            # The key's current version (Keys - Get): its versioned URI and its creation time.
            vault, key = args.args.get("vaultName", "vault"), args.args.get("keyName", "key")
            uri = f"https://{vault}.vault.azure.net/keys/{key}"
            created = recent_creation_time()
            return {
                "keyUri": uri,
                "keyUriWithVersion": f"{uri}/{_suffix(key)}0123456789abcdef0123456789",
                "name": key,
                "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{args.args.get('resourceGroupName', 'rg')}"
                f"/providers/Microsoft.KeyVault/vaults/{vault}/keys/{key}",
                "attributes": {"created": created, "enabled": True, "updated": created},
            }, []
        if token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": "plan",
                "objectId": SUBSCRIPTION,
                "subscriptionId": SUBSCRIPTION,
                "tenantId": SUBSCRIPTION,
            }, []
        return {}, []


def _eks_cluster(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = inputs.get("name") or name
    issuer = f"https://oidc.eks.{m.region}.amazonaws.com/id/{_suffix(cluster).upper() * 4}"
    return {
        "name": cluster,
        "arn": m._arn("eks", f"cluster/{cluster}"),
        "endpoint": f"https://{_suffix(cluster).upper()}.gr7.{m.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": base64.b64encode(b"-----BEGIN CERTIFICATE-----").decode()},
        "identities": [{"oidcs": [{"issuer": issuer}]}],
        "vpcConfig": {
            **dict(inputs.get("vpcConfig") or {}),
            "vpcId": f"vpc-{_suffix('vpc')}",
            "clusterSecurityGroupId": f"sg-{_suffix(cluster)}",
        },
        "status": "ACTIVE",
    }


def _rds_instance(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = inputs.get("identifier") or name
    address = f"{identifier}.{_suffix(identifier)}.{m.region}.rds.amazonaws.com"
    secret = m._arn("secretsmanager", f"secret:rds!db-{_suffix(identifier)}-{_suffix(name)[:6]}")
    return {
        "address": address,
        "endpoint": f"{address}:5432",
        "port": 5432,
        "arn": m._arn("rds", f"db:{identifier}"),
        "masterUserSecrets": [
            {
                "secretArn": secret,
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ],
        "id": identifier,
    }


def _named(kind: str):
    def handler(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        real = inputs.get("name") or f"{name}-{_suffix(name)}"
        return {"name": real, "arn": m._arn("rds", f"{kind}:{real}"), "id": real}

    return handler


def _security_group(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    group = f"sg-{_suffix(name)}"
    return {"id": group, "arn": m._arn("ec2", f"security-group/{group}")}


def _flexible_server(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    server = inputs.get("serverName") or name
    return {
        "name": server,
        "fullyQualifiedDomainName": f"{server}.postgres.database.azure.com",
        "id": m._azure_id(inputs, "Microsoft.DBforPostgreSQL/flexibleServers", server),
    }


def _private_zone(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    zone = inputs.get("privateZoneName") or name
    return {"name": zone, "id": m._azure_id(inputs, "Microsoft.Network/privateDnsZones", zone)}


def _kms_key(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key_id = f"{_suffix(name)}-1234-4abc-8def-{_suffix(name + 'k')}0000"
    return {"arn": m._arn("kms", f"key/{key_id}"), "keyId": key_id, "id": key_id}


def _named_arn(service: str, kind: str, regional: bool = True):
    def handler(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        real = inputs.get("name") or f"{name}-{_suffix(name)}"
        arn = m._arn(service, f"{kind}/{real}", regional)
        return {"name": real, "arn": arn, "id": real if service == "iam" else arn}

    return handler


def _secretsmanager_secret(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or name
    arn = m._arn("secretsmanager", f"secret:{real}-{_suffix(real)[:6]}")
    return {"arn": arn, "id": arn, "name": real}


def _oidc_provider(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    url = str(inputs.get("url", "oidc.example")).removeprefix("https://")
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{url}"
    return {"arn": arn, "id": arn}


def _random_password(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"result": m._canary(name), "bcryptHash": "$2a$10$plan"}


def _random_string(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A RandomString's result is not secret (pulumi-random): a plain, deterministic value, never a
    canary, so a plan shows where it went."""
    length = int(inputs.get("length") or 16)
    digest = (_suffix(name) * (length // 8 + 1))[:length]
    return {"result": digest, "id": digest}


def _random_uuid(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(name.encode()).hexdigest()
    value = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
    return {"result": value, "id": value}


def _random_pet(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"plan-pet-{_suffix(name)}"}


def _random_id(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    digest = _suffix(name)
    return {"hex": digest, "b64Std": digest, "b64Url": digest, "dec": str(int(digest, 16)), "id": digest}


def _key_vault(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vault = inputs.get("vaultName") or name
    props = dict(inputs.get("properties") or {})
    props["vaultUri"] = f"https://{vault}.vault.azure.net/"
    return {"properties": props, "name": vault, "id": m._azure_id(inputs, "Microsoft.KeyVault/vaults", vault)}


def _key_vault_key(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vault = inputs.get("vaultName", "vault")
    key = inputs.get("keyName") or name
    uri = f"https://{vault}.vault.azure.net/keys/{key}"
    return {
        "keyUri": uri,
        "keyUriWithVersion": f"{uri}/{_suffix(key)}0123456789abcdef0123456789",
        "name": key,
        "id": m._azure_id(inputs, f"Microsoft.KeyVault/vaults/{vault}/keys", key),
    }


def _key_vault_secret(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vault = inputs.get("vaultName", "vault")
    secret = inputs.get("secretName") or name
    uri = f"https://{vault}.vault.azure.net/secrets/{secret}"
    props = dict(inputs.get("properties") or {})
    props.update({"secretUri": uri, "secretUriWithVersion": f"{uri}/{_suffix(secret)}"})
    return {
        "properties": props,
        "name": secret,
        "id": m._azure_id(inputs, f"Microsoft.KeyVault/vaults/{vault}/secrets", secret),
    }


def _managed_cluster(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = inputs.get("resourceName") or name
    profile = dict(inputs.get("oidcIssuerProfile") or {})
    profile["issuerURL"] = f"https://westeurope.oic.prod-aks.azure.com/{SUBSCRIPTION}/{_suffix(cluster)}/"
    return {
        "name": cluster,
        "oidcIssuerProfile": profile,
        "fqdn": f"{cluster}.hcp.westeurope.azmk8s.io",
        "id": m._azure_id(inputs, "Microsoft.ContainerService/managedClusters", cluster),
    }


def _identity(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    ident = inputs.get("resourceName") or name
    return {
        "principalId": f"{_suffix(ident)}-0000-4000-8000-000000000001",
        "clientId": f"{_suffix(ident)}-0000-4000-8000-000000000002",
        "tenantId": SUBSCRIPTION,
        "name": ident,
        "id": m._azure_id(inputs, "Microsoft.ManagedIdentity/userAssignedIdentities", ident),
    }


def _resource_group(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    group = inputs.get("resourceGroupName") or name
    return {"name": group, "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"}


def _log_group(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or name
    return {"name": real, "arn": m._arn("logs", f"log-group:{real}"), "id": real}


def _lambda(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or f"{name}-{_suffix(name)}"
    arn = m._arn("lambda", f"function:{real}")
    return {
        "name": real,
        "arn": arn,
        "invokeArn": arn,
        "qualifiedArn": f"{arn}:1",
        "version": "1",
        "id": real,
    }


def _sns_topic(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or f"{name}-{_suffix(name)}"
    arn = m._arn("sns", real)
    return {"name": real, "arn": arn, "id": arn}


def _s3_bucket(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # Bucket ARNs carry neither region nor account; the ID is the bucket's name.
    real = inputs.get("bucket") or f"{name}-{_suffix(name)}"
    return {"bucket": real, "arn": f"arn:aws:s3:::{real}", "id": real}


def _metric_alarm(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or f"{name}-{_suffix(name)}"
    return {"name": real, "arn": m._arn("cloudwatch", f"alarm:{real}"), "id": real}


def _helm_release(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or f"{name}-{_suffix(name)}"
    return {
        "name": real,
        "status": {
            "name": real,
            "namespace": inputs.get("namespace", "default"),
            "status": "deployed",
            "revision": 1,
        },
    }


def _named_azure(provider_type: str, name_key: str, extra=None):
    """An ARM resource named by input `name_key`: its name and id, shaped as ARM returns them."""

    def handler(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        real = inputs.get(name_key) or f"{name}-{_suffix(name)}"
        out = {"name": real, "id": m._azure_id(inputs, provider_type, real)}
        out.update(extra(real, inputs) if extra else {})
        return out

    return handler


def _vault_mount(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # Vault returns the mount's accessor (`<type>_<8 hex>`) besides the inputs; its ID is the path.
    path = str(inputs.get("path") or name)
    kind = str(inputs.get("type") or "jwt")
    return {"path": path, "accessor": f"{kind}_{_suffix(path)}", "id": path}


def _vault_kv_secret(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # KV v2: the full API path of the data, and the version the write made.
    mount, secret = inputs.get("mount", "secret"), inputs.get("name", name)
    path = f"{mount}/data/{secret}"
    return {"path": path, "metadata": {"version": "1"}, "id": path}


def _vault_named(field: str):
    def handler(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(inputs.get(field) or name)}

    return handler


def _subnet(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vnet = inputs.get("virtualNetworkName", "vnet")
    real = inputs.get("subnetName") or name
    return {
        "name": real,
        "id": m._azure_id(inputs, f"Microsoft.Network/virtualNetworks/{vnet}/subnets", real),
    }


def _web_app(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("name") or f"{name}-{_suffix(name)}"
    return {
        "name": real,
        "id": m._azure_id(inputs, "Microsoft.Web/sites", real),
        "defaultHostName": f"{real}.azurewebsites.net",
    }


def _workspace(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("workspaceName") or name
    return {
        "name": real,
        "id": m._azure_id(inputs, "Microsoft.OperationalInsights/workspaces", real),
        "customerId": f"{_suffix(real)}-0000-4000-8000-000000000006",
    }


def _storage_account(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("accountName") or name
    return {
        "name": real,
        "id": m._azure_id(inputs, "Microsoft.Storage/storageAccounts", real),
        "primaryEndpoints": {"blob": f"https://{real}.blob.core.windows.net/"},
    }


def _blob_container(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    account = inputs.get("accountName", "account")
    real = inputs.get("containerName") or name
    return {
        "name": real,
        "id": m._azure_id(
            inputs, f"Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers", real
        ),
    }


def _blob(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    account, container = inputs.get("accountName", "account"), inputs.get("containerName", "container")
    real = inputs.get("blobName") or name
    return {"name": real, "url": f"https://{account}.blob.core.windows.net/{container}/{real}"}


def _data_collection_rule(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("dataCollectionRuleName") or name
    return {
        "name": real,
        "id": m._azure_id(inputs, "Microsoft.Insights/dataCollectionRules", real),
        # Logs Ingestion API clients post to a rule by this id (`dcr-` and 32 hex digits).
        "immutableId": f"dcr-{_suffix(real) * 4}",
    }


def _data_collection_endpoint(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("dataCollectionEndpointName") or name
    host = f"{real}-{_suffix(real)[:4]}.{inputs.get('location', 'westeurope')}-1"
    return {
        "name": real,
        "id": m._azure_id(inputs, "Microsoft.Insights/dataCollectionEndpoints", real),
        "immutableId": f"dce-{_suffix(real) * 4}",
        "logsIngestion": {"endpoint": f"https://{host}.ingest.monitor.azure.com"},
        "configurationAccess": {"endpoint": f"https://{host}.handler.control.monitor.azure.com"},
    }


def _data_collection_rule_association(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    real = inputs.get("associationName") or name
    scope = inputs.get("resourceUri", "/subscriptions/x")
    return {"name": real, "id": f"{scope}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{real}"}


def _log_table(m: PlanMocks, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    workspace, real = inputs.get("workspaceName", "workspace"), inputs.get("tableName") or name
    return {
        "name": real,
        "id": m._azure_id(inputs, f"Microsoft.OperationalInsights/workspaces/{workspace}/tables", real),
    }


_HANDLERS = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:kms/key:Key": _kms_key,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/subnetGroup:SubnetGroup": _named("subgrp"),
    "aws:rds/parameterGroup:ParameterGroup": _named("pg"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "azure-native:dbforpostgresql:Server": _flexible_server,
    "azure-native:privatedns:PrivateZone": _private_zone,
    "aws:kms/alias:Alias": _named_arn("kms", "alias"),
    "aws:iam/role:Role": _named_arn("iam", "role", regional=False),
    "aws:iam/policy:Policy": _named_arn("iam", "policy", regional=False),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:secretsmanager/secret:Secret": _secretsmanager_secret,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _lambda,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:cloudtrail/trail:Trail": _named_arn("cloudtrail", "trail"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": _random_id,
    "random:index/randomString:RandomString": _random_string,
    "random:index/randomUuid:RandomUuid": _random_uuid,
    "random:index/randomPet:RandomPet": _random_pet,
    "azure-native:keyvault:Vault": _key_vault,
    "azure-native:keyvault:Key": _key_vault_key,
    "azure-native:keyvault:Secret": _key_vault_secret,
    "azure-native:containerservice:ManagedCluster": _managed_cluster,
    "azure-native:managedidentity:UserAssignedIdentity": _identity,
    "azure-native:resources:ResourceGroup": _resource_group,
    "azure-native:network:VirtualNetwork": _named_azure(
        "Microsoft.Network/virtualNetworks", "virtualNetworkName"
    ),
    "azure-native:network:Subnet": _subnet,
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:storage:BlobContainer": _blob_container,
    "azure-native:storage:Blob": _blob,
    "azure-native:web:AppServicePlan": _named_azure("Microsoft.Web/serverfarms", "name"),
    "azure-native:web:WebApp": _web_app,
    "azure-native:eventgrid:SystemTopic": _named_azure("Microsoft.EventGrid/systemTopics", "systemTopicName"),
    "azure-native:eventgrid:SystemTopicEventSubscription": _named_azure(
        "Microsoft.EventGrid/systemTopics/topic/eventSubscriptions", "eventSubscriptionName"
    ),
    "azure-native:operationalinsights:Workspace": _workspace,
    "azure-native:operationalinsights:Table": _log_table,
    "azure-native:monitor:DataCollectionRule": _data_collection_rule,
    "azure-native:monitor:DataCollectionEndpoint": _data_collection_endpoint,
    "azure-native:monitor:DataCollectionRuleAssociation": _data_collection_rule_association,
    "azure-native:monitor:ActionGroup": _named_azure("microsoft.insights/actionGroups", "actionGroupName"),
    "azure-native:monitor:ScheduledQueryRule": _named_azure(
        "microsoft.insights/scheduledqueryrules", "ruleName"
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": _named_azure(
        "Microsoft.ManagedIdentity/userAssignedIdentities/identity/federatedIdentityCredentials",
        "federatedIdentityCredentialResourceName",
    ),
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "vault:index/mount:Mount": _vault_mount,
    "vault:jwt/authBackend:AuthBackend": _vault_mount,
    "vault:kv/secretV2:SecretV2": _vault_kv_secret,
    "vault:index/policy:Policy": _vault_named("name"),
    "vault:index/audit:Audit": _vault_named("path"),
    "vault:jwt/authBackendRole:AuthBackendRole": _vault_named("roleName"),
}
