"""The database password kept in Parameter Store as a plain String, readable by any ssm:GetParameter.

The pack refuses the parameter by its name, as `pulumi preview --policy-pack` sees it; the offline
check also sees that the provider marks `value` secret while a String stores it unencrypted, and that
the value came from no secret source.
"""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {
    "aws-ssm-parameter-plaintext-secret",
    "offline-secret-in-plaintext-field",
    "offline-secret-value-source",
}


def program() -> None:
    aws.ssm.Parameter("db-password", name="/payments/db-password", type="String", value="correct-horse-9")
