"""Entry point of the policy pack: `pulumi preview --policy-pack policies` runs this file.

`PolicyPack(...)` starts the analyzer's gRPC server, prints its port and blocks, so it lives here
and nowhere else; the policies themselves are importable from `policies.<module>`. The engine runs
this file with the pack directory as working directory and without the repository on `sys.path`.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies import ALL_POLICIES  # noqa: E402

PolicyPack(
    name="secrets-platform",
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Rotation, least privilege, encryption at rest, secret hygiene and transport of secrets.",
)
