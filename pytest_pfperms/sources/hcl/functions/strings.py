"""Terraform's string, regular-expression, format, encoding and hash functions."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import posixpath
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from ....limits import LimitExceeded
from ....values import EncodedDocument, Symbol
from ..go_text import (
    go_lower,
    go_title,
    go_trim_space,
    go_upper,
    graphemes,
)
from ..syntax_tree import render_literal
from ..values import TfSet, Value, contains_symbol, sorted_dict, to_string
from .calling import (
    FUNCTIONS,
    CallContext,
    Function,
    fail,
    param,
    register,
    whole_number,
)
from .encoding import (
    json_decode,
    json_encode,
    yaml_decode,
    yaml_encode,
)
from .format import (
    FormatError,
    FormatTooWide,
    NeedsKnown,
    format_list_lengths,
    format_pieces,
)
from .regex import GoMatch, GoRegexp, compile_re2, go_matches, go_replace_all

# --------------------------------------------------------------------------- strings


def _string_fn(name: str, op: Callable[[str], str], *, argument: str = "str") -> None:
    def impl(ctx: CallContext, args: list[Any]) -> Value:
        return op(args[0])

    FUNCTIONS[name] = Function(name, impl, (param(argument, "string"),))


_string_fn("upper", go_upper)
_string_fn("lower", go_lower)
_string_fn("title", go_title)
_string_fn("trimspace", go_trim_space)
_string_fn("strrev", lambda text: "".join(reversed(graphemes(text))))
_string_fn("chomp", lambda text: text.rstrip("\r\n"))
_string_fn("base64encode", lambda text: base64.b64encode(text.encode()).decode("ascii"))
_string_fn("md5", lambda text: hashlib.md5(text.encode()).hexdigest())
_string_fn("sha1", lambda text: hashlib.sha1(text.encode()).hexdigest())
_string_fn("sha256", lambda text: hashlib.sha256(text.encode()).hexdigest())
_string_fn("sha512", lambda text: hashlib.sha512(text.encode()).hexdigest())
_string_fn("base64sha256", lambda text: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode())
_string_fn("base64sha512", lambda text: base64.b64encode(hashlib.sha512(text.encode()).digest()).decode())
_string_fn("urlencode", lambda text: urllib.parse.quote_plus(text, safe=""))
_string_fn("basename", lambda path: _go_base(path), argument="path")
_string_fn("dirname", lambda path: _go_dir(path), argument="path")


def _go_base(path: str) -> str:
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path.rsplit("/", 1)[-1]


def _go_dir(path: str) -> str:
    head = path[: path.rfind("/") + 1]
    cleaned = posixpath.normpath(head) if head else "."
    return "/" if cleaned == "//" else cleaned


@register("base64decode", param("str", "string"))
def _base64decode(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise fail(f"failed to decode base64 data {render_literal(text)}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("the result of decoding the provided string is not valid UTF-8") from None


@register("uuidv5", param("namespace", "string"), param("name", "string"))
def _uuidv5(ctx: CallContext, args: list[Any]) -> Value:
    namespace, name = args
    known = {
        "dns": uuid.NAMESPACE_DNS,
        "url": uuid.NAMESPACE_URL,
        "oid": uuid.NAMESPACE_OID,
        "x500": uuid.NAMESPACE_X500,
    }
    try:
        space = known.get(namespace) or uuid.UUID(namespace)
    except ValueError:
        raise fail(f"uuidv5() doesn't support namespace {namespace}") from None
    return str(uuid.uuid5(space, name))


@register("substr", param("str", "string"), param("offset", "number"), param("length", "number"))
def _substr(ctx: CallContext, args: list[Any]) -> Value:
    clusters = graphemes(args[0])
    offset = whole_number(args[1], "offset")
    length = whole_number(args[2], "length")
    # a port of cty's SubstrFunc, quirks included (a negative offset with length 0
    # returns the rest of the string)
    if offset < 0:
        offset += len(clusters)
    elif length == 0:
        return ""
    rest = clusters
    if offset > 0:
        if offset >= len(clusters):
            return ""
        rest = clusters[offset:]
    if length <= 0:
        return "".join(rest)
    return "".join(rest[:length])


@register("indent", param("spaces", "number"), param("str", "string"))
def _indent(ctx: CallContext, args: list[Any]) -> Value:
    spaces = whole_number(args[0], "spaces")
    text: str = args[1]
    return text.replace("\n", "\n" + " " * max(spaces, 0))


@register("split", param("separator", "string"), param("str", "string"))
def _split(ctx: CallContext, args: list[Any]) -> Value:
    separator, text = args
    if separator == "":
        return list(text)
    return list(text.split(separator))


@register("join", param("separator", "string"), variadic=param("lists", "list_string"), symbols=True)
def _join(ctx: CallContext, args: list[Any]) -> Value:
    separator = args[0]
    lists = args[1:]
    if not lists:
        raise fail("at least one list is required")
    if isinstance(separator, Symbol) or any(isinstance(items, Symbol) for items in lists):
        return ctx.unknown(args)
    pieces: list[str | Symbol] = []
    first = True
    for list_index, items in enumerate(lists):
        for item_index, item in enumerate(items):
            if item is None:
                where = (
                    f"element {item_index} of list {list_index + 1}"
                    if len(lists) > 1
                    else f"element {item_index}"
                )
                raise fail(f"{where} is null; cannot concatenate null values")
            if not first:
                pieces.append(separator)
            pieces.append(item)
            first = False
    return ctx.pieces(pieces)


@register("replace", param("str", "string"), param("substr", "string"), param("replace", "string"))
def _replace(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    old: str = args[1]
    new: str = args[2]
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return go_replace_all(compile_re2(old[1:-1]), text, new)
    if old == "":  # Go's strings.Replace inserts at every rune boundary
        return new + new.join(text) + new if text else new
    return text.replace(old, new)


@register("trim", param("str", "string"), param("cutset", "string"))
def _trim(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    cutset: str = args[1]
    return text.strip(cutset) if cutset else text


@register("trimprefix", param("str", "string"), param("prefix", "string"))
def _trimprefix(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.removeprefix(args[1])


@register("trimsuffix", param("str", "string"), param("suffix", "string"))
def _trimsuffix(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.removesuffix(args[1])


@register("startswith", param("str", "string"), param("prefix", "string"))
def _startswith(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.startswith(args[1])


@register("endswith", param("str", "string"), param("suffix", "string"))
def _endswith(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.endswith(args[1])


@register("strcontains", param("str", "string"), param("substr", "string"))
def _strcontains(ctx: CallContext, args: list[Any]) -> Value:
    return args[1] in args[0]


def _regex_result(match: GoMatch) -> Value:
    compiled = match.re
    if compiled.groups == 0:
        return str(match.group())
    names = compiled.groupindex
    if names:
        if len(names) != compiled.groups:
            raise fail("invalid pattern: named and unnamed capture groups cannot be mixed")
        return sorted_dict((name, match.group(name)) for name in names)
    return [match.group(index) for index in range(1, compiled.groups + 1)]


def _compile_checked(pattern: str) -> GoRegexp:
    compiled = compile_re2(pattern)
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise fail("invalid pattern: named and unnamed capture groups cannot be mixed")
    return compiled


@register("regex", param("pattern", "string"), param("string", "string"))
def _regex(ctx: CallContext, args: list[Any]) -> Value:
    compiled = _compile_checked(args[0])
    match = next(go_matches(compiled, args[1]), None)
    if match is None:
        raise fail("pattern did not match any part of the given string")
    return _regex_result(match)


@register("regexall", param("pattern", "string"), param("string", "string"))
def _regexall(ctx: CallContext, args: list[Any]) -> Value:
    compiled = _compile_checked(args[0])
    return [_regex_result(match) for match in go_matches(compiled, args[1])]


@register("format", param("format", "string"), variadic=param("args", "any", nullable=True), symbols=True)
def _format(ctx: CallContext, args: list[Any]) -> Value:
    spec, values = args[0], args[1:]
    if isinstance(spec, Symbol):
        return ctx.unknown(args)
    try:
        return ctx.pieces(format_pieces(spec, values))
    except NeedsKnown:
        return ctx.unknown(args)
    except FormatTooWide as error:
        raise LimitExceeded.at(ctx.where, "format() width", "format_width", error.width) from None


@register("formatlist", param("format", "string"), variadic=param("args", "any", nullable=True), symbols=True)
def _formatlist(ctx: CallContext, args: list[Any]) -> Value:
    spec, values = args[0], args[1:]
    if isinstance(spec, Symbol) or any(isinstance(value, Symbol) for value in values):
        return ctx.unknown(args)
    try:
        return _format_rows(ctx, spec, values, args)
    except FormatTooWide as error:
        raise LimitExceeded.at(ctx.where, "formatlist() width", "format_width", error.width) from None


def _format_rows(ctx: CallContext, spec: str, values: list[Any], args: list[Any]) -> Value:
    if not values:
        return [ctx.pieces(format_pieces(spec, []))]
    count = format_list_lengths(values)
    out: list[Value] = []
    for index in range(count):
        row = [list(value)[index] if isinstance(value, list | TfSet) else value for value in values]
        try:
            out.append(ctx.pieces(format_pieces(spec, row)))
        except NeedsKnown:
            out.append(ctx.unknown([spec, *row]))
        except FormatError as error:
            raise fail(f"error on format iteration {index}: {error}") from None
    return out


# --------------------------------------------------------------------------- encodings


@register("jsonencode", param("val", nullable=True), symbols=True)
def _jsonencode(ctx: CallContext, args: list[Any]) -> Value:
    return json_encode(args[0]) if not contains_symbol(args[0]) else _encoded(ctx, args, "json")


def _encoded(ctx: CallContext, args: list[Any], encoding: str) -> EncodedDocument:
    """The text of an encoding over a value holding symbols: unknown, its document known."""
    text = ctx.unknown(args)
    fields = {name: getattr(text, name) for name in _SYMBOL_FIELDS}
    return EncodedDocument(**fields, document=_document(args[0]), encoding=encoding)


_SYMBOL_FIELDS = tuple(f.name for f in dataclasses.fields(Symbol) if f.init)


def _document(value: Value) -> object:
    """What ``jsonencode`` encodes, as JSON would decode it (numbers spelled as strings)."""
    if value is None or isinstance(value, Symbol | str | bool):
        return value
    if isinstance(value, dict):
        return {key: _document(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_document(item) for item in value]
    return to_string(value)


@register("jsondecode", param("str", "string"))
def _jsondecode(ctx: CallContext, args: list[Any]) -> Value:
    return json_decode(args[0])


@register("yamlencode", param("value", nullable=True), symbols=True)
def _yamlencode(ctx: CallContext, args: list[Any]) -> Value:
    return yaml_encode(args[0]) if not contains_symbol(args[0]) else _encoded(ctx, args, "yaml")


@register("yamldecode", param("src", "string"))
def _yamldecode(ctx: CallContext, args: list[Any]) -> Value:
    return yaml_decode(args[0])
