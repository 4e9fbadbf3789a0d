"""Symbols the HCL evaluator makes: conditionals on unknowns and calls it cannot evaluate.

The general algebra (:func:`~pytest_pfperms.values.derive`,
:func:`~pytest_pfperms.values.join_pieces`) is value algebra and lives in
:mod:`pytest_pfperms.values`; here are the two shapes that spell HCL values:
:func:`choice` (``cond ? a : b`` on an unknown condition) and :func:`unsupported`.
"""

from __future__ import annotations

import re

from ...values import Choice, Symbol, derive
from .values import Value, render_value


def choice(cond: Value, then: Value, else_: Value, *, expression: str, source: str) -> Symbol:
    """``cond ? then : else_`` when ``cond`` is unknown and the branches differ."""
    key = f"({render_value(cond)} ? {render_value(then)} : {render_value(else_)})"
    pattern = None
    alternatives = [_string_pattern(then), _string_pattern(else_)]
    if alternatives[0] is not None and alternatives[1] is not None:
        pattern = f"(?:{alternatives[0]})|(?:{alternatives[1]})"
    symbol = derive(key, [cond, then, else_], expression=expression, source=source, pattern=pattern)
    choices = _choices(then) + _choices(else_)
    if choices and len(set(choices)) <= MAX_CHOICES and all(_choices(v) for v in (then, else_)):
        return Choice(key=symbol.key, expression=symbol.expression, source=symbol.source,
                      reason=symbol.reason, hint=symbol.hint, pattern=symbol.pattern,
                      never_null=True, choices=tuple(dict.fromkeys(choices)))
    return symbol


MAX_CHOICES = 8
"""At most this many strings make a :class:`~pytest_pfperms.values.Choice`; more stay opaque."""


def _choices(value: Value) -> tuple[str, ...]:
    """The strings a branch can be: itself, or a nested choice's; empty for anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Choice):
        return value.choices
    return ()


def _string_pattern(value: Value) -> str | None:
    if isinstance(value, str):
        return re.escape(value)
    if isinstance(value, Symbol):
        return value.pattern
    return None


def unsupported(name: str, key: str, *, expression: str, source: str, reason: str = "") -> Symbol:
    """A root symbol for a call we cannot evaluate (an unsupported or impure function)."""
    return Symbol(
        key=key,
        expression=expression,
        source=source,
        reason=reason or f"function {name}() is not supported by pytest-pfperms",
        hint="",
    )
