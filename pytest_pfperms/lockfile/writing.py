"""``pfperms.lock``: the snapshot as sorted, diff-friendly YAML, and reading it back.

The format (``version: 1``)::

    version: 1
    subjects:
      ServiceAccount apps/example:          # every service account the sources mention
        workloads: [Deployment apps/example]
        kubernetes:                         # scope: a namespace, or (cluster)
          apps: ['apiGroups [""] resources ["pods"] verbs ["get", "list"]']
        aws:                                # scope: the resource (ARN pattern) asked
          arn:aws:sqs:us-east-2:111122223333:jobs: [sqs:SendMessage]
        vault:                              # scope: the policy path pattern
          secret/data/example/*: [read]

A grant that holds only for some values known after apply ends in `` (maybe)``. Causes
(file:line) are not stored: they move with every edit, and the check shows them from the
model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import LoadError
from .snapshot import Entry, Snapshot

LOCK_NAME = "pfperms.lock"
VERSION = 1
HEADER = ("# pfperms.lock: the effective permissions of every service account (and its workloads).\n"
          "# Written by `pfperms lock` or `pytest --pfperms-update-lock`; review changes like code.\n")


def to_data(snap: Snapshot) -> dict[str, Any]:
    """The lock's data for a snapshot."""
    subjects: dict[str, dict[str, Any]] = {}
    for entry in snap.entries:
        subject, system, scope, grant = entry.key()
        subjects.setdefault(subject, {}).setdefault(system, {}).setdefault(scope, []).append(grant)
    for subject, running in snap.workloads.items():
        subjects.setdefault(subject, {})["workloads"] = list(running)
    for systems in subjects.values():
        for name, scopes in systems.items():
            if name != "workloads":
                for scope in scopes:
                    scopes[scope] = sorted(set(scopes[scope]))
    return {"version": VERSION, "subjects": subjects}


def dump(snap: Snapshot) -> str:
    """The lockfile text."""
    return HEADER + yaml.safe_dump(to_data(snap), sort_keys=True, default_flow_style=False, width=10_000)


def write_lock(path: str | Path, snap: Snapshot) -> None:
    """Write ``path`` from a snapshot."""
    Path(path).write_text(dump(snap), encoding="utf-8")


def read_lock(path: str | Path) -> Snapshot:
    """The snapshot a lockfile holds (causes empty); LoadError on a malformed file."""
    shown = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LoadError.single(shown, None, f"cannot be read as a lockfile: {error}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION \
            or not isinstance(data.get("subjects"), dict):
        raise LoadError.single(shown, None, f"is not a pfperms lockfile (version: {VERSION}, subjects: ...)")
    entries: list[Entry] = []
    workloads: dict[str, list[str]] = {}
    for subject, systems in data["subjects"].items():
        for system, scopes in (systems or {}).items():
            if system == "workloads":
                workloads[str(subject)] = [str(w) for w in scopes or ()]
                continue
            for scope, grants in (scopes or {}).items():
                for grant in grants or ():
                    text = str(grant)
                    certain = not text.endswith(" (maybe)")
                    entries.append(Entry(str(subject), str(system), str(scope),
                                         text.removesuffix(" (maybe)"), certain,
                                         namespace=_namespace(str(subject))))
    return Snapshot(entries, workloads)


def _namespace(subject: str) -> str:
    """``ServiceAccount apps/x`` -> ``apps``."""
    _, _, ref = subject.partition(" ")
    return ref.partition("/")[0] if "/" in ref else ""
