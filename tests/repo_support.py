"""Writing small repositories (Terraform and manifests) for tests, and loading them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest_pfperms as pfperms


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text, dedented) under ``root``; returns ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def load(tmp_path: Path, files: dict[str, str], **kwargs: Any) -> pfperms.Model:
    """Write the files under ``tmp_path/repo`` and load every Terraform directory and manifest."""
    root = write(tmp_path / "repo", files)
    paths = sorted({(root / name).parent if name.endswith(".tf") else root / name for name in files
                    if name.endswith((".tf", ".yaml"))})
    return pfperms.load(*paths, repo_root=root, **kwargs)
