"""Names of the AWS resources the platform derives from the stack config, and the rules AWS sets.

One source for the components (which name resources with these functions) and the config checks
(`config/references/`), so a name AWS would refuse is a config error with its key path, found before
any resource exists, never a failed `pulumi up` halfway through.
"""

from __future__ import annotations

import re

FUNCTION_NAME_MAX = 64
"""Lambda function names: 1 to 64 letters, digits, `-` and `_` (Lambda API reference, CreateFunction)."""

RDS_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$")
"""RDS DB instance identifiers: 1 to 63 letters, digits or hyphens; a letter first; no hyphen last and no
two in a row (RDS API reference, CreateDBInstance `DBInstanceIdentifier`)."""


def rotation_function_name(cluster_name: str) -> str:
    """The Secrets Manager rotation Lambda's name, fixed so that its log group can be named first."""
    return f"{cluster_name}-secret-rotation"


def cms_database_identifier(cluster_name: str) -> str:
    """The CMS database's RDS identifier, fixed so its log group can be named before it exists."""
    return f"{cluster_name}-cms"


def name_problems(cluster_name: str, *, rotation: bool, cms_database: bool) -> list[str]:
    """Why AWS would refuse a name derived from `cluster.name` (empty when it accepts them all)."""
    problems = []
    if rotation and len(rotation_function_name(cluster_name)) > FUNCTION_NAME_MAX:
        problems.append(
            f"a cluster name of at most {FUNCTION_NAME_MAX - len(rotation_function_name(''))} characters: "
            f"the rotation Lambda is named <cluster>-secret-rotation, and Lambda allows {FUNCTION_NAME_MAX}"
        )
    if cms_database and not RDS_IDENTIFIER.match(cms_database_identifier(cluster_name)):
        problems.append(
            "a cluster name that starts with a letter, has no two hyphens in a row and at most 59 "
            "characters: the CMS database's RDS identifier is <cluster>-cms"
        )
    return problems
