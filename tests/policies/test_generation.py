"""Generated secrets: strong enough, and never from a generator whose result is plain text."""

from __future__ import annotations

import math

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest

from policies.generation import RANDOM_PASSWORD_STRENGTH, RANDOM_STRING_SECRET_USE, password_bits
from tests.policies.conftest import judge

KEEPERS = {"version": "1"}


@pytest.mark.parametrize(
    ("props", "bits"),
    [
        ({"length": 32}, 32 * math.log2(26 + 26 + 10 + 21)),  # the 21 default special characters
        ({"length": 32, "special": False}, 32 * math.log2(62)),
        ({"length": 16, "upper": False, "numeric": False, "special": False}, 16 * math.log2(26)),
        (
            {"length": 20, "special": True, "overrideSpecial": "!!"},
            20 * math.log2(63),
        ),  # one distinct special
        ({"length": 12, "number": False, "upper": False, "special": False}, 12 * math.log2(26)),
    ],
)
def test_password_bits(props: dict, bits: float) -> None:
    assert password_bits(props) == pytest.approx(bits, rel=1e-3)


def test_random_password_strength() -> None:
    def body() -> None:
        random.RandomPassword("passed-1", length=32, special=False, keepers=KEEPERS)
        random.RandomPassword(
            "passed-2", length=28, upper=False, numeric=False, special=False, keepers=KEEPERS
        )
        random.RandomBytes("passed-3", length=32, keepers=KEEPERS)
        random.RandomPassword("failed-1", length=12, keepers=KEEPERS)
        random.RandomPassword("failed-2", length=30, upper=False, lower=False, special=False, keepers=KEEPERS)
        random.RandomPassword(
            "failed-3", length=16, upper=False, numeric=False, special=False, keepers=KEEPERS
        )
        random.RandomBytes("failed-4", length=8, keepers=KEEPERS)

    judge(RANDOM_PASSWORD_STRENGTH, body)


def test_random_string_never_feeds_a_secret() -> None:
    def body() -> None:
        suffix = random.RandomString("passed-1", length=8, special=False)
        aws.s3.Bucket("named", bucket=suffix.result.apply(lambda s: f"audit-{s}"))
        password = random.RandomPassword("passed-2", length=32, keepers=KEEPERS)
        k8s.core.v1.Secret("good", string_data={"password": password.result})
        token = random.RandomString("failed-1", length=48)
        k8s.core.v1.Secret("bad", string_data={"token": token.result})
        pet = random.RandomPet("failed-2")
        aws.rds.Instance(
            "db",
            instance_class="db.t4g.micro",
            engine="postgres",
            allocated_storage=20,
            username="app",
            password=pulumi.Output.secret(pet.id),
        )
        uuid = random.RandomUuid("failed-3")
        aws.secretsmanager.SecretVersion("v", secret_id="s", secret_string=uuid.result)

    judge(RANDOM_STRING_SECRET_USE, body)
