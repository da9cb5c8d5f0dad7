"""`python -m bff [serve]` runs the service; `python -m bff write-secret` is the CMS writer Job;
`python -m bff provision-cms` is the CMS provisioning Job.

The image's entry point (bff/Dockerfile) is this module; the tests start the service the same way.
Bad configuration exits 2 with one line per problem on stderr, never a traceback or a value.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Sequence

from bff.apps import AppsFileError
from bff.mounted import MountedFileError
from bff.settings import SettingsError, load_settings

USAGE = "usage: python -m bff [serve | write-secret --help | provision-cms --help]"


def _fail(lines: Sequence[str]) -> int:
    for line in lines:
        print(f"bff: {line}", file=sys.stderr)
    return 2


def serve() -> int:
    from bff.server import serve as run

    try:
        run(load_settings(os.environ))
    except SettingsError as error:
        return _fail(["configuration error:", *error.problems])
    except (AppsFileError, MountedFileError) as error:
        return _fail(["configuration error:", *str(error).splitlines()])
    except ssl.SSLError as error:
        return _fail(
            [f"configuration error: TLS certificate or key unusable ({error.reason or 'SSL error'})"]
        )
    except OSError as error:
        return _fail([f"configuration error: {error.filename or 'a file'} cannot be read ({error.strerror})"])
    except ValueError as error:  # key material too short: the message never holds the material
        return _fail([f"configuration error: {error}"])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "serve"
    if command == "serve" and not args:
        return serve()
    if command == "write-secret":
        from bff.writer import main as write

        return write(args)
    if command == "provision-cms":
        from bff.provision import main as provision

        return provision(args)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
