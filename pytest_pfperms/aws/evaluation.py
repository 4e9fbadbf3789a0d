"""AWS IAM policy evaluation: identity policies, permissions boundaries, trust policies.

:func:`evaluate_iam` answers "may this principal do this action on this
resource?" as AWS does (reference ``iam-vault.md`` §1): an explicit Deny in any
policy (the boundary included) wins; otherwise the request is allowed when an
identity statement allows it and, with a permissions boundary, a boundary
statement allows it too; otherwise it is implicitly denied. With ``principal=``
the documents are resource-based (trust) policies and a statement must also
name the caller in ``Principal``/``NotPrincipal``.

Values from Terraform may be :class:`~pytest_pfperms.values.Symbol`\\ s. A
statement whose match depends on one may or may not apply; answers combine with
Kleene logic: a definite Deny denies, a definite Allow with no possible Deny
allows, anything else is unknown (``allowed is None``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidArgument, LoadError, Problem
from ..model.decision import Decision, Explanation
from ..values import (
    Str,
    Symbol,
    Tri,
    and3,
    or3,
)
from .context import ContextInput, RequestContext
from .explanation import explain_iam
from .policy_reading import ParsedPolicy, PolicyKind, parse_policy
from .statement_matching import (
    Caller,
    IamRequest,
    is_deny,
    not3,
    statement_applies,
)

__all__ = ["Caller", "IamRequest", "PolicyDocument", "PolicyInput", "evaluate_iam"]


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A policy document with the name and place it comes from, for messages.

    ``document`` is a decoded JSON object (lists may be tuples; strings may be
    Symbols), JSON text, or a Symbol for a document unknown before apply.
    ``name`` is e.g. ``aws_iam_role_policy.reader`` or ``inline policy 1``;
    ``source`` is ``file:line`` such as ``iam.tf:12``, or ``""``.
    """

    document: Mapping[str, object] | str | Symbol
    name: str = ""
    source: str = ""


PolicyInput = Mapping[str, object] | str | PolicyDocument | Symbol
"""One policy as :func:`evaluate_iam` takes it."""


def _documents(value: PolicyInput | Sequence[PolicyInput], label: str,
               argument: str) -> list[PolicyDocument]:
    if isinstance(value, (Mapping, str, PolicyDocument, Symbol)):
        items: list[PolicyInput] = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise InvalidArgument(f"{argument} must be a policy document (dict, JSON text or "
                              f"PolicyDocument) or a list of them, not {type(value).__name__}")
    documents = []
    for number, item in enumerate(items, start=1):
        default_name = label if len(items) == 1 and label != "policy" else f"{label} {number}"
        if isinstance(item, PolicyDocument):
            documents.append(item if item.name else
                             PolicyDocument(item.document, default_name, item.source))
        elif isinstance(item, (Mapping, str, Symbol)):
            documents.append(PolicyDocument(item, default_name))
        else:
            raise InvalidArgument(f"{argument}[{number - 1}] must be a policy document, "
                                  f"not {type(item).__name__}")
    return documents


def _parse_all(documents: list[PolicyDocument], kind: PolicyKind) -> list[ParsedPolicy]:
    parsed: list[ParsedPolicy] = []
    problems: list[Problem] = []
    for document in documents:
        try:
            parsed.append(parse_policy(document.document, name=document.name,
                                       source=document.source, kind=kind))
        except LoadError as error:
            problems += error.problems
    if problems:
        raise LoadError(problems)
    return parsed


def _request(action: str, resource: Str, context: ContextInput | None,
             principal: Mapping[str, Str] | None, unlisted_keys: str = "absent") -> IamRequest:
    if not isinstance(action, str) or ":" not in action.strip(":"):
        raise InvalidArgument(f'action must look like "service:ActionName", not {action!r}')
    if not isinstance(resource, (str, Symbol)) or resource == "":
        raise InvalidArgument(f'resource must be an ARN or "*", not {resource!r}')
    caller = Caller.from_argument(principal) if principal is not None else None
    return IamRequest(action, resource, RequestContext(context, unlisted_keys), caller)


def _scan(policies: Sequence[ParsedPolicy], request: IamRequest, deny: Tri) -> tuple[Tri, Tri]:
    """``(deny, allow)`` over the statements of ``policies``: whether a Deny statement
    applies (``deny`` passed in is the answer so far) and whether an Allow statement does.

    Stops at the first certain Deny, with ``deny`` True.
    """
    allow: Tri = False
    for policy in policies:
        for statement in policy.statements:
            applies = statement_applies(statement, request)
            if applies is False:
                continue
            denies = is_deny(statement)
            deny = or3((deny, and3((denies, applies))))
            if deny is True:
                return deny, allow
            allow = or3((allow, and3((not3(denies), applies))))
    return deny, allow


def decide(identity: Sequence[ParsedPolicy], boundary: Sequence[ParsedPolicy] | None,
           request: IamRequest) -> Tri:
    """The decision alone: deny wins, then identity allow AND boundary allow, else deny."""
    deny, allow = _scan(identity, request, False)
    if deny is True:
        return False
    bounded: Tri = True
    if boundary is not None:
        deny, bounded = _scan(boundary, request, deny)
        if deny is True:
            return False
    return and3((not3(deny), allow, bounded))


NO_PERMISSION_NEEDED = "sts:GetCallerIdentity"
"""The one call IAM never authorizes: any identity may make it (policies are still checked for
errors)."""


def evaluate_iam(
    policies: PolicyInput | Sequence[PolicyInput],
    action: str,
    resource: Str,
    *,
    context: ContextInput | None = None,
    permissions_boundary: PolicyInput | Sequence[PolicyInput] | None = None,
    principal: Mapping[str, Str] | None = None,
    unlisted_keys: str = "absent",
) -> Decision:
    """Whether ``action`` on ``resource`` is allowed by ``policies``, as AWS IAM decides it.

    ``policies``: one policy or a list, each a dict, JSON text, a
    :class:`PolicyDocument` or a Symbol. ``action``: ``service:ActionName``
    (case-insensitive). ``resource``: the ARN the action touches, or ``"*"`` for
    actions that support no resource type. ``context``: condition keys to a
    string or a list of strings (a list is a multivalued key); keys not given are
    absent from the request (``unlisted_keys="absent"``), or may be there with any value
    (``unlisted_keys="unknown"``, for a real call whose details nobody gave; ``[]`` then
    marks a key known to be absent), except the global keys every request carries, which
    are never absent (:data:`~pytest_pfperms.aws.context.ALWAYS_PRESENT`).
    ``permissions_boundary``: the boundary's
    document(s); the result is then identity ∩ boundary. ``principal``: evaluate
    ``policies`` as resource-based (trust) policies for this caller, a one-item
    dict ``{"AWS": arn-or-account}``, ``{"Federated": provider}``,
    ``{"Service": "svc.amazonaws.com"}`` or ``{"CanonicalUser": id}``; for IRSA
    use ``{"Federated": "arn:aws:iam::ACCT:oidc-provider/oidc.eks..."}`` with
    ``action="sts:AssumeRoleWithWebIdentity"`` and the ``<issuer>:sub`` and
    ``<issuer>:aud`` keys in ``context``.

    Raises :class:`~pytest_pfperms.errors.LoadError` for documents AWS would
    refuse, :class:`~pytest_pfperms.errors.InvalidArgument` for bad arguments.
    """
    request = _request(action, resource, context, principal, unlisted_keys)
    if request.caller is not None and permissions_boundary is not None:
        raise InvalidArgument("permissions_boundary applies to identity policies; it cannot be "
                              "combined with principal= (resource-based policy evaluation)")
    kind = PolicyKind.RESOURCE if request.caller is not None else PolicyKind.IDENTITY
    label = "resource policy" if request.caller is not None else "policy"
    identity = _parse_all(_documents(policies, label, "policies"), kind)
    boundary = None
    if permissions_boundary is not None:
        boundary = _parse_all(
            _documents(permissions_boundary, "permissions boundary", "permissions_boundary"),
            PolicyKind.BOUNDARY)
    subject: object = request.caller if request.caller is not None else "IAM principal"
    if request.caller is None and action.strip().lower() == NO_PERMISSION_NEEDED.lower():
        # "No permissions are required to perform this operation ... you can still perform
        # it" when a policy explicitly denies it (AWS STS API reference, GetCallerIdentity)
        return Decision(True, subject, request, lambda _decision: Explanation((
            f"{NO_PERMISSION_NEEDED} needs no permission: AWS answers it for every identity, even "
            "one whose policies deny it",)))
    allowed = decide(identity, boundary, request)

    def explainer(decision: Decision) -> Explanation:
        return explain_iam(identity, boundary, request, decision.allowed)

    return Decision(allowed, subject, request, explainer)
