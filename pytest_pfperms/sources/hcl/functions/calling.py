"""Calling Terraform's functions: parameters, conversions, symbols, errors.

Each function declares its parameters; :func:`call_function` checks the number
of arguments, rejects nulls where Terraform does, converts arguments (numbers
to strings, numeric strings to numbers, sets to lists, ...) and turns failures
into :class:`~.hcl_errors.FunctionCallError` naming ``file:line``. A function
that does not handle symbols itself yields a derived symbol as soon as any
argument holds one. The functions themselves live in the ``hcl_fn_*`` modules,
which register into :data:`FUNCTIONS` with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ....errors import beyond_limits
from ....limits import LimitExceeded, active_limits, current_budget
from ....values import Symbol, join_pieces
from ..evaluation_errors import FileAccessError, FunctionCallError, FunctionError
from ..file_sandbox import FileSandbox, MissingFile, SandboxViolation
from ..scopes import Scope
from ..syntax_tree import Call, Expr, source_text
from ..values import (
    ConversionError,
    TfSet,
    Value,
    contains_symbol,
    render_value,
    to_bool,
    to_list,
    to_map,
    to_number,
    to_string,
    unify_primitives,
)
from .encoding import EncodingError
from .format import FormatError
from .regex import RegexError

__all__ = [
    "FUNCTIONS",
    "CallContext",
    "Function",
    "Host",
    "Impl",
    "Param",
    "any_symbols",
    "call_function",
    "fail",
    "param",
    "register",
    "whole_number",
]


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


def register(
    name: str, *params: Param, variadic: Param | None = None, symbols: bool = False, lazy: bool = False
) -> Callable[[Impl], Impl]:
    """Decorator: add an implementation to :data:`FUNCTIONS` under ``name``."""

    def decorate(impl: Impl) -> Impl:
        FUNCTIONS[name] = Function(name, impl, params, variadic, symbols, lazy)
        return impl

    return decorate


def param(name: str, kind: str = "any", nullable: bool = False) -> Param:
    """A :class:`Param` (shorthand for the function tables)."""
    return Param(name, kind, nullable)


def fail(message: str) -> FunctionError:
    """The exception an implementation raises for Terraform's ``... failed: message``."""
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
    _charge(ctx, args)
    try:
        return _bounded(ctx, function.impl(ctx, args))
    except (FunctionError, ConversionError, EncodingError, RegexError, FormatError, MissingFile) as error:
        message = str(error).rstrip(".")
        raise FunctionCallError.make(
            path, line, name, f'Error in function call: Call to function "{name}" failed: {message}.'
        ) from None
    except SandboxViolation as error:
        raise FileAccessError.single(path, line, f'Call to function "{name}" refused: {error}') from None
    except (RecursionError, ValueError, OverflowError) as error:
        limit = beyond_limits(error, path, line)  # too deep or too large for Python: at the call
        if limit is None:
            raise
        raise limit from None


def _charge(ctx: CallContext, args: list[Any]) -> None:
    """Take a call's work from the load's step budget: one step per element of its
    collection arguments (``join(",", range(1000))`` is a thousand), one per 100 characters."""
    cost = 0
    for arg in args:
        if isinstance(arg, list | dict | TfSet):
            cost += len(arg)
        elif isinstance(arg, str):
            cost += len(arg) // 100
    if cost:
        budget = current_budget()
        budget.left -= cost
        if budget.left < 0:
            raise LimitExceeded.at(ctx.where, "the evaluation", "steps", budget.limit + 1)


def _bounded(ctx: CallContext, value: Value) -> Value:
    """``value``, unless it is past the load's limits (a string doubled forty times, a list
    of millions): then a :class:`~pytest_pfperms.limits.LimitExceeded` at the call."""
    limits = active_limits()
    if isinstance(value, str) and len(value) > limits.string_bytes:
        raise LimitExceeded.at(ctx.where, f"the string {ctx.name}() returns", "string_bytes", len(value))
    if isinstance(value, list | dict | TfSet) and len(value) > limits.elements:
        raise LimitExceeded.at(ctx.where, f"the collection {ctx.name}() returns", "elements", len(value))
    return value


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


def whole_number(value: Value, what: str) -> int:
    """A number argument that must be whole (an index, a size), as an int."""
    if isinstance(value, float):
        if not value.is_integer():
            raise fail(f"invalid {what}: value must be a whole number")
        return int(value)
    assert isinstance(value, int)
    return value


def any_symbols(*values: Value) -> bool:
    """Whether any of the values holds a symbol."""
    return any(contains_symbol(value) for value in values)
