"""The Condition element of IAM policies: operators, set operators and missing keys.

Semantics (reference ``iam-vault.md`` §1.4): operators and keys combine with AND,
the values of one key with OR; a negated operator (``StringNotEquals``,
``NotIpAddress``, ``ArnNotLike``, ...) is true when the request value matches
none of them. A policy value whose variable has no value is null: it matches no
request value, so a negated operator holds for it. A key absent from the request
makes a condition false, a negated one true; ``...IfExists`` is true when the key is absent; ``Null`` tests
presence. ``ForAllValues:`` is true when every request value matches (and when
the key is absent), ``ForAnyValue:`` when at least one does (false when absent);
a single value is a one-element set for them. A multivalued key under a plain
operator does not match. Key names are case-insensitive; values are compared as
each operator says.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from ..errors import InvalidArgument
from ..values import (
    Str,
    Symbol,
    Tri,
    and3,
    or3,
    show,
    symbols_in,
)
from .context import (
    Lookup,
    NetworkAddress,
    Presence,
    RequestContext,
)
from .patterns import (
    Resolved,
    Template,
    Unresolved,
    Variable,
    arn_match,
    equals_match,
    glob_match,
    parse_template,
    resolve,
    resolved_text,
    template_text,
)


class Family(Enum):
    """What kind of values an operator compares."""

    STRING = "string"
    NUMERIC = "numeric"
    DATE = "date"
    BOOL = "bool"
    BINARY = "binary"
    IP = "ip"
    ARN = "arn"
    NULL = "null"


@dataclass(frozen=True, slots=True)
class BaseOperator:
    """A condition operator without ``ForAnyValue:``/``ForAllValues:`` or ``IfExists``."""

    name: str
    family: Family
    test: str  # equal, equal_ci, like, eq, lt, le, gt, ge, in, null
    negated: bool = False


def _bases() -> dict[str, BaseOperator]:
    table = [
        BaseOperator("StringEquals", Family.STRING, "equal"),
        BaseOperator("StringNotEquals", Family.STRING, "equal", True),
        BaseOperator("StringEqualsIgnoreCase", Family.STRING, "equal_ci"),
        BaseOperator("StringNotEqualsIgnoreCase", Family.STRING, "equal_ci", True),
        BaseOperator("StringLike", Family.STRING, "like"),
        BaseOperator("StringNotLike", Family.STRING, "like", True),
        BaseOperator("Bool", Family.BOOL, "eq"),
        BaseOperator("BinaryEquals", Family.BINARY, "eq"),
        BaseOperator("IpAddress", Family.IP, "in"),
        BaseOperator("NotIpAddress", Family.IP, "in", True),
        BaseOperator("ArnEquals", Family.ARN, "like"),
        BaseOperator("ArnLike", Family.ARN, "like"),
        BaseOperator("ArnNotEquals", Family.ARN, "like", True),
        BaseOperator("ArnNotLike", Family.ARN, "like", True),
        BaseOperator("Null", Family.NULL, "null"),
    ]
    for prefix, family in (("Numeric", Family.NUMERIC), ("Date", Family.DATE)):
        table += [
            BaseOperator(f"{prefix}Equals", family, "eq"),
            BaseOperator(f"{prefix}NotEquals", family, "eq", True),
            BaseOperator(f"{prefix}LessThan", family, "lt"),
            BaseOperator(f"{prefix}LessThanEquals", family, "le"),
            BaseOperator(f"{prefix}GreaterThan", family, "gt"),
            BaseOperator(f"{prefix}GreaterThanEquals", family, "ge"),
        ]
    return {base.name.lower(): base for base in table}


BASE_OPERATORS = _bases()
"""Every base operator, by lower-case name."""

FOR_ALL = "ForAllValues"
FOR_ANY = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class Operator:
    """A condition operator as written: an optional set operator, a base, ``IfExists``."""

    text: str
    base: BaseOperator
    set_operator: str | None = None
    if_exists: bool = False


def parse_operator(text: str) -> Operator:
    """Parse ``ForAnyValue:StringLikeIfExists`` and the like; ``ValueError`` if unknown."""
    rest = text
    set_operator = None
    prefix, colon, tail = text.partition(":")
    if colon:
        for name in (FOR_ALL, FOR_ANY):
            if prefix.lower() == name.lower():
                set_operator, rest = name, tail
        if set_operator is None:
            raise ValueError(f"unknown set operator {prefix!r} (use ForAllValues or ForAnyValue)")
    if_exists = rest.lower().endswith("ifexists")
    name = rest[: -len("IfExists")] if if_exists else rest
    base = BASE_OPERATORS.get(name.lower())
    if base is None:
        raise ValueError(f"unknown condition operator {text!r}")
    if base.family is Family.NULL and if_exists:
        raise ValueError("NullIfExists is not an operator")
    return Operator(text, base, set_operator, if_exists)


@dataclass(frozen=True, slots=True)
class Clause:
    """One key under one operator, with the policy values (OR-ed)."""

    operator: Operator
    key: Str
    values: tuple[Template, ...] | Symbol

    def describe(self) -> str:
        """``StringEquals aws:SourceVpc ["vpc-1"]``."""
        return f"{self.operator.text} {self.key} {self.values_text()}"

    def values_text(self) -> str:
        """The policy values, for messages."""
        if isinstance(self.values, Symbol):
            return str(self.values)
        return "[" + ", ".join(show(template_text(value)) for value in self.values) + "]"


def make_clause(operator: Operator, key: Str, values: Iterable[Str] | Symbol, *,
                variables: bool) -> Clause:
    """Build a clause, checking literal numbers, dates, addresses and base64 (``ValueError``)."""
    if isinstance(values, Symbol):
        return Clause(operator, key, values)
    wildcards = operator.base.test == "like"
    templates = tuple(parse_template(value, variables=variables, wildcards=wildcards)
                      for value in values)
    for template in templates:
        if any(isinstance(part, (Variable, Symbol)) for part in template):
            continue
        text = template_text(template)
        if _parse_policy_value(operator.base.family, text) is None:
            raise ValueError(f"{text!r} is not a valid {operator.base.family.value} value "
                             f"for {operator.base.name}")
    return Clause(operator, key, templates)


# -- parsing values ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_EPOCH = re.compile(r"-?\d+")
_W3C_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?")


def parse_number(text: str) -> Decimal | None:
    """A decimal number as Numeric operators read it, or None."""
    if not _NUMBER.fullmatch(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def parse_date(text: str) -> datetime | None:
    """A W3C ISO 8601 date/time or UNIX epoch seconds (all digits), as an aware datetime."""
    text = text.strip()
    if _EPOCH.fullmatch(text):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(text))
    match = _W3C_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        return datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                        int(minute or 0), int(second or 0),
                        int((fraction or "0")[:6].ljust(6, "0")), tzinfo=tz)
    except ValueError:
        return None


def _parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_policy_value(family: Family, text: str) -> object | None:
    if family is Family.NUMERIC:
        return parse_number(text)
    if family is Family.DATE:
        return parse_date(text)
    if family is Family.IP:
        try:
            return ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            return None
    if family is Family.BINARY:
        return _parse_binary(text)
    return text


def _parse_request_value(family: Family, key: Str, text: str) -> object:
    if family is Family.IP:
        try:
            return ipaddress.ip_address(text.strip())
        except ValueError:
            parsed: object | None = None
    else:
        parsed = _parse_policy_value(family, text)
    if parsed is None:
        raise InvalidArgument(f"context key {key}: {text!r} is not a valid {family.value} value")
    return parsed


# -- evaluating ----------------------------------------------------------------------------------


def _not3(value: Tri) -> Tri:
    return None if value is None else not value


def _compare(base: BaseOperator, key: Str, pattern: Resolved, value: Str) -> Tri:
    """Whether the request value satisfies the positive form of ``base`` for one policy value."""
    family, test = base.family, base.test
    if family is Family.STRING:
        if test == "like":
            return glob_match(pattern, value)
        return equals_match(pattern, value, ignore_case=test == "equal_ci")
    if family is Family.ARN:
        return arn_match(pattern, value, pad_short=False, segment_case=False)
    if family is Family.IP and isinstance(value, NetworkAddress):
        return value.within(pattern)
    if isinstance(value, Symbol) or any(isinstance(part, Symbol) for part in pattern):
        return None
    text = resolved_text(pattern)
    if family is Family.BOOL:
        return text.lower() in ("true", "false") and text.lower() == value.lower()
    policy_value = _parse_policy_value(family, text)
    if policy_value is None:  # a variable brought in something unparsable
        return False
    request_value = _parse_request_value(family, key, value)
    if family is Family.IP:
        assert isinstance(policy_value, ipaddress.IPv4Network | ipaddress.IPv6Network)
        assert isinstance(request_value, ipaddress.IPv4Address | ipaddress.IPv6Address)
        return request_value.version == policy_value.version and request_value in policy_value
    if family is Family.BINARY:
        return request_value == policy_value
    return _order(test, request_value, policy_value)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}


def _order(test: str, left: object, right: object) -> bool:
    """Compare two numbers or two instants."""
    assert isinstance(left, Decimal | datetime) and isinstance(right, Decimal | datetime)
    return _ORDER[test](left, right)


def _when_missing(operator: Operator) -> bool:
    if operator.if_exists or operator.set_operator == FOR_ALL:
        return True
    if operator.set_operator == FOR_ANY:
        return False
    return operator.base.negated


def _single(clause: Clause, resolved: list[Resolved | Unresolved], value: Str) -> Tri:
    """Whether one request value satisfies the clause (OR over values; NOR if negated)."""
    base = clause.operator.base
    results: list[Tri] = []
    for pattern in resolved:
        if isinstance(pattern, Unresolved):
            # A variable with no value is a null policy value: nothing equals or is like
            # it, and "inverted condition operators like StringNotEquals or StringNotLike
            # do match against a null value" (AWS, "Policy variables with no value").
            results.append(base.negated)
            continue
        matched = _compare(base, clause.key, pattern, value)
        results.append(_not3(matched) if base.negated else matched)
    return and3(results) if base.negated else or3(results)


def _null(clause: Clause, found: Lookup) -> Tri:
    if found.presence is Presence.UNKNOWN or isinstance(clause.values, Symbol):
        return None
    present = found.presence is Presence.FOUND
    results: list[Tri] = []
    for template in clause.values:
        if any(isinstance(part, (Symbol, Variable)) for part in template):
            results.append(None)
            continue
        text = template_text(template).lower()
        results.append((text == "true" and not present) or (text == "false" and present))
    return or3(results)


def evaluate_clause(clause: Clause, context: RequestContext) -> Tri:
    """Whether the request satisfies one condition clause.

    When which request key the clause's key is stays unknown (a key or a context key known
    only after apply), every case it can be is tried: the key of the request it may be, or
    none of them; if all give the same answer, that is the answer."""
    found = context.lookup(clause.key)
    if found.presence is Presence.UNKNOWN and not isinstance(clause.values, Symbol):
        cases = context.cases(clause.key)
        if cases is not None:
            results = {_evaluate_found(clause, case, context) for case in cases}
            return results.pop() if len(results) == 1 else None
    return _evaluate_found(clause, found, context)


def _evaluate_found(clause: Clause, found: Lookup, context: RequestContext) -> Tri:
    operator = clause.operator
    if operator.base.family is Family.NULL:
        return _null(clause, found)
    if found.presence is Presence.MISSING:
        return _when_missing(operator)
    if found.presence is Presence.UNKNOWN or isinstance(clause.values, Symbol):
        return None
    resolved = [resolve(template, context) for template in clause.values]
    if operator.set_operator is None:
        if found.multivalued:
            return False
        return _single(clause, resolved, found.values[0])
    results = (_single(clause, resolved, value) for value in found.values)
    return and3(results) if operator.set_operator == FOR_ALL else or3(results)


def evaluate_conditions(clauses: tuple[Clause, ...] | Symbol, context: RequestContext) -> Tri:
    """AND over every clause of a Condition element."""
    if isinstance(clauses, Symbol):
        return None
    result: Tri = True
    for clause in clauses:
        value = evaluate_clause(clause, context)
        if value is False:
            return False
        if value is None:
            result = None
    return result


# -- explaining ----------------------------------------------------------------------------------


def explain_clause(clause: Clause, context: RequestContext) -> str:
    """What the request held for the clause's key and what the policy wanted, in one phrase."""
    operator = clause.operator
    found = context.lookup(clause.key)
    head = f"{operator.text} {clause.key}"
    if found.presence is Presence.UNKNOWN:
        seen = "the request key is unknown (" + ", ".join(map(str, found.symbols)) + ")"
        settled = evaluate_clause(clause, context)
        if settled is not None:
            seen += (f"; {'true' if settled else 'false'} whichever of them it is, and if it is "
                     "none of them")
    elif found.presence is Presence.MISSING:
        seen = "key absent from the request"
        if operator.base.family is not Family.NULL:
            seen += f" ({_missing_rule(operator)})"
    elif found.multivalued:
        seen = f"request has {show(found.values)}"
        if operator.set_operator is None and operator.base.family is not Family.NULL:
            seen += " (a multivalued key needs ForAnyValue: or ForAllValues:)"
    else:
        seen = f"request has {show(found.values[0])}"
    text = f"{head}: {seen}; policy values {clause.values_text()}"
    if not isinstance(clause.values, Symbol) and found.presence is not Presence.MISSING:
        unresolved = [item for item in (resolve(t, context) for t in clause.values)
                      if isinstance(item, Unresolved)]
        text += "".join(f"; {item.describe()}" for item in unresolved)
    return text


def _missing_rule(operator: Operator) -> str:
    if operator.if_exists:
        return "IfExists is true when the key is absent"
    if operator.set_operator == FOR_ALL:
        return "ForAllValues is true when the key is absent"
    if operator.set_operator == FOR_ANY:
        return "ForAnyValue is false when the key is absent"
    if operator.base.negated:
        return "a negated operator is true when the key is absent"
    return "the condition is false when the key is absent"


def clause_symbols(clause: Clause, context: RequestContext) -> list[Symbol]:
    """Every symbol that can decide the clause: its key, values and the request's values."""
    found = context.lookup(clause.key)
    symbols = symbols_in((clause.key, *found.values, *found.symbols))
    if isinstance(clause.values, Symbol):
        return symbols_in((*symbols, clause.values))
    for template in clause.values:
        resolved = resolve(template, context)
        if not isinstance(resolved, Unresolved):
            symbols += [part for part in resolved if isinstance(part, Symbol)]
    return symbols_in(tuple(symbols))


__all__ = [
    "BASE_OPERATORS",
    "BaseOperator",
    "Clause",
    "Family",
    "Operator",
    "clause_symbols",
    "evaluate_clause",
    "evaluate_conditions",
    "explain_clause",
    "make_clause",
    "parse_date",
    "parse_number",
    "parse_operator",
]
