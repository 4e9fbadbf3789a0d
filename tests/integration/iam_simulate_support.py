"""@cloud-copilot/iam-simulate, run by a small Node driver (``iam_simulate/driver.mjs``).

The simulator is installed with npm into ``iam_simulate/node_modules`` (the version
pinned in ``iam_simulate/package.json``); ``.ci/run`` does it, and the fixture tries it
once when Node and npm are present. Without Node, npm or the registry the tests are
skipped, saying why, unless ``PFPERMS_REQUIRE_IAM_SIMULATE=1`` (as in ``.ci/run``),
which makes a missing simulator a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

DRIVER_DIR = Path(__file__).resolve().parent / "iam_simulate"
PACKAGE = DRIVER_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
INSTALL_TIMEOUT = 300.0
ANSWER_TIMEOUT = 120.0


def unavailable() -> str | None:
    """Why the simulator cannot run here (after trying to install it), or None."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        return "no Node.js (node) on PATH: install Node.js >= 18 to run the IAM oracle"
    if PACKAGE.exists():
        return None
    if npm is None:
        return "no npm on PATH to install @cloud-copilot/iam-simulate (see tests/integration/iam_simulate)"
    try:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-package-lock"],
                              cwd=DRIVER_DIR, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                              check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"npm install of @cloud-copilot/iam-simulate failed: {error}"
    if done.returncode != 0 or not PACKAGE.exists():
        return ("npm install of @cloud-copilot/iam-simulate failed (no registry access?): "
                + (done.stderr or done.stdout)[-500:])
    return None


def version() -> str:
    """The installed simulator's version."""
    return str(json.loads(PACKAGE.read_text(encoding="utf-8")).get("version", "?"))


class Simulator:
    """One long-running driver process; :meth:`evaluate` sends a batch and reads its answers."""

    def __init__(self) -> None:
        node = shutil.which("node")
        assert node is not None
        env = {key: value for key, value in os.environ.items() if not key.startswith("NODE_OPTIONS")}
        self.process = subprocess.Popen([node, str(DRIVER_DIR / "driver.mjs")], cwd=DRIVER_DIR,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env)

    def evaluate(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The simulator's answer for each case, in order."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"cases": cases}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            error = self.process.stderr.read() if self.process.stderr else ""
            raise RuntimeError(f"the iam-simulate driver stopped: {error[-2000:]}")
        results: list[dict[str, Any]] = json.loads(line)["results"]
        return results

    def close(self) -> None:
        """Stop the driver."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
