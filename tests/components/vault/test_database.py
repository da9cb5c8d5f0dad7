"""Vault's database engine as the plan declares it, against a real PostgreSQL and a real OpenBao.

The plan's database mount, connection and role are applied to OpenBao with two substitutions (the
connection goes to the local PostgreSQL, with its real admin password). orders-api logs in as its
sync identity and reads credentials; they log in to PostgreSQL with exactly the group role's
privileges; payments-api gets 403; revoking the lease drops the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hvac
import hvac.exceptions
import psycopg
import pytest

from components.vault.paths import auth_role_name, sync_service_account_name
from offline.runtime import Capture
from tests.components.vault._openbao import DatabaseTarget, OpenBao, Replay, TestIssuer, apply_plan
from tests.components.vault._postgres import Postgres, postgres_server

CLUSTER = "secrets-dev"
CREDS = "secrets-platform-database/creds/secrets-dev-orders-db-credentials"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    yield from postgres_server()


@dataclass
class Applied:
    server: OpenBao
    replay: Replay
    issuer: TestIssuer
    postgres: Postgres

    def login(self, namespace: str, workload: str) -> hvac.Client:
        account = sync_service_account_name(workload)
        client = hvac.Client(url=self.server.address)
        client.auth.jwt.jwt_login(
            role=auth_role_name(CLUSTER, account),
            jwt=self.issuer.token(namespace, account, "vault"),
            path=self.replay.auth_mount,
        )
        return client


def _prepare(postgres: Postgres, admin_password: str) -> None:
    """The database as its owners set it up: Vault's admin, the app's group role and its grants."""
    with psycopg.connect(postgres.dsn(postgres.admin, postgres.admin_password), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE vault_admin WITH LOGIN CREATEROLE PASSWORD '{admin_password}'")
        conn.execute("CREATE ROLE orders_app NOLOGIN")
        # PostgreSQL 16+: granting a role needs ADMIN OPTION on it (CREATEROLE alone no longer does).
        conn.execute("GRANT orders_app TO vault_admin WITH ADMIN OPTION")
        conn.execute("CREATE TABLE orders (id int)")
        conn.execute("INSERT INTO orders VALUES (1), (2)")
        conn.execute("GRANT SELECT ON orders TO orders_app")
        conn.execute("CREATE TABLE payments (id int)")


@pytest.fixture(scope="module")
def applied(openbao: OpenBao, postgres: Postgres, aws_vault_capture: Capture) -> Applied:
    admin_password = "vault-admin-" + postgres.admin_password[:12]
    _prepare(postgres, admin_password)
    resources = aws_vault_capture.resources
    (connection,) = [
        r for r in resources if r.type == "vault:database/secretBackendConnection:SecretBackendConnection"
    ]
    planned_url = connection.inputs["postgresql"]["connectionUrl"]
    assert planned_url.startswith("postgresql://{{username}}:{{password}}@orders-db.internal:5432/orders")
    target = DatabaseTarget(
        connection_url=f"postgresql://{{{{username}}}}:{{{{password}}}}@{postgres.host}:{postgres.port}/postgres?sslmode=disable",
        password=admin_password,
    )
    issuer = TestIssuer(
        next(r.inputs["boundIssuer"] for r in resources if r.type == "vault:jwt/authBackend:AuthBackend")
    )
    replay = apply_plan(
        openbao.client(),
        resources,
        issuer,
        openbao.directory / "audit-db.log",
        databases={"orders-db": target},
    )
    return Applied(server=openbao, replay=replay, issuer=issuer, postgres=postgres)


def test_the_workload_gets_credentials_that_log_in_with_exactly_the_group_roles_privileges(
    applied: Applied,
) -> None:
    response = applied.login("orders", "orders-api").read(CREDS)
    assert response["lease_duration"] == 3600, "defaultTtlSeconds of the database"
    username, password = response["data"]["username"], response["data"]["password"]
    with psycopg.connect(applied.postgres.dsn(username, password)) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (2,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM payments")
    with psycopg.connect(
        applied.postgres.dsn(applied.postgres.admin, applied.postgres.admin_password)
    ) as conn:
        valid_until = conn.execute(
            "SELECT rolvaliduntil FROM pg_roles WHERE rolname = %s", (username,)
        ).fetchone()
        assert valid_until is not None and valid_until[0] is not None, "the user expires with its lease"


def test_another_workload_gets_403_on_the_credentials(applied: Applied) -> None:
    with pytest.raises(hvac.exceptions.Forbidden):
        applied.login("payments", "payments-api").read(CREDS)


def test_a_revoked_lease_drops_the_user(applied: Applied) -> None:
    response = applied.login("orders", "orders-api").read(CREDS)
    username, password = response["data"]["username"], response["data"]["password"]
    applied.server.client().sys.revoke_lease(response["lease_id"])
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(applied.postgres.dsn(username, password)).close()
    with psycopg.connect(
        applied.postgres.dsn(applied.postgres.admin, applied.postgres.admin_password)
    ) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,)).fetchone() is None


def test_each_read_issues_a_new_user_and_the_audit_log_never_holds_a_password(applied: Applied) -> None:
    client = applied.login("orders", "orders-api")
    first, second = client.read(CREDS)["data"], client.read(CREDS)["data"]
    assert first["username"] != second["username"] and first["password"] != second["password"]
    text = Path(applied.replay.audit_log).read_text(encoding="utf-8")
    for value in (first["password"], second["password"]):
        assert value not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert any(e["type"] == "response" and e["request"]["path"] == CREDS for e in entries)
