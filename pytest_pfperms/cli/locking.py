"""``lock``: write (or ``--check``) the permissions lockfile."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..lockfile import LOCK_NAME, compare, read_lock, render_changes, snapshot, with_shrink_causes, write_lock
from ..lockfile.comparison import Change
from ..query.model import Model
from .exits import EXIT_NO, EXIT_YES
from .results import Case, Result
from .terminal import Terminal


def change_data(change: Change) -> dict[str, object]:
    """One change as JSON data."""
    entry = change.entry
    return {"direction": change.direction, "subject": entry.subject, "namespace": entry.namespace or None,
            "system": entry.system, "scope": entry.scope, "grant": entry.grant, "certain": entry.certain,
            "cause": entry.cause}


def lock(args: argparse.Namespace, model: Model) -> Result:
    """``lock [--lockfile FILE] [--check]``: rewrite the lockfile, or compare with it."""
    path = Path(args.lockfile or LOCK_NAME)
    current = snapshot(model)
    if not args.check:
        write_lock(path, current)
        subjects = len({entry.subject for entry in current.entries} | set(current.workloads))
        said = f"pfperms: wrote {path} ({subjects} subjects, {len(current.entries)} grants)"
        return Result("lock", EXIT_YES, {"lockfile": str(path), "changes": [], "written": True},
                      lambda _t: said,
                      f"wrote `{path}`\n")
    changes = with_shrink_causes(model, compare(read_lock(path), current))
    body = render_changes(changes, current.workloads)

    def text(terminal: Terminal) -> str:
        return body if not changes else f"{body}\nrun pfperms lock to accept the changes"

    return Result("lock", EXIT_NO if changes else EXIT_YES,
                  {"lockfile": str(path), "changes": [change_data(c) for c in changes], "written": False},
                  text, f"```text\n{body}\n```\n",
                  [Case(f"{path} matches", not changes, f"{len(changes)} changes", body)])
