"""``jsonencode``/``jsondecode`` and ``yamlencode``/``yamldecode`` as Terraform does them.

JSON: keys sorted, compact, numbers as Terraform spells them, and ``<``, ``>``,
``&``, U+2028 and U+2029 escaped as Go's ``json.Marshal`` does. YAML: the
libyaml emitter (PyYAML is a port of the same code) with strings always double
quoted, multi-line strings as literal blocks, keys sorted, 80-column folding;
decoding with the YAML 1.1 scalars go-cty-yaml accepts (``yes``/``no``/``on``/
``off``, ``0x``/``0o``, timestamps to RFC 3339), safe constructs only.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ..syntax_tree import format_number
from ..values import (
    TfSet,
    Value,
    from_decimal,
    sorted_dict,
)


class EncodingError(Exception):
    """A value cannot be encoded or a document cannot be decoded (Terraform's wording)."""


# --------------------------------------------------------------------------- JSON


def json_encode(value: Value) -> str:
    """``jsonencode(value)`` for a known value."""
    out: list[str] = []
    _json_write(value, out)
    return "".join(out)


_HTML = re.compile("[<>&\u2028\u2029]")


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return _HTML.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def _json_write(value: Value, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_json_string(value))
    elif isinstance(value, int | float):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise EncodingError("value is not a finite number and cannot be encoded as JSON")
        out.append(format_number(value))
    elif isinstance(value, list | TfSet):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _json_write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value)):
            if index:
                out.append(",")
            out.append(_json_string(key))
            out.append(":")
            _json_write(value[key], out)
        out.append("}")
    else:
        raise EncodingError("value is not known and cannot be encoded as JSON")


def _json_number(text: str) -> int | float:
    try:
        return from_decimal(Decimal(text))
    except InvalidOperation:  # pragma: no cover - json only hands us valid numbers
        raise EncodingError(f"invalid number {text}") from None


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Value]:
    return sorted_dict(pairs)


_JSON_MAX_DEPTH = 10_000
"""Go's ``encoding/json`` refuses documents nesting deeper (``exceeded max depth``)."""


def _json_depth_exceeded(text: str) -> bool:
    """Whether arrays and objects nest deeper than :data:`_JSON_MAX_DEPTH` (strings skipped);
    one pass over the brackets, quotes and backslashes."""
    if text.count("[") + text.count("{") <= _JSON_MAX_DEPTH:
        return False
    depth = 0
    in_string = False
    escaped_at = -1
    for token in _JSON_MARKS.finditer(text):
        at, mark = token.start(), token.group()
        if at == escaped_at:
            continue
        if in_string:
            if mark == "\\":
                escaped_at = at + 1
            elif mark == '"':
                in_string = False
        elif mark == '"':
            in_string = True
        elif mark in "[{":
            depth += 1
            if depth > _JSON_MAX_DEPTH:
                return True
        elif mark in "]}":
            depth -= 1
    return False


_JSON_MARKS = re.compile(r'[\[\]{}"\\]')


def json_decode(text: str) -> Value:
    """``jsondecode(text)``: objects become dicts, numbers exact (integral ones ints)."""
    if _json_depth_exceeded(text):
        raise EncodingError("exceeded max depth")
    try:
        value: Value = json.loads(
            text,
            parse_float=_json_number,
            parse_int=_json_number,
            parse_constant=_reject_constant,
            object_pairs_hook=_json_object,
        )
    except json.JSONDecodeError as error:
        raise EncodingError(f"{error.msg} (line {error.lineno} column {error.colno})") from None
    return value


def _reject_constant(name: str) -> Value:
    raise EncodingError(f"invalid character {name[0]!r} looking for beginning of value")


# --------------------------------------------------------------------------- YAML encode


def _printable(code: int) -> bool:
    """libyaml's ``is_printable`` (tabs, controls and characters beyond U+FFFF are not)."""
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


_YAML_ESCAPES = {
    0x00: "0",
    0x07: "a",
    0x08: "b",
    0x09: "t",
    0x0A: "n",
    0x0B: "v",
    0x0C: "f",
    0x0D: "r",
    0x1B: "e",
    0x22: '"',
    0x5C: "\\",
    0x85: "N",
    0xA0: "_",
    0x2028: "L",
    0x2029: "P",
}
_YAML_BREAKS = "\r\n\x85\u2028\u2029"


class _CtyEmitter(yaml.emitter.Emitter):
    """PyYAML's emitter (a port of libyaml's) with the parts where PyYAML differs from
    the libyaml that go-cty-yaml uses brought back in line: double-quoted scalars fold
    at a space after column 80 without a trailing backslash and escape what libyaml
    escapes; characters libyaml cannot print rule out block scalars; simple keys may
    be 128 bytes long."""

    def _put(self, text: str) -> None:
        self.column += len(text)
        self.stream.write(text)

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        """libyaml's ``yaml_emitter_write_double_quoted_scalar``."""
        self.write_indicator('"', True)
        spaces = False
        last = len(text) - 1
        for index, char in enumerate(text):
            code = ord(char)
            if not _printable(code) or code == 0xFEFF or char in _YAML_BREAKS or char in '"\\':
                escape = _YAML_ESCAPES.get(code)
                if escape is None:
                    escape = (
                        f"x{code:02X}"
                        if code <= 0xFF
                        else f"u{code:04X}"
                        if code <= 0xFFFF
                        else f"U{code:08X}"
                    )
                self._put("\\" + escape)
                spaces = False
            elif char == " ":
                if split and not spaces and self.column > self.best_width and 0 < index < last:
                    self.write_indent()
                    if text[index + 1] == " ":
                        self._put("\\")
                else:
                    self._put(" ")
                spaces = True
            else:
                self._put(char)
                spaces = False
        self.write_indicator('"', False)

    def analyze_scalar(self, scalar: str) -> Any:
        """PyYAML's analysis, plus libyaml's idea of special characters."""
        analysis = super().analyze_scalar(scalar)
        if any(not _printable(ord(char)) for char in scalar if char not in "\n"):
            analysis.allow_block = False
            analysis.allow_block_plain = False
            analysis.allow_flow_plain = False
            analysis.allow_single_quoted = False
        return analysis

    def check_simple_key(self) -> bool:
        """libyaml's rule: a single-line key of at most 128 bytes."""
        event = self.event
        if isinstance(event, yaml.ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            if self.analysis.multiline:
                return False
            return len(event.value.encode("utf-8")) <= 128
        return bool(super().check_simple_key())


class _Dumper(
    _CtyEmitter,
    yaml.serializer.Serializer,
    yaml.representer.SafeRepresenter,
    yaml.resolver.Resolver,
):
    """Emits as go-cty-yaml does: double-quoted strings, literal blocks for multi-line ones."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        _CtyEmitter.__init__(
            self,
            stream,
            canonical=None,
            indent=2,
            width=80,
            allow_unicode=True,
            line_break=None,
        )
        yaml.serializer.Serializer.__init__(self, explicit_start=False, explicit_end=False)
        yaml.representer.SafeRepresenter.__init__(self, default_flow_style=False, sort_keys=False)
        yaml.resolver.Resolver.__init__(self)


def _plain(dumper: Any, text: str) -> yaml.Node:
    tag = dumper.resolve(yaml.ScalarNode, text, (True, False))
    node: yaml.Node = dumper.represent_scalar(tag, text)
    return node


def _represent_str(dumper: Any, data: str) -> yaml.Node:
    style = "|" if "\n" in data else '"'
    node: yaml.Node = dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)
    return node


def _represent_number(dumper: Any, data: int | float) -> yaml.Node:
    return _plain(dumper, format_number(data))


def _represent_bool(dumper: Any, data: bool) -> yaml.Node:
    return _plain(dumper, "true" if data else "false")


def _represent_null(dumper: Any, data: None) -> yaml.Node:
    return _plain(dumper, "null")


def _represent_list(dumper: Any, data: Any) -> yaml.Node:
    node: yaml.Node = dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=False)
    return node


def _represent_dict(dumper: Any, data: dict[str, Any]) -> yaml.Node:
    items = sorted(data.items())
    node: yaml.Node = dumper.represent_mapping("tag:yaml.org,2002:map", items, flow_style=False)
    return node


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(int, _represent_number)
_Dumper.add_representer(float, _represent_number)
_Dumper.add_representer(bool, _represent_bool)
_Dumper.add_representer(type(None), _represent_null)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(TfSet, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def yaml_encode(value: Value) -> str:
    """``yamlencode(value)`` for a known value."""
    _check_known(value)
    text: str = yaml.dump(value, Dumper=_Dumper)
    return text


def _check_known(value: Value) -> None:
    if isinstance(value, list | TfSet):
        for item in value:
            _check_known(item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_known(item)
    elif not (value is None or isinstance(value, str | bool | int | float)):
        raise EncodingError("cannot serialize unknown value as YAML")


# --------------------------------------------------------------------------- YAML decode


class _Composer(yaml.SafeLoader):
    """Composes nodes without resolving plain scalars; we resolve them as cty does."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
        """As PyYAML's, but remember whether the tag was written explicitly."""
        event = self.get_event()  # type: ignore[no-untyped-call]
        tag = event.tag
        explicit = tag is not None and tag != "!"
        if not explicit:
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        node.explicit_tag = explicit  # type: ignore[attr-defined]
        if anchor is not None:
            self.anchors[anchor] = node
        return node


_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"[-+]?[0-9]+\Z|0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?P<f>\.[0-9]+)?"
    r"(?:[ \t]*(?P<tz>Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)
_STR_TAG = "tag:yaml.org,2002:str"


def _timestamp(text: str) -> str | None:
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    try:
        moment = datetime.datetime(
            int(parts["y"]),
            int(parts["mo"]),
            int(parts["d"]),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
        )
    except ValueError:
        return None
    fraction = (parts["f"] or "").rstrip("0").rstrip(".")
    zone = parts["tz"]
    if zone in (None, "Z"):
        suffix = "Z"
    else:
        sign, rest = zone[0], zone[1:]
        hours, _, minutes = rest.partition(":")
        suffix = f"{sign}{int(hours):02d}:{int(minutes or 0):02d}"
        if suffix in ("+00:00", "-00:00"):
            suffix = "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + suffix


def _plain_scalar(text: str) -> Value:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _NULL:
        return None
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        raise EncodingError("floating point NaN is not supported")
    first = text[0]
    if first == ".":
        try:
            return from_decimal(Decimal(text))
        except InvalidOperation:
            return text
    if first.isdigit() or first in "+-":
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
        if _INT.match(text) or _FLOAT.match(text):
            return _yaml_number(text)
    return text


def _yaml_number(text: str) -> int | float:
    plain = text.replace("_", "")
    try:
        return from_decimal(Decimal(plain))
    except InvalidOperation:
        pass
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits[:2] in ("0o", "0O") else 10
    try:
        return sign * int(digits[2:] if base != 10 else digits, base)
    except ValueError:
        raise EncodingError(f'cannot parse "{text}" as tag:yaml.org,2002:int') from None


def _tagged_scalar(tag: str, text: str) -> Value:
    short = tag.removeprefix("tag:yaml.org,2002:")
    if short in ("str", "binary"):
        return text
    if short == "bool":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    elif short in ("int", "float"):
        return _yaml_number(text)
    elif short == "null":
        return None
    elif short == "timestamp":
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
    else:
        raise EncodingError(f'unsupported tag "{tag}"')
    raise EncodingError(f'cannot parse "{text}" as {tag}')


_BUDGET = 1_000_000


def _convert(node: yaml.Node, depth: int = 0, budget: list[int] | None = None) -> Value:
    budget = budget if budget is not None else [_BUDGET]
    budget[0] -= 1
    if depth > 200 or budget[0] < 0:
        raise EncodingError("YAML document is nested too deeply or expands to too many values")
    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        if node.style in ("'", '"', "|", ">"):
            if node.tag == _STR_TAG:
                return text
            return _tagged_scalar(node.tag, text)
        if node.tag == _STR_TAG:
            return _plain_scalar(text) if not _explicit_tag(node) else text
        return _tagged_scalar(node.tag, text)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, depth + 1, budget) for item in node.value]
    assert isinstance(node, yaml.MappingNode)
    out: dict[str, Value] = {}
    merged: dict[str, Value] = {}
    for key_node, value_node in node.value:
        if (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge") or (
            isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and key_node.style is None
        ):
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                value = _convert(source, depth + 1, budget)
                if not isinstance(value, dict):
                    raise EncodingError("cannot merge a non-mapping into a mapping")
                for key, item in value.items():
                    merged.setdefault(key, item)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise EncodingError("only strings are allowed as mapping keys")
        converted = _convert(key_node, depth + 1, budget)
        if converted is None:
            raise EncodingError("mapping key cannot be null")
        if isinstance(converted, bool):
            key = "true" if converted else "false"
        elif isinstance(converted, int | float):
            key = format_number(converted)
        elif isinstance(converted, str):
            key = converted
        else:
            raise EncodingError("only strings are allowed as mapping keys")
        out[key] = _convert(value_node, depth + 1, budget)
    for key, item in merged.items():
        out.setdefault(key, item)
    return sorted_dict(out.items())


def _explicit_tag(node: yaml.ScalarNode) -> bool:
    return bool(getattr(node, "explicit_tag", False))


def yaml_decode(text: str) -> Value:
    """``yamldecode(text)``: exactly one document, safe constructs only."""
    try:
        documents = list(yaml.compose_all(text, Loader=_Composer))
    except yaml.YAMLError as error:
        raise EncodingError(f"on line {_yaml_line(error)}: {_yaml_problem(error)}") from None
    if not documents:
        raise EncodingError("missing start of document")
    if len(documents) > 1:
        raise EncodingError("only a single document is allowed")
    return _convert(documents[0])


def _yaml_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else 0


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    return str(problem) if problem else str(error)
