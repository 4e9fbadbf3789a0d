"""The request context of an IAM evaluation: condition keys and their values.

Keys are case-insensitive (``aws:SourceIp`` is ``AWS:sourceip``). A value is a
string (a single-valued key) or a list of strings (a multivalued key such as
``aws:TagKeys``); an empty list counts as an absent key. The global keys that every
request carries (:data:`ALWAYS_PRESENT`: ``aws:CurrentTime``, ``aws:SecureTransport``,
``aws:RequestedRegion``, ``aws:PrincipalArn`` ...) are never absent: not given, they hold
an unknown value. Keys and values may be
:class:`~pytest_pfperms.values.Symbol`\\ s; a lookup whose answer depends on
what a symbolic key turns out to be is ``UNKNOWN``.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import re2

from ..errors import InvalidArgument
from ..linear_match import compile_linear
from ..values import (
    Str,
    Symbol,
    Tri,
    affixes_differ,
    template_affixes,
)

ContextValue = Str | Sequence[Str]
"""A context value as callers write it: one string, or a list of strings."""

ContextInput = (Mapping[str, ContextValue] | Mapping[Symbol, ContextValue]
                | Mapping[Str, ContextValue])
"""The ``context=`` argument of :func:`~pytest_pfperms.aws.evaluation.evaluate_iam`."""


@dataclass(frozen=True, slots=True, eq=False)
class NetworkAddress(Symbol):
    """A request's source address, unknown but known to lie inside (or outside) named networks.

    IP conditions compare it with a policy value that is one symbol (a list of
    CIDRs known only after apply, such as the cluster's subnets): ``True`` when
    the symbol's key is in ``inside``, ``False`` when it is in ``outside``,
    unknown otherwise. ``address`` is a literal address to compare with literal
    CIDRs, when the caller knows it; without it literal CIDRs give unknown.
    """

    inside: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    address: str | None = None

    def within(self, pattern: Sequence[object]) -> Tri:
        """Whether the address is in the network a resolved policy value names."""
        if len(pattern) == 1 and isinstance(pattern[0], Symbol):
            key = pattern[0].key
            if key in self.inside:
                return True
            if key in self.outside:
                return False
            return None
        if self.address is None or any(isinstance(part, Symbol) for part in pattern):
            return None
        try:
            network = ipaddress.ip_network("".join(str(part) for part in pattern).strip(),
                                           strict=False)
        except ValueError:
            return False
        address = ipaddress.ip_address(self.address)
        return address.version == network.version and address in network


class Presence(Enum):
    """Whether a condition key is in the request context."""

    FOUND = "found"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "what does the request say for this key?"."""

    presence: Presence
    values: tuple[Str, ...] = ()
    multivalued: bool = False
    symbols: tuple[Symbol, ...] = ()
    """For an ``UNKNOWN`` lookup: the symbolic keys it might be."""


MISSING = Lookup(Presence.MISSING)

ALWAYS_PRESENT: dict[str, tuple[str, str | None]] = {
    "aws:currenttime": ("aws:CurrentTime", r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"),
    "aws:epochtime": ("aws:EpochTime", r"\d+"),
    "aws:securetransport": ("aws:SecureTransport", "true|false"),
    "aws:requestedregion": ("aws:RequestedRegion", r"[a-z]{2}(-[a-z]+)+-\d+"),
    "aws:principalarn": ("aws:PrincipalArn", r"arn:[^:]+:[^:]*:[^:]*:[^:]*:.+"),
    "aws:principalaccount": ("aws:PrincipalAccount", r"\d{12}"),
    "aws:principaltype": ("aws:PrincipalType", "Account|User|FederatedUser|AssumedRole|Anonymous"),
    "aws:principalisawsservice": ("aws:PrincipalIsAWSService", "true|false"),
    "aws:viaawsservice": ("aws:ViaAWSService", "true|false"),
    "aws:userid": ("aws:userid", None),
    "aws:useragent": ("aws:UserAgent", None),
}
"""Global condition keys AWS includes in every request context ("This key is always included
in the request context", AWS global condition context keys), with the pattern of their
values. A request context that does not give one of them holds it with an unknown value (a
named symbol), never without it: a condition on such a key is decided by the value, and an
answer that depends on it is unknown unless every possible value gives the same one."""


def request_symbol(key: str) -> Symbol:
    """The unknown value of an always-present global key the context does not give."""
    name, pattern = ALWAYS_PRESENT[key.lower()]
    return Symbol(key=f"request.{name}", expression=name, pattern=pattern,
                  reason=f"every request carries {name}, and its value is not given",
                  hint=f"pass context={{{name!r}: ...}} to say what it is")


def _value_items(key: Str, value: object) -> tuple[tuple[Str, ...], bool]:
    if isinstance(value, (str, Symbol)):
        return (value,), False
    if isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, (str, Symbol)):
                raise InvalidArgument(
                    f"context key {key}: list items must be strings, not {type(item).__name__}")
        return tuple(value), True
    raise InvalidArgument(
        f"context key {key}: value must be a string or a list of strings, "
        f"not {type(value).__name__}")


def unlisted_symbol(key: Str) -> Symbol:
    """The unknown presence of a key an open request context does not list."""
    name = str(key) if isinstance(key, str) else key.key
    return Symbol(key=f"request.{name}", expression=name if isinstance(key, str) else key.expression,
                  reason="the request may or may not carry this key (it depends on the resource "
                         "touched or on the call's parameters)",
                  hint="pass context={...} with the key's value, or [] for a request without it")


class RequestContext:
    """Condition keys of one request, looked up case-insensitively.

    ``unlisted`` says what a key the context does not list is: ``"absent"`` (the request
    is exactly what is given), or ``"unknown"`` (a real call whose other keys nobody
    said: the key may or may not be there, so a condition on it is unknown). Either way
    the always-present global keys are present.
    """

    __slots__ = ("_concrete", "_open", "_symbolic")

    def __init__(self, context: ContextInput | None = None, unlisted: str = "absent") -> None:
        self._concrete: dict[str, tuple[str, tuple[Str, ...], bool]] = {}
        self._symbolic: list[tuple[Symbol, tuple[Str, ...], bool]] = []
        if unlisted not in ("absent", "unknown"):
            raise InvalidArgument(f'unlisted must be "absent" or "unknown", not {unlisted!r}')
        self._open = unlisted == "unknown"
        if context is None:
            return
        if not isinstance(context, Mapping):
            raise InvalidArgument(f"context must be a mapping, not {type(context).__name__}")
        for key, value in context.items():
            values, multivalued = _value_items(key, value)
            if isinstance(key, Symbol):
                self._symbolic.append((key, values, multivalued))
                continue
            if not isinstance(key, str) or not key:
                raise InvalidArgument(f"context keys must be non-empty strings, not {key!r}")
            folded = key.lower()
            if folded in self._concrete:
                raise InvalidArgument(
                    f"context keys {self._concrete[folded][0]!r} and {key!r} are the same key "
                    "(condition keys are case-insensitive)")
            self._concrete[folded] = (key, values, multivalued)

    def lookup(self, key: Str) -> Lookup:
        """What the request holds for ``key``."""
        if isinstance(key, Symbol):
            return self._lookup_symbol(key)
        folded = key.lower()
        entry = self._concrete.get(folded)
        if entry is not None:
            return _found(entry[1], entry[2])
        if folded in ALWAYS_PRESENT:
            return Lookup(Presence.FOUND, (request_symbol(folded),))
        maybe = tuple(sym for sym, _, _ in self._symbolic if same_key(sym, key) is not False)
        if self._open:
            maybe = (unlisted_symbol(key), *maybe)
        return Lookup(Presence.UNKNOWN, symbols=maybe) if maybe else MISSING

    def _lookup_symbol(self, key: Symbol) -> Lookup:
        for symbol, values, multivalued in self._symbolic:
            if symbol == key:
                return _found(values, multivalued)
        maybe = [sym for sym, _, _ in self._symbolic if same_key(sym, key) is None]
        if self._open or any(same_key(key, name) is not False for name, _, _ in self._concrete.values()):
            maybe.insert(0, key)
        return Lookup(Presence.UNKNOWN, symbols=tuple(maybe)) if maybe else MISSING

    def cases(self, key: Str) -> list[Lookup] | None:
        """Every exact lookup ``key`` may turn out to be, when which key it is (or whether it
        is one the request holds) is unknown: one per key of the request it may be, and a
        missing key when it may be none of them. None when a case's values cannot be listed
        (an open context, or a key that may be an always-present one the request leaves
        unsaid)."""
        if self._open:
            return None
        found: list[Lookup] = []
        for symbol, values, multivalued in self._symbolic:
            relation = True if symbol == key else same_key(symbol, key)
            if relation is True:
                return [_found(values, multivalued)]
            if relation is None:
                found.append(_found(values, multivalued))
        for name, values, multivalued in self._concrete.values():
            relation = same_key(key, name)
            if relation is True:
                return [_found(values, multivalued)]
            if relation is None:
                found.append(_found(values, multivalued))
        if isinstance(key, Symbol):
            if any(same_key(key, name) is not False for name in ALWAYS_PRESENT
                   if name not in self._concrete):
                return None
        elif key.lower() in ALWAYS_PRESENT:
            return None
        return [*found, MISSING]

    def __bool__(self) -> bool:
        return bool(self._concrete or self._symbolic)


def same_key(left: Str, right: Str) -> Tri:
    """Whether two condition keys, either possibly symbolic, are the same key: names compare
    case-insensitively, so a symbol is a different key only when the text it certainly starts
    or ends with rules it out whatever the case."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if isinstance(left, Symbol) and isinstance(right, Symbol):
        if left.key == right.key:
            return True
        return False if affixes_differ(left, right, fold=True) else None
    symbol, literal = (left, right) if isinstance(left, Symbol) else (right, left)
    assert isinstance(symbol, Symbol) and isinstance(literal, str)
    start, end = (affix.lower() for affix in template_affixes(symbol))
    text = literal.lower()
    fits = len(text) >= len(start) + len(end) and text.startswith(start) and text.endswith(end)
    if fits and symbol.pattern is not None:
        with contextlib.suppress(re2.error):  # a pattern RE2 does not take decides nothing
            fits = compile_linear(symbol.pattern, ignore_case=True).fullmatch(literal)
    return None if fits else False


def _found(values: tuple[Str, ...], multivalued: bool) -> Lookup:
    if not values:
        return MISSING
    return Lookup(Presence.FOUND, values, multivalued)
