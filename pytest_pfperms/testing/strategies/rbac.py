"""Hypothesis strategies for Kubernetes RBAC: rules, roles, bindings, subjects, requests, manifests.

Arguments arrive validated (see :mod:`pytest_pfperms.strategies`). Manifests are
plain dicts, as ``kubectl`` would read them; keys are written in the order a human
would (``apiGroups``, ``resources``, ``resourceNames``, ``verbs``). Every choice
shrinks towards the start of its pool and every list towards one item, so a
failing example reads like ``get pods in ns0 by sa0``.

Hypothesis counts an example with fewer choices as simpler, so wherever one branch
would draw less than the plain one (a wildcard that skips resourceNames, a URL rule,
an aggregated role, a group subject), every branch is drawn and one is kept: the
plain branch, at choice 0, stays the simplest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ...model.identities import Identity, ServiceAccount, User
from ...model.requests import NonResourceRequest, Request, ResourceRequest
from ...values import Str
from . import pools
from .validation import ResourceKey

Manifest = dict[str, Any]
Draw = st.DrawFn


def _resource_text(key: ResourceKey) -> str:
    _group, resource, sub = key
    return f"{resource}/{sub}" if sub else resource


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a rule may name: pools of verbs, resources, resource names and URLs."""

    verbs: tuple[str, ...]
    resources: tuple[ResourceKey, ...]
    resource_names: tuple[str, ...]
    urls: tuple[str, ...]
    wildcards: bool
    max_verbs: int
    max_resources: int


def resource_rules(spec: RuleSpec) -> st.SearchStrategy[Manifest]:
    """Rules over resources: apiGroups x resources, verbs, and resourceNames for one resource."""

    @st.composite
    def build(draw: Draw) -> Manifest:
        verb_pool = (*spec.verbs, "*") if spec.wildcards else spec.verbs
        verbs = draw(st.lists(st.sampled_from(verb_pool), min_size=1, max_size=spec.max_verbs,
                              unique=True))
        chosen = draw(st.lists(st.sampled_from(spec.resources), min_size=1,
                               max_size=spec.max_resources, unique=True))
        groups = list(dict.fromkeys(key[0] for key in chosen))
        resources = list(dict.fromkeys(_resource_text(key) for key in chosen))
        names = (draw(st.lists(st.sampled_from(spec.resource_names), max_size=2, unique=True))
                 if spec.resource_names else [])
        if spec.wildcards:
            if draw(st.integers(0, 4)) == 4:
                groups = ["*"]
            wildcard = draw(st.integers(0, 5))
            if wildcard == 5:
                resources = ["*"]
            elif wildcard == 4 and any(key[2] for key in chosen):
                resources = list(dict.fromkeys(f"*/{key[2]}" if key[2] else _resource_text(key)
                                               for key in chosen))
        rule: Manifest = {"apiGroups": groups, "resources": resources}
        if len(resources) == 1 and resources != ["*"] and names:
            rule["resourceNames"] = names
        rule["verbs"] = verbs
        return rule

    return build()


def url_rules(spec: RuleSpec) -> st.SearchStrategy[Manifest]:
    """Rules over non-resource URLs (ClusterRoles only)."""
    verb_pool = (*pools.URL_VERBS, "*") if spec.wildcards else pools.URL_VERBS
    urls = spec.urls if spec.wildcards else tuple(url for url in spec.urls if "*" not in url)

    @st.composite
    def build(draw: Draw) -> Manifest:
        found = draw(st.lists(st.sampled_from(urls or spec.urls), min_size=1, max_size=2, unique=True))
        return {"nonResourceURLs": found,
                "verbs": draw(st.lists(st.sampled_from(verb_pool), min_size=1, max_size=2, unique=True))}

    return build()


def rules(spec: RuleSpec) -> st.SearchStrategy[Manifest]:
    """Resource rules, and one time in four a URL rule when ``spec.urls`` is not empty."""
    if not spec.urls:
        return resource_rules(spec)
    resource, url = resource_rules(spec), url_rules(spec)

    @st.composite
    def build(draw: Draw) -> Manifest:
        use_url = draw(st.integers(0, 3)) == 3
        drawn_resource, drawn_url = draw(resource), draw(url)
        return drawn_url if use_url else drawn_resource

    return build()


def _metadata(name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Manifest:
    metadata: Manifest = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = labels
    return metadata


def role(name: str, namespace: str, rule_list: list[Manifest]) -> Manifest:
    """A Role manifest."""
    return {"apiVersion": pools.RBAC_API_VERSION, "kind": "Role",
            "metadata": _metadata(name, namespace), "rules": rule_list}


def roles(names: Sequence[str], namespaces: Sequence[str], rule_strategy: st.SearchStrategy[Manifest],
          min_rules: int, max_rules: int) -> st.SearchStrategy[Manifest]:
    """Role manifests."""

    @st.composite
    def build(draw: Draw) -> Manifest:
        name, namespace = draw(st.sampled_from(names)), draw(st.sampled_from(namespaces))
        return role(name, namespace, draw(st.lists(rule_strategy, min_size=min_rules, max_size=max_rules)))

    return build()


def label_sets(labels: dict[str, tuple[str, ...]]) -> st.SearchStrategy[dict[str, str]]:
    """Labels drawn key by key from the pool; each key is absent unless drawn."""

    @st.composite
    def build(draw: Draw) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, values in labels.items():
            value = draw(st.one_of(st.none(), st.sampled_from(values)))
            if value is not None:
                found[key] = value
        return found

    return build()


def selectors(labels: dict[str, tuple[str, ...]]) -> st.SearchStrategy[Manifest]:
    """A label selector over the label pool: matchLabels and matchExpressions (possibly empty)."""

    @st.composite
    def build(draw: Draw) -> Manifest:
        keys = list(labels)
        selector: Manifest = {}
        chosen = draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))
        match = {key: draw(st.sampled_from(labels[key])) for key in chosen}
        if match:
            selector["matchLabels"] = match
        if draw(st.integers(0, 2)) == 2:
            key = draw(st.sampled_from(keys))
            operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
            requirement: Manifest = {"key": key, "operator": operator}
            if operator in ("In", "NotIn"):
                requirement["values"] = draw(st.lists(st.sampled_from(labels[key]), min_size=1,
                                                      max_size=2, unique=True))
            selector["matchExpressions"] = [requirement]
        return selector

    return build()


def cluster_role(name: str, labels: dict[str, str], rule_list: list[Manifest],
                 selector_list: list[Manifest] | None = None) -> Manifest:
    """A ClusterRole manifest; with ``selector_list`` an aggregated one."""
    manifest: Manifest = {"apiVersion": pools.RBAC_API_VERSION, "kind": "ClusterRole",
                          "metadata": _metadata(name, labels=labels)}
    if selector_list is not None:
        manifest["aggregationRule"] = {"clusterRoleSelectors": selector_list}
    manifest["rules"] = rule_list
    return manifest


def cluster_roles(names: Sequence[str], labels: dict[str, tuple[str, ...]],
                  rule_strategy: st.SearchStrategy[Manifest], min_rules: int, max_rules: int,
                  aggregating: bool | None) -> st.SearchStrategy[Manifest]:
    """ClusterRole manifests; ``aggregating`` True/False/None (either, one in four aggregated)."""

    @st.composite
    def build(draw: Draw) -> Manifest:
        name = draw(st.sampled_from(names))
        label_set = draw(label_sets(labels))
        aggregated = aggregating if aggregating is not None else draw(st.integers(0, 3)) == 3
        rule_list = draw(st.lists(rule_strategy, min_size=min_rules, max_size=max_rules))
        if aggregating is False:
            return cluster_role(name, label_set, rule_list)
        selector_list = draw(st.lists(selectors(labels), min_size=1, max_size=2))
        if not aggregated:
            return cluster_role(name, label_set, rule_list)
        # The controller replaces whatever rules an aggregated role lists; sometimes list stale ones.
        stale = rule_list[:1] if draw(st.integers(0, 3)) == 3 else []
        return cluster_role(name, label_set, stale, selector_list)

    return build()


# --------------------------------------------------------------------------- who asks


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """Pools of identities: kinds, namespaces, service account names, user names, groups."""

    kinds: tuple[str, ...]
    namespaces: tuple[str, ...]
    service_accounts: tuple[str, ...]
    users: tuple[str, ...]
    groups: tuple[str, ...]


def subjects(spec: SubjectSpec) -> st.SearchStrategy[Identity]:
    """Service accounts and users (with groups) from the pools, in the order of ``spec.kinds``."""
    options: list[st.SearchStrategy[Identity]] = []
    for kind in spec.kinds:
        if kind == "ServiceAccount":
            options.append(st.builds(ServiceAccount, st.sampled_from(spec.namespaces),
                                     st.sampled_from(spec.service_accounts)))
        else:
            options.append(_users(spec.users, spec.groups))
    return st.one_of(options)


def _users(names: Sequence[str], groups: Sequence[str]) -> st.SearchStrategy[Identity]:
    @st.composite
    def build(draw: Draw) -> Identity:
        name = draw(st.sampled_from(names))
        chosen = draw(st.lists(st.sampled_from(groups), max_size=2, unique=True)) if groups else []
        return User(name, tuple(chosen))

    return build()


def subject_entry(identity: Identity, binding_namespace: str | None, omit_namespace: bool) -> Manifest:
    """The binding subject that names ``identity``."""
    if isinstance(identity, ServiceAccount):
        entry: Manifest = {"kind": "ServiceAccount", "name": identity.name}
        if not (omit_namespace and identity.namespace == binding_namespace):
            entry["namespace"] = identity.namespace
        return entry
    return {"kind": "User", "apiGroup": pools.RBAC_GROUP, "name": identity.name}


def group_names(namespaces: Sequence[str], groups: Sequence[str]) -> tuple[str, ...]:
    """Groups a binding may name: the pool, the service-account groups, system:authenticated."""
    return (*groups, *pools.SYSTEM_GROUPS, *(f"system:serviceaccounts:{ns}" for ns in namespaces))


@dataclass(frozen=True, slots=True)
class BindingSpec:
    """What bindings may name."""

    kinds: tuple[str, ...]
    names: tuple[str, ...] | None
    namespaces: tuple[str, ...]
    role_names: tuple[str, ...]
    cluster_role_names: tuple[str, ...]
    groups: tuple[str, ...]
    max_subjects: int


def subject_lists(draw: Draw, identities: st.SearchStrategy[Identity], groups: Sequence[str],
                  namespace: str | None, max_subjects: int) -> list[Manifest]:
    """1..max_subjects binding subjects: identities, and one time in four a group."""
    count = draw(st.integers(1, max_subjects))
    entries: list[Manifest] = []
    for _ in range(count):
        use_group = bool(groups) and draw(st.integers(0, 3)) == 3
        group = draw(st.sampled_from(groups)) if groups else ""
        omit = draw(st.booleans()) and namespace is not None
        entry = subject_entry(draw(identities), namespace, omit)
        if use_group:
            entry = {"kind": "Group", "apiGroup": pools.RBAC_GROUP, "name": group}
        if entry not in entries:
            entries.append(entry)
    return entries


def binding(kind: str, name: str, namespace: str | None, ref_kind: str, ref_name: str,
            subject_list: list[Manifest]) -> Manifest:
    """A RoleBinding (with ``namespace``) or ClusterRoleBinding manifest."""
    return {"apiVersion": pools.RBAC_API_VERSION, "kind": kind,
            "metadata": _metadata(name, namespace),
            "roleRef": {"apiGroup": pools.RBAC_GROUP, "kind": ref_kind, "name": ref_name},
            "subjects": subject_list}


def bindings(spec: BindingSpec, identities: st.SearchStrategy[Identity]) -> st.SearchStrategy[Manifest]:
    """RoleBinding and ClusterRoleBinding manifests over the role name pools."""
    groups = group_names(spec.namespaces, spec.groups)

    @st.composite
    def build(draw: Draw) -> Manifest:
        kind = draw(st.sampled_from(spec.kinds))
        namespace: str | None = draw(st.sampled_from(spec.namespaces))
        if kind == "RoleBinding":
            refs = [("Role", name) for name in spec.role_names]
            refs += [("ClusterRole", name) for name in spec.cluster_role_names]
            name = draw(st.sampled_from(spec.names or ("binding0", "binding1", "binding2")))
        else:
            namespace = None
            refs = [("ClusterRole", name) for name in spec.cluster_role_names]
            name = draw(st.sampled_from(spec.names or ("clusterbinding0", "clusterbinding1",
                                                       "clusterbinding2")))
        ref_kind, ref_name = draw(st.sampled_from(refs))
        subject_list = subject_lists(draw, identities, groups, namespace, spec.max_subjects)
        return binding(kind, name, namespace, ref_kind, ref_name, subject_list)

    return build()


# --------------------------------------------------------------------------- what is asked


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """Pools of request attributes; ``namespaces`` may hold None (cluster scope)."""

    verbs: tuple[str, ...]
    resources: tuple[ResourceKey, ...]
    namespaces: tuple[Str | None, ...]
    names: tuple[str, ...]
    urls: tuple[str, ...]
    url_verbs: tuple[str, ...]


def requests(spec: RequestSpec) -> st.SearchStrategy[Request]:
    """Resource requests, and one time in five a non-resource request when ``spec.urls`` is set."""

    @st.composite
    def resource_requests(draw: Draw) -> Request:  # a composite, so failures print the request itself
        verb = draw(st.sampled_from(spec.verbs))
        group, name_of_resource, sub = draw(st.sampled_from(spec.resources))
        namespace = draw(st.sampled_from(spec.namespaces))
        return ResourceRequest(verb, group, name_of_resource, sub, "" if namespace is None else namespace,
                               draw(st.sampled_from(spec.names)))

    resource = resource_requests()
    if not spec.resources:
        return st.builds(NonResourceRequest, st.sampled_from(spec.url_verbs), st.sampled_from(spec.urls))
    if not spec.urls:
        return resource
    url: st.SearchStrategy[Request] = st.builds(NonResourceRequest, st.sampled_from(spec.url_verbs),
                                                st.sampled_from(spec.urls))

    @st.composite
    def build(draw: Draw) -> Request:
        use_url = draw(st.integers(0, 4)) == 4
        drawn_resource, drawn_url = draw(resource), draw(url)
        return drawn_url if use_url else drawn_resource

    return build()


# --------------------------------------------------------------------------- whole sets


@dataclass(frozen=True, slots=True)
class ManifestSpec:
    """Bounds and pools of a whole set of RBAC objects."""

    namespaces: tuple[str, ...]
    rules: RuleSpec
    labels: dict[str, tuple[str, ...]]
    existing_cluster_roles: tuple[str, ...]
    groups: tuple[str, ...]
    max_roles: int
    max_cluster_roles: int
    max_bindings: int
    max_rules: int
    max_subjects: int
    aggregation: bool
    service_accounts: bool


def manifests(spec: ManifestSpec, identities: st.SearchStrategy[Identity],
              ) -> st.SearchStrategy[list[Manifest]]:
    """Roles, ClusterRoles (some aggregated), bindings to them (and sometimes to missing roles),
    and a ServiceAccount object for each service account the bindings name; names unique."""
    role_rules = resource_rules(spec.rules)
    cluster_rules = rules(spec.rules)
    groups = group_names(spec.namespaces, spec.groups)

    @st.composite
    def build(draw: Draw) -> list[Manifest]:
        found: list[Manifest] = []
        role_refs: dict[str, list[str]] = {}
        for index in range(draw(st.integers(0, spec.max_roles))):
            namespace = draw(st.sampled_from(spec.namespaces))
            name = f"role{index}"
            found.append(role(name, namespace, draw(st.lists(role_rules, min_size=1,
                                                                max_size=spec.max_rules))))
            role_refs.setdefault(namespace, []).append(name)
        cluster_names: list[str] = []
        for index in range(draw(st.integers(0, spec.max_cluster_roles))):
            name = f"clusterrole{index}"
            label_set = draw(label_sets(spec.labels))
            aggregated = spec.aggregation and draw(st.integers(0, 3)) == 3
            rule_list = draw(st.lists(cluster_rules, min_size=1, max_size=spec.max_rules))
            selector_list = draw(st.lists(selectors(spec.labels), min_size=1, max_size=2)) \
                if spec.aggregation else []
            if aggregated:
                found.append(cluster_role(name, label_set, [], selector_list))
            else:
                found.append(cluster_role(name, label_set, rule_list))
            cluster_names.append(name)
        accounts: dict[tuple[str, str], None] = {}  # (namespace, name)
        for index in range(draw(st.integers(0, spec.max_bindings))):
            cluster_wide = draw(st.integers(0, 2)) == 2
            drawn_namespace = draw(st.sampled_from(spec.namespaces))
            binding_namespace = None if cluster_wide else drawn_namespace
            refs = [("ClusterRole", name) for name in (*cluster_names, *spec.existing_cluster_roles)]
            if binding_namespace is not None:
                refs = [("Role", name) for name in role_refs.get(binding_namespace, [])] + refs
            refs.append(("ClusterRole", "missing") if cluster_wide else ("Role", "missing"))
            ref_kind, ref_name = draw(st.sampled_from(refs))
            subject_list = subject_lists(draw, identities, groups, binding_namespace, spec.max_subjects)
            for entry in subject_list:
                if entry["kind"] == "ServiceAccount":
                    accounts[(entry.get("namespace") or str(binding_namespace), entry["name"])] = None
            kind = "ClusterRoleBinding" if cluster_wide else "RoleBinding"
            name = f"clusterbinding{index}" if cluster_wide else f"binding{index}"
            found.append(binding(kind, name, binding_namespace, ref_kind, ref_name, subject_list))
        if spec.service_accounts:
            for namespace, name in accounts:
                found.append({"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": _metadata(name, namespace)})
        return found

    return build()
