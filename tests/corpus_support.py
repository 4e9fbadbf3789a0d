"""The rendered corpus beside the repository: real manifests of nine public projects.

``../shared/corpus/rendered`` (as in CI), or ``$PFPERMS_CORPUS``; tests over it are marked
``needs_corpus`` and skip, saying where they looked, when it is not there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("PFPERMS_CORPUS")
              or Path(__file__).resolve().parents[2] / "shared" / "corpus" / "rendered")
PROJECTS = sorted(path.name for path in CORPUS.iterdir() if path.is_dir()) if CORPUS.is_dir() else []

needs_corpus = pytest.mark.skipif(not PROJECTS, reason=f"no rendered corpus at {CORPUS} (set PFPERMS_CORPUS)")
