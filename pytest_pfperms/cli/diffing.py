"""``diff BASE HEAD``: whose effective access grew or shrank between two trees or git revisions.

A side that is a directory is read as it is; any other side is a git revision of the current
repository, exported with ``git archive`` into a temporary directory (the work tree is never
touched). The ``-f`` paths are relative to each side's root.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import LoadError
from ..lockfile import compare, render_changes, snapshot
from ..lockfile.comparison import SYSTEMS, by_subject
from ..lockfile.snapshot import Snapshot
from . import inputs
from .exits import EXIT_NO, EXIT_YES, UsageError
from .locking import change_data
from .rendering import md_escape
from .results import Case, Result
from .terminal import Terminal


def _git(*argv: str, cwd: Path | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *argv], capture_output=True, check=False, cwd=cwd, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"git {' '.join(argv)}: {error}") from None
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(argv)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _extract(archive: bytes, target: Path) -> None:
    """Unpack a ``git archive`` tar, refusing links and paths that leave ``target``."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = [m for m in tar.getmembers() if (m.isfile() or m.isdir())
                   and (target / m.name).resolve().is_relative_to(target.resolve())]
        tar.extractall(target, members=members, filter="data")


@contextlib.contextmanager
def side(spec: str) -> Iterator[Path]:
    """The root directory of one side: the directory itself, or a revision exported to a temp dir."""
    given = Path(spec)
    if given.is_dir():
        yield given.resolve()
        return
    top = Path(_git("rev-parse", "--show-toplevel").decode().strip())
    revision = _git("rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}", cwd=top).decode().strip()
    prefix = Path.cwd().resolve().relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="pfperms-diff-") as temporary:
        root = Path(temporary)
        _extract(_git("archive", "--format=tar", revision, cwd=top), root)
        yield root / prefix


def _load_side(args: argparse.Namespace, spec: str) -> tuple[Snapshot, list[str]]:
    with side(spec) as root:
        before = Path.cwd()
        os.chdir(root)   # paths and file:line read relative to the side's root
        try:
            model = inputs.model(args)
            return snapshot(model), [str(w) for w in model.warnings] + model.problems()
        except LoadError as error:
            raise LoadError([type(p)(f"{spec}:{p.file}", p.line, p.message, p.field)
                             for p in error.problems]) from None
        finally:
            os.chdir(before)


def diff(args: argparse.Namespace) -> Result:
    """``diff BASE HEAD``: every subject whose access grew or shrank, grouped by namespace."""
    if not args.files:
        args.files = ["."]
    base, base_warnings = _load_side(args, args.base)
    head, head_warnings = _load_side(args, args.head)
    changes = compare(base, head)
    grew = [c for c in changes if c.direction == "grew"]
    shrank = [c for c in changes if c.direction == "shrank"]
    gate = {"grow": grew, "shrink": shrank, "any": changes, None: []}[args.fail_on]
    status = EXIT_NO if gate else EXIT_YES
    workloads = {**base.workloads, **head.workloads}
    body = render_changes(changes, workloads)

    def text(terminal: Terminal) -> str:
        header = f"pfperms diff {args.base}..{args.head}: {len(grew)} grew, {len(shrank)} shrank"
        return f"{header}\n{body}"

    lines = [f"### pfperms: effective permissions {args.base} → {args.head}", "",
             f"**{len(grew)} grew, {len(shrank)} shrank**", ""]
    for namespace, subjects in sorted(by_subject(changes).items()):
        lines += [f"#### namespace `{namespace}`", "", "| | subject | system | scope | grant | cause |",
                  "|---|---|---|---|---|---|"]
        for subject, found in sorted(subjects.items()):
            for change in found:
                entry = change.entry
                mark = "➕ grew" if change.direction == "grew" else "➖ shrank"
                grant = entry.grant + ("" if entry.certain else " (unknown)")
                lines.append(f"| {mark} | {md_escape(subject)} | {SYSTEMS[entry.system]} | "
                             f"`{md_escape(entry.scope)}` | `{md_escape(grant)}` | "
                             f"{md_escape(entry.cause)} |")
        lines.append("")
    if not changes:
        lines.append("No change in effective permissions.")
    cases = [Case(f"{c.entry.subject} {c.direction}: {c.entry.grant}", c not in gate, c.line())
             for c in changes]
    result = Result("diff", status, {"base": args.base, "head": args.head,
                                     "changes": [change_data(c) for c in changes],
                                     "counts": {"grew": len(grew), "shrank": len(shrank)}},
                    text, "\n".join(lines) + "\n", cases)
    result.warnings = list(dict.fromkeys(base_warnings + head_warnings))
    return result
