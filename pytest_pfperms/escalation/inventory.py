"""What escalations lead to: the namespaces, service accounts, users, groups, running pods,
token Secrets, roles and bindings a model holds (its sources and the cluster's defaults).

Built once per model (models are immutable). Only what the model holds is a target: a
service account the sources never mention has no bindings of its own, so the namespace's
``default`` account (always there) stands for it.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from ..model.identities import ServiceAccount, parse_username
from ..model.objects import (
    BUILTIN_SOURCE,
    AnyRole,
    Binding,
    ClusterRoleBinding,
    KubeObject,
    RoleBinding,
    SourceRef,
    WorkloadObject,
)
from ..query.model import Model
from ..values import Str, Symbol

TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"
TOKEN_SECRET_ANNOTATION = "kubernetes.io/service-account.name"

CONTROLLER_RESOURCES: dict[str, tuple[str, str]] = {
    "Deployment": ("apps", "deployments"),
    "ReplicaSet": ("apps", "replicasets"),
    "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"),
    "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"),
    "ReplicationController": ("", "replicationcontrollers"),
}
"""Kinds whose controllers create pods from a template, and their (group, resource)."""

ARGO_RESOURCES: dict[str, tuple[str, str]] = {
    "Workflow": ("argoproj.io", "workflows"),
    "CronWorkflow": ("argoproj.io", "cronworkflows"),
}
"""Argo kinds whose controller runs pods as the account they name."""

NOT_RUNNING = frozenset({"WorkflowTemplate", "ClusterWorkflowTemplate"})
"""Workload kinds that run no pods until something submits them."""


@dataclass(frozen=True, slots=True)
class Running:
    """A workload whose pods run (or will run) as ``account``; ``pod_name`` is its pods' name."""

    account: ServiceAccount
    workload: WorkloadObject
    pod_name: Str


@dataclass(frozen=True, slots=True)
class TokenSecret:
    """A Secret of type ``kubernetes.io/service-account-token``: the token of ``account``."""

    name: Str
    account: ServiceAccount
    source: SourceRef


@dataclass(slots=True)
class Inventory:
    """Everything of one model that an escalation can lead to, by namespace."""

    namespaces: list[Str] = field(default_factory=list)
    accounts: dict[Str, dict[ServiceAccount, SourceRef]] = field(default_factory=dict)
    running: dict[Str, list[Running]] = field(default_factory=dict)
    workloads: dict[tuple[Str, str], list[WorkloadObject]] = field(default_factory=dict)
    token_secrets: dict[Str, list[TokenSecret]] = field(default_factory=dict)
    users: dict[str, SourceRef] = field(default_factory=dict)
    groups: dict[str, SourceRef] = field(default_factory=dict)
    cluster_roles: list[AnyRole] = field(default_factory=list)
    roles: dict[Str, list[AnyRole]] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    argo: bool = False

    def namespace(self, namespace: Str) -> None:
        """Record a namespace (and its ``default`` account) once."""
        if namespace not in self.accounts:
            self.namespaces.append(namespace)
            self.accounts[namespace] = {}
            if isinstance(namespace, str):
                self.accounts[namespace][ServiceAccount(namespace, "default")] = SourceRef(
                    f"<the default ServiceAccount every namespace has ({namespace})>", 0)

    def account(self, namespace: Str, name: Str, source: SourceRef) -> None:
        """Record a service account the model mentions."""
        self.namespace(namespace)
        self.accounts[namespace].setdefault(ServiceAccount(namespace, name), source)

    def every_account(self) -> list[ServiceAccount]:
        """Every service account, namespace by namespace."""
        return [account for namespace in self.namespaces for account in self.accounts[namespace]]

    def source_of(self, account: ServiceAccount) -> SourceRef | None:
        """Where the model defines or mentions an account."""
        return self.accounts.get(account.namespace, {}).get(account)


def pod_name(workload: WorkloadObject) -> Str:
    """The name of a workload's pods: its own for a Pod, generated (a symbol) for the others."""
    if workload.kind == "Pod":
        return workload.name
    prefix = re.escape(str(workload.name)) if isinstance(workload.name, str) else ".+"
    return Symbol(key=f"a pod of {workload.ref()}", reason="pods of a controller get generated names",
                  source=str(workload.source), pattern=f"{prefix}-.+",
                  label=f"{workload.name}-<generated>")


def _subject_accounts(found: Inventory, binding: Binding) -> None:
    for subject in binding.subjects:
        if subject.kind == "ServiceAccount":
            namespace = subject.namespace or (binding.namespace if isinstance(binding, RoleBinding)
                                              else None)
            if namespace:
                found.account(namespace, subject.name, binding.source)
        elif subject.kind == "User" and isinstance(subject.name, str):
            identity = parse_username(subject.name)
            if isinstance(identity, ServiceAccount):
                found.account(identity.namespace, identity.name, binding.source)
            else:
                found.users.setdefault(subject.name, binding.source)
        elif subject.kind == "Group" and isinstance(subject.name, str):
            found.groups.setdefault(subject.name, binding.source)


def _object(found: Inventory, obj: KubeObject) -> None:
    if obj.kind == "Namespace":
        found.namespace(obj.name)
    if obj.namespace is not None and obj.kind != "ClusterWorkflowTemplate":
        found.namespace(obj.namespace)
    if obj.api_version.startswith("argoproj.io/") or (
            obj.kind == "CustomResourceDefinition" and str(obj.name).endswith(".argoproj.io")):
        found.argo = True
    if obj.kind == "ServiceAccount" and obj.namespace is not None:
        found.account(obj.namespace, obj.name, obj.source)
    elif isinstance(obj, WorkloadObject) and obj.namespace is not None and \
            obj.kind != "ClusterWorkflowTemplate":
        found.workloads.setdefault((obj.namespace, obj.kind), []).append(obj)
        for name in (obj.service_account_name, *obj.extra_service_accounts):
            found.account(obj.namespace, name, obj.source)
            if obj.kind not in NOT_RUNNING:
                found.running.setdefault(obj.namespace, []).append(
                    Running(ServiceAccount(obj.namespace, name), obj, pod_name(obj)))
    elif obj.kind == "Secret" and obj.namespace is not None:
        account = obj.annotations.get(TOKEN_SECRET_ANNOTATION)
        if obj.body.get("type") == TOKEN_SECRET_TYPE and account:
            found.account(obj.namespace, account, obj.source)
            found.token_secrets.setdefault(obj.namespace, []).append(
                TokenSecret(obj.name, ServiceAccount(obj.namespace, account), obj.source))


def _inventory(model: Model) -> Inventory:
    found = Inventory()
    engine = model.kubernetes
    for obj in model.objects():
        _object(found, obj)
    for binding in engine.all_bindings():
        found.bindings.append(binding)
        if isinstance(binding, RoleBinding) and binding.namespace is not None:
            found.namespace(binding.namespace)
        _subject_accounts(found, binding)
    for (namespace, _name), role in engine.roles.items():
        found.namespace(namespace)
        found.roles.setdefault(namespace, []).append(role)
    found.cluster_roles = list(engine.cluster_roles.values())
    found.namespace("kube-system")  # every cluster has it
    return found


_CACHE: weakref.WeakKeyDictionary[Model, Inventory] = weakref.WeakKeyDictionary()


def inventory(model: Model) -> Inventory:
    """The inventory of ``model``, computed once."""
    found = _CACHE.get(model)
    if found is None:
        found = _inventory(model)
        _CACHE[model] = found
    return found


def is_builtin(binding: Binding | ClusterRoleBinding) -> bool:
    """Whether a binding is one of the cluster's defaults."""
    return binding.source is BUILTIN_SOURCE


__all__ = ["Inventory", "Running", "TokenSecret", "inventory", "pod_name"]
