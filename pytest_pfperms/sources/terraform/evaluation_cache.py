"""A cache of whole Terraform evaluations, valid while every input read is unchanged.

A cold load records each input it reads: the bytes of every ``.tf``, ``.tfvars``,
``modules.json`` and ``file()``/``templatefile()`` file (by SHA-256), every directory
listing it depended on, and every ``fileset()``/``fileexists()`` answer. The result
(objects, resources, warnings and problems) is stored under a key made of the
package and python-hcl2 versions, the root directory, the working directory and the
variables given. A warm load re-checks every recorded input (reading and hashing
the files, no parsing) and reuses the result only if all are unchanged; otherwise it
evaluates again. Entries are signed and encoded as data only, like the parse cache's
(:mod:`pytest_pfperms.sources.cache`): the codec builds only the model's and the HCL
values' own classes, and an entry that is not ours is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from ...errors import Problem
from ...model import objects
from ...values import Choice, EncodedDocument, KeyedObject, PartialList, Symbol, UnknownMap
from ..cache.codec import Codec, CodecError
from ..cache.store import active_store
from ..files import InputRefused, read_input
from ..hcl.file_sandbox import FileSandbox
from ..hcl.values import TfSet

RESULT_VERSION = 5
"""Bumped whenever what a load stores changes shape."""


MAX_INPUT_BYTES = 64 * 1024 * 1024
"""The largest input a stored result is re-checked against (larger: evaluate again)."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Recorder:
    """The inputs one evaluation read, to tell later whether its result still holds."""

    files: dict[str, str | None] = field(default_factory=dict)  # path -> sha256, None if absent
    listings: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    globs: dict[tuple[str, str, str, str], tuple[str, ...]] = field(default_factory=dict)
    exists: dict[tuple[str, str, str], bool] = field(default_factory=dict)

    def file(self, path: Path, data: bytes | None) -> None:
        """A file was read (or found absent)."""
        self.files[str(path)] = None if data is None else _digest(data)

    def listing(self, directory: Path) -> list[str]:
        """List a directory, remembering what it held."""
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            self.listings[str(directory)] = None
            raise
        self.listings[str(directory)] = tuple(names)
        return names

    def still_valid(self) -> bool:
        """Whether every recorded input is as it was."""
        for path, digest in self.files.items():
            try:
                data: bytes | None = read_input(Path(path), bound=Path(os.sep), limit=MAX_INPUT_BYTES)
            except InputRefused:
                data = None
            if (None if data is None else _digest(data)) != digest:
                return False
        for directory, names in self.listings.items():
            try:
                now: tuple[str, ...] | None = tuple(sorted(os.listdir(directory)))
            except OSError:
                now = None
            if now != names:
                return False
        for (root, base, path, pattern), found in self.globs.items():
            if tuple(FileSandbox(root, base).glob(path, pattern)) != found:
                return False
        for (root, base, path), answer in self.exists.items():
            try:
                if FileSandbox(root, base).exists(path) != answer:
                    return False
            except Exception:
                return False
        return True


class RecordingSandbox(FileSandbox):
    """A FileSandbox that records what ``file()``, ``fileexists()`` and ``fileset()`` saw."""

    def __init__(self, root: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None,
                 recorder: Recorder):
        super().__init__(root, base_dir)
        self.recorder = recorder

    def read_bytes(self, path: str) -> bytes:
        real = self.resolve(path)
        try:
            data = super().read_bytes(path)
        except Exception:
            self.recorder.file(real, None)
            raise
        self.recorder.file(real, data)
        return data

    def exists(self, path: str) -> bool:
        answer = super().exists(path)
        self.recorder.exists[(str(self.root), str(self.base_dir), path)] = answer
        return answer

    def glob(self, path: str, pattern: str) -> list[str]:
        found = super().glob(path, pattern)
        self.recorder.globs[(str(self.root), str(self.base_dir), path, pattern)] = tuple(found)
        return found


def result_key(root_dir: Path, repo_root: Path, variables: dict[str, Any]) -> str:
    """The cache key of one root module's evaluation with one set of inputs."""
    from ..hcl.parse_cache import cache_salt

    payload = json.dumps({
        "version": RESULT_VERSION,
        "root": str(root_dir.resolve()),
        "repo": str(repo_root.resolve()),
        "cwd": os.getcwd(),
        "variables": variables,
    }, sort_keys=True, default=repr)
    return _digest(cache_salt() + payload.encode())


def _result_codec() -> Codec:
    from .module_graph import ResourceObject, UnknownBlock

    model_classes = [cls for cls in vars(objects).values()
                     if isinstance(cls, type) and cls.__module__ == objects.__name__ and is_dataclass(cls)]
    return Codec(
        [*model_classes, Problem, Symbol, EncodedDocument, KeyedObject, Choice, PartialList, Recorder],
        custom=[
            (TfSet, list, TfSet),
            (UnknownMap, lambda value: [value.symbol], lambda items: UnknownMap(items[0])),
            (ResourceObject, lambda value: [value.address, value.where, dict(value)],
             lambda items: ResourceObject(items[0], items[1], items[2])),
            (UnknownBlock, lambda value: [dict(value), value.collection],
             lambda items: UnknownBlock(items[0], items[1])),
        ])


_CODEC: Codec | None = None


def _codec() -> Codec:
    global _CODEC
    if _CODEC is None:
        _CODEC = _result_codec()
    return _CODEC


def load_result(key: str) -> Any | None:
    """A stored result whose inputs are unchanged, or None."""
    store = active_store()
    payload = store.read("results", key) if store is not None else None
    if payload is None:
        return None
    try:
        stored = _codec().loads(payload)
    except CodecError:  # from another version: evaluate again
        return None
    recorder = stored.get("recorder") if isinstance(stored, dict) else None
    if not isinstance(recorder, Recorder) or not recorder.still_valid():
        return None
    return stored.get("result")


def store_result(key: str, recorder: Recorder, result: Any) -> None:
    """Store a result with the inputs it was computed from; failures are ignored."""
    store = active_store()
    if store is None:
        return
    with suppress(CodecError):
        store.write("results", key, _codec().dumps({"recorder": recorder, "result": result}))
