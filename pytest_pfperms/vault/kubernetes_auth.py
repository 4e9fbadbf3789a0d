"""Vault: the Kubernetes auth method.

:func:`vault_decision` answers for a service account logging in through
Kubernetes auth (``vault-plugin-auth-kubernetes``): which roles it may log in
with, the policies each role's token carries, and the union over those roles,
each checked by the ACL of :mod:`.vault`, in three-valued logic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

from ..errors import LoadError
from ..linear_match import LinearPattern, compile_linear
from ..model.decision import Decision, Explanation
from ..values import (
    Str,
    StrList,
    Symbol,
    Tri,
    and3,
    eq3,
    or3,
    show,
    symbols_in,
)
from .acl import (
    Ask,
    ListRule,
    Order,
    Outcome,
    acl_lines,
    acl_notes,
    compile_acl,
    decide,
    list_order,
    parse_request,
    template_symbols,
)
from .policy_parsing import (
    VaultFlavor,
    VaultPolicy,
    check_flavor,
    parse_vault_policy,
    validate_flavor,
)

__all__ = [
    "VaultKubernetesRole",
    "VaultLogin",
    "policies_for_role",
    "roles_for_service_account",
    "vault_decision",
]

_NOT_ASSIGNABLE: dict[VaultFlavor, tuple[str, ...]] = {
    "vault": ("root", "response-wrapping", "control-group"),
    "openbao": ("root", "response-wrapping"),  # OpenBao has no control groups
}
_DEFAULT_POLICY_AREAS = ("auth/token/", "sys/", "cubbyhole", "identity/")


# --------------------------------------------------------------------------- the login


@dataclass(frozen=True, slots=True)
class VaultLogin:
    """A Kubernetes service account logging in to Vault through the Kubernetes auth method."""

    namespace: Str
    name: Str

    def __str__(self) -> str:
        return f"ServiceAccount {_plain(self.namespace)}/{_plain(self.name)} via Vault Kubernetes auth"


def _plain(value: Str) -> str:
    return str(value)


# --------------------------------------------------------------------------- Kubernetes auth roles


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class _Selector:
    match_labels: tuple[tuple[str, str], ...]
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(key) != value for key, value in self.match_labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
        return True


def _parse_selector(text: str) -> _Selector:
    """A Kubernetes LabelSelector written as YAML or JSON, as the role stores it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not YAML or JSON: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict) or set(data) - {"matchLabels", "matchExpressions"}:
        raise ValueError("must be a label selector with matchLabels and/or matchExpressions")
    labels = data.get("matchLabels") or {}
    if not isinstance(labels, dict):
        raise ValueError("matchLabels must map label names to values")
    expressions: list[tuple[str, str, tuple[str, ...]]] = []
    for expression in data.get("matchExpressions") or []:
        if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
            raise ValueError("each of matchExpressions needs a key, an operator and values")
        operator, values = expression.get("operator"), expression.get("values") or []
        if operator not in _SELECTOR_OPERATORS:
            raise ValueError(f"unknown operator {operator!r} (In, NotIn, Exists, DoesNotExist)")
        if not isinstance(values, list):
            raise ValueError(f"values of {expression['key']!r} must be a list")
        if operator in ("In", "NotIn") and not values:
            raise ValueError(f"operator {operator} needs values")
        if operator in ("Exists", "DoesNotExist") and values:
            raise ValueError(f"operator {operator} takes no values")
        expressions.append((expression["key"], operator, tuple(str(v) for v in values)))
    return _Selector(tuple((str(k), str(v)) for k, v in labels.items()), tuple(expressions))


@dataclass(frozen=True, slots=True)
class VaultKubernetesRole:
    """A role of Vault's Kubernetes auth method (``auth/<backend>/role/<name>``).

    Names and namespaces may use ``*`` anywhere (case-sensitive globs), may be
    symbolic (:class:`~pytest_pfperms.values.Symbol`), or the whole list may be
    one symbol. ``bound_service_account_namespace_selector`` is a label selector
    (YAML or JSON) ORed with the namespaces. Invalid roles (Vault would refuse
    to write them) raise :class:`~pytest_pfperms.errors.LoadError`.
    """

    name: str
    bound_service_account_names: StrList
    bound_service_account_namespaces: StrList = ()
    token_policies: tuple[str, ...] = ()
    token_no_default_policy: bool = False
    source: str = ""
    audience: str | None = None
    bound_service_account_namespace_selector: str = ""
    backend: str = "kubernetes"
    _selector: _Selector | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr in ("bound_service_account_names", "bound_service_account_namespaces",
                     "token_policies"):
            value = getattr(self, attr)
            if not isinstance(value, (tuple, Symbol)):
                object.__setattr__(self, attr, tuple(value))
        problems: list[str] = []
        names, namespaces = self.bound_service_account_names, self.bound_service_account_namespaces
        if isinstance(names, tuple) and not names:
            problems.append('"bound_service_account_names" can not be empty')
        for attr, values in (("names", names), ("namespaces", namespaces)):
            if isinstance(values, tuple) and len(values) > 1 and "*" in values:
                problems.append(f'bound_service_account_{attr}: can not mix "*" with values')
        selector = self.bound_service_account_namespace_selector
        if isinstance(namespaces, tuple) and not namespaces and not selector:
            problems.append('"bound_service_account_namespaces" can not be empty when no '
                            "bound_service_account_namespace_selector is set")
        if selector:
            try:
                object.__setattr__(self, "_selector", _parse_selector(selector))
            except ValueError as error:
                problems.append(f"bound_service_account_namespace_selector: {error}")
        if problems:
            found = re.fullmatch(r"(.*):([0-9]+)(?: \(.*\))?", self.source)  # "file:line (address)"
            at = int(found.group(2)) if found else None
            where = found.group(1) if found else self.source or "vault kubernetes auth role"
            raise LoadError.single(where, at, f"role {self.label}: " + "; ".join(problems))

    @property
    def label(self) -> str:
        """``kubernetes/<name>``: the auth mount and the role name."""
        return f"{self.backend}/{self.name}"

    def __str__(self) -> str:
        return f"role {self.label}" + (f" ({self.source})" if self.source else "")


@functools.lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> LinearPattern:
    return compile_linear(".*".join(re.escape(part) for part in pattern.split("*")))


def glob3(pattern: Str, value: Str) -> Tri:
    """go-glob matching (``*`` anywhere, case-sensitive), three-valued for symbols."""
    if isinstance(pattern, str) and pattern == "*":
        return True
    if isinstance(pattern, str) and isinstance(value, str):
        return _glob_regex(pattern).fullmatch(value)
    if isinstance(pattern, str) and "*" in pattern:
        return None
    return eq3(pattern, value)


@dataclass(frozen=True, slots=True)
class _RoleMatch:
    role: VaultKubernetesRole
    matched: Tri
    reason: str  # why not, or why unknown; "" when it matches
    unknowns: tuple[Symbol, ...]


def _match_role(role: VaultKubernetesRole, namespace: Str, name: Str,
                labels: Mapping[str, str] | None) -> _RoleMatch:
    names, namespaces = role.bound_service_account_names, role.bound_service_account_namespaces
    reasons: list[str] = []
    if isinstance(names, Symbol):
        name_ok: Tri = None
    elif len(names) == 1 and names[0] == "*":
        name_ok = True
    else:
        name_ok = or3(glob3(pattern, name) for pattern in names)
    if name_ok is False:
        reasons.append(f"service account name not authorized: {show(name)} matches none of "
                       f"bound_service_account_names {show(names)}")
    elif name_ok is None:
        reasons.append(f"whether {show(name)} matches bound_service_account_names {show(names)} "
                       "is unknown")
    if isinstance(namespaces, Symbol):
        ns_ok: Tri = None
    elif namespaces and namespaces[0] == "*":
        ns_ok = True
    else:
        ns_ok = or3(glob3(pattern, namespace) for pattern in namespaces)
    selector_text = ""
    if ns_ok is not True and role._selector is not None:
        selector = role.bound_service_account_namespace_selector.strip()
        selector_text = f" or bound_service_account_namespace_selector {selector}"
        if labels is None or isinstance(namespace, Symbol):
            ns_ok = or3([ns_ok, None])
        else:
            ns_ok = or3([ns_ok, role._selector.matches(labels)])
    if ns_ok is False:
        reasons.append(f"namespace not authorized: {show(namespace)} matches none of "
                       f"bound_service_account_namespaces {show(namespaces)}{selector_text}")
    elif ns_ok is None:
        what = "the namespace's labels are not known" if (
            role._selector is not None and (labels is None and not isinstance(namespace, Symbol))
        ) else "it depends on an unknown value"
        reasons.append(f"whether namespace {show(namespace)} is authorized "
                       f"(bound_service_account_namespaces {show(namespaces)}{selector_text}) "
                       f"is unknown: {what}")
    matched = and3([name_ok, ns_ok])
    if matched is False:
        reasons = [reason for reason in reasons if "not authorized" in reason]
    unknowns: tuple[Symbol, ...] = ()
    if matched is None:
        unknowns = tuple(symbols_in((namespace, name, names, namespaces)))
        if selector_text and labels is None and isinstance(namespace, str):
            unknowns += (Symbol(
                key=f"labels of namespace {namespace}",
                source=role.source,
                reason=f"{role} admits namespaces by bound_service_account_namespace_selector",
                hint="pass namespace_labels= with the namespace's labels"),)
    return _RoleMatch(role, matched, "; ".join(reasons), unknowns)


def roles_for_service_account(roles: Iterable[VaultKubernetesRole], namespace: Str, name: Str,
                              *, namespace_labels: Mapping[str, str] | None = None,
                              ) -> list[tuple[VaultKubernetesRole, Tri]]:
    """The roles ServiceAccount ``namespace/name`` may log in with: True, or None when unknown.

    Matching is Vault's: a names list of exactly ``["*"]`` admits every name,
    otherwise some entry must glob-match; a namespaces list starting with
    ``"*"`` admits every namespace, otherwise some entry must glob-match or the
    namespace selector must match ``namespace_labels`` (unknown when the labels
    are not given). Roles that cannot match are left out.
    """
    result: list[tuple[VaultKubernetesRole, Tri]] = []
    for role in roles:
        match = _match_role(role, namespace, name, namespace_labels)
        if match.matched is not False:
            result.append((role, match.matched))
    return result


def policies_for_role(role: VaultKubernetesRole) -> tuple[str, ...]:
    """The policies of a token from ``role``: ``token_policies`` plus ``default``.

    Names are trimmed and lowercased as Vault stores them, duplicates dropped;
    ``default`` is added unless ``token_no_default_policy``; ``root`` keeps
    only ``root`` (and such a login fails, see :func:`vault_decision`).
    """
    names = list(dict.fromkeys(n.strip().lower() for n in role.token_policies if n.strip()))
    if "root" in names:
        return ("root",)
    if not role.token_no_default_policy and "default" not in names:
        names.append("default")
    return tuple(names)


def _in_default_area(path: str) -> bool:
    return path.startswith(_DEFAULT_POLICY_AREAS)


_DEFAULT_SYMBOL = Symbol(
    key="vault policy default",
    reason="not defined in the sources; Vault's built-in default policy (version-dependent, "
           "and editable by operators) has rules under auth/token/, sys/, cubbyhole and "
           "identity/, which can decide this path",
    hint='add the default policy (vault read sys/policy/default) as vault_policy "default"',
)


@dataclass(frozen=True, slots=True)
class _RoleOutcome:
    match: _RoleMatch
    policies: tuple[str, ...]
    allowed: Tri
    outcome: Outcome | None  # None when the login itself fails
    missing: tuple[str, ...]
    default_unknown: bool
    failure: str


def _evaluate_role(match: _RoleMatch, lookup: Mapping[str, VaultPolicy], ask: Ask,
                   order: Order, flavor: VaultFlavor) -> _RoleOutcome:
    names = policies_for_role(match.role)
    forbidden = [n for n in names if n in _NOT_ASSIGNABLE[flavor]]
    if forbidden:
        why = ("auth methods cannot create root tokens" if forbidden[0] == "root"
               else f'cannot assign policy "{forbidden[0]}"')
        return _RoleOutcome(match, names, False, None, (), False, f"login fails: {why}")
    defined = tuple(lookup[n] for n in names if n in lookup)
    missing = tuple(n for n in names if n not in lookup)
    outcome = decide(compile_acl(defined, flavor), ask, order)
    default_unknown = "default" in missing and _in_default_area(ask.request.path)
    allowed = None if default_unknown else outcome.allowed
    return _RoleOutcome(match, names, and3([match.matched, allowed]), outcome, missing,
                        default_unknown, "")


def vault_decision(roles: Iterable[VaultKubernetesRole],
                   policies_by_name: Mapping[str, VaultPolicy | str],
                   namespace: Str, name: Str, capability: str, path: str,
                   *, namespace_labels: Mapping[str, str] | None = None,
                   flavor: VaultFlavor = "vault", list_rule: ListRule | None = None) -> Decision:
    """Whether ServiceAccount ``namespace/name``, logging in through Kubernetes auth, may do this.

    The answer is the union over every role the service account may log in
    with: allowed when a role that certainly admits it grants the request,
    unknown when only a role whose binding (or a template, or an undefined
    ``default`` policy) is unknown does, denied otherwise. A policy a role
    names but the sources do not define grants nothing, and the explanation
    says so. ``policies_by_name`` maps names to :class:`VaultPolicy` or to
    policy text. ``flavor``: the server, ``"vault"`` or ``"openbao"`` (see
    :func:`~.vault.evaluate_vault`).
    """
    flavor = validate_flavor(flavor)
    order = list_order(flavor, list_rule)
    ask = parse_request(capability, path, flavor)
    lookup: dict[str, VaultPolicy] = {}
    for key, value in policies_by_name.items():
        normal = key.strip().lower()
        lookup[normal] = check_flavor(value, flavor) if isinstance(value, VaultPolicy) else (
            parse_vault_policy(value, normal, flavor=flavor))
    matches = [_match_role(role, namespace, name, namespace_labels) for role in roles]
    results = [_evaluate_role(match, lookup, ask, order, flavor)
               for match in matches if match.matched is not False]
    allowed = or3(result.allowed for result in results)
    subject = VaultLogin(namespace, name)

    def explain(_: Decision) -> Explanation:
        return _explain_roles(allowed, matches, results, subject)

    return Decision(allowed, subject, ask.request, explain)


def _explain_roles(allowed: Tri, matches: list[_RoleMatch], results: list[_RoleOutcome],
                   subject: VaultLogin) -> Explanation:
    lines: list[str] = []
    unknowns: list[Symbol] = []
    notes: list[str] = []
    who = f"{_plain(subject.namespace)}/{_plain(subject.name)}"
    shown = [r for r in results if r.allowed is True] if allowed else results
    for result in sorted(shown, key=lambda r: {True: 0, None: 1, False: 2}[r.allowed]):
        role = result.match.role
        admits = "admits" if result.match.matched else "may admit"
        head = f"{role} {admits} {who}"
        if result.match.matched is None:
            head += f" ({result.match.reason})"
            unknowns += result.match.unknowns
        lines.append(f"{head}; token policies [{', '.join(result.policies)}]")
        if result.outcome is None:
            lines.append(f"  {result.failure}")
            continue
        lines += [f"  {line}" for line in acl_lines(result.outcome)]
        unknowns += template_symbols(result.outcome)
        notes += acl_notes(result.outcome)
        if result.default_unknown:
            lines.append("  the built-in default policy is not in the sources and may decide "
                         "this path")
            unknowns.append(_DEFAULT_SYMBOL)
        for missing in result.missing:
            if missing != "default":
                notes.append(f'policy "{missing}" (named by {role}) is not defined in the '
                             "sources; it grants nothing here")
            elif not result.default_unknown:
                notes.append('policy "default" is not defined in the sources; Vault\'s built-in '
                             "default policy has no rule in this path area, so it grants "
                             "nothing here")
        if role.audience:
            notes.append(f"{role} requires a service-account token with audience "
                         f'"{role.audience}"')
    if allowed is not True:
        for match in matches:
            if match.matched is False:
                lines.append(f"{match.role} does not admit {who}: {match.reason}")
    if not matches:
        lines.append("no Vault Kubernetes auth roles are defined")
    elif not results:
        lines.insert(0, f"no Vault Kubernetes auth role admits {who}")
    unique: dict[str, Symbol] = {symbol.key: symbol for symbol in unknowns}
    return Explanation(tuple(lines), tuple(unique.values()), tuple(dict.fromkeys(notes)))
