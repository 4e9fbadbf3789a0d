"""Reading IAM policy documents into validated statements.

A document is JSON text or a decoded dict (lists may be tuples, and any string,
list or whole element may be a :class:`~pytest_pfperms.values.Symbol` when it
comes from Terraform and is known only after apply). Whatever AWS would refuse
to store is a :class:`~pytest_pfperms.errors.LoadError` naming the document,
the statement and what is wrong; every problem of a document is reported at
once. Element names are case-sensitive, as in the AWS policy grammar.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from ..errors import LoadError, Problem, beyond_limits, limit_line
from ..values import KeyedObject, PartialList, Str, Symbol
from .conditions import Clause, make_clause, parse_operator
from .patterns import Template, parse_template

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
PRINCIPAL_TYPES = ("AWS", "Federated", "Service", "CanonicalUser")
TOP_LEVEL = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                      "Resource", "NotResource", "Condition")
_SOURCE_LINE = re.compile(r"(.*):(\d+)")


class PolicyKind(Enum):
    """How a document is used, which decides the elements it must and must not have."""

    IDENTITY = "identity policy"
    BOUNDARY = "permissions boundary"
    RESOURCE = "resource-based policy"


@dataclass(frozen=True, slots=True)
class PrincipalEntry:
    """One principal named in a Principal/NotPrincipal element (``"*"`` has type ``*``)."""

    type: str
    value: Str

    def __str__(self) -> str:
        return "*" if self.type == "*" else f"{self.type} {self.value}"


@dataclass(frozen=True, slots=True, eq=False)
class Statement:
    """One validated statement. ``placeholder`` marks a statement unknown before apply."""

    index: int
    policy_name: str
    policy_source: str
    sid: Str = ""
    effect: Str = "Allow"
    actions: tuple[Str, ...] = ()
    not_action: bool = False
    resources: tuple[Template, ...] | None = None
    not_resource: bool = False
    principals: tuple[PrincipalEntry, ...] | Symbol | None = None
    not_principal: bool = False
    conditions: tuple[Clause, ...] | Symbol = ()
    placeholder: Symbol | None = None

    def label(self) -> str:
        """``Statement[1] (Sid "ReadLogs")``."""
        text = f"Statement[{self.index}]"
        if self.sid:
            text += f' (Sid "{self.sid}")'
        return text

    def where(self) -> str:
        """The statement and its document, e.g. ``Statement[0] of aws_iam_policy.x (iam.tf:3)``."""
        text = f"{self.label()} of {self.policy_name}"
        return f"{text} ({self.policy_source})" if self.policy_source else text


@dataclass(frozen=True, slots=True)
class ParsedPolicy:
    """A validated policy document."""

    name: str
    source: str
    version: str
    statements: tuple[Statement, ...] = field(default=())


def source_location(source: str, name: str) -> tuple[str, int | None]:
    """``("iam.tf", 12)`` from ``"iam.tf:12"``; the document name when there is no source."""
    if not source:
        return name, None
    match = _SOURCE_LINE.fullmatch(source)
    if match is None:
        return source, None
    return match.group(1), int(match.group(2))


class _Problems:
    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.file, self.line = source_location(source, name)
        self.items: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        field_name = where if self.file == self.name else f"{self.name} {where}".strip()
        self.items.append(Problem(self.file, self.line, message, field_name))

    def raise_if_any(self) -> None:
        if self.items:
            raise LoadError(self.items)


def decode_document(document: object, *, name: str, source: str) -> object:
    """Decode JSON text (other inputs pass through)."""
    if not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except json.JSONDecodeError as error:
        file, line = source_location(source, name)
        field_name = "" if file == name else name
        raise LoadError.single(file, line, f"invalid JSON: {error}", field_name) from None
    except (RecursionError, ValueError, OverflowError) as error:
        file, line = source_location(source, name)
        if line is None and not source:  # JSON text given directly: its own line
            line = limit_line(document, error)
        limit = beyond_limits(error, file, line)
        if limit is None:
            raise
        raise limit from None


def parse_policy(document: object, *, name: str, source: str = "",
                 kind: PolicyKind = PolicyKind.IDENTITY) -> ParsedPolicy:
    """Validate a policy document (JSON text, dict or Symbol) into statements."""
    document = decode_document(document, name=name, source=source)
    if isinstance(document, Symbol):
        return ParsedPolicy(name, source, VERSION_2012,
                            (Statement(0, name, source, placeholder=document),))
    problems = _Problems(name, source)
    if not isinstance(document, Mapping):
        problems.add("", f"a policy document must be a JSON object, not {_kind(document)}")
        problems.raise_if_any()
    assert isinstance(document, Mapping)
    if "Statement" not in document and any(key in STATEMENT_ELEMENTS for key in document):
        problems.add("", 'this is a statement, not a policy document; wrap it as '
                     '{"Version": "2012-10-17", "Statement": [...]}')
        problems.raise_if_any()
    _unknown_keys(problems, "", document, TOP_LEVEL)
    version = document.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        problems.add("Version", f"must be \"{VERSION_2012}\" or \"{VERSION_2008}\", "
                     f"not {_show(version)}")
        version = VERSION_2012
    if "Id" in document and not isinstance(document["Id"], (str, Symbol)):
        problems.add("Id", f"must be a string, not {_kind(document['Id'])}")
    statements: list[Statement] = []
    raw = document.get("Statement")
    if raw is None:
        problems.add("Statement", "is missing")
        items: list[object] = []
    elif isinstance(raw, (Mapping, Symbol)):
        items = [raw]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        problems.add("Statement", f"must be an object or a list of objects, not {_kind(raw)}")
        items = []
    for index, item in enumerate(items):
        parser = _StatementParser(problems, name, source, index, version == VERSION_2012, kind)
        statement = parser.parse(item)
        if statement is not None:
            statements.append(statement)
    problems.raise_if_any()
    return ParsedPolicy(name, source, str(version), tuple(statements))


class _StatementParser:
    def __init__(self, problems: _Problems, name: str, source: str, index: int,
                 variables: bool, kind: PolicyKind) -> None:
        self.problems = problems
        self.name = name
        self.source = source
        self.index = index
        self.variables = variables
        self.kind = kind
        self.prefix = f"Statement[{index}]"

    def add(self, element: str, message: str) -> None:
        self.problems.add(f"{self.prefix}.{element}" if element else self.prefix, message)

    def parse(self, item: object) -> Statement | None:
        if isinstance(item, Symbol):
            return Statement(self.index, self.name, self.source, placeholder=item)
        if not isinstance(item, Mapping):
            self.add("", f"a statement must be a JSON object, not {_kind(item)}")
            return None
        before = len(self.problems.items)
        _unknown_keys(self.problems, self.prefix + ".", item, STATEMENT_ELEMENTS)
        sid = item.get("Sid", "")
        if not isinstance(sid, (str, Symbol)):
            self.add("Sid", f"must be a string, not {_kind(sid)}")
        effect = item.get("Effect")
        if effect is None:
            self.add("Effect", 'is missing (use "Allow" or "Deny")')
        elif not isinstance(effect, Symbol) and effect not in ("Allow", "Deny"):
            self.add("Effect", f'must be "Allow" or "Deny", not {_show(effect)}')
        actions, not_action = self._actions(item)
        resources, not_resource = self._resources(item)
        principals, not_principal = self._principals(item)
        conditions = self._conditions(item.get("Condition"))
        if len(self.problems.items) > before:
            return None
        assert isinstance(sid, (str, Symbol)) and isinstance(effect, (str, Symbol))
        return Statement(self.index, self.name, self.source, sid, effect, actions, not_action,
                         resources, not_resource, principals, not_principal, conditions)

    def _pair(self, item: Mapping[str, object], plain: str, negated: str,
              required: bool) -> tuple[object, bool] | None:
        if plain in item and negated in item:
            self.add(negated, f"a statement cannot have both {plain} and {negated}")
            return None
        if plain in item:
            return item[plain], False
        if negated in item:
            return item[negated], True
        if required:
            self.add(plain, f"is missing (a statement needs {plain} or {negated})")
        return None

    def _strings(self, element: str, value: object, *, allow_empty: bool = False
                 ) -> tuple[Str, ...] | None:
        if isinstance(value, (str, Symbol)):
            return (value,)
        if isinstance(value, (list, tuple)):
            if not value and allow_empty:
                return ()
            if not value:
                self.add(element, "is an empty list")
                return None
            bad = [item for item in value if not isinstance(item, (str, Symbol))]
            if bad:
                self.add(element, f"items must be strings, not {_kind(bad[0])}")
                return None
            return tuple(value)
        self.add(element, f"must be a string or a list of strings, not {_kind(value)}")
        return None

    def _actions(self, item: Mapping[str, object]) -> tuple[tuple[Str, ...], bool]:
        pair = self._pair(item, "Action", "NotAction", required=True)
        if pair is None:
            return (), False
        value, negated = pair
        element = "NotAction" if negated else "Action"
        actions = self._strings(element, value) or ()
        for action in actions:
            if isinstance(action, str) and action != "*" and not re.fullmatch(r"[^:]+:.+",
                                                                                action):
                self.add(element, f'{_show(action)} is not "*" or "service:action"')
        return actions, negated

    def _resources(self, item: Mapping[str, object]) -> tuple[tuple[Template, ...] | None, bool]:
        required = self.kind is not PolicyKind.RESOURCE
        pair = self._pair(item, "Resource", "NotResource", required=required)
        if pair is None:
            return None, False
        value, negated = pair
        element = "NotResource" if negated else "Resource"
        resources = self._strings(element, value) or ()
        for resource in resources:
            if isinstance(resource, str) and resource != "*" and not resource.startswith("arn:"):
                self.add(element, f'{_show(resource)} is not "*" or an ARN')
        templates = tuple(parse_template(resource, variables=self.variables, wildcards=True)
                          for resource in resources)
        return templates, negated

    def _principals(self, item: Mapping[str, object],
                    ) -> tuple[tuple[PrincipalEntry, ...] | Symbol | None, bool]:
        if self.kind is not PolicyKind.RESOURCE:
            for element in ("Principal", "NotPrincipal"):
                if element in item:
                    self.add(element, f"is not allowed in an {self.kind.value} (pass principal= "
                             "to evaluate a resource-based or trust policy)")
            return None, False
        pair = self._pair(item, "Principal", "NotPrincipal", required=True)
        if pair is None:
            return None, False
        value, negated = pair
        element = "NotPrincipal" if negated else "Principal"
        if isinstance(value, Symbol):
            return value, negated
        if value == "*":
            return (PrincipalEntry("*", "*"),), negated
        if not isinstance(value, Mapping):
            self.add(element, f'must be "*" or an object such as {{"AWS": [...]}}, '
                     f"not {_show(value)}")
            return None, negated
        entries: list[PrincipalEntry] = []
        for kind, names in value.items():
            if kind not in PRINCIPAL_TYPES:
                self.add(element, f"unknown principal type {_show(kind)} "
                         f"(use {', '.join(PRINCIPAL_TYPES)}){_suggest(kind, PRINCIPAL_TYPES)}")
                continue
            # {"AWS": []} (what aws_iam_policy_document renders for identifiers = []) names
            # no one of that type
            for name in self._strings(f"{element}.{kind}", names, allow_empty=True) or ():
                entries.append(PrincipalEntry(kind, name))
        return tuple(entries), negated

    def _conditions(self, value: object) -> tuple[Clause, ...] | Symbol:
        if value is None:
            return ()
        if isinstance(value, Symbol):
            return value
        if not isinstance(value, Mapping):
            self.add("Condition", f"must be an object, not {_kind(value)}")
            return ()
        clauses: list[Clause] = []
        for operator_text, block in value.items():
            where = f"Condition.{operator_text}"
            try:
                operator = parse_operator(str(operator_text))
            except ValueError as error:
                self.add(where, str(error))
                continue
            if isinstance(block, KeyedObject):  # keys known only after apply, all distinct
                entries: Iterable[tuple[object, object]] = block.items
            elif isinstance(block, Symbol):
                clauses.append(make_clause(operator, block, block, variables=self.variables))
                continue
            elif not isinstance(block, Mapping):
                self.add(where, f"must be an object of condition keys, not {_kind(block)}")
                continue
            else:
                entries = block.items()
            for key, raw in entries:
                if not isinstance(key, (str, Symbol)):
                    self.add(where, f"condition keys must be strings, not {_kind(key)}")
                    continue
                values = self._condition_values(f"{where}.{key}", raw)
                if values is None:
                    continue
                try:
                    clauses.append(make_clause(operator, key, values, variables=self.variables))
                except ValueError as error:
                    self.add(f"{where}.{key}", str(error))
        return tuple(clauses)

    def _condition_values(self, where: str, raw: object) -> tuple[Str, ...] | Symbol | None:
        items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
        # a list unknown before apply but known to hold some values: those, and the unknown
        # rest as one unknown value (an OR over values can then be settled by a known one)
        items = [part for item in items
                 for part in ((*item.known, item) if isinstance(item, PartialList) else (item,))]
        values: list[Str] = []
        for value in items:
            if isinstance(value, bool):
                values.append("true" if value else "false")
            elif isinstance(value, (int, float)):
                values.append(str(value))
            elif isinstance(value, (str, Symbol)):
                values.append(value)
            else:
                self.add(where, f"condition values must be strings, numbers or booleans, "
                         f"not {_kind(value)}")
                return None
        return tuple(values)


def _unknown_keys(problems: _Problems, prefix: str, mapping: Mapping[object, object],
                  allowed: tuple[str, ...]) -> None:
    for key in mapping:
        if key not in allowed:
            problems.add(f"{prefix}{key}", f"unknown element (expected one of "
                         f"{', '.join(allowed)}){_suggest(str(key), allowed)}")


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        close = [choice for choice in choices if choice.lower() == word.lower()]
    return f'; did you mean "{close[0]}"?' if close else ""


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", tuple: "a list", str: "a string",
             bool: "a boolean", int: "a number", float: "a number", type(None): "null"}
    for python_type, word in names.items():
        if isinstance(value, python_type):
            return word
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _show(value: object) -> str:
    return json.dumps(value) if isinstance(value, (str, int, float, bool)) else repr(value)
