"""EKS access entries: the Kubernetes identity and permissions EKS gives an IAM principal.

An ``aws_eks_access_entry`` maps an IAM principal (a role) to a Kubernetes user
(``user_name``; for a role, EKS names the user after the assumed-role session when it is
not set) in ``kubernetes_groups`` (plus ``system:authenticated``), whose RBAC bindings then
apply to it. An ``aws_eks_access_policy_association`` grants the principal one of EKS's
access policies, cluster-wide or in ``access_scope.namespaces``, outside RBAC: the
authorizer EKS runs before RBAC allows what the policy allows.

``AmazonEKSClusterAdminPolicy`` allows everything (as ``cluster-admin``); the admin, edit
and view policies are taken to allow what the Kubernetes ``admin``, ``edit`` and ``view``
roles allow, only maybe (EKS publishes their rules separately and they change); any other
policy may allow anything. Pods whose service account holds the role's credentials (IRSA)
can call the Kubernetes API as that user: :mod:`pytest_pfperms.escalation` follows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model.identities import AUTHENTICATED, User
from ..model.objects import CloudResource, SourceRef
from ..values import Str, Symbol, Tri, eq3

POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
KNOWN_POLICIES: dict[str, tuple[str | None, Tri]] = {
    "AmazonEKSClusterAdminPolicy": (None, True),
    "AmazonEKSAdminPolicy": ("admin", None),
    "AmazonEKSEditPolicy": ("edit", None),
    "AmazonEKSViewPolicy": ("view", None),
}
"""Access policy name -> (the Kubernetes role it is taken to allow, None for every rule; how
certain that is)."""


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What one access policy association allows: ``role`` (a ClusterRole name, None for
    every rule) in ``scope`` (``""`` cluster-wide, else a namespace)."""

    role: str | None
    scope: Str
    certain: Tri
    words: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One IAM principal's Kubernetes identity on the cluster, and its access policies.

    ``what`` names the mechanism (an EKS access entry, or the aws-auth ConfigMap of
    :mod:`.aws_auth`, whose ``principal`` is compared without role paths: ``ignores_path``)."""

    principal: Str
    user: User
    certain: Tri
    address: str
    source: SourceRef
    grants: tuple[AccessGrant, ...] = field(default=())
    what: str = "EKS access entry"
    ignores_path: bool = False


def _strings(value: object) -> tuple[list[str], bool]:
    """The literal strings of a list, and whether all of it is known."""
    if value is None:
        return [], True
    if isinstance(value, Symbol) or not isinstance(value, (list, tuple)):
        return [], False
    items = [item for item in value if isinstance(item, str)]
    return items, len(items) == len(value)


def _grants(association: CloudResource) -> list[AccessGrant]:
    values = association.values
    policy = values.get("policy_arn")
    name = policy.removeprefix(POLICY_PREFIX) if isinstance(policy, str) else None
    role, certain = KNOWN_POLICIES.get(name or "", (None, None))
    if association.condition is not None:
        certain = None if certain is not False else False
    scopes = values.get("access_scope")
    scope = scopes[0] if isinstance(scopes, list) and scopes and isinstance(scopes[0], dict) else {}
    shown = name or str(policy)
    if scope.get("type") == "namespace":
        namespaces, known = _strings(scope.get("namespaces"))
        if not known:
            return [AccessGrant(None, "", None, f"may be granted {shown} in namespaces unknown "
                                f"before apply ({association.address})", association.source)]
        return [AccessGrant(role, namespace, certain, f"is granted {shown} in {namespace} "
                            f"({association.address})", association.source) for namespace in namespaces]
    if scope.get("type") == "cluster":
        return [AccessGrant(role, "", certain, f"is granted {shown} cluster-wide ({association.address})",
                            association.source)]
    return [AccessGrant(role, "", None, f"may be granted {shown} (access scope unknown before apply, "
                        f"{association.address})", association.source)]


def access_entries(resources: Iterable[CloudResource]) -> list[AccessEntry]:
    """Every access entry of the sources, with the access policies associated to its principal
    (an association whose principal may be the entry's counts, maybe)."""
    found = list(resources)
    associations = [r for r in found if r.type == "aws_eks_access_policy_association"]
    entries: list[AccessEntry] = []
    for entry in (r for r in found if r.type == "aws_eks_access_entry"):
        values = entry.values
        principal = values.get("principal_arn")
        if not isinstance(principal, (str, Symbol)):
            continue
        groups, known = _strings(values.get("kubernetes_groups"))
        user_name = values.get("user_name")
        name = user_name if isinstance(user_name, str) and user_name else \
            f"pfperms-eks-user-of:{principal}"  # the assumed-role session's name: no binding names it
        certain: Tri = True if entry.condition is None else None
        grants: list[AccessGrant] = []
        if not known:  # groups unknown before apply: their bindings may grant anything
            grants.append(AccessGrant(None, "", None, f"may be in Kubernetes groups unknown before "
                                      f"apply ({entry.address})", entry.source))
        for association in associations:
            other = association.values.get("principal_arn")
            if not isinstance(other, (str, Symbol)):
                continue
            same = eq3(other, principal)
            if same is False:
                continue
            for grant in _grants(association):
                grants.append(grant if same is True else AccessGrant(
                    grant.role, grant.scope, None, grant.words + " (if its principal is this one)",
                    grant.source))
        entries.append(AccessEntry(principal, User(name, (*groups, AUTHENTICATED)), certain,
                                   entry.address, entry.source, tuple(grants)))
    return entries


__all__ = ["KNOWN_POLICIES", "AccessEntry", "AccessGrant", "access_entries"]
