"""Reading policy files: safe YAML with a line for every key, and JSON Schema validation.

Only the safe YAML loader is used, and a mapping key defined twice is an error. A file is
a policy file only if its (first) document says ``apiVersion: pfperms/v1``; anything else is
not ours (:func:`is_policy_file`), so unrelated YAML is never collected. Schema errors are
:class:`~pytest_pfperms.errors.LoadError` problems naming the file, the line and the field,
with a did-you-mean for misspelt keys and values.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import LoadError, Problem, beyond_limits, limit_line

if TYPE_CHECKING:
    import jsonschema

API_VERSION = "pfperms/v1"
KIND = "PolicySet"
MAX_FILE_BYTES = 4 * 1024 * 1024

JsonPath = tuple[str | int, ...]


@dataclass(slots=True)
class Document:
    """A policy file's data, with the line of every key and list item (``lines[path]``)."""

    path: str
    data: dict[str, Any]
    lines: dict[JsonPath, int] = field(default_factory=dict)

    def line(self, path: Iterable[str | int]) -> int:
        """The line of ``path``, or of its closest enclosing key."""
        parts = tuple(path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), 1)


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The PolicySet JSON Schema shipped in the package (``policyset.schema.json``)."""
    text = resources.files(__package__).joinpath("policyset.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _read_text(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LoadError.single(shown, None, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LoadError.single(shown, None, "is not UTF-8 text") from None
    except OSError as error:
        raise LoadError.single(shown, None, f"cannot be read: {error.strerror}") from None


def is_policy_file(path: Path) -> bool:
    """Whether a YAML file declares ``apiVersion: pfperms/v1`` (cheap: the text is looked at first)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if API_VERSION not in text:
        return False
    try:
        first = next(yaml.safe_load_all(text), None)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError):
        return True  # it names our apiVersion: a syntax error (or input too deep) is ours to report
    return isinstance(first, Mapping) and first.get("apiVersion") == API_VERSION


class _Builder:
    """Plain data from a composed YAML node tree, recording lines and refusing duplicate keys."""

    def __init__(self, shown: str):
        self.shown = shown
        self.lines: dict[JsonPath, int] = {}
        self.constructor = yaml.SafeLoader("")

    def build(self, node: Node, path: JsonPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_scalar(key_node)
                if not isinstance(key, (str, int, bool)) or isinstance(key, bool):
                    raise LoadError.single(self.shown, key_node.start_mark.line + 1,
                                           f"mapping keys must be strings, got {key!r}")
                key = str(key)
                if key in result:
                    raise LoadError.single(self.shown, key_node.start_mark.line + 1,
                                           f"key {key!r} is defined twice (first at line "
                                           f"{self.lines[(*path, key)]}); remove one")
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self.build_scalar(node)

    def build_scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            raise LoadError.single(self.shown, node.start_mark.line + 1, "mapping keys must be plain values")
        value = self.constructor.construct_object(node)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return node.value  # dates stay as written (YYYY-MM-DD), as the schema asks
        return value


def read(path: Path, shown: str | None = None) -> Document:
    """Read and validate one policy file; raises LoadError naming file and line (input too
    deep or too large for Python too, never a RecursionError)."""
    shown = shown or str(path)
    text = _read_text(path, shown)
    try:
        return _document(text, shown)
    except LoadError:
        raise
    except (RecursionError, ValueError, OverflowError) as error:
        limit = beyond_limits(error, shown, limit_line(text, error))
        if limit is None:
            raise
        raise limit from None


def _document(text: str, shown: str) -> Document:
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise LoadError.single(shown, line, f"YAML syntax error: {error.problem}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (a NUL, ...)
        raise LoadError.single(shown, text.count("\n", 0, error.position) + 1,
                               f"holds the character {error.character!r}, which YAML does not allow "
                               "(is it a binary file?)") from None
    except yaml.YAMLError as error:
        raise LoadError.single(shown, None, f"YAML error: {error}") from None
    nodes = [node for node in nodes if node is not None]
    if not nodes:
        raise LoadError.single(shown, 1, "is empty")
    if len(nodes) > 1:
        raise LoadError.single(shown, nodes[1].start_mark.line + 1,
                               "holds more than one YAML document; write one PolicySet per file")
    builder = _Builder(shown)
    try:
        data = builder.build(nodes[0], ())
    except yaml.MarkedYAMLError as error:  # a tagged value that cannot be built (bad !!binary, ...)
        mark = error.problem_mark or error.context_mark
        raise LoadError.single(shown, mark.line + 1 if mark else None,
                               f"YAML error: {error.problem or error.context}") from None
    if not isinstance(data, dict):
        raise LoadError.single(shown, 1, f"expected a PolicySet mapping, got {type(data).__name__}")
    document = Document(shown, data, builder.lines)
    problems = validate(document)
    if problems:
        raise LoadError(problems)
    return document


# --------------------------------------------------------------------------- validation


def _path_text(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _close(word: str, choices: Iterable[str]) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


REQUEST_SHAPES = ("a request asks Kubernetes (verbs with resources or nonResourceURLs), AWS (aws: "
                  "{actions, resources}) or Vault (vault: {capabilities, paths}): exactly one of them")


def _problems_of(error: jsonschema.ValidationError, document: Document) -> list[Problem]:
    path = list(error.absolute_path)
    where = _path_text(path) or "(top)"
    rules: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    expected: Any = error.validator_value
    line = document.line(path)
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(rules.get("properties", {}))
        found = []
        for key in error.instance:
            if key not in allowed:
                found.append(Problem(document.path, document.line([*path, key]),
                                     f"unknown key {key!r}{_close(key, allowed)}; allowed here: "
                                     + ", ".join(allowed), where))
        return found
    if validator in ("oneOf", "anyOf") and error.context:
        if "verbs" in rules.get("properties", {}):
            return [Problem(document.path, line, REQUEST_SHAPES, where)]
        relevant = [e for e in error.context
                    if not (e.validator == "type" and list(e.absolute_path) == path)] or list(error.context)
        deepest = max(relevant, key=lambda e: len(e.absolute_path))
        if deepest is not None and list(deepest.absolute_path) != path:
            return _problems_of(deepest, document)
        if validator == "anyOf" and all("required" in option for option in rules.get("anyOf", [{}])):
            wanted = [option["required"][0] for option in rules["anyOf"]]
            return [Problem(document.path, line, "needs one of " + ", ".join(wanted), where)]
        return [Problem(document.path, line, f"{_short(error.instance)} is not valid here: "
                        + (deepest.message if deepest is not None else error.message), where)]
    if validator == "enum":
        options = [str(option) for option in expected]
        close = _close(str(error.instance), options)
        return [Problem(document.path, line, f"{_short(error.instance)} is not one of "
                        + ", ".join(options) + close, where)]
    if validator == "const":
        return [Problem(document.path, line, f"must be {expected!r}, not "
                        f"{_short(error.instance)}", where)]
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return [Problem(document.path, line, f"{missing!r} is required", where)]
    if validator == "dependentRequired":
        return [Problem(document.path, line, "can and cannot need subjects: who they are about", where)]
    if validator == "pattern" and path and path[-1] == "id":
        return [Problem(document.path, line, f"policy id {_short(error.instance)} must be lower-case "
                        "letters, digits and '-' (like no-cluster-admin)", where)]
    if validator == "pattern" and "expires" in path:
        return [Problem(document.path, line, f"expires {_short(error.instance)} must be a date, "
                        "YYYY-MM-DD", where)]
    if path and path[-1] == "split" and validator in ("type", "minimum", "maximum"):
        return [Problem(document.path, line, f"split {_short(error.instance)} must be a whole number of "
                        "test items, from 1 to 1000", where)]
    if validator == "propertyNames":
        return [Problem(document.path, line, f"exceptions are keyed by built-in policy id (PF-K8S-001, "
                        f"...), not {_short(error.instance)}", where)]
    return [Problem(document.path, line, error.message, where)]


def _short(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(document: Document) -> list[Problem]:
    """Every schema problem of a document, plus ids used twice in it."""
    if document.data.get("apiVersion") != API_VERSION:
        return [Problem(document.path, document.line(["apiVersion"]),
                        f"apiVersion must be {API_VERSION!r}", "apiVersion")]
    import jsonschema  # here, not at import: the built-in pack is never validated (0.04 s)

    validator = jsonschema.Draft202012Validator(schema())
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(document.data), key=lambda e: list(map(str, e.absolute_path))):
        problems += _problems_of(error, document)
    seen: dict[str, int] = {}
    listed = document.data.get("policies")
    for index, policy in enumerate(listed if isinstance(listed, list) else []):
        if isinstance(policy, dict) and isinstance(policy.get("id"), str):
            line = document.line(["policies", index, "id"])
            if policy["id"] in seen:
                problems.append(Problem(document.path, line, f"policy id {policy['id']!r} is used twice "
                                        f"(first at line {seen[policy['id']]}); ids are unique in a run",
                                        f"policies[{index}].id"))
            seen.setdefault(policy["id"], line)
    unique = {(p.file, p.line, p.field, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.field))


__all__ = ["API_VERSION", "Document", "is_policy_file", "read", "schema", "validate"]
