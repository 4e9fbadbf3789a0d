"""The built-in policies' ids, and the choice of them a run's options make, known without
importing the checks (which import every engine): an option naming an unknown id is an error
at start-up, while the pack itself is imported only where its items are collected (never in
a pytest-xdist controller). :func:`~.registry.selected` holds the checks to this list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ...errors import InvalidArgument

RECOMMENDED = "recommended"
"""The name that turns on every built-in policy."""

BUILTIN_IDS: tuple[str, ...] = (
    "PF-AWS-001", "PF-AWS-002", "PF-AWS-003", "PF-AWS-004",
    "PF-K8S-001", "PF-K8S-002", "PF-K8S-003", "PF-K8S-004", "PF-K8S-005", "PF-K8S-006", "PF-K8S-007",
    "PF-K8S-008", "PF-K8S-009", "PF-K8S-010", "PF-K8S-011", "PF-K8S-012", "PF-K8S-013", "PF-K8S-014",
    "PF-VAULT-001", "PF-VAULT-002", "PF-VAULT-003",
)
"""Every built-in policy's id, in id order (the check modules define exactly these)."""


def chosen_ids(names: Iterable[str]) -> list[str]:
    """The ids ``names`` choose, in the order given: ``recommended`` (all of them) or ids; an
    unknown id is an InvalidArgument naming the closest one, or every one."""
    chosen: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name == RECOMMENDED:
            chosen.update(dict.fromkeys(BUILTIN_IDS))
            continue
        if name not in BUILTIN_IDS:
            close = difflib.get_close_matches(name, BUILTIN_IDS, n=1, cutoff=0.6)
            hint = (f"; did you mean {close[0]!r}?" if close
                    else f"; known: {RECOMMENDED}, {', '.join(BUILTIN_IDS)}")
            raise InvalidArgument(f"no built-in policy {name!r}{hint}")
        chosen[name] = None
    return list(chosen)


__all__ = ["BUILTIN_IDS", "RECOMMENDED", "chosen_ids"]
