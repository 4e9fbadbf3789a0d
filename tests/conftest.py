"""Fixtures shared by the project's own tests.

``yaml`` is imported here, before any pytester run: ``runpytest()`` in process drops the modules
a run imported, and PyYAML's C parser, which cannot be imported twice, would keep building nodes
of the dropped ``yaml.nodes`` (every later load then fails with "could not determine a
constructor for the tag None"). The product imports the YAML reader lazily, so a test module run
alone (``pytest tests/test_policies.py``) hit this; the full suite only passed by import order.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable

import pytest
import yaml  # noqa: F401  (kept across in-process pytester runs, below)

import pytest_pfperms as pfperms
from pytest_pfperms.sources.manifests.admission import unchecked


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., pfperms.Model]:
    """YAML text -> Model (one ``manifests.yaml`` per text; cached per test module).

    Cluster defaults are off unless asked for, so that the bootstrap roles never blur a case.
    """
    cache: dict[tuple[str, bool, bool], pfperms.Model] = {}

    def build_model(text: str, *, cluster_defaults: bool = False,
                    admitted: bool = True) -> pfperms.Model:
        """``admitted=False``: keep the objects the API server would refuse (worlds that test
        how the authorizer treats them; each such world has a test that loading refuses it)."""
        key = (text, cluster_defaults, admitted)
        if key not in cache:
            directory = tmp_path_factory.mktemp("manifests")
            (directory / "manifests.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
            with contextlib.nullcontext() if admitted else unchecked():
                cache[key] = pfperms.load(directory, cluster_defaults=cluster_defaults)
        return cache[key]

    return build_model


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Add up the ``openbao_*`` and ``iam_*`` properties the oracle tests
    (``tests/integration``) recorded and show them."""
    for prefix, name in (("openbao_", "OpenBao"), ("iam_", "@cloud-copilot/iam-simulate")):
        totals: dict[str, int] = {}
        version = ""
        for reports in terminalreporter.stats.values():
            for report in reports:
                if getattr(report, "when", "") != "call":
                    continue
                for key, value in getattr(report, "user_properties", ()):
                    if key in ("openbao_version", "iam_simulate_version") and key.startswith(prefix):
                        version = str(value)
                    elif isinstance(key, str) and key.startswith(prefix) and isinstance(value, int):
                        totals[key] = totals.get(key, 0) + value
        if totals:
            shown = ", ".join(f"{key.removeprefix(prefix).replace('_', ' ')}: {count}"
                              for key, count in totals.items())
            terminalreporter.write_line(f"{name} {version} oracle: {shown}")
