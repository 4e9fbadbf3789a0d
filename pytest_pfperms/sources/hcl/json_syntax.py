"""Read Terraform's JSON syntax (``*.tf.json``, ``*.tfvars.json``) into our AST.

A small JSON reader keeps the line of every value and key (and duplicate keys);
a schema of Terraform's block types decides which members become blocks. In
``*.tf.json`` strings are templates (or expressions, for a few arguments), parsed
by the native-syntax parser that :mod:`.hcl_parse` passes in, so this module
never imports it. :func:`parse_number` is shared with :mod:`.hcl_parse`.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from ...errors import LoadError
from .syntax_tree import (
    Attribute,
    Block,
    Body,
    Expr,
    HclFile,
    Literal,
    LiteralValue,
    ObjectExpr,
    ObjectItem,
    TupleExpr,
)

__all__ = ["ExprParser", "parse_number", "parse_tf_json", "parse_tfvars_json"]

ExprParser: TypeAlias = Callable[[str, str, int], Expr]
"""``(text, path, line) -> Expr``, as :func:`.hcl_parse.parse_expression` and ``parse_template``."""

_INT_RE = re.compile(r"-?[0-9]+\Z")


def parse_number(text: str) -> int | float:
    """A number literal as Terraform reads it: integral values become ints (``1.0`` is ``1``)."""
    if _INT_RE.match(text):
        return int(text)
    number = Decimal(text)
    if number == number.to_integral_value() and number.is_finite():
        return int(number)
    return float(number)


@dataclass(frozen=True, slots=True)
class _JValue:
    kind: str  # object | array | string | number | true | false | null
    value: object
    line: int


_JSON_WS = re.compile(r"[ \t\r\n]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class _JsonReader:
    """A small JSON parser that keeps the line of every value and key, and duplicate keys."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text.removeprefix("\ufeff")
        self.newlines = [i for i, char in enumerate(self.text) if char == "\n"]

    def line_at(self, index: int) -> int:
        return bisect.bisect_right(self.newlines, index - 1) + 1

    def fail(self, index: int, message: str) -> LoadError:
        line = self.line_at(index)
        start = self.newlines[line - 2] + 1 if line > 1 else 0
        return LoadError.single(self.path, line, f"invalid JSON: column {index - start + 1}: {message}")

    def skip(self, index: int) -> int:
        match = _JSON_WS.match(self.text, index)
        assert match is not None
        return match.end()

    def document(self) -> _JValue:
        value, index = self.value(self.skip(0))
        index = self.skip(index)
        if index != len(self.text):
            raise self.fail(index, "unexpected text after the JSON value")
        return value

    def value(self, index: int) -> tuple[_JValue, int]:
        text = self.text
        if index >= len(text):
            raise self.fail(index, "unexpected end of file; expected a value")
        char = text[index]
        line = self.line_at(index)
        if char == "{":
            return self.object(index + 1, line)
        if char == "[":
            items: list[_JValue] = []
            index = self.skip(index + 1)
            if text.startswith("]", index):
                return _JValue("array", items, line), index + 1
            while True:
                item, index = self.value(self.skip(index))
                items.append(item)
                index = self.skip(index)
                if text.startswith(",", index):
                    index += 1
                elif text.startswith("]", index):
                    return _JValue("array", items, line), index + 1
                else:
                    raise self.fail(index, "expected , or ] in array")
        if char == '"':
            string, end = self.string(index)
            return _JValue("string", string, line), end
        for word in ("true", "false", "null"):
            if text.startswith(word, index):
                return _JValue(word, None, line), index + len(word)
        match = _JSON_NUMBER.match(text, index)
        if match:
            return _JValue("number", match.group(), line), match.end()
        raise self.fail(index, f"unexpected character {char!r}; expected a value")

    def string(self, index: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, index + 1)  # type: ignore[attr-defined,no-any-return]
        except json.JSONDecodeError as error:
            raise self.fail(error.pos, error.msg) from None

    def object(self, index: int, line: int) -> tuple[_JValue, int]:
        text = self.text
        members: list[tuple[str, int, _JValue]] = []
        index = self.skip(index)
        if text.startswith("}", index):
            return _JValue("object", members, line), index + 1
        while True:
            if not text.startswith('"', index):
                raise self.fail(index, "expected a property name in double quotes")
            key_line = self.line_at(index)
            key, index = self.string(index)
            index = self.skip(index)
            if not text.startswith(":", index):
                raise self.fail(index, "expected : after the property name")
            item, index = self.value(self.skip(index + 1))
            members.append((key, key_line, item))
            index = self.skip(index)
            if text.startswith(",", index):
                index = self.skip(index + 1)
            elif text.startswith("}", index):
                return _JValue("object", members, line), index + 1
            else:
                raise self.fail(index, "expected , or } in object")


def _json_literal(value: _JValue) -> Expr:
    """A JSON value as literal expressions (tfvars.json: strings are not templates)."""
    if value.kind == "object":
        members = value.value
        assert isinstance(members, list)
        return ObjectExpr(
            tuple(ObjectItem(Literal(k, kl), _json_literal(v), kl) for k, kl, v in members),
            value.line,
        )
    if value.kind == "array":
        items = value.value
        assert isinstance(items, list)
        return TupleExpr(tuple(_json_literal(item) for item in items), value.line)
    return Literal(_json_scalar(value), value.line)


def _json_scalar(value: _JValue) -> LiteralValue:
    if value.kind == "string":
        assert isinstance(value.value, str)
        return value.value
    if value.kind == "number":
        assert isinstance(value.value, str)
        try:
            return parse_number(value.value)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
            return float(value.value)
    return {"true": True, "false": False, "null": None}[value.kind]


_JsonSchema = dict[str, tuple[int, "_JsonSchema"]]

_LIFECYCLE: _JsonSchema = {}
_RESOURCE: _JsonSchema = {
    "lifecycle": (0, _LIFECYCLE),
    "connection": (0, {}),
    "provisioner": (1, {"connection": (0, {})}),
}
_RESOURCE["dynamic"] = (1, {"content": (0, _RESOURCE)})
_JSON_TOP: _JsonSchema = {
    "resource": (2, _RESOURCE),
    "data": (2, _RESOURCE),
    "ephemeral": (2, _RESOURCE),
    "module": (1, {}),
    "variable": (1, {"validation": (0, {})}),
    "output": (1, {"precondition": (0, {})}),
    "provider": (1, {}),
    "locals": (0, {}),
    "terraform": (0, {"required_providers": (0, {}), "backend": (1, {}), "cloud": (0, {})}),
    "moved": (0, {}),
    "import": (0, {}),
    "removed": (0, {"lifecycle": (0, {})}),
    "check": (1, {"assert": (0, {})}),
}
_EXPRESSION_MODE = {
    "depends_on",
    "provider",
    "providers",
    "ignore_changes",
    "replace_triggered_by",
    "from",
    "to",
}
"""Attributes whose JSON strings are HCL expressions, not templates (``type`` of variables too)."""


class _JsonConverter:
    """Terraform's JSON syntax: known block types become blocks, strings are templates."""

    def __init__(self, path: str, expression: ExprParser, template: ExprParser) -> None:
        self.path = path
        self.expression = expression
        self.template = template

    def body(
        self, members: list[tuple[str, int, _JValue]], schema: _JsonSchema, nested: bool, kind: str
    ) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for key, key_line, value in members:
            if key == "//":
                continue
            if key in schema:
                labels, sub_schema = schema[key]
                blocks.extend(self.blocks(key, value, labels, sub_schema, ()))
                continue
            if key in attributes:
                raise LoadError.single(
                    self.path,
                    key_line,
                    f'argument "{key}" was already set at line {attributes[key].line};'
                    " each argument may be set only once",
                )
            expression_mode = key in _EXPRESSION_MODE or (kind == "variable" and key == "type")
            attributes[key] = Attribute(key, self.expr(value, expression_mode), key_line)
        return Body(attributes, tuple(blocks), nested)

    def blocks(
        self, block_type: str, value: _JValue, labels: int, schema: _JsonSchema, got: tuple[str, ...]
    ) -> list[Block]:
        if value.kind == "array":
            items = value.value
            assert isinstance(items, list)
            out: list[Block] = []
            for item in items:
                out.extend(self.blocks(block_type, item, labels, schema, got))
            return out
        if value.kind != "object":
            raise LoadError.single(
                self.path, value.line, f'"{block_type}" must be a JSON object describing the block'
            )
        members = value.value
        assert isinstance(members, list)
        if labels == 0:
            return [Block(block_type, got, self.body(members, schema, True, block_type), value.line)]
        out = []
        for key, key_line, item in members:
            if key == "//":
                continue
            for block in self.blocks(block_type, item, labels - 1, schema, (*got, key)):
                out.append(Block(block.type, block.labels, block.body, key_line) if labels == 1 else block)
        return out

    def expr(self, value: _JValue, expression_mode: bool = False) -> Expr:
        kind = value.kind
        if kind == "string":
            assert isinstance(value.value, str)
            if expression_mode:
                return self.expression(value.value, self.path, value.line)
            return self.template(value.value, self.path, value.line)
        if kind == "array":
            items = value.value
            assert isinstance(items, list)
            return TupleExpr(tuple(self.expr(item, expression_mode) for item in items), value.line)
        if kind == "object":
            members = value.value
            assert isinstance(members, list)
            return ObjectExpr(
                tuple(
                    ObjectItem(
                        self.template(key, self.path, key_line), self.expr(item, expression_mode), key_line
                    )
                    for key, key_line, item in members
                    if key != "//"
                ),
                value.line,
            )
        return Literal(_json_scalar(value), value.line)


def parse_tf_json(path: str, text: str, expression: ExprParser, template: ExprParser) -> HclFile:
    """Parse a ``*.tf.json`` file (Terraform's JSON syntax) into the same AST as HCL.

    Top-level block types (resource, data, module, variable, output, provider,
    locals, terraform, ...) become blocks; below them JSON cannot tell nested
    blocks from object-valued attributes, so those stay attributes and
    :meth:`Body.blocks_of` reads them as blocks on request. Strings are handed
    to ``template`` (or ``expression``, for arguments such as ``depends_on``).
    """
    document = _JsonReader(path, text).document()
    if document.kind != "object":
        raise LoadError.single(path, document.line, "a .tf.json file must hold a JSON object")
    members = document.value
    assert isinstance(members, list)
    converter = _JsonConverter(path, expression, template)
    body = converter.body(members, _JSON_TOP, False, "")
    return HclFile(path, body, "json")


def parse_tfvars_json(path: str, text: str) -> HclFile:
    """Parse a ``*.tfvars.json`` file: one JSON object of literal values (strings are not templates)."""
    value = _JsonReader(path, text).document()
    if value.kind != "object":
        raise LoadError.single(path, value.line, "a .tfvars.json file must hold a JSON object")
    attributes: dict[str, Attribute] = {}
    members = value.value
    assert isinstance(members, list)
    for key, key_line, item in members:
        if key in attributes:
            raise LoadError.single(
                path, key_line, f'variable "{key}" was already set at line {attributes[key].line}'
            )
        attributes[key] = Attribute(key, _json_literal(item), key_line)
    return HclFile(path, Body(attributes, ()), "json")
