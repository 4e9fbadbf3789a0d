"""Effective permissions per service account, across Kubernetes, AWS and Vault, with causes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..kubernetes.authorizer import GrantPath
from ..model.identities import ServiceAccount
from ..model.objects import BUILTIN_SOURCE
from ..policies.builtin.aws import literals
from ..policies.builtin.vault import only_the_default_policy
from ..policies.subjects import population
from ..query.model import Model
from ..values import StrList, Tri
from ..vault.acl import path_inside

CLUSTER = "(cluster)"
"""The scope key of cluster-wide grants (ClusterRoleBindings)."""

VAULT_CAPABILITIES = ("create", "read", "update", "patch", "delete", "list", "sudo")


@dataclass(frozen=True, slots=True)
class Entry:
    """One granted permission: ``system`` (kubernetes, aws, vault), ``scope`` (namespace,
    resource pattern or Vault path), ``grant`` (a rule, an action, a capability), whether it is
    certain, and its cause (the object and file:line that grant it)."""

    subject: str
    system: str
    scope: str
    grant: str
    certain: bool
    cause: str = field(default="", compare=False)
    namespace: str = field(default="", compare=False)

    def key(self) -> tuple[str, str, str, str]:
        """What compares across models (never the cause's file:line)."""
        return (self.subject, self.system, self.scope, self.grant + ("" if self.certain else " (maybe)"))


@dataclass(slots=True)
class Snapshot:
    """Every entry of one model, and the workloads running as each service account."""

    entries: list[Entry]
    workloads: dict[str, list[str]]

    def keys(self) -> dict[tuple[str, str, str, str], Entry]:
        """The entries by :meth:`Entry.key`."""
        return {entry.key(): entry for entry in self.entries}


def _strings(values: StrList) -> list[str]:
    return [str(v) for v in values] if isinstance(values, tuple) else [str(values)]


def rule_line(path: GrantPath) -> str:
    """A rule as the authorizer applies it, like ``apiGroups [""] resources ["pods"] verbs ["get"]``."""
    rule = path.rule.rule

    def show(values: StrList) -> str:
        return "[" + ", ".join(f'"{v}"' for v in sorted(_strings(values))) + "]"

    if _strings(rule.non_resource_urls):
        text = f"nonResourceURLs {show(rule.non_resource_urls)}"
    else:
        text = f"apiGroups {show(rule.api_groups)} resources {show(rule.resources)}"
        if _strings(rule.resource_names):
            text += f" resourceNames {show(rule.resource_names)}"
    return f"{text} verbs {show(rule.verbs)}"


def accounts(model: Model) -> tuple[list[ServiceAccount], dict[str, list[str]]]:
    """The service accounts the sources mention, and the workloads running as each."""
    found: dict[str, ServiceAccount] = {}
    workloads: dict[str, list[str]] = {}
    for subject in population(model):
        if isinstance(subject.who, ServiceAccount):
            found.setdefault(str(subject.who), subject.who)
    for obj in model.objects("ServiceAccount"):
        if obj.namespace is None:  # pragma: no cover - the loader gives every namespaced object one
            continue
        account = ServiceAccount(obj.namespace, obj.name)
        found.setdefault(str(account), account)
    for workload in model.workloads():
        account = workload.service_account
        found.setdefault(str(account), account)
        workloads.setdefault(str(account), []).append(f"{workload.kind} {workload.namespace}/{workload.name}")
    return [found[k] for k in sorted(found)], {k: sorted(v) for k, v in workloads.items()}


def _namespaces(model: Model) -> list[str]:
    names = {str(obj.namespace) for obj in model.objects() if obj.namespace}
    return sorted(names | {str(obj.name) for obj in model.objects("Namespace")})


def _kubernetes(model: Model, account: ServiceAccount, namespaces: Iterable[str]) -> list[Entry]:
    entries: list[Entry] = []
    subject = str(account)
    for path in model.rules_for(account, namespace=None):
        if path.binding.source is not BUILTIN_SOURCE:
            entries.append(_entry(subject, CLUSTER, path))
    for namespace in namespaces:
        for path in model.rules_for(account, namespace=namespace):
            if path.binding.source is BUILTIN_SOURCE or path.binding.kind != "RoleBinding":
                continue
            entries.append(_entry(subject, namespace, path))
    return entries


def _entry(subject: str, scope: str, path: GrantPath) -> Entry:
    cause = f"{path.binding.ref()} -> {path.role.ref()} ({path.binding.source})"
    return Entry(subject, "kubernetes", scope, rule_line(path), path.allowed is True, cause,
                 "" if scope == CLUSTER else scope)


def _cause(lines: Iterable[str]) -> str:
    """The statement or rule that grants: the last "allowed by"/"granted by" line (an AWS
    explanation's first one is the role's trust policy)."""
    found = [line.strip() for line in lines if "allowed by" in line or "granted by" in line]
    return found[-1].removeprefix("granted by ") if found else ""


def _aws(model: Model, account: ServiceAccount) -> list[Entry]:
    if not model.resources:
        return []
    actions, arns = literals(model)
    entries = []
    for arn in arns:
        for action in actions:
            decision = model.aws_can(account, action, arn)
            if decision.allowed is not False:
                entries.append(Entry(str(account), "aws", arn, action, decision.allowed is True,
                                     _cause(decision.explanation().lines), str(account.namespace)))
    return entries


def vault_paths(model: Model) -> list[tuple[str, str]]:
    """(pattern as written, a concrete path inside it) for every rule of the Vault policies."""
    found: dict[str, str] = {}
    for policy in model.vault_access.policies.values():
        for rule in policy.rules:
            found.setdefault(rule.path, path_inside(rule.path))
    return sorted(found.items())


def _vault(model: Model, account: ServiceAccount, paths: list[tuple[str, str]]) -> list[Entry]:
    if not model.vault_access.roles and not model.vault_access.jwt_roles:
        return []
    entries = []
    for pattern, concrete in paths:
        for capability in VAULT_CAPABILITIES:
            decision = model.vault_can(account, capability, concrete)
            allowed: Tri = decision.allowed
            if allowed is False or (allowed is None and only_the_default_policy(decision)):
                continue   # hangs only on Vault's own default policy: no grant of the sources
            entries.append(Entry(str(account), "vault", pattern, capability, allowed is True,
                                 _cause(decision.explanation().lines), str(account.namespace)))
    return entries


def snapshot(model: Model) -> Snapshot:
    """The effective permissions of every service account the sources mention."""
    found, workloads = accounts(model)
    namespaces = _namespaces(model)
    paths = vault_paths(model) if model.vault_access.roles or model.vault_access.jwt_roles else []
    entries: list[Entry] = []
    for account in found:
        entries += _kubernetes(model, account, namespaces)
        entries += _aws(model, account)
        entries += _vault(model, account, paths)
    unique = {entry.key(): entry for entry in entries}
    return Snapshot([unique[k] for k in sorted(unique)], workloads)
