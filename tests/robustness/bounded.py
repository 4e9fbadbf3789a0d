"""Run a snippet in its own interpreter with a wall-time and a memory limit.

For the failure modes that are hangs or blow-ups: a regression must fail the test,
not hang the suite or take the machine's memory.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PRELUDE = """
import resource
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
"""


def run_bounded(code: str, *, seconds: float = 20.0, memory: int = 2 * 1024 ** 3,
                cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code``; a hang past ``seconds`` raises subprocess.TimeoutExpired."""
    script = PRELUDE.format(memory=memory) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=seconds, cwd=cwd, check=False)
