"""Terraform plan and state JSON (``terraform show -json``) as a second input.

A plan's ``planned_values`` (the root module and its ``child_modules``) hold what each
resource instance will be after apply. Values Terraform cannot know yet are left out
there and marked ``true`` in ``resource_changes[].change.after_unknown`` (same shape as
``after``); each becomes a :class:`~pytest_pfperms.values.Symbol` keyed as the HCL
loader keys computed attributes (``kubernetes_service_account.x.metadata[0].name``).
A sensitive value (``after_sensitive`` / ``sensitive_values``) is normally shown in the
JSON; when it has been hidden (null or left out) it is a symbol too. Data sources come
from ``planned_values`` and ``prior_state``; a state (``values.root_module``) is read
the same way, with nothing unknown.

Every instance then goes through the same mapping as evaluated HCL
(:class:`~.to_model.ObjectMapper`), with the line of its entry in the JSON as
provenance. Lines are found without a second parser: the key tokens of the text,
in order, are paired with the keys of the parsed document walked in the same order.
``terraform show -json`` writes one line; pretty-print it (``jq .``) for useful lines.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...errors import LoadError, Problem
from ...model.objects import CloudResource, KubeObject, SourceRef
from ...values import Symbol
from .model_building import INSTALLERS, ObjectMapper, is_cloud_resource, is_kubernetes_resource
from .providers.kubernetes import kubectl_manifest_objects

PLAN_REASON = "known only after apply (from the plan)"
SENSITIVE_REASON = "sensitive, and hidden in this JSON (null where after_sensitive marks it)"
_PLAN_HINT = "apply, then load `terraform show -json` of the state to see it"
_SENSITIVE_HINT = "load unredacted `terraform show -json` output (it shows sensitive values)"

TOP_LEVEL_KEYS = frozenset({"planned_values", "resource_changes", "prior_state", "values"})
"""Keys that, beside ``format_version``, make a JSON document a Terraform plan or state."""

_ROLE_TYPES = frozenset({"kubernetes_role", "kubernetes_role_v1", "kubernetes_cluster_role",
                         "kubernetes_cluster_role_v1"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[{}\[\]]')
_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?\.')


@dataclass(slots=True)
class PlanResult:
    """What one plan or state file yielded: objects for the model, AWS IAM and Vault
    resources for their engines, and the warnings and problems met while mapping."""

    objects: list[KubeObject] = field(default_factory=list)
    resources: list[CloudResource] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_plan_json(document: object) -> bool:
    """Whether a parsed JSON document is ``terraform show -json`` output: a plan
    (``planned_values``/``resource_changes``) or a state (``values``; an empty state is
    ``format_version`` alone), with ``format_version``."""
    return (isinstance(document, dict) and "format_version" in document
            and "kind" not in document and "apiVersion" not in document
            and (any(key in document for key in TOP_LEVEL_KEYS)
                 or set(document) <= {"format_version", "terraform_version"}))


# --------------------------------------------------------------------------- lines


class _Lines:
    """The line of each JSON object (its ``{``), list (its ``[``) and object key.

    Valid JSON read left to right yields its brackets and key strings (a string followed by
    ``:``) in the order the parsed document, walked depth first in key order, meets its
    containers and keys. If the two disagree (which valid JSON without a key given twice
    never does: see :func:`duplicate_key`), lines are unknown.
    """

    def __init__(self, text: str, document: Any):
        self._text = text
        self._document = document  # keeps the ids below valid
        self._keys: dict[int, list[int]] = {}
        self._opening: dict[int, int] = {}
        self._single = "\n" not in text.strip()
        self._newlines: list[int] = []
        if self._single:
            return
        tokens = [(match.start(), match.start(1) if match.group(1) else -1)
                  for match in _TOKEN.finditer(text) if match.group(0)[0] in "{[" or match.group(1)]
        if self._pair(document, tokens):
            self._newlines = [match.start() for match in re.finditer("\n", text)]
        else:
            self._keys = {}
            self._opening = {}

    @property
    def known(self) -> bool:
        """Whether lines are known (one line, or text and document agree)."""
        return self._single or bool(self._newlines)

    def _pair(self, document: Any, tokens: list[tuple[int, int]]) -> bool:
        """Give every container the offset of its bracket, and every object those of its keys;
        False if text and document disagree."""
        position = 0
        text = self._text

        def take(bracket: str) -> int | None:
            nonlocal position
            if position >= len(tokens) or text[tokens[position][0]] != bracket:
                return None
            position += 1
            return tokens[position - 1][0]

        def visit(value: Any) -> bool:
            nonlocal position
            if isinstance(value, dict):
                opening = take("{")
                if opening is None:
                    return False
                self._opening[id(value)] = opening
                mine = self._keys[id(value)] = []
                for key, item in value.items():
                    if position >= len(tokens) or tokens[position][1] < 0:
                        return False
                    start, stop = tokens[position]
                    position += 1
                    raw = text[start:stop]
                    if raw[1:-1] != key and not ("\\" in raw and json.loads(raw) == key):
                        return False
                    mine.append(start)
                    if not visit(item):
                        return False
            elif isinstance(value, list):
                opening = take("[")
                if opening is None:
                    return False
                self._opening[id(value)] = opening
                return all(visit(item) for item in value)
            return True

        try:
            return visit(document) and position == len(tokens)
        except RecursionError:
            return False

    def _line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def of(self, container: object) -> int | None:
        """The line of a JSON object's ``{`` or list's ``[`` (None when unknown)."""
        if self._single:
            return 1
        opening = self._opening.get(id(container))
        return None if opening is None else self._line(opening)

    def key(self, container: object, key: str) -> int | None:
        """The line of ``key`` in a JSON object (else the object's own line)."""
        if self._single:
            return 1
        keys = self._keys.get(id(container))
        if keys and isinstance(container, dict):
            for name, offset in zip(container, keys, strict=False):
                if name == key:
                    return self._line(offset)
        return self.of(container)


def duplicate_key(text: str) -> tuple[str, int] | None:
    """The first key a JSON object of ``text`` names twice, and the line of its second
    occurrence (``json.loads`` keeps the last silently; Terraform never writes one)."""
    stack: list[set[str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{", "["):
            stack.append(set() if token == "{" else {"\0list"})
        elif token in ("}", "]"):
            if stack:
                stack.pop()
        elif match.group(1) and stack:
            raw = token[:match.start(1) - match.start()]
            try:
                key = json.loads(raw)
            except ValueError:
                continue
            if key in stack[-1]:
                return key, text.count("\n", 0, match.start()) + 1
            stack[-1].add(key)
    return None


# --------------------------------------------------------------------------- unknowns


def _step(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return f".{key}" if _IDENTIFIER.fullmatch(key) else f"[{json.dumps(key)}]"


def _has_true(mask: Any) -> bool:
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(_has_true(item) for item in mask.values())
    if isinstance(mask, list):
        return any(_has_true(item) for item in mask)
    return False


def _is_expression(config: Any) -> bool:
    return isinstance(config, dict) and bool(config) and set(config) <= {"references", "constant_value"}


def _references(config: Any) -> list[str]:
    """The most specific references of a configuration expression (``a.b[0].c``, not also ``a.b``)."""
    if not _is_expression(config):
        return []
    listed = config.get("references")
    found = [ref for ref in listed if isinstance(ref, str)] if isinstance(listed, list) else []
    return [ref for ref in found if not any(other != ref and other.startswith((f"{ref}.", f"{ref}["))
                                            for other in found)]


@dataclass(frozen=True, slots=True)
class _Marks:
    """What Terraform says about one value: unknown, sensitive, and its configuration.

    ``unset``: the configuration of the block holding it is known and does not set it,
    so an unknown value is the provider's or API server's to choose (an Optional+Computed
    attribute such as ``service_account_name``). With ``defaults`` such a value is left
    unset, for the mapping to apply the same defaults as for HCL.
    """

    unknown: Any = False
    sensitive: Any = False
    config: Any = None
    defaults: bool = False
    unset: bool = False

    def child(self, key: str | int, siblings: int | None = None) -> _Marks:
        def pick(mask: Any) -> Any:
            if isinstance(key, str) and isinstance(mask, dict):
                return mask.get(key, False)
            if isinstance(key, int) and isinstance(mask, list) and key < len(mask):
                return mask[key]
            return False

        config: Any = None
        unset = False
        if _is_expression(self.config):  # inside one expression's value: it comes from there
            config = self.config
        elif isinstance(key, str) and isinstance(self.config, dict):
            config = self.config.get(key)
            unset = key not in self.config
        elif isinstance(key, int) and isinstance(self.config, list) and len(self.config) == siblings:
            config = self.config[key]
        return _Marks(pick(self.unknown), pick(self.sensitive), config, self.defaults, unset)


_ABSENT = object()


def _symbol(key: str, where: str, reason: str, hint: str, config: Any) -> Symbol:
    references = _references(config)
    if references:
        reason += f"; its configuration refers to {', '.join(references)}"
    return Symbol(key=key, expression=key, source=where, reason=reason, hint=hint)


def _with_unknowns(value: Any, marks: _Marks, key: str, where: str) -> Any:
    """``value`` with a symbol wherever the plan marks it unknown, or sensitive and hidden.

    ``key`` is the value's address (``kubernetes_role.x``); ``where`` is ``file:line``.
    Returns ``_ABSENT`` for a key that is neither present nor marked.
    """
    if marks.unknown is True:
        if marks.defaults and marks.unset:
            return value
        return _symbol(key, where, PLAN_REASON, _PLAN_HINT, marks.config)
    if marks.sensitive is True and (value is None or value is _ABSENT):
        return _symbol(key, where, SENSITIVE_REASON, _SENSITIVE_HINT, marks.config)
    if (value is None or value is _ABSENT) and _has_true(marks.unknown):
        value = {} if isinstance(marks.unknown, dict) else [None] * len(marks.unknown)
    if isinstance(value, dict):
        names = list(value)
        for mask in (marks.unknown, marks.sensitive):
            if isinstance(mask, dict):
                names += [name for name in mask if name not in value and name not in names]
        result: dict[str, Any] = {}
        for name in names:
            item = _with_unknowns(value.get(name, _ABSENT), marks.child(name), key + _step(name), where)
            if item is not _ABSENT:
                result[name] = item
        return result
    if isinstance(value, list):
        size = len(value)
        if isinstance(marks.unknown, list):
            size = max(size, len(marks.unknown))
        items = [*value, *([None] * (size - len(value)))]
        return [_with_unknowns(item, marks.child(index, size), key + _step(index), where)
                for index, item in enumerate(items)]
    return value


# --------------------------------------------------------------------------- the document


@dataclass(slots=True)
class _Entry:
    """One resource instance in the JSON."""

    address: str
    mode: str
    type: str
    name: str
    values: Any
    sensitive: Any
    node: dict[str, Any]
    line: int | None


class _Reader:
    """Walks one plan or state document, collecting shape problems with their lines."""

    def __init__(self, document: dict[str, Any], lines: _Lines, path: str):
        self.document = document
        self.lines = lines
        self.path = path
        self.problems: list[Problem] = []

    def bad(self, container: object, key: str | None, field_name: str, message: str) -> None:
        line = self.lines.of(container) if key is None else self.lines.key(container, key)
        self.problems.append(Problem(self.path, line, message, field_name))

    def mapping(self, container: dict[str, Any], key: str, field_name: str) -> dict[str, Any] | None:
        value = container.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.bad(container, key, field_name, f"expected an object, not {_kind(value)}")
            return None
        return value

    def sequence(self, container: dict[str, Any], key: str, field_name: str) -> list[Any]:
        value = container.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(container, key, field_name, f"expected a list, not {_kind(value)}")
            return []
        return value

    def module(self, module: dict[str, Any], field_name: str) -> Iterator[_Entry]:
        """Every resource instance of a module and, depth first, of its child modules."""
        resources = self.sequence(module, "resources", f"{field_name}.resources")
        for index, node in enumerate(resources):
            entry = self.entry(node, f"{field_name}.resources[{index}]", "values", "sensitive_values",
                               within=resources)
            if entry is not None:
                yield entry
        for index, child in enumerate(self.sequence(module, "child_modules", f"{field_name}.child_modules")):
            where = f"{field_name}.child_modules[{index}]"
            if not isinstance(child, dict):
                self.bad(module, "child_modules", where, f"expected a module object, not {_kind(child)}")
                continue
            yield from self.module(child, where)

    def entry(self, node: Any, field_name: str, values_key: str, sensitive_key: str,
              holder: dict[str, Any] | None = None, within: object = None) -> _Entry | None:
        """The entry of one resource ``node`` (its values in ``holder``, default the node
        itself; ``within``: the list holding it, for a line when it is no object)."""
        holder = node if holder is None else holder
        if not isinstance(node, dict) or not isinstance(holder, dict):
            line = self.lines.of(node if isinstance(node, dict) else within)
            self.problems.append(Problem(self.path, line, f"expected a resource object, not {_kind(node)}",
                                         field_name))
            return None
        for key in ("address", "type", "name", "mode"):
            if not isinstance(node.get(key), str):
                self.bad(node, key if key in node else None, f"{field_name}.{key}",
                         f"a resource needs a string {key!r}" + ("" if key in node else ", and has none"))
                return None
        if node["mode"] not in ("managed", "data"):
            self.bad(node, "mode", f"{field_name}.mode",
                     f"mode must be managed or data, not {node['mode']!r}")
            return None
        values = holder.get(values_key)
        if values is not None and not isinstance(values, dict):
            self.bad(holder, values_key, f"{field_name}.{values_key}",
                     f"expected an object, not {_kind(values)}")
            return None
        return _Entry(node["address"], node["mode"], node["type"], node["name"], values,
                      holder.get(sensitive_key, False), node, self.lines.of(node))

    def changes(self) -> dict[str, dict[str, Any]]:
        """``resource_changes`` by address (current objects only; deposed ones are going)."""
        found: dict[str, dict[str, Any]] = {}
        for index, node in enumerate(self.sequence(self.document, "resource_changes", "resource_changes")):
            where = f"resource_changes[{index}]"
            if not isinstance(node, dict) or not isinstance(node.get("address"), str):
                self.bad(node if isinstance(node, dict) else self.document,
                         None if isinstance(node, dict) else "resource_changes", where,
                         "expected a resource change with an address")
                continue
            change = node.get("change")
            if not isinstance(change, dict):
                self.bad(node, "change" if "change" in node else None, f"{where}.change",
                         "expected an object describing the change")
                continue
            if node.get("deposed"):
                continue
            found[node["address"]] = node
        return found


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _root_module(reader: _Reader, container: dict[str, Any] | None, field_name: str) -> dict[str, Any] | None:
    if container is None:
        return None
    return reader.mapping(container, "root_module", f"{field_name}.root_module")


def _module_names(address: str) -> tuple[str, ...]:
    names: list[str] = []
    position = 0
    while (match := _MODULE_STEP.match(address, position)) is not None:
        names.append(match.group(1))
        position = match.end()
    return tuple(names)


class _Configuration:
    """``configuration``: each resource's expressions, to say what an unknown value comes from."""

    def __init__(self, document: dict[str, Any]):
        configuration = document.get("configuration")
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        self.root = root if isinstance(root, dict) else None
        self.cache: dict[tuple[str, ...], dict[str, Any]] = {}

    def expressions(self, entry: _Entry) -> Any:
        names = _module_names(entry.address)
        table = self.cache.get(names)
        if table is None:
            table = self.cache[names] = self._table(names)
        label = f"{'data.' if entry.mode == 'data' else ''}{entry.type}.{entry.name}"
        return table.get(label)

    def _table(self, names: tuple[str, ...]) -> dict[str, Any]:
        module = self.root
        for name in names:
            calls = module.get("module_calls") if isinstance(module, dict) else None
            call = calls.get(name) if isinstance(calls, dict) else None
            module = call.get("module") if isinstance(call, dict) else None
        table: dict[str, Any] = {}
        resources = module.get("resources") if isinstance(module, dict) else None
        for resource in resources if isinstance(resources, list) else []:
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                table[resource["address"]] = resource.get("expressions")
        return table


def _parse(text: str, path: str) -> tuple[dict[str, Any], _Lines]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError.single(path, error.lineno, f"JSON syntax error: {error.msg} (column {error.colno})") \
            from None
    except RecursionError:
        raise LoadError.single(path, None, "JSON nesting is too deep to read") from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise LoadError.single(path, 1, "is not `terraform show -json` output: expected an object with "
                                        "format_version and planned_values, resource_changes or values")
    lines = _Lines(text, document)
    duplicate = None if lines.known else duplicate_key(text)
    if duplicate is not None:  # (on one line, as Terraform writes it, the last one counts, as in Go or jq)
        raise LoadError.single(path, duplicate[1], f"key {duplicate[0]!r} is given twice in one object "
                               "(terraform show -json never writes that): remove one")
    version = document["format_version"]
    if not isinstance(version, str) or not version.startswith("1."):
        raise LoadError.single(path, lines.key(document, "format_version"),
                               f"format_version {version!r} is not supported (pytest-pfperms reads 1.x, "
                               "as Terraform 0.12+ and OpenTofu write it)", "format_version")
    if not is_plan_json(document):
        raise LoadError.single(path, 1, "is not `terraform show -json` output: expected planned_values, "
                                        "resource_changes or values beside format_version")
    return document, lines


def _entries(reader: _Reader, changes: dict[str, dict[str, Any]]) -> list[_Entry]:
    """Every resource instance the plan (or state) says will exist, each once."""
    document = reader.document
    entries: list[_Entry] = []
    planned = reader.mapping(document, "planned_values", "planned_values")
    root = _root_module(reader, planned, "planned_values")
    if root is not None:
        entries += reader.module(root, "planned_values.root_module")
    elif "values" in document:
        root = _root_module(reader, reader.mapping(document, "values", "values"), "values")
        if root is not None:
            entries += reader.module(root, "values.root_module")
    elif planned is None:  # only resource_changes: take each change's "after"
        for node in changes.values():
            change = node["change"]
            if change.get("actions") == ["delete"] or change.get("after") is None:
                continue
            entry = reader.entry(node, node["address"], "after", "after_sensitive", holder=change)
            if entry is not None:
                entries.append(entry)
    seen = {entry.address for entry in entries}
    prior = reader.mapping(document, "prior_state", "prior_state")
    values = reader.mapping(prior, "values", "prior_state.values") if prior is not None else None
    prior_root = _root_module(reader, values, "prior_state.values")
    if prior_root is not None:
        for entry in reader.module(prior_root, "prior_state.values.root_module"):
            if entry.mode == "data" and entry.address not in seen:
                entries.append(entry)
                seen.add(entry.address)
    return entries


def load_plan_json(text: str, path: str) -> PlanResult:
    """Load ``terraform show -json`` output (a plan, or a state) into model objects and
    AWS IAM / Vault resources; ``path`` is what messages call the file.

    Raises LoadError (file and line) on bad JSON or a document of the wrong shape;
    problems with single resources are returned in ``problems``.
    """
    document, lines = _parse(text, path)
    reader = _Reader(document, lines, path)
    changes = reader.changes()
    entries = _entries(reader, changes)
    if reader.problems:
        raise LoadError(reader.problems)
    result = PlanResult()
    if document.get("errored") is True:
        result.warnings.append(Problem(path, lines.key(document, "errored"),
                                       "the plan errored (errored: true); what it holds may be incomplete"))
    mapper = ObjectMapper(result.problems, result.warnings)
    configuration = _Configuration(document)
    for entry in entries:
        change = changes.get(entry.address, {}).get("change", {})
        sensitive = change.get("after_sensitive", False) if entry.sensitive is False else entry.sensitive
        kubernetes = entry.mode == "managed" and is_kubernetes_resource(entry.type)
        config = configuration.expressions(entry)
        unknown = _unmanaged_left_unset(entry, change.get("after_unknown", False), config)
        marks = _Marks(unknown, sensitive, config, defaults=kubernetes)
        _map(mapper, entry, marks, lines, path)
    mapper.apply_patches()
    result.objects = mapper.objects
    result.resources = mapper.resources
    return result


_UNMANAGED_WHEN_UNSET = {"aws_iam_role": ("managed_policy_arns", "inline_policy")}
"""Optional+Computed attributes that, left out of the configuration, make the provider manage
nothing (it reads back what other resources attach): unknown in a plan, yet what they hold is
exactly the attachments the plan shows, as in HCL where they are simply unset."""

_WHOLLY_UNKNOWN_ATTRIBUTES = {
    "aws_iam_role": ("name", "arn", "path", "assume_role_policy", "managed_policy_arns",
                     "permissions_boundary"),
    "aws_iam_role_policy": ("name", "role", "policy"),
    "aws_iam_role_policy_attachment": ("role", "policy_arn"),
    "aws_iam_policy_attachment": ("roles", "policy_arn"),
    "aws_iam_policy": ("name", "arn", "path", "policy"),
    "aws_iam_openid_connect_provider": ("arn", "url", "client_id_list"),
    "aws_eks_access_entry": ("principal_arn", "kubernetes_groups", "user_name"),
    "aws_eks_access_policy_association": ("principal_arn", "policy_arn", "access_scope"),
    "aws_eks_pod_identity_association": ("namespace", "service_account", "role_arn", "target_role_arn"),
    "vault_policy": ("name", "policy"),
    "vault_kubernetes_auth_backend_role": ("backend", "role_name", "bound_service_account_names",
                                           "bound_service_account_namespaces", "token_policies"),
    "vault_jwt_auth_backend_role": ("backend", "role_name", "role_type", "bound_subject", "bound_claims",
                                    "bound_audiences", "token_policies"),
}
"""For a resource instance the plan marks wholly unknown: the attributes the AWS and Vault
engines read, each then a symbol (so it may grant, attach or trust anything)."""


def _unmanaged_left_unset(entry: _Entry, unknown: Any, config: Any) -> Any:
    """``after_unknown`` less the attributes of :data:`_UNMANAGED_WHEN_UNSET` that the
    configuration (when the plan holds it) leaves unset."""
    names = _UNMANAGED_WHEN_UNSET.get(entry.type) if entry.mode == "managed" else None
    if not names or not isinstance(unknown, dict) or not isinstance(config, dict):
        return unknown
    return {key: mark for key, mark in unknown.items() if key not in names or key in config}


def _rule_lines(entry: _Entry, lines: _Lines) -> list[int] | None:
    """The line of each ``rule`` entry of a role, when all are known."""
    rules = entry.values.get("rule") if isinstance(entry.values, dict) else None
    if entry.type not in _ROLE_TYPES or not isinstance(rules, list) or not rules:
        return None
    found = [lines.of(rule) if isinstance(rule, dict) else None for rule in rules]
    return [line for line in found if line is not None] if None not in found else None


def _map(mapper: ObjectMapper, entry: _Entry, marks: _Marks, lines: _Lines, path: str) -> None:
    """Map one resource instance through the shared mapping."""
    where = f"{path}:{entry.line}" if entry.line else path
    source = SourceRef(path, entry.line or 0, address=entry.address)
    raw = {} if entry.values is None else entry.values
    values = _with_unknowns(raw, marks, entry.address, where)
    mode = "resource" if entry.mode == "managed" else "data"
    if mode == "resource" and entry.type in INSTALLERS:
        mapper.add_installer(entry.type, entry.address, values if isinstance(values, dict) else {},
                             source, None)
        return
    if isinstance(values, Symbol):  # the whole instance is unknown
        if mode == "resource" and is_kubernetes_resource(entry.type):
            mapper.add_manifest(values, source, None)
        elif is_cloud_resource(mode, entry.type):
            attributes = _WHOLLY_UNKNOWN_ATTRIBUTES.get(entry.type) if mode == "resource" else None
            if attributes is None:
                mapper.warnings.append(Problem(path, entry.line, f"{entry.address}: unknown before "
                                               "apply; not read (no AWS or Vault question reads it)"))
                return
            mapper.add_cloud(mode, entry.type, entry.address, {
                attribute: _symbol(f"{entry.address}.{attribute}", where, PLAN_REASON, _PLAN_HINT, None)
                for attribute in attributes}, source, None)
        return
    if mode == "resource" and is_kubernetes_resource(entry.type):
        try:
            if entry.type == "kubectl_manifest":
                if values.get("yaml_body") is not None:
                    mapper.add_documents(kubectl_manifest_objects(
                        values["yaml_body"], override_namespace=values.get("override_namespace")),
                        source, None)
            else:
                mapper.add_resource(entry.type, values, source, None, _rule_lines(entry, lines))
        except ValueError as error:
            mapper.problems.append(Problem(path, entry.line, f"{entry.address}: {error}"))
    if not is_cloud_resource(mode, entry.type):
        return
    if entry.type == "aws_iam_policy_document" and mode == "data":
        rendered = _rendered_policy(entry, values, path, where, mapper)
        if rendered is None:
            return
        values = {**values, "rendered": rendered}
    mapper.add_cloud(mode, entry.type, entry.address, values, source, None)


def _rendered_policy(entry: _Entry, values: dict[str, Any], path: str, where: str,
                     mapper: ObjectMapper) -> Any:
    """The policy an ``aws_iam_policy_document`` renders: its ``json`` parsed, or, when
    that is unknown before apply, rendered from its arguments as for HCL."""
    from .providers.aws_iam_policy_document import ATTRIBUTES, render_policy_document

    text = values.get("json")
    if isinstance(text, str):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            mapper.problems.append(Problem(path, entry.line,
                                           f"{entry.address}: json is not valid JSON ({error.msg})", "json"))
            return None
    arguments = {key: value for key, value in values.items() if key in ATTRIBUTES}
    try:
        return render_policy_document(arguments, name=entry.address, source=where)
    except LoadError as error:
        mapper.problems.extend(error.problems)
        return None

