"""EKS Pod Identity: IAM role credentials for a service account without any annotation.

An ``aws_eks_pod_identity_association`` names a namespace, a service account and a role;
the EKS Pod Identity Agent hands every pod running as that account the role's credentials
(``AWS_CONTAINER_CREDENTIALS_FULL_URI``), whatever the account's annotations say. So a pod
may hold two sets of credentials, its IRSA role's and its association's: it can use either,
and an AWS request is allowed when either allows it.

EKS assumes the role as the service principal ``pods.eks.amazonaws.com`` with
``sts:AssumeRole`` and ``sts:TagSession`` (the role's trust policy must allow both, as
the EKS user guide's trust policy does), tagging the session with the cluster, namespace,
service account and pod (``aws:PrincipalTag/kubernetes-namespace`` ... in the role's
policies; none when ``disable_session_tags`` is set). ``target_role_arn`` (cross-account
role chaining) is not modelled: such an association may allow anything, maybe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model.identities import ServiceAccount
from ..model.objects import CloudResource, SourceRef
from ..values import Str, Symbol, Tri, and3, eq3

POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
"""The service principal EKS assumes a Pod Identity role as."""

ASSUME_ACTIONS = ("sts:AssumeRole", "sts:TagSession")
"""What the role's trust policy must allow the service principal (tags off: the first only)."""


@dataclass(frozen=True, slots=True)
class PodIdentityAssociation:
    """One ``aws_eks_pod_identity_association``: the role the account's pods get."""

    namespace: Str | None
    service_account: Str | None
    role_arn: Str | None
    target_role_arn: Str | None
    cluster_name: Str | None
    session_tags: Tri
    address: str
    source: SourceRef
    condition: Symbol | None

    def matches(self, account: ServiceAccount) -> Tri:
        """Whether the association is for ``account`` (unknown namespace or name: maybe)."""
        if self.namespace is None or self.service_account is None:
            return None  # the provider requires both: known only after apply here
        return and3((eq3(self.namespace, account.namespace), eq3(self.service_account, account.name)))

    def session_tag_context(self, account: ServiceAccount) -> dict[str, object]:
        """The principal tags of the role session (the pod's name and uid: unlisted, unknown)."""
        if self.session_tags is False:
            return {}
        tags: dict[str, object] = {"aws:PrincipalTag/kubernetes-namespace": account.namespace,
                                   "aws:PrincipalTag/kubernetes-service-account": account.name}
        if isinstance(self.cluster_name, str):
            tags["aws:PrincipalTag/eks-cluster-name"] = self.cluster_name
        return tags

    def request_tag_context(self, account: ServiceAccount) -> dict[str, object]:
        """The session tags as the trust policy sees them (``aws:RequestTag/...``)."""
        return {key.replace("aws:PrincipalTag/", "aws:RequestTag/"): value
                for key, value in self.session_tag_context(account).items()}


def _string(value: object) -> Str | None:
    return value if isinstance(value, (str, Symbol)) and value != "" else None


def _flag(value: object) -> Tri:
    """``disable_session_tags`` read as whether tags are sent (unset: sent)."""
    if value is None or value is False:
        return True
    if value is True:
        return False
    return None


def pod_identity_associations(resources: Iterable[CloudResource]) -> list[PodIdentityAssociation]:
    """Every Pod Identity association among the load's resources."""
    found: list[PodIdentityAssociation] = []
    for resource in resources:
        if resource.type != "aws_eks_pod_identity_association":
            continue
        values = resource.values
        found.append(PodIdentityAssociation(
            namespace=_string(values.get("namespace")),
            service_account=_string(values.get("service_account")),
            role_arn=_string(values.get("role_arn")),
            target_role_arn=_string(values.get("target_role_arn")),
            cluster_name=_string(values.get("cluster_name")),
            session_tags=_flag(values.get("disable_session_tags")),
            address=resource.address, source=resource.source, condition=resource.condition))
    return found


__all__ = ["ASSUME_ACTIONS", "POD_IDENTITY_SERVICE", "PodIdentityAssociation", "pod_identity_associations"]
