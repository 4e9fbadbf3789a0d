"""The finite space of questions a model spans: who asks, and what they may ask.

A repo names a finite vocabulary: the service accounts, users and groups its
bindings and workloads mention, the verbs, resources, resource names and URLs its
rules mention, the namespaces its objects live in. Questions outside that
vocabulary are answered the same as some question inside it, except through
wildcards, so the vocabulary plus a few *outsiders* (a namespace, a service
account and a user the repo never mentions; the standard verbs and a few
sensitive resources when a rule says ``*``) is what an invariant over the repo
is checked against: exhaustively when it is small, by Hypothesis when it is large.

Only what the sources define counts (``model.objects()``); the cluster's default
roles still answer every question. Nothing here imports Hypothesis.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from ..model.identities import (
    AUTHENTICATED,
    Identity,
    ServiceAccount,
    User,
    parse_username,
)
from ..model.objects import (
    ClusterRole,
    ClusterRoleBinding,
    PolicyRule,
    Role,
    RoleBinding,
    WorkloadObject,
)
from ..model.requests import (
    BUILTIN_GROUPS,
    CORE_RESOURCES,
    NonResourceRequest,
    Request,
    ResourceRequest,
)
from ..values import Str, Symbol

OUTSIDER = "pfperms-outsider"
"""Name of the namespace, service account, user, resource name and URL no repo mentions."""

STANDARD_VERBS: tuple[str, ...] = ("get", "list", "watch", "create", "update", "patch", "delete",
                                   "deletecollection")
"""Added when a rule grants every verb (``*``)."""

SENSITIVE_RESOURCES: tuple[tuple[str, str, str], ...] = (
    ("", "secrets", ""), ("", "pods", ""), ("", "pods", "exec"), ("", "configmaps", ""),
    ("", "serviceaccounts", "token"), ("rbac.authorization.k8s.io", "rolebindings", ""))
"""Added when a rule grants every resource or every API group (``*``)."""

ResourceKey = tuple[str, str, str]
"""``(api_group, resource, subresource)``."""


def _literals(values: object) -> list[str]:
    """The literal strings of a rule field (a tuple that may hold symbols, or a Symbol)."""
    if isinstance(values, Symbol) or not isinstance(values, tuple):
        return []
    return [value for value in values if isinstance(value, str)]


def _group_of(resource: str) -> str | None:
    if resource in BUILTIN_GROUPS:
        return BUILTIN_GROUPS[resource]
    if resource in CORE_RESOURCES:
        return ""
    return None


def _sort_key(value: Str | None) -> tuple[int, str]:
    if value is None:
        return (2, "")
    return (1 if isinstance(value, Symbol) else 0, str(value))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Everything a model's sources mention, plus outsiders, each simplest first.

    ``namespaces`` holds ``None`` for cluster-scoped requests; ``names`` holds ``""``
    for requests that name no object.
    """

    subjects: tuple[Identity, ...]
    verbs: tuple[str, ...]
    resources: tuple[ResourceKey, ...]
    namespaces: tuple[Str | None, ...]
    names: tuple[str, ...]
    urls: tuple[str, ...]
    url_verbs: tuple[str, ...]

    def resource_requests(self) -> Iterator[ResourceRequest]:
        """Every resource request: verbs x resources x namespaces x names."""
        for verb, (group, resource, sub), namespace, name in itertools.product(
                self.verbs, self.resources, self.namespaces, self.names):
            yield ResourceRequest(verb, group, resource, sub, "" if namespace is None else namespace, name)

    def non_resource_requests(self) -> Iterator[NonResourceRequest]:
        """Every non-resource request: URL verbs x URLs."""
        for verb, url in itertools.product(self.url_verbs, self.urls):
            yield NonResourceRequest(verb, url)

    def requests(self) -> Iterator[Request]:
        """Resource requests, then non-resource requests."""
        yield from self.resource_requests()
        yield from self.non_resource_requests()


class RequestSpace(Sequence[Request]):
    """A vocabulary's requests, in :meth:`Vocabulary.requests` order, by position: the
    resource requests (verbs x resources x namespaces x names, the last fastest), then the
    non-resource ones (URL verbs x URLs). Each is built when asked for, so a space of
    millions costs nothing until it is iterated or indexed."""

    __slots__ = ("_words", "resource_count", "url_count")

    def __init__(self, words: Vocabulary) -> None:
        self._words = words
        self.resource_count = (len(words.verbs) * len(words.resources) * len(words.namespaces)
                               * len(words.names))
        """How many resource requests come first."""
        self.url_count = len(words.url_verbs) * len(words.urls)
        """How many non-resource requests follow them."""

    def __len__(self) -> int:
        return self.resource_count + self.url_count

    @overload
    def __getitem__(self, index: int) -> Request: ...

    @overload
    def __getitem__(self, index: slice) -> list[Request]: ...

    def __getitem__(self, index: int | slice) -> Request | list[Request]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(f"request {index} of a space of {len(self):,}")
        words = self._words
        if position >= self.resource_count:
            verb, url = divmod(position - self.resource_count, len(words.urls))
            return NonResourceRequest(words.url_verbs[verb], words.urls[url])
        rest, name = divmod(position, len(words.names))
        rest, namespace = divmod(rest, len(words.namespaces))
        verb, resource = divmod(rest, len(words.resources))
        group, plural, sub = words.resources[resource]
        scope = words.namespaces[namespace]
        return ResourceRequest(words.verbs[verb], group, plural, sub, "" if scope is None else scope,
                               words.names[name])

    def __iter__(self) -> Iterator[Request]:
        return self._words.requests()


class _Collector:
    def __init__(self) -> None:
        self.namespaces: dict[Str, None] = {}
        self.accounts: dict[tuple[Str, Str], None] = {}
        self.users: dict[str, User] = {}
        self.groups: dict[str, None] = {}
        self.verbs: dict[str, None] = {}
        self.resources: dict[ResourceKey, None] = {}
        self.names: dict[str, None] = {}
        self.urls: dict[str, None] = {}
        self.url_verbs: dict[str, None] = {}
        self.every_verb = False
        self.every_resource = False

    def rule(self, rule: PolicyRule) -> None:
        verbs = _literals(rule.verbs)
        if _literals(rule.non_resource_urls):
            for url in _literals(rule.non_resource_urls):
                if url == "*":
                    continue
                self.urls[url.rstrip("*") + "x" if url.endswith("*") else url] = None
            for verb in verbs:
                if verb != "*":
                    self.url_verbs[verb] = None
        if not _literals(rule.resources):
            return
        self.every_verb |= "*" in verbs
        for verb in verbs:
            if verb != "*":
                self.verbs[verb] = None
        groups = _literals(rule.api_groups)
        self.every_resource |= "*" in groups
        for item in _literals(rule.resources):
            base, _, sub = item.partition("/")
            if base == "*":
                self.every_resource |= not sub
                continue
            for group in groups:
                group_name = _group_of(base) if group == "*" else group
                if group_name is not None:
                    self.resources[(group_name, base, sub)] = None
        for name in _literals(rule.resource_names):
            self.names[name] = None

    def account(self, namespace: Str, name: Str) -> None:
        self.accounts[(namespace, name)] = None
        self.namespaces[namespace] = None

    def binding(self, binding: RoleBinding | ClusterRoleBinding) -> None:
        for subject in binding.subjects:
            if subject.kind == "ServiceAccount":
                namespace = subject.namespace or (binding.namespace if isinstance(binding, RoleBinding)
                                                  else None)
                if namespace:
                    self.account(namespace, subject.name)
            elif subject.kind == "User" and isinstance(subject.name, str):
                identity = parse_username(subject.name)
                if isinstance(identity, ServiceAccount):
                    self.account(identity.namespace, identity.name)
                else:
                    self.users[subject.name] = identity
            elif subject.kind == "Group" and isinstance(subject.name, str):
                self.groups[subject.name] = None


_CACHE: weakref.WeakKeyDictionary[object, dict[bool, Vocabulary]] = weakref.WeakKeyDictionary()


def vocabulary(model: object, *, outsiders: bool = True) -> Vocabulary:
    """What the sources of ``model`` (a :class:`~pytest_pfperms.Model`) mention; see the module doc.

    Computed once per model (models are immutable), so strategies built per example are cheap.
    """
    cached = _CACHE.setdefault(model, {})
    if outsiders not in cached:
        cached[outsiders] = _vocabulary(model, outsiders)
    return cached[outsiders]


def _vocabulary(model: object, outsiders: bool) -> Vocabulary:
    from ..query.model import Model

    assert isinstance(model, Model)
    found = _Collector()
    for obj in model.objects():
        if obj.kind == "Namespace":
            found.namespaces[obj.name] = None
        if obj.namespace is not None:
            found.namespaces[obj.namespace] = None
        if isinstance(obj, (Role, ClusterRole)):
            for rule in obj.rules:
                found.rule(rule)
        elif isinstance(obj, (RoleBinding, ClusterRoleBinding)):
            found.binding(obj)
        elif obj.kind == "ServiceAccount":
            assert obj.namespace is not None
            found.account(obj.namespace, obj.name)
        elif isinstance(obj, WorkloadObject):
            assert obj.namespace is not None
            for name in (obj.service_account_name, *obj.extra_service_accounts):
                found.account(obj.namespace, name)
    namespaces: list[Str] = sorted(found.namespaces, key=_sort_key)
    for namespace in namespaces:
        if isinstance(namespace, str):
            found.accounts[(namespace, "default")] = None  # every namespace has one
    if outsiders:
        found.accounts[(OUTSIDER, OUTSIDER)] = None
        found.users[OUTSIDER] = User(OUTSIDER, (AUTHENTICATED,))
        namespaces.append(OUTSIDER)
    for group in sorted(found.groups):
        if not group.startswith("system:serviceaccounts") and group != AUTHENTICATED:
            found.users.setdefault(f"member-of:{group}", User(f"member-of:{group}", (group, AUTHENTICATED)))
    subjects: list[Identity] = [ServiceAccount(namespace, name) for namespace, name in
                                sorted(found.accounts, key=lambda a: (_sort_key(a[0]), _sort_key(a[1])))]
    subjects += [found.users[name] for name in sorted(found.users)]
    verbs = [verb for verb in STANDARD_VERBS if verb in found.verbs or found.every_verb]
    verbs += sorted(verb for verb in found.verbs if verb not in STANDARD_VERBS)
    resources = sorted(found.resources, key=lambda r: (r[0] != "", r))
    if found.every_resource or (outsiders and not resources):
        resources += [r for r in SENSITIVE_RESOURCES if r not in found.resources]
    names = ["", *sorted(found.names)]
    if outsiders and found.names:
        names.append(OUTSIDER)
    urls = sorted(found.urls)
    if outsiders:
        urls.append("/" + OUTSIDER)
    url_verbs = ["get", *sorted(verb for verb in found.url_verbs if verb != "get")]
    return Vocabulary(tuple(subjects), tuple(verbs or ("get",)), tuple(resources),
                      (*namespaces, None), tuple(names), tuple(urls), tuple(url_verbs))


def identities(values: Iterable[object], model: object) -> list[Identity]:
    """Users, service accounts, workloads (as their service accounts) or user names -> identities."""
    from ..query.model import Model, Workload

    assert isinstance(model, Model)
    result: list[Identity] = []
    for value in values:
        if isinstance(value, Workload):
            result += value.service_accounts
        else:
            result.append(model.identity(value))  # type: ignore[arg-type]
    return list(dict.fromkeys(result))
