"""A content-addressed cache of parsed files, shared by runs and pytest-xdist workers.

Entries live in ``$PFPERMS_CACHE_DIR`` (default ``$XDG_CACHE_HOME/pytest-pfperms``,
else ``~/.cache/pytest-pfperms``) under ``ast/<sha256>.pickle``. The key hashes
the file's content with the AST version, our package version, python-hcl2's
version and the syntax (HCL, JSON, tfvars), so a new release never reads an old
entry. Entries are written to a temporary file and renamed into place, so
concurrent workers never see half a file. An unreadable or corrupt entry is
ignored (and rewritten); an unwritable cache directory is ignored too: the
cache can make loading faster, never make it fail.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import hcl2

from ...errors import LoadError
from .native_syntax import parse_file, paused_gc
from .syntax_tree import AST_VERSION, HclFile

__all__ = ["cache_dir", "cache_key", "cached_parse", "load_file", "paused_gc"]

CACHE_ENV = "PFPERMS_CACHE_DIR"


def cache_dir() -> Path:
    """Where parsed files are cached: ``$PFPERMS_CACHE_DIR`` or the user cache directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "pytest-pfperms"


@functools.cache
def code_fingerprint() -> str:
    """A digest of this package's own source, so that a changed pytest-pfperms (even one
    with an unchanged version number) never reuses what an older one cached."""
    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        with suppress(OSError):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def _salt() -> bytes:
    try:
        from importlib.metadata import version

        ours = version("pytest-pfperms")
    except Exception:  # not installed (running from a checkout)
        ours = "dev"
    hcl_version = getattr(hcl2, "__version__", "unknown")
    return (f"pfperms-ast {AST_VERSION} {ours} {code_fingerprint()} python-hcl2 {hcl_version}\0").encode()


def _syntax(path: str) -> str:
    if path.endswith((".tfvars", ".tfvars.json")):
        return "tfvars-json" if path.endswith(".json") else "tfvars"
    return "json" if path.endswith(".json") else "hcl"


def cache_key(path: str, text: str) -> str:
    """The cache key of a file: sha256 of versions, syntax and content (not the path)."""
    digest = hashlib.sha256(_salt())
    digest.update(_syntax(path).encode() + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cached_parse(path: str, text: str, *, directory: str | os.PathLike[str] | None = None) -> HclFile:
    """Parse ``text`` (the content of ``path``) through the cache.

    Raises :class:`~pytest_pfperms.errors.LoadError` for malformed input, exactly
    as :func:`~.hcl_parse.parse_file` does; failures are not cached.
    """
    folder = (Path(directory) if directory is not None else cache_dir()) / "ast"
    entry = folder / f"{cache_key(path, text)}.pickle"
    with paused_gc():
        cached = _read(entry)
        if cached is not None:
            return cached if cached.path == path else replace(cached, path=path)
        parsed = parse_file(path, text)
    _write(folder, entry, parsed)
    return parsed


def load_file(path: str | os.PathLike[str], *, directory: str | os.PathLike[str] | None = None) -> HclFile:
    """Read and parse one file through the cache; unreadable files raise LoadError."""
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except OSError as error:
        raise LoadError.single(name, None, f"cannot read the file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LoadError.single(name, line, "the file is not valid UTF-8") from None
    return cached_parse(name, text, directory=directory)


def _read(entry: Path) -> HclFile | None:
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    try:
        value = pickle.loads(data)
    except Exception:  # a corrupt or foreign entry: parse again and overwrite it
        return None
    return value if isinstance(value, HclFile) else None


def _write(folder: Path, entry: Path, parsed: HclFile) -> None:
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=entry.stem[:16] + ".", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(parsed, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        temporary = None
    except (OSError, pickle.PicklingError, RecursionError):
        pass  # the cache is an optimisation only
    finally:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
