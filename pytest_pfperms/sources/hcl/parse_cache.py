"""A content-addressed cache of parsed files, shared by runs and pytest-xdist workers.

Entries are kept by :mod:`pytest_pfperms.sources.cache.store` (signed, outside the repo)
under ``ast/<sha256>.entry``, encoded by a data-only codec that can build nothing but the
syntax tree's own classes. The key hashes the file's content with the AST version, our
package's version and source, the HCL parser in use and its version, and the syntax
(HCL, JSON, tfvars),
so a new release never reads an old entry. A missing, foreign or corrupt entry is
ignored (and rewritten); an unwritable cache directory is ignored too: the cache can make
loading faster, never make it fail, and never change an answer.
"""

from __future__ import annotations

import functools
import hashlib
import os
from contextlib import suppress
from dataclasses import is_dataclass, replace
from pathlib import Path

import hcl2

from ...errors import LoadError, beyond_limits, limit_line
from ..cache.codec import Codec, CodecError
from ..cache.fingerprint import code_fingerprint
from ..cache.store import CacheStore, active_store
from . import syntax_tree
from .native_syntax import parse_file, paused_gc
from .parser_choice import active_hcl_parser
from .syntax_tree import AST_VERSION, HclFile

__all__ = ["AST_CODEC", "cache_key", "cached_parse", "forget_parsed", "load_file", "paused_gc"]

AST_CODEC = Codec(cls for cls in vars(syntax_tree).values()
                  if isinstance(cls, type) and is_dataclass(cls) and cls.__module__ == syntax_tree.__name__)
"""The codec of cached syntax trees: it builds the syntax tree's classes and nothing else."""


def cache_salt() -> bytes:
    """What every cache key starts with: the versions of the AST, this package and the HCL
    parsers, and which parser the load uses (:mod:`.parser_choice`)."""
    return _salt(active_hcl_parser())


@functools.cache
def _salt(parser: str) -> bytes:
    try:
        from importlib.metadata import version

        ours = version("pytest-pfperms")
    except Exception:  # not installed (running from a checkout)
        ours = "dev"
    hcl_version = getattr(hcl2, "__version__", "unknown")
    versions = f"python-hcl2 {hcl_version}"
    if parser == "tree-sitter":
        versions += f" tree-sitter {_version('tree-sitter')} tree-sitter-hcl {_version('tree-sitter-hcl')}"
    return (f"pfperms-ast {AST_VERSION} {ours} {code_fingerprint()} {parser}: {versions}\0").encode()


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def _syntax(path: str) -> str:
    if path.endswith((".tfvars", ".tfvars.json")):
        return "tfvars-json" if path.endswith(".json") else "tfvars"
    return "json" if path.endswith(".json") else "hcl"


def cache_key(path: str, text: str) -> str:
    """The cache key of a file: sha256 of versions, syntax and content (not the path)."""
    digest = hashlib.sha256(cache_salt())
    digest.update(_syntax(path).encode() + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


MEMO_CHARACTERS = 64 * 1024 * 1024
"""Source text whose syntax trees one process keeps in memory (the whole Panfactum stack is
1.8 million characters); past it the oldest are forgotten."""

_memo: dict[tuple[str, str], HclFile] = {}
_memo_sizes: dict[tuple[str, str], int] = {}


def _remember(key: tuple[str, str], parsed: HclFile, size: int) -> None:
    """Keep a parsed file for this process: modules called from many roots (and files with
    the same content) are parsed or read from the store once. The key is the store's
    directory and the cache key (content, syntax, parser and every version), so each store
    still receives every entry once; the trees are immutable."""
    global _memo_total
    _memo[key] = parsed
    _memo_sizes[key] = size
    _memo_total += size
    while _memo_total > MEMO_CHARACTERS and len(_memo) > 1:
        oldest = next(iter(_memo))
        del _memo[oldest]
        _memo_total -= _memo_sizes.pop(oldest)


_memo_total = 0


def forget_parsed() -> None:
    """Forget the syntax trees this process keeps (the store's entries stay)."""
    global _memo_total
    _memo.clear()
    _memo_sizes.clear()
    _memo_total = 0


def cached_parse(path: str, text: str, *, store: CacheStore | None = None) -> HclFile:
    """Parse ``text`` (the content of ``path``) through the cache (the active store unless
    ``store`` is given), once per process for the same content.

    Raises :class:`~pytest_pfperms.errors.LoadError` for malformed input, exactly
    as :func:`~.native_syntax.parse_file` does; failures are not cached.
    """
    store = store if store is not None else active_store()
    key = cache_key(path, text)
    memo_key = (str(store.directory) if store is not None else "", key)
    known = _memo.get(memo_key)
    if known is not None:
        return known if known.path == path else replace(known, path=path)
    with paused_gc():
        cached = _read(store, key) if store is not None else None
        if cached is not None:
            _remember(memo_key, cached, len(text))
            return cached if cached.path == path else replace(cached, path=path)
        try:
            parsed = parse_file(path, text)
        except (RecursionError, ValueError, OverflowError) as error:
            limit = beyond_limits(error, path, limit_line(text, error))
            if limit is None:
                raise
            raise limit from None
    if store is not None:
        with suppress(CodecError):
            store.write("ast", key, AST_CODEC.dumps(parsed))
    _remember(memo_key, parsed, len(text))
    return parsed


def load_file(path: str | os.PathLike[str], *, store: CacheStore | None = None) -> HclFile:
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
    return cached_parse(name, text, store=store)


def _read(store: CacheStore, key: str) -> HclFile | None:
    payload = store.read("ast", key)
    if payload is None:
        return None
    try:
        value = AST_CODEC.loads(payload)
    except CodecError:  # from an older layout of the tree: parse again and overwrite it
        return None
    return value if isinstance(value, HclFile) else None
