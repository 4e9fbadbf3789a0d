"""Terraform's built-in functions, with cty's semantics, conversions and error wording.

Each function declares its parameters; :func:`call_function` checks the number
of arguments, rejects nulls where Terraform does, converts arguments (numbers
to strings, numeric strings to numbers, sets to lists, ...) and turns failures
into :class:`~.hcl_errors.FunctionCallError` naming ``file:line``. A function
that does not handle symbols itself yields a derived symbol as soon as any
argument holds one; the structural ones (``concat``, ``merge``, ``length``,
``contains``, ``join``, ``coalesce``, ...) keep what is known. ``try`` and
``can`` get their argument expressions unevaluated. Functions we do not know
are not here: the evaluator turns calls to them into symbols.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import posixpath
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ...values import Symbol
from .hcl_ast import Call, Expr, render_literal, source_text
from .hcl_encoding import EncodingError, json_decode, json_encode, yaml_decode, yaml_encode
from .hcl_errors import EvalError, FileAccessError, FunctionCallError, FunctionError
from .hcl_files import FileSandbox, MissingFile, SandboxViolation
from .hcl_format import FormatError, NeedsKnown, format_list_lengths, format_pieces
from .hcl_regex import RegexError, compile_re2, go_matches, go_replace_all
from .hcl_scope import ChildScope, EmptyScope, Scope
from .hcl_symbols import join_pieces, unsupported
from .hcl_text import go_lower, go_title, go_trim_space, go_upper, grapheme_count, graphemes
from .hcl_values import (
    ConversionError,
    TfSet,
    Value,
    arithmetic,
    contains_symbol,
    equals,
    render_value,
    sorted_dict,
    to_bool,
    to_list,
    to_map,
    to_number,
    to_string,
    type_name,
    unify_primitives,
)

__all__ = ["FUNCTIONS", "CallContext", "Function", "Host", "Param", "call_function"]


class Host(Protocol):
    """What functions need from the evaluator that calls them."""

    path: str
    files: FileSandbox | None
    hazards: int
    in_template_file: bool

    def evaluate(self, expr: Expr, scope: Scope) -> Value:
        """Evaluate an expression (for ``try``/``can`` and template files)."""
        ...

    def for_file(self, path: str) -> Host:
        """An evaluator for another file (``templatefile``)."""
        ...

    def derived(self, key: str, node: Expr, inputs: list[Value], *, hazard: bool = True) -> Symbol:
        """A symbol derived from ``inputs`` at ``node``."""
        ...


@dataclass(slots=True)
class CallContext:
    """One call being evaluated: who evaluates it, in which scope, at which node."""

    host: Host
    scope: Scope
    node: Call
    name: str

    @property
    def where(self) -> str:
        """``path:line`` of the call."""
        return f"{self.host.path}:{self.node.line}"

    def unknown(self, args: Iterable[Value], *, hazard: bool = True) -> Symbol:
        """The symbol for this call over ``args``: ``name(arg, ...)`` with symbols by key."""
        values = list(args)
        key = f"{self.name}({', '.join(render_value(arg) for arg in values)})"
        return self.host.derived(key, self.node, values, hazard=hazard)

    def pieces(self, pieces: list[str | Symbol]) -> str | Symbol:
        """Concatenate strings and symbols into a string or a template symbol."""
        return join_pieces(pieces, expression=source_text(self.node), source=self.where)


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter: its name (used in messages), the type it converts to, whether null is allowed.

    ``kind``: ``any``, ``string``, ``number``, ``bool``, ``list`` (lists and sets, as a
    list), ``list_string``, ``list_number``, ``list_bool`` or ``map``.
    """

    name: str
    kind: str = "any"
    nullable: bool = False


Impl = Callable[[CallContext, list[Any]], Value]


@dataclass(frozen=True, slots=True)
class Function:
    """A built-in function: parameters, an optional variadic parameter, the implementation.

    ``symbols``: the implementation handles symbolic arguments itself; otherwise
    any symbol in the arguments makes the result a derived symbol. ``lazy``: the
    implementation receives the argument expressions (``try``, ``can``).
    """

    name: str
    impl: Impl
    params: tuple[Param, ...] = ()
    variadic: Param | None = None
    symbols: bool = False
    lazy: bool = False


FUNCTIONS: dict[str, Function] = {}


def _register(
    name: str, *params: Param, variadic: Param | None = None, symbols: bool = False, lazy: bool = False
) -> Callable[[Impl], Impl]:
    def decorate(impl: Impl) -> Impl:
        FUNCTIONS[name] = Function(name, impl, params, variadic, symbols, lazy)
        return impl

    return decorate


def _p(name: str, kind: str = "any", nullable: bool = False) -> Param:
    return Param(name, kind, nullable)


def _fail(message: str) -> FunctionError:
    return FunctionError(message)


# --------------------------------------------------------------------------- calling


def call_function(function: Function, ctx: CallContext, args: list[Any]) -> Value:
    """Check, convert and call; errors become FunctionCallError at the call's line."""
    path, line, name = ctx.host.path, ctx.node.line, ctx.name
    if function.lazy:
        return _guarded(function, ctx, args)
    fixed = len(function.params)
    if len(args) < fixed:
        missing = function.params[len(args)].name
        raise FunctionCallError.make(
            path,
            line,
            name,
            f'Not enough function arguments: Function "{name}" expects {fixed} argument(s).'
            f' Missing value for "{missing}".',
        )
    if len(args) > fixed and function.variadic is None:
        raise FunctionCallError.make(
            path,
            line,
            name,
            f'Too many function arguments: Function "{name}" expects only {fixed} argument(s).',
        )
    params = [function.params[i] if i < fixed else function.variadic for i in range(len(args))]
    for param, arg in zip(params, args, strict=True):
        assert param is not None
        if arg is None and not param.nullable:
            raise FunctionCallError.make(
                path,
                line,
                name,
                f'Invalid function argument: Invalid value for "{param.name}" parameter:'
                " argument must not be null.",
            )
    if not function.symbols and any(contains_symbol(arg) for arg in args):
        return ctx.unknown(args)
    converted: list[Any] = []
    for param, arg in zip(params, args, strict=True):
        assert param is not None
        try:
            converted.append(_convert(arg, param.kind))
        except ConversionError as error:
            raise FunctionCallError.make(
                path,
                line,
                name,
                f'Invalid function argument: Invalid value for "{param.name}" parameter: {error}.',
            ) from None
    return _guarded(function, ctx, converted)


def _guarded(function: Function, ctx: CallContext, args: list[Any]) -> Value:
    path, line, name = ctx.host.path, ctx.node.line, ctx.name
    try:
        return function.impl(ctx, args)
    except (FunctionError, ConversionError, EncodingError, RegexError, FormatError, MissingFile) as error:
        message = str(error).rstrip(".")
        raise FunctionCallError.make(
            path, line, name, f'Error in function call: Call to function "{name}" failed: {message}.'
        ) from None
    except SandboxViolation as error:
        raise FileAccessError.single(path, line, f'Call to function "{name}" refused: {error}') from None


def _convert(value: Value, kind: str) -> Value:
    if kind == "any" or isinstance(value, Symbol) or value is None:
        return value
    if kind == "string":
        return to_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "bool":
        return to_bool(value)
    if kind == "map":
        return to_map(value)
    items = to_list(value)
    assert isinstance(items, list)
    if kind == "list":
        return unify_primitives(items)
    element = {"list_string": to_string, "list_number": to_number, "list_bool": to_bool}[kind]
    try:
        return [element(item) for item in items]
    except ConversionError:
        wanted = kind.removeprefix("list_")
        raise ConversionError(f"list of {wanted} required") from None


def _int(value: Value, what: str) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(f"invalid {what}: value must be a whole number")
        return int(value)
    assert isinstance(value, int)
    return value


def _symbols(*values: Value) -> bool:
    return any(contains_symbol(value) for value in values)


# --------------------------------------------------------------------------- numbers


@_register("abs", _p("num", "number"))
def _abs(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return abs(number) if number != 0 else 0


@_register("ceil", _p("num", "number"))
def _ceil(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return number if isinstance(number, int) or math.isinf(number) else math.ceil(number)


@_register("floor", _p("num", "number"))
def _floor(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return number if isinstance(number, int) or math.isinf(number) else math.floor(number)


@_register("signum", _p("num", "number"))
def _signum(ctx: CallContext, args: list[Any]) -> Value:
    number: int | float = args[0]
    return (number > 0) - (number < 0)


@_register("pow", _p("num", "number"), _p("power", "number"))
def _pow(ctx: CallContext, args: list[Any]) -> Value:
    base, power = args
    try:
        result = base**power
    except (OverflowError, ZeroDivisionError):
        return float("inf")
    if isinstance(result, complex):
        raise _fail("result is not a real number")
    return result if isinstance(result, int) else _tidy(result)


@_register("log", _p("num", "number"), _p("base", "number"))
def _log(ctx: CallContext, args: list[Any]) -> Value:
    number, base = args
    try:
        return _tidy(math.log(number, base))
    except (ValueError, ZeroDivisionError):
        return float("-inf") if number == 0 else float("nan")


def _tidy(number: float) -> int | float:
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


@_register("min", variadic=_p("numbers", "number"))
def _min(ctx: CallContext, args: list[Any]) -> Value:
    numbers: list[int | float] = args
    if not numbers:
        raise _fail("must pass at least one number")
    return min(numbers)


@_register("max", variadic=_p("numbers", "number"))
def _max(ctx: CallContext, args: list[Any]) -> Value:
    numbers: list[int | float] = args
    if not numbers:
        raise _fail("must pass at least one number")
    return max(numbers)


@_register("parseint", _p("number", "string"), _p("base", "number"))
def _parseint(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    base = _int(args[1], "base")
    if not 2 <= base <= 62:
        raise _fail("base must be a whole number between 2 and 62 inclusive")
    digits = text[1:] if text[:1] in "+-" else text
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value = 0
    for char in digits:
        index = alphabet.find(char.lower() if base <= 36 else char)
        if index < 0 or index >= base:
            raise _fail(f"cannot parse {render_literal(text)} as a base {base} integer")
        value = value * base + index
    if not digits:
        raise _fail(f"cannot parse {render_literal(text)} as a base {base} integer")
    return -value if text.startswith("-") else value


@_register("sum", _p("list"))
def _sum(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if not isinstance(items, list):
        raise _fail(f"argument must be list, set, or tuple. Received {type_name(items)}")
    if not items:
        raise _fail("cannot sum an empty list")
    total: int | float = 0
    for item in items:
        if item is None:
            raise _fail("argument must be list, set, or tuple of number values")
        try:
            number = to_number(item)
        except ConversionError:
            raise _fail("argument must be list, set, or tuple of number values") from None
        assert isinstance(number, int | float)
        total = arithmetic("+", total, number)
    return total


@_register("range", variadic=_p("params", "number"))
def _range(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) == 1:
        start, end, step = 0, args[0], (-1 if args[0] < 0 else 1)
    elif len(args) == 2:
        start, end = args
        step = -1 if end < start else 1
    elif len(args) == 3:
        start, end, step = args
    else:
        raise _fail("must have one, two, or three arguments")
    if step == 0:
        raise _fail("step must not be zero")
    down = step < 0
    if down and end > start:
        raise _fail("end must be less than start when step is negative")
    if not down and end < start:
        raise _fail("end must be greater than start when step is positive")
    out: list[Value] = []
    number: int | float = start
    while (number > end) if down else (number < end):
        if len(out) >= 1024:
            raise _fail(
                "more than 1024 values were generated; either decrease the difference between"
                " start and end or use a smaller step"
            )
        out.append(number)
        number = arithmetic("+", number, step)
    return out


# --------------------------------------------------------------------------- strings


def _string_fn(name: str, op: Callable[[str], str], *, param: str = "str") -> None:
    def impl(ctx: CallContext, args: list[Any]) -> Value:
        return op(args[0])

    FUNCTIONS[name] = Function(name, impl, (_p(param, "string"),))


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
_string_fn("basename", lambda path: _go_base(path), param="path")
_string_fn("dirname", lambda path: _go_dir(path), param="path")


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


@_register("base64decode", _p("str", "string"))
def _base64decode(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise _fail(f"failed to decode base64 data {render_literal(text)}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail("the result of decoding the provided string is not valid UTF-8") from None


@_register("base64gzip", _p("str", "string"))
def _base64gzip(ctx: CallContext, args: list[Any]) -> Value:
    import gzip

    return base64.b64encode(gzip.compress(args[0].encode(), mtime=0)).decode("ascii")


@_register("uuidv5", _p("namespace", "string"), _p("name", "string"))
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
        raise _fail(f"uuidv5() doesn't support namespace {namespace}") from None
    return str(uuid.uuid5(space, name))


@_register("substr", _p("str", "string"), _p("offset", "number"), _p("length", "number"))
def _substr(ctx: CallContext, args: list[Any]) -> Value:
    clusters = graphemes(args[0])
    offset = _int(args[1], "offset")
    length = _int(args[2], "length")
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


@_register("indent", _p("spaces", "number"), _p("str", "string"))
def _indent(ctx: CallContext, args: list[Any]) -> Value:
    spaces = _int(args[0], "spaces")
    text: str = args[1]
    return text.replace("\n", "\n" + " " * max(spaces, 0))


@_register("split", _p("separator", "string"), _p("str", "string"))
def _split(ctx: CallContext, args: list[Any]) -> Value:
    separator, text = args
    if separator == "":
        return list(text)
    return list(text.split(separator))


@_register("join", _p("separator", "string"), variadic=_p("lists", "list_string"), symbols=True)
def _join(ctx: CallContext, args: list[Any]) -> Value:
    separator = args[0]
    lists = args[1:]
    if not lists:
        raise _fail("at least one list is required")
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
                raise _fail(f"{where} is null; cannot concatenate null values")
            if not first:
                pieces.append(separator)
            pieces.append(item)
            first = False
    return ctx.pieces(pieces)


@_register("replace", _p("str", "string"), _p("substr", "string"), _p("replace", "string"))
def _replace(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    old: str = args[1]
    new: str = args[2]
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return go_replace_all(compile_re2(old[1:-1]), text, new)
    if old == "":  # Go's strings.Replace inserts at every rune boundary
        return new + new.join(text) + new if text else new
    return text.replace(old, new)


@_register("trim", _p("str", "string"), _p("cutset", "string"))
def _trim(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    cutset: str = args[1]
    return text.strip(cutset) if cutset else text


@_register("trimprefix", _p("str", "string"), _p("prefix", "string"))
def _trimprefix(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.removeprefix(args[1])


@_register("trimsuffix", _p("str", "string"), _p("suffix", "string"))
def _trimsuffix(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.removesuffix(args[1])


@_register("startswith", _p("str", "string"), _p("prefix", "string"))
def _startswith(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.startswith(args[1])


@_register("endswith", _p("str", "string"), _p("suffix", "string"))
def _endswith(ctx: CallContext, args: list[Any]) -> Value:
    text: str = args[0]
    return text.endswith(args[1])


@_register("strcontains", _p("str", "string"), _p("substr", "string"))
def _strcontains(ctx: CallContext, args: list[Any]) -> Value:
    return args[1] in args[0]


def _regex_result(match: Any) -> Value:
    compiled = match.re
    if compiled.groups == 0:
        return str(match.group())
    names = compiled.groupindex
    if names:
        if len(names) != compiled.groups:
            raise _fail("invalid pattern: named and unnamed capture groups cannot be mixed")
        return sorted_dict((name, match.group(name)) for name in names)
    return [match.group(index) for index in range(1, compiled.groups + 1)]


def _compile_checked(pattern: str) -> Any:
    compiled = compile_re2(pattern)
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise _fail("invalid pattern: named and unnamed capture groups cannot be mixed")
    return compiled


@_register("regex", _p("pattern", "string"), _p("string", "string"))
def _regex(ctx: CallContext, args: list[Any]) -> Value:
    compiled = _compile_checked(args[0])
    match = compiled.search(args[1])
    if match is None:
        raise _fail("pattern did not match any part of the given string")
    return _regex_result(match)


@_register("regexall", _p("pattern", "string"), _p("string", "string"))
def _regexall(ctx: CallContext, args: list[Any]) -> Value:
    compiled = _compile_checked(args[0])
    return [_regex_result(match) for match in go_matches(compiled, args[1])]


@_register("format", _p("format", "string"), variadic=_p("args", "any", nullable=True), symbols=True)
def _format(ctx: CallContext, args: list[Any]) -> Value:
    spec, values = args[0], args[1:]
    if isinstance(spec, Symbol):
        return ctx.unknown(args)
    try:
        return ctx.pieces(format_pieces(spec, values))
    except NeedsKnown:
        return ctx.unknown(args)


@_register("formatlist", _p("format", "string"), variadic=_p("args", "any", nullable=True), symbols=True)
def _formatlist(ctx: CallContext, args: list[Any]) -> Value:
    spec, values = args[0], args[1:]
    if isinstance(spec, Symbol) or any(isinstance(value, Symbol) for value in values):
        return ctx.unknown(args)
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
            raise _fail(f"error on format iteration {index}: {error}") from None
    return out


# --------------------------------------------------------------------------- collections


@_register("length", _p("value"), symbols=True)
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
    raise _fail("argument must be a string, a collection type, or a structural type")


@_register("concat", variadic=_p("seqs"), symbols=True)
def _concat(ctx: CallContext, args: list[Any]) -> Value:
    if not args:
        raise _fail("at least one argument is required")
    out: list[Value] = []
    for index, seq in enumerate(args):
        if isinstance(seq, Symbol):
            return ctx.unknown(args)
        if not isinstance(seq, list) or isinstance(seq, TfSet):
            raise FunctionError(
                f'Invalid value for "seqs" parameter: all arguments must be lists or tuples;'
                f" got {type_name(seq)} (argument {index + 1})"
            )
        out.extend(seq)
    return out


@_register("merge", variadic=_p("maps", nullable=True), symbols=True)
def _merge(ctx: CallContext, args: list[Any]) -> Value:
    out: dict[str, Value] = {}
    for arg in args:
        if isinstance(arg, Symbol):
            return ctx.unknown(args)
        if arg is None:
            continue
        if not isinstance(arg, dict):
            raise _fail(f'arguments must be maps or objects, got "{type_name(arg)}"')
        out.update(arg)
    return sorted_dict(out.items())


@_register("lookup", _p("inputMap"), _p("key", "string"), variadic=_p("default", nullable=True), symbols=True)
def _lookup(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) > 3:
        raise _fail(f"lookup() takes two or three arguments, got {len(args)}")
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
    raise _fail(f"lookup failed to find key {render_literal(key)}")


@_register("element", _p("list"), _p("index", "number"), symbols=True)
def _element(ctx: CallContext, args: list[Any]) -> Value:
    items, index = args
    if isinstance(items, Symbol) or isinstance(index, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list) or isinstance(items, TfSet):
        raise _fail(f"cannot read elements from {type_name(items)}")
    position = _int(index, "index")
    if not items:
        raise _fail("cannot use element function with an empty list")
    chosen: Value = items[position % len(items)]
    return chosen


@_register("index", _p("list"), _p("value"), symbols=True)
def _index(ctx: CallContext, args: list[Any]) -> Value:
    items, wanted = args
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list) or isinstance(items, TfSet):
        raise _fail("argument must be a list or tuple")
    if not items:
        raise _fail("cannot search an empty list")
    for position, item in enumerate(items):
        same = equals(item, wanted)
        if same is None:
            return ctx.unknown(args, hazard=False)
        if same:
            return position
    raise _fail("item not found")


@_register("keys", _p("inputMap"), symbols=True)
def _keys(ctx: CallContext, args: list[Any]) -> Value:
    mapping = args[0]
    if isinstance(mapping, Symbol):
        return ctx.unknown(args)
    if not isinstance(mapping, dict):
        raise FunctionError('Invalid value for "inputMap" parameter: must have map or object type')
    return sorted(mapping)


@_register("values", _p("mapping"), symbols=True)
def _values(ctx: CallContext, args: list[Any]) -> Value:
    mapping = args[0]
    if isinstance(mapping, Symbol):
        return ctx.unknown(args)
    if not isinstance(mapping, dict):
        raise _fail("values() requires a map as the first argument")
    return [mapping[key] for key in sorted(mapping)]


@_register("contains", _p("list"), _p("value", nullable=True), symbols=True)
def _contains(ctx: CallContext, args: list[Any]) -> Value:
    items, wanted = args
    if isinstance(items, Symbol):
        return ctx.unknown(args, hazard=False)
    if not isinstance(items, list | TfSet):
        raise _fail("argument must be list, tuple, or set")
    unknown = False
    for item in items:
        same = equals(wanted, item)
        if same is True:
            return True
        if same is None:
            unknown = True
    return ctx.unknown(args, hazard=False) if unknown else False


@_register("distinct", _p("list", "list"), symbols=True)
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


@_register("flatten", _p("list"), symbols=True)
def _flatten(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    if isinstance(items, Symbol):
        return ctx.unknown(args)
    if not isinstance(items, list | TfSet):
        raise _fail("can only flatten lists, sets and tuples")
    out: list[Value] = []
    if not _flatten_into(items, out):
        return ctx.unknown(args, hazard=False)
    return out


@_register("compact", _p("list", "list_string"), symbols=True)
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


@_register("coalesce", variadic=_p("vals", nullable=True), symbols=True)
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
    raise _fail("no non-null, non-empty-string arguments")


@_register("coalescelist", variadic=_p("vals", nullable=True), symbols=True)
def _coalescelist(ctx: CallContext, args: list[Any]) -> Value:
    if not args:
        raise _fail("at least one argument is required")
    for arg in args:
        if isinstance(arg, Symbol):
            return ctx.unknown(args, hazard=False)
        if arg is None:
            continue
        if not isinstance(arg, list) or isinstance(arg, TfSet):
            raise _fail("coalescelist arguments must be lists or tuples")
        if arg:
            return arg
    raise _fail("no non-null arguments")


@_register("one", _p("list"), symbols=True)
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


@_register("reverse", _p("list"), symbols=True)
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


@_register("slice", _p("list"), _p("start_index", "number"), _p("end_index", "number"), symbols=True)
def _slice(ctx: CallContext, args: list[Any]) -> Value:
    items, start, end = args
    if _symbols(items, start, end):
        return ctx.unknown(args)
    if isinstance(items, TfSet):
        raise _fail(
            "cannot slice a set, because its elements do not have indices; explicitly convert to"
            " a list if the ordering of the result is not important"
        )
    if not isinstance(items, list):
        raise _fail("must be a list or tuple value")
    first, last = _int(start, "start index"), _int(end, "end index")
    if first < 0:
        raise _fail("start index must not be less than zero")
    if first > len(items):
        raise _fail("start index must not be greater than the length of the list")
    if last < 0:
        raise _fail("end index must not be less than zero")
    if last > len(items):
        raise _fail("end index must not be greater than the length of the list")
    if first > last:
        raise _fail("start index must not be greater than end index")
    return items[first:last]


@_register("chunklist", _p("list", "list"), _p("size", "number"), symbols=True)
def _chunklist(ctx: CallContext, args: list[Any]) -> Value:
    items, size = args
    if _symbols(size) or isinstance(items, Symbol):
        return ctx.unknown(args)
    size = _int(size, "size")
    if size < 0:
        raise _fail("the size argument must be positive")
    if not items:
        return []
    if size == 0:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


@_register("sort", _p("list", "list_string"))
def _sort(ctx: CallContext, args: list[Any]) -> Value:
    items = args[0]
    for index, item in enumerate(items):
        if item is None:
            raise _fail(f"given list element {index} is null; a null string cannot be sorted")
    return sorted(items)


@_register("alltrue", _p("list", "list_bool"), symbols=True)
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


@_register("anytrue", _p("list", "list_bool"), symbols=True)
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


@_register("zipmap", _p("keys", "list_string"), _p("values"), symbols=True)
def _zipmap(ctx: CallContext, args: list[Any]) -> Value:
    keys, values = args
    if isinstance(keys, Symbol) or isinstance(values, Symbol) or _symbols(keys):
        return ctx.unknown(args)
    if not isinstance(values, list) or isinstance(values, TfSet):
        raise _fail("values argument must be a list or tuple value")
    if len(keys) != len(values):
        raise _fail(f"number of keys ({len(keys)}) does not match number of values ({len(values)})")
    out: dict[str, Value] = {}
    for index, key in enumerate(keys):
        if key is None:
            raise _fail(f"keys list has null value at index {index}")
        out[key] = values[index]
    return sorted_dict(out.items())


@_register("matchkeys", _p("values", "list"), _p("keys", "list"), _p("searchset", "list"))
def _matchkeys(ctx: CallContext, args: list[Any]) -> Value:
    values, keys, searchset = args
    if len(values) != len(keys):
        raise _fail("length of keys and values should be equal")
    keys = unify_primitives([*keys, *searchset])
    keys, searchset = keys[: len(values)], keys[len(values) :]
    return [
        value
        for value, key in zip(values, keys, strict=True)
        if any(equals(key, search) for search in searchset)
    ]


@_register("transpose", _p("values", "map"))
def _transpose(ctx: CallContext, args: list[Any]) -> Value:
    out: dict[str, list[str]] = {}
    for key, items in args[0].items():
        if items is None:
            raise _fail("input must not contain null list")
        try:
            strings = to_list(items)
        except ConversionError:
            raise _fail("input must be a map of lists of strings") from None
        assert isinstance(strings, list)
        for item in strings:
            if item is None:
                raise _fail("input list must not contain null string")
            if not isinstance(item, str):
                raise _fail("input must be a map of lists of strings")
            out.setdefault(item, []).append(key)
    return sorted_dict((key, sorted(keys)) for key, keys in out.items())  # type: ignore[misc]


@_register("setproduct", variadic=_p("sets"))
def _setproduct(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) < 2:
        raise _fail("at least two arguments are required")
    lists: list[list[Value]] = []
    for arg in args:
        if not isinstance(arg, list | TfSet):
            raise _fail("a set or a list is required")
        lists.append(list(arg))
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


@_register("setunion", _p("first_set"), variadic=_p("other_sets"), symbols=True)
def _setunion(ctx: CallContext, args: list[Any]) -> Value:
    if any(isinstance(arg, Symbol) for arg in args):
        return ctx.unknown(args)
    items: list[Value] = []
    for arg in args:
        items.extend(_set_arg(arg))
    return TfSet.of(unify_primitives(items))


@_register("setintersection", _p("first_set"), variadic=_p("other_sets"), symbols=True)
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


@_register("setsubtract", _p("a"), _p("b"), symbols=True)
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


# --------------------------------------------------------------------------- conversions


@_register("tostring", _p("v", nullable=True), symbols=True)
def _tostring(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if isinstance(value, list | dict):
        raise FunctionError(f'Invalid value for "v" parameter: cannot convert {type_name(value)} to string')
    return to_string(value)


@_register("tonumber", _p("v", nullable=True))
def _tonumber(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    try:
        return to_number(value)
    except ConversionError:
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {render_value(value)} to number'
        ) from None


@_register("tobool", _p("v", nullable=True))
def _tobool(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    try:
        return to_bool(value)
    except ConversionError:
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {render_value(value)} to bool'
        ) from None


@_register("tolist", _p("v", nullable=True), symbols=True)
def _tolist(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if value is None or isinstance(value, Symbol):
        return value
    if not isinstance(value, list | TfSet):
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {type_name(value)} to list of any single type'
        )
    return unify_primitives(list(value))


@_register("toset", _p("v", nullable=True), symbols=True)
def _toset(ctx: CallContext, args: list[Any]) -> Value:
    value = args[0]
    if value is None or isinstance(value, Symbol):
        return value
    if not isinstance(value, list | TfSet):
        raise FunctionError(
            f'Invalid value for "v" parameter: cannot convert {type_name(value)} to set of any single type'
        )
    return TfSet.of(unify_primitives(list(value)))


@_register("tomap", _p("v", nullable=True), symbols=True)
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


@_register("sensitive", _p("value", nullable=True), symbols=True)
def _sensitive(ctx: CallContext, args: list[Any]) -> Value:
    value: Value = args[0]
    return value


@_register("nonsensitive", _p("value", nullable=True), symbols=True)
def _nonsensitive(ctx: CallContext, args: list[Any]) -> Value:
    value: Value = args[0]
    return value


@_register("issensitive", _p("value", nullable=True), symbols=True)
def _issensitive(ctx: CallContext, args: list[Any]) -> Value:
    return False


# --------------------------------------------------------------------------- encodings


@_register("jsonencode", _p("val", nullable=True))
def _jsonencode(ctx: CallContext, args: list[Any]) -> Value:
    return json_encode(args[0])


@_register("jsondecode", _p("str", "string"))
def _jsondecode(ctx: CallContext, args: list[Any]) -> Value:
    return json_decode(args[0])


@_register("yamlencode", _p("value", nullable=True))
def _yamlencode(ctx: CallContext, args: list[Any]) -> Value:
    return yaml_encode(args[0])


@_register("yamldecode", _p("src", "string"))
def _yamldecode(ctx: CallContext, args: list[Any]) -> Value:
    return yaml_decode(args[0])


# --------------------------------------------------------------------------- network


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _fail(f"invalid CIDR expression: invalid CIDR address: {text}") from None


@_register("cidrhost", _p("prefix", "string"), _p("hostnum", "number"))
def _cidrhost(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    number = _int(args[1], "host number")
    size = network.num_addresses
    if number < -size or number >= size:
        raise _fail(f"prefix of {network.prefixlen} does not accommodate a host numbered {number}")
    base = int(network.network_address)
    address = base + (number if number >= 0 else size + number)
    return str(ipaddress.ip_address(address))


@_register("cidrnetmask", _p("prefix", "string"))
def _cidrnetmask(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    if network.version != 4:
        raise _fail("only IPv4 networks are supported")
    return str(network.netmask)


@_register("cidrsubnet", _p("prefix", "string"), _p("newbits", "number"), _p("netnum", "number"))
def _cidrsubnet(ctx: CallContext, args: list[Any]) -> Value:
    network = _network(args[0])
    newbits, netnum = _int(args[1], "newbits"), _int(args[2], "netnum")
    new_prefix = network.prefixlen + newbits
    if new_prefix > network.max_prefixlen:
        raise _fail(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
    if netnum < 0 or netnum >= 2**newbits:
        raise _fail(f"prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    base = int(network.network_address) + (netnum << (network.max_prefixlen - new_prefix))
    return f"{ipaddress.ip_address(base)}/{new_prefix}"


# --------------------------------------------------------------------------- impure and unknowable


def _impure(reason: str) -> Impl:
    def impl(ctx: CallContext, args: list[Any]) -> Value:
        key = f"{ctx.name}({', '.join(render_value(arg) for arg in args)})@{ctx.where}"
        return unsupported(ctx.name, key, expression=source_text(ctx.node), source=ctx.where, reason=reason)

    return impl


for _name, _reason in {
    "timestamp": "timestamp() changes on every run",
    "plantimestamp": "plantimestamp() is known only during plan",
    "uuid": "uuid() is random on every run",
    "bcrypt": "bcrypt() uses a random salt",
    "pathexpand": "pathexpand() depends on the home directory of whoever runs Terraform",
}.items():
    FUNCTIONS[_name] = Function(_name, _impure(_reason), (), _p("args", nullable=True), symbols=True)


# --------------------------------------------------------------------------- try and can


@_register("try", variadic=_p("expressions"), lazy=True)
def _try(ctx: CallContext, args: list[Any]) -> Value:
    exprs: list[Expr] = args
    if not exprs:
        raise _fail("at least one argument is required")
    host = ctx.host
    errors: list[str] = []
    rendered: list[str] = []
    for expr in exprs:
        before = host.hazards
        try:
            value = host.evaluate(expr, ctx.scope)
        except EvalError as error:
            errors.append(str(error))
            rendered.append(f"<error in {source_text(expr)}>")
            continue
        if host.hazards == before:
            return value
        rendered.append(render_value(value))
        key = f"try({', '.join(rendered)}{', ...' if len(rendered) < len(exprs) else ''})"
        return host.derived(key, ctx.node, [value], hazard=True)
    detail = "; ".join(errors)
    raise _fail(
        f"no expression succeeded: {detail}. At least one expression must produce a successful result"
    )


@_register("can", _p("expression"), lazy=True)
def _can(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) != 1:
        raise _fail(f'Function "can" expects 1 argument(s), got {len(args)}')
    host = ctx.host
    before = host.hazards
    try:
        value = host.evaluate(args[0], ctx.scope)
    except EvalError:
        return False
    if host.hazards != before:
        return host.derived(f"can({render_value(value)})", ctx.node, [value], hazard=True)
    return True


# --------------------------------------------------------------------------- files


def _sandbox(ctx: CallContext) -> FileSandbox | None:
    return ctx.host.files


def _no_files(ctx: CallContext, args: list[Any]) -> Symbol:
    key = f"{ctx.name}({', '.join(render_value(arg) for arg in args)})"
    return unsupported(
        ctx.name,
        key,
        expression=source_text(ctx.node),
        source=ctx.where,
        reason=f"{ctx.name}() needs the repository root, which the evaluator was not given",
    )


def _read_text(ctx: CallContext, path: str) -> str:
    files = _sandbox(ctx)
    assert files is not None
    raw = files.read_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(
            f"contents of {path} are not valid UTF-8; use the filebase64 function to obtain the"
            " Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to"
            " obtain file hashing results instead"
        ) from None


@_register("file", _p("path", "string"))
def _file(ctx: CallContext, args: list[Any]) -> Value:
    if _sandbox(ctx) is None:
        return _no_files(ctx, args)
    return _read_text(ctx, args[0])


def _file_bytes_fn(name: str, op: Callable[[bytes], str]) -> None:
    def impl(ctx: CallContext, args: list[Any]) -> Value:
        files = _sandbox(ctx)
        if files is None:
            return _no_files(ctx, args)
        return op(files.read_bytes(args[0]))

    FUNCTIONS[name] = Function(name, impl, (_p("path", "string"),))


_file_bytes_fn("filebase64", lambda raw: base64.b64encode(raw).decode("ascii"))
_file_bytes_fn("filemd5", lambda raw: hashlib.md5(raw).hexdigest())
_file_bytes_fn("filesha1", lambda raw: hashlib.sha1(raw).hexdigest())
_file_bytes_fn("filesha256", lambda raw: hashlib.sha256(raw).hexdigest())
_file_bytes_fn("filesha512", lambda raw: hashlib.sha512(raw).hexdigest())
_file_bytes_fn("filebase64sha256", lambda raw: base64.b64encode(hashlib.sha256(raw).digest()).decode())
_file_bytes_fn("filebase64sha512", lambda raw: base64.b64encode(hashlib.sha512(raw).digest()).decode())


@_register("fileexists", _p("path", "string"))
def _fileexists(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    return files.exists(args[0])


@_register("fileset", _p("path", "string"), _p("pattern", "string"))
def _fileset(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    return TfSet.of(files.glob(args[0], args[1]))


@_register("abspath", _p("path", "string"))
def _abspath(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    path: str = args[0]
    joined = path if path.startswith("/") else f"{files.base_dir.as_posix()}/{path}"
    return posixpath.normpath(joined)


_TEMPLATE_CACHE: dict[tuple[str, str], Expr] = {}


@_register("templatefile", _p("path", "string"), _p("vars"), symbols=True)
def _templatefile(ctx: CallContext, args: list[Any]) -> Value:
    path, variables = args
    if ctx.host.in_template_file:
        raise _fail("cannot recursively call templatefile from inside another template")
    if isinstance(path, Symbol) or isinstance(variables, Symbol):
        return ctx.unknown(args)
    if _sandbox(ctx) is None:
        return _no_files(ctx, args)
    if not isinstance(variables, dict):
        raise FunctionError('Invalid value for "vars" parameter: vars must be a map or an object')
    for name in variables:
        if not name.isidentifier() and not all(ch.isalnum() or ch in "_-" for ch in name):
            raise _fail(
                f"invalid template variable name {name!r}: must start with a letter,"
                " followed by zero or more letters, digits, and underscores"
            )
    text = _read_text(ctx, path)
    files = _sandbox(ctx)
    assert files is not None
    real = str(files.resolve(path))
    template = _TEMPLATE_CACHE.get((real, text))
    if template is None:
        from .hcl_parse import parse_template

        template = parse_template(text, real, 1)
        if len(_TEMPLATE_CACHE) > 256:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[(real, text)] = template
    scope = ChildScope(EmptyScope('vars map does not contain key "{name}"', dynamic=True), variables)
    return ctx.host.for_file(real).evaluate(template, scope)
