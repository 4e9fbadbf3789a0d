"""Evaluated HCL values: the Value type, Terraform's sets, conversions and equality.

A :data:`Value` is what an expression evaluates to: ``str``, ``int``/``float``
(numbers; integral values are always ints, so ``1`` is never ``1.0``),
``bool``, ``None`` (null), ``list`` (Terraform lists and tuples), ``dict``
(maps and objects, string keys), :class:`TfSet` (sets) or a
:class:`~pytest_pfperms.values.Symbol` (a value unknown before apply). Any
element of a list, set or dict may itself be a Symbol.

Conversions follow cty (Terraform's type system): numbers and bools convert to
strings, numeric strings to numbers, ``"true"``/``"false"`` to bools; anything
else raises :class:`ConversionError` with Terraform's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Context, Decimal
from typing import TypeAlias, Union

from ...values import Symbol
from .syntax_tree import format_number, render_literal

Value: TypeAlias = Union[str, int, float, bool, list["Value"], dict[str, "Value"], "TfSet", Symbol, None]


class TfSet(tuple[Value, ...]):
    """A Terraform set: unique elements in Terraform's order.

    Known strings sort lexically, numbers ascending, false before true (cty's
    order, which ``tolist(toset(...))`` and ``for_each`` expose). Symbols stay
    after the known elements; an element that is a Symbol may turn out equal to
    another, so ``length`` of such a set can be unknown.
    """

    __slots__ = ()

    @classmethod
    def of(cls, items: Iterable[Value]) -> TfSet:
        """The set of ``items``: duplicates removed, elements in Terraform's order."""
        known: list[Value] = []
        symbolic: list[Value] = []
        for item in items:
            target = symbolic if contains_symbol(item) else known
            if not any(equals(item, seen) is True for seen in target):
                target.append(item)
        return cls((*_sorted_elements(known), *symbolic))

    def __repr__(self) -> str:
        return f"TfSet({list(self)!r})"


def _sorted_elements(items: list[Value]) -> list[Value]:
    """cty's order: known strings lexically, numbers ascending, false before true, null last."""
    present = [item for item in items if item is not None]
    nulls: list[Value] = [None] if len(present) < len(items) else []
    if all(isinstance(item, str) for item in present):
        return sorted(present, key=str) + nulls
    if all(_is_number(item) for item in present):
        return sorted(present, key=_number_key) + nulls
    if all(isinstance(item, bool) for item in present):
        return sorted(present, key=bool) + nulls
    return present + nulls


def _number_key(item: Value) -> float:
    assert isinstance(item, int | float)
    return item


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class ConversionError(Exception):
    """A value cannot be converted to the type a function or operator needs."""


# --------------------------------------------------------------------------- inspection


def type_name(value: Value) -> str:
    """Terraform's friendly name for the type of a value (``string``, ``tuple``, ...)."""
    if isinstance(value, Symbol):
        return "unknown value"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, TfSet):
        return "set"
    if isinstance(value, list):
        return "tuple"
    return "object"


def contains_symbol(value: Value) -> bool:
    """True when a Symbol appears anywhere in ``value``."""
    if isinstance(value, Symbol):
        return True
    if isinstance(value, list | tuple):
        return any(contains_symbol(item) for item in value)
    if isinstance(value, dict):
        return any(contains_symbol(item) for item in value.values())
    return False


def first_symbols(values: Iterable[Value]) -> list[Symbol]:
    """The distinct symbols inside ``values``, in order of appearance."""
    found: dict[str, Symbol] = {}

    def walk(item: Value) -> None:
        if isinstance(item, Symbol):
            found.setdefault(item.key, item)
        elif isinstance(item, list | tuple):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict):
            for sub in item.values():
                walk(sub)

    for value in values:
        walk(value)
    return list(found.values())


# --------------------------------------------------------------------------- numbers

_DECIMAL = Context(prec=60)
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def to_decimal(number: int | float) -> Decimal:
    """An exact decimal for a number (floats through their shortest repr: 0.1 is 0.1)."""
    if isinstance(number, int):
        return Decimal(number)
    return Decimal(repr(number))


def from_decimal(number: Decimal) -> int | float:
    """Back from a decimal: an int when the value is integral, else a float."""
    if number.is_finite() and number == number.to_integral_value():
        return int(number)
    return float(number)


def parse_number_text(text: str) -> int | float:
    """A number from a string, as cty's ``ParseNumberVal`` reads it; raises ConversionError."""
    if not _NUMBER_TEXT.match(text):
        raise ConversionError("a number is required")
    return from_decimal(Decimal(text))


def arithmetic(op: str, left: int | float, right: int | float) -> int | float:
    """``+ - * / %`` with Terraform's arbitrary precision (0.1 + 0.2 is 0.3)."""
    if isinstance(left, int) and isinstance(right, int):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
    if op == "/":
        if right == 0:
            if left == 0:
                raise ConversionError("can't divide zero by zero or infinity by infinity")
            return float("inf") if left > 0 else float("-inf")
        if isinstance(left, int) and isinstance(right, int) and left % right == 0:
            return left // right
    if op == "%" and right == 0:
        return left
    a, b = to_decimal(left), to_decimal(right)
    if op == "+":
        result = _DECIMAL.add(a, b)
    elif op == "-":
        result = _DECIMAL.subtract(a, b)
    elif op == "*":
        result = _DECIMAL.multiply(a, b)
    elif op == "/":
        result = _DECIMAL.divide(a, b)
    else:  # %: remainder of truncated division, sign of the dividend (cty Modulo)
        result = _DECIMAL.subtract(a, _DECIMAL.multiply(b, _DECIMAL.divide_int(a, b)))
    return from_decimal(result)


# --------------------------------------------------------------------------- conversions


def to_string(value: Value) -> str | Symbol | None:
    """cty conversion to string: numbers formatted as Terraform does, bools as true/false."""
    if isinstance(value, str) or value is None or isinstance(value, Symbol):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    raise ConversionError(f"string required, but have {type_name(value)}")


def to_number(value: Value) -> int | float | Symbol | None:
    """cty conversion to number: numeric strings parse, bools do not convert."""
    if value is None or isinstance(value, Symbol):
        return value
    if isinstance(value, bool):
        raise ConversionError("number required, but have bool")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return parse_number_text(value)
    raise ConversionError(f"number required, but have {type_name(value)}")


def to_bool(value: Value) -> bool | Symbol | None:
    """cty conversion to bool: ``"true"``/``"1"`` and ``"false"``/``"0"`` strings convert."""
    if value is None or isinstance(value, bool | Symbol):
        return value
    if isinstance(value, str):
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        lowered = value.lower()
        if lowered in ("true", "false"):
            raise ConversionError(f'a bool is required; to convert from string, use lowercase "{lowered}"')
        raise ConversionError("a bool is required")
    raise ConversionError(f"bool required, but have {type_name(value)}")


def to_list(value: Value) -> list[Value] | Symbol | None:
    """Conversion to a list: lists stay, sets become lists in set order."""
    if value is None or isinstance(value, Symbol):
        return value
    if isinstance(value, TfSet):
        return list(value)
    if isinstance(value, list):
        return value
    raise ConversionError(f"list of any single type required, but have {type_name(value)}")


def to_map(value: Value) -> dict[str, Value] | Symbol | None:
    """Conversion to a map: objects and maps stay."""
    if value is None or isinstance(value, Symbol | dict):
        return value
    raise ConversionError(f"map of any single type required, but have {type_name(value)}")


def unify_primitives(items: list[Value]) -> list[Value]:
    """Elements of one type, as cty unifies a tuple into a list: a mix of strings,
    numbers and bools becomes strings; other mixes are left as they are."""
    kinds = {type_name(item) for item in items if item is not None and not isinstance(item, Symbol)}
    if len(kinds) > 1 and kinds <= {"string", "number", "bool"}:
        return [to_string(item) for item in items]
    return items


# --------------------------------------------------------------------------- equality


def equals(left: Value, right: Value) -> bool | None:
    """Terraform's ``==`` with three values: None when it depends on a symbol.

    Values of different types are never equal (``1 == "1"`` is false), as in cty.
    """
    if isinstance(left, Symbol) or isinstance(right, Symbol):
        return _symbol_equals(left, right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if _is_number(left) or _is_number(right):
        return _is_number(left) and _is_number(right) and left == right
    if isinstance(left, TfSet) or isinstance(right, TfSet):
        if not (isinstance(left, TfSet) and isinstance(right, TfSet)):
            return False
        return _set_equals(left, right)
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return False
        return _all3(equals(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return False
        return _all3(equals(left[key], right[key]) for key in left)
    return False


def _symbol_equals(left: Value, right: Value) -> bool | None:
    if isinstance(left, Symbol) and isinstance(right, Symbol):
        if left.key == right.key:
            return True
        if left.distinct_group is not None and left.distinct_group == right.distinct_group:
            return False
        return None
    symbol, other = (left, right) if isinstance(left, Symbol) else (right, left)
    assert isinstance(symbol, Symbol)
    if other is None and (symbol.never_null or symbol.pattern is not None):
        return False  # never null (a symbol with a pattern stands for a string)
    if symbol.pattern is None:
        return None
    # a symbol with a pattern stands for a string
    if isinstance(other, str):
        return None if symbol.could_be(other) else False
    return False


def _set_equals(left: TfSet, right: TfSet) -> bool | None:
    if not contains_symbol(left) and not contains_symbol(right):
        return len(left) == len(right) and all(any(equals(a, b) is True for b in right) for a in left)
    return None


def _all3(results: Iterable[bool | None]) -> bool | None:
    outcome: bool | None = True
    for result in results:
        if result is False:
            return False
        if result is None:
            outcome = None
    return outcome


# --------------------------------------------------------------------------- rendering


def render_value(value: Value) -> str:
    """An HCL-like spelling of a value, symbols by their key; used to build symbol keys."""
    if isinstance(value, Symbol):
        return value.key
    if value is None or isinstance(value, str | bool | int | float):
        return render_literal(value)
    if isinstance(value, TfSet):
        return "toset([" + ", ".join(render_value(item) for item in value) + "])"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if not value:
        return "{}"
    items = ", ".join(f"{render_literal(key)} = {render_value(item)}" for key, item in sorted(value.items()))
    return "{ " + items + " }"


def sorted_dict(items: Iterable[tuple[str, Value]]) -> dict[str, Value]:
    """A dict in Terraform's key order (lexical), as every map and object iterates."""
    return dict(sorted(items, key=_first))


def _first(item: tuple[str, Value]) -> str:
    return item[0]
