"""The lockfile check: one test, ``pfperms.lock``, that fails when the model's effective
permissions no longer match the lockfile (what grew, what shrank, with causes);
``--pfperms-update-lock`` rewrites the file instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

LOCK_NODE = "pfperms.lock"


def addoption(group: Any, parser: pytest.Parser) -> None:
    """``--pfperms-update-lock`` and the ``pfperms_lockfile`` ini."""
    group.addoption("--pfperms-update-lock", action="store_true", dest="pfperms_update_lock", default=False,
                    help="rewrite the permissions lockfile from the model (instead of checking it)")
    parser.addini("pfperms_lockfile", "the permissions lockfile, relative to the rootdir (checked when "
                  "it exists)", default="pfperms.lock")


def lock_path(config: pytest.Config) -> Path:
    """Where the lockfile is."""
    return Path(str(config.rootpath)) / str(config.getini("pfperms_lockfile"))


class LockItem(pytest.Item):
    """Compares the model with the lockfile, or rewrites it."""

    def runtest(self) -> None:
        from ..lockfile import compare, read_lock, render_changes, snapshot, with_shrink_causes, write_lock
        from .plugin import _load

        model = _load(self.config)
        if isinstance(model, Exception):
            raise LockMismatch(f"pytest-pfperms could not load the model:\n{model}")
        path = lock_path(self.config)
        current = snapshot(model)
        if self.config.getoption("pfperms_update_lock"):
            write_lock(path, current)
            return
        changes = with_shrink_causes(model, compare(read_lock(path), current))
        if changes:
            grew = sum(1 for c in changes if c.direction == "grew")
            raise LockMismatch(f"effective permissions no longer match {path.name}: {grew} grew, "
                               f"{len(changes) - grew} shrank\n{render_changes(changes, current.workloads)}\n"
                               f"if this is intended, run pytest --pfperms-update-lock (or pfperms lock) "
                               f"and commit {path.name}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """The changes, without a traceback."""
        if isinstance(excinfo.value, LockMismatch):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        """Where the lockfile is."""
        return lock_path(self.config), None, LOCK_NODE


class LockMismatch(Exception):
    """The model and the lockfile differ."""


def modify_items(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the lockfile check when the lockfile exists (or is to be written)."""
    if lock_path(config).is_file() or config.getoption("pfperms_update_lock"):
        items.append(LockItem.from_parent(session, name=LOCK_NODE, nodeid=LOCK_NODE))
