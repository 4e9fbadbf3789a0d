"""Symbols built from symbols: what an operation on an unknown value evaluates to.

Three shapes (DESIGN idea 3):

* :func:`derive`: any operation whose result depends on a symbol. Its ``key`` is
  the operation spelled over its inputs (``upper(var.name)``), so the same
  operation on the same symbols is the same symbol.
* :func:`join_pieces`: string concatenation (templates, ``join``, ``format``).
  The key is the template with symbol keys substituted (``"${var.name}-sa"``);
  the ``pattern`` is built from the literal parts, so ``"x-${var.a}"`` can never
  equal ``"y"``; nested templates flatten, so the same string built twice is the
  same symbol; and when one part has a ``distinct_group`` the whole template gets
  one too (``"${prefix}-${random_id.a.hex}"`` differs from the same template
  over ``random_id.b.hex``).
* :func:`choice`: a conditional on an unknown condition.

A derived symbol's ``reason`` names the root symbols it depends on (and where
they come from); its ``source`` is where the operation is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...values import Symbol
from .syntax_tree import escape_template_text
from .values import Value, first_symbols, render_value

_LIMIT = 200_000
_ROOTS: dict[str, tuple[Symbol, ...]] = {}
_PARTS: dict[str, tuple[str | Symbol, ...]] = {}


def _remember(table: dict[str, tuple[object, ...]], key: str, value: tuple[object, ...]) -> None:
    if len(table) >= _LIMIT:
        table.clear()
    table[key] = value


def roots_of(symbol: Symbol) -> tuple[Symbol, ...]:
    """The symbols (from the scope or unsupported functions) a symbol was derived from."""
    return _ROOTS.get(symbol.key, (symbol,))


def template_parts(symbol: Symbol) -> tuple[str | Symbol, ...] | None:
    """The literal and symbolic parts of a symbol made by :func:`join_pieces`, if any."""
    return _PARTS.get(symbol.key)


def _reason(roots: Sequence[Symbol]) -> str:
    shown = []
    for root in roots[:3]:
        where = f", at {root.source}" if root.source else ""
        shown.append(f"{root.key} ({root.reason}{where})")
    extra = f" and {len(roots) - 3} more" if len(roots) > 3 else ""
    return "depends on " + ", ".join(shown) + extra


def derive(
    key: str,
    inputs: Iterable[Value],
    *,
    expression: str,
    source: str,
    pattern: str | None = None,
    distinct_group: str | None = None,
) -> Symbol:
    """A symbol for an operation over ``inputs`` (values that hold the symbols it depends on)."""
    roots: dict[str, Symbol] = {}
    for symbol in first_symbols(inputs):
        for root in roots_of(symbol):
            roots.setdefault(root.key, root)
    root_list = list(roots.values())
    hint = next((root.hint for root in root_list if root.hint), "")
    reason = _reason(root_list) if root_list else "known only after apply"
    symbol = Symbol(
        key=key,
        expression=expression,
        source=source,
        reason=reason,
        hint=hint,
        pattern=pattern,
        distinct_group=distinct_group,
    )
    if root_list:
        _remember(_ROOTS, key, tuple(root_list))  # type: ignore[arg-type]
    return symbol


def join_pieces(pieces: Iterable[str | Symbol], *, expression: str, source: str) -> str | Symbol:
    """Concatenate strings and string symbols: a str when all are known, else a template symbol."""
    parts: list[str | Symbol] = []
    for piece in pieces:
        if isinstance(piece, Symbol):
            nested = _PARTS.get(piece.key)
            for part in nested if nested is not None else (piece,):
                _append(parts, part)
        else:
            _append(parts, piece)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    key = '"' + _spell(parts, None) + '"'
    pattern = "".join(
        (f"(?:{part.pattern})" if part.pattern is not None else ".*")
        if isinstance(part, Symbol)
        else re.escape(part)
        for part in parts
    )
    group = None
    for index, part in enumerate(parts):
        if isinstance(part, Symbol) and part.distinct_group is not None:
            group = f'template "{_spell(parts, index)}" over {part.distinct_group}'
            break
    symbol = derive(
        key,
        [part for part in parts if isinstance(part, Symbol)],
        expression=expression,
        source=source,
        pattern=pattern,
        distinct_group=group,
    )
    _remember(_PARTS, key, tuple(parts))  # type: ignore[arg-type]
    return symbol


def _append(parts: list[str | Symbol], part: str | Symbol) -> None:
    if isinstance(part, str):
        if not part:
            return
        if parts and isinstance(parts[-1], str):
            parts[-1] += part
            return
    parts.append(part)


def _spell(parts: list[str | Symbol], hole: int | None) -> str:
    out = []
    for index, part in enumerate(parts):
        if index == hole:
            out.append("${*}")
        elif isinstance(part, Symbol):
            out.append("${" + part.key + "}")
        else:
            out.append(escape_template_text(part))
    return "".join(out)


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
