"""Shared pieces of the property tests: a reference authorizer, probes, and model comparison.

``reference_allows`` is a second, deliberately naive RBAC authorizer written from
``reference/k8s-rbac.md`` (sections 2 to 5 and 10) over manifest dicts: no
indexes, no caches, no symbols, sets instead of order. The engine must agree
with it on every probe; where the properties need "this rule, checked alone",
``rule_allows`` is that check.

``PROBES`` (``PROBE_SUBJECTS`` x ``PROBE_REQUESTS``) is the fixed space a model is
checked on: every identity and request the strategies' default pools can tell
apart, plus a verb, a resource, a namespace and a URL that only wildcards reach;
``COMPARE`` is a third of it, for comparing models with each other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest_pfperms as pfperms
from pytest_pfperms import (
    NonResourceRequest,
    ResourceRequest,
    ServiceAccount,
    User,
    strategies,
)

Manifest = dict[str, Any]
Identity = User | ServiceAccount
Request = ResourceRequest | NonResourceRequest

# ----------------------------------------------------------------------------------------- probes

PROBE_SUBJECTS: tuple[Identity, ...] = (
    *(ServiceAccount(ns, name) for ns in ("ns0", "ns1", "ns2") for name in ("sa0", "sa1", "default")),
    ServiceAccount("elsewhere", "sa0"),
    User("user0"),
    User("user1", ("group0",)),
    User("user0", ("group1", "system:authenticated")),
    User("system:serviceaccount:ns0:sa0"),
)
"""Identities: every default-pool service account, one outside the pools, users with groups, and
a user whose name is a service account's user name."""

_VERBS = ("get", "list", "delete", "deletecollection", "escalate")
_RESOURCES = (("", "pods", ""), ("", "secrets", ""), ("", "configmaps", ""), ("apps", "deployments", ""),
              ("", "pods", "log"), ("apps", "deployments", "scale"), ("", "nodes", ""),
              ("example.com", "widgets", ""))
_NAMESPACES = ("ns0", "ns1", "ns2", "elsewhere", "")
_NAMES = ("", "obj0")
_URLS = ("/healthz", "/metrics", "/logs/app", "/logsx", "/version")


def probe_requests(verbs: Sequence[str] = _VERBS, namespaces: Sequence[str] = _NAMESPACES,
                   ) -> tuple[Request, ...]:
    """Resource requests over the pools (``""`` namespace: cluster scope), then URL requests."""
    found: list[Request] = [ResourceRequest(verb, group, resource, sub, namespace, name)
                            for verb, (group, resource, sub), namespace, name
                            in itertools.product(verbs, _RESOURCES, namespaces, _NAMES)]
    found += [NonResourceRequest(verb, url) for verb in ("get", "post", "head") for url in _URLS]
    return tuple(found)


PROBE_REQUESTS = probe_requests()
PROBES: tuple[tuple[Identity, Request], ...] = tuple(itertools.product(PROBE_SUBJECTS, PROBE_REQUESTS))
"""Every identity x every request: for the checks against the reference and of explanations."""

COMPARE_SUBJECTS: tuple[Identity, ...] = (
    ServiceAccount("ns0", "sa0"), ServiceAccount("ns0", "sa1"), ServiceAccount("ns1", "sa0"),
    ServiceAccount("ns1", "default"), ServiceAccount("elsewhere", "sa0"), *PROBE_SUBJECTS[-4:])
COMPARE_REQUESTS = probe_requests(("get", "delete", "escalate"), ("ns0", "ns1", "elsewhere", ""))
COMPARE: tuple[tuple[Identity, Request], ...] = tuple(itertools.product(COMPARE_SUBJECTS, COMPARE_REQUESTS))
"""A third of the probes, for comparing two or three models per example (the laws hold per
probe, and the reference test already covers the full space)."""


def answers(model: pfperms.Model, probes: Iterable[tuple[Identity, Request]] = COMPARE,
            ) -> dict[tuple[Identity, Request], bool | None]:
    """The model's answer to every probe."""
    return {(who, request): model.decide(who, request).allowed for who, request in probes}


def allowed_set(model: pfperms.Model, probes: Iterable[tuple[Identity, Request]] = COMPARE,
                ) -> set[tuple[Identity, Request]]:
    """The probes the model definitely allows."""
    return {probe for probe, allowed in answers(model, probes).items() if allowed is True}


def describe(probe: tuple[Identity, Request]) -> str:
    who, request = probe
    return f"{who} -> {request.describe()}"


def first_difference(left: Mapping[Any, Any], right: Mapping[Any, Any]) -> str | None:
    """The first probe two answer maps disagree on, described, or None."""
    for probe, answer in left.items():
        if right[probe] != answer:
            return f"{describe(probe)}: {answer} against {right[probe]}"
    return None


def load(manifests: Sequence[Manifest], **options: Any) -> pfperms.Model:
    """Drawn manifests -> Model (YAML unless ``format=`` says otherwise; no cluster defaults)."""
    return strategies.load_manifests(manifests, **options)


# ------------------------------------------------------------------------- a reference authorizer

Rule = tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]]


def frozen_rule(rule: Mapping[str, Any]) -> Rule:
    """A rule dict as a hashable value: verbs, apiGroups, resources, resourceNames, URLs."""
    return (frozenset(rule.get("verbs") or ()), frozenset(rule.get("apiGroups") or ()),
            frozenset(rule.get("resources") or ()), frozenset(rule.get("resourceNames") or ()),
            frozenset(rule.get("nonResourceURLs") or ()))


def rule_allows(rule: Rule | Mapping[str, Any], request: Request) -> bool:
    """``RuleAllows`` (section 5), written from the reference without looking at the engine."""
    verbs, groups, resources, names, urls = rule if isinstance(rule, tuple) else frozen_rule(rule)
    if "*" not in verbs and request.verb not in verbs:
        return False
    if isinstance(request, NonResourceRequest):
        return any(url == "*" or url == request.path
                   or (url.endswith("*") and request.path.startswith(url.rstrip("*")))
                   for url in urls)
    if "*" not in groups and request.api_group not in groups:
        return False
    combined = f"{request.resource}/{request.subresource}" if request.subresource else request.resource
    if not any(item == "*" or item == combined
               or (request.subresource and item == f"*/{request.subresource}") for item in resources):
        return False
    return not names or request.name in names


def _username(who: Identity) -> tuple[str, tuple[str, ...]]:
    if isinstance(who, ServiceAccount):
        return (f"system:serviceaccount:{who.namespace}:{who.name}",
                ("system:serviceaccounts", f"system:serviceaccounts:{who.namespace}",
                 "system:authenticated"))
    return who.name, who.groups


def subject_applies(subject: Mapping[str, Any], binding_namespace: str, who: Identity) -> bool:
    """``appliesToUser`` (section 4)."""
    user, groups = _username(who)
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == user
    if kind == "Group":
        return subject.get("name") in groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user == f"system:serviceaccount:{namespace}:{subject.get('name')}"
    return False


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (section 10): matchLabels and matchExpressions, ANDed."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for requirement in selector.get("matchExpressions") or []:
        key, operator, values = requirement["key"], requirement["operator"], requirement.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def selected_roles(aggregated: Manifest, cluster_roles: Sequence[Manifest]) -> list[Manifest]:
    """The ClusterRoles an aggregated role's selectors pick (never itself)."""
    selectors = aggregated["aggregationRule"]["clusterRoleSelectors"]
    name = aggregated["metadata"]["name"]
    return [role for role in cluster_roles if role["metadata"]["name"] != name
            and any(selector_matches(s, role["metadata"].get("labels") or {}) for s in selectors)]


def effective_rules(manifests: Sequence[Manifest]) -> dict[str, frozenset[Rule]]:
    """Every ClusterRole's rules after aggregation: the least fixpoint, from empty aggregated roles."""
    cluster_roles = [m for m in manifests if m["kind"] == "ClusterRole"]
    current = {role["metadata"]["name"]: (frozenset() if "aggregationRule" in role
                                          else frozenset(frozen_rule(r) for r in role.get("rules") or []))
               for role in cluster_roles}
    while True:
        changed = False
        for role in cluster_roles:
            if "aggregationRule" not in role:
                continue
            rules = frozenset(rule for picked in selected_roles(role, cluster_roles)
                              for rule in current[picked["metadata"]["name"]])
            if rules != current[role["metadata"]["name"]]:
                current[role["metadata"]["name"]] = rules
                changed = True
        if not changed:
            return current


class ReferenceAuthorizer:
    """The authorizer (sections 2 and 3) over manifest dicts.

    The union of the rules that apply to an identity in a namespace is computed once
    and cached; RBAC has no order and no deny, so the first match is any match.
    """

    def __init__(self, manifests: Sequence[Manifest]) -> None:
        self.manifests = list(manifests)
        self.effective = effective_rules(self.manifests)
        self.roles = {(m["metadata"]["namespace"], m["metadata"]["name"]):
                      frozenset(frozen_rule(r) for r in m.get("rules") or [])
                      for m in self.manifests if m["kind"] == "Role"}
        self._granted: dict[tuple[Identity, str], frozenset[Rule]] = {}

    def granted(self, who: Identity, namespace: str) -> frozenset[Rule]:
        """Every rule of every binding that applies to ``who`` for a request in ``namespace``."""
        key = (who, namespace)
        if key not in self._granted:
            found: set[Rule] = set()
            for binding in self.manifests:
                kind = binding["kind"]
                if kind == "ClusterRoleBinding":
                    binding_namespace = ""
                elif kind == "RoleBinding" and namespace and binding["metadata"]["namespace"] == namespace:
                    binding_namespace = namespace
                else:
                    continue
                if not any(subject_applies(s, binding_namespace, who) for s in binding.get("subjects") or []):
                    continue
                ref = binding["roleRef"]
                if ref["kind"] == "ClusterRole":
                    found |= self.effective.get(ref["name"], frozenset())
                elif ref["kind"] == "Role" and binding_namespace:
                    found |= self.roles.get((binding_namespace, ref["name"]), frozenset())
            self._granted[key] = frozenset(found)
        return self._granted[key]

    def allows(self, who: Identity, request: Request) -> bool:
        namespace = "" if isinstance(request, NonResourceRequest) else request.namespace
        return any(rule_allows(rule, request) for rule in self.granted(who, namespace))


def policy_rule(rule: Any) -> Rule:
    """An engine PolicyRule (concrete) as the reference's hashable rule."""
    return (frozenset(rule.verbs), frozenset(rule.api_groups), frozenset(rule.resources),
            frozenset(rule.resource_names), frozenset(rule.non_resource_urls))


def subject_dict(subject: Any) -> dict[str, Any]:
    """An engine Subject as a manifest subject."""
    found = {"kind": subject.kind, "name": subject.name}
    if subject.namespace:
        found["namespace"] = subject.namespace
    return found


def entry(who: Identity) -> dict[str, Any]:
    """The binding subject naming an identity (namespace always written)."""
    if isinstance(who, ServiceAccount):
        return {"kind": "ServiceAccount", "name": who.name, "namespace": who.namespace}
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": who.name}


def binding(kind: str, name: str, namespace: str | None, ref_kind: str, ref_name: str,
            subjects: Sequence[Mapping[str, Any]]) -> Manifest:
    """A binding manifest."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name},
            "subjects": [dict(s) for s in subjects]}
