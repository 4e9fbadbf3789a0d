"""A content-addressed cache of what the manifest reader makes of a YAML file, shared by runs
and pytest-xdist workers.

Reading YAML is most of loading rendered manifests (0.33 s of 0.54 s for 10,200 objects);
building the objects from the values is the rest, and is done again on every load, since
namespace defaults and warnings depend on the load's options. An entry holds, per document,
its plain value and the lines its objects need (first line, the line after it, the lines of
a role's rules), as JSON, in the signed store of :mod:`pytest_pfperms.sources.cache.store`
under ``manifests/<sha256>.entry``; the key hashes the text, the name messages give the
file, this package's source, PyYAML's version and whether the admission rules apply
(:func:`~.admission.unchecked`). Since an entry is written only for a reading without a
problem, it vouches that its documents pass those rules, which depend on the document
alone: they are not checked again when it is read back (a third of building from a cached
reading).

Entries are written from the second process that uses a cache directory on (see
:func:`_kept`), only for a file read without a problem and holding no ``*List``
documents, whose values JSON gives back exactly (maps with string keys, lists, strings,
numbers, booleans, nulls: checked by decoding what was encoded). A build that fails on a
cached reading reads the file again, so every problem keeps its line and message; a
missing, foreign or malformed entry is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

from ...model.objects import SourceRef
from ...values import Str
from ..cache.fingerprint import code_fingerprint
from ..cache.store import active_store
from .admission import enforced
from .documents import (
    DocumentRecord,
    ManifestResult,
    add_built_object,
    helm_source,
    helm_sources,
    load_manifest_text,
)
from .object_building import InvalidObject

KIND = "manifests"
"""The store's directory for these entries."""

ENTRY_VERSION = 2
"""Bumped when an entry's layout or meaning changes (2: an entry vouches for admission)."""

MIN_CACHED_CHARACTERS = 4_096
"""Files shorter than this are read every time (an entry would cost as much as reading)."""


def read_manifests(text: str, path: str, default_namespace: Str) -> ManifestResult:
    """:func:`~.documents.load_manifest_text` through the cache of the load in progress."""
    store = active_store()
    if store is None or len(text) < MIN_CACHED_CHARACTERS or not _kept(store.directory):
        return load_manifest_text(text, path, default_namespace)  # (a new directory holds no entry)
    key = _key(text, path)
    payload = store.read(KIND, key)
    if payload is not None:
        cached = _from_entry(payload, text, path, default_namespace)
        if cached is not None:
            return cached
    record: list[DocumentRecord] = []
    result = load_manifest_text(text, path, default_namespace, record)
    if record and not result.problems:
        entry = _entry(record)
        if entry is not None:
            store.write(KIND, key, entry)
    return result


@functools.cache
def _kept(directory: Path) -> bool:
    """Whether this cache directory was kept from an earlier process: its ``manifests``
    folder was already there the first time this process looked (made then, for the next).

    Writing an entry costs about a third of reading the file, and a machine that starts
    every run with an empty cache (a CI runner that keeps none) would pay it every time and
    read nothing back; so entries are written from the second process on."""
    folder = directory / KIND
    if folder.is_dir():
        return True
    with suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return False


def _key(text: str, path: str) -> str:
    digest = hashlib.sha256(f"pfperms-manifests {ENTRY_VERSION} {code_fingerprint()} "
                            f"PyYAML {yaml.__version__} libyaml {yaml.__with_libyaml__} "
                            f"admission {'enforced' if enforced() else 'unchecked'}\0".encode())
    digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _entry(record: list[DocumentRecord]) -> bytes | None:
    """The JSON of a reading, or None when JSON would not give its values back exactly."""
    try:
        encoded = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        exact = json.loads(encoded) == record  # not so for keys that are not strings, or tuples
    except (TypeError, ValueError, RecursionError):  # a date, bytes, a set, NaN; too deep for JSON
        return None
    return encoded.encode("utf-8", "surrogatepass") if exact else None


def _from_entry(payload: bytes, text: str, path: str, default_namespace: Str) -> ManifestResult | None:
    """The objects of a cached reading, built for this load; None to read the file again."""
    try:
        record = json.loads(payload.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, list) or not all(_well_formed(document) for document in record):
        return None
    result = ManifestResult()
    helm_lines, helm_names = helm_sources(text)
    previous_end = 0
    for value, line, end, rule_lines in record:
        helm = helm_source(helm_lines, helm_names, line, previous_end)
        previous_end = end
        if value is None:
            continue  # an empty document
        try:
            add_built_object(value, SourceRef(path, line, helm), default_namespace, rule_lines, result,
                             admitted=True)  # written for a reading without a problem, under these rules
        except InvalidObject:
            return None  # the full reading places the problem on its line
    return result


def _well_formed(document: Any) -> bool:
    return (isinstance(document, list) and len(document) == 4
            and type(document[1]) is int and type(document[2]) is int
            and (document[3] is None or (isinstance(document[3], list)
                                         and all(type(line) is int for line in document[3]))))
