"""Who a policy is about: subject specs resolved against a model.

Workloads are found as ``Model.workload`` finds them (with its did-you-mean). Users are
authenticated: they carry ``system:authenticated`` and the groups listed (``system:anonymous``
carries ``system:unauthenticated`` only). A group stands for a member of it (a user no
binding names, in that group and ``system:authenticated``). A selector picks among the
subjects the *sources* mention (never the cluster's own): service accounts (their objects,
the accounts workloads run as and bindings name, each namespace's ``default``), workloads,
and the users and groups bindings name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import PfpermsError
from ..model.identities import ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, ServiceAccount, User, parse_username
from ..model.objects import ClusterRoleBinding, KubeObject, RoleBinding, WorkloadObject
from ..query.model import Model, Workload
from ..values import Str
from .format import Selector, SubjectSpec

MEMBER_PREFIX = "member-of:"


class PolicyError(PfpermsError, ValueError):
    """A policy that cannot be evaluated against this model (a subject that is not there, a
    resource that cannot be a request): the policy fails with this message."""


@dataclass(frozen=True, slots=True)
class Subject:
    """A resolved subject: how it is named in reports, and who asks."""

    label: str
    kind: str
    name: Str
    namespace: Str | None
    who: Workload | ServiceAccount | User
    labels: Mapping[str, Str]

    @property
    def own_namespace(self) -> Str | None:
        """The namespace requests default to (None for users and groups)."""
        return self.namespace

    @property
    def identity(self) -> ServiceAccount | User:
        """Who the API server sees (a workload: its first service account)."""
        if isinstance(self.who, Workload):
            return self.who.service_account
        return self.who

    @property
    def accounts(self) -> tuple[ServiceAccount, ...]:
        """The service accounts it acts with in AWS and Vault (none for users and groups)."""
        if isinstance(self.who, Workload):
            return self.who.service_accounts
        if isinstance(self.who, ServiceAccount):
            return (self.who,)
        return ()


def user(name: str, groups: Iterable[str] = ()) -> User:
    """A user as the API server sees an authenticated one (anonymous: unauthenticated only)."""
    if name == ANONYMOUS:
        return User(name, (UNAUTHENTICATED, *(g for g in groups if g != UNAUTHENTICATED)))
    listed = tuple(dict.fromkeys(groups))
    return User(name, listed if AUTHENTICATED in listed else (*listed, AUTHENTICATED))


def group_member(group: str) -> User:
    """A member of ``group``, and nothing else a binding names."""
    if group == UNAUTHENTICATED:
        return User(ANONYMOUS, (UNAUTHENTICATED,))
    return User(f"{MEMBER_PREFIX}{group}", tuple(dict.fromkeys((group, AUTHENTICATED))))


def _account(account: ServiceAccount, model: Model) -> Subject:
    obj = model.service_account_object(account)
    return Subject(str(account), "ServiceAccount", account.name, account.namespace, account,
                   obj.labels if obj is not None else {})


def _workload(workload: Workload) -> Subject:
    return Subject(str(workload), workload.kind, workload.name, workload.namespace, workload,
                   workload.obj.labels)


def population(model: Model) -> list[Subject]:
    """Every subject the sources mention: accounts, workloads, users and groups of their bindings."""
    accounts: dict[ServiceAccount, None] = {}
    users: dict[str, None] = {}
    groups: dict[str, None] = {}
    namespaces: dict[Str, None] = {}
    workloads: list[Subject] = []
    for obj in model.objects():
        if obj.namespace is not None:
            namespaces[obj.namespace] = None
        if obj.kind == "Namespace":
            namespaces[obj.name] = None
        if obj.kind == "ServiceAccount" and obj.namespace is not None:
            accounts[ServiceAccount(obj.namespace, obj.name)] = None
        elif isinstance(obj, WorkloadObject) and obj.namespace is not None and \
                obj.kind != "ClusterWorkflowTemplate":
            workload = Workload(model, obj)
            workloads.append(_workload(workload))
            for account in workload.service_accounts:
                accounts[account] = None
        elif isinstance(obj, (RoleBinding, ClusterRoleBinding)):
            _binding_subjects(obj, accounts, users, groups)
    for namespace in namespaces:
        if isinstance(namespace, str):
            accounts[ServiceAccount(namespace, "default")] = None
    found = [_account(account, model) for account in accounts]
    found += workloads
    found += [Subject(f"User {name}", "User", name, None, user(name), {}) for name in users]
    found += [Subject(f"Group {name}", "Group", name, None, group_member(name), {}) for name in groups]
    return found


def _binding_subjects(binding: KubeObject, accounts: dict[ServiceAccount, None], users: dict[str, None],
                      groups: dict[str, None]) -> None:
    assert isinstance(binding, (RoleBinding, ClusterRoleBinding))
    for subject in binding.subjects:
        if subject.kind == "ServiceAccount":
            namespace = subject.namespace or (binding.namespace if isinstance(binding, RoleBinding) else None)
            if namespace:
                accounts[ServiceAccount(namespace, subject.name)] = None
        elif subject.kind == "User" and isinstance(subject.name, str):
            identity = parse_username(subject.name)
            if isinstance(identity, ServiceAccount):
                accounts[identity] = None
            else:
                users[subject.name] = None
        elif subject.kind == "Group" and isinstance(subject.name, str):
            groups[subject.name] = None


def _glob(patterns: tuple[str, ...], value: Str | None) -> bool:
    if not patterns:
        return True
    return value is not None and any(fnmatch.fnmatchcase(str(value), pattern) for pattern in patterns)


def selected(selector: Selector, model: Model) -> list[Subject]:
    """The population's subjects a selector matches (all its keys ANDed)."""
    found = []
    for subject in population(model):
        if subject.kind not in selector.kinds:
            continue
        if not _glob(selector.namespaces, subject.namespace) or not _glob(selector.names, subject.name):
            continue
        if any(subject.labels.get(key) != value for key, value in selector.labels):
            continue
        found.append(subject)
    return found


def resolve(spec: SubjectSpec, model: Model) -> list[Subject]:
    """Every subject of a spec, each once, in the order written."""
    found: list[Subject] = []
    for ref in spec.workloads:
        try:
            if ref.module is not None:
                workload = model.workload(ref.module, namespace=ref.namespace)
            else:
                workload = model.workload(f"{ref.kind}/{ref.name}", namespace=ref.namespace)
        except PfpermsError as error:
            raise PolicyError(str(error)) from None
        found.append(_workload(workload))
    found += [_account(ServiceAccount(namespace, name), model) for namespace, name in spec.service_accounts]
    found += [Subject(f"User {name}", "User", name, None, user(name, groups), {})
              for name, groups in spec.users]
    found += [Subject(f"Group {name}", "Group", name, None, group_member(name), {}) for name in spec.groups]
    if spec.selector is not None:
        found += selected(spec.selector, model)
    unique: dict[str, Subject] = {}
    for subject in found:
        unique.setdefault(subject.label, subject)
    return list(unique.values())


__all__ = ["PolicyError", "Subject", "group_member", "population", "resolve", "selected", "user"]
