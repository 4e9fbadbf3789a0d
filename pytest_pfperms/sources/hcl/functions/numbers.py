"""Terraform's number, type-conversion and network functions."""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from ....values import Symbol
from ..evaluation_errors import FunctionError
from ..syntax_tree import render_literal
from ..values import (
    ConversionError,
    TfSet,
    Value,
    arithmetic,
    render_value,
    to_bool,
    to_number,
    to_string,
    type_name,
    unify_primitives,
)
from .calling import (
    CallContext,
    fail,
    param,
    register,
    whole_number,
)

# --------------------------------------------------------------------------- numbers


@register("abs", param("num", "number"))
def _abs(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return abs(number) if number != 0 else 0


@register("ceil", param("num", "number"))
def _ceil(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return number if isinstance(number, int) or math.isinf(number) else math.ceil(number)


@register("floor", param("num", "number"))
def _floor(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return number if isinstance(number, int) or math.isinf(number) else math.floor(number)


@register("signum", param("num", "number"))
def _signum(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return (number > 0) - (number < 0)


@register("pow", param("num", "number"), param("power", "number"))
def _pow(ctx: CallContext, args: list[Any]) -> Value:
    base, power = args
    # Terraform's pow is Go's math.Pow on float64 (an integer power of a billion is +Inf
    # there, not a billion-digit integer to compute)
    try:
        result = math.pow(float(base), float(power))
    except OverflowError:
        return float("inf")
    except (ValueError, ZeroDivisionError):
        if base == 0 and power < 0:
            return float("inf")
        raise fail("result is not a real number") from None
    return _tidy(result)


@register("log", param("num", "number"), param("base", "number"))
def _log(ctx: CallContext, args: list[Any]) -> Value:
    number, base = args
    try:
        return _tidy(math.log(number, base))
    except (ValueError, ZeroDivisionError):
        return float("-inf") if number == 0 else float("nan")


def _tidy(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


@register("min", variadic=param("numbers", "number"))
def _min(ctx: CallContext, args: list[Any]) -> Value:
    numbers: list[int | float] = args
    if not numbers:
        raise fail("must pass at least one number")
    return min(numbers)


@register("max", variadic=param("numbers", "number"))
def _max(ctx: CallContext, args: list[Any]) -> Value:
    numbers: list[int | float] = args
    if not numbers:
        raise fail("must pass at least one number")
    return max(numbers)


@register("parseint", param("number", "string"), param("base", "number"))
def _parseint(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    base = whole_number(args[1], "base")
    if not 2 <= base <= 62:
        raise fail("base must be a whole number between 2 and 62 inclusive")
    digits = text[1:] if text[:1] in "+-" else text
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value = 0
    for char in digits:
        index = alphabet.find(char.lower() if base <= 36 else char)
        if index < 0 or index >= base:
            raise fail(f"cannot parse {render_literal(text)} as a base {base} integer")
        value = value * base + index
    if not digits:
        raise fail(f"cannot parse {render_literal(text)} as a base {base} integer")
    return -value if text.startswith("-") else value


@register("sum", param("list"))
def _sum(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if not isinstance(items, list):
        raise fail(f"argument must be list, set, or tuple. Received {type_name(items)}")
    if not items:
        raise fail("cannot sum an empty list")
    total: int | float = 0
    for item in items:
        if item is None:
            raise fail("argument must be list, set, or tuple of number values")
        try:
            number = to_number(item)
        except ConversionError:
            raise fail("argument must be list, set, or tuple of number values") from None
        assert isinstance(number, int | float)
        total = arithmetic("+", total, number)
    return total


@register("range", variadic=param("params", "number"))
def _range(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) == 1:
        start, end, step = 0, args[0], (-1 if args[0] < 0 else 1)
    elif len(args) == 2:
        start, end = args
        step = -1 if end < start else 1
    elif len(args) == 3:
        start, end, step = args
    else:
        raise fail("must have one, two, or three arguments")
    if step == 0:
        raise fail("step must not be zero")
    down = step < 0
    if down and end > start:
        raise fail("end must be less than start when step is negative")
    if not down and end < start:
        raise fail("end must be greater than start when step is positive")
    out: list[Value] = []
    number: int | float = start
    while (number > end) if down else (number < end):
        if len(out) >= 1024:
            raise fail(
                "more than 1024 values were generated; either decrease the difference between"
                " start and end or use a smaller step"
            )
        out.append(number)
        number = arithmetic("+", number, step)
    return out


# --------------------------------------------------------------------------- conversions


@register("tostring", param("v", nullable=True), symbols=True)
def _tostring(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if isinstance(value, list | dict):
        raise FunctionError(f'Invalid value for "v" parameter: cannot convert {type_name(value)} to string')
    return to_string(value)


@register("tonumber", param("v", nullable=True))
def _tonumber(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    try:
        return to_number(value)
    except ConversionError:
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {render_value(value)} to number'
        ) from None


@register("tobool", param("v", nullable=True))
def _tobool(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    try:
        return to_bool(value)
    except ConversionError:
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {render_value(value)} to bool'
        ) from None


@register("tolist", param("v", nullable=True), symbols=True)
def _tolist(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if value is None or isinstance(value, Symbol):
        return value
    if not isinstance(value, list | TfSet):
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {type_name(value)} to list of any single type'
        )
    return unify_primitives(list(value))


@register("toset", param("v", nullable=True), symbols=True)
def _toset(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if value is None or isinstance(value, Symbol):
        return value
    if not isinstance(value, list | TfSet):
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {type_name(value)} to set of any single type'
        )
    return TfSet.of(unify_primitives(list(value)))


@register("tomap", param("v", nullable=True), symbols=True)
def _tomap(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if value is None or isinstance(value, Symbol):
        return value
    if not isinstance(value, dict):
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {type_name(value)} to map of any single type'
        )
    keys = sorted(value)
    unified = unify_primitives([value[key] for key in keys])
    return dict(zip(keys, unified, strict=True))


@register("sensitive", param("value", nullable=True), symbols=True)
def _sensitive(ctx: CallContext, args: list[Any]) -> Value:
    value: Value = args[0]
    return value


@register("nonsensitive", param("value", nullable=True), symbols=True)
def _nonsensitive(ctx: CallContext, args: list[Any]) -> Value:
    value: Value = args[0]
    return value


@register("issensitive", param("value", nullable=True), symbols=True)
def _issensitive(ctx: CallContext, args: list[Any]) -> Value:
    return False


# --------------------------------------------------------------------------- network


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise fail(f"invalid CIDR expression: invalid CIDR address: {text}") from None


@register("cidrhost", param("prefix", "string"), param("hostnum", "number"))
def _cidrhost(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    number = whole_number(args[1], "host number")
    size = network.num_addresses
    if number < -size or number >= size:
        raise fail(f"prefix of {network.prefixlen} does not accommodate a host numbered {number}")
    base = int(network.network_address)
    address = base + (number if number >= 0 else size + number)
    return str(ipaddress.ip_address(address))


@register("cidrnetmask", param("prefix", "string"))
def _cidrnetmask(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    if network.version != 4:
        raise fail("only IPv4 networks are supported")
    return str(network.netmask)


@register("cidrsubnet", param("prefix", "string"), param("newbits", "number"), param("netnum", "number"))
def _cidrsubnet(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    newbits, netnum = whole_number(args[1], "newbits"), whole_number(args[2], "netnum")
    new_prefix = network.prefixlen + newbits
    if new_prefix > network.max_prefixlen:
        raise fail(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
    if netnum < 0 or netnum >= 2**newbits:
        raise fail(f"prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    base = int(network.network_address) + (netnum << (network.max_prefixlen - new_prefix))
    return f"{ipaddress.ip_address(base)}/{new_prefix}"
