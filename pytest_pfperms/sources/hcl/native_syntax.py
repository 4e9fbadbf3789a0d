"""Parse HCL native syntax into our AST: the python-hcl2 (lark) parser, and the front door.

The public functions parse with the parser :mod:`.parser_choice` has active:
tree-sitter-hcl (:mod:`.tree_sitter_syntax`, the default) or python-hcl2, the reference,
which this module implements.

We use only python-hcl2's parser (``hcl2.parses_to_tree``) and convert the raw
lark tree ourselves: that skips python-hcl2's rule transformer and serializer
(about 45% of ``hcl2.loads``) and keeps every node's line. Template text
(heredoc bodies, ``*.tf.json`` strings, template files) is parsed by
:mod:`.hcl_template`, which hands each ``${...}`` expression back to
:func:`parse_expression`. Terraform's JSON syntax is read by :mod:`.hcl_json`;
:func:`parse_hcl_json` and :func:`parse_tfvars` hand it this module's
expression and template parsers.

Public: :func:`parse_hcl`, :func:`parse_hcl_json`, :func:`parse_tfvars`,
:func:`parse_file` (chooses by file name), :func:`parse_expression` and
:func:`parse_template`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ...errors import LoadError
from .json_syntax import parse_number, parse_tf_json, parse_tfvars_json
from .parser_choice import active_hcl_parser
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
    unescape,
)

LarkTree: TypeAlias = "Tree[Any]"

__all__ = [
    "parse_expression",
    "parse_file",
    "parse_hcl",
    "parse_hcl_json",
    "parse_template",
    "parse_tfvars",
    "paused_gc",
    "reference_parse_expression",
    "reference_parse_hcl",
]

_BINARY_OPS = {
    "DOUBLE_PIPE": "||",
    "DOUBLE_AMP": "&&",
    "DOUBLE_EQ": "==",
    "NEQ": "!=",
    "LT": "<",
    "GT": ">",
    "LEQ": "<=",
    "GEQ": ">=",
    "PLUS": "+",
    "MINUS": "-",
    "ASTERISK": "*",
    "SLASH": "/",
    "PERCENT": "%",
}

# --------------------------------------------------------------------------- errors

_TERMINAL_WORDS = {
    "NAME": "a name",
    "NL_OR_COMMENT": "a new line",
    "STRING_CHARS": "string text",
    "INT_LITERAL": "a number",
    "FLOAT_LITERAL": "a number",
    "DECIMAL": "a number",
    "HEREDOC_TEMPLATE": "a heredoc",
    "HEREDOC_TEMPLATE_TRIM": "a heredoc",
    "ESCAPED_INTERPOLATION": '"$${"',
    "ESCAPED_DIRECTIVE": '"%%{"',
    "TEMPLATE_STRING": "a quoted string",
    "EQ": '"="',
    "COLON": '":"',
    "$END": "the end of the file",
}


def _terminal_word(name: str) -> str:
    word = _TERMINAL_WORDS.get(name)
    if word is not None:
        return word
    for terminal in _terminals():
        if terminal.name == name:
            pattern = terminal.pattern
            if pattern.type == "str":
                return '"' + str(pattern.value) + '"'
    return name.lower().replace("_", " ")


_TERMINAL_CACHE: list[Any] = []


def _terminals() -> list[Any]:
    if not _TERMINAL_CACHE:
        _TERMINAL_CACHE.extend(hcl2.parser.parser().terminals)
    return _TERMINAL_CACHE


_EXPRESSION_STARTS = {"LPAR", "LSQB", "NAME", "DBLQUOTE"}


def _expected_words(names: object) -> str:
    if not isinstance(names, set | frozenset | list | tuple):
        return ""
    names = {str(name) for name in names}
    if names >= _EXPRESSION_STARTS:
        return "; expected an expression"
    if names >= {"DBLQUOTE", "STRING_CHARS"}:
        return '; expected the closing " of a string'
    words = sorted({_terminal_word(name) for name in names})
    if not words:
        return ""
    if len(words) > 8:
        words = [*words[:8], "..."]
    return "; expected " + (words[0] if len(words) == 1 else "one of " + ", ".join(words))


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "NL_OR_COMMENT":
        text = str(token).strip()
        return "a comment" if text else "a new line"
    text = str(token).strip()
    if token.type == "STRING_CHARS":  # the lexer's catch-all outside strings
        if text.startswith("<<"):
            return "a heredoc that is never closed (its closing marker must be alone on a line)"
        return repr(text[:1]) if text else "a space"
    if len(text) > 30:
        text = text[:27] + "..."
    if token.type in _TERMINAL_WORDS:
        return f"{_terminal_word(token.type)} {text!r}"
    return repr(text)


def _syntax_error(path: str, error: UnexpectedInput, line_offset: int, column_offset: int) -> LoadError:
    """Translate what lark said into a LoadError with file, line, column and plain words."""
    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    if isinstance(error, UnexpectedCharacters):
        what = f"unexpected character {error.char!r}" + _expected_words(error.allowed)
    elif isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            what = "unexpected end of file" + _expected_words(error.expected)
        else:
            what = f"unexpected {_describe_token(token)}" + _expected_words(error.expected)
        line = getattr(token, "line", line)
        column = getattr(token, "column", column)
    elif isinstance(error, UnexpectedEOF):
        what = "unexpected end of file" + _expected_words(error.expected)
    else:  # pragma: no cover - lark has no other UnexpectedInput kinds
        what = str(error)
    if isinstance(line, int) and line > 0:
        if line == 1 and isinstance(column, int):
            column -= column_offset
        line += line_offset
    else:
        line = None
    where = f"column {column}: " if isinstance(column, int) and column > 0 else ""
    return LoadError.single(path, line, f"invalid HCL syntax: {where}{what}")


def _lark_parse(path: str, text: str, line_offset: int = 0, column_offset: int = 0) -> LarkTree:
    try:
        return hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        raise _syntax_error(path, error, line_offset, column_offset) from None


# --------------------------------------------------------------------------- the converter


class _Converter:
    """Turns python-hcl2's raw lark tree into our AST."""

    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.path = path
        self.offset = line_offset
        self.dispatch: dict[str, Callable[[LarkTree], Expr]] = {
            "expr_term": self.expr_term,
            "conditional": self.conditional,
            "binary_op": self.binary_op,
            "unary_op": self.unary_op,
        }
        self.terms: dict[str, Callable[[LarkTree], Expr]] = {
            "string": self.string,
            "int_lit": self.number,
            "float_lit": self.number,
            "identifier": self.identifier,
            "literal_value": self.literal_value,
            "tuple": self.tuple,
            "object": self.object,
            "function_call": self.function_call,
            "get_attr_expr_term": self.traversal,
            "index_expr_term": self.traversal,
            "attr_splat_expr_term": self.splat,
            "full_splat_expr_term": self.splat,
            "heredoc_template": self.heredoc,
            "heredoc_template_trim": self.heredoc,
            "for_tuple_expr": self.for_expr,
            "for_object_expr": self.for_expr,
            "template_string": self.template_string,
        }

    def error(self, line: int | None, message: str) -> LoadError:
        return LoadError.single(self.path, line, message)

    def line(self, tree: LarkTree) -> int:
        meta = tree.meta
        return (meta.line if not meta.empty else 0) + self.offset

    # ----------------------------------------------------------------- structure

    def body(self, tree: LarkTree) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        previous: LarkTree | None = None
        for child in tree.children:
            data = child.data
            if data == "new_line_or_comment":
                previous = None
                continue
            if previous is not None and not _ends_with_newline(previous):
                kind = "an argument" if previous.data == "attribute" else "a block definition"
                raise self.error(
                    self.line(child),
                    f"Missing newline after {kind.split(' ', 1)[1]}: {kind} must end with a newline",
                )
            previous = child
            if data == "attribute":
                attribute = self.attribute(child)
                earlier = attributes.get(attribute.name)
                if earlier is not None:
                    raise self.error(
                        attribute.line,
                        f'argument "{attribute.name}" was already set at line {earlier.line};'
                        " each argument may be set only once",
                    )
                attributes[attribute.name] = attribute
            elif data == "block":
                blocks.append(self.block(child))
        return Body(attributes, tuple(blocks))

    def attribute(self, tree: LarkTree) -> Attribute:
        name_tree, _eq, value = tree.children
        return Attribute(str(name_tree.children[0]), self.expr(value), self.line(name_tree))

    def block(self, tree: LarkTree) -> Block:
        children = tree.children
        block_type = str(children[0].children[0])
        labels: list[str] = []
        body = Body()
        for child in children[1:]:
            if isinstance(child, Token):
                continue
            data = child.data
            if data == "body":
                body = self.body(child)
            elif data == "string":
                labels.append(self.label(child))
            elif data in ("identifier", "keyword", "literal_value"):
                labels.append(str(child.children[0]))
        return Block(block_type, tuple(labels), body, self.line(tree))

    def label(self, tree: LarkTree) -> str:
        value = self.string(tree)
        if not isinstance(value, Literal) or not isinstance(value.value, str):
            raise self.error(value.line, "invalid block label: templates are not allowed in labels")
        return value.value

    # ----------------------------------------------------------------- expressions

    def expr(self, tree: LarkTree) -> Expr:
        return self.dispatch[tree.data](tree)

    def expr_term(self, tree: LarkTree) -> Expr:
        children = tree.children
        first = children[0]
        if isinstance(first, Token):  # ( expression )
            inner = next(c for c in children if isinstance(c, Tree) and c.data != "new_line_or_comment")
            return Parens(self.expr(inner), self.line(tree))
        return self.terms[first.data](first)

    def conditional(self, tree: LarkTree) -> Expr:
        cond, then, else_ = (
            c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"
        )
        return Conditional(self.expr(cond), self.expr(then), self.expr(else_), self.line(tree))

    def binary_op(self, tree: LarkTree) -> Expr:
        left, term = tree.children[0], tree.children[1]
        operator_tree = term.children[0]
        right = term.children[-1]
        token = operator_tree.children[0]
        assert isinstance(token, Token)
        op = _BINARY_OPS[token.type]
        return Binary(op, self.expr(left), self.expr(right), self.line(tree))

    def unary_op(self, tree: LarkTree) -> Expr:
        op_token, operand = tree.children
        return Unary(str(op_token).strip(), self.expr(operand), self.line(tree))

    def number(self, tree: LarkTree) -> Expr:
        return Literal(parse_number(str(tree.children[0])), self.line(tree))

    def identifier(self, tree: LarkTree) -> Expr:
        return Reference(str(tree.children[0]), (), self.line(tree))

    def literal_value(self, tree: LarkTree) -> Expr:
        text = str(tree.children[0])
        value: LiteralValue = None if text == "null" else text == "true"
        return Literal(value, self.line(tree))

    def template_string(self, tree: LarkTree) -> Expr:
        raw = str(tree.children[0])[2:-2]
        return Literal(self.unescape(raw, self.line(tree)), self.line(tree))

    def tuple(self, tree: LarkTree) -> Expr:
        items = tuple(
            self.expr(c) for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"
        )
        return TupleExpr(items, self.line(tree))

    def object(self, tree: LarkTree) -> Expr:
        items: list[ObjectItem] = []
        previous: LarkTree | None = None
        for child in tree.children:
            if _is_separator(child):
                previous = None
            elif isinstance(child, Tree) and child.data == "object_elem":
                if previous is not None and not _ends_with_newline(previous):
                    raise self.error(
                        self.line(child),
                        "Missing attribute separator: expected a newline or comma to mark the"
                        " beginning of the next attribute",
                    )
                previous = child
                key_tree, _sep, value_tree = child.children
                key = self.object_key(key_tree)
                items.append(ObjectItem(key, self.expr(value_tree), self.line(child)))
        return ObjectExpr(tuple(items), self.line(tree))

    def object_key(self, tree: LarkTree) -> Expr:
        inner = tree.children[0]
        if inner.data == "keyword":
            return Literal(str(inner.children[0]), self.line(tree))
        key = self.expr(inner)
        if isinstance(key, Reference) and not key.steps:
            return Literal(key.root, key.line)  # a bare name is a literal key
        return key

    def function_call(self, tree: LarkTree) -> Expr:
        names: list[str] = []
        args: tuple[Expr, ...] = ()
        expand = False
        for child in tree.children:
            if isinstance(child, Token):
                continue
            if child.data == "identifier":
                names.append(str(child.children[0]))
            elif child.data == "arguments":
                args = tuple(
                    self.expr(c)
                    for c in child.children
                    if isinstance(c, Tree) and c.data != "new_line_or_comment"
                )
                expand = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in child.children)
        return Call("::".join(names), args, expand, self.line(tree))

    def steps_of(self, tree: LarkTree) -> Step:
        data = tree.data
        if data == "get_attr":
            return AttrStep(str(tree.children[1].children[0]))
        if data == "braces_index":
            inner = next(c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
            return IndexStep(self.expr(inner))
        # short_index: legacy `.0`
        return IndexStep(Literal(int(str(tree.children[1])), self.line(tree)))

    def traversal(self, tree: LarkTree) -> Expr:
        source_tree, step_tree = tree.children
        source = self.expr_term(source_tree)
        step = self.steps_of(step_tree)
        if isinstance(source, Reference):
            return Reference(source.root, (*source.steps, step), source.line)
        if isinstance(source, Access):
            return Access(source.source, (*source.steps, step), source.line)
        return Access(source, (step,), source.line)

    def splat(self, tree: LarkTree) -> Expr:
        source_tree, splat_tree = tree.children
        source = self.expr_term(source_tree)
        full = splat_tree.data == "full_splat"
        steps = [self.steps_of(c) for c in splat_tree.children if isinstance(c, Tree)]
        if full:
            return Splat(source, tuple(steps), True, self.line(tree))
        # legacy attribute-only splat: an index ends it and applies to the result
        inside: list[Step] = []
        while steps and isinstance(steps[0], AttrStep):
            inside.append(steps.pop(0))
        node: Expr = Splat(source, tuple(inside), False, self.line(tree))
        if steps:
            node = Access(node, tuple(steps), node.line)
        return node

    def for_expr(self, tree: LarkTree) -> Expr:
        intro: LarkTree | None = None
        exprs: list[Expr] = []
        cond: Expr | None = None
        group = False
        for child in tree.children:
            if isinstance(child, Token):
                if child.type == "ELLIPSIS":
                    group = True
                continue
            if child.data == "for_intro":
                intro = child
            elif child.data == "for_cond":
                inner = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
                cond = self.expr(inner[0])
            elif child.data != "new_line_or_comment":
                exprs.append(self.expr(child))
        assert intro is not None
        names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
        collection_tree = next(
            c
            for c in intro.children
            if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")
        )
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        collection = self.expr(collection_tree)
        line = self.line(tree)
        if tree.data == "for_tuple_expr":
            return ForExpr(key_var, value_var, collection, None, exprs[0], cond, False, line)
        return ForExpr(key_var, value_var, collection, exprs[0], exprs[1], cond, group, line)

    # ----------------------------------------------------------------- strings

    def unescape(self, raw: str, line: int) -> str:
        return unescape(raw, self.path, line)

    def string(self, tree: LarkTree) -> Expr:
        line = self.line(tree)
        children = tree.children
        if len(children) == 3 and isinstance(children[1].children[0], Token):
            token = children[1].children[0]
            if token.type == "STRING_CHARS":
                return Literal(self.unescape(str(token), line), line)
        if len(children) == 2:
            return Literal("", line)
        flat: list[FlatPart] = []
        for part in children[1:-1]:
            content = part.children[0]
            if isinstance(content, Token):
                kind = content.type
                text = str(content)
                if kind == "STRING_CHARS":
                    text = self.unescape(text, content.line + self.offset if content.line else line)
                else:  # $${ or %%{ escapes
                    text = text[1:]
                flat.append(FlatPart("lit", line, text))
            else:
                flat.append(self.string_directive(content))
        return template_node(nest_template(self.path, flat, line), line)

    def string_directive(self, tree: LarkTree) -> FlatPart:
        data = tree.data
        line = self.line(tree)
        if data == "interpolation":
            inner = tree.children[1]
            return FlatPart("expr", line, expr=self.expr(inner))
        strip = [i for i, c in enumerate(tree.children) if isinstance(c, Token) and c.type == "STRIP_MARKER"]
        keyword_index = next(
            i
            for i, c in enumerate(tree.children)
            if isinstance(c, Token) and c.type in ("IF", "ELSE", "ENDIF", "FOR", "ENDFOR")
        )
        left = any(i < keyword_index for i in strip)
        right = any(i > keyword_index for i in strip)
        kind = {
            "template_if_start": "if",
            "template_else": "else",
            "template_endif": "endif",
            "template_for_start": "for",
            "template_endfor": "endfor",
        }[data]
        part = FlatPart(kind, line, strip_left=left, strip_right=right)
        subtrees = [c for c in tree.children if isinstance(c, Tree)]
        if kind == "if":
            part.expr = self.expr(subtrees[0])
        elif kind == "for":
            names = [str(c.children[0]) for c in subtrees if c.data == "identifier"]
            part.key_var, part.value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            part.expr = self.expr(subtrees[-1])
        return part

    def heredoc(self, tree: LarkTree) -> Expr:
        line = self.line(tree)
        body = heredoc_body(str(tree.children[0]))
        return parse_template_text(body, self.path, line + 1, line, reference_parse_expression)


def _is_separator(child: LarkTree | Token) -> bool:
    if isinstance(child, Token):
        return child.type == "COMMA"
    return bool(child.data == "new_line_or_comment")


def _ends_with_newline(tree: LarkTree) -> bool:
    """Whether a body item or object element already holds its newline (a heredoc or a
    binary operation takes the one that follows it)."""
    node: LarkTree | Token = tree
    while isinstance(node, Tree):
        if node.data == "new_line_or_comment":
            return True  # binary operators keep the newline that follows them
        if not node.children:
            return False
        node = node.children[-1]
    return node.type.startswith(("HEREDOC", "NL_OR_COMMENT"))


# --------------------------------------------------------------------------- public: HCL


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Parsing and unpickling allocate hundreds of thousands of small objects;
    without this, the collector's repeated passes over the heap cost up to half
    the load time. Our trees have no cycles, so nothing is lost.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_hcl(path: str, text: str) -> HclFile:
    """Parse one ``*.tf`` (HCL native syntax) file; malformed input raises LoadError."""
    if active_hcl_parser() == "tree-sitter":
        from .tree_sitter_syntax import parse_hcl as parse_with_tree_sitter

        with paused_gc():
            return parse_with_tree_sitter(path, text)
    return reference_parse_hcl(path, text)


def reference_parse_hcl(path: str, text: str) -> HclFile:
    """:func:`parse_hcl` with python-hcl2, the reference parser, whichever is active."""
    text = text.removeprefix("\ufeff")
    with paused_gc():
        tree = _lark_parse(path, text)
        return HclFile(path, _Converter(path).body(tree.children[0]), "hcl")


def parse_expression(text: str, path: str = "<expression>", line: int = 1) -> Expr:
    """Parse one HCL expression (``var.x``, ``"a-${b}"``) whose text starts at ``line``."""
    if active_hcl_parser() == "tree-sitter":
        from .tree_sitter_syntax import parse_expression as parse_with_tree_sitter

        return parse_with_tree_sitter(text, path, line)
    return reference_parse_expression(text, path, line)


def reference_parse_expression(text: str, path: str = "<expression>", line: int = 1) -> Expr:
    """:func:`parse_expression` with python-hcl2, the reference parser, whichever is active."""
    source = "x = (" + text + ")"
    tree = _lark_parse(path, source, line - 1, 5)
    body = tree.children[0]
    attribute = next(c for c in body.children if c.data == "attribute")
    parens = attribute.children[2]
    inner = next(c for c in parens.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
    return _Converter(path, line - 1).expr(inner)


def parse_template(text: str, path: str = "<template>", line: int = 1) -> Expr:
    """Parse template text (a heredoc body, a JSON string, a ``templatefile``) into a node.

    Plain text becomes a :class:`Literal`; text with ``${...}`` or ``%{...}`` a
    :class:`Template`. ``$${`` and ``%%{`` are escapes for literal ``${`` and ``%{``.
    """
    return parse_template_text(text, path, line, line, parse_expression)


def parse_tfvars(path: str, text: str) -> HclFile:
    """Parse a ``*.tfvars`` (or ``*.tfvars.json``) file: attributes only, no blocks.

    In ``*.tfvars.json`` the values are literal JSON: strings are not templates.
    """
    if path.endswith(".json"):
        return parse_tfvars_json(path, text)
    parsed = parse_hcl(path, text)
    if parsed.body.blocks:
        block = parsed.body.blocks[0]
        raise LoadError.single(
            path,
            block.line,
            f'unexpected block "{block.type}": a .tfvars file only assigns variables (name = value)',
        )
    return parsed


def parse_file(path: str, text: str) -> HclFile:
    """Parse by file name: ``*.tfvars(.json)``, ``*.json`` (JSON syntax) or HCL."""
    if path.endswith((".tfvars", ".tfvars.json")):
        return parse_tfvars(path, text)
    if path.endswith(".json"):
        return parse_hcl_json(path, text)
    return parse_hcl(path, text)


def parse_hcl_json(path: str, text: str) -> HclFile:
    """Parse a ``*.tf.json`` file (Terraform's JSON syntax) into the same AST as HCL.

    See :func:`.hcl_json.parse_tf_json`; its strings are parsed as templates
    (or expressions) by :func:`parse_template` and :func:`parse_expression`.
    """
    return parse_tf_json(path, text, parse_expression, parse_template)
