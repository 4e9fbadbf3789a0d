"""Fixtures shared by the project's own tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

import pytest_pfperms as pfperms


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., pfperms.Model]:
    """YAML text -> Model (one ``manifests.yaml`` per text; cached per test module).

    Cluster defaults are off unless asked for, so that the bootstrap roles never blur a case.
    """
    cache: dict[tuple[str, bool], pfperms.Model] = {}

    def build_model(text: str, *, cluster_defaults: bool = False) -> pfperms.Model:
        key = (text, cluster_defaults)
        if key not in cache:
            directory = tmp_path_factory.mktemp("manifests")
            (directory / "manifests.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
            cache[key] = pfperms.load(directory, cluster_defaults=cluster_defaults)
        return cache[key]

    return build_model
