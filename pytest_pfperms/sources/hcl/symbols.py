"""Symbols the HCL evaluator makes: conditionals on unknowns and calls it cannot evaluate.

The general algebra (:func:`~pytest_pfperms.values.derive`,
:func:`~pytest_pfperms.values.join_pieces`) is value algebra and lives in
:mod:`pytest_pfperms.values`; here are the two shapes that spell HCL values:
:func:`choice` (``cond ? a : b`` on an unknown condition) and :func:`unsupported`.
"""

from __future__ import annotations

import re

from ...values import Symbol, derive
from .values import Value, render_value


def choice(cond: Value, then: Value, else_: Value, *, expression: str, source: str) -> Symbol:
    """``cond ? then : else_`` when ``cond`` is unknown and the branches differ."""
    key = f"({render_value(cond)} ? {render_value(then)} : {render_value(else_)})"
    pattern = None
    alternatives = [_string_pattern(then), _string_pattern(else_)]
    if alternatives[0] is not None and alternatives[1] is not None:
        pattern = f"(?:{alternatives[0]})|(?:{alternatives[1]})"
    return derive(key, [cond, then, else_], expression=expression, source=source, pattern=pattern)


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
