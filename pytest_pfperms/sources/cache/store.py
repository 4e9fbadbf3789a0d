"""Authenticated cache entries on disk, in a directory outside every repository loaded.

An entry is one regular file: a header line, the HMAC-SHA256 of the payload under a
per-user secret, and the payload. The secret (32 random bytes) is made on first use
in the cache directory, readable by its owner only; an entry whose HMAC does not match
(planted, copied from elsewhere, truncated) is ignored and rewritten, so nobody who can
commit files to a repository can feed the cache. Entries are opened without following
links and without blocking, must be regular files and at most :data:`MAX_ENTRY_BYTES`;
anything else is ignored. Entries are written to a temporary file and renamed into place.

Where: ``$PFPERMS_CACHE_DIR`` (absolute paths only), else ``$XDG_CACHE_HOME/pytest-pfperms``,
else ``~/.cache/pytest-pfperms``. A relative ``PFPERMS_CACHE_DIR``, or a cache directory
inside a repository being loaded, disables the cache for that load (with a warning), and
``PFPERMS_NO_CACHE=1`` (the plugin's ``--pfperms-no-cache``) disables it altogether.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

CACHE_ENV = "PFPERMS_CACHE_DIR"
NO_CACHE_ENV = "PFPERMS_NO_CACHE"
MAX_ENTRY_BYTES = 256 * 1024 * 1024
"""The largest entry read or written; a larger one is ignored (the load just runs cold)."""

_MAGIC = b"pfperms-cache 1\n"
_SECRET_NAME = "secret.key"
_DIGEST_LENGTH = 64


def cache_dir() -> Path:
    """The configured cache directory (which :func:`open_store` may still refuse)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).expanduser().is_absolute() else Path.home() / ".cache"
    return base / "pytest-pfperms"


class CacheStore:
    """Signed entries under one directory: ``<directory>/<kind>/<key>.entry``."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.directory = directory
        self._secret = secret

    def _path(self, kind: str, key: str) -> Path:
        if not (key.isalnum() and kind.isalnum()):
            raise ValueError("cache kinds and keys are alphanumeric")
        return self.directory / kind / f"{key}.entry"

    def _mac(self, kind: str, key: str, payload: bytes) -> bytes:
        tag = hmac.new(self._secret, f"{kind}\0{key}\0".encode(), hashlib.sha256)
        tag.update(payload)
        return tag.hexdigest().encode()

    def read(self, kind: str, key: str) -> bytes | None:
        """The payload stored under (kind, key) if it is there, ours and intact; else None."""
        data = _read_regular(self._path(kind, key), MAX_ENTRY_BYTES + len(_MAGIC) + _DIGEST_LENGTH + 1)
        if data is None or not data.startswith(_MAGIC):
            return None
        mac = data[len(_MAGIC):len(_MAGIC) + _DIGEST_LENGTH]
        payload = data[len(_MAGIC) + _DIGEST_LENGTH + 1:]
        if not hmac.compare_digest(mac, self._mac(kind, key, payload)):
            return None
        return payload

    def write(self, kind: str, key: str, payload: bytes) -> None:
        """Store a payload; failures are ignored (the cache only makes loads faster)."""
        if len(payload) > MAX_ENTRY_BYTES:
            return
        path = self._path(kind, key)
        temporary: str | None = None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=key[:16] + ".", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(_MAGIC + self._mac(kind, key, payload) + b"\n" + payload)
            os.replace(temporary, path)
            temporary = None
        except OSError:
            pass
        finally:
            if temporary is not None:
                with suppress(OSError):
                    os.unlink(temporary)


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file (no links followed, never blocking), at most ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks = []
        remaining = info.st_size + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _secret(directory: Path) -> bytes | None:
    """The per-user secret in ``directory`` (made on first use), or None when it cannot be
    trusted: not a regular file of ours, readable by others, or of the wrong size."""
    path = directory / _SECRET_NAME
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(secrets.token_hex(32).encode())
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or \
            (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    data = _read_regular(path, 64)
    return data if data is not None and len(data) == 64 else None


def refusal(directory: Path, repo_roots: Sequence[Path]) -> str | None:
    """Why ``directory`` may not hold the cache for a load of ``repo_roots``, or None."""
    if not directory.is_absolute():
        return (f"{CACHE_ENV}={directory} is a relative path; the cache is off for this run "
                "(give an absolute path outside the repository)")
    resolved = directory.resolve()
    for root in repo_roots:
        if resolved.is_relative_to(root.resolve()):
            return (f"the cache directory {directory} is inside the loaded repository {root}; the cache "
                    f"is off for this run (set {CACHE_ENV} to a directory outside it)")
    return None


def open_store(repo_roots: Sequence[Path] = ()) -> tuple[CacheStore | None, str | None]:
    """The store for a load of ``repo_roots``, or (None, why it is off)."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None, None
    directory = cache_dir()
    reason = refusal(directory, repo_roots)
    if reason is not None:
        return None, reason
    secret = _secret(directory)
    if secret is None:
        return None, (f"the cache secret {directory / _SECRET_NAME} is missing, unreadable or readable by "
                      "others; the cache is off for this run (delete it, or the cache directory)")
    return CacheStore(directory, secret), None


_ACTIVE: ContextVar[tuple[CacheStore | None] | None] = ContextVar("pfperms_cache_store", default=None)


def active_store() -> CacheStore | None:
    """The store of the load in progress (None when its cache is off); outside a load, the
    default store."""
    chosen = _ACTIVE.get()
    if chosen is not None:
        return chosen[0]
    return open_store()[0]


@contextmanager
def using_store(store: CacheStore | None) -> Iterator[None]:
    """Make ``store`` (or no cache, for None) the one loads in this context use."""
    token = _ACTIVE.set((store,))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def clear_cache() -> Path:
    """Delete the cache directory's entries and secret; returns the directory."""
    directory = cache_dir()
    if directory.is_absolute():
        for name in ("ast", "results", "manifests", _SECRET_NAME):
            target = directory / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target, ignore_errors=True)
            else:
                with suppress(OSError):
                    target.unlink()
    return directory
