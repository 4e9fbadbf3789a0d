"""Our own AST for HCL files: small frozen dataclasses, each node with its line.

The parser (:mod:`.hcl_parse`) builds these from python-hcl2's lark tree or from
``*.tf.json``; the evaluator (:mod:`.hcl_eval`) walks them. Nodes carry a line but
not a file: the file is the :class:`HclFile` they came from, which callers keep
next to the node (``f"{hcl_file.path}:{node.line}"``).

Expressions: :class:`Literal`, :class:`Template` (quoted strings with
interpolations, heredocs, directives), :class:`TupleExpr`, :class:`ObjectExpr`,
:class:`Reference` (``var.x``, ``module.m[0].out``: a root name and steps),
:class:`Access` (steps applied to any other expression), :class:`Splat`
(``x[*].y``, ``x.*.y``), :class:`Call`, :class:`Conditional`, :class:`Unary`,
:class:`Binary`, :class:`ForExpr` and :class:`Parens`. :func:`source_text`
renders any of them back to canonical HCL for messages and symbol keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ...values import escape_template_text

T = TypeVar("T")

AST_VERSION = 1
"""Bumped whenever the node classes change shape, so cached trees of another shape are not reused."""

LiteralValue = str | int | float | bool | None


class Expr:
    """Base of every expression node; each has a ``line`` (1-based)."""

    __slots__ = ()
    line: int


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A literal string, number, bool or null. Numbers with an integral value are ints."""

    value: LiteralValue
    line: int


@dataclass(frozen=True, slots=True)
class TemplateIf:
    """``%{ if cond }then%{ else }else%{ endif }`` inside a template."""

    cond: Expr
    then: tuple[TemplatePart, ...]
    else_: tuple[TemplatePart, ...]
    line: int


@dataclass(frozen=True, slots=True)
class TemplateFor:
    """``%{ for k, v in coll }body%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    collection: Expr
    body: tuple[TemplatePart, ...]
    line: int


TemplatePart = str | Expr | TemplateIf | TemplateFor
"""Literal text (escapes already resolved), an interpolated expression, or a directive."""


@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A string with interpolations or directives (quoted string, heredoc, JSON string).

    A template that is exactly one interpolation (``"${var.list}"``) evaluates to
    the interpolated value itself, unconverted, as Terraform does.
    """

    parts: tuple[TemplatePart, ...]
    line: int


@dataclass(frozen=True, slots=True)
class TupleExpr(Expr):
    """``[a, b, c]``."""

    items: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ObjectItem:
    """One ``key = value`` of an object constructor; a bare-identifier key is a Literal."""

    key: Expr
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class ObjectExpr(Expr):
    """``{ key = value, ... }``."""

    items: tuple[ObjectItem, ...]
    line: int


@dataclass(frozen=True, slots=True)
class AttrStep:
    """``.name`` in a traversal."""

    name: str


@dataclass(frozen=True, slots=True)
class IndexStep:
    """``[key]`` (or legacy ``.0``) in a traversal; the key is any expression."""

    key: Expr


Step = AttrStep | IndexStep


@dataclass(frozen=True, slots=True)
class Reference(Expr):
    """A traversal from a root name: ``var.x``, ``module.m[each.key].out``, ``each``.

    The scope (see :mod:`.hcl_eval`) resolves these; ``steps`` may hold dynamic
    index expressions, which the evaluator evaluates before asking the scope.
    """

    root: str
    steps: tuple[Step, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Access(Expr):
    """Steps applied to an expression that is not a bare name: ``f(x)[0]``, ``(x).y``."""

    source: Expr
    steps: tuple[Step, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Splat(Expr):
    """``source[*].a.b`` (``full``) or legacy ``source.*.a`` : ``steps`` applied to each element."""

    source: Expr
    steps: tuple[Step, ...]
    full: bool
    line: int


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A function call; ``expand_final`` when the last argument ends with ``...``.

    Provider functions keep their full name (``provider::pf::cidr_contains``).
    """

    name: str
    args: tuple[Expr, ...]
    expand_final: bool
    line: int


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    """``cond ? then : else_``."""

    cond: Expr
    then: Expr
    else_: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """``-x`` or ``!x``."""

    op: str
    operand: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """``left op right`` with op one of ``|| && == != < > <= >= + - * / %``."""

    op: str
    left: Expr
    right: Expr
    line: int


@dataclass(frozen=True, slots=True)
class ForExpr(Expr):
    """``[for k, v in coll : value if cond]`` or ``{for k, v in coll : key => value... if cond}``.

    ``key`` is None for the tuple form. ``group`` is the ``...`` grouping mode of
    the object form.
    """

    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None
    value: Expr
    cond: Expr | None
    group: bool
    line: int


@dataclass(frozen=True, slots=True)
class Parens(Expr):
    """``(expr)``: evaluates to ``expr``; kept because ``{(k) = v}`` differs from ``{k = v}``."""

    expr: Expr
    line: int


# --------------------------------------------------------------------------- structure


@dataclass(frozen=True, slots=True)
class Attribute:
    """``name = expr`` in a body; ``line`` is the line of the name."""

    name: str
    expr: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """``type "label" ... { body }``; ``line`` is the line of the type keyword."""

    type: str
    labels: tuple[str, ...]
    body: Body
    line: int


@dataclass(frozen=True, slots=True)
class Body:
    """The attributes (by name, in source order) and blocks (in source order) of a body.

    ``json`` is set for bodies read from ``*.tf.json`` below the top level, where
    JSON cannot tell a nested block from an attribute whose value is an object.
    Those keys stay attributes; :meth:`blocks_of` also reads them as blocks.
    """

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()
    json: bool = False

    def __hash__(self) -> int:
        return hash((tuple(self.attributes.items()), self.blocks, self.json))

    def blocks_of(self, block_type: str) -> tuple[Block, ...]:
        """The blocks of one type, including (for JSON bodies) objects under that key."""
        found = tuple(block for block in self.blocks if block.type == block_type)
        if not self.json:
            return found
        attribute = self.attributes.get(block_type)
        if attribute is None:
            return found
        return found + _blocks_from_json_value(block_type, attribute.expr)


def _blocks_from_json_value(block_type: str, expr: Expr) -> tuple[Block, ...]:
    """Read a JSON object (or a list of objects) under ``block_type`` as blocks."""
    if isinstance(expr, ObjectExpr):
        return (Block(block_type, (), object_as_body(expr), expr.line),)
    if isinstance(expr, TupleExpr):
        blocks: list[Block] = []
        for item in expr.items:
            blocks.extend(_blocks_from_json_value(block_type, item))
        return tuple(blocks)
    return ()


def object_as_body(expr: ObjectExpr) -> Body:
    """A JSON object expression read as a block body (keys must be literal strings)."""
    attributes: dict[str, Attribute] = {}
    for item in expr.items:
        key = item.key
        if isinstance(key, Literal) and isinstance(key.value, str):
            if key.value == "//":
                continue
            attributes[key.value] = Attribute(key.value, item.value, item.line)
    return Body(attributes, (), True)


@dataclass(frozen=True, slots=True)
class HclFile:
    """One parsed file: its path, its top-level body, and whether it was JSON syntax."""

    path: str
    body: Body
    syntax: str = "hcl"

    def where(self, node: Expr | Attribute | Block) -> str:
        """``path:line`` of a node of this file, for messages."""
        return f"{self.path}:{node.line}"


# --------------------------------------------------------------------------- walking


def children(expr: Expr) -> Iterator[Expr]:
    """The direct sub-expressions of an expression (template parts included)."""
    if isinstance(expr, Template):
        yield from _template_children(expr.parts)
    elif isinstance(expr, TupleExpr):
        yield from expr.items
    elif isinstance(expr, ObjectExpr):
        for item in expr.items:
            yield item.key
            yield item.value
    elif isinstance(expr, Reference):
        yield from _step_children(expr.steps)
    elif isinstance(expr, Access | Splat):
        yield expr.source
        yield from _step_children(expr.steps)
    elif isinstance(expr, Call):
        yield from expr.args
    elif isinstance(expr, Conditional):
        yield expr.cond
        yield expr.then
        yield expr.else_
    elif isinstance(expr, Unary):
        yield expr.operand
    elif isinstance(expr, Binary):
        yield expr.left
        yield expr.right
    elif isinstance(expr, ForExpr):
        yield expr.collection
        if expr.key is not None:
            yield expr.key
        yield expr.value
        if expr.cond is not None:
            yield expr.cond
    elif isinstance(expr, Parens):
        yield expr.expr


def _template_children(parts: tuple[TemplatePart, ...]) -> Iterator[Expr]:
    for part in parts:
        if isinstance(part, Expr):
            yield part
        elif isinstance(part, TemplateIf):
            yield part.cond
            yield from _template_children(part.then)
            yield from _template_children(part.else_)
        elif isinstance(part, TemplateFor):
            yield part.collection
            yield from _template_children(part.body)


def _step_children(steps: tuple[Step, ...]) -> Iterator[Expr]:
    for step in steps:
        if isinstance(step, IndexStep):
            yield step.key


def references(expr: Expr) -> list[Reference]:
    """Every scope reference in ``expr``, in source order, skipping for-expression variables.

    The resource/module graph uses this to order evaluation (``local.a`` before
    the locals that use it) and to find what a resource depends on.
    """
    found: list[Reference] = []
    _collect_references(expr, frozenset(), found)
    return found


def _collect_references(expr: Expr, bound: frozenset[str], found: list[Reference]) -> None:
    if isinstance(expr, Reference):
        if expr.root not in bound:
            found.append(expr)
        for sub in _step_children(expr.steps):
            _collect_references(sub, bound, found)
        return
    if isinstance(expr, ForExpr):
        _collect_references(expr.collection, bound, found)
        inner = bound | {expr.value_var} | ({expr.key_var} if expr.key_var else set())
        for part in (expr.key, expr.value, expr.cond):
            if part is not None:
                _collect_references(part, inner, found)
        return
    if isinstance(expr, Template):
        _collect_template_references(expr.parts, bound, found)
        return
    for sub in children(expr):
        _collect_references(sub, bound, found)


def _collect_template_references(
    parts: tuple[TemplatePart, ...], bound: frozenset[str], found: list[Reference]
) -> None:
    for part in parts:
        if isinstance(part, Expr):
            _collect_references(part, bound, found)
        elif isinstance(part, TemplateIf):
            _collect_references(part.cond, bound, found)
            _collect_template_references(part.then, bound, found)
            _collect_template_references(part.else_, bound, found)
        elif isinstance(part, TemplateFor):
            _collect_references(part.collection, bound, found)
            inner = bound | {part.value_var} | ({part.key_var} if part.key_var else set())
            _collect_template_references(part.body, inner, found)


# --------------------------------------------------------------------------- rendering

_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}


def source_text(expr: Expr) -> str:
    """Canonical HCL for an expression (``var.namespace``, ``"${var.name}-sa"``).

    Not the original bytes: spacing and heredocs are normalised, which keeps the
    text short and stable for messages and symbol keys. Remembered per node (trees are
    immutable and shared by every module instance and root that uses the file).
    """
    return _SOURCE_TEXTS.get(expr, lambda: _render(expr, 0))


class NodeMemo(Generic[T]):
    """Something computed from a syntax node, remembered per node (trees are immutable and
    shared by every module instance and root that reads the file). Keyed by identity, not
    by value (comparing deep trees costs what computing does); the node is kept, so its id
    is not reused; at most ``size`` entries, then it starts afresh."""

    def __init__(self, size: int = 100_000) -> None:
        self._found: dict[int, tuple[object, T]] = {}
        self._size = size

    def get(self, node: object, compute: Callable[[], T]) -> T:
        """The remembered value for ``node``, computed the first time."""
        known = self._found.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        value = compute()
        if len(self._found) >= self._size:
            self._found.clear()
        self._found[id(node)] = (node, value)
        return value


_SOURCE_TEXTS: NodeMemo[str] = NodeMemo()


def _render(expr: Expr, parent_precedence: int) -> str:
    if isinstance(expr, Literal):
        return render_literal(expr.value)
    if isinstance(expr, Template):
        return '"' + _render_parts(expr.parts) + '"'
    if isinstance(expr, Reference):
        return expr.root + render_steps(expr.steps)
    if isinstance(expr, Access):
        return _render(expr.source, 9) + render_steps(expr.steps)
    if isinstance(expr, Splat):
        marker = "[*]" if expr.full else ".*"
        return _render(expr.source, 9) + marker + render_steps(expr.steps)
    if isinstance(expr, TupleExpr):
        return "[" + ", ".join(_render(item, 0) for item in expr.items) + "]"
    if isinstance(expr, ObjectExpr):
        if not expr.items:
            return "{}"
        inner = ", ".join(f"{_render_key(item.key)} = {_render(item.value, 0)}" for item in expr.items)
        return "{ " + inner + " }"
    if isinstance(expr, Call):
        args = [_render(arg, 0) for arg in expr.args]
        if expr.expand_final and args:
            args[-1] += "..."
        return f"{expr.name}({', '.join(args)})"
    if isinstance(expr, Conditional):
        text = f"{_render(expr.cond, 1)} ? {_render(expr.then, 0)} : {_render(expr.else_, 0)}"
        return f"({text})" if parent_precedence > 0 else text
    if isinstance(expr, Unary):
        return expr.op + _render(expr.operand, 8)
    if isinstance(expr, Binary):
        precedence = _PRECEDENCE[expr.op]
        text = f"{_render(expr.left, precedence)} {expr.op} {_render(expr.right, precedence + 1)}"
        return f"({text})" if precedence < parent_precedence else text
    if isinstance(expr, ForExpr):
        names = f"{expr.key_var}, {expr.value_var}" if expr.key_var else expr.value_var
        intro = f"for {names} in {_render(expr.collection, 0)} : "
        cond = f" if {_render(expr.cond, 0)}" if expr.cond is not None else ""
        if expr.key is None:
            return f"[{intro}{_render(expr.value, 0)}{cond}]"
        group = "..." if expr.group else ""
        return f"{{{intro}{_render(expr.key, 0)} => {_render(expr.value, 0)}{group}{cond}}}"
    if isinstance(expr, Parens):
        return f"({_render(expr.expr, 0)})"
    raise TypeError(f"not an expression node: {expr!r}")


def _render_key(key: Expr) -> str:
    if isinstance(key, Literal) and isinstance(key.value, str) and _is_identifier(key.value):
        return key.value
    return _render(key, 0)


def _is_identifier(text: str) -> bool:
    if not text or not (text[0].isalpha() or text[0] == "_"):
        return False
    return all(char.isalnum() or char in "_-" for char in text)


def render_steps(steps: tuple[Step, ...]) -> str:
    """``.a[0]["k"]`` for a tuple of steps."""
    out: list[str] = []
    for step in steps:
        if isinstance(step, AttrStep):
            out.append("." + step.name)
        else:
            out.append("[" + _render(step.key, 0) + "]")
    return "".join(out)


def render_literal(value: LiteralValue) -> str:
    """HCL spelling of a literal: ``"text"``, ``1``, ``1.5``, ``true``, ``null``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return '"' + escape_template_text(value) + '"'
    return format_number(value)


def _render_parts(parts: tuple[TemplatePart, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(escape_template_text(part))
        elif isinstance(part, Expr):
            out.append("${" + _render(part, 0) + "}")
        elif isinstance(part, TemplateIf):
            out.append("%{ if " + _render(part.cond, 0) + " }" + _render_parts(part.then))
            if part.else_:
                out.append("%{ else }" + _render_parts(part.else_))
            out.append("%{ endif }")
        else:
            names = f"{part.key_var}, {part.value_var}" if part.key_var else part.value_var
            coll = _render(part.collection, 0)
            out.append(f"%{{ for {names} in {coll} }}" + _render_parts(part.body) + "%{ endfor }")
    return "".join(out)


def format_number(value: int | float) -> str:
    """Terraform's spelling of a number: ``1`` not ``1.0``, ``0.15``, no exponent."""
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        from decimal import Decimal

        text = format(Decimal(text), "f")
    return text
