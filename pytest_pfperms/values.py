"""Symbolic values and three-valued (Kleene) logic.

Terraform knows many values only after ``apply`` (``random_id.x.hex``) or not at
all when nobody set an input (``var.namespace``). Such a value is a
:class:`Symbol`: unknown, but named. Two uses of the same symbol are equal, so a
binding to ``module.x.service_account_name`` matches module x's service account
without knowing the name. Comparisons that depend on a symbol's real value
answer ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

Tri = bool | None

_REFERENCE = re.compile(r"[A-Za-z_][\w.\-\[\]\"*]{0,79}")
"""A three-valued truth: True, False or None (unknown)."""


@dataclass(frozen=True, slots=True, eq=False)
class Symbol:
    """A value unknown before ``terraform apply``, named by where it comes from.

    ``key`` is the identity: symbols with equal keys are the same value.
    ``distinct_group``: two symbols of the same group with different keys are
    known to be different (names of two objects of one kind in one namespace,
    values of two different ``random_id`` resources). ``pattern`` is a regular
    expression every possible value matches (``[0-9a-f]{16}`` for an 8-byte
    ``random_id.hex``), so a literal outside it is known to differ. By convention a
    symbol with a ``pattern`` is known to be a string (never null, never a number);
    the HCL evaluator relies on this for ``== null`` and type checks.
    """

    key: str
    expression: str = ""
    source: str = ""
    reason: str = "known only after apply"
    hint: str = ""
    pattern: str | None = None
    distinct_group: str | None = None
    label: str = ""
    """How messages show it when its key would be long and its meaning plain
    (``example-<generated>`` for a name generated from ``generate_name``)."""
    _compiled: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_compiled", re.compile(self.pattern, re.DOTALL))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.key == self.key

    def __hash__(self) -> int:
        return hash(("Symbol", self.key))

    def __str__(self) -> str:
        """Its label, else ``${...}`` around the reference it was written as when that is short,
        else around its key."""
        if self.label:
            return self.label
        shown = self.expression if _REFERENCE.fullmatch(self.expression or "") else self.key
        return f"${{{shown}}}"

    def could_be(self, value: str) -> bool:
        """Whether ``value`` is a possible value of this symbol."""
        return self._compiled is None or self._compiled.fullmatch(value) is not None

    def describe(self) -> str:
        """One line: the symbol, why it is unknown, where it comes from, how to supply it."""
        text = f"{self.key}"
        if self.expression and self.expression != self.key:
            text += f" (= {self.expression})"
        text += f": {self.reason}"
        if self.source:
            text += f", at {self.source}"
        if self.hint:
            text += f"; {self.hint}"
        return text


Str = str | Symbol
"""A string that may be symbolic."""

StrList = tuple[Str, ...] | Symbol
"""A list of strings (a tuple), any item of which may be symbolic, or a wholly unknown list."""


class UnknownMap(dict[str, "Str"]):
    """A map (labels, annotations) wholly unknown before apply: empty, but carrying its symbol."""

    def __init__(self, symbol: Symbol):
        super().__init__()
        self.symbol = symbol

    def __repr__(self) -> str:
        return f"UnknownMap({self.symbol})"


def is_concrete(value: object) -> bool:
    """True when ``value`` holds no symbol anywhere (strings and tuples of strings)."""
    if isinstance(value, Symbol):
        return False
    if isinstance(value, tuple):
        return all(not isinstance(item, Symbol) for item in value)
    return True


def eq3(left: Str, right: Str) -> Tri:
    """Three-valued equality of two possibly symbolic strings."""
    if left.__class__ is str and right.__class__ is str:
        return left == right
    if isinstance(left, Symbol) and isinstance(right, Symbol):
        if left.key == right.key:
            return True
        if left.distinct_group is not None and left.distinct_group == right.distinct_group:
            return False
        return None
    symbol, literal = (left, right) if isinstance(left, Symbol) else (right, left)
    assert isinstance(symbol, Symbol) and isinstance(literal, str)
    return None if symbol.could_be(literal) else False


def and3(values: Iterable[Tri]) -> Tri:
    """Kleene AND: False wins, then unknown, else True."""
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[Tri]) -> Tri:
    """Kleene OR: True wins, then unknown, else False."""
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def symbols_in(value: object) -> list[Symbol]:
    """Every symbol inside a string, tuple, list or dict value, in order, without repeats."""
    found: dict[str, Symbol] = {}

    def walk(item: object) -> None:
        if isinstance(item, Symbol):
            found.setdefault(item.key, item)
        elif isinstance(item, (tuple, list)):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict):
            for key, sub in item.items():
                walk(key)
                walk(sub)

    walk(value)
    return list(found.values())


def show(value: object) -> str:
    """Render a possibly symbolic value for messages: strings quoted, symbols as ``${key}``."""
    if isinstance(value, Symbol):
        return str(value)
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return repr(value)
