"""The indexed decision path against the candidate path it replaced, on generated models.

``KubernetesEngine.allowed`` decides from rule lists kept per subject key and shared by
every identity holding that key; ``reference_plan`` finds the bindings that apply one by
one (``candidates``, as the engine did before the index, and as explanations still do).
They must agree on every question, on concrete models and on models where names,
namespaces, subjects, role references, rules and existence are symbols, whatever order
the questions come in and however often they are asked.
"""

from __future__ import annotations

import copy
import dataclasses
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from property_support import PROBE_SUBJECTS, Manifest, probe_requests

from pytest_pfperms import NonResourceRequest, ResourceRequest, ServiceAccount, User
from pytest_pfperms import strategies as pst
from pytest_pfperms.kubernetes.authorizer import KubernetesEngine
from pytest_pfperms.model.identities import Identity
from pytest_pfperms.model.objects import KubeObject, SourceRef
from pytest_pfperms.model.requests import Request
from pytest_pfperms.sources.manifests.object_building import InvalidObject, build_object
from pytest_pfperms.values import Symbol, Tri

X = Symbol("var.x", expression="var.x")
Y = Symbol("var.y", expression="var.y")
MAYBE = Symbol("var.enabled", expression="var.enabled")

IDENTITIES = (
    *PROBE_SUBJECTS,
    ServiceAccount(X, "sa0"), ServiceAccount("ns0", X), ServiceAccount(X, Y),
    ServiceAccount("ns0:sa0", "x"), ServiceAccount("ns0", "sa0:x"), ServiceAccount("", "sa0"),
    ServiceAccount("ns0", ""), User("system:serviceaccount:ns0:sa0:x"), User("system:serviceaccount::sa0"),
    User("group0", ("system:serviceaccounts", "system:serviceaccounts:ns0")),
)
"""The probe identities, plus symbolic accounts and names a subject key could read two ways."""

REQUESTS = (
    *probe_requests(("get", "delete", "escalate")),
    *(ResourceRequest(verb, "", "pods", "", X, "") for verb in ("get", "list")),
    ResourceRequest("get", "", "secrets", "", "ns0", X),
    ResourceRequest("get", "apps", "deployments", "scale", Y, ""),
)
"""The probe requests (three verbs of five), plus requests in a namespace or of a name known only after apply."""

TRICKY_SUBJECTS = (
    {"kind": "User", "name": "system:serviceaccount:ns0:sa0:x"},
    {"kind": "User", "name": "system:serviceaccount::sa0"},
    {"kind": "User", "name": "system:serviceaccount:ns0:sa0"},
    {"kind": "ServiceAccount", "namespace": "ns0:sa0", "name": "x"},
    {"kind": "ServiceAccount", "namespace": "ns0", "name": "sa0:x"},
    {"kind": "ServiceAccount", "name": "sa1"},
    {"kind": "Group", "name": "system:serviceaccounts:ns0"},
    {"kind": "Group", "name": "system:authenticated"},
)
"""Subjects added to drawn bindings: user names a service account's keys could read two ways,
and the groups every service account holds."""


def _sites(manifests: list[Manifest]) -> list[tuple[Any, ...]]:
    """Every string of the drawn objects a symbol may stand for."""
    sites: list[tuple[Any, ...]] = []
    for index, manifest in enumerate(manifests):
        sites.append((index, "metadata", "name"))
        if "namespace" in manifest["metadata"]:
            sites.append((index, "metadata", "namespace"))
        for number, rule in enumerate(manifest.get("rules", [])):
            for field in ("verbs", "apiGroups", "resources", "resourceNames"):
                for position in range(len(rule.get(field, []))):
                    sites.append((index, "rules", number, field, position))
        if "roleRef" in manifest:
            sites.append((index, "roleRef", "name"))
            sites.append((index, "roleRef", "kind"))
        for position, subject in enumerate(manifest.get("subjects", [])):
            sites.append((index, "subjects", position, "name"))
            sites.append((index, "subjects", position, "kind"))
            if "namespace" in subject:
                sites.append((index, "subjects", position, "namespace"))
    return sites


def _set(manifests: list[Manifest], site: tuple[Any, ...], value: Any) -> None:
    target: Any = manifests[site[0]]
    for key in site[1:-1]:
        target = target[key]
    target[site[-1]] = value


def _objects(manifests: list[Manifest], conditional: set[int]) -> list[KubeObject]:
    objects = []
    for index, manifest in enumerate(manifests):
        try:
            built = build_object(manifest, SourceRef("drawn.yaml", index + 1), "default",
                                 condition=MAYBE if index in conditional else None)
        except InvalidObject:
            continue  # a symbol where the object needs a literal
        objects.append(built.obj)
    return objects


def _drawn_objects(manifests: list[Manifest], data: st.DataObject) -> tuple[list[KubeObject], str]:
    """The generated objects with tricky subjects, symbols and conditional existence drawn in,
    and a description of what was drawn for failure messages."""
    drawn = copy.deepcopy(manifests)
    bindings = [index for index, manifest in enumerate(drawn) if "subjects" in manifest]
    for index in bindings:
        drawn[index]["subjects"] += data.draw(st.lists(st.sampled_from(TRICKY_SUBJECTS), max_size=2),
                                              label=f"subjects added to object {index}")
    sites = _sites(drawn)
    chosen = data.draw(st.lists(st.sampled_from(sites), max_size=4, unique=True), label="symbols") \
        if sites else []
    for site in chosen:
        _set(drawn, site, data.draw(st.sampled_from([X, Y]), label=f"symbol at {site}"))
    conditional = set(data.draw(st.lists(st.sampled_from(bindings), max_size=2), label="bindings that "
                                "may not exist") if bindings else [])
    if data.draw(st.booleans(), label="a role may not exist"):
        conditional.add(data.draw(st.integers(0, max(len(drawn) - 1, 0))))
    return _objects(drawn, conditional), f"symbols at {chosen}, conditional {sorted(conditional)}"


def _reference(engine: KubernetesEngine, who: Identity, request: Request) -> Tri:
    if isinstance(request, NonResourceRequest):
        return engine.reference_plan(who, "").decide_url(request)
    return engine.reference_plan(who, request.namespace).decide(request)


@given(pst.manifests(), st.data())
def test_the_indexed_path_decides_as_the_candidate_path(manifests: list[Manifest],
                                                       data: st.DataObject) -> None:
    objects, drawn = _drawn_objects(manifests, data)
    fast, slow = KubernetesEngine(objects), KubernetesEngine(objects)
    questions = [(who, request) for who in IDENTITIES for request in REQUESTS]
    random.Random(data.draw(st.integers(0, 2**32), label="order")).shuffle(questions)
    for who, request in [*questions, *questions[: len(questions) // 5]]:
        expected = _reference(slow, who, request)
        assert fast.allowed(who, request) is expected, (
            f"{who} {request.describe()}: indexed path {fast.allowed(who, request)}, candidate path "
            f"{expected}; {drawn}")


@given(pst.manifests(), st.data())
def test_answers_over_many_identities_are_the_candidate_paths(manifests: list[Manifest],
                                                              data: st.DataObject) -> None:
    """``answers`` (what forall's can()/cannot() ask) looks each identity up once and shares
    each plan's answers between the identities holding it, in any order of identities."""
    objects, drawn = _drawn_objects(manifests, data)
    fast, slow = KubernetesEngine(objects), KubernetesEngine(objects)
    identities = data.draw(st.permutations(IDENTITIES), label="identities in order")
    requests = data.draw(st.lists(st.sampled_from(REQUESTS), min_size=1, max_size=len(REQUESTS)),
                         label="requests")
    shared: dict[Any, Tri] = {}
    for who in [*identities, *identities[:2]]:
        expected = [_reference(slow, who, request) for request in requests]
        assert fast.answers(who, requests, shared) == expected, f"{who}: {drawn}"


@given(pst.manifests(), st.data())
def test_who_can_answers_from_its_caches_as_a_fresh_engine(manifests: list[Manifest],
                                                          data: st.DataObject) -> None:
    """``who_can`` keeps what the ClusterRoleBindings grant per request less its namespace:
    asking in one namespace after another must list what a fresh engine lists."""
    drawn = copy.deepcopy(manifests)
    sites = _sites(drawn)
    chosen = data.draw(st.lists(st.sampled_from(sites), max_size=3, unique=True), label="symbols") \
        if sites else []
    for site in chosen:
        _set(drawn, site, data.draw(st.sampled_from([X, Y]), label=f"symbol at {site}"))
    objects = _objects(drawn, set())
    engine = KubernetesEngine(objects)
    asked = []
    for request in data.draw(st.lists(st.sampled_from(REQUESTS), min_size=1, max_size=8), label="requests"):
        if isinstance(request, NonResourceRequest):
            asked.append(request)
            continue
        asked += [dataclasses.replace(request, namespace=namespace, name=name)
                  for namespace in ("ns0", "ns1", "", X) for name in ("", "obj0", Y)]
    random.Random(data.draw(st.integers(0, 2**32), label="order")).shuffle(asked)
    for request in asked:
        assert engine.who_can(request) == KubernetesEngine(objects).who_can(request), request.describe()


@given(pst.manifests(), st.data())
def test_explanations_look_for_grants_elsewhere_in_every_namespace_that_may_hold_one(
        manifests: list[Manifest], data: st.DataObject) -> None:
    """``binding_namespaces`` (where a denial's explanation looks for the same grant) leaves out
    only namespaces whose RoleBindings grant the identity nothing for certain."""
    drawn = copy.deepcopy(manifests)
    sites = [site for site in _sites(drawn) if site[1] in ("metadata", "subjects")]
    chosen = data.draw(st.lists(st.sampled_from(sites), max_size=2, unique=True), label="symbols") \
        if sites else []
    for site in chosen:
        _set(drawn, site, data.draw(st.sampled_from([X, Y]), label=f"symbol at {site}"))
    engine = KubernetesEngine(_objects(drawn, set()))
    for who in IDENTITIES:
        looked = engine.binding_namespaces(who)
        for namespace in set(engine.bindings_by_namespace) - set(looked):
            for request in REQUESTS[::7]:
                if isinstance(request, NonResourceRequest):
                    continue
                moved = dataclasses.replace(request, namespace=namespace)
                granted = [path for path in engine.grant_paths(who, moved)
                           if path.allowed is True and path.binding.namespace == namespace]
                assert not granted, f"{who}: {granted[0]} in {namespace}, which is not looked at"


@given(pst.manifests())
def test_objects_by_kind_and_namespace_lists_what_a_scan_finds(manifests: list[Manifest]) -> None:
    from property_support import load

    model = load(manifests)
    everything = model.objects()
    kinds = [None, *sorted({obj.kind for obj in everything}), "Pod"]
    namespaces = [None, *sorted({obj.namespace for obj in everything if obj.namespace}), "nowhere"]
    for kind in kinds:
        for namespace in namespaces:
            scanned = [obj for obj in everything if (kind is None or obj.kind == kind)
                       and (namespace is None or obj.namespace == namespace)]
            assert model.objects(kind, namespace=namespace) == scanned, (kind, namespace)


def test_a_subject_of_unknown_kind_with_a_literal_name_may_apply() -> None:
    """Found while indexing: a subject whose kind is unknown before apply but whose name is a
    literal was neither indexed nor held as uncertain, so ``can()`` said CANNOT where
    ``who_can`` (and the subject's own matching) said it may."""
    kind = Symbol("var.kind", expression="var.kind")
    objects = _objects([
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "reader"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
         "subjects": [{"kind": kind, "name": "system:serviceaccount:ns0:sa0"}]},
    ], set())
    engine = KubernetesEngine(objects)
    request = ResourceRequest("get", "", "pods", "", "ns0", "")
    assert engine.allowed(ServiceAccount("ns0", "sa0"), request) is None
    assert engine.reference_plan(ServiceAccount("ns0", "sa0"), "ns0").decide(request) is None
    assert [path.allowed for path in engine.who_can(request)] == [None]
    assert engine.allowed(User("alice"), ResourceRequest("get", "", "secrets", "", "ns0", "")) is False
