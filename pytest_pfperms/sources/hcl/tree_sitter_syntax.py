"""Parse HCL native syntax with tree-sitter-hcl into the same AST as :mod:`.native_syntax`.

tree-sitter parses in C; with this conversion a file is read 3-6x faster than through
python-hcl2's lark grammar and our converter, about 10x faster than ``hcl2.loads``
(``benchmarks/compare_hcl_parsers.py``). This module turns tree-sitter's concrete syntax
tree into :mod:`.syntax_tree` nodes exactly as :mod:`.native_syntax` turns lark's (same
nodes, lines, literal values and template structure:
``tests/terraform/test_parser_differential.py`` holds the two to that). python-hcl2 stays the
reference parser (``pfperms_hcl_parser = python-hcl2``).

Where the two grammars accept different things, this module follows Terraform:

- newlines are whitespace to tree-sitter, so the newline that must end an argument or a
  block, and the newline or comma between object elements, are checked here (a ``/* */``
  comment is no newline, as in Terraform; python-hcl2 takes it for one);
- a quoted string may not span lines (Terraform: "Invalid multi-line string"), while
  python-hcl2 accepts one;
- ``${~ x ~}`` strip markers in a quoted string, repeated unary operators (``!!x``) and
  Unicode names parse (python-hcl2 rejects them);
- hexadecimal numbers (``0x1f``), ``::`` outside a provider function's name and templates
  in block labels are refused, as Terraform refuses them (tree-sitter-hcl reads them).

Text tree-sitter-hcl 1.2 cannot read goes to the reference parser: numbers with an exponent
and no fraction (``1e21``), and text with a syntax error, whose message python-hcl2 then
gives (line, column and what it expected there), so errors are the reference parser's.

Public: :func:`parse_hcl` and :func:`parse_expression`, with the signatures of
:mod:`.native_syntax`'s.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from ...errors import LoadError
from .json_syntax import parse_number
from .syntax_tree import (
    Access,
    Attribute,
    AttrStep,
    Binary,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    HclFile,
    IndexStep,
    Literal,
    LiteralValue,
    ObjectExpr,
    ObjectItem,
    Parens,
    Reference,
    Splat,
    Step,
    TupleExpr,
    Unary,
)
from .templates import (
    FlatPart,
    heredoc_body,
    nest_template,
    parse_template_text,
    template_node,
    unescape_template_text,
)

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

__all__ = ["parse_expression", "parse_hcl", "reads_itself"]

_BINARY_OPS = frozenset({"||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"})
_POSTFIX = frozenset({"get_attr", "index", "splat"})
_DIRECTIVE_KINDS = {
    "template_if_intro": "if",
    "template_else_intro": "else",
    "template_if_end": "endif",
    "template_for_start": "for",
    "template_for_intro": "for",
    "template_for_end": "endfor",
}
_DIRECTIVE_KEYWORDS = frozenset({"if", "else", "endif", "for", "endfor"})


_TEMPLATE_START = re.compile(rb"(?<!\$)\$\{|(?<!%)%\{")
"""``${`` or ``%{`` not escaped as ``$${``/``%%{`` (tree-sitter reads a label's as text)."""
_EXPONENT = re.compile(r"(?<![\w.])[0-9]+[eE][+-]?[0-9]")
"""A number with an exponent and no fraction, which tree-sitter-hcl 1.2 does not read."""


def _reference_hcl(path: str, text: str) -> HclFile:
    from .native_syntax import reference_parse_hcl

    return reference_parse_hcl(path, text)


def _reference_expression(text: str, path: str, line: int) -> Expr:
    from .native_syntax import reference_parse_expression

    return reference_parse_expression(text, path, line)


@functools.cache
def _parser() -> Parser:
    """The tree-sitter parser of HCL (built once per process; the grammar is compiled C)."""
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def _is_comment(node: Node) -> bool:
    return node.type == "comment"


def _real(children: list[Node]) -> list[Node]:
    """Children without comments (tree-sitter puts them wherever they occur)."""
    return [child for child in children if child.type != "comment"]


class _Converter:
    """Turns tree-sitter-hcl's concrete syntax tree into our AST."""

    def __init__(self, path: str, source: bytes, line_offset: int = 0, column_offset: int = 0) -> None:
        self.path = path
        self.source = source
        self.offset = line_offset + 1  # tree-sitter rows are 0-based
        self.column_offset = column_offset

    # ----------------------------------------------------------------- helpers

    def text(self, node: Node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")

    def line(self, node: Node) -> int:
        return node.start_point[0] + self.offset

    def error(self, node: Node, message: str) -> LoadError:
        row, byte_column = node.start_point
        before = self.source[node.start_byte - byte_column:node.start_byte].decode("utf-8", "replace")
        column = len(before) + 1 - (self.column_offset if row == 0 else 0)
        return LoadError.single(self.path, row + self.offset,
                                f"invalid HCL syntax: column {column}: {message}")

    # ----------------------------------------------------------------- structure

    def body(self, node: Node | None) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        if node is None:
            return Body(attributes, ())
        previous: Node | None = None
        for child in node.children:
            kind = child.type
            if kind == "comment":
                continue
            if previous is not None and previous.end_point[0] == child.start_point[0]:
                noun = "an argument" if previous.type == "attribute" else "a block definition"
                raise LoadError.single(
                    self.path, self.line(child),
                    f"Missing newline after {noun.split(' ', 1)[1]}: {noun} must end with a newline",
                )
            previous = child
            if kind == "attribute":
                attribute = self.attribute(child)
                earlier = attributes.get(attribute.name)
                if earlier is not None:
                    raise LoadError.single(
                        self.path, attribute.line,
                        f'argument "{attribute.name}" was already set at line {earlier.line};'
                        " each argument may be set only once",
                    )
                attributes[attribute.name] = attribute
            elif kind == "block":
                blocks.append(self.block(child))
        return Body(attributes, tuple(blocks))

    def attribute(self, node: Node) -> Attribute:
        name, _eq, value = _real(node.children)
        return Attribute(self.name(name), self.expr(value), self.line(name))

    def name(self, node: Node) -> str:
        """An identifier; ``::`` belongs only in provider function names."""
        text = self.text(node)
        if "::" in text:
            raise self.error(node, f"unexpected {text!r}: '::' may only appear in a provider "
                                   "function's name (provider::NAME::FUNCTION)")
        return text

    def block(self, node: Node) -> Block:
        children = _real(node.children)
        labels: list[str] = []
        body: Node | None = None
        for child in children[1:]:
            kind = child.type
            if kind == "body":
                body = child
            elif kind == "string_lit":
                labels.append(self.label(child))
            elif kind == "identifier":
                labels.append(self.name(child))
        return Block(self.name(children[0]), tuple(labels), self.body(body), self.line(node))

    def label(self, node: Node) -> str:
        value = self.quoted(node)
        raw = self.source[node.start_byte:node.end_byte]
        if not isinstance(value, Literal) or not isinstance(value.value, str) or _TEMPLATE_START.search(raw):
            raise LoadError.single(self.path, value.line,
                                   "invalid block label: templates are not allowed in labels")
        return value.value

    # ----------------------------------------------------------------- expressions

    def expr(self, node: Node) -> Expr:
        """An ``expression`` node (or a lone term node)."""
        if node.type != "expression":
            return self.term([node])
        children = _real(node.children)
        if len(children) == 1 and children[0].type == "conditional":
            return self.conditional(children[0])
        return self.term(children)

    def term(self, parts: list[Node]) -> Expr:
        """A primary expression and the traversal steps after it, as siblings."""
        first = parts[0]
        kind = first.type
        rest = 1
        node: Expr
        if kind == "(":
            node = Parens(self.expr(parts[1]), self.line(first))
            rest = 3
        elif kind == "variable_expr":
            node = Reference(self.name(first.children[0]), (), self.line(first))
        elif kind == "literal_value":
            node = self.literal(first)
        elif kind == "template_expr":
            node = self.template(first.children[0])
        elif kind == "collection_value":
            inner = first.children[0]
            node = self.tuple(inner) if inner.type == "tuple" else self.object(inner)
        elif kind == "function_call":
            node = self.call(first)
        elif kind == "for_expr":
            node = self.for_expr(first.children[0])
        elif kind == "operation":
            inner = first.children[0]
            node = self.unary(inner) if inner.type == "unary_operation" else self.binary(inner)
        elif kind == "conditional":
            node = self.conditional(first)
        elif kind == "expression":
            node = self.expr(first)
        else:
            raise self.error(first, f"unexpected {self.text(first)[:30]!r}")
        for step in parts[rest:]:
            node = self.postfix(node, step)
        return node

    def postfix(self, source: Expr, node: Node) -> Expr:
        kind = node.type
        if kind == "splat":
            return self.splat(source, node.children[0])
        if kind not in _POSTFIX:
            raise self.error(node, f"unexpected {self.text(node)[:30]!r}")
        return _traverse(source, self.step(node))

    def step(self, node: Node) -> Step:
        if node.type == "get_attr":
            return AttrStep(self.text(_real(node.children)[1]))
        inner = node.children[0]
        if inner.type == "legacy_index":
            digits = self.text(inner)[1:].strip()
            return IndexStep(Literal(int(digits), self.line(inner)))
        return IndexStep(self.expr(_real(inner.children)[1]))

    def splat(self, source: Expr, node: Node) -> Expr:
        steps = [self.step(child) for child in node.children if child.type in ("get_attr", "index")]
        line = source.line
        if node.type == "full_splat":
            return Splat(source, tuple(steps), True, line)
        inside: list[Step] = []  # the legacy attribute-only splat: an index ends it
        while steps and isinstance(steps[0], AttrStep):
            inside.append(steps.pop(0))
        result: Expr = Splat(source, tuple(inside), False, line)
        if steps:
            result = Access(result, tuple(steps), line)
        return result

    def literal(self, node: Node) -> Expr:
        inner = node.children[0]
        kind = inner.type
        line = self.line(node)
        if kind == "numeric_lit":
            text = self.text(inner)
            if not text[:1].isdigit() or "x" in text or "X" in text:
                raise self.error(inner, f"invalid number {text!r}: HCL numbers are decimal")
            return Literal(parse_number(text), line)
        if kind == "string_lit":
            return self.quoted(inner)
        value: LiteralValue = None if kind == "null_lit" else self.text(inner) == "true"
        return Literal(value, line)

    def unary(self, node: Node) -> Expr:
        children = _real(node.children)
        op = children[0]
        return Unary(op.type, self.term(children[1:]), self.line(op))

    def binary(self, node: Node) -> Expr:
        children = _real(node.children)
        for index, child in enumerate(children):
            if index and not child.is_named and child.type in _BINARY_OPS:
                left = self.term(children[:index])
                right = self.term(children[index + 1:])
                return Binary(child.type, left, right, left.line)
        raise self.error(node, "a binary operation without its operator")  # pragma: no cover

    def conditional(self, node: Node) -> Expr:
        # tree-sitter-hcl groups "a ? b : c ? d : e" to the left, ((a ? b : c) ? d : e); HCL
        # (and python-hcl2) to the right: a ? b : (c ? d : e). Undo the left spine.
        levels: list[tuple[Node, Node]] = []  # (then, else), outermost first
        while True:
            cond, _q, then, _c, else_ = _real(node.children)
            levels.append((then, else_))
            inner = _conditional_of(cond)
            if inner is None:
                break
            node = inner
        levels.reverse()
        conds = [cond] + [else_node for _then, else_node in levels[:-1]]
        result = self.expr(levels[-1][1])
        for condition, (then, _else) in zip(reversed(conds), reversed(levels), strict=True):
            result = Conditional(self.expr(condition), self.expr(then), result, self.line(condition))
        return result

    def tuple(self, node: Node) -> Expr:
        items = tuple(self.expr(child) for child in node.children if child.type == "expression")
        return TupleExpr(items, self.line(node))

    def object(self, node: Node) -> Expr:
        items: list[ObjectItem] = []
        previous: Node | None = None
        for child in node.children:
            kind = child.type
            if kind == ",":
                previous = None
            elif kind == "object_elem":
                if previous is not None and previous.end_point[0] == child.start_point[0]:
                    raise LoadError.single(
                        self.path, self.line(child),
                        "Missing attribute separator: expected a newline or comma to mark the"
                        " beginning of the next attribute",
                    )
                previous = child
                key_node, _sep, value_node = _real(child.children)
                key = self.expr(key_node)
                if isinstance(key, Reference) and not key.steps:
                    key = Literal(key.root, key.line)  # a bare name is a literal key
                items.append(ObjectItem(key, self.expr(value_node), self.line(child)))
        return ObjectExpr(tuple(items), self.line(node))

    def call(self, node: Node) -> Expr:
        children = _real(node.children)
        name = self.text(children[0])
        if "::" in name:
            parts = name.split("::")
            if len(parts) != 3 or not all(parts):
                raise self.error(children[0], f"unexpected {name!r}: a provider function is "
                                              "called as provider::NAME::FUNCTION(...)")
        args: tuple[Expr, ...] = ()
        expand = False
        for child in children[1:]:
            if child.type == "function_arguments":
                arguments = _real(child.children)
                args = tuple(self.expr(c) for c in arguments if c.type == "expression")
                expand = any(c.type == "ellipsis" for c in arguments)
        return Call(name, args, expand, self.line(node))

    def for_expr(self, node: Node) -> Expr:
        children = _real(node.children)
        intro = next(child for child in children if child.type == "for_intro")
        parts = _real(intro.children)
        names = [self.name(child) for child in parts if child.type == "identifier"]
        collection = self.expr(next(child for child in parts if child.type == "expression"))
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [self.expr(child) for child in children if child.type == "expression"]
        cond: Expr | None = None
        group = any(child.type == "ellipsis" for child in children)
        for child in children:
            if child.type == "for_cond":
                cond = self.expr(next(c for c in child.children if c.type == "expression"))
        line = self.line(node)
        if node.type == "for_tuple_expr":
            return ForExpr(key_var, value_var, collection, None, exprs[0], cond, False, line)
        return ForExpr(key_var, value_var, collection, exprs[0], exprs[1], cond, group, line)

    # ----------------------------------------------------------------- templates

    def template(self, node: Node) -> Expr:
        if node.type == "heredoc_template":
            return self.heredoc(node)
        return self.quoted(node)

    def quoted(self, node: Node) -> Expr:
        """A quoted string (``string_lit`` or ``quoted_template``): a Literal or a Template."""
        line = self.line(node)
        children = node.children
        start = children[0].end_byte
        end = children[-1].start_byte
        if len(children) <= 3 and all(c.type != "template_interpolation" and c.type != "template_directive"
                                      for c in children):
            return Literal(self.literal_text(node, start, end), line)
        flat: list[FlatPart] = []
        position = start
        for part in _template_parts(children[1:-1]):
            if part.start_byte > position:
                flat.append(FlatPart("lit", line, self.literal_text(node, position, part.start_byte)))
            flat.append(self.template_part(part))
            position = part.end_byte
        if end > position:
            flat.append(FlatPart("lit", line, self.literal_text(node, position, end)))
        return template_node(nest_template(self.path, flat, line), line)

    def literal_text(self, node: Node, start: int, end: int) -> str:
        raw = self.source[start:end].decode("utf-8", "surrogatepass")
        if "\n" in raw:
            raise self.error(node, "a quoted string cannot span lines (Terraform: Invalid multi-line "
                                   'string); use a heredoc (<<EOT) or "\\n"')
        return unescape_template_text(raw, self.path, self.line(node))

    def template_part(self, node: Node) -> FlatPart:
        """One interpolation or directive of a quoted template, as a flat part."""
        children = _real(node.children)
        line = self.line(node)
        if node.type == "template_interpolation":
            expression = next(c for c in children if c.type == "expression")
            left = any(c.type == "strip_marker" and c.end_byte <= expression.start_byte for c in children)
            right = any(c.type == "strip_marker" and c.start_byte >= expression.end_byte for c in children)
            return FlatPart("expr", line, expr=self.expr(expression), strip_left=left, strip_right=right)
        kind = _DIRECTIVE_KINDS[node.type]
        keyword = next(c for c in children if c.type in _DIRECTIVE_KEYWORDS)
        left = any(c.type == "strip_marker" and c.end_byte <= keyword.start_byte for c in children)
        last = children[-2] if len(children) >= 2 else children[-1]
        right = last.type == "strip_marker" and last.start_byte > keyword.start_byte
        part = FlatPart(kind, line, strip_left=left, strip_right=right)
        expressions = [c for c in children if c.type == "expression"]
        if kind == "if":
            part.expr = self.expr(expressions[0])
        elif kind == "for":
            names = [self.name(c) for c in children if c.type == "identifier"]
            part.key_var, part.value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            part.expr = self.expr(expressions[-1])
        return part

    def heredoc(self, node: Node) -> Expr:
        line = self.line(node)
        body = heredoc_body(self.text(node) + "\n")
        return parse_template_text(body, self.path, line + 1, line, parse_expression)


def _traverse(source: Expr, step: Step) -> Expr:
    if isinstance(source, Reference):
        return Reference(source.root, (*source.steps, step), source.line)
    if isinstance(source, Access):
        return Access(source.source, (*source.steps, step), source.line)
    return Access(source, (step,), source.line)


def _conditional_of(node: Node) -> Node | None:
    """The conditional an ``expression`` node is (unparenthesized), else None."""
    if node.type == "conditional":
        return node
    if node.type != "expression":
        return None
    children = _real(node.children)
    if len(children) == 1 and children[0].type == "conditional":
        return children[0]
    return None


def _template_parts(children: list[Node]) -> list[Node]:
    """The interpolations and directive markers of a template, in source order (tree-sitter
    nests ``%{ if }``/``%{ for }``; :func:`.templates.nest_template` wants them flat)."""
    out: list[Node] = []
    stack = list(reversed(children))
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "template_interpolation" or kind in _DIRECTIVE_KINDS:
            out.append(node)
        elif kind in ("template_directive", "template_if", "template_for"):
            stack.extend(reversed(node.children))
    return out


# --------------------------------------------------------------------------- public


def parse_hcl(path: str, text: str) -> HclFile:
    """Parse one ``*.tf`` (HCL native syntax) file; malformed input raises LoadError.

    Text tree-sitter-hcl cannot read is handed to the reference parser: text with numbers
    like ``1e21`` (the grammar wants a fraction before an exponent) and text with a syntax
    error, which python-hcl2 refuses too with a message that says what it expected."""
    text = text.removeprefix("\ufeff")
    if _EXPONENT.search(text):
        return _reference_hcl(path, text)
    source = text.encode("utf-8", "surrogatepass")
    root = _parser().parse(source).root_node
    if root.has_error or not all(child.type == "body" or _is_comment(child) for child in root.children):
        return _reference_hcl(path, text)
    body = next((child for child in root.children if child.type == "body"), None)
    return HclFile(path, _Converter(path, source).body(body), "hcl")


def reads_itself(text: str) -> bool:
    """Whether :func:`parse_hcl` reads ``text`` with tree-sitter (False: it hands the text to
    the reference parser, for an exponent without a fraction or a syntax error)."""
    text = text.removeprefix("\ufeff")
    if _EXPONENT.search(text):
        return False
    root = _parser().parse(text.encode("utf-8", "surrogatepass")).root_node
    return not root.has_error and all(child.type == "body" or _is_comment(child) for child in root.children)


def parse_expression(text: str, path: str = "<expression>", line: int = 1) -> Expr:
    """Parse one HCL expression (``var.x``, ``"a-${b}"``) whose text starts at ``line``."""
    if _EXPONENT.search(text):
        return _reference_expression(text, path, line)
    source = ("x = (" + text + ")").encode("utf-8", "surrogatepass")
    root = _parser().parse(source).root_node
    converter = _Converter(path, source, line - 1, 5)
    if root.has_error:
        return _reference_expression(text, path, line)
    body = next(child for child in root.children if child.type == "body")
    items = [child for child in body.children if not _is_comment(child)]
    if len(items) != 1 or items[0].type != "attribute":
        raise converter.error(items[-1] if items else body, "expected one expression")
    value = _real(items[0].children)[2]
    parts = _real(value.children)
    if len(parts) != 3 or parts[0].type != "(":
        raise converter.error(value, "expected one expression")
    return converter.expr(parts[1])
