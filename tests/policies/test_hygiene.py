"""Secret-hygiene policies: plaintext secrets in pod specs, ConfigMaps, Helm values, metadata, tags."""

from __future__ import annotations

import base64
import gzip
import json

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest

from policies._support import plaintext_secret, secret_like_key, secret_like_value, shannon_entropy
from policies.hygiene import (
    AWS_EC2_USER_DATA_PLAINTEXT_SECRET,
    AWS_ECS_TASK_DEFINITION_PLAINTEXT_SECRET,
    AWS_LAMBDA_FUNCTION_ENVIRONMENT_PLAINTEXT_SECRET,
    AWS_RESOURCE_TAGS_PLAINTEXT_SECRET,
    AWS_SSM_PARAMETER_PLAINTEXT_SECRET,
    AZURE_RESOURCE_TAGS_PLAINTEXT_SECRET,
    KUBERNETES_CONFIGMAP_PLAINTEXT_SECRET,
    KUBERNETES_CONTAINER_ENV_PLAINTEXT_SECRET,
    KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET,
    KUBERNETES_METADATA_PLAINTEXT_SECRET,
)
from tests.policies.conftest import PROJECT, judge

RANDOM_TOKEN = "q8ZfK2mR7vXw4LpN9tBc3HjY6sDe1GaU"  # 32 characters drawn like a generated API key
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXltZW50cyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
SECRET_REF = {"secret_key_ref": {"name": "payments-provider-v1", "key": "api-key"}}


def _deployment(name: str, env: list[dict], args: list[str] | None = None) -> None:
    k8s.apps.v1.Deployment(
        name,
        metadata={"namespace": "payments"},
        spec={
            "selector": {"match_labels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "api", "image": "ghcr.io/example/api:1.0.0", "env": env, "args": args}
                    ]
                },
            },
        },
    )


def test_container_env_plaintext_secret() -> None:
    def body() -> None:
        token = pulumi.Config(PROJECT).require_secret("token")
        _deployment(
            "passed-1",
            [{"name": "LOG_LEVEL", "value": "info"}, {"name": "API_KEY", "value_from": SECRET_REF}],
        )
        _deployment("passed-2", [{"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db/password"}])
        _deployment("passed-3", [{"name": "IMAGE", "value": "ghcr.io/example/payments-api:2.4.1"}])
        _deployment("failed-1", [{"name": "DB_PASSWORD", "value": "hunter2hunter2"}])
        _deployment("failed-2", [{"name": "API_TOKEN", "value": token}])
        _deployment("failed-3", [{"name": "SESSION", "value": RANDOM_TOKEN}])
        _deployment("failed-4", [], args=["--listen=:8080", "--db-password=correct-horse"])
        _deployment("failed-6", [], args=["--listen", ":8080", "--db-password", "correct-horse"])
        _deployment("failed-7", [], args=["sh", "-c", "exec app --token 'correct-horse-battery' --port 8080"])
        _deployment("failed-8", [], args=["DB_PASSWORD=correct-horse"])
        _deployment(
            "failed-9", [], args=["curl", "-H", f"Authorization: Bearer {RANDOM_TOKEN[:20]}", "http://x"]
        )
        _probed_deployment(
            "failed-10",
            {"http_get": {"port": 8080, "http_headers": [{"name": "X-Api-Key", "value": "abcd1234efgh"}]}},
        )
        _probed_deployment("failed-11", {"exec": {"command": ["check", "--password=hunter22"]}})
        _probed_deployment("passed-4", {"http_get": {"port": 8080, "path": "/healthz"}})
        k8s.batch.v1.CronJob(
            "failed-5",
            spec={
                "schedule": "0 * * * *",
                "job_template": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restart_policy": "Never",
                                "containers": [
                                    {
                                        "name": "c",
                                        "image": "busybox",
                                        "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x" * 8}],
                                    }
                                ],
                            }
                        }
                    }
                },
            },
        )

    found = judge(KUBERNETES_CONTAINER_ENV_PLAINTEXT_SECRET, body)
    assert "containers[0].env[0]" in found["failed-1"][0], "the message names the variable by its path"
    assert "DB_PASSWORD" not in found["failed-1"][0], "no text of the spec is repeated"
    assert any("readinessProbe.httpGet.httpHeaders[0]" in m for m in found["failed-10"]), found["failed-10"]


def _probed_deployment(name: str, probe: dict) -> None:
    k8s.apps.v1.Deployment(
        name,
        metadata={"namespace": "payments"},
        spec={
            "selector": {"match_labels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "api", "image": "api:1", "readiness_probe": probe}]},
            },
        },
    )


def test_configmap_plaintext_secret() -> None:
    def body() -> None:
        k8s.core.v1.ConfigMap(
            "passed-1", data={"LOG_LEVEL": "info", "app.properties": "db.url=postgres://db:5432/app\n"}
        )
        k8s.core.v1.ConfigMap("failed-1", data={"client_secret": "s3cr3t-value"})
        k8s.core.v1.ConfigMap(
            "failed-2", data={"app.properties": "db.url=postgres://db/app\ndb.password=hunter22\n"}
        )
        k8s.core.v1.ConfigMap("failed-3", data={"key.pem": "-----BEGIN PRIVATE KEY-----\nMIIE...\n"})
        k8s.core.v1.ConfigMap(
            "passed-2", data={"ca.crt": "-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n"}
        )
        k8s.core.v1.ConfigMap(
            "passed-3", binary_data={"logo.png": base64.b64encode(bytes(range(256))).decode()}
        )
        k8s.core.v1.ConfigMap(
            "failed-4",
            binary_data={"signing": base64.b64encode(b"-----BEGIN EC PRIVATE KEY-----\nMHc\n").decode()},
        )
        k8s.core.v1.ConfigMap("failed-5", data={"session": JWT})
        k8s.core.v1.ConfigMap(
            "failed-6", data={"registry.json": json.dumps({"auths": {"ghcr.io": {"auth": "dTpw"}}})}
        )
        k8s.core.v1.ConfigMap("failed-7", data={"release.asc": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ"})
        k8s.core.v1.ConfigMap("failed-8", data={"id_ed25519": "b3BlbnNzaC1rZXk"})
        k8s.core.v1.ConfigMap(
            "failed-9", data={"nested": base64.b64encode(b"-----BEGIN OPENSSH PRIVATE KEY-----").decode()}
        )
        k8s.core.v1.ConfigMap(
            "failed-10",
            binary_data={"app.env": base64.b64encode(b"DB_PASSWORD=hunter22\nLOG=info\n").decode()},
        )

    judge(KUBERNETES_CONFIGMAP_PLAINTEXT_SECRET, body)


def test_helm_release_values_plaintext_secret() -> None:
    def body() -> None:
        k8s.helm.v3.Release(
            "passed-1",
            chart="charts/bff",
            values={"secret": {"existingSecret": "bff-secret-values-v1", "cmsToken": ""}, "replicaCount": 2},
        )
        k8s.helm.v3.Release(
            "failed-1", chart="charts/bff", values={"secret": {"cmsToken": "static-token-123"}}
        )
        k8s.helm.v3.Release("failed-2", chart="postgresql", values={"auth": {"postgresPassword": "hunter22"}})
        k8s.helm.v3.Release(
            "failed-3", chart="x", values={"extraEnv": [{"name": "X", "value": RANDOM_TOKEN}]}
        )

    judge(KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET, body)


def test_helm_release_values_allow_list() -> None:
    def body() -> None:
        k8s.helm.v3.Release("passed-1", chart="x", values={"secret": {"cmsToken": "delivered-as-override"}})
        k8s.helm.v3.Release("failed-1", chart="x", values={"auth": {"password": "hunter22"}})

    judge(KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET, body, {"allowList": ["secret.cmsToken"]})


def test_metadata_plaintext_secret() -> None:
    def body() -> None:
        k8s.core.v1.Secret(
            "passed-1",
            metadata={
                "labels": {
                    "app.kubernetes.io/managed-by": "secrets-platform",
                    "secrets-platform/secret": "payments-db",
                },
                "annotations": {"secrets-platform/rotation-days": "30"},
            },
        )
        k8s.core.v1.Service("failed-1", metadata={"annotations": {"example.com/api-key": "abc123def456"}})
        _annotated_deployment("failed-2", {"vault.example.com/token": RANDOM_TOKEN})

    judge(KUBERNETES_METADATA_PLAINTEXT_SECRET, body)


def _annotated_deployment(name: str, annotations: dict) -> None:
    k8s.apps.v1.Deployment(
        name,
        spec={
            "selector": {"match_labels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    )


def test_aws_resource_tags_plaintext_secret() -> None:
    def body() -> None:
        aws.sns.Topic("passed-1", tags={"team": "platform", "secret-name": "payments-db"})
        aws.sns.Topic("failed-1", tags={"deploy-token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"})
        aws.sns.Topic("failed-2", tags={"owner": "AKIAIOSFODNN7EXAMPLE"})

    judge(AWS_RESOURCE_TAGS_PLAINTEXT_SECRET, body)


def test_azure_resource_tags_plaintext_secret() -> None:
    def body() -> None:
        azure_native.resources.ResourceGroup("passed-1", tags={"environment": "prod"})
        azure_native.resources.ResourceGroup("failed-1", tags={"adminPassword": "P@ssw0rd-2024"})

    judge(AZURE_RESOURCE_TAGS_PLAINTEXT_SECRET, body)


def _function(name: str, variables: dict) -> None:
    aws.lambda_.Function(
        name,
        role="arn:aws:iam::111122223333:role/rotation",
        package_type="Image",
        image_uri="111122223333.dkr.ecr.eu-west-1.amazonaws.com/rotate:1",
        environment={"variables": variables},
    )


def test_lambda_function_environment_plaintext_secret() -> None:
    def body() -> None:
        _function(
            "passed-1", {"SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"}
        )
        _function("failed-1", {"DB_PASSWORD": "hunter22"})

    judge(AWS_LAMBDA_FUNCTION_ENVIRONMENT_PLAINTEXT_SECRET, body)


def test_ssm_parameter_plaintext_secret() -> None:
    def body() -> None:
        password = random.RandomPassword("db", length=32)
        aws.ssm.Parameter(
            "passed-1", name="/payments/db-password", type="SecureString", value=password.result
        )
        aws.ssm.Parameter("passed-2", name="/payments/log-level", type="String", value="info")
        aws.ssm.Parameter(
            "passed-3",
            name="/payments/db-password-secret-arn",
            type="String",
            value="arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
        )
        aws.ssm.Parameter(
            "passed-4", name="/payments/regions", type="StringList", value="eu-west-1,eu-central-1"
        )
        # Named as a secret: caught whatever the value, a generated one (unknown in a preview) too.
        aws.ssm.Parameter("failed-1", name="/payments/db-password", type="String", value=password.result)
        aws.ssm.Parameter("failed-2", name="/payments/api-key", type="String", insecure_value="k-1234567890")
        # An innocent name, a value shaped like a secret: by the value, in a list item too.
        aws.ssm.Parameter("failed-3", name="/payments/settings", type="String", value=RANDOM_TOKEN)
        aws.ssm.Parameter("failed-4", name="/payments/upstreams", type="StringList", value=f"eu-west-1,{JWT}")
        aws.ssm.Parameter(
            "failed-5", name="/payments/dsn", type="String", value="postgres://app:hunter22@db:5432/app"
        )
        aws.ssm.Parameter("passed-5", type="String", value="info")  # auto-named after the resource
        # Without a name the provider names the parameter after the resource: `failed-6-db-password`.
        aws.ssm.Parameter("failed-6-db-password", type="String", value="correct-horse-9")

    judge(AWS_SSM_PARAMETER_PLAINTEXT_SECRET, body)


def test_ssm_parameter_plaintext_secret_allow_list_names_a_delivered_parameter() -> None:
    def body() -> None:
        aws.ssm.Parameter("passed-1", name="/bootstrap/initial-token", type="String", value="one-time-join")
        aws.ssm.Parameter("failed-1", name="/bootstrap/admin-password", type="String", value="letmein-1")

    judge(AWS_SSM_PARAMETER_PLAINTEXT_SECRET, body, {"allowList": ["initial-token"]})


def _task(name: str, **container: object) -> None:
    aws.ecs.TaskDefinition(
        name,
        family=name,
        container_definitions=json.dumps([{"name": "app", "image": "example/app:1", **container}]),
    )


def test_ecs_task_definition_plaintext_secret() -> None:
    def body() -> None:
        _task(
            "passed-1",
            environment=[{"name": "LOG_LEVEL", "value": "info"}],
            secrets=[
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db",
                }
            ],
        )
        _task("passed-2", command=["serve", "--port", "8080"], dockerLabels={"team": "payments"})
        _task("failed-1", environment=[{"name": "DB_PASSWORD", "value": "hunter22"}])
        _task("failed-2", environment=[{"name": "UPSTREAM", "value": RANDOM_TOKEN}])
        _task("failed-3", command=["sh", "-c", "app --api-key k-1234567890 serve"])
        _task("failed-4", entryPoint=["app", f"--token={JWT}"])
        _task("failed-5", dockerLabels={"oauthClientSecret": "s3cr3t-value"})

    judge(AWS_ECS_TASK_DEFINITION_PLAINTEXT_SECRET, body)


SCRIPT = "#!/bin/bash\nset -eu\nexport REGION=eu-west-1\nyum install -y app\n"


def _instance(kind: type, name: str, **user_data: str) -> None:
    machine = {"image_id" if kind is aws.ec2.LaunchConfiguration else "ami": "ami-0123456789abcdef0"}
    kind(name, instance_type="t3.micro", **machine, **user_data)


def test_ec2_user_data_plaintext_secret() -> None:
    def b64(text: str, *, gzipped: bool = False) -> str:
        data = gzip.compress(text.encode()) if gzipped else text.encode()
        return base64.b64encode(data).decode()

    def body() -> None:
        _instance(aws.ec2.Instance, "passed-1", user_data=SCRIPT)
        aws.ec2.LaunchTemplate("passed-2", user_data=b64(SCRIPT + "app --config /etc/app.yaml\n"))
        _instance(aws.ec2.Instance, "passed-3", user_data_base64=b64(SCRIPT, gzipped=True))
        _instance(aws.ec2.Instance, "failed-1", user_data=SCRIPT + "export DB_PASSWORD=hunter22\n")
        _instance(
            aws.ec2.Instance, "failed-2", user_data_base64=b64(SCRIPT + "app --api-key k-1234567890 serve\n")
        )
        aws.ec2.LaunchTemplate("failed-3", user_data=b64(SCRIPT + f"echo {RANDOM_TOKEN} > /etc/app/token\n"))
        aws.ec2.LaunchTemplate(
            "failed-4",
            user_data=b64(
                SCRIPT + "cat > /root/.ssh/id_rsa <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nEOF\n"
            ),
        )
        _instance(
            aws.ec2.LaunchConfiguration, "failed-5", user_data=SCRIPT + "export API_TOKEN=tok-1234567890\n"
        )
        _instance(
            aws.ec2.SpotInstanceRequest,
            "failed-6",
            user_data_base64=b64("export DB_PASSWORD=hunter22\n", gzipped=True),
        )

    judge(AWS_EC2_USER_DATA_PLAINTEXT_SECRET, body)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("DB_PASSWORD", True),
        ("oauthClientSecret", True),
        ("api-key", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("secretName", False),
        ("existingSecret", False),
        ("tokenTTL", False),
        ("secrets-platform/rotation-days", False),
        ("password_file", False),
    ],
)
def test_secret_like_key(key: str, expected: bool) -> None:
    assert secret_like_key(key) is expected, key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (RANDOM_TOKEN, True),
        ("-----BEGIN RSA PRIVATE KEY-----", True),
        ("postgres://app:hunter22@db:5432/app", True),
        ("ghcr.io/example/payments-api:2.4.1", False),
        ("3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", False),
        ("subnet-0a1b2c3d4e5f60718", False),
        ("sha256:4f8a1e0c9b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19", False),
        ("/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", False),
    ],
)
def test_secret_like_value(value: str, expected: bool) -> None:
    assert secret_like_value(value, entropy_threshold=4.0, min_length=24) is expected, value


def test_entropy_threshold_and_references() -> None:
    assert shannon_entropy("aaaa") == 0 and round(shannon_entropy("abcd"), 3) == 2
    assert not plaintext_secret("token", "${TOKEN}", entropy_threshold=4.0, min_length=24)
    assert not plaintext_secret("SESSION", RANDOM_TOKEN, entropy_threshold=5.5, min_length=24)
