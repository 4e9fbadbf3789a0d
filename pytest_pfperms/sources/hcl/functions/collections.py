"""Terraform's list, map and set functions, keeping what is known about symbols."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ....limits import LimitExceeded, active_limits
from ....values import PartialList, Symbol
from ..evaluation_errors import FunctionError
from ..go_text import grapheme_count
from ..syntax_tree import render_literal
from ..values import (
    ConversionError,
    TfSet,
    Value,
    contains_symbol,
    equals,
    sorted_dict,
    to_list,
    to_string,
    type_name,
    unify_primitives,
)
from .calling import (
    CallContext,
    any_symbols,
    fail,
    param,
    register,
    whole_number,
)

# --------------------------------------------------------------------------- collections


@register("length", param("value"), symbols=True)
def _length(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if isinstance(value, Symbol):
        return ctx.unknown(args)
    if isinstance(value, str):
        return grapheme_count(value)
    if isinstance(value, TfSet):
        items = list(value)
        for index, item in enumerate(items):
            if contains_symbol(item) and any(
                equals(item, other) is not False for j, other in enumerate(items) if j != index
            ):
                return ctx.unknown(args, hazard=False)
        return len(items)
    if isinstance(value, list | dict):
        return len(value)
    raise fail("argument must be a string, a collection type, or a structural type")


@register("concat", variadic=param("seqs"), symbols=True)
def _concat(ctx: CallContext, args: list[Any]) -> Value:
    if not args:
        raise fail("at least one argument is required")
    out: list[Value] = []
    if any(isinstance(seq, Symbol) for seq in args):  # what the known lists hold, it holds
        known = [item for seq in args for item in
                 (seq.known if isinstance(seq, PartialList) else seq if isinstance(seq, list) else ())]
        unknown = ctx.unknown(args)
        if not known or not isinstance(unknown, Symbol):
            return unknown
        return PartialList(key=unknown.key, expression=unknown.expression, source=unknown.source,
                           reason=unknown.reason, hint=unknown.hint, never_null=True, known=tuple(known))
    for index, seq in enumerate(args):
        if not isinstance(seq, list) or isinstance(seq, TfSet):
            raise FunctionError(
                f'Invalid value for "seqs" parameter: all arguments must be lists or tuples;'
                f" got {type_name(seq)} (argument {index + 1})"
            )
        out.extend(seq)
    return out


@register("merge", variadic=param("maps", nullable=True), symbols=True)
def _merge(ctx: CallContext, args: list[Any]) -> Value:
    out: dict[str, Value] = {}
    for arg in args:
        if isinstance(arg, Symbol):
            return ctx.unknown(args)
        if arg is None:
            continue
        if not isinstance(arg, dict):
            raise fail(f'arguments must be maps or objects, got "{type_name(arg)}"')
        out.update(arg)
    return sorted_dict(out.items())


@register(
    "lookup",
    param("inputMap"),
    param("key", "string"),
    variadic=param("default", nullable=True),
    symbols=True,
)
def _lookup(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) > 3:
        raise fail(f"lookup() takes two or three arguments, got {len(args)}")
    mapping, key = args[0], args[1]
    if isinstance(mapping, Symbol) or isinstance(key, Symbol):
        return ctx.unknown(args)
    if not isinstance(mapping, dict):
        raise FunctionError(
            'Invalid value for "inputMap" parameter: lookup() requires a map as the first argument'
        )
    if key in mapping:
        found: Value = mapping[key]
        return found
    if len(args) == 3:
        default: Value = args[2]
        return default
    raise fail(f"lookup failed to find key {render_literal(key)}")


@register("element", param("list"), param("index", "number"), symbols=True)
def _element(ctx: CallContext, args: list[Any]) -> Value:
    items, index = args
    if isinstance(items, Symbol) or isinstance(index, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list) or isinstance(items, TfSet):
        raise fail(f"cannot read elements from {type_name(items)}")
    position = whole_number(index, "index")
    if not items:
        raise fail("cannot use element function with an empty list")
    chosen: Value = items[position % len(items)]
    return chosen


@register("index", param("list"), param("value"), symbols=True)
def _index(ctx: CallContext, args: list[Any]) -> Value:
    items, wanted = args
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list) or isinstance(items, TfSet):
        raise fail("argument must be a list or tuple")
    if not items:
        raise fail("cannot search an empty list")
    for position, item in enumerate(items):
        same = equals(item, wanted)
        if same is None:
            return ctx.unknown(args, hazard=False)
        if same:
            return position
    raise fail("item not found")


@register("keys", param("inputMap"), symbols=True)
def _keys(ctx: CallContext, args: list[Any]) -> Value:
    mapping = args[0]
    if isinstance(mapping, Symbol):
        return ctx.unknown(args)
    if not isinstance(mapping, dict):
        raise FunctionError('Invalid value for "inputMap" parameter: must have map or object type')
    return sorted(mapping)


@register("values", param("mapping"), symbols=True)
def _values(ctx: CallContext, args: list[Any]) -> Value:
    mapping = args[0]
    if isinstance(mapping, Symbol):
        return ctx.unknown(args)
    if not isinstance(mapping, dict):
        raise fail("values() requires a map as the first argument")
    return [mapping[key] for key in sorted(mapping)]


@register("contains", param("list"), param("value", nullable=True), symbols=True)
def _contains(ctx: CallContext, args: list[Any]) -> Value:
    items, wanted = args
    if isinstance(items, Symbol):
        return ctx.unknown(args, hazard=False)
    if not isinstance(items, list | TfSet):
        raise fail("argument must be list, tuple, or set")
    unknown = False
    for item in items:
        same = equals(wanted, item)
        if same is True:
            return True
        if same is None:
            unknown = True
    return ctx.unknown(args, hazard=False) if unknown else False


@register("distinct", param("list", "list"), symbols=True)
def _distinct(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    out: list[Value] = []
    for item in items:
        decided = [equals(item, seen) for seen in out]
        if None in decided:
            return ctx.unknown(args, hazard=False)
        if not any(decided):
            out.append(item)
    return out


def _flatten_into(items: Iterable[Value], out: list[Value]) -> bool:
    for item in items:
        if isinstance(item, Symbol) and item.pattern is None:
            return False  # an unknown element might itself be a list
        if isinstance(item, list | TfSet):
            if not _flatten_into(item, out):
                return False
        else:
            out.append(item)
    return True


@register("flatten", param("list"), symbols=True)
def _flatten(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list | TfSet):
        raise fail("can only flatten lists, sets and tuples")
    out: list[Value] = []
    if not _flatten_into(items, out):
        return ctx.unknown(args, hazard=False)
    return out


@register("compact", param("list", "list_string"), symbols=True)
def _compact(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    out: list[Value] = []
    for item in items:
        if isinstance(item, Symbol):
            if item.could_be("") or item.pattern is None:
                return ctx.unknown(args, hazard=False)
            out.append(item)
        elif item is not None and item != "":
            out.append(item)
    return out


@register("coalesce", variadic=param("vals", nullable=True), symbols=True)
def _coalesce(ctx: CallContext, args: list[Any]) -> Value:
    kinds = {type_name(arg) for arg in args if arg is not None and not isinstance(arg, Symbol)}
    as_strings = "string" in kinds and kinds <= {"string", "number", "bool"}
    if len(kinds) > 1 and not as_strings:
        raise FunctionError('Invalid value for "vals" parameter: all arguments must have the same type')
    for arg in args:
        if isinstance(arg, Symbol):
            if arg.pattern is not None and not arg.could_be(""):
                return arg
            return ctx.unknown(args, hazard=False)
        if arg is None:
            continue
        value = to_string(arg) if as_strings else arg
        if value == "":
            continue
        return value
    raise fail("no non-null, non-empty-string arguments")


@register("coalescelist", variadic=param("vals", nullable=True), symbols=True)
def _coalescelist(ctx: CallContext, args: list[Any]) -> Value:
    if not args:
        raise fail("at least one argument is required")
    for arg in args:
        if isinstance(arg, Symbol):
            return ctx.unknown(args, hazard=False)
        if arg is None:
            continue
        if not isinstance(arg, list) or isinstance(arg, TfSet):
            raise fail("coalescelist arguments must be lists or tuples")
        if arg:
            return arg
    raise fail("no non-null arguments")


@register("one", param("list"), symbols=True)
def _one(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list | TfSet):
        raise FunctionError(
            'Invalid value for "list" parameter: must be a list, set, or tuple value with'
            " either zero or one elements"
        )
    if isinstance(items, TfSet) and contains_symbol(items) and len(items) > 1:
        return ctx.unknown(args)
    if len(items) == 0:
        return None
    if len(items) == 1:
        return items[0]
    raise FunctionError(
        'Invalid value for "list" parameter: must be a list, set, or tuple value with'
        " either zero or one elements"
    )


@register("reverse", param("list"), symbols=True)
def _reverse(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list | TfSet):
        raise FunctionError(
            'Invalid value for "list" parameter: can only reverse list or tuple values,'
            f" not {type_name(items)}"
        )
    return list(reversed(items))


@register("slice", param("list"), param("start_index", "number"), param("end_index", "number"), symbols=True)
def _slice(ctx: CallContext, args: list[Any]) -> Value:
    items, start, end = args
    if isinstance(items, Symbol) or any_symbols(start, end):
        return ctx.unknown(args)
    if isinstance(items, TfSet):
        raise fail(
            "cannot slice a set, because its elements do not have indices; explicitly convert to"
            " a list if the ordering of the result is not important"
        )
    if not isinstance(items, list):
        raise fail("must be a list or tuple value")
    first, last = whole_number(start, "start index"), whole_number(end, "end index")
    if first < 0:
        raise fail("start index must not be less than zero")
    if first > len(items):
        raise fail("start index must not be greater than the length of the list")
    if last < 0:
        raise fail("end index must not be less than zero")
    if last > len(items):
        raise fail("end index must not be greater than the length of the list")
    if first > last:
        raise fail("start index must not be greater than end index")
    return items[first:last]


@register("chunklist", param("list", "list"), param("size", "number"), symbols=True)
def _chunklist(ctx: CallContext, args: list[Any]) -> Value:
    items, size = args
    if any_symbols(size) or isinstance(items, Symbol):
        return ctx.unknown(args)
    size = whole_number(size, "size")
    if size < 0:
        raise fail("the size argument must be positive")
    if not items:
        return []
    if size == 0:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


@register("sort", param("list", "list_string"))
def _sort(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    for index, item in enumerate(items):
        if item is None:
            raise fail(f"given list element {index} is null; a null string cannot be sorted")
    return sorted(items)


@register("alltrue", param("list", "list_bool"), symbols=True)
def _alltrue(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    unknown = False
    for item in items:
        if item is None or item is False:
            return False
        if isinstance(item, Symbol):
            unknown = True
    return ctx.unknown(args, hazard=False) if unknown else True


@register("anytrue", param("list", "list_bool"), symbols=True)
def _anytrue(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    unknown = False
    for item in items:
        if item is True:
            return True
        if isinstance(item, Symbol):
            unknown = True
    return ctx.unknown(args, hazard=False) if unknown else False


@register("zipmap", param("keys", "list_string"), param("values"), symbols=True)
def _zipmap(ctx: CallContext, args: list[Any]) -> Value:
    keys, values = args
    if isinstance(keys, Symbol) or isinstance(values, Symbol) or any_symbols(keys):
        return ctx.unknown(args)
    if not isinstance(values, list) or isinstance(values, TfSet):
        raise fail("values argument must be a list or tuple value")
    if len(keys) != len(values):
        raise fail(f"number of keys ({len(keys)}) does not match number of values ({len(values)})")
    out: dict[str, Value] = {}
    for index, key in enumerate(keys):
        if key is None:
            raise fail(f"keys list has null value at index {index}")
        out[key] = values[index]
    return sorted_dict(out.items())


@register("matchkeys", param("values", "list"), param("keys", "list"), param("searchset", "list"))
def _matchkeys(ctx: CallContext, args: list[Any]) -> Value:
    values, keys, searchset = args
    if len(values) != len(keys):
        raise fail("length of keys and values should be equal")
    keys = unify_primitives([*keys, *searchset])
    keys, searchset = keys[: len(values)], keys[len(values) :]
    return [
        value
        for value, key in zip(values, keys, strict=True)
        if any(equals(key, search) for search in searchset)
    ]


@register("transpose", param("values", "map"))
def _transpose(ctx: CallContext, args: list[Any]) -> Value:
    out: dict[str, list[str]] = {}
    for key, items in args[0].items():
        if items is None:
            raise fail("input must not contain null list")
        try:
            strings = to_list(items)
        except ConversionError:
            raise fail("input must be a map of lists of strings") from None
        assert isinstance(strings, list)
        for item in strings:
            if item is None:
                raise fail("input list must not contain null string")
            if not isinstance(item, str):
                raise fail("input must be a map of lists of strings")
            out.setdefault(item, []).append(key)
    return sorted_dict((key, sorted(keys)) for key, keys in out.items())  # type: ignore[misc]


@register("setproduct", variadic=param("sets"))
def _setproduct(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) < 2:
        raise fail("at least two arguments are required")
    lists: list[list[Value]] = []
    for arg in args:
        if not isinstance(arg, list | TfSet):
            raise fail("a set or a list is required")
        lists.append(list(arg))
    size = math.prod(len(items) for items in lists)
    if size > active_limits().elements:
        raise LimitExceeded.at(ctx.where, "setproduct() result", "elements", size)
    product: list[list[Value]] = [[]]
    for items in lists:
        product = [[*prefix, item] for prefix in product for item in items]
    rows: list[Value] = list(product)
    if all(isinstance(arg, list) and not isinstance(arg, TfSet) for arg in args):
        return rows
    return TfSet.of(rows)


# --------------------------------------------------------------------------- sets


def _set_arg(value: Value) -> TfSet:
    if isinstance(value, TfSet):
        return value
    if isinstance(value, list):
        return TfSet.of(unify_primitives(value))
    raise FunctionError(f"a set or list is required, got {type_name(value)}")


@register("setunion", param("first_set"), variadic=param("other_sets"), symbols=True)
def _setunion(ctx: CallContext, args: list[Any]) -> Value:
    if any(isinstance(arg, Symbol) for arg in args):
        return ctx.unknown(args)
    items: list[Value] = []
    for arg in args:
        items.extend(_set_arg(arg))
    return TfSet.of(unify_primitives(items))


@register("setintersection", param("first_set"), variadic=param("other_sets"), symbols=True)
def _setintersection(ctx: CallContext, args: list[Any]) -> Value:
    if any(isinstance(arg, Symbol) for arg in args):
        return ctx.unknown(args)
    sets = [_set_arg(arg) for arg in args]
    out: list[Value] = []
    for item in sets[0]:
        verdicts = [_member(item, other) for other in sets[1:]]
        if False in verdicts:
            continue
        if None in verdicts:
            return ctx.unknown(args, hazard=False)
        out.append(item)
    return TfSet.of(out)


@register("setsubtract", param("a"), param("b"), symbols=True)
def _setsubtract(ctx: CallContext, args: list[Any]) -> Value:
    if any(isinstance(arg, Symbol) for arg in args):
        return ctx.unknown(args)
    first, second = _set_arg(args[0]), _set_arg(args[1])
    out: list[Value] = []
    for item in first:
        verdict = _member(item, second)
        if verdict is None:
            return ctx.unknown(args, hazard=False)
        if not verdict:
            out.append(item)
    return TfSet.of(out)


def _member(item: Value, items: Iterable[Value]) -> bool | None:
    unknown = False
    for other in items:
        same = equals(item, other)
        if same is True:
            return True
        if same is None:
            unknown = True
    return None if unknown else False
