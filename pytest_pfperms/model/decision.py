"""The answer every engine gives: a three-valued decision with evidence.

The boolean API is a thin wrapper: ``bool(decision)`` is ``decision.allowed``
when that is known and raises :class:`~pytest_pfperms.errors.Indeterminate`
when it is not. The evidence (grant paths, near misses, unknowns) is computed
only when someone asks for it, so deciding stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import Indeterminate
from ..values import Symbol, Tri


class Question(Protocol):
    """Anything a decision is about: it can describe itself in one line."""

    def describe(self) -> str:
        """One line, e.g. ``update persistentvolumeclaims in namespace apps``."""
        ...


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a decision came out as it did.

    ``lines`` is the rendered tree (grant paths for an allow; the nearest rules
    and what did not match for a denial), ``unknowns`` the symbols an unknown
    answer depends on, ``notes`` anything else worth knowing (missing roles,
    tokens not mounted).
    """

    lines: tuple[str, ...]
    unknowns: tuple[Symbol, ...] = ()
    notes: tuple[str, ...] = field(default=())


Explainer = Callable[["Decision"], Explanation]

_recorders: list[list[Decision]] = []


def start_recording() -> list[Decision]:
    """Begin collecting every decision whose truth is asked for; returns the list filled."""
    recorded: list[Decision] = []
    _recorders.append(recorded)
    return recorded


def stop_recording(recorded: list[Decision]) -> None:
    """Stop filling a list returned by :func:`start_recording`."""
    if recorded in _recorders:
        _recorders.remove(recorded)


class Decision:
    """Whether ``subject`` may do ``request``: ``allowed`` is True, False or None (unknown)."""

    __slots__ = ("_explainer", "_explanation", "allowed", "request", "subject")

    def __init__(self, allowed: Tri, subject: object, request: Question, explainer: Explainer):
        self.allowed: Tri = allowed
        self.subject = subject
        self.request = request
        self._explainer = explainer
        self._explanation: Explanation | None = None

    def __bool__(self) -> bool:
        __tracebackhide__ = True   # an Indeterminate points at the test's line, not here
        for recorded in _recorders:
            recorded.append(self)
        if self.allowed is None:
            raise Indeterminate(self.indeterminate_message())
        return self.allowed

    @property
    def verdict(self) -> str:
        """``CAN``, ``CANNOT`` or ``MAY`` (unknown)."""
        return {True: "CAN", False: "CANNOT", None: "MAY"}[self.allowed]

    def summary(self) -> str:
        """One line: who, the verdict and the request."""
        text = f"{self.subject} {self.verdict} {self.request.describe()}"
        if self.allowed is None:
            text += " (unknown: it depends on values not known here)"
        return text

    def explanation(self) -> Explanation:
        """The structured evidence, computed on first use."""
        if self._explanation is None:
            self._explanation = self._explainer(self)
        return self._explanation

    def explain(self) -> str:
        """The summary, then the grant paths or near misses with file:line, then notes."""
        evidence = self.explanation()
        parts = [self.summary(), *("  " + line for line in evidence.lines)]
        if evidence.unknowns:
            parts.append("  depends on:")
            parts += [f"    {symbol.describe()}" for symbol in evidence.unknowns]
        parts += [f"  note: {note}" for note in evidence.notes]
        return "\n".join(parts)

    def indeterminate_message(self) -> str:
        """The text of the Indeterminate error raised by ``bool()`` on an unknown answer."""
        evidence = self.explanation()
        lines = [f"cannot tell whether {self.subject} can {self.request.describe()}: "
                 "the answer depends on values not known here"]
        lines += [f"  {symbol.describe()}" for symbol in evidence.unknowns]
        lines += [f"  {line}" for line in evidence.lines]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Decision {self.summary()}>"
