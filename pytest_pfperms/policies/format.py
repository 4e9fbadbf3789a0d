"""The policy format as typed values: a validated document becomes a :class:`PolicySet`.

Every key of ``policyset.schema.json`` has its field here (see the README's "Policy files"
for their meaning); each policy and exception keeps the file and line it was written at.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LoadError
from ..model.objects import SourceRef
from .reading import Document

OWN = "<own>"
"""``namespaces`` absent: the subject's own namespace."""
EVERY = "*"
"""``namespaces: "*"`` (or an item ``"*"``): every namespace the model mentions, plus an outsider."""


@dataclass(frozen=True, slots=True)
class WorkloadRef:
    """A workload by ``kind``/``name`` (and ``namespace``), or by the Terraform ``module`` that makes it."""

    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    module: str | None = None


DEFAULT_KINDS = ("ServiceAccount", "User", "Group")


@dataclass(frozen=True, slots=True)
class Selector:
    """Every subject the sources mention that matches: kinds, namespaces and names (globs), labels."""

    kinds: tuple[str, ...] = DEFAULT_KINDS
    """Default: service accounts, users and groups (workloads act as their accounts)."""
    namespaces: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """Who a policy is about; the keys are ORed."""

    workloads: tuple[WorkloadRef, ...] = ()
    service_accounts: tuple[tuple[str, str], ...] = ()
    users: tuple[tuple[str, tuple[str, ...]], ...] = ()
    groups: tuple[str, ...] = ()
    selector: Selector | None = None


@dataclass(frozen=True, slots=True)
class KubeAsk:
    """Kubernetes requests: verbs x resources (x apiGroups x subresources) x namespaces x names,
    or verbs x nonResourceURLs. ``namespaces`` holds names, ``None`` (cluster scope), ``EVERY``;
    it is ``(OWN,)`` when the policy does not say."""

    verbs: tuple[str, ...]
    resources: tuple[str, ...] = ()
    namespaces: tuple[str | None, ...] = (OWN,)
    names: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AwsAsk:
    """AWS requests through IRSA: actions x resources, in ``context`` (None: inside the cluster)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: Mapping[str, object] | str | None = None


@dataclass(frozen=True, slots=True)
class VaultAsk:
    """Vault requests through Kubernetes auth: capabilities x paths."""

    capabilities: tuple[str, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ask:
    """One entry of ``can``/``cannot``/``only.can``; ``transitive`` asks after escalations."""

    what: KubeAsk | AwsAsk | VaultAsk
    transitive: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Matcher:
    """An object-level matcher of ``forbid``: every key given must match (names are globs)."""

    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    role_ref: tuple[str | None, str | None] | None = None
    subject: tuple[str | None, str | None, str | None] | None = None
    rule: Mapping[str, tuple[str, ...]] | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Only:
    """Closed world: nobody outside ``subjects`` may make any of the ``can`` requests."""

    subjects: SubjectSpec
    can: tuple[Ask, ...]


@dataclass(frozen=True, slots=True)
class Exemption:
    """An exception: findings that ``match`` are accepted, for ``reason``, until ``expires``."""

    match: Mapping[str, str]
    reason: str
    expires: datetime.date | None
    source: SourceRef

    def describe(self) -> str:
        """``{name: argo-server} ("Argo's server needs it") at policies/x.yaml:12``."""
        keys = ", ".join(f"{key}: {value}" for key, value in self.match.items())
        until = f", expires {self.expires.isoformat()}" if self.expires else ""
        return f"exception {{{keys}}} ({self.reason!r}{until}) at {self.source}"


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy: one test item."""

    id: str
    source: SourceRef
    set_name: str = ""
    description: str = ""
    severity: str = "deny"
    unknown_passes: bool = False
    subjects: SubjectSpec | None = None
    can: tuple[Ask, ...] = ()
    cannot: tuple[Ask, ...] = ()
    forbid: tuple[Matcher, ...] = ()
    only: Only | None = None
    exceptions: tuple[Exemption, ...] = ()
    split: int = 1
    """How many test items (parts) check it: 1 is one item; the README's "Policy files" says how
    a policy is split."""
    builtin: bool = False
    why: str = ""
    """Why it matters (built-ins)."""
    fix: str = ""
    """How to fix a finding (built-ins)."""


@dataclass(frozen=True, slots=True)
class PolicySet:
    """A policy file: its policies, and exceptions to built-in policies keyed by their id."""

    name: str
    path: str
    policies: tuple[Policy, ...] = ()
    exceptions: Mapping[str, tuple[Exemption, ...]] = field(default_factory=dict)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if value else ()


def _subjects(raw: Mapping[str, Any]) -> SubjectSpec:
    workloads = tuple(WorkloadRef(item.get("kind"), item.get("name"), item.get("namespace"),
                                  item.get("module")) for item in raw.get("workloads") or ())
    accounts = tuple((item["namespace"], item["name"]) for item in raw.get("serviceAccounts") or ())
    users = tuple((item, ()) if isinstance(item, str) else (item["name"], _strings(item.get("groups")))
                  for item in raw.get("users") or ())
    selector = None
    if "selector" in raw:
        chosen = raw["selector"] or {}
        selector = Selector(_strings(chosen.get("kinds")) or DEFAULT_KINDS,
                            _strings(chosen.get("namespaces")), _strings(chosen.get("names")),
                            tuple(sorted((chosen.get("labels") or {}).items())))
    return SubjectSpec(workloads, accounts, users, _strings(raw.get("groups")), selector)


def _namespaces(raw: Mapping[str, Any]) -> tuple[str | None, ...]:
    if "namespaces" not in raw:
        return (OWN,)
    value = raw["namespaces"]
    if value is None:
        return (None,)
    if value == EVERY:
        return (EVERY,)
    return tuple(value)


def _asks(raw: Any, document: Document, path: list[str | int]) -> tuple[Ask, ...]:
    items = raw if isinstance(raw, list) else [raw]
    asks = []
    for index, item in enumerate(items):
        at = [*path, index] if isinstance(raw, list) else path
        what: KubeAsk | AwsAsk | VaultAsk
        if "aws" in item:
            aws = item["aws"]
            what = AwsAsk(_strings(aws["actions"]), _strings(aws["resources"]), aws.get("context"))
        elif "vault" in item:
            vault = item["vault"]
            what = VaultAsk(_strings(vault["capabilities"]), _strings(vault["paths"]))
        else:
            what = KubeAsk(_strings(item["verbs"]), _strings(item.get("resources")), _namespaces(item),
                           _strings(item.get("names")), tuple(item.get("apiGroups") or ()),
                           _strings(item.get("subresources")), _strings(item.get("nonResourceURLs")))
        asks.append(Ask(what, bool(item.get("transitive", False)), document.line(at)))
    return tuple(asks)


def _matcher(raw: Mapping[str, Any], line: int) -> Matcher:
    role_ref: tuple[str | None, str | None] | None = None
    if "roleRef" in raw:
        ref = raw["roleRef"]
        role_ref = (None, ref) if isinstance(ref, str) else (ref.get("kind"), ref.get("name"))
    subject = None
    if "subject" in raw:
        chosen = raw["subject"]
        subject = (chosen.get("kind"), chosen.get("name"), chosen.get("namespace"))
    rule = ({key: tuple(str(v) for v in value) for key, value in raw["rule"].items()}
            if "rule" in raw else None)
    return Matcher(raw.get("kind"), raw.get("name"), raw.get("namespace"),
                   tuple(sorted((raw.get("labels") or {}).items())), role_ref, subject, rule, line)


def exemptions(raw: Sequence[Mapping[str, Any]], document: Document, path: list[str | int]
               ) -> tuple[Exemption, ...]:
    """The exceptions of a list, with their lines; a date that does not exist is an error."""
    found = []
    for index, item in enumerate(raw):
        line = document.line([*path, index])
        expires = None
        if "expires" in item:
            try:
                expires = datetime.date.fromisoformat(item["expires"])
            except ValueError:
                raise LoadError.single(document.path, document.line([*path, index, "expires"]),
                                       f"expires {item['expires']!r} is not a date",
                                       f"{'.'.join(map(str, path))}[{index}].expires") from None
        found.append(Exemption(dict(item["match"]), item["reason"], expires, SourceRef(document.path, line)))
    return tuple(found)


def policy_set(document: Document) -> PolicySet:
    """The typed PolicySet of a validated document."""
    data = document.data
    name = (data.get("metadata") or {}).get("name", "")
    policies = []
    for index, raw in enumerate(data.get("policies") or ()):
        at: list[str | int] = ["policies", index]
        only = None
        if "only" in raw:
            only = Only(_subjects(raw["only"]["subjects"]),
                        _asks(raw["only"]["can"], document, [*at, "only", "can"]))
        policies.append(Policy(
            id=raw["id"], source=SourceRef(document.path, document.line(at)), set_name=name,
            description=raw.get("description", ""), severity=raw.get("severity", "deny"),
            unknown_passes=raw.get("unknown") == "pass",
            subjects=_subjects(raw["subjects"]) if "subjects" in raw else None,
            can=_asks(raw["can"], document, [*at, "can"]) if "can" in raw else (),
            cannot=_asks(raw["cannot"], document, [*at, "cannot"]) if "cannot" in raw else (),
            forbid=tuple(_matcher(item, document.line([*at, "forbid", position]))
                         for position, item in enumerate(raw.get("forbid") or ())),
            only=only,
            exceptions=exemptions(raw.get("exceptions") or (), document, [*at, "exceptions"]),
            split=int(raw.get("split", 1)),
        ))
    keyed = {key: exemptions(value, document, ["exceptions", key])
             for key, value in (data.get("exceptions") or {}).items()}
    return PolicySet(name, document.path, tuple(policies), keyed)


__all__ = ["EVERY", "OWN", "Ask", "AwsAsk", "Exemption", "KubeAsk", "Matcher", "Only", "Policy",
           "PolicySet", "Selector", "SubjectSpec", "VaultAsk", "WorkloadRef", "exemptions", "policy_set"]
