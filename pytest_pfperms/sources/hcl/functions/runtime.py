"""``try``/``can``, the file functions (sandboxed) and the impure ones (symbols)."""

from __future__ import annotations

import base64
import hashlib
import posixpath
from collections.abc import Callable
from typing import Any

from ....values import Symbol
from ..evaluation_errors import EvalError, FunctionError
from ..file_sandbox import FileSandbox
from ..scopes import ChildScope, EmptyScope
from ..symbols import unsupported
from ..syntax_tree import Expr, source_text
from ..values import TfSet, Value, render_value
from .calling import (
    FUNCTIONS,
    CallContext,
    Function,
    Impl,
    fail,
    param,
    register,
)

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
    FUNCTIONS[_name] = Function(_name, _impure(_reason), (), param("args", nullable=True), symbols=True)


# --------------------------------------------------------------------------- try and can


@register("try", variadic=param("expressions"), lazy=True)
def _try(ctx: CallContext, args: list[Any]) -> Value:
    exprs: list[Expr] = args
    if not exprs:
        raise fail("at least one argument is required")
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
    raise fail(f"no expression succeeded: {detail}. At least one expression must produce a successful result")


@register("can", param("expression"), lazy=True)
def _can(ctx: CallContext, args: list[Any]) -> Value:
    if len(args) != 1:
        raise fail(f'Function "can" expects 1 argument(s), got {len(args)}')
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
        raise fail(
            f"contents of {path} are not valid UTF-8; use the filebase64 function to obtain the"
            " Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to"
            " obtain file hashing results instead"
        ) from None


@register("file", param("path", "string"))
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

    FUNCTIONS[name] = Function(name, impl, (param("path", "string"),))


_file_bytes_fn("filebase64", lambda raw: base64.b64encode(raw).decode("ascii"))
_file_bytes_fn("filemd5", lambda raw: hashlib.md5(raw).hexdigest())
_file_bytes_fn("filesha1", lambda raw: hashlib.sha1(raw).hexdigest())
_file_bytes_fn("filesha256", lambda raw: hashlib.sha256(raw).hexdigest())
_file_bytes_fn("filesha512", lambda raw: hashlib.sha512(raw).hexdigest())
_file_bytes_fn("filebase64sha256", lambda raw: base64.b64encode(hashlib.sha256(raw).digest()).decode())
_file_bytes_fn("filebase64sha512", lambda raw: base64.b64encode(hashlib.sha512(raw).digest()).decode())


@register("fileexists", param("path", "string"))
def _fileexists(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    return files.exists(args[0])


@register("fileset", param("path", "string"), param("pattern", "string"))
def _fileset(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    return TfSet.of(files.glob(args[0], args[1]))


@register("abspath", param("path", "string"))
def _abspath(ctx: CallContext, args: list[Any]) -> Value:
    files = _sandbox(ctx)
    if files is None:
        return _no_files(ctx, args)
    path: str = args[0]
    joined = path if path.startswith("/") else f"{files.base_dir.as_posix()}/{path}"
    return posixpath.normpath(joined)


_TEMPLATE_CACHE: dict[tuple[str, str], Expr] = {}


@register("templatefile", param("path", "string"), param("vars"), symbols=True)
def _templatefile(ctx: CallContext, args: list[Any]) -> Value:
    path, variables = args
    if ctx.host.in_template_file:
        raise fail("cannot recursively call templatefile from inside another template")
    if isinstance(path, Symbol) or isinstance(variables, Symbol):
        return ctx.unknown(args)
    if _sandbox(ctx) is None:
        return _no_files(ctx, args)
    if not isinstance(variables, dict):
        raise FunctionError('Invalid value for "vars" parameter: vars must be a map or an object')
    for name in variables:
        if not name.isidentifier() and not all(ch.isalnum() or ch in "_-" for ch in name):
            raise fail(
                f"invalid template variable name {name!r}: must start with a letter,"
                " followed by zero or more letters, digits, and underscores"
            )
    text = _read_text(ctx, path)
    files = _sandbox(ctx)
    assert files is not None
    real = str(files.resolve(path))
    template = _TEMPLATE_CACHE.get((real, text))
    if template is None:
        from ..native_syntax import parse_template

        template = parse_template(text, real, 1)
        if len(_TEMPLATE_CACHE) > 256:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[(real, text)] = template
    scope = ChildScope(EmptyScope('vars map does not contain key "{name}"', dynamic=True), variables)
    return ctx.host.for_file(real).evaluate(template, scope)
