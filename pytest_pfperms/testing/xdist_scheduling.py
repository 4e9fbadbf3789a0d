"""pytest-xdist scheduling that keeps the built-in checks on one worker.

Several built-in checks share their work: PF-K8S-014 asks every other Kubernetes check for
its findings, and each check warms the engine's plans for every identity. On one worker that
work is done once; spread over n workers, n times. So when the built-in pack is on and xdist
runs its default ``--dist load``, the controller schedules by work units (xdist's
``loadscope`` machinery): the ``pfperms-builtin`` items are one unit, sent first (it is the
largest), and every other item is a unit of its own, so the rest spreads as ``load`` spreads
it. Any other ``--dist`` is left as chosen. (xdist's own ``--dist loadgroup`` would do this
with an ``xdist_group`` mark, but xdist 3.8 cannot mark items of pytest 9, whose node ids it
no longer rewrites.)
"""

from __future__ import annotations

from typing import Any

import pytest

from .policy_items import BUILTIN_NODE


def builtins_together(config: pytest.Config, log: Any) -> Any | None:
    """The scheduler for a run with the built-in pack on, or None to leave xdist's choice."""
    if config.getoption("dist", None) != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # xdist ships no type hints, so its class is Any to mypy
    class BuiltinsTogether(LoadScopeScheduling):  # type: ignore[misc]
        """``loadscope`` with the built-in items as one unit and every other item as its own."""

        def _split_scope(self, nodeid: str) -> str:
            return BUILTIN_NODE if nodeid.startswith(BUILTIN_NODE + "::") else nodeid

    return BuiltinsTogether(config, log)


__all__ = ["builtins_together"]
