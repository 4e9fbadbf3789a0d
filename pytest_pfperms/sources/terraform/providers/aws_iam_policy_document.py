"""Render a Terraform ``data "aws_iam_policy_document"`` to the JSON policy the AWS provider makes.

Follows the provider's data source (reference ``iam-vault.md`` §1.8):

* ``version`` defaults to ``2012-10-17``; ``policy_id`` becomes ``Id``.
* ``statement`` blocks keep their order; ``effect`` defaults to ``Allow``;
  ``sid`` must be unique; its characters are not checked (the provider checked them only
  in 5.82-5.83 and reverted it: KMS key and S3 bucket policies accept spaces). ``actions``, ``not_actions``,
  ``resources``, ``not_resources`` and principal ``identifiers`` are sets:
  deduplicated, sorted in descending order, and a one-element set is a bare
  string; an empty set is left out.
* ``principals``/``not_principals``: blocks with the same ``type`` are merged
  into one list; a single ``type = "*"`` block with ``identifiers = ["*"]``
  renders ``"Principal": "*"`` (``type = "AWS"`` renders ``{"AWS": "*"}``).
* ``condition`` blocks render ``{test: {variable: value-or-values}}``; two blocks
  with the same test and variable have their values concatenated (so OR-ed).
* ``&{...}`` becomes ``${...}`` in resources, not_resources, principal
  identifiers and condition values (not in actions); with version
  ``2008-10-17`` a ``&{`` is an error.
* Merging by Sid: ``source_policy_documents`` first (a Sid repeated among them
  is an error), then this document's statements (same Sid replaces in place),
  then each ``override_policy_documents`` entry (same Sid replaces in place);
  statements without a Sid are appended, never replaced. The merged document
  takes the highest Version and the last non-empty Id.
* Source and override documents are read as the provider's Go structs read
  them: element names match case-insensitively, ``"Principal": "<any string>"``
  is ``"*"``, principal lists are re-sorted, one-item condition value lists
  become strings, JSON booleans become strings and condition values of other
  types (numbers, null) are dropped, as the provider drops them.

Symbols (values known only after apply) stay where they are. Sorting puts them
after the literal strings. A Symbol in place of a whole source document becomes
a Symbol in the ``Statement`` list (an unknown set of statements); a Symbol
override document may replace any statement that has a Sid, so those
statements are replaced by that Symbol. Terraform sets of blocks have a
hash-based order the provider follows; here blocks keep their written order,
which changes only the order of merged principal/condition value lists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ....aws.policy_reading import VERSION_2008, VERSION_2012, source_location
from ....errors import LoadError, Problem
from ....values import Str, Symbol

ATTRIBUTES = frozenset({"version", "policy_id", "statement", "source_policy_documents",
                        "override_policy_documents", "source_json", "override_json"})
IGNORED = frozenset({"json", "minified_json", "id", "count", "for_each", "depends_on",
                     "provider", "lifecycle"})
STATEMENT_ATTRIBUTES = frozenset({"sid", "effect", "actions", "not_actions", "resources",
                                  "not_resources", "principals", "not_principals", "condition"})
_FIELDS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
           "NotPrincipal", "Condition")

Rendered = dict[str, object]
StatementOrUnknown = Rendered | Symbol


class _Errors:
    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.file, self.line = source_location(source, name)
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        field_name = where if self.file == self.name else f"{self.name} {where}".strip()
        self.problems.append(Problem(self.file, self.line, message, field_name))

    def fail(self, where: str, message: str) -> LoadError:
        self.add(where, message)
        return LoadError(self.problems)


def _sid(statement: StatementOrUnknown) -> Str:
    """A rendered statement's Sid; ``""`` for none and for an unknown statement."""
    sid = statement.get("Sid", "") if isinstance(statement, dict) else ""
    return sid if isinstance(sid, (str, Symbol)) else ""


@dataclass(slots=True)
class _Document:
    version: Str = ""
    id: Str = ""
    statements: list[StatementOrUnknown] = field(default_factory=list)

    def merge(self, other: _Document) -> None:
        if other.id:
            self.id = other.id
        newer = isinstance(other.version, Symbol) or (
            not isinstance(self.version, Symbol) and other.version > self.version)
        if newer:
            self.version = other.version
        for statement in other.statements:
            sid = _sid(statement)
            if not sid:
                self.statements.append(statement)
                continue
            for index, existing in enumerate(self.statements):
                if _sid(existing) == sid:
                    self.statements[index] = statement
                    break
            else:
                self.statements.append(statement)

    def render(self) -> Rendered:
        out: Rendered = {}
        if self.version:
            out["Version"] = self.version
        if self.id:
            out["Id"] = self.id
        if self.statements:
            out["Statement"] = list(self.statements)
        return out


def render_policy_document(block: Mapping[str, object], *, name: str = "aws_iam_policy_document",
                           source: str = "") -> Rendered:
    """The policy JSON (as a dict) the AWS provider renders for an evaluated data block.

    ``block`` maps attribute names to values; nested blocks (``statement``,
    ``principals``, ``condition``) are lists of dicts; ``null`` values count as
    unset. ``name``/``source`` (``file:line``) locate errors, which are
    :class:`~pytest_pfperms.errors.LoadError`\\ s, as the provider's are plan errors.
    """
    errors = _Errors(name, source)
    if not isinstance(block, Mapping):
        raise errors.fail("", f"the block must be a mapping, not {type(block).__name__}")
    for key in block:
        if key not in ATTRIBUTES and key not in IGNORED:
            errors.add(str(key), "unknown attribute of aws_iam_policy_document")
    for key in ("source_json", "override_json"):
        if block.get(key) not in (None, ""):
            errors.add(key, "is deprecated and must be empty; use "
                       f"{key.replace('_json', '_policy_documents')}")
    version = block.get("version")
    version = VERSION_2012 if version is None else version
    if not isinstance(version, Symbol) and version not in (VERSION_2012, VERSION_2008):
        errors.add("version", f'must be "{VERSION_2012}" or "{VERSION_2008}", not {version!r}')
    if errors.problems:
        raise LoadError(errors.problems)
    assert isinstance(version, (str, Symbol))
    merged = _Document()
    seen_sids: set[Str] = set()
    for index, raw in enumerate(_list(block.get("source_policy_documents"))):
        where = f"source_policy_documents[{index}]"
        other = _read_json_document(raw, where, errors)
        for statement in other.statements:
            sid = _sid(statement)
            if sid and sid in seen_sids:
                raise errors.fail(where, f"duplicate Sid {sid!r} in source_policy_documents; "
                                  "remove the Sid or make Sids unique")
            if sid:
                seen_sids.add(sid)
        merged.merge(other)
    policy_id = block.get("policy_id")
    own = _Document(version, policy_id if isinstance(policy_id, (str, Symbol)) else "")
    own.statements = _statements(block.get("statement"), version, errors)
    merged.merge(own)
    for index, raw in enumerate(_list(block.get("override_policy_documents"))):
        where = f"override_policy_documents[{index}]"
        if isinstance(raw, Symbol):
            merged.statements = [s for s in merged.statements
                                 if isinstance(s, dict) and not s.get("Sid")]
        merged.merge(_read_json_document(raw, where, errors))
    return merged.render()


def _list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _scalar(value: object) -> Str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (str, Symbol)):
        return value
    return None


def _set(value: object, where: str, errors: _Errors) -> Str | list[Str] | None:
    """A Terraform set of strings as the provider renders it (None when empty)."""
    if value is None:
        return None
    if isinstance(value, Symbol):
        return value
    items: list[Str] = []
    for item in _list(value):
        text = _scalar(item)
        if text is None:
            errors.add(where, f"set items must be strings, not {type(item).__name__}")
            continue
        if text not in items:
            items.append(text)
    ordered = _descending(items)
    if not ordered:
        return None
    return ordered[0] if len(ordered) == 1 else ordered


def _descending(items: list[Str]) -> list[Str]:
    literal = sorted((item for item in items if isinstance(item, str)), reverse=True)
    return [*literal, *(item for item in items if isinstance(item, Symbol))]


def _vars(value: Str | list[Str] | None, version: Str, where: str,
          errors: _Errors) -> Str | list[Str] | None:
    """Turn ``&{`` into ``${`` as the provider does for variable-carrying elements."""
    if isinstance(value, list):
        return [_var(item, version, where, errors) for item in value]
    return None if value is None else _var(value, version, where, errors)


def _var(value: Str, version: Str, where: str, errors: _Errors) -> Str:
    if isinstance(value, Symbol):
        return value
    if version == VERSION_2008 and "&{" in value:
        errors.add(where, f"found &{{ sequence in ({value}), which is not supported in "
                   "document version 2008-10-17")
    return value.replace("&{", "${")


def _statements(value: object, version: Str, errors: _Errors) -> list[StatementOrUnknown]:
    out: list[StatementOrUnknown] = []
    sids: set[Str] = set()
    for index, raw in enumerate(_list(value)):
        where = f"statement[{index}]"
        if not isinstance(raw, Mapping):
            errors.add(where, f"must be a block, not {type(raw).__name__}")
            continue
        for key in raw:
            if key not in STATEMENT_ATTRIBUTES:
                errors.add(f"{where}.{key}", "unknown attribute of a statement block")
        rendered: Rendered = {}
        sid = raw.get("sid") or ""
        if not isinstance(sid, (str, Symbol)):
            errors.add(f"{where}.sid", f"must be a string, not {type(sid).__name__}")
            sid = ""
        if sid and sid in sids:
            errors.add(f"{where}.sid", f"duplicate Sid ({sid}); remove the Sid or make it unique")
        if sid:
            rendered["Sid"] = sid
            sids.add(sid)
        effect = raw.get("effect") or "Allow"
        if not isinstance(effect, Symbol) and effect not in ("Allow", "Deny"):
            errors.add(f"{where}.effect", f'must be "Allow" or "Deny", not {effect!r}')
        rendered["Effect"] = effect
        for attribute, element, replace in (("actions", "Action", False),
                                            ("not_actions", "NotAction", False),
                                            ("resources", "Resource", True),
                                            ("not_resources", "NotResource", True)):
            items = _set(raw.get(attribute), f"{where}.{attribute}", errors)
            if replace:
                items = _vars(items, version, f"{where}.{attribute}", errors)
            if items is not None:
                rendered[element] = items
        for attribute, element in (("principals", "Principal"),
                                   ("not_principals", "NotPrincipal")):
            principals = _principal_blocks(raw.get(attribute), version,
                                           f"{where}.{attribute}", errors)
            if principals:
                rendered[element] = _marshal_principals(principals)
        conditions = _condition_blocks(raw.get("condition"), version, f"{where}.condition",
                                       errors)
        if conditions:
            rendered["Condition"] = _marshal_conditions(conditions)
        out.append(rendered)
    if errors.problems:
        raise LoadError(errors.problems)
    return out


Principal = tuple[Str, "Str | list[Str]"]
Condition = tuple[Str, Str, "Str | list[Str]"]


def _principal_blocks(value: object, version: Str, where: str,
                      errors: _Errors) -> list[Principal]:
    blocks: list[Principal] = []
    for index, raw in enumerate(_list(value)):
        here = f"{where}[{index}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), (str, Symbol)):
            errors.add(here, "needs type (a string) and identifiers (a set of strings)")
            continue
        given = raw.get("identifiers")
        if given is None:
            errors.add(f"{here}.identifiers", "is required")
            continue
        identifiers = _vars(_set(given, f"{here}.identifiers", errors),
                            version, f"{here}.identifiers", errors)
        if identifiers is None:
            # identifiers = []: the provider accepts the empty set and renders {"AWS": []},
            # a principal that matches no one
            identifiers = []
        block = (raw["type"], identifiers)
        if block not in blocks:
            blocks.append(block)
    return blocks


def _marshal_principals(blocks: list[Principal]) -> object:
    if len(blocks) == 1 and blocks[0][0] == "*" and blocks[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[Str, Str | list[Str]] = {}
    for kind, identifiers in blocks:
        existing = raw.get(kind)
        if isinstance(identifiers, list):
            ordered = _descending(identifiers)
            if existing is None:
                raw[kind] = ordered
            elif isinstance(existing, list):
                existing.extend(ordered)
            else:
                raw[kind] = [existing, *ordered]
        elif existing is None:
            raw[kind] = identifiers
        elif isinstance(existing, list):
            existing.append(identifiers)
        else:
            raw[kind] = [existing, identifiers]
    return {key: raw[key] for key in sorted(raw, key=str)}


def _condition_blocks(value: object, version: Str, where: str,
                      errors: _Errors) -> list[Condition]:
    blocks: list[Condition] = []
    for index, raw in enumerate(_list(value)):
        here = f"{where}[{index}]"
        test, variable = (raw.get("test"), raw.get("variable")) if isinstance(raw, Mapping) \
            else (None, None)
        if not isinstance(test, (str, Symbol)) or not isinstance(variable, (str, Symbol)):
            errors.add(here, "needs test, variable (strings) and values (a list of strings)")
            continue
        assert isinstance(raw, Mapping)
        values = raw.get("values")
        if isinstance(values, Symbol):
            rendered: Str | list[Str] = values
        else:
            items = [_scalar(item) for item in _list(values)]
            if values is None or any(item is None for item in items):
                errors.add(f"{here}.values", "must be a list of strings")
                continue
            listed = _vars([item for item in items if item is not None], version,
                           f"{here}.values", errors)
            assert isinstance(listed, list)
            rendered = listed[0] if len(listed) == 1 else listed
        block = (test, variable, rendered)
        if block not in blocks:
            blocks.append(block)
    return blocks


def _marshal_conditions(blocks: list[Condition]) -> dict[Str, object]:
    raw: dict[Str, dict[Str, list[Str]]] = {}
    for test, variable, values in blocks:
        bucket = raw.setdefault(test, {}).setdefault(variable, [])
        if isinstance(values, list):
            bucket.extend(values)
        else:
            bucket.append(values)
    out: dict[Str, object] = {}
    for test in sorted(raw, key=str):
        keys = raw[test]
        out[test] = {variable: keys[variable][0] if len(keys[variable]) == 1 else keys[variable]
                     for variable in sorted(keys, key=str)}
    return out


# -- source and override documents, read as the provider's Go structs read them ----------------


def _read_json_document(raw: object, where: str, errors: _Errors) -> _Document:
    if isinstance(raw, Symbol):
        return _Document(statements=[raw])
    if raw is None:
        return _Document()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise errors.fail(where, f"invalid JSON: {error}") from None
    if not isinstance(raw, Mapping):
        raise errors.fail(where, "must be a JSON object")
    fields = _go_fields(raw, ("Version", "Id", "Statement"))
    document = _Document()
    for key in ("Version", "Id"):
        value = fields.get(key) or ""
        if not isinstance(value, (str, Symbol)):
            raise errors.fail(f"{where}.{key}", "must be a string")
        setattr(document, key.lower(), value)
    statements = fields.get("Statement")
    if statements is None:
        return document
    if not isinstance(statements, (list, tuple)):
        raise errors.fail(f"{where}.Statement", "must be a list (the provider cannot read a "
                          "single statement object here)")
    for index, statement in enumerate(statements):
        here = f"{where}.Statement[{index}]"
        if isinstance(statement, Symbol):
            document.statements.append(statement)
        elif isinstance(statement, Mapping):
            document.statements.append(_read_json_statement(statement, here, errors))
        else:
            raise errors.fail(here, "must be a JSON object")
    return document


def _go_fields(raw: Mapping[object, object], names: tuple[str, ...]) -> dict[str, object]:
    """Struct fields as encoding/json fills them: names match case-insensitively, last wins."""
    by_lower = {name.lower(): name for name in names}
    fields: dict[str, object] = {}
    for key, value in raw.items():
        name = by_lower.get(str(key).lower())
        if name is not None:
            fields[name] = value
    return fields


def _read_json_statement(raw: Mapping[object, object], where: str, errors: _Errors) -> Rendered:
    fields = _go_fields(raw, _FIELDS)
    out: Rendered = {}
    for key in ("Sid", "Effect"):
        value = fields.get(key)
        if value is not None and not isinstance(value, (str, Symbol)):
            raise errors.fail(f"{where}.{key}", "must be a string")
        if value:
            out[key] = value
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if fields.get(key) is not None:
            out[key] = fields[key]
    for key in ("Principal", "NotPrincipal"):
        if fields.get(key) is not None:
            principals = _read_json_principals(fields[key], f"{where}.{key}", errors)
            if principals:
                out[key] = _marshal_principals(principals)
    if fields.get("Condition") is not None:
        conditions = _read_json_conditions(fields["Condition"], f"{where}.Condition", errors)
        if conditions:
            out["Condition"] = _marshal_conditions(conditions)
    return out


def _read_json_principals(value: object, where: str, errors: _Errors) -> list[Principal]:
    if isinstance(value, (str, Symbol)):
        return [("*", ["*"])]
    if not isinstance(value, Mapping):
        raise errors.fail(where, "must be a string or an object")
    blocks: list[Principal] = []
    for kind, identifiers in value.items():
        if isinstance(identifiers, (str, Symbol)):
            blocks.append((str(kind), identifiers))
        elif isinstance(identifiers, (list, tuple)):
            if not all(isinstance(item, (str, Symbol)) for item in identifiers):
                raise errors.fail(f"{where}.{kind}", "identifiers must be strings")
            blocks.append((str(kind), list(identifiers)))
        else:
            raise errors.fail(f"{where}.{kind}", "must be a string or a list of strings")
    return blocks


def _read_json_conditions(value: object, where: str, errors: _Errors) -> list[Condition]:
    if not isinstance(value, Mapping):
        raise errors.fail(where, "must be an object")
    blocks: list[Condition] = []
    for test, keys in value.items():
        if not isinstance(keys, Mapping):
            raise errors.fail(f"{where}.{test}", "must be an object of condition keys")
        for variable, values in keys.items():
            if isinstance(values, (str, Symbol)):
                blocks.append((str(test), variable, [values]))
            elif isinstance(values, bool):
                blocks.append((str(test), variable, "true" if values else "false"))
            elif isinstance(values, (list, tuple)):
                if not all(isinstance(item, (str, Symbol)) for item in values):
                    raise errors.fail(f"{where}.{test}.{variable}",
                                      "list items must be strings")
                blocks.append((str(test), variable, list(values)))
            # numbers and null: the provider's reader skips them, so they vanish from the policy
    return blocks
