"""The pack's conventions: names, descriptions, levels, config defaults, imports, and unknown values."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE

import policies
from offline.runtime import Capture, Registration
from policies import ALL_POLICIES
from tests.conftest import ROOT
from tests.policies.conftest import options, resource_args, stack_args

PACK = ROOT / "policies"
NAME = re.compile(r"^(aws|azure|kubernetes|random|stack|vault)-[a-z0-9]+(-[a-z0-9]+)+$")
TYPES = sorted(
    {
        "aws:eks/cluster:Cluster",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:kms/grant:Grant",
        "aws:lambda/functionUrl:FunctionUrl",
        "aws:lambda/permission:Permission",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:kms/key:Key",
        "aws:iam/role:Role",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:lambda/function:Function",
        "aws:ssm/parameter:Parameter",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:ec2/instance:Instance",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:sns/topic:Topic",
        "aws:cloudtrail/trail:Trail",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        "azure-native:authorization:RoleAssignment",
        "azure-native:containerservice:ManagedCluster",
        "azure-native:keyvault:Key",
        "azure-native:keyvault:Secret",
        "azure-native:keyvault:Vault",
        "azure-native:monitor:DiagnosticSetting",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:batch/v1:CronJob",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:SecretPatch",
        "kubernetes:core/v1:Pod",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:yaml/v2:ConfigGroup",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:external-secrets.io/v1:ExternalSecret",
        "kubernetes:external-secrets.io/v1:SecretStore",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomBytes:RandomBytes",
        "random:index/randomString:RandomString",
        "vault:index/audit:Audit",
        "vault:index/mount:Mount",
        "vault:index/policy:Policy",
        "vault:jwt/authBackend:AuthBackend",
        "vault:jwt/authBackendRole:AuthBackendRole",
        "vault:kubernetes/authBackendRole:AuthBackendRole",
        "vault:kv/secretBackendV2:SecretBackendV2",
        "vault:kv/secretV2:SecretV2",
    }
)
"""Every type some policy judges by its inputs."""
FORBIDDEN_TYPES = {
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": "kubernetes-clustersecretstore-forbidden",
    "azure-native:keyvault:AccessPolicy": "azure-keyvault-vault-rbac",
}
"""Types whose mere presence is the violation, whatever their inputs, and the policy that says so."""


def test_every_policy_is_named_domain_resource_property_and_unique() -> None:
    names = [p.name for p in ALL_POLICIES]
    assert len(names) == len(set(names)), "policy names must be unique"
    for name in names:
        assert NAME.match(name), f"{name} is not <domain>-<resource>-<property> in kebab case"


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy: ResourceValidationPolicy | StackValidationPolicy) -> None:
    assert policy.description.endswith(".") and policy.description.count(". ") == 0, (
        f"{policy.name}: the description must be one sentence"
    )
    assert " must " in policy.description, f"{policy.name}: the description must read 'X must Y'"
    assert policy.enforcement_level is not None, f"{policy.name} has no enforcement level"
    assert policy.remediation_steps, f"{policy.name} has no remediation steps"
    assert policy.severity is not None, f"{policy.name} has no severity"
    assert policy.config_schema is not None, f"{policy.name} has no config schema"
    properties = policy.config_schema.properties
    defaults = {k: v["default"] for k, v in properties.items() if "default" in v}
    assert set(defaults) == set(properties), f"{policy.name}: every config property needs a default"
    jsonschema.validate(defaults, {"type": "object", "properties": properties})


def test_policies_import_without_starting_the_pack_and_never_import_components_or_offline() -> None:
    started = subprocess.run(
        [sys.executable, "-c", "import policies, sys; assert 'policies.__main__' not in sys.modules"],
        cwd=ROOT,
        timeout=30,
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    for path in sorted(PACK.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for module in modules:
                assert module.split(".")[0] not in ("components", "offline", "config"), (
                    f"{path.name} imports {module}: the pack must run unchanged under pulumi preview"
                )


def test_all_policies_is_every_module_list() -> None:
    modules = [path.stem for path in PACK.glob("*.py") if not path.stem.startswith("_")]
    modules += [
        path.name for path in PACK.iterdir() if (path / "__init__.py").exists() and path.name != "config"
    ]
    assert sorted(m.__name__.split(".")[-1] for m in policies.CONCERNS) == sorted(modules), (
        "a module is missing"
    )
    assert [p for m in policies.CONCERNS for p in m.POLICIES] == ALL_POLICIES
    package = policies.least_privilege
    assert [p for m in package.MODULES for p in m.POLICIES] == package.POLICIES
    assert {m.__name__.rsplit(".", 1)[-1] for m in package.MODULES} == {
        path.stem for path in (PACK / "least_privilege").glob("*.py") if not path.stem.startswith("_")
    }


def _registration(resource_type: str, inputs: dict) -> Registration:
    return Registration(
        type=resource_type,
        name="r",
        urn=f"urn:pulumi:t::p::{resource_type}::r",
        parent="",
        custom=True,
        provider="",
        inputs=inputs,
        secret_paths=[],
        unknown_paths=[],
        options={"protect": True},
        dependencies=[],
        property_dependencies={},
    )


UNKNOWN_INPUTS = {
    key: UNKNOWN_OBJECT_VALUE
    for key in (
        "metadata",
        "spec",
        "rules",
        "subjects",
        "roleRef",
        "properties",
        "rotationRules",
        "keepers",
        "values",
        "data",
        "tags",
        "environment",
        "securityProfile",
        "encryptionConfig",
        "inlinePolicies",
        "logs",
        "binaryData",
        "aggregationRule",
        "objs",
        "aadProfile",
        "apiServerAccessProfile",
        "vpcConfig",
        "eventSelectors",
        "advancedEventSelectors",
        "managedPolicyArns",
        "policyArns",
        "kubernetesGroups",
    )
} | {
    key: UNKNOWN_STRING_VALUE
    for key in (
        "policy",
        "assumeRolePolicy",
        "scope",
        "principalId",
        "kmsKeyId",
        "enableKeyRotation",
        "secretId",
        "kmsMasterKeyId",
        "kmsKeyArn",
        "enableLogFileValidation",
        "isMultiRegionTrail",
        "recoveryWindowInDays",
        "bucket",
        "resourceUri",
        # Vault
        "policy",
        "boundAudiences",
        "boundSubject",
        "boundClaims",
        "boundServiceAccountNames",
        "boundServiceAccountNamespaces",
        "tokenTtl",
        "replicas",
        "granteePrincipal",
        "operations",
        "enabledClusterLogTypes",
        "tokenMaxTtl",
        "tokenExplicitMaxTtl",
        "tokenPeriod",
        "options",
        "maxVersions",
        "deleteVersionAfter",
        "customMetadata",
        "mount",
        "type",
        "yaml",
        "policyArn",
        "principalArn",
        "principal",
        "functionUrlAuthType",
        "authorizationType",
        "enableLogging",
        "disableLocalAccounts",
        "enableRBAC",
        "roleDefinitionId",
        "principalType",
        "length",
        "upper",
        "lower",
        "numeric",
        "number",
        "special",
        "overrideSpecial",
        "name",
        "value",
        "insecureValue",
        "containerDefinitions",
        "userData",
        "userDataBase64",
    )
}


@pytest.mark.parametrize("inputs", [{}, UNKNOWN_INPUTS], ids=["missing", "unknown"])
def test_validators_tolerate_missing_and_unknown_values(inputs: dict) -> None:
    registrations = [_registration(t, dict(inputs)) for t in TYPES]
    for policy in ALL_POLICIES:
        messages: list[str] = []
        report = messages.append
        if isinstance(policy, ResourceValidationPolicy):
            for reg in registrations:
                policy.validate(resource_args(reg), lambda m, urn=None, report=report: report(m))
        else:
            policy.validate(
                stack_args(Capture(resources=registrations)), lambda m, urn=None, report=report: report(m)
            )
        if inputs:
            # Unknown values are "cannot judge yet", never a violation (the protect option is known).
            assert messages == [], f"{policy.name} reported on unknown values: {messages}"
    assert options(registrations[0]).protect is True


@pytest.mark.parametrize("inputs", [{}, UNKNOWN_INPUTS], ids=["missing", "unknown"])
def test_forbidden_types_are_reported_whatever_their_inputs(inputs: dict) -> None:
    for resource_type, expected in FORBIDDEN_TYPES.items():
        reg = _registration(resource_type, dict(inputs))
        found = set()
        for policy in ALL_POLICIES:
            if not isinstance(policy, ResourceValidationPolicy):
                continue
            messages: list[str] = []
            policy.validate(resource_args(reg), lambda m, urn=None, report=messages.append: report(m))
            if messages:
                found.add(policy.name)
        assert found == {expected}, f"{resource_type}: {found}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_policy_config_names_real_policies_and_properties(stack: str) -> None:
    doc = json.loads((PACK / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    by_name = {p.name: p for p in ALL_POLICIES}
    for name, entry in doc.items():
        assert name == "all" or name in by_name, f"{stack}.json: {name} is not a policy"
        if isinstance(entry, dict):
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            schema = by_name[name].config_schema
            jsonschema.validate(
                properties,
                {
                    "type": "object",
                    "properties": schema.properties if schema else {},
                    "additionalProperties": False,
                },
            )


def test_pack_entry_point_and_project_file() -> None:
    project = (PACK / "PulumiPolicy.yaml").read_text(encoding="utf-8")
    assert "name: python" in project and "virtualenv: ../.venv" in project
    assert (PACK / "../.venv/bin/python").exists(), "the virtualenv named in PulumiPolicy.yaml exists"
    main = (PACK / "__main__.py").read_text(encoding="utf-8")
    assert "PolicyPack(" in main and "from policies import ALL_POLICIES" in main
    assert Path(policies.__file__).parent == PACK
