"""The built-in policies by id, and choosing them (``recommended`` or a list of ids)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ...model.objects import SourceRef
from ...query.model import Model
from ..evaluation import Finding
from ..format import Policy
from .ids import BUILTIN_IDS, RECOMMENDED, chosen_ids

Check = Callable[[Model], tuple[list[Finding], int]]
"""A built-in's evaluator: its findings over a model, and how many questions it asked."""


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in policy: a stable id, what it finds, why that matters and how to fix it."""

    id: str
    title: str
    why: str
    fix: str
    check: Check
    severity: str = "deny"

    def run(self, model: Model) -> tuple[list[Finding], int]:
        """The check's result over ``model``, computed once per model (models are immutable)."""
        cached = _RESULTS.setdefault(model, {})
        if self.id not in cached:
            cached[self.id] = self.check(model)
        found, checked = cached[self.id]
        return list(found), checked

    def policy(self) -> Policy:
        """As a Policy (for evaluation, exceptions and reports)."""
        return Policy(id=self.id, source=SourceRef(f"<pfperms built-in policy {self.id}>", 0),
                      description=self.title, severity=self.severity, builtin=True, why=self.why,
                      fix=self.fix)


_RESULTS: weakref.WeakKeyDictionary[Model, dict[str, tuple[list[Finding], int]]] = weakref.WeakKeyDictionary()

BUILTINS: dict[str, Builtin] = {}
"""Every built-in policy, by id, in id order once the check modules are imported."""


def register(builtin: Builtin) -> Builtin:
    """Add a built-in (the check modules call this at import)."""
    if builtin.id in BUILTINS:
        raise ValueError(f"built-in {builtin.id} is defined twice")
    BUILTINS[builtin.id] = builtin
    return builtin


def _load_checks() -> None:
    from . import aws, kubernetes, vault  # noqa: F401  (they register their checks)

    if tuple(sorted(BUILTINS)) != BUILTIN_IDS:  # the list options are checked against
        raise RuntimeError(f"the built-in checks define {sorted(BUILTINS)}, ids.BUILTIN_IDS lists "
                           f"{list(BUILTIN_IDS)}: keep them the same")


def selected(names: Iterable[str]) -> list[Builtin]:
    """The built-ins ``names`` choose: ``recommended`` (all of them) or ids; unknown ids are an
    error (see :func:`~.ids.chosen_ids`)."""
    chosen = chosen_ids(names)
    _load_checks()
    return [BUILTINS[name] for name in chosen]


__all__ = ["BUILTINS", "RECOMMENDED", "Builtin", "Check", "register", "selected"]
