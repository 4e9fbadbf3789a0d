"""Vault and OpenBao: ACL policy evaluation.

:func:`evaluate_vault` answers "may a token with these policies do this" the way
the server's ACL does (``AllowOperation`` in ``vault/acl.go``, and in OpenBao's
``vault/policy/acl.go``), for the server ``flavor`` given: ``"vault"``
(HashiCorp Vault, the default) or ``"openbao"`` (OpenBao >= 2.6).
:func:`vault_capabilities` answers what ``sys/capabilities`` would. The
Kubernetes auth method on top of it is in :mod:`.vault_auth`.

Building the ACL (the same in both): every rule goes into one of three tables
keyed by its path string (leading ``/`` stripped): *segment* rules (the path is
``+``, contains ``/+`` or starts with ``+/``; kept whole, trailing ``*``
included), *prefix* rules (ending in ``*``, stored without it) and *exact*
rules. Rules with the same key, from any policy, merge: a deny on either side
leaves only deny, otherwise capabilities are unioned. OpenBao skips a rule
whose ``expiration`` has passed.

Choosing the rule. Write ``W(p)`` for the non-exact rules matching ``p``: the
longest prefix rule that ``p`` starts with, and every segment rule matching
``p`` (same number of ``/``-segments, or at least as many when it ends in
``*``; ``+`` matches any one segment; its last segment, when it ends in ``*``,
a string prefix of ``p``'s). When ``W(p)`` is not empty its best rule is the
one with, in turn, the later first wildcard (byte offset of the first ``+``,
or the prefix length), no trailing ``*``, fewer ``+`` segments, the longer
pattern (without ``*``), the greater pattern. For a request on ``P``, with
``P-`` for ``P`` without one trailing ``/``, the first step that finds a rule
decides, whether or not that rule grants what is asked (nothing is inherited
from a less specific rule):

Vault (every release since VAULT-3825, 1.13.x-1.15.x; also OpenBao < 2.6)::

    1. the exact rule for P
    2. LIST only: the exact rule for P-
    3. LIST only, P ending in /: the best of W(P-)
    4. the best of W(P)

OpenBao >= 2.6 (GHSA-xp3c-3jw3-4vcr, openbao PR 3389: with Vault's order a
``kv/a/*`` rule granting list beat a ``kv/a/b/*`` deny for LIST ``kv/a/b/``,
because ``W("kv/a/b")`` holds only ``kv/a/*``)::

    1. the exact rule for P
    2. LIST or SCAN: the exact rule for P-
    3. the best of W(P)
    4. LIST or SCAN, P ending in /: the best of W(P-)

No rule: denied. The deciding rule's ``deny`` denies; otherwise it must carry
the capability of the operation (revoke, renew and rollback need update) and,
on a root-protected path, ``sudo``. The HTTP layer adds the ``/`` to every LIST
(and SCAN) path. ``sys/capabilities`` runs the same selection as a LIST on the
path as given (no ``/`` added), so for ``P`` it can cite a rule that a GET on
``P`` never uses: the exact rule for ``P-`` when ``P`` ends in ``/``, and, in
OpenBao >= 2.6, ``W(P-)`` too.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from ..errors import Indeterminate, InvalidArgument
from ..model.decision import Decision, Explanation
from ..values import Symbol, Tri
from .policy_parsing import (
    CAPABILITIES,
    OPENBAO_CAPABILITIES,
    VaultFlavor,
    VaultPolicy,
    VaultRule,
    capabilities_of,
    check_flavor,
    parse_vault_policy,
    validate_flavor,
)

__all__ = [
    "ListRule",
    "VaultFlavor",
    "VaultRequest",
    "VaultToken",
    "evaluate_vault",
    "kv_v2_path",
    "vault_capabilities",
]

ListRule = Literal["trimmed-first", "deny-aware"]
"""How a LIST on a path ending in ``/`` picks among wildcard rules.

``"trimmed-first"`` (default): the rules matching the path without its ``/``
are tried first and only if none matches the path with it; this is
``vault/acl.go`` in the Vault releases since the VAULT-3825 fix (1.13.x-1.15.x
backports, 2023). ``"deny-aware"``: Vault main's later fix for a LIST deny
bypass pools both forms, and the most specific deny beats a less specific rule
granting list. The explanation says when the two would answer differently.
Only for ``flavor="vault"``: OpenBao >= 2.6 has one order of its own.
"""

Order = Literal["trimmed-first", "deny-aware", "openbao"]
"""The LIST order in force: Vault's (by ``list_rule``) or OpenBao >= 2.6's."""

_OPERATIONS: dict[VaultFlavor, dict[str, str]] = {
    "vault": {
        "create": "create", "read": "read", "update": "update", "patch": "patch",
        "delete": "delete", "list": "list", "recover": "recover", "subscribe": "subscribe",
        "revoke": "update", "renew": "update", "rollback": "update", "help": "",
    },
    "openbao": {
        "create": "create", "read": "read", "update": "update", "patch": "patch",
        "delete": "delete", "list": "list", "scan": "scan",
        "revoke": "update", "renew": "update", "rollback": "update", "help": "",
    },
}
_LISTING = ("list", "scan")  # operations whose path gets a trailing / and LIST's rule order
_SERVER: dict[VaultFlavor, str] = {"vault": "Vault", "openbao": "OpenBao"}
_CAP_ORDER = {cap: index for index, cap in enumerate(dict.fromkeys(CAPABILITIES
                                                                   + OPENBAO_CAPABILITIES))}


# --------------------------------------------------------------------------- requests and subjects


@dataclass(frozen=True, slots=True)
class VaultRequest:
    """One request to Vault: the capability asked for and the API path checked.

    ``capability`` is a Vault capability (``read``, ``list``, ...), an operation
    that maps onto one (``revoke``/``renew``/``rollback`` -> update, ``help``
    is always allowed), or an operation plus ``+sudo`` for a root-protected
    endpoint (both must come from the same deciding rule). ``path`` is the path
    as the ACL sees it: no leading ``/``, and a LIST always ends in ``/``.
    """

    capability: str
    path: str

    def describe(self) -> str:
        """``read on secret/data/app/config``."""
        return f"{self.capability} on {self.path}"


@dataclass(frozen=True, slots=True)
class VaultToken:
    """A Vault token, named by its policies."""

    policies: tuple[str, ...]

    def __str__(self) -> str:
        return f"Vault token with policies [{', '.join(self.policies)}]"


@dataclass(frozen=True, slots=True)
class Ask:
    request: VaultRequest
    operation: str  # the operation whose rule is chosen: list or anything else
    needed: tuple[str, ...]  # capability bits the deciding rule must carry; () for help


def parse_request(capability: str, path: str, flavor: VaultFlavor = "vault") -> Ask:
    """The request as the ``flavor``'s ACL sees it; InvalidArgument for what it cannot ask."""
    if not isinstance(capability, str) or not isinstance(path, str):
        raise InvalidArgument("a Vault request needs a capability and a path, both strings")
    table = _OPERATIONS[flavor]
    server = _SERVER[flavor]
    words = [word.strip().lower() for word in capability.split("+")]
    operations = [word for word in words if word != "sudo"]
    unknown = [word for word in operations if word not in table]
    if unknown or not words or len(operations) > 1:
        known = ", ".join([*table, "sudo"])
        if unknown and unknown[0] == "deny":
            raise InvalidArgument('"deny" is not something a request asks for; ask for the '
                                  f"capability the request needs ({known})")
        other: VaultFlavor = "vault" if flavor == "openbao" else "openbao"
        if unknown and unknown[0] in _OPERATIONS[other]:
            raise InvalidArgument(f'cannot ask {server} for "{unknown[0]}": it is a capability of '
                                  f"{_SERVER[other]} only (flavor=\"{other}\"); {server} knows "
                                  f"{known}")
        raise InvalidArgument(f"cannot ask {server} for {capability!r}: give one of {known}, "
                              'optionally with "+sudo" (e.g. "update+sudo")')
    operation = operations[0] if operations else "sudo"
    needed = tuple(cap for cap in (table.get(operation, ""),) if cap)
    if "sudo" in words:
        needed += ("sudo",)
    if operation == "help":
        needed = ()
    checked = path.lstrip("/")
    if operation in _LISTING and not checked.endswith("/"):
        checked += "/"
    label = "+".join([*operations, *(["sudo"] if "sudo" in words else [])])
    return Ask(VaultRequest(label, checked), "list" if operation in _LISTING else "other", needed)


# --------------------------------------------------------------------------- the compiled ACL


Kind = Literal["exact", "prefix", "segment"]


def _classify(path: str) -> tuple[Kind, str]:
    """Vault's split of a policy path into exact, prefix (``*`` stripped) and segment rules."""
    if path.startswith("/"):
        path = path[1:]
    if path == "+" or "/+" in path or path.startswith("+/"):
        return "segment", path
    if path.endswith("*"):
        return "prefix", path[:-1]
    return "exact", path


@dataclass(frozen=True, slots=True)
class _Entry:
    """One rule of the ACL after merging every policy's rule for the same path string."""

    kind: Kind
    key: str
    capabilities: frozenset[str]
    contributions: tuple[tuple[str, VaultRule], ...]

    @property
    def pattern(self) -> str:
        return self.key + "*" if self.kind == "prefix" else self.key

    @property
    def deny(self) -> bool:
        return "deny" in self.capabilities


def _nbytes(text: str) -> int:
    return len(text.encode())


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A non-exact rule matching the request, with Vault's priority attributes."""

    entry: _Entry
    first: int  # byte offset of the first + (segment rule) or of the * (prefix rule)
    is_prefix: bool  # ends in *
    wildcards: int  # number of + segments
    wc_path: str  # pattern without a trailing *
    queried: str  # the path string it was matched against

    def priority(self) -> tuple[int, int, int, int, bytes]:
        encoded = self.wc_path.encode()
        return (self.first, 0 if self.is_prefix else 1, -self.wildcards, len(encoded), encoded)


def _best(candidates: Sequence[_Candidate]) -> _Candidate:
    return max(candidates, key=_Candidate.priority)


class _Acl:
    """The policies of one token merged into Vault's three rule tables.

    ``expired`` holds the (policy, rule) index pairs of rules whose OpenBao
    ``expiration`` has passed: they take no part, as in OpenBao's ``NewACL``.
    """

    def __init__(self, policies: tuple[VaultPolicy, ...], flavor: VaultFlavor = "vault",
                 expired: frozenset[tuple[int, int]] = frozenset()) -> None:
        self.policies = policies
        self.flavor = flavor
        self.root = any(policy.name == "root" for policy in policies)
        groups: dict[tuple[Kind, str], list[tuple[str, VaultRule]]] = {}
        templated: list[tuple[str, VaultRule]] = []
        gone: list[tuple[str, VaultRule]] = []
        for p_index, policy in enumerate(policies):
            if policy.name == "root":
                continue
            for r_index, rule in enumerate(policy.rules):
                if (p_index, r_index) in expired:
                    gone.append((policy.name, rule))
                    continue
                if rule.templated:
                    templated.append((policy.name, rule))
                    continue
                groups.setdefault(_classify(rule.path), []).append((policy.name, rule))
        self.templated = tuple(templated)
        self.expired = tuple(gone)
        self.exact: dict[str, _Entry] = {}
        self.prefix: dict[str, _Entry] = {}
        self.segment: dict[str, _Entry] = {}
        tables: dict[Kind, dict[str, _Entry]] = {
            "exact": self.exact, "prefix": self.prefix, "segment": self.segment}
        for (kind, key), contributions in groups.items():
            if any("deny" in rule.capabilities for _, rule in contributions):
                caps = frozenset({"deny"})
            else:
                caps = frozenset(cap for _, rule in contributions for cap in rule.capabilities)
            tables[kind][key] = _Entry(kind, key, caps, tuple(contributions))
        self.prefix_longest_first = sorted(self.prefix.values(), key=lambda e: -len(e.key))

    def matching_prefixes(self, path: str) -> list[_Entry]:
        """Every prefix rule matching ``path``, longest first."""
        return [entry for entry in self.prefix_longest_first if path.startswith(entry.key)]

    def candidates(self, path: str) -> list[_Candidate]:
        """Vault's candidate pool for ``path``: the longest prefix rule and every matching segment rule."""
        found: list[_Candidate] = []
        for entry in self.prefix_longest_first:
            if path.startswith(entry.key):
                found.append(_Candidate(entry, _nbytes(entry.key), True, 0, entry.key, path))
                break
        if self.segment:
            parts = path.split("/")
            for entry in self.segment.values():
                candidate = _match_segment(entry, parts, path)
                if candidate is not None:
                    found.append(candidate)
        return found


def _match_segment(entry: _Entry, parts: list[str], path: str) -> _Candidate | None:
    key = entry.key
    is_prefix = key.endswith("*")
    wc_path = key[:-1] if is_prefix else key
    rule_parts = wc_path.split("/")
    if len(parts) < len(rule_parts) or (not is_prefix and len(parts) != len(rule_parts)):
        return None
    wildcards = 0
    last = len(rule_parts) - 1
    for index, part in enumerate(rule_parts):
        if part == "+":
            wildcards += 1
        elif part != parts[index] and not (
                is_prefix and index == last and parts[index].startswith(part)):
            return None
    first = _nbytes(key[:key.index("+")])
    return _Candidate(entry, first, is_prefix, wildcards, wc_path, path)


@functools.lru_cache(maxsize=512)
def _compile(policies: tuple[VaultPolicy, ...], flavor: VaultFlavor,
             expired: frozenset[tuple[int, int]]) -> _Acl:
    return _Acl(policies, flavor, expired)


def compile_acl(policies: tuple[VaultPolicy, ...], flavor: VaultFlavor = "vault") -> _Acl:
    """The ACL of a token carrying ``policies``, as the ``flavor``'s server builds it now."""
    now = time.time()
    expired = frozenset(
        (p_index, r_index) for p_index, policy in enumerate(policies)
        for r_index, rule in enumerate(policy.rules)
        if flavor == "openbao" and rule.expires_at is not None and now > rule.expires_at)
    return _compile(policies, flavor, expired)


# --------------------------------------------------------------------------- choosing the rule


Step = Literal["exact", "exact-trimmed", "wildcard", "wildcard-trimmed", "list-deny-aware", "none"]


@dataclass(frozen=True, slots=True)
class _Selection:
    entry: _Entry | None
    step: Step
    winner: _Candidate | None = None
    pool: tuple[_Candidate, ...] = ()  # the candidates the winner was chosen from
    skipped: tuple[_Candidate, ...] = ()  # LIST: matches of the full path never looked at


def _select(acl: _Acl, operation: str, path: str, order: Order) -> _Selection:
    exact = acl.exact.get(path)
    if exact is not None:
        return _Selection(exact, "exact")
    if operation == "list":
        exact = acl.exact.get(path.removesuffix("/"))
        if exact is not None:
            return _Selection(exact, "exact-trimmed")
        if order == "openbao":
            return _select_openbao(acl, path)
        if path.endswith("/"):
            trimmed = acl.candidates(path[:-1])
            full = acl.candidates(path)
            if order == "deny-aware":
                return _deny_aware(trimmed + full)
            if trimmed:
                winner = _best(trimmed)
                return _Selection(winner.entry, "wildcard-trimmed", winner, tuple(trimmed),
                                  tuple(full))
            path_candidates = full
        else:
            path_candidates = acl.candidates(path)
    else:
        path_candidates = acl.candidates(path)
    if not path_candidates:
        return _Selection(None, "none")
    winner = _best(path_candidates)
    return _Selection(winner.entry, "wildcard", winner, tuple(path_candidates))


def _select_openbao(acl: _Acl, path: str) -> _Selection:
    """OpenBao >= 2.6, LIST or SCAN after the exact steps: W(P), then (P ending in /) W(P-)."""
    full = acl.candidates(path)
    trimmed = acl.candidates(path[:-1]) if path.endswith("/") else []
    if full:
        winner = _best(full)
        return _Selection(winner.entry, "wildcard", winner, tuple(full), tuple(trimmed))
    if trimmed:
        winner = _best(trimmed)
        return _Selection(winner.entry, "wildcard-trimmed", winner, tuple(trimmed))
    return _Selection(None, "none")


def _deny_aware(pool: list[_Candidate]) -> _Selection:
    if not pool:
        return _Selection(None, "none")
    denies = [c for c in pool if c.entry.deny]
    lists = [c for c in pool if "list" in c.entry.capabilities]
    best_deny = _best(denies) if denies else None
    best_list = _best(lists) if lists else None
    if best_deny is not None and (best_list is None
                                  or best_list.priority() < best_deny.priority()):
        winner = best_deny
    elif best_list is not None:
        winner = best_list
    else:
        winner = _best(pool)
    return _Selection(winner.entry, "list-deny-aware", winner, tuple(pool))


def _template_regex(pattern: str) -> re.Pattern[str]:
    """A regex every path a templated rule could match (whatever the template renders to) matches."""
    text = pattern.lstrip("/") if pattern.startswith("/") else pattern
    glob = text.endswith("*")
    if glob:
        text = text[:-1]
    pieces: list[str] = []
    for index, chunk in enumerate(re.split(r"\{\{.*?\}\}", text)):
        if index:
            pieces.append(".*")
        segments = chunk.split("/")
        pieces.append("/".join("[^/]*" if seg == "+" else re.escape(seg) for seg in segments))
    return re.compile("".join(pieces) + (".*" if glob else ""), re.DOTALL)


def _templated_matches(acl: _Acl, operation: str, path: str) -> tuple[tuple[str, VaultRule], ...]:
    forms = [path, path[:-1]] if operation == "list" and path.endswith("/") else [path]
    return tuple((policy, rule) for policy, rule in acl.templated
                 if any(_template_regex(rule.path).fullmatch(form) for form in forms))


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer of one ACL to one request, with what is needed to explain it."""

    allowed: Tri
    acl: _Acl
    ask: Ask
    selection: _Selection | None  # None for root and help
    templated: tuple[tuple[str, VaultRule], ...]
    order: Order


def decide(acl: _Acl, ask: Ask, order: Order) -> Outcome:
    """The answer of ``acl`` to ``ask`` with the LIST ``order`` in force."""
    if acl.root or not ask.needed:
        return Outcome(True, acl, ask, None, (), order)
    path = ask.request.path
    selection = _select(acl, ask.operation, path, order)
    entry = selection.entry
    allowed: Tri = entry is not None and not entry.deny and all(
        cap in entry.capabilities for cap in ask.needed)
    templated = _templated_matches(acl, ask.operation, path)
    if templated:
        allowed = None
    return Outcome(allowed, acl, ask, selection, templated, order)


# --------------------------------------------------------------------------- explanations


def _caps(caps: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(caps, key=lambda cap: _CAP_ORDER.get(cap, 99))) + "]"


def _at(rule: VaultRule) -> str:
    where = rule.where()
    return f" ({where})" if where else ""


def _cite(policy: str, rule: VaultRule) -> str:
    return f'path "{rule.path}" {_caps(rule.capabilities)} in policy {policy}{_at(rule)}'


def _cite_entry(entry: _Entry) -> tuple[str, list[str]]:
    """The entry in one line, plus one line per merged rule when several policies wrote it."""
    if len(entry.contributions) == 1:
        return _cite(*entry.contributions[0]), []
    head = (f'path "{entry.pattern}" {_caps(entry.capabilities)}, merged from '
            f"{len(entry.contributions)} rules")
    if entry.deny:
        head += " (deny on the same path overrides the others)"
    subs = [f'policy {policy}: path "{rule.path}" {_caps(rule.capabilities)}{_at(rule)}'
            for policy, rule in entry.contributions]
    return head, subs


def _lit(candidate: _Candidate) -> str:
    return candidate.wc_path.encode()[:candidate.first].decode(errors="replace")


def _why_lower(loser: _Candidate, winner: _Candidate) -> str:
    if loser.first != winner.first:
        return (f'lower priority: its first wildcard comes after "{_lit(loser)}" ({loser.first} '
                f'characters), the deciding rule\'s after "{_lit(winner)}" ({winner.first}); '
                "the later wildcard wins")
    if loser.is_prefix != winner.is_prefix:
        return "lower priority: it ends in *, the deciding rule does not (no trailing * wins)"
    if loser.wildcards != winner.wildcards:
        return (f"lower priority: it has {loser.wildcards} + segments, the deciding rule "
                f"{winner.wildcards} (fewer wins)")
    if len(loser.wc_path) != len(winner.wc_path):
        return (f"lower priority: it is shorter ({_nbytes(loser.wc_path)} characters against "
                f"{_nbytes(winner.wc_path)}; longer wins)")
    return "lower priority: equal on every rule, and Vault breaks the tie by the greater pattern"


def _losers(outcome: Outcome) -> list[tuple[_Entry, str]]:
    """Every matching rule that did not decide, with the reason, deciding rule excluded."""
    selection = outcome.selection
    assert selection is not None and selection.entry is not None
    acl, path, winner = outcome.acl, outcome.ask.request.path, selection.entry
    forms = [path]
    if outcome.ask.operation == "list" and path.endswith("/"):
        forms.append(path[:-1])
    result: dict[tuple[Kind, str], tuple[_Entry, str]] = {}

    def add(entry: _Entry, reason: str) -> None:
        if entry is not winner:
            result.setdefault((entry.kind, entry.key), (entry, reason))

    if selection.step in ("exact", "exact-trimmed"):
        reason = ("an exact rule for the path beats every wildcard rule"
                  if selection.step == "exact" else
                  "for LIST, the exact rule for the path without its trailing / beats every "
                  "wildcard rule")
        for form in forms:
            for candidate in acl.candidates(form):
                add(candidate.entry, reason)
            for entry in acl.matching_prefixes(form):
                add(entry, reason)
        return list(result.values())
    assert selection.winner is not None
    if selection.step == "list-deny-aware":
        for candidate in selection.pool:
            why = ("the deny-aware LIST rule takes the most specific deny if it is at least as "
                   "specific as the most specific rule granting list, else that rule")
            add(candidate.entry, why)
    for candidate in sorted(selection.pool, key=_Candidate.priority, reverse=True):
        add(candidate.entry, _why_lower(candidate, selection.winner))
    for candidate in selection.skipped:
        if outcome.order == "openbao":
            add(candidate.entry, f"OpenBao >= 2.6 checks {path} (with the trailing /) first, and "
                                 f"a rule matched there; {path[:-1]} is tried only when none does")
        else:
            add(candidate.entry, f"LIST checks {path[:-1]} (without the trailing /) first, and a "
                                 "rule matched there")
    for form in forms:
        longest = next(iter(acl.matching_prefixes(form)), None)
        for entry in acl.matching_prefixes(form)[1:]:
            assert longest is not None
            add(entry, f'only the longest matching * rule takes part, here "{longest.pattern}"')
    return list(result.values())


def _common_prefix(left: str, right: str) -> int:
    count = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        count += 1
    return count


def _near_misses(outcome: Outcome, limit: int = 3) -> list[str]:
    path = outcome.ask.request.path
    needed = set(outcome.ask.needed)
    scored: list[tuple[int, str, VaultRule]] = []
    for policy in outcome.acl.policies:
        for rule in policy.rules:
            if not rule.templated and needed <= set(rule.capabilities):
                common = _common_prefix(_classify(rule.path)[1], path)
                scored.append((common, policy.name, rule))
    scored.sort(key=lambda item: -item[0])
    return [f"near miss: {_cite(name, rule)}: does not match {path}"
            for _, name, rule in scored[:limit]]


def _kv_hint(outcome: Outcome) -> list[str]:
    parts = outcome.ask.request.path.split("/")
    if len(parts) < 3 or parts[1] not in ("data", "metadata"):
        return []
    v1_path = "/".join([parts[0], *parts[2:]])
    selection = _select(outcome.acl, outcome.ask.operation, v1_path, outcome.order)
    if selection.entry is None:
        return []
    head, _ = _cite_entry(selection.entry)
    return [f"{head} matches the KV v1-style path {v1_path}, but KV v2 checks "
            f"{parts[0]}/{parts[1]}/...; write the rule on {parts[0]}/{parts[1]}/"]


def acl_lines(outcome: Outcome) -> list[str]:
    """Why one ACL allowed or denied: the deciding rule, and for a denial the rules that lost."""
    ask = outcome.ask
    if outcome.acl.root:
        return ["the root policy grants everything"]
    if not ask.needed:
        return ["help is always allowed"]
    selection = outcome.selection
    assert selection is not None
    lines: list[str] = []
    entry = selection.entry
    if entry is None:
        lines.append(f"no rule matches {ask.request.path}; {_SERVER[outcome.acl.flavor]} denies "
                     "by default")
        lines += [f"  {line}" for line in _order_lines(outcome)]
        lines += _near_misses(outcome)
        lines += _kv_hint(outcome)
    else:
        head, subs = _cite_entry(entry)
        how = {"exact": "", "exact-trimmed": " (LIST falls back to the exact rule without the "
                                              "trailing /)"}.get(selection.step, "")
        granted = not entry.deny and all(cap in entry.capabilities for cap in ask.needed)
        if granted:
            lines.append(f"granted by {head}{how}")
        elif entry.deny:
            lines.append(f"denied by {head}{how}: deny")
        else:
            missing = [cap for cap in ask.needed if cap not in entry.capabilities]
            lines.append(f"decided by {head}{how}, which does not grant {' or '.join(missing)}")
        lines += [f"  {sub}" for sub in subs]
        lines += [f"  {line}" for line in _order_lines(outcome)]
        if not granted:
            for loser, reason in _losers(outcome):
                loser_head, _ = _cite_entry(loser)
                lines.append(f"  lost: {loser_head}: {reason}")
    if outcome.templated:
        templated = [f"templated rule {_cite(policy, rule)} may match once its template is "
                     "filled in for the token's identity, which would change the answer"
                     for policy, rule in outcome.templated]
        lines = [*templated, f"otherwise {lines[0]}", *lines[1:]]
    return lines


_ORDERS: dict[Order, tuple[str, str]] = {
    "trimmed-first": ("Vault LIST order", "exact rule on {p}, exact rule on {t}, wildcard rules "
                                          "on {t}, then wildcard rules on {p}"),
    "openbao": ("OpenBao >= 2.6 {op} order", "exact rule on {p}, exact rule on {t}, wildcard "
                                              "rules on {p}, then wildcard rules on {t}"),
    "deny-aware": ('deny-aware LIST order (list_rule="deny-aware")',
                   "exact rule on {p}, exact rule on {t}, then wildcard rules on {p} and {t} "
                   "together, the most specific deny beating a less specific list grant"),
}


def _order_lines(outcome: Outcome) -> list[str]:
    """For a LIST (or SCAN): which server's order of rule lookups was followed, and which
    step found the deciding rule."""
    ask, selection = outcome.ask, outcome.selection
    path = ask.request.path
    if selection is None or ask.operation != "list" or not path.endswith("/"):
        return []
    title, steps = _ORDERS[outcome.order]
    op = "LIST" if "list" in ask.needed else "SCAN"
    trimmed = path[:-1]
    found = {"exact": f"the exact rule on {path}", "exact-trimmed": f"the exact rule on {trimmed}",
             "wildcard": f"wildcard rules on {path}",
             "wildcard-trimmed": f"wildcard rules on {trimmed}",
             "list-deny-aware": f"wildcard rules on {path} and {trimmed}",
             "none": "no step: no rule matches"}[selection.step]
    return [f"{title.format(op=op)}: {steps.format(p=path, t=trimmed)}; decided by {found}"]


def _alternatives(order: Order) -> list[tuple[Order, str]]:
    if order == "openbao":
        return [("trimmed-first", "Vault and OpenBao before 2.6 order this LIST differently: "
                                  "there it is")]
    if order == "deny-aware":
        return [("trimmed-first", "Vault versions differ on this LIST: with "
                                  "list_rule='trimmed-first' (vault/acl.go before that fix) it is")]
    return [("deny-aware", "Vault versions differ on this LIST: with list_rule='deny-aware' "
                           "(Vault main's fix for a LIST deny bypass) it is"),
            ("openbao", 'OpenBao >= 2.6 (flavor="openbao") orders this LIST differently: there '
                        "it is")]


def _expiry_notes(outcome: Outcome) -> list[str]:
    path = outcome.ask.request.path
    forms = [path, path[:-1]] if outcome.ask.operation == "list" and path.endswith("/") else [path]
    notes = [f"{_cite(policy, rule)} expired at {_moment(rule.expires_at)}: OpenBao ignores it"
             for policy, rule in outcome.acl.expired
             if rule.expires_at is not None
             and any(_template_regex(rule.path).fullmatch(form) for form in forms)]
    entry = outcome.selection.entry if outcome.selection is not None else None
    for policy, rule in entry.contributions if entry is not None else ():
        if rule.expires_at is not None:
            notes.append(f"the deciding {_cite(policy, rule)} expires at "
                         f"{_moment(rule.expires_at)}; OpenBao then ignores it, which can change "
                         "this answer")
    return notes


def _moment(epoch: float | None) -> str:
    if epoch is None:
        return "?"
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


def acl_notes(outcome: Outcome) -> list[str]:
    """What the explanation adds: other LIST orders that would answer differently, expiries."""
    ask, selection = outcome.ask, outcome.selection
    notes = _expiry_notes(outcome) if outcome.acl.flavor == "openbao" else []
    if ask.request.path.endswith("/") and {"create", "update", "patch"} & set(ask.needed):
        notes.append(f"{_SERVER[outcome.acl.flavor]} refuses every write to a path ending in / "
                     "(400 \"cannot write to a path ending in '/'\") before it asks the ACL; "
                     "this answer is the ACL's")
    if selection is None or ask.operation != "list" or not ask.request.path.endswith("/"):
        return notes
    if selection.step in ("exact", "exact-trimmed"):
        return notes
    for other, wording in _alternatives(outcome.order):
        alternative = decide(outcome.acl, ask, other)
        if alternative.allowed == outcome.allowed or alternative.selection is None:
            continue
        verdict = {True: "allowed", False: "denied", None: "unknown"}[alternative.allowed]
        entry = alternative.selection.entry
        by = f" by {_cite_entry(entry)[0]}" if entry is not None else ""
        notes.append(f"{wording} {verdict}{by}")
    return notes


def template_symbols(outcome: Outcome) -> list[Symbol]:
    found: dict[str, Symbol] = {}
    for policy, rule in outcome.templated:
        for template in re.findall(r"\{\{.*?\}\}", rule.path):
            found.setdefault(template, Symbol(
                key=f"vault template {template}", source=f"policy {policy}" + _at(rule),
                reason="a policy template Vault fills in per token from its identity entity",
                hint="the answer depends on the entity the token belongs to"))
    return list(found.values())


# --------------------------------------------------------------------------- evaluate_vault


PolicyInput = str | VaultPolicy


def _policies(policies_hcl: PolicyInput | Iterable[PolicyInput],
              flavor: VaultFlavor = "vault") -> tuple[VaultPolicy, ...]:
    items: list[PolicyInput] = (
        [policies_hcl] if isinstance(policies_hcl, (str, VaultPolicy)) else list(policies_hcl))
    result: list[VaultPolicy] = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, VaultPolicy):
            result.append(check_flavor(item, flavor))
        elif isinstance(item, str):
            policy = parse_vault_policy(item, flavor=flavor)
            result.append(policy if policy.name else replace(policy, name=f"inline-{index}"))
        else:
            raise InvalidArgument(f"a Vault policy must be HCL text or a VaultPolicy, not {item!r}")
    return tuple(result)


def list_order(flavor: VaultFlavor, list_rule: ListRule | None) -> Order:
    """The LIST order of a ``flavor`` (and, for Vault, the ``list_rule`` chosen)."""
    if flavor == "openbao":
        if list_rule is not None:
            raise InvalidArgument("list_rule chooses between Vault's LIST orders; OpenBao >= 2.6 "
                                  'has one order of its own: leave list_rule out with flavor="openbao"')
        return "openbao"
    if list_rule not in (None, "trimmed-first", "deny-aware"):
        raise InvalidArgument(f'unknown list_rule {list_rule!r}: give "trimmed-first" or "deny-aware"')
    return list_rule or "trimmed-first"


def vault_capabilities(policies_hcl: PolicyInput | Iterable[PolicyInput], path: str, *,
                       flavor: VaultFlavor = "vault",
                       list_rule: ListRule | None = None) -> tuple[str, ...]:
    """What ``sys/capabilities`` answers for a token carrying these policies on ``path``.

    The server runs its rule selection as a LIST on ``path`` as given (no ``/``
    added) and lists the deciding rule's capabilities, sorted; ``("deny",)``
    when that rule denies or nothing matches, ``("root",)`` for the root
    policy. Raises :class:`~pytest_pfperms.errors.Indeterminate` when a
    templated rule may match.
    """
    flavor = validate_flavor(flavor)
    order = list_order(flavor, list_rule)
    acl = compile_acl(_policies(policies_hcl, flavor), flavor)
    if acl.root:
        return ("root",)
    checked = path.lstrip("/")
    templated = _templated_matches(acl, "list", checked)
    if templated:
        raise Indeterminate(f"the capabilities on {checked} depend on templated rules: "
                            + "; ".join(_cite(policy, rule) for policy, rule in templated))
    entry = _select(acl, "list", checked, order).entry
    if entry is None or entry.deny:
        return ("deny",)
    return tuple(sorted(cap for cap in entry.capabilities if cap in capabilities_of(flavor))) or (
        "deny",)


def evaluate_vault(policies_hcl: PolicyInput | Iterable[PolicyInput], capability: str, path: str,
                   *, flavor: VaultFlavor = "vault", list_rule: ListRule | None = None) -> Decision:
    """Whether a token carrying these policies may do ``capability`` on the API ``path``.

    ``policies_hcl`` is one policy (HCL/JSON text or a :class:`VaultPolicy`) or
    a sequence of them; text without a ``name`` is called ``inline-<n>``. A
    policy named ``root`` grants everything. ``capability``: ``create``,
    ``read``, ``update``, ``patch``, ``delete``, ``list``, ``sudo``,
    ``recover``, ``subscribe`` (Vault), ``scan`` (OpenBao);
    ``revoke``/``renew``/``rollback`` (checked as update); ``help``; or
    ``"<operation>+sudo"`` for a root-protected endpoint. ``path`` is the real
    API path (``secret/data/app`` for KV v2; see :func:`kv_v2_path`); a LIST or
    SCAN is checked with a trailing ``/`` as the HTTP layer adds one.
    ``flavor``: ``"vault"`` (default) or ``"openbao"`` (OpenBao >= 2.6: its
    capabilities and policy keys, and its LIST order; see the module
    docstring). ``list_rule``: Vault's LIST order (see :data:`ListRule`).
    """
    flavor = validate_flavor(flavor)
    order = list_order(flavor, list_rule)
    policies = _policies(policies_hcl, flavor)
    ask = parse_request(capability, path, flavor)
    acl = compile_acl(policies, flavor)
    outcome = decide(acl, ask, order)
    if acl.root and len(policies) > 1:
        note = ["a token with the root policy carries only root: Vault drops its other policies"]
    else:
        note = []

    def explain(_: Decision) -> Explanation:
        return Explanation(lines=tuple(acl_lines(outcome)),
                           unknowns=tuple(template_symbols(outcome)),
                           notes=tuple(acl_notes(outcome) + note))

    subject = VaultToken(("root",) if acl.root else tuple(p.name for p in policies))
    return Decision(outcome.allowed, subject, ask.request, explain)


# --------------------------------------------------------------------------- KV version 2


_KV_V2: dict[str, tuple[str, str]] = {
    "read": ("read", "data"), "get": ("read", "data"),
    "create": ("create", "data"), "update": ("update", "data"),
    "patch": ("patch", "data"), "delete": ("delete", "data"),
    "list": ("list", "metadata"),
    "delete-versions": ("update", "delete"), "undelete": ("update", "undelete"),
    "destroy": ("update", "destroy"),
    "metadata-read": ("read", "metadata"), "metadata-get": ("read", "metadata"),
    "metadata-delete": ("delete", "metadata"),
}


def kv_v2_path(mount: str, operation: str, path: str) -> tuple[str, str]:
    """Map a KV v2 request to the ``(capability, API path)`` Vault's ACL checks.

    ``kv_v2_path("secret", "read", "app/config") == ("read", "secret/data/app/config")``.
    Operations: ``read``/``get``, ``create`` (put of a new key), ``update``
    (put of an existing key), ``patch``, ``delete``, ``list``,
    ``delete-versions``, ``undelete``, ``destroy``, ``metadata-read``/
    ``metadata-get``, ``metadata-delete``. A policy on ``secret/<path>``
    does not cover KV v2 data.
    """
    op = operation.strip().lower()
    if op == "put":
        raise InvalidArgument('kv put is a "create" on a new key and an "update" on an existing '
                              "one, and KV v2 checks them apart; ask for create or update")
    if op not in _KV_V2:
        raise InvalidArgument(f"unknown KV v2 operation {operation!r}; known: {', '.join(_KV_V2)}")
    capability, area = _KV_V2[op]
    mount = mount.strip("/")
    key = path.strip("/")
    full = f"{mount}/{area}/{key}" if key else f"{mount}/{area}"
    if capability == "list":
        full += "/"
    return capability, full


def path_inside(pattern: str) -> str:
    """A concrete path a rule's path pattern matches (``*`` and ``+`` filled in), to ask about it."""
    return pattern.replace("+", "pfperms").replace("*", "pfperms").rstrip("/") or "pfperms"
