"""Whether one IAM statement applies to one request: Action, Resource, Principal, Condition.

Each check answers True, False or None (unknown, because a symbol decides it);
a statement applies when all of them do (Kleene AND). The reasons behind a
False or None are left to :mod:`.iam_explain`, so deciding stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InvalidArgument
from ..values import (
    Str,
    Symbol,
    Tri,
    eq3,
    or3,
    show,
)
from .conditions import evaluate_conditions
from .context import RequestContext
from .patterns import (
    Unresolved,
    action_match,
    arn_match,
    resolve,
)
from .policy_reading import PRINCIPAL_TYPES, PrincipalEntry, Statement

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):root")
_ASSUMED_ROLE = re.compile(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+")


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal making a request to a resource-based (trust) policy.

    ``type`` is ``AWS`` (an account ID, ``arn:aws:iam::ACCT:root``, a role, user or
    ``assumed-role`` session ARN), ``Federated`` (an OIDC/SAML provider ARN or a web
    identity provider such as ``accounts.google.com``), ``Service``
    (``ec2.amazonaws.com``) or ``CanonicalUser``.
    """

    type: str
    value: Str

    @classmethod
    def from_argument(cls, principal: Mapping[str, Str]) -> Caller:
        """Read the ``principal=`` argument: a one-item dict such as ``{"Federated": arn}``."""
        if not isinstance(principal, Mapping) or len(principal) != 1:
            raise InvalidArgument(
                'principal must be a dict with one item, e.g. {"AWS": "arn:aws:iam::123456789012:'
                'role/x"}, {"Federated": "<oidc provider ARN>"} or {"Service": '
                f'"ec2.amazonaws.com"}}; got {principal!r}')
        ((kind, value),) = principal.items()
        if kind not in PRINCIPAL_TYPES:
            raise InvalidArgument(
                f"principal type {kind!r} is not one of {', '.join(PRINCIPAL_TYPES)}")
        if not isinstance(value, (str, Symbol)) or value == "":
            raise InvalidArgument(f"principal {kind} must be a non-empty string, not {value!r}")
        return cls(kind, value)

    def __str__(self) -> str:
        return f"{self.type} principal {self.value}"


@dataclass(frozen=True, slots=True)
class IamRequest:
    """An IAM request: an action on a resource ARN, with condition keys and maybe a caller."""

    action: str
    resource: Str
    context: RequestContext = field(default_factory=RequestContext)
    caller: Caller | None = None

    def describe(self) -> str:
        """``s3:GetObject on arn:aws:s3:::bucket/key``."""
        return f"{self.action} on {self.resource}"

    @property
    def resource_policy(self) -> bool:
        """Whether the statements are from a resource-based policy (a caller is named)."""
        return self.caller is not None


def not3(value: Tri) -> Tri:
    """Kleene NOT."""
    return None if value is None else not value


def action_applies(statement: Statement, request: IamRequest) -> Tri:
    """Action: some pattern covers the action; NotAction: none does."""
    covered = or3(action_match(pattern, request.action) for pattern in statement.actions)
    return not3(covered) if statement.not_action else covered


def resource_results(statement: Statement, request: IamRequest) -> list[Tri | Unresolved]:
    """Each Resource/NotResource entry against the request's resource."""
    assert statement.resources is not None
    results: list[Tri | Unresolved] = []
    for template in statement.resources:
        pattern = resolve(template, request.context)
        if isinstance(pattern, Unresolved):
            results.append(pattern)
        else:
            results.append(arn_match(pattern, request.resource,
                                     pad_short=not request.resource_policy, segment_case=True))
    return results


def resource_applies(statement: Statement, request: IamRequest) -> Tri:
    """Resource: some entry matches; NotResource: none does.

    An entry whose policy variable has no value matches nothing, in either element:
    AWS, "Policy variables with no value": "If a variable that has no value in the
    authorization context is used as part of the Resource or NotResource element of a
    policy, the resource that includes a policy variable with no value will not match
    any resource." So in a NotResource element such an entry excludes nothing and the
    other entries still decide.
    """
    if statement.resources is None:  # resource-based policy without Resource: the resource itself
        return True
    matched = or3(result for result in resource_results(statement, request)
                  if not isinstance(result, Unresolved))
    return not3(matched) if statement.not_resource else matched


def principal_entry_matches(entry: PrincipalEntry, caller: Caller) -> Tri:
    """Whether one named principal is the caller (``"*"`` and ``{"AWS": "*"}`` are everyone)."""
    if entry.type == "*" or (entry.type == "AWS" and entry.value == "*"):
        return True
    if entry.type != caller.type:
        return False
    if entry.type != "AWS":
        return eq3(entry.value, caller.value)
    if isinstance(entry.value, Symbol) or isinstance(caller.value, Symbol):
        # A symbol may also be an account ID or the role of a session: only a
        # same-symbol match or two provably different objects are definite.
        same = eq3(entry.value, caller.value)
        if same is False and isinstance(entry.value, Symbol) and isinstance(caller.value, Symbol):
            return False
        return True if same else None
    if entry.value == caller.value:
        return True
    account = _account_principal(entry.value)
    if account is not None:
        return account == caller_account(caller.value)
    session = _ASSUMED_ROLE.fullmatch(caller.value)
    if session is not None:
        partition, account_id, role = session.groups()
        return entry.value == f"arn:{partition}:iam::{account_id}:role/{role}"
    return False


def _account_principal(value: str) -> str | None:
    if _ACCOUNT_ID.fullmatch(value):
        return value
    root = _ROOT_ARN.fullmatch(value)
    return root.group(1) if root else None


def caller_account(value: str) -> str | None:
    """The account of an AWS principal (account ID or ARN)."""
    if _ACCOUNT_ID.fullmatch(value):
        return value
    parts = value.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else None


def is_account_entry(entry: PrincipalEntry) -> bool:
    """Whether the entry names a whole account (which delegates to its identity policies)."""
    return (entry.type == "AWS" and isinstance(entry.value, str)
            and _account_principal(entry.value) is not None)


def principal_applies(statement: Statement, request: IamRequest) -> Tri:
    """Principal: some entry is the caller; NotPrincipal: none is. Identity policies: True."""
    if request.caller is None or statement.principals is None:
        return True
    if isinstance(statement.principals, Symbol):
        return None
    named = or3(principal_entry_matches(entry, request.caller) for entry in statement.principals)
    return not3(named) if statement.not_principal else named


def condition_applies(statement: Statement, request: IamRequest) -> Tri:
    """Condition: every clause holds."""
    return evaluate_conditions(statement.conditions, request.context)


CHECKS = (
    ("action", action_applies),
    ("resource", resource_applies),
    ("principal", principal_applies),
    ("condition", condition_applies),
)
"""The elements of a statement, in the order they are checked."""


def statement_applies(statement: Statement, request: IamRequest) -> Tri:
    """Whether every element of the statement matches the request."""
    if statement.placeholder is not None:
        return None
    result: Tri = True
    for _, check in CHECKS:
        value = check(statement, request)
        if value is False:
            return False
        if value is None:
            result = None
    return result


def is_deny(statement: Statement) -> Tri:
    """Whether the statement's effect is Deny (unknown for a symbolic effect or statement)."""
    if statement.placeholder is not None or isinstance(statement.effect, Symbol):
        return None
    return statement.effect == "Deny"


def effect_text(statement: Statement) -> str:
    """``Allow``, ``Deny`` or the symbol."""
    if statement.placeholder is not None:
        return "unknown effect"
    return str(statement.effect) if isinstance(statement.effect, Symbol) else statement.effect


def items_text(items: tuple[Str, ...]) -> str:
    """A list of policy strings for messages."""
    return "[" + ", ".join(show(item) for item in items) + "]"
