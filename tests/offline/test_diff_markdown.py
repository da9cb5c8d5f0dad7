"""The pull request comment: security first, resources folded, and no security section ever cut."""

from __future__ import annotations

import pytest

from offline.diff import (
    AccessChange,
    Action,
    Change,
    Diff,
    PropertyChange,
    Reason,
    ResourceChange,
    SecretChange,
    Verdict,
    ViolationChange,
    render_markdown,
)

SECTIONS = ("#### Secret values", "#### Access to secrets", "#### Policy violations", "#### Resources")


def _diff(resources: int = 3, rows: int = 2) -> Diff:
    changes = [
        ResourceChange(
            Action.UPDATE,
            f"urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::app-{i}",
            "kubernetes:apps/v1:Deployment",
            f"app-{i}",
            True,
            properties=[
                PropertyChange(f"spec.template.spec.containers[0].env[{j}].value", "a" * 60, "b" * 60)
                for j in range(30)
            ],
        )
        for i in range(resources)
    ]
    secret = ResourceChange(
        Action.REPLACE,
        "urn:pulumi:dev::p::kubernetes:core/v1:Secret::payments",
        "kubernetes:core/v1:Secret",
        "payments",
        True,
        secrets=[
            SecretChange("stringData.api-key", Verdict.CHANGED, "`secrets-platform:key` has a new ciphertext")
        ],
        reasons=[Reason("stringData", "Secret data and type are replaced, never updated")],
    )
    return Diff(
        stack="dev",
        base_label="main",
        head_label="working tree",
        mode="base",
        resources=[secret, *changes],
        unchanged=10,
        access=[
            AccessChange(
                Change.GAINS, f"payments/secret-{i}", "workload", f"ns/reader-{i}", "RoleBinding x", ("get",)
            )
            for i in range(rows)
        ],
        violations=[
            ViolationChange(
                Change.INTRODUCED,
                "kubernetes-role-wildcards",
                "mandatory",
                f"urn:pulumi:dev::p::t::r{i}",
                "m" * 80,
            )
            for i in range(rows)
        ],
    )


def test_security_sections_come_before_the_resources_and_details_are_folded() -> None:
    text = render_markdown(_diff())
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions), "secrets, access and policies come before the resources"
    assert (
        "Security: 1 secret input change(s), 2 access change(s), 2 violation(s) introduced (2 mandatory)"
        in text
    )
    assert text.count("<details><summary>") == 4 and text.count("</details>") == 4
    assert "<details><summary><code>+-</code> replace <code>payments</code>" in text
    assert text.index("#### Resources") < text.index("<details>")


@pytest.mark.parametrize("limit", [60_000, 8_000, 3_000, 1_500])
def test_no_limit_drops_a_security_section(limit: int) -> None:
    text = render_markdown(_diff(resources=60, rows=300), limit=limit)
    for section in SECTIONS[:3]:
        assert section in text, f"{section} dropped at --max-chars {limit}"
    if limit <= 8_000:
        assert "more |" in text, "long tables say how many rows they left out"
    assert len(text) <= limit or limit < 2_000


def test_details_go_before_the_tables_are_shortened() -> None:
    full = render_markdown(_diff(resources=5, rows=5))
    assert "resource detail(s) left out" not in full
    short = render_markdown(_diff(resources=5, rows=5), limit=len(full) - 2_000)
    assert "resource detail(s) left out" in short
    assert "| … and" not in short, "tables are whole while dropping details suffices"


def test_access_changes_are_drawn_gains_solid_and_losses_dashed() -> None:
    diff = _diff(rows=1)
    diff.access.append(
        AccessChange(Change.LOSES, "payments/old", "group", "ops-readers", "RoleBinding y", ("get", "list"))
    )
    text = render_markdown(diff)
    section = text[text.index("#### Access to secrets") : text.index("#### Policy violations")]
    graph = section[
        section.index("```mermaid\n") + len("```mermaid\n") : section.index(
            "\n```", section.index("```mermaid")
        )
    ]
    assert graph.startswith("flowchart LR")
    edges = [line.strip() for line in graph.splitlines() if "->" in line]
    labelled = {line.split("|")[1] for line in edges if "|" in line}
    assert labelled == {'"+ get"', '"- get, list"'}
    gained = next(line for line in edges if '"+ get"' in line)
    lost = next(line for line in edges if '"- get, list"' in line)
    assert " --> " not in lost and "-.->" in lost, "a lost path is dashed"
    assert "-->" in gained and "-.->" not in gained
    assert "ns/reader-0" in graph and "ops-readers" in graph and "payments/old" in graph
    assert section.index("```mermaid") < section.index("| gains |"), "the picture, then the table"


def test_access_graph_stays_out_when_the_access_table_is_shortened() -> None:
    text = render_markdown(_diff(resources=60, rows=300), limit=8_000)
    assert "```mermaid" not in text and "#### Access to secrets" in text


def test_access_changes_are_drawn_in_the_layer_where_the_secret_lives() -> None:
    diff = _diff(rows=1)
    diff.access.append(
        AccessChange(
            Change.GAINS,
            "secrets-dev/orders-queue",
            "controller",
            "external-secrets/external-secrets",
            "SecretStore orders/orders-secrets-manager",
            ("GetSecretValue",),
            "secrets-manager",
        )
    )
    text = render_markdown(diff)
    graph = text[text.index("```mermaid") : text.index("```", text.index("```mermaid") + 3)]
    store = graph[graph.index('subgraph secrets_manager["AWS Secrets Manager"]') :]
    assert "secrets-dev/orders-queue" in store[: store.index("  end")]
    kubernetes = graph[graph.index('subgraph kubernetes["Kubernetes Secrets"]') :]
    assert "secrets-dev/orders-queue" not in kubernetes[: kubernetes.index("  end")]
