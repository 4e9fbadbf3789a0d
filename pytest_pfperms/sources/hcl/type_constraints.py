"""Terraform type constraints (``variable { type = ... }``) and the conversions they make.

A module input is converted to its declared type before the module sees it:
``set(string)`` turns a list into a set (so ``for_each`` accepts it), ``object({...})``
keeps only the declared attributes and fills ``optional(T, default)`` ones that were
left out, ``string`` turns numbers and bools into strings. Symbols pass through:
their type is checked at apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .syntax_tree import (
    Call,
    Expr,
    Literal,
    NodeMemo,
    ObjectExpr,
    Parens,
    Reference,
    Template,
    TupleExpr,
    source_text,
)
from .values import (
    ConversionError,
    TfSet,
    Value,
    to_bool,
    to_number,
    to_string,
)

PRIMITIVES = frozenset({"string", "number", "bool", "any"})


@dataclass(frozen=True, slots=True)
class TfType:
    """A parsed type constraint: ``kind`` is a primitive name, list, set, map, object or tuple."""

    kind: str
    element: TfType | None = None
    attributes: tuple[tuple[str, TfType, bool, Expr | None], ...] = ()  # name, type, optional, default
    elements: tuple[TfType, ...] = ()


ANY = TfType("any")


class TypeConstraintError(ValueError):
    """A value that cannot be converted to the declared type (``terraform plan`` would fail)."""


def parse_type(expr: Expr) -> TfType:
    """The TfType a ``type = ...`` expression spells; unknown spellings are ``any``."""
    return _TYPES.get(expr, lambda: _parse_type(expr))


def _parse_type(expr: Expr) -> TfType:
    if isinstance(expr, Parens):
        return parse_type(expr.expr)
    if isinstance(expr, Reference) and not expr.steps and expr.root in PRIMITIVES:
        return TfType(expr.root)
    if isinstance(expr, Literal) and isinstance(expr.value, str) and expr.value in PRIMITIVES:
        return TfType(expr.value)
    if isinstance(expr, Template) and len(expr.parts) == 1 and expr.parts[0] in PRIMITIVES:
        return TfType(str(expr.parts[0]))
    if isinstance(expr, Call):
        if expr.name in ("list", "set", "map") and len(expr.args) == 1:
            return TfType(expr.name, element=parse_type(expr.args[0]))
        if expr.name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectExpr):
            attributes = []
            for item in expr.args[0].items:
                name = source_text(item.key).strip('"')
                value = item.value
                if isinstance(value, Call) and value.name == "optional" and value.args:
                    default = value.args[1] if len(value.args) > 1 else None
                    attributes.append((name, parse_type(value.args[0]), True, default))
                else:
                    attributes.append((name, parse_type(value), False, None))
            return TfType("object", attributes=tuple(attributes))
        if expr.name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleExpr):
            return TfType("tuple", elements=tuple(parse_type(item) for item in expr.args[0].items))
    return ANY


_TYPES: NodeMemo[TfType] = NodeMemo()


def convert(value: Value, constraint: TfType, default_of: Any) -> Value:
    """Convert ``value`` to ``constraint`` as Terraform does for module inputs.

    ``default_of(expr)`` evaluates an ``optional(T, default)`` default expression.
    """
    from ...values import Symbol

    if value is None or isinstance(value, Symbol) or constraint.kind == "any":
        return value
    kind = constraint.kind
    try:
        if kind == "string":
            return to_string(value)
        if kind == "number":
            return to_number(value)
        if kind == "bool":
            return to_bool(value)
    except ConversionError as error:
        raise TypeConstraintError(f"expected {kind}: {error}") from None
    if kind in ("list", "set"):
        if not isinstance(value, (list, TfSet)):
            raise TypeConstraintError(f"expected {kind}, got {type(value).__name__}")
        element = constraint.element or ANY
        items = [convert(item, element, default_of) for item in value]
        return TfSet.of(items) if kind == "set" else items
    if kind == "map":
        if not isinstance(value, dict):
            raise TypeConstraintError(f"expected map, got {type(value).__name__}")
        element = constraint.element or ANY
        return {key: convert(item, element, default_of) for key, item in value.items()}
    if kind == "object":
        if not isinstance(value, dict):
            raise TypeConstraintError(f"expected object, got {type(value).__name__}")
        converted: dict[str, Value] = {}
        for name, attribute_type, optional, default in constraint.attributes:
            if name in value and value[name] is not None:
                converted[name] = convert(value[name], attribute_type, default_of)
            elif optional:
                filled = default_of(default) if default is not None else None
                converted[name] = convert(filled, attribute_type, default_of) if filled is not None else None
            elif name in value:
                converted[name] = None
            else:
                raise TypeConstraintError(f'attribute "{name}" is required')
        return converted
    if kind == "tuple":
        if not isinstance(value, (list, TfSet)):
            raise TypeConstraintError(f"expected tuple, got {type(value).__name__}")
        return [convert(item, element_type, default_of)
                for item, element_type in zip(value, constraint.elements, strict=False)]
    return value
