"""Asking the engines the built-ins' questions: who is asked, which requests, and findings.

Built-ins ask about the subjects the *sources* mention (their service accounts, the users and
groups their bindings name) and count only what the sources grant: an answer that only the
cluster's bootstrap bindings give (``system:masters``, the controllers) is the cluster's own,
not a finding. Roles count whatever they are (``edit``, ``admin`` and aggregated roles grant
exactly what the engine says). Requests that name a resource are also asked with every
``resourceNames`` entry some rule lists for that resource, so a rule limited to names is
still found; a request made of names no rule mentions (``pfperms-any-verb``) is allowed only
by a wildcard.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ...kubernetes.authorizer import identity_keys
from ...model.decision import Decision
from ...model.identities import Identity
from ...model.objects import BUILTIN_SOURCE, ClusterRole, Role
from ...model.requests import NonResourceRequest, Request, ResourceRequest
from ...query.model import Model
from ...values import Str, Symbol
from ..evaluation import Finding, decision_finding
from ..subjects import Subject, population

ANY_VERB = "pfperms-any-verb"
ANY_RESOURCE = "pfperms-any-resource"
ANY_GROUP = "pfperms-any-group.invalid"
"""Names no rule writes: only ``*`` matches them."""

IDENTITY_KINDS = ("ServiceAccount", "User", "Group")


@dataclass(frozen=True, slots=True)
class Probe:
    """A request shape: verb, group, resource, subresource (names and namespaces are added)."""

    verb: str
    group: str
    resource: str
    subresource: str = ""

    @property
    def combined(self) -> str:
        """``resource[/subresource]`` as rules write it."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


_SUBJECTS: weakref.WeakKeyDictionary[Model, list[Subject]] = weakref.WeakKeyDictionary()
_NAMES: weakref.WeakKeyDictionary[Model, dict[tuple[str, str], list[str]]] = weakref.WeakKeyDictionary()


def subjects(model: Model) -> list[Subject]:
    """The identities the sources mention (service accounts, users, groups), computed once."""
    found = _SUBJECTS.get(model)
    if found is None:
        found = [s for s in population(model) if s.kind in IDENTITY_KINDS]
        _SUBJECTS[model] = found
    return found


_NAMESPACES: weakref.WeakKeyDictionary[Model, list[Str]] = weakref.WeakKeyDictionary()


def namespaces(model: Model) -> list[Str]:
    """Every namespace the sources mention (computed once)."""
    cached = _NAMESPACES.get(model)
    if cached is None:
        found: dict[Str, None] = {}
        for obj in model.objects():
            if obj.kind == "Namespace":
                found[obj.name] = None
            if obj.namespace is not None:
                found[obj.namespace] = None
        cached = list(found)
        _NAMESPACES[model] = cached
    return cached


_BOUND: weakref.WeakKeyDictionary[Model, dict[Identity, list[Str]]] = weakref.WeakKeyDictionary()


def bound_in(model: Model, identity: Identity) -> list[Str]:
    """The namespaces where a RoleBinding may apply to ``identity``: elsewhere a namespaced request
    is answered by the ClusterRoleBindings alone, as a cluster-wide one is."""
    table = _BOUND.setdefault(model, {})
    found = table.get(identity)
    if found is None:
        by_key, always = _binding_namespaces(model)
        keys = identity_keys(identity)
        if keys is None:
            found = namespaces(model)
        else:
            position, symbols = _namespace_order(model)
            hit = set(always).union(*(by_key.get(key, ()) for key in keys), symbols)
            found = sorted((ns for ns in hit if ns in position), key=position.__getitem__)
        table[identity] = found
    return found


_ORDER: weakref.WeakKeyDictionary[Model, tuple[dict[Str, int], list[Str]]] = weakref.WeakKeyDictionary()


def _namespace_order(model: Model) -> tuple[dict[Str, int], list[Str]]:
    """Each namespace's position in :func:`namespaces`, and the symbolic ones (computed once), so
    an identity's namespaces come out in that order without a pass over all of them."""
    cached = _ORDER.get(model)
    if cached is None:
        every = namespaces(model)
        cached = ({ns: index for index, ns in enumerate(every)},
                  [ns for ns in every if isinstance(ns, Symbol)])
        _ORDER[model] = cached
    return cached


_Namespaces = tuple[dict[object, set[Str]], set[Str]]
_BY_KEY: weakref.WeakKeyDictionary[Model, _Namespaces] = weakref.WeakKeyDictionary()


def _binding_namespaces(model: Model) -> tuple[dict[object, set[Str]], set[Str]]:
    """Subject index key -> namespaces of the RoleBindings naming it; and namespaces where some
    RoleBinding's subject is unknown (it may name anyone), as ``scope_bindings`` sees them."""
    cached = _BY_KEY.get(model)
    if cached is None:
        engine = model.kubernetes
        by_key: dict[object, set[Str]] = {}
        always: set[Str] = set()
        for namespace, index in engine.bindings_by_namespace.items():
            for key in index.by_key:
                by_key.setdefault(key, set()).add(namespace)
            if index.uncertain:
                always.add(namespace)
        if engine.symbolic_namespace_bindings:
            always.update(namespaces(model))
        cached = (by_key, always)
        _BY_KEY[model] = cached
    return cached


def rule_names(model: Model, probe: Probe) -> list[str]:
    """Every ``resourceNames`` entry a rule (of any role) lists for the probe's resource."""
    table = _NAMES.get(model)
    if table is None:
        table = {}
        engine = model.kubernetes
        roles: list[Role | ClusterRole] = [*engine.roles.values(), *engine.cluster_roles.values()]
        for role in roles:
            for effective in engine.effective_rules(role):
                rule = effective.rule
                if not isinstance(rule.resources, tuple) or not isinstance(rule.resource_names, tuple):
                    continue
                names = [str(n) for n in rule.resource_names if isinstance(n, str)]
                if not names:
                    continue
                groups = (
                    [g for g in rule.api_groups if isinstance(g, str)]
                    if isinstance(rule.api_groups, tuple)
                    else []
                )
                for resource in rule.resources:
                    for group in groups or ["*"]:
                        table.setdefault((group, str(resource)), []).extend(names)
        _NAMES[model] = table
    found: dict[str, None] = {}
    for group in (probe.group, "*"):
        for resource in (probe.combined, "*", f"*/{probe.subresource}" if probe.subresource else "*"):
            found.update(dict.fromkeys(table.get((group, resource), ())))
    return list(found)


def sourced(model: Model, identity: Identity, request: Request) -> bool:
    """Whether some grant path of the sources (not only the cluster's defaults) may allow it."""
    return any(
        path.binding.source is not BUILTIN_SOURCE for path in model.kubernetes.grant_paths(identity, request)
    )


def flagged(model: Model, identity: Identity, request: Request) -> Decision | None:
    """The decision, when the sources allow (or may allow) the request (built only then: most
    requests a built-in asks are denied)."""
    if model.kubernetes.allowed(identity, request) is False or not sourced(model, identity, request):
        return None
    return model.decide(identity, request)


def requests_for(model: Model, probe: Probe, scopes: Iterable[Str]) -> Iterator[tuple[Str, list[Request]]]:
    """For each scope (``""``: cluster-wide), the probe unnamed and with every rule-listed name."""
    return _ProbeRequests(model, [probe]).of(probe, scopes)


class _ProbeRequests:
    """:func:`requests_for` for one scan: each probe's names looked up once, and its requests
    built once per scope, for every subject that asks them."""

    def __init__(self, model: Model, probes: list[Probe]) -> None:
        self._names = {probe: ["", *rule_names(model, probe)] for probe in probes}
        self._built: dict[tuple[Probe, Str], list[Request]] = {}

    def of(self, probe: Probe, scopes: Iterable[Str]) -> Iterator[tuple[Str, list[Request]]]:
        for scope in scopes:
            key = (probe, scope)
            requests = self._built.get(key)
            if requests is None:
                requests = self._built[key] = [
                    ResourceRequest(probe.verb, probe.group, probe.resource, probe.subresource, scope, name)
                    for name in self._names[probe]]
            yield scope, requests


def scan(
    model: Model, probes: Iterable[Probe], *, scope: str = "any", fixed: Iterable[Str] = ()
) -> tuple[list[Finding], int]:
    """Ask every subject every probe: cluster-wide first and, where that is denied, in each namespace
    (``scope="any"``); cluster-wide only (``"cluster"``); or in the ``fixed`` namespaces (``"fixed"``)."""
    probes = list(probes)
    asked = _ProbeRequests(model, probes)
    found: list[Finding] = []
    checked = 0
    fixed = list(fixed)
    for subject in subjects(model):
        identity = subject.identity
        local = bound_in(model, identity) if scope == "any" else fixed
        for probe in probes:
            scopes: list[Str] = [""] if scope in ("any", "cluster") else []
            if scope in ("any", "fixed"):
                scopes += local
            hit_cluster = False
            for where, requests in asked.of(probe, scopes):
                if where != "" and hit_cluster:
                    break
                for request in requests:
                    checked += 1
                    decision = flagged(model, identity, request)
                    if decision is not None:
                        found.append(decision_finding(subject, decision, "cannot"))
                        hit_cluster = hit_cluster or where == ""
                        break  # any name will do: the unnamed request (or the first name) is the finding
    return found, checked


def url_scan(model: Model, verbs: Iterable[str], urls: Iterable[str]) -> tuple[list[Finding], int]:
    """Every subject against non-resource requests."""
    found: list[Finding] = []
    checked = 0
    for subject in subjects(model):
        for verb in verbs:
            for url in urls:
                checked += 1
                decision = flagged(model, subject.identity, NonResourceRequest(verb, url))
                if decision is not None:
                    found.append(decision_finding(subject, decision, "cannot"))
    return found, checked


__all__ = [
    "ANY_GROUP",
    "ANY_RESOURCE",
    "ANY_VERB",
    "Probe",
    "flagged",
    "namespaces",
    "requests_for",
    "rule_names",
    "scan",
    "sourced",
    "subjects",
    "url_scan",
]
