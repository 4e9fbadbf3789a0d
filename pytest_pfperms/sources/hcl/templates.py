"""Template text: the parts of quoted strings, heredocs and template files.

Splits text at ``${...}``/``%{...}`` (``$${``/``%%{`` escape them), applies ``~``
strip markers and nests ``%{ if }``/``%{ for }``; also string escapes and heredoc
bodies. Expressions are parsed by the callable :mod:`.hcl_parse` passes in, so
this module never imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import LoadError
from .json_syntax import ExprParser
from .syntax_tree import (
    Expr,
    Literal,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
)

__all__ = [
    "FlatPart",
    "heredoc_body",
    "nest_template",
    "parse_template_text",
    "template_node",
    "unescape",
    "unescape_template_text",
]

_TEMPLATE_START = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
_DIRECTIVE = re.compile(r"\s*(if|else|endif|for|endfor)\b(.*)\Z", re.DOTALL)
_FOR_INTRO = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(?:,\s*([A-Za-z_][A-Za-z0-9_-]*)\s*)?in\b(.*)\Z", re.DOTALL
)


@dataclass(slots=True)
class FlatPart:
    """One flat template part before ``%{ if }``/``%{ for }`` are nested."""

    kind: str  # lit | expr | if | else | endif | for | endfor
    line: int
    text: str = ""
    expr: Expr | None = None
    key_var: str | None = None
    value_var: str = ""
    strip_left: bool = False
    strip_right: bool = False


def _skip_comment(text: str, i: int) -> int:
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _skip_string(text: str, i: int) -> int:
    """Index just after the quoted string whose body starts at ``i``."""
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
        elif char == '"':
            return i + 1
        elif char in "$%" and text.startswith("{", i + 1):
            close = _find_close(text, i + 2)
            if close < 0:
                return n
            i = close + 1
        elif char in "$%" and text.startswith(char + "{", i + 1):
            i += 3
        else:
            i += 1
    return n


def _find_close(text: str, i: int) -> int:
    """Index of the ``}`` closing a ``${``/``%{`` whose expression starts at ``i``, or -1."""
    n = len(text)
    depth = 0
    while i < n:
        char = text[i]
        if char == '"':
            i = _skip_string(text, i + 1)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        elif char == "#" or (char == "/" and text.startswith(("//", "/*"), i)):
            i = _skip_comment(text, i)
            continue
        i += 1
    return -1


def _strip_flags(inner: str) -> tuple[str, bool, bool]:
    stripped = inner.strip()
    left = stripped.startswith("~")
    if left:
        stripped = stripped[1:]
    right = stripped.endswith("~")
    if right:
        stripped = stripped[:-1]
    return stripped, left, right


def nest_template(path: str, flat: list[FlatPart], line: int) -> tuple[TemplatePart, ...]:
    """Apply ``~`` strip markers, then nest if/for directives; raise on unbalanced ones."""
    for index, part in enumerate(flat):
        if part.kind == "lit":
            continue
        if part.strip_left and index > 0 and flat[index - 1].kind == "lit":
            flat[index - 1].text = flat[index - 1].text.rstrip(" \t\r\n")
        if part.strip_right and index + 1 < len(flat) and flat[index + 1].kind == "lit":
            flat[index + 1].text = flat[index + 1].text.lstrip(" \t\r\n")
    position = 0

    def sequence(stop: tuple[str, ...]) -> tuple[tuple[TemplatePart, ...], FlatPart | None]:
        nonlocal position
        out: list[TemplatePart] = []
        while position < len(flat):
            part = flat[position]
            position += 1
            if part.kind in stop:
                return _merge_literals(out), part
            if part.kind == "lit":
                if part.text:
                    out.append(part.text)
            elif part.kind == "expr":
                assert part.expr is not None
                out.append(part.expr)
            elif part.kind == "if":
                assert part.expr is not None
                then, end = sequence(("else", "endif"))
                else_: tuple[TemplatePart, ...] = ()
                if end is not None and end.kind == "else":
                    else_, end = sequence(("endif",))
                if end is None or end.kind != "endif":
                    raise LoadError.single(
                        path, part.line, "template %{ if } directive has no matching %{ endif }"
                    )
                out.append(TemplateIf(part.expr, then, else_, part.line))
            elif part.kind == "for":
                assert part.expr is not None
                body, end = sequence(("endfor",))
                if end is None:
                    raise LoadError.single(
                        path, part.line, "template %{ for } directive has no matching %{ endfor }"
                    )
                out.append(TemplateFor(part.key_var, part.value_var, part.expr, body, part.line))
            else:
                raise LoadError.single(
                    path, part.line, f"template %{{ {part.kind} }} directive without its opening"
                )
        return _merge_literals(out), None

    parts, end = sequence(())
    assert end is None
    return parts


def _merge_literals(parts: list[TemplatePart]) -> tuple[TemplatePart, ...]:
    merged: list[TemplatePart] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif not (isinstance(part, str) and not part):
            merged.append(part)
    return tuple(merged)


def template_node(parts: tuple[TemplatePart, ...], line: int) -> Expr:
    """A :class:`Literal` for no parts or one text part, else a :class:`Template`."""
    if not parts:
        return Literal("", line)
    if len(parts) == 1 and isinstance(parts[0], str):
        return Literal(parts[0], line)
    return Template(parts, line)


_SIMPLE_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)


def unescape(raw: str, path: str, line: int) -> str:
    """Decode the backslash escapes of quoted-string text; an unknown one raises LoadError."""
    if "\\" not in raw:
        return raw
    return _ESCAPE_RE.sub(lambda m: _escape(m, path, line), raw)


_TEMPLATE_ESCAPE_RE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.DOTALL)


def unescape_template_text(raw: str, path: str, line: int) -> str:
    """Decode the literal text of a quoted template: backslash escapes, and ``$${``/``%%{``
    for a literal ``${``/``%{``; an unknown backslash escape raises LoadError."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    return _TEMPLATE_ESCAPE_RE.sub(lambda m: m.group()[1:] if m.group()[0] != "\\"
                                   else _escape(m, path, line), raw)


def _escape(match: re.Match[str], path: str, line: int) -> str:
    text = match.group()
    simple = _SIMPLE_ESCAPES.get(text)
    if simple is not None:
        return simple
    if text[1] in "uU" and len(text) > 2:
        return chr(int(text[2:], 16))
    raise LoadError.single(
        path, line, f"invalid escape sequence {text!r} in string; use \\\\ for a literal backslash"
    )


def heredoc_body(text: str) -> str:
    """The template text of a heredoc token (``<<EOT`` ... ``EOT``); ``<<-`` bodies dedented."""
    first_newline = text.index("\n")
    marker = text[2:first_newline].rstrip("\r")
    trim = marker.startswith("-")
    marker = marker.lstrip("-")
    rest = text[first_newline + 1 :]
    body = rest[: rest.rstrip("\r\n").rfind(marker)]
    body = body.rstrip(" \t")
    if trim:
        body = _dedent(body)
    return body


def _dedent(body: str) -> str:
    """``<<-`` heredocs: remove the smallest indentation of the non-blank lines from each."""
    lines = body.splitlines(keepends=True)
    widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip(" \t\r\n")]
    if not widths:
        return body
    cut = min(widths)
    return "".join(line[cut:] if line.strip(" \t\r\n") else line for line in lines)


def parse_template_text(text: str, path: str, text_line: int, node_line: int, expression: ExprParser) -> Expr:
    """Parse template text starting at ``text_line`` into a node at ``node_line``.

    Plain text becomes a :class:`Literal`, anything else a :class:`Template`;
    ``expression`` parses each ``${...}`` and directive expression.
    """
    if "{" not in text:
        return Literal(text, node_line)
    flat: list[FlatPart] = []
    position = 0
    current_line = text_line
    counted = 0
    while True:
        match = _TEMPLATE_START.search(text, position)
        if match is None:
            flat.append(FlatPart("lit", current_line, text[position:]))
            break
        start = match.start()
        current_line += text.count("\n", counted, start)
        counted = start
        flat.append(FlatPart("lit", current_line, text[position:start]))
        opener = match.group()
        if len(opener) == 3:  # $${ or %%{
            flat.append(FlatPart("lit", current_line, opener[1:]))
            position = match.end()
            continue
        close = _find_close(text, match.end())
        if close < 0:
            raise LoadError.single(path, current_line, f"template sequence {opener} is never closed with }}")
        raw = text[match.end() : close]
        inner, left, right = _strip_flags(raw)
        leading = raw[: len(raw) - len(raw.lstrip(" \t\r\n~"))]
        expr_line = current_line + leading.count("\n")
        if opener == "${":
            expr = expression(inner, path, expr_line)
            flat.append(FlatPart("expr", current_line, expr=expr, strip_left=left, strip_right=right))
        else:
            flat.append(_directive(path, inner, expr_line, left, right, expression))
        position = close + 1
    return template_node(nest_template(path, flat, node_line), node_line)


def _directive(path: str, inner: str, line: int, left: bool, right: bool, expression: ExprParser) -> FlatPart:
    match = _DIRECTIVE.match(inner)
    if match is None:
        raise LoadError.single(
            path, line, f"invalid template directive %{{{inner}}}: expected if, else, endif, for or endfor"
        )
    keyword, rest = match.group(1), match.group(2)
    part = FlatPart(keyword, line, strip_left=left, strip_right=right)
    if keyword == "if":
        part.expr = expression(rest, path, line)
    elif keyword == "for":
        intro = _FOR_INTRO.match(rest)
        if intro is None:
            raise LoadError.single(
                path, line, f"invalid template directive %{{{inner}}}: expected for NAME in EXPRESSION"
            )
        first, second, collection = intro.groups()
        part.key_var, part.value_var = (first, second) if second else (None, first)
        part.expr = expression(collection, path, line)
    elif rest.strip():
        raise LoadError.single(path, line, f"unexpected text after %{{ {keyword} }}: {rest.strip()!r}")
    return part
