"""What grew and what shrank between two snapshots, each change with its cause."""

from __future__ import annotations

from dataclasses import dataclass

from .snapshot import Entry, Snapshot

SYSTEMS = {"kubernetes": "Kubernetes", "aws": "AWS", "vault": "Vault"}


@dataclass(frozen=True, slots=True)
class Change:
    """One entry that appeared (``grew``) or disappeared (``shrank``); the cause is the head
    side's object for a grant that grew, the base side's for one that shrank."""

    direction: str
    entry: Entry

    def line(self) -> str:
        """``+ Kubernetes apps: <rule>  (cause)``."""
        mark = "+" if self.direction == "grew" else "-"
        entry = self.entry
        text = f"{mark} {SYSTEMS[entry.system]} {entry.scope}: {entry.grant}" + (
            "" if entry.certain else " (unknown: depends on values known after apply)")
        if entry.cause.startswith("now: "):  # the current model asked again (a lockfile keeps no causes)
            text += f"\n      {entry.cause}"
        elif entry.cause:
            text += f"\n      {'granted by' if self.direction == 'grew' else 'was granted by'} {entry.cause}"
        return text


def compare(base: Snapshot, head: Snapshot) -> list[Change]:
    """Every entry only in ``head`` (grew) or only in ``base`` (shrank), sorted by subject."""
    before, after = base.keys(), head.keys()
    changes = [Change("grew", after[k]) for k in after if k not in before]
    changes += [Change("shrank", before[k]) for k in before if k not in after]
    return sorted(changes, key=lambda c: (c.entry.namespace, c.entry.key(), c.direction))


def by_subject(changes: list[Change]) -> dict[str, dict[str, list[Change]]]:
    """Changes grouped by namespace, then subject."""
    grouped: dict[str, dict[str, list[Change]]] = {}
    for change in changes:
        namespace = change.entry.namespace or "(cluster)"
        grouped.setdefault(namespace, {}).setdefault(change.entry.subject, []).append(change)
    return grouped


def render_changes(changes: list[Change], workloads: dict[str, list[str]] | None = None) -> str:
    """The changes as text, by namespace and subject: grew (+) and shrank (-)."""
    if not changes:
        return "no change in effective permissions"
    lines: list[str] = []
    for namespace, subjects in sorted(by_subject(changes).items()):
        lines.append(f"namespace {namespace}:")
        for subject, found in sorted(subjects.items()):
            grew = sum(1 for c in found if c.direction == "grew")
            shrank = len(found) - grew
            running = (workloads or {}).get(subject)
            also = f" (runs {', '.join(running)})" if running else ""
            lines.append(f"  {subject}{also}: {grew} grew, {shrank} shrank")
            lines += [f"    {change.line()}" for change in found]
    return "\n".join(lines)
