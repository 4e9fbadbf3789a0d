"""Rendered Kubernetes manifests: multi-document YAML and JSON, List kinds, helm output.

Reads with PyYAML's C parser and safe constructor only (no tags that run code),
keeping each document's line and, for ``helm template`` output, the chart
template named in its ``# Source:`` comment. Mapping keys defined twice are an
error (as kubectl reports them), not silently overwritten.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ...errors import Problem, beyond_limits, limit_line
from ...model.objects import KubeObject, SourceRef
from ...values import Str
from .admission import HELM_ADVICE, helm_template_line, template_braces_line
from .object_building import InvalidObject, build_object
from .schemas import field_path

try:  # the C parser is ~10x faster; fall back to the pure-Python one where libyaml is missing
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this are refused rather than read."""

MAX_EXPANDED_NODES = 1_000_000
"""Alias expansion beyond this many nodes in one document is refused (billion-laughs guard)."""

_HELM_SOURCE = re.compile(r"^# Source: (.+?)\s*$", re.MULTILINE)
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]")


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """The safe constructor, refusing mapping keys that appear twice and integers too long
    for Python to convert (more than 4,300 digits), each with its line."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, "an integer with more than 4,300 digits (no Kubernetes field takes "
                "one; shorten it)", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)
        seen: dict[Any, Node] = {}
        start = len(node.value) - own
        mapping: dict[Any, Any] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
            if position >= start:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        f"mapping key {key!r} is defined twice", seen[key].start_mark,
                        f"mapping key {key!r} is defined again here (remove one)",
                        key_node.start_mark)
                seen[key] = key_node
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_StrictConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:map", _StrictConstructor.construct_yaml_map)


_RESOLVED: dict[str, str] = {}
"""Plain scalar -> its implicit tag (the standard resolver's answer depends on the text alone)."""


class _Loader(_Parser, _StrictConstructor, yaml.resolver.Resolver):
    """CParser + strict safe constructor + the standard resolver (its answers for plain
    scalars remembered: manifests repeat the same keys and values thousands of times)."""

    def __init__(self, stream: str):
        _Parser.__init__(self, stream)
        _StrictConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) > 100_000:
                    _RESOLVED.clear()
                _RESOLVED[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers are registered: nothing to track (the base class checks that
        on every node)."""

    def ascend_resolver(self) -> None:
        """See ``descend_resolver``."""


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_PLAIN_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
                                "tag:yaml.org,2002:null", "tag:yaml.org,2002:float"})


class _Unusual(Exception):
    """A node ``_construct`` leaves to the full constructor (merge keys, other tags, a key
    defined twice, a key that is not a string)."""


def _construct(node: Node, loader: _Loader) -> Any:
    """A document's value, built straight from its nodes: the same value as the strict
    constructor gives for documents of plain maps, sequences, strings, numbers, booleans
    and nulls without anchors, several times faster; raises ``_Unusual`` otherwise."""
    cls = node.__class__
    tag = node.tag
    if cls is ScalarNode:
        if tag == _STR_TAG:
            return node.value
        if tag in _PLAIN_SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Unusual
    if cls is MappingNode:
        if tag != _MAP_TAG:
            raise _Unusual
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag != _STR_TAG:
                raise _Unusual
            key = key_node.value
            if key in mapping:
                raise _Unusual
            mapping[key] = _construct(value_node, loader)
        return mapping
    if cls is SequenceNode and tag == _SEQ_TAG:
        return [_construct(item, loader) for item in node.value]
    raise _Unusual


@dataclass(slots=True)
class ManifestResult:
    """What one file yielded: built objects, warnings and problems."""

    objects: list[KubeObject] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _expanded_size(node: Node, limit: int) -> int:
    """Number of nodes after alias expansion, stopping early past ``limit``."""
    sizes: dict[int, int] = {}

    def size(current: Node, depth: int) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        if depth > 10_000:
            return limit + 1
        total = 1
        if isinstance(current, SequenceNode):
            for item in current.value:
                total += size(item, depth + 1)
                if total > limit:
                    break
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > limit:
                    break
        sizes[id(current)] = total
        return total

    return size(node, 0)


def _child(node: Node, key: str | int) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node  # type: ignore[no-any-return]
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]  # type: ignore[no-any-return]
    return None


def line_of(node: Node, path: list[str | int]) -> int:
    """The 1-based line of the deepest node along ``path`` that exists."""
    current = node
    for key in path:
        found = _child(current, key)
        if found is None:
            break
        current = found
    return current.start_mark.line + 1


def _rule_lines(node: Node) -> list[int] | None:
    rules = _child(node, "rules")
    if isinstance(rules, SequenceNode):
        return [item.start_mark.line + 1 for item in rules.value]
    return None


def _documents(text: str, path: str, result: ManifestResult) -> Iterator[tuple[Node, Any]]:
    """Each document's root node and value; syntax errors become problems."""
    loader = _Loader(text)
    guard = _ANCHOR.search(text) is not None
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if guard and _expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
                result.problems.append(Problem(
                    path, node.start_mark.line + 1,
                    f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through YAML "
                    "aliases; refusing it (remove the anchors/aliases)"))
                continue
            if guard:
                yield node, loader.construct_document(node)
                continue
            try:
                value = _construct(node, loader)
            except _Unusual:
                value = loader.construct_document(node)
            yield node, value
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(part) for part in (error.context, error.problem) if part)
        column = f" (column {mark.column + 1})" if mark is not None else ""
        braces = template_braces_line(text)
        hint = f"; line {braces} holds template syntax ({{{{ }}}}): if the file is a Helm chart " \
            f"template, {HELM_ADVICE}" \
            if braces is not None else ""
        result.problems.append(Problem(path, line, f"YAML syntax error: {what}{column}{hint}"))
    except yaml.YAMLError as error:
        position = getattr(error, "position", None)  # a ReaderError: a character YAML refuses
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = str(error).split("\n", 1)[0]
        result.problems.append(Problem(path, line, f"YAML error: {reason}"))
    except RecursionError:
        result.problems.append(Problem(path, None, "YAML nesting is too deep to read"))
    finally:
        loader.dispose()


def helm_sources(text: str) -> tuple[list[int], list[str]]:
    lines: list[int] = []
    names: list[str] = []
    if "# Source: " not in text:
        return lines, names
    line, counted = 1, 0
    for match in _HELM_SOURCE.finditer(text):  # lines counted from the previous match: linear
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.append(line)
        names.append(match.group(1))
    return lines, names


def iter_documents(text: str, path: str) -> Iterator[Any]:
    """Each document of a YAML text as a plain value, read lazily by the strict reader
    (later documents are not read until asked for, as the kubectl provider reads only the
    first); the first problem met raises ValueError with its line."""
    result = ManifestResult()
    for _, value in _documents(text, path, result):
        if result.problems:
            break
        yield value
    if result.problems:
        problem = result.problems[0]
        lines = text.splitlines()
        shown = f"\n  {problem.line} | {lines[problem.line - 1]}" \
            if problem.line and problem.line <= len(lines) else ""
        at = f" at line {problem.line}" if problem.line else ""
        raise ValueError(f"{path}: invalid YAML{at}: {problem.message}{shown}")


def read_documents(text: str, path: str) -> tuple[list[Any], list[Problem]]:
    """Every document of a YAML text as plain values, read by the same strict reader as
    manifests (safe constructors, duplicate keys refused, alias bombs refused), and the
    problems met; ``path`` is what messages call the file."""
    result = ManifestResult()
    values = [value for _, value in _documents(text, path, result) if value is not None]
    return values, result.problems


DocumentRecord = list[Any]
"""What a cached read keeps of one document: ``[value, first line, line after it, rule lines
or None]`` (see :mod:`.reading_cache`)."""


def load_manifest_text(text: str, path: str, default_namespace: Str,
                       record: list[DocumentRecord] | None = None) -> ManifestResult:
    """Load every object in one YAML or JSON text; ``path`` is what messages call the file.

    ``record``, when given, receives each document's value and the lines its objects need,
    for a cache of the reading; it is cleared when the file holds a ``*List`` document
    (whose items need their own nodes), so an empty record after a load with documents
    means "do not cache"."""
    result = ManifestResult()
    template = helm_template_line(text)
    if template is not None:
        line, action = template
        result.problems.append(Problem(path, line, f"holds Helm template syntax ({action}): it is a "
                                                   "chart template, not a manifest; " + HELM_ADVICE))
        return result
    helm_lines, helm_names = helm_sources(text)
    previous_end = 0
    listed = False
    for node, value in _documents(text, path, result):
        line = node.start_mark.line + 1
        helm = helm_source(helm_lines, helm_names, line, previous_end)
        previous_end = node.end_mark.line + 1
        if record is not None and not listed:
            kind = value.get("kind") if isinstance(value, dict) else None
            if isinstance(kind, str) and kind.endswith("List"):
                listed = True
            else:
                record.append([value, line, previous_end,
                               _rule_lines(node) if kind in ("Role", "ClusterRole") else None])
        _add_document(value, node, SourceRef(path, line, helm), default_namespace, result)
    if listed and record is not None:
        record.clear()
    return result


def helm_source(helm_lines: list[int], helm_names: list[str], line: int, previous_end: int) -> str | None:
    """The chart template a document starting at ``line`` came from: the last ``# Source:``
    comment before it and after the previous document (None when there is none)."""
    if helm_lines:
        position = bisect.bisect_right(helm_lines, line) - 1
        if position >= 0 and helm_lines[position] > previous_end:
            return helm_names[position]
    return None


def add_built_object(value: Any, source: SourceRef, default_namespace: Str,
                     rule_lines: list[int] | None, result: ManifestResult, *, admitted: bool = False) -> None:
    """Build one object from a document already read; InvalidObject propagates (a cached
    reading has no nodes to place the problem, so the caller reads the file again).
    ``admitted``: as for :func:`~.object_building.build_object`."""
    built = build_object(value, source, default_namespace, rule_lines=rule_lines, strict_fields=True,
                         admitted=admitted)
    result.objects.append(built.obj)
    for warning in built.warnings:
        result.warnings.append(Problem(source.path, source.line, warning, built.obj.ref()))


def _add_document(value: Any, node: Node, source: SourceRef, default_namespace: Str,
                  result: ManifestResult, prefix: str = "") -> None:
    """One document: an object, or a ``*List`` whose items (Lists inside Lists too, as
    kubectl flattens them) are each an object."""
    if value is None:
        return  # an empty document
    kind = value.get("kind") if isinstance(value, Mapping) else None
    if isinstance(kind, str) and kind.endswith("List") and "items" in value:
        items = value.get("items")
        if not isinstance(items, list):
            where = f"{prefix}.items" if prefix else "items"
            result.problems.append(Problem(source.path, line_of(node, ["items"]),
                                           "expected a list of objects", where))
            return
        items_node = _child(node, "items")
        for index, item in enumerate(items):
            item_node = _child(items_node, index) if items_node is not None else None
            item_line = item_node.start_mark.line + 1 if item_node is not None else source.line
            item_prefix = f"{prefix}.items[{index}]" if prefix else f"items[{index}]"
            item_source = SourceRef(source.path, item_line, source.helm_source)
            if item is None:  # a null item is an error (the API server takes no empty object)
                _add_object(item, item_node or node, item_source, default_namespace, result, item_prefix)
            else:
                _add_document(item, item_node or node, item_source, default_namespace, result, item_prefix)
        return
    _add_object(value, node, source, default_namespace, result, prefix=prefix)


def _add_object(value: Any, node: Node, source: SourceRef, default_namespace: Str,
                result: ManifestResult, prefix: str = "") -> None:
    try:
        kind = value.get("kind") if isinstance(value, Mapping) else None
        lines = _rule_lines(node) if kind in ("Role", "ClusterRole") else None
        add_built_object(value, source, default_namespace, lines, result)
    except InvalidObject as error:
        for path, message in ((error.path, error.message), *error.more):
            where = field_path(path)
            if prefix:
                where = f"{prefix}.{where}" if where else prefix
            result.problems.append(Problem(source.path, line_of(node, path), message, where))


class _DuplicateKey(Exception):
    """A JSON object names a key twice (the API server's strict decoding refuses it)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def load_json_text(text: str, path: str, default_namespace: Str) -> ManifestResult:
    """JSON is read as YAML (to keep lines); strict JSON parsing is the fallback."""
    result = load_manifest_text(text, path, default_namespace)
    if result.problems and all("YAML syntax error" in p.message for p in result.problems):
        fallback = ManifestResult()
        try:
            value = json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKey:
            return result  # the reader's problem names the key and its line (strict decoding refuses it)
        except json.JSONDecodeError as error:
            fallback.problems.append(Problem(path, error.lineno, f"JSON syntax error: {error.msg} "
                                                                 f"(column {error.colno})"))
            return fallback
        except (RecursionError, ValueError) as error:
            limit = beyond_limits(error, path, limit_line(text, error))
            if limit is None:
                raise
            fallback.problems.extend(limit.problems)
            return fallback
        _add_document(value, ScalarNode("tag:yaml.org,2002:null", "", yaml.Mark(path, 0, 0, 0, "", 0)),
                      SourceRef(path, 1), default_namespace, fallback)
        return fallback
    return result
