"""The exit statuses of ``pfperms``: one meaning each."""

from __future__ import annotations

from ..values import Tri

EXIT_YES = 0
"""Yes, or everything checked is fine."""
EXIT_NO = 1
"""No, or violations were found."""
EXIT_UNKNOWN = 2
"""Unknown: the answer depends on values known only after apply."""
EXIT_LOAD_ERROR = 3
"""The sources (manifests, Terraform, policy files) could not be loaded."""
EXIT_USAGE = 4
"""The command line is wrong."""
EXIT_INTERNAL = 5
"""A bug in pfperms (please report it with the traceback)."""

EPILOG = """exit status:
  0  yes / ok
  1  no / violations (with --fail-if-any: something was listed)
  2  unknown (depends on values known only after apply)
  3  load error (manifests, Terraform or policy files)
  4  usage error (wrong arguments)
  5  internal error (a bug; please report it)"""


class UsageError(Exception):
    """A wrong command line: exits with :data:`EXIT_USAGE`."""


def of_answer(allowed: Tri) -> int:
    """The status of one yes/no/unknown answer."""
    return {True: EXIT_YES, False: EXIT_NO, None: EXIT_UNKNOWN}[allowed]
