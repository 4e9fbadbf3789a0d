"""The model's objects: frozen records of what the sources define, each with provenance.

These are data only. The engines read them; the loaders make them. Every object
and every rule carries a :class:`SourceRef` naming the file and line it came
from, so every answer can point at the line to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..values import (
    Str,
    StrList,
    Symbol,
    show,
)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where something was defined: file and line, plus the helm template or Terraform address."""

    path: str
    line: int
    helm_source: str | None = None
    address: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}" if self.line else self.path
        if self.helm_source:
            text += f" (helm: {self.helm_source})"
        if self.address:
            text += f" ({self.address})"
        return text


BUILTIN_SOURCE = SourceRef("<kubernetes bootstrap policy>", 0)
"""Provenance of the objects every cluster has (``cluster_defaults=True``)."""


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One RBAC rule. ``index`` is its position in the role's ``rules`` list."""

    verbs: StrList
    api_groups: StrList
    resources: StrList
    resource_names: StrList
    non_resource_urls: StrList
    index: int
    source: SourceRef

    def content(self) -> tuple[StrList, ...]:
        """The rule's meaning without provenance (what aggregation compares)."""
        return (self.verbs, self.api_groups, self.resources, self.resource_names,
                self.non_resource_urls)

    def describe(self) -> str:
        """Like ``apiGroups [""] resources ["pods"] verbs ["get", "list"]``."""
        parts = []
        if self.non_resource_urls and not self.resources:
            parts.append(f"nonResourceURLs {show(self.non_resource_urls)}")
        else:
            parts.append(f"apiGroups {show(self.api_groups)}")
            parts.append(f"resources {show(self.resources)}")
            if self.resource_names:
                parts.append(f"resourceNames {show(self.resource_names)}")
            if self.non_resource_urls:
                parts.append(f"nonResourceURLs {show(self.non_resource_urls)}")
        parts.append(f"verbs {show(self.verbs)}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class SelectorRequirement:
    """A ``matchExpressions`` entry: ``key`` ``operator`` (In, NotIn, Exists, DoesNotExist) ``values``."""

    key: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A label selector: matchLabels and matchExpressions, ANDed."""

    match_labels: tuple[tuple[str, Str], ...] = ()
    match_expressions: tuple[SelectorRequirement, ...] = ()


@dataclass(frozen=True, slots=True)
class Subject:
    """A binding subject: kind User, Group or ServiceAccount (anything else matches nobody)."""

    kind: str
    name: Str
    namespace: Str | None = None
    api_group: str | None = None

    def __str__(self) -> str:
        if self.kind == "ServiceAccount":
            namespace = "<binding namespace>" if self.namespace is None else self.namespace
            return f"ServiceAccount {namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A binding's reference to a Role or ClusterRole."""

    kind: str
    name: Str
    api_group: str = "rbac.authorization.k8s.io"


@dataclass(frozen=True, slots=True)
class KubeObject:
    """Any Kubernetes object: identity, metadata and where it came from.

    ``namespace`` is None for cluster-scoped kinds. Kinds the model does not
    interpret are kept as plain KubeObjects with their ``body``.
    """

    kind: str
    api_version: str
    name: Str
    namespace: Str | None
    source: SourceRef
    labels: Mapping[str, Str] = field(default_factory=dict, compare=False)
    annotations: Mapping[str, Str] = field(default_factory=dict, compare=False)
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    condition: Symbol | None = field(default=None, compare=False)
    """Set when whether the object exists at all is unknown (``count`` on an unset variable)."""

    def __repr__(self) -> str:
        return f"<{self.ref()} at {self.source}>"

    def ref(self) -> str:
        """``Kind namespace/name`` or ``Kind name``, for messages."""
        if self.namespace is None:
            return f"{self.kind} {self.name}"
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True, repr=False)
class Role(KubeObject):
    """A namespaced Role."""

    rules: tuple[PolicyRule, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class ClusterRole(KubeObject):
    """A ClusterRole; ``aggregation`` holds its aggregationRule's selectors, if it has one."""

    rules: tuple[PolicyRule, ...] = ()
    aggregation: tuple[LabelSelector, ...] | None = None


@dataclass(frozen=True, slots=True, repr=False)
class RoleBinding(KubeObject):
    """A RoleBinding: grants its role's rules to its subjects inside its namespace."""

    subjects: tuple[Subject, ...] = ()
    role_ref: RoleRef = RoleRef("Role", "")


@dataclass(frozen=True, slots=True, repr=False)
class ClusterRoleBinding(KubeObject):
    """A ClusterRoleBinding: grants its ClusterRole's rules everywhere."""

    subjects: tuple[Subject, ...] = ()
    role_ref: RoleRef = RoleRef("ClusterRole", "")


@dataclass(frozen=True, slots=True, repr=False)
class ServiceAccountObject(KubeObject):
    """A ServiceAccount object; ``automount_token`` is its automountServiceAccountToken."""

    automount_token: bool | None = None


@dataclass(frozen=True, slots=True, repr=False)
class WorkloadObject(KubeObject):
    """Something that runs pods: its pods' service account and token automount setting.

    ``service_account_name`` is ``default`` when the pod spec names none.
    ``extra_service_accounts`` are further accounts its pods may run as (Argo
    templates that override the workflow's account).
    """

    service_account_name: Str = "default"
    automount_token: bool | None = None
    extra_service_accounts: tuple[Str, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class CloudResource:
    """A Terraform resource or data source outside Kubernetes whose permission meaning other
    engines read: ``aws_iam_role``, ``aws_iam_policy``, ``vault_policy``,
    ``vault_kubernetes_auth_backend_role``, rendered ``aws_iam_policy_document`` ...

    ``values`` are its evaluated arguments (nested blocks as lists of dicts, symbols for
    what is unknown before apply); ``condition`` is set when it may not exist.
    """

    type: str
    address: str
    values: Mapping[str, Any]
    source: SourceRef
    condition: Symbol | None = None

    def __repr__(self) -> str:
        return f"<{self.address} at {self.source}>"


Binding = RoleBinding | ClusterRoleBinding
AnyRole = Role | ClusterRole

UNMODELLED_CREATOR_TYPES = frozenset({"helm_release", "kustomization_resource",
                                      "kubectl_manifest", "kubernetes_manifest"})
"""Terraform resources that may create Kubernetes objects pfperms cannot see (a Helm chart,
a kustomization, a manifest unknown before apply), kept as :class:`CloudResource` s so that
a binding to a role the sources do not define answers unknown, naming them, never
"cannot" (see :meth:`~pytest_pfperms.kubernetes.authorizer.KubernetesEngine`)."""
