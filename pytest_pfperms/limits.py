"""Bounds on the work one load may do, so that a hostile repository cannot hang the gate
or take the machine's memory with values Terraform would build (``count = 1e9``, a
``setproduct`` of five hundred-element lists, a string doubled forty times, ``format``
with a width of a billion).

The defaults are far above what real infrastructure needs (the largest public
configurations surveyed have counts in the tens and strings in the kilobytes); a load
that goes past one is a :class:`LimitExceeded` naming the file, the line and the limit.
Raise them per load with ``pfperms.load(..., limits=Limits(instances=50_000))`` or the
plugin's ``pfperms_limits`` ini option. ``try()`` and ``can()`` do not catch it: a
fallback must not stand in for a value that was refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields

from .errors import LoadError, Problem


@dataclass(frozen=True, slots=True)
class Limits:
    """What one load may build."""

    instances: int = 10_000
    """Instances one ``count`` or ``for_each`` may make (of a resource, data source or module)."""
    elements: int = 100_000
    """Elements one function call may return (``setproduct``, ``flatten``, ...)."""
    string_bytes: int = 16 * 1024 * 1024
    """Characters in one string value built by a template or a function."""
    format_width: int = 100_000
    """Width or precision of one ``format()`` verb."""
    terraform_bytes: int = 8 * 1024 * 1024
    """Terraform source one load may read, all files together (the whole Panfactum stack is
    1.8 MiB; parsing is the slow part of a cold load)."""
    steps: int = 2_000_000
    """Expressions one load may evaluate (the largest root surveyed, in the Panfactum stack,
    evaluates 17,041; nested ``for`` over a thousand values each would take 10^9)."""

    @classmethod
    def parse(cls, text: str) -> Limits:
        """``"instances=50000 elements=2000000"`` (the ini form); raises ValueError."""
        known = {field.name for field in fields(cls)}
        values: dict[str, int] = {}
        for item in text.replace(",", " ").split():
            name, sep, number = item.partition("=")
            if not sep or name not in known or not number.isdigit() or int(number) <= 0:
                raise ValueError(f"pfperms_limits: {item!r} is not NAME=POSITIVE_NUMBER with NAME one "
                                 f"of {', '.join(sorted(known))}")
            values[name] = int(number)
        return cls(**values)


class LimitExceeded(LoadError):
    """A value or expansion past one of the load's :class:`Limits`."""

    @classmethod
    def at(cls, where: str, what: str, limit: str, value: int) -> LimitExceeded:
        """``where`` is ``path:line``; ``limit`` the :class:`Limits` field."""
        path, _, line = where.rpartition(":")
        current = getattr(active_limits(), limit)
        if limit == "steps":  # how many more it needs is not known: it stopped here
            message = (f"{what} takes more than {current:,} steps, pfperms' limit ({limit}); if the "
                       f"repository really needs it, raise it: pfperms_limits = {limit}={current * 10}")
        else:
            message = (f"{what} ({value:,}) is past pfperms' limit of {current:,} ({limit}); if the "
                       f"repository really needs it, raise it: pfperms_limits = {limit}={value}")
        if path and line.isdigit():
            return cls([Problem(path, int(line), message)])
        return cls([Problem(where, None, message)])


DEFAULT_LIMITS = Limits()
_ACTIVE: ContextVar[Limits | None] = ContextVar("pfperms_limits", default=None)


class WorkBudget:
    """The evaluation steps left to one load (shared by every evaluator of the load)."""

    __slots__ = ("left", "limit", "terraform_left")

    def __init__(self, limit: int, terraform_bytes: int = DEFAULT_LIMITS.terraform_bytes) -> None:
        self.limit = limit
        self.left = limit
        self.terraform_left = terraform_bytes


_BUDGET: ContextVar[WorkBudget | None] = ContextVar("pfperms_budget", default=None)


def current_budget() -> WorkBudget:
    """The budget of the load being made (a fresh one outside a load)."""
    limits = active_limits()
    return _BUDGET.get() or WorkBudget(limits.steps, limits.terraform_bytes)


def active_limits() -> Limits:
    """The limits of the load being made."""
    return _ACTIVE.get() or DEFAULT_LIMITS


@contextmanager
def using_limits(limits: Limits) -> Iterator[None]:
    """Make ``limits`` the ones loads in this context use, with a fresh work budget."""
    token = _ACTIVE.set(limits)
    budget = _BUDGET.set(WorkBudget(limits.steps, limits.terraform_bytes))
    try:
        yield
    finally:
        _BUDGET.reset(budget)
        _ACTIVE.reset(token)
