"""The secrets-platform program: load and validate the stack config, then declare the platform.

Runs unchanged under `pulumi up`/`pulumi preview` and under the offline plan engine.
"""

import pulumi

from components.platform import Platform, PlatformArgs
from config.errors import DeclarationError
from config.loader import load, stack_file

loaded = load()  # raises ConfigError (shown without a traceback) before any resource exists
try:
    platform = Platform(
        "secrets", PlatformArgs(stack=loaded.stack, literals=loaded.literals, project_dir=loaded.project_dir)
    )
except ValueError as exc:  # a component refused its arguments: one line, no traceback
    raise DeclarationError(stack_file(), str(exc)) from None

pulumi.export("cloud", loaded.stack.cloud)
pulumi.export("clusterName", platform.cluster_name)
pulumi.export("secretNames", platform.secret_names)
pulumi.export("appSecrets", platform.app_secrets)  # names only: `secrets-platform access` reads it
pulumi.export("appPlatforms", platform.app_platforms)  # shown in the access report
