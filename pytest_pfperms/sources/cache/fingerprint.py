"""A digest of this package's own source, which every cache key includes."""

from __future__ import annotations

import functools
import hashlib
from contextlib import suppress
from pathlib import Path


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
