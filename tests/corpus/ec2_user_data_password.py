"""An instance whose user data exports the database password (readable by DescribeInstanceAttribute)."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-ec2-user-data-plaintext-secret"}
SCRIPT = '#!/bin/bash\nset -eu\nexport DB_PASSWORD="payments-db-password-1"\nsystemctl start payments\n'


def program() -> None:
    aws.ec2.Instance("payments", ami="ami-0123456789abcdef0", instance_type="t3.micro", user_data=SCRIPT)
