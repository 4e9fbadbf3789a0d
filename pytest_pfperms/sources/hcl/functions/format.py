"""Terraform's ``format()`` verbs (cty's printf): ``%s %q %v %#v %t %d %b %o %x %X %e %E %f %g %G``.

Flags ``+ - # 0`` and space, a width, a ``.precision`` and an explicit argument
index ``[n]`` are supported as cty supports them. Widths and precisions count
characters (grapheme clusters approximately). Plain ``%s``/``%v`` of a symbol
keeps the symbol (the result is a template symbol); any other verb on a symbol
raises :class:`NeedsKnown`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from ....limits import active_limits
from ....values import Symbol
from ..go_text import grapheme_count, graphemes
from ..values import (
    ConversionError,
    TfSet,
    Value,
    to_bool,
    to_decimal,
    to_number,
    to_string,
)


class FormatTooWide(Exception):
    """A verb's width or precision is past ``Limits.format_width`` (the caller adds where)."""

    def __init__(self, width: int):
        super().__init__(width)
        self.width = width

class FormatError(Exception):
    """The format string or its arguments are invalid (Terraform's wording)."""


class NeedsKnown(Exception):
    """A verb other than a plain ``%s``/``%v`` was applied to a symbol."""


@dataclass(slots=True)
class _Verb:
    raw: str
    offset: int
    arg: int
    mode: str
    zero: bool = False
    sharp: bool = False
    plus: bool = False
    minus: bool = False
    space: bool = False
    width: int = -1
    prec: int = -1


_VERB = re.compile(
    r"%(?P<flags>[-+# 0]*)(?P<width>[1-9][0-9]*)?(?P<prec>\.[0-9]*)?(?:\[(?P<arg>[1-9][0-9]*)\])?"
    r"(?P<mode>[A-Za-z])?"
)


def format_pieces(spec: str, args: list[Value]) -> list[str | Symbol]:
    """Apply ``spec`` to ``args``: the output as strings and (for ``%s``/``%v``) symbols."""
    out: list[str | Symbol] = []
    next_arg = 1
    highest = 0
    i = 0
    n = len(spec)
    while i < n:
        percent = spec.find("%", i)
        if percent < 0:
            out.append(spec[i:])
            break
        out.append(spec[i:percent])
        if spec.startswith("%%", percent):
            out.append("%")
            i = percent + 2
            continue
        match = _VERB.match(spec, percent)
        assert match is not None
        if match.group("mode") is None:
            if match.end() >= n:
                raise FormatError(f"invalid format string starting at offset {percent}")
            raise FormatError(f"unrecognized format character {spec[match.end()]!r} at offset {match.end()}")
        flags = match.group("flags")
        verb = _Verb(
            raw=match.group(),
            offset=percent,
            arg=int(match.group("arg")) if match.group("arg") else next_arg,
            mode=match.group("mode"),
            zero="0" in flags,
            sharp="#" in flags,
            plus="+" in flags,
            minus="-" in flags,
            space=" " in flags,
        )
        if match.group("width"):
            verb.width = int(match.group("width"))
        if match.group("prec") is not None:
            verb.prec = int(match.group("prec")[1:] or "0")
        if max(verb.width, verb.prec) > active_limits().format_width:
            raise FormatTooWide(max(verb.width, verb.prec))
        highest = max(highest, verb.arg)
        out.append(_format_one(verb, args))
        next_arg = verb.arg + 1
        i = match.end()
    if highest < len(args):
        if highest == 0:
            raise FormatError("too many arguments; no verbs in format string")
        raise FormatError(f"too many arguments; only {highest} used by format string")
    return out


def _quoted(text: str) -> str:
    """Go's ``%q`` of a string."""
    return json.dumps(text, ensure_ascii=False)


def _format_one(verb: _Verb, args: list[Value]) -> str | Symbol:
    index = verb.arg - 1
    if index >= len(args):
        raise FormatError(
            f"not enough arguments for {_quoted(verb.raw)} at {verb.offset}: need index {verb.arg}"
            f" but have {len(args)} total"
        )
    arg = args[index]
    if isinstance(arg, Symbol):
        if verb.mode in "sv" and verb.width < 0 and verb.prec < 0 and not verb.sharp:
            return arg
        raise NeedsKnown
    if verb.mode != "v" and arg is None:
        raise FormatError(
            f"unsupported value for {_quoted(verb.raw)} at {verb.offset}: null value cannot be formatted"
        )
    try:
        if verb.mode == "v":
            return _format_as_is(verb, arg)
        if verb.mode == "t":
            truth = to_bool(arg)
            return "true" if truth else "false"
        if verb.mode in "bdoxXeEfgG":
            number = to_number(arg)
            assert isinstance(number, int | float)
            if verb.mode in "bdoxX":
                return _format_integer(verb, number)
            return _format_float(verb, number)
        if verb.mode in "sq":
            return _format_string(verb, arg)
    except ConversionError as error:
        raise FormatError(f"unsupported value for {_quoted(verb.raw)} at {verb.offset}: {error}") from None
    raise FormatError(f"unsupported format verb {verb.mode!r} in {_quoted(verb.raw)} at offset {verb.offset}")


def _pad(verb: _Verb, text: str) -> str:
    if verb.width < 0:
        return text
    missing = verb.width - grapheme_count(text)
    if missing <= 0:
        return text
    pad = ("0" if verb.zero else " ") * missing
    return text + pad if verb.minus else pad + text


def json_text(value: Value) -> str:
    """cty's JSON for ``%#v`` and ``jsonencode``: sorted keys, compact, HTML-safe escapes."""
    from .encoding import json_encode

    return json_encode(value)


def _format_as_is(verb: _Verb, arg: Value) -> str:
    if not verb.sharp and arg is not None:
        if isinstance(arg, str):
            return _pad(verb, arg)
        if isinstance(arg, int | float) and not isinstance(arg, bool):
            return _pad(verb, shortest_g(arg))
    return _pad(verb, json_text(arg))


def _format_string(verb: _Verb, arg: Value) -> str:
    text = to_string(arg)
    assert isinstance(text, str)
    if verb.prec > 0:
        text = "".join(graphemes(text)[: verb.prec])
    if verb.mode == "q":
        text = json.dumps(text, ensure_ascii=False)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _pad(verb, text)


def _go_pad_number(verb: _Verb, sign: str, body: str) -> str:
    """Go's fmt padding for numbers: zeros go between the sign and the digits."""
    text = sign + body
    if verb.width < 0 or len(text) >= verb.width:
        return text
    missing = verb.width - len(text)
    if verb.minus:
        return text + " " * missing
    if verb.zero:
        return sign + "0" * missing + body
    return " " * missing + text


def _sign(negative: bool, verb: _Verb) -> str:
    if negative:
        return "-"
    if verb.plus:
        return "+"
    if verb.space:
        return " "
    return ""


def _format_integer(verb: _Verb, number: int | float) -> str:
    if isinstance(number, float):
        raise FormatError(
            f"unsupported value for {_quoted(verb.raw)} at {verb.offset}: an integer is required"
        )
    base = {"b": "b", "d": "d", "o": "o", "x": "x", "X": "X"}[verb.mode]
    digits = format(abs(number), base)
    if verb.prec >= 0:
        digits = "" if verb.prec == 0 and number == 0 else digits.rjust(verb.prec, "0")
    prefix = ""
    if verb.sharp:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb.mode, "")
    if verb.prec >= 0:
        verb = replace(verb, zero=False)  # Go ignores the 0 flag when a precision is given
    return _go_pad_number(verb, _sign(number < 0, verb) + prefix, digits)


def shortest_g(number: int | float | Decimal) -> str:
    """Go's ``big.Float.Text('g', -1)``: shortest digits; %e form when the exponent is
    below -4 or at least 6 (so ``%v`` of 1000000 is ``1e+06``)."""
    value = number if isinstance(number, Decimal) else to_decimal(number)
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    exp = exponent - 1  # the exponent of the first digit
    if exp < -4 or exp >= 6:
        return sign + _e_notation(digits, exp, len(digits) - 1, "e")
    return sign + _f_notation(digits, exponent, max(len(digits) - exponent, 0))


def _shortest_digits(value: Decimal) -> tuple[str, int]:
    """Digits without trailing zeros and the decimal exponent (value = 0.DIGITS x 10**exp)."""
    _sign, digit_tuple, exp = value.normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    assert isinstance(exp, int)
    return digits, len(digits) + exp


def _e_notation(digits: str, exp: int, precision: int, letter: str) -> str:
    mantissa = digits[0]
    rest = digits[1:].ljust(precision, "0")[:precision] if precision > 0 else ""
    if rest:
        mantissa += "." + rest
    sign = "-" if exp < 0 else "+"
    return f"{mantissa}{letter}{sign}{abs(exp):02d}"


def _f_notation(digits: str, exponent: int, decimals: int) -> str:
    """``0.DIGITS x 10**exponent`` with exactly ``decimals`` digits after the point."""
    if exponent <= 0:
        integral, fraction = "0", "0" * (-exponent) + digits
    elif exponent >= len(digits):
        integral, fraction = digits + "0" * (exponent - len(digits)), ""
    else:
        integral, fraction = digits[:exponent], digits[exponent:]
    fraction = fraction.ljust(decimals, "0")[:decimals]
    return integral + ("." + fraction if decimals > 0 else "")


def _format_float(verb: _Verb, number: int | float) -> str:
    value = to_decimal(number)
    negative = value < 0 or (value == 0 and str(value).startswith("-"))
    value = abs(value)
    mode = verb.mode
    prec = verb.prec
    with localcontext() as context:
        context.prec = 200
        context.rounding = ROUND_HALF_EVEN
        if mode == "f":
            body = format(value, f".{6 if prec < 0 else prec}f")
        elif mode in "eE":
            body = _format_e(value, 6 if prec < 0 else prec, mode)
        else:  # g, G
            letter = "e" if mode == "g" else "E"
            if prec < 0:
                body = shortest_g(value)
                if letter == "E":
                    body = body.replace("e", "E")
            else:
                body = _format_g(value, max(prec, 1), letter)
    return _go_pad_number(verb, _sign(negative, verb), body)


def _format_e(value: Decimal, prec: int, letter: str) -> str:
    if value == 0:
        mantissa = "0" + ("." + "0" * prec if prec > 0 else "")
        return f"{mantissa}{letter}+00"
    text = format(value, f".{prec}e")  # Decimal: "1.500000e+3"
    mantissa, _, exponent = text.partition("e")
    exp = int(exponent)
    sign = "-" if exp < 0 else "+"
    return f"{mantissa}{letter}{sign}{abs(exp):02d}"


def _format_g(value: Decimal, prec: int, letter: str) -> str:
    """Go's ``%.Ng``: N significant digits, trailing zeros dropped."""
    if value == 0:
        return "0"
    rounded = round(value, prec - value.adjusted() - 1)
    digits, exponent = _shortest_digits(rounded)
    eprec = prec
    if eprec > len(digits) and len(digits) >= exponent:
        eprec = len(digits)
    exp = exponent - 1
    if exp < -4 or exp >= eprec:
        return _e_notation(digits, exp, min(prec, len(digits)) - 1, letter)
    if prec > exponent:
        prec = len(digits)
    return _f_notation(digits, exponent, max(prec - exponent, 0))


def format_list_lengths(args: list[Value]) -> int:
    """How many results ``formatlist`` makes: the common length of its list arguments,
    1 when none is a list; raise FormatError when they differ."""
    length = -1
    chooser = -1
    for index, arg in enumerate(args):
        if isinstance(arg, list | TfSet):
            if length == -1:
                length, chooser = len(arg), index
            elif len(arg) != length:
                raise FormatError(
                    f"argument {index + 1} has length {len(arg)}, which is inconsistent with"
                    f" argument {chooser + 1} of length {length}"
                )
    return 1 if length == -1 else length
