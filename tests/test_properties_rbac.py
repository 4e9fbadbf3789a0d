"""Invariants of the RBAC engine, over whole sets of objects drawn by ``pytest_pfperms.strategies``.

Each test states one law of ``reference/k8s-rbac.md`` and checks it on every probe
(``property_support``: 14 identities x 415 requests against the reference, a third of
that when two models are compared). Settings come from the
active profile (root ``conftest.py``): "ci" is bounded and deterministic,
``--hypothesis-profile=thorough`` draws many more sets.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from property_support import (
    COMPARE,
    COMPARE_REQUESTS,
    PROBE_REQUESTS,
    PROBE_SUBJECTS,
    PROBES,
    Manifest,
    ReferenceAuthorizer,
    allowed_set,
    answers,
    binding,
    describe,
    entry,
    first_difference,
    load,
    policy_rule,
    rule_allows,
    selected_roles,
    subject_applies,
    subject_dict,
)

from pytest_pfperms import (
    NonResourceRequest,
    ResourceRequest,
    ServiceAccount,
    User,
)
from pytest_pfperms import strategies as pst
from pytest_pfperms.model.identities import parse_username
from pytest_pfperms.sources.cluster_defaults import bootstrap_manifests

MANIFESTS = pst.manifests()


def _missing(before: set[Any], after: set[Any]) -> str:
    lost = sorted(describe(probe) for probe in before - after)
    return f"{len(lost)} accesses lost, e.g. " + "; ".join(lost[:3])


# ---------------------------------------------------------------------------------------------
# The engine against a naive reference authorizer
# ---------------------------------------------------------------------------------------------


@given(MANIFESTS)
def test_the_engine_answers_as_a_naive_reference_authorizer(manifests: list[Manifest]) -> None:
    model = load(manifests)
    reference = ReferenceAuthorizer(manifests)
    for who, request in PROBES:
        decision = model.decide(who, request)
        expected = reference.allows(who, request)
        assert decision.allowed is expected, f"reference says {expected}:\n{decision.explain()}"


# ---------------------------------------------------------------------------------------------
# Monotonicity: RBAC has no deny, so more objects never take an access away
# ---------------------------------------------------------------------------------------------


@given(MANIFESTS, st.data())
def test_adding_a_rule_never_removes_an_access(manifests: list[Manifest], data: st.DataObject) -> None:
    roles = [index for index, m in enumerate(manifests)
             if m["kind"] in ("Role", "ClusterRole") and "aggregationRule" not in m]
    assume(roles)
    index = data.draw(st.sampled_from(roles), label="role")
    cluster = manifests[index]["kind"] == "ClusterRole"
    rule = data.draw(pst.rules(non_resource_urls=["/healthz", "/logs/*", "*"] if cluster else None),
                     label="rule")
    bigger = copy.deepcopy(manifests)
    bigger[index]["rules"].append(rule)
    before, after = allowed_set(load(manifests)), allowed_set(load(bigger))
    assert before <= after, _missing(before, after)


EXTRA_OBJECTS = st.one_of(
    pst.bindings(names=["binding9", "clusterbinding9"]),
    pst.roles(names=["missing", "role9"]),
    pst.cluster_roles(aggregating=None, names=["missing", "clusterrole9"]),
)
"""A new binding (to the drawn roles), or a new role; named "missing", it brings to life the
bindings that referred to a role that did not exist."""


@given(MANIFESTS, EXTRA_OBJECTS)
def test_adding_a_role_or_binding_never_removes_an_access(manifests: list[Manifest], extra: Manifest) -> None:
    before, after = allowed_set(load(manifests)), allowed_set(load([*manifests, extra]))
    assert before <= after, _missing(before, after)


@given(MANIFESTS, st.data())
def test_removing_any_object_never_adds_an_access(manifests: list[Manifest], data: st.DataObject) -> None:
    assume(manifests)
    index = data.draw(st.integers(0, len(manifests) - 1), label="removed")
    smaller = manifests[:index] + manifests[index + 1:]
    before, after = allowed_set(load(manifests)), allowed_set(load(smaller))
    assert after <= before, f"removing {manifests[index]['kind']} added: " + _missing(after, before)


# ---------------------------------------------------------------------------------------------
# Scope: RoleBinding vs ClusterRoleBinding
# ---------------------------------------------------------------------------------------------

GROUPS = ("group0", "system:authenticated", "system:serviceaccounts:ns1")


@given(MANIFESTS, st.data())
def test_a_rolebinding_to_a_clusterrole_is_a_clusterrolebinding_restricted_to_its_namespace(
        manifests: list[Manifest], data: st.DataObject) -> None:
    names = [m["metadata"]["name"] for m in manifests if m["kind"] == "ClusterRole"]
    assume(names)
    role = data.draw(st.sampled_from(names), label="cluster role")
    namespace = data.draw(st.sampled_from(["ns0", "ns1", "ns2"]), label="namespace")
    identities = data.draw(st.lists(pst.subjects(), min_size=1, max_size=2), label="subjects")
    groups = data.draw(st.lists(st.sampled_from(GROUPS), max_size=1), label="groups")
    subjects = [entry(who) for who in identities] + [{"kind": "Group", "name": g} for g in groups]
    base = answers(load(manifests))
    scoped = answers(load([*manifests, binding("RoleBinding", "extra", namespace, "ClusterRole", role,
                                               subjects)]))
    everywhere = answers(load([*manifests, binding("ClusterRoleBinding", "extra", None, "ClusterRole",
                                                   role, subjects)]))
    for probe, answer in scoped.items():
        request = probe[1]
        inside = isinstance(request, ResourceRequest) and request.namespace == namespace
        expected = everywhere[probe] if inside else base[probe]
        assert answer == expected, (f"{describe(probe)}: RoleBinding in {namespace} says {answer}, "
                                    f"{'the ClusterRoleBinding' if inside else 'without it'} {expected}")


@given(MANIFESTS)
def test_rolebindings_never_grant_cluster_scoped_or_non_resource_requests(manifests: list[Manifest]) -> None:
    probes = [(who, request) for who, request in PROBES if _scope(request) == ""]
    without = [m for m in manifests if m["kind"] != "RoleBinding"]
    difference = first_difference(answers(load(manifests), probes), answers(load(without), probes))
    assert difference is None, f"a RoleBinding decides a cluster-scoped request: {difference}"


# ---------------------------------------------------------------------------------------------
# Aggregation and order
# ---------------------------------------------------------------------------------------------

TESTER = User("tester")


@given(pst.manifests(max_roles=0, max_bindings=0, max_cluster_roles=4),
       pst.cluster_roles(aggregating=True, names=["aggregated"]))
def test_an_aggregated_role_allows_exactly_the_union_of_the_roles_it_selects(
        manifests: list[Manifest], aggregated: Manifest) -> None:
    objects = [*manifests, aggregated]
    cluster_roles = [m for m in objects if m["kind"] == "ClusterRole"]
    selected = [m["metadata"]["name"] for m in selected_roles(aggregated, cluster_roles)]
    tester = [entry(TESTER)]
    through_aggregate = load([*objects, binding("ClusterRoleBinding", "test", None, "ClusterRole",
                                                "aggregated", tester)])
    through_selected = load([*objects, *(binding("ClusterRoleBinding", f"test-{name}", None, "ClusterRole",
                                                 name, tester) for name in selected)])
    probes = [(TESTER, request) for request in COMPARE_REQUESTS]
    difference = first_difference(answers(through_aggregate, probes), answers(through_selected, probes))
    assert difference is None, f"aggregated role vs the union of {selected}: {difference}"


@given(MANIFESTS.flatmap(lambda m: st.tuples(st.just(m), st.permutations(m))))
def test_object_order_never_changes_an_answer(pair: tuple[list[Manifest], list[Manifest]]) -> None:
    original, shuffled = pair
    difference = first_difference(answers(load(original)), answers(load(shuffled)))
    assert difference is None, difference


# ---------------------------------------------------------------------------------------------
# The query API agrees with itself: who_can, rules_for and grant paths against can
# ---------------------------------------------------------------------------------------------


def _who_can(model: Any, request: ResourceRequest | NonResourceRequest) -> list[Any]:
    if isinstance(request, NonResourceRequest):
        return list(model.who_can(request.verb, request.path))
    return list(model.who_can(request.verb, request.resource, namespace=request.namespace or None,
                              name=request.name or None, api_group=request.api_group,
                              subresource=request.subresource or None))


def _identity_of(subject: Any) -> ServiceAccount | User:
    if subject.kind == "ServiceAccount":
        return ServiceAccount(subject.namespace, subject.name)
    if subject.kind == "Group":
        return User("a-member", (subject.name,))
    return parse_username(subject.name)


@given(MANIFESTS, st.lists(st.sampled_from(PROBE_REQUESTS), min_size=1, max_size=25, unique=True))
def test_who_can_and_can_agree(manifests: list[Manifest], requests: list[Any]) -> None:
    model = load(manifests)
    for request in requests:
        grants = [grant for grant in _who_can(model, request) if grant.allowed is True]
        for grant in grants:
            who = _identity_of(grant.path.subject)
            assert model.decide(who, request).allowed is True, \
                f"who_can lists {grant} for {request.describe()}, but can() denies {who}"
        for who in PROBE_SUBJECTS:
            listed = any(subject_applies(subject_dict(grant.path.subject), "", who) for grant in grants)
            decision = model.decide(who, request)
            assert listed == (decision.allowed is True), \
                f"who_can {'lists' if listed else 'omits'} {who}, but:\n{decision.explain()}"


def _scope(request: ResourceRequest | NonResourceRequest) -> str:
    """The namespace whose bindings may grant a request: "" for cluster-scoped and URL requests."""
    return "" if isinstance(request, NonResourceRequest) else request.namespace


@given(MANIFESTS)
def test_rules_for_covers_exactly_what_can_allows(manifests: list[Manifest]) -> None:
    model = load(manifests)
    for who in PROBE_SUBJECTS:
        for namespace in ("ns0", "ns1", "elsewhere", None):
            paths = [path for path in model.rules_for(who, namespace) if path.allowed is True]
            rules = [policy_rule(path.rule.rule) for path in paths]
            for request in PROBE_REQUESTS:
                if _scope(request) != (namespace or ""):
                    continue
                by_rules = any(rule_allows(rule, request) for rule in rules)
                decision = model.decide(who, request)
                assert by_rules == (decision.allowed is True), \
                    f"rules_for({who}, {namespace!r}) {'allows' if by_rules else 'does not allow'}:\n" \
                    + decision.explain()


@given(MANIFESTS)
def test_every_explanation_names_a_rule_that_alone_decides(manifests: list[Manifest]) -> None:
    model = load(manifests)
    engine = model.kubernetes
    decisions = [(who, request, model.decide(who, request)) for who, request in COMPARE]
    allowed = [case for case in decisions if case[2].allowed is True]
    denied = [case for case in decisions if case[2].allowed is False]
    assert len(allowed) + len(denied) == len(decisions), "a concrete model gave an unknown answer"
    for number, (who, request, decision) in enumerate(allowed):
        paths = [path for path in engine.grant_paths(who, request) if path.allowed is True]
        assert paths, f"allowed without a grant path:\n{decision.explain()}"
        for path in paths:
            assert rule_allows(policy_rule(path.rule.rule), request), \
                f"the grant path's rule does not allow it alone: {path}\n{decision.explain()}"
        if number % 4 == 0:  # rendering is the slow part; every fourth is plenty
            text = decision.explain()
            for path in paths:
                rule = path.rule.rule
                assert f"rule {rule.index}" in text and rule.describe() in text \
                    and path.binding.ref() in text, f"the explanation does not name {path}:\n{text}"
    for who, request, decision in denied[::7]:
        assert engine.grant_paths(who, request) == [], decision.explain()
        for path in engine.rules_for(who, _scope(request)):
            assert not rule_allows(policy_rule(path.rule.rule), request), \
                f"denied, yet {path} allows it alone:\n{decision.explain()}"


# ---------------------------------------------------------------------------------------------
# With the cluster's defaults: drawn roles aggregated into view/edit/admin, bindings to them
# ---------------------------------------------------------------------------------------------

BOOTSTRAP = bootstrap_manifests()
AGGREGATING_LABELS = {"rbac.authorization.k8s.io/aggregate-to-view": ["true"],
                      "rbac.authorization.k8s.io/aggregate-to-edit": ["true"], "agg0": ["true"]}


@given(pst.manifests(labels=AGGREGATING_LABELS, existing_cluster_roles=["view", "edit", "admin"]))
def test_with_the_cluster_defaults_the_engine_still_answers_as_the_reference(manifests: list[Manifest]) -> None:
    model = load(manifests, cluster_defaults=True)
    reference = ReferenceAuthorizer([*BOOTSTRAP, *manifests])
    for who, request in COMPARE:
        decision = model.decide(who, request)
        expected = reference.allows(who, request)
        assert decision.allowed is expected, f"reference says {expected}:\n{decision.explain()}"
