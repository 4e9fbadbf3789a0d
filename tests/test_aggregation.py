"""ClusterRole aggregation as the clusterroleaggregation controller computes it
(``reference/k8s-rbac.md`` section 10).

The aggregated role ``under-test`` is bound cluster-wide to User tester; each
case says which of a fixed set of probe resources it ends up granting, so a
case fails both when a role is wrongly selected and when one is wrongly left out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import pytest_pfperms as pfperms

Build = Callable[..., pfperms.Model]
TESTER = pfperms.User("tester")




def bind(role: str, user: str) -> str:
    """A ClusterRoleBinding of ``role`` to User ``user``."""
    return f"""\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: {role}-{user}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects: [{{kind: User, name: {user}}}]
"""


def cluster_role(name: str, *, labels: str = "{}", rules: str = "[]", selectors: str | None = None,
                 ) -> str:
    """A ClusterRole document; ``selectors`` (flow YAML) makes it aggregated."""
    text = f"""\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: {name}, labels: {labels}}}
rules: {rules}
"""
    if selectors is not None:
        text += f"aggregationRule: {{clusterRoleSelectors: {selectors}}}\n"
    return text


def get(resource: str) -> str:
    return f'{{apiGroups: [""], resources: [{resource}], verbs: [get]}}'


# ---------------------------------------------------------------------------------------------
# Selectors: the leaves every case chooses from.
# ---------------------------------------------------------------------------------------------

LEAVES = (
    cluster_role("leaf-a", labels="{agg: a, tier: gold}", rules=f"[{get('pods')}]")
    + cluster_role("leaf-b", labels="{agg: b}", rules=f"[{get('configmaps')}]")
    + cluster_role("leaf-c", labels="{agg: c, tier: silver}", rules=f"[{get('secrets')}]")
    + cluster_role("leaf-plain", rules=f"[{get('services')}]")
    + """\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: namespaced, namespace: ns1, labels: {agg: a, tier: gold}}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]
"""
)
"""pods from leaf-a, configmaps from leaf-b, secrets from leaf-c, services from leaf-plain;
nodes only from a namespaced Role (never aggregated); persistentvolumes only from the
aggregated role's own, overwritten, rules."""

PROBES = ("pods", "configmaps", "secrets", "services", "nodes", "persistentvolumes")


def selector_case(case_id: str, selectors: str, granted: set[str]) -> object:
    return pytest.param(selectors, granted, id=case_id)


SELECTOR_CASES = [
    selector_case("selectors-are-ORed", "[{matchLabels: {agg: a}}, {matchLabels: {agg: b}}]",
                  {"pods", "configmaps"}),
    selector_case("matchLabels-entries-ANDed", "[{matchLabels: {agg: a, tier: gold}}]", {"pods"}),
    selector_case("matchLabels-entries-ANDed-one-missing", "[{matchLabels: {agg: b, tier: gold}}]",
                  set()),
    selector_case("matchLabels-and-matchExpressions-ANDed-both-hold",
                  "[{matchLabels: {agg: a}, matchExpressions: [{key: tier, operator: In, values: [gold]}]}]",
                  {"pods"}),
    selector_case("matchLabels-and-matchExpressions-ANDed-expression-fails",
                  "[{matchLabels: {agg: c}, matchExpressions: [{key: tier, operator: In, values: [gold]}]}]",
                  set()),
    selector_case("matchLabels-and-matchExpressions-ANDed-labels-fail",
                  "[{matchLabels: {agg: b}, matchExpressions: [{key: tier, operator: Exists}]}]",
                  set()),
    selector_case("In", "[{matchExpressions: [{key: tier, operator: In, values: [gold, silver]}]}]",
                  {"pods", "secrets"}),
    selector_case("In-absent-key-not-selected",
                  "[{matchExpressions: [{key: agg, operator: In, values: [b]}]}]", {"configmaps"}),
    selector_case("NotIn-absent-key-or-other-value",
                  "[{matchExpressions: [{key: tier, operator: NotIn, values: [gold]}]}]",
                  {"configmaps", "secrets", "services"}),
    selector_case("Exists", "[{matchExpressions: [{key: tier, operator: Exists}]}]",
                  {"pods", "secrets"}),
    selector_case("DoesNotExist", "[{matchExpressions: [{key: tier, operator: DoesNotExist}]}]",
                  {"configmaps", "services"}),
    selector_case("matchExpressions-ANDed",
                  "[{matchExpressions: [{key: tier, operator: Exists}, "
                  "{key: agg, operator: NotIn, values: [a]}]}]", {"secrets"}),
    selector_case("empty-selector-selects-every-clusterrole", "[{}]",
                  {"pods", "configmaps", "secrets", "services"}),
    selector_case("empty-matchLabels-selects-every-clusterrole", "[{matchLabels: {}}]",
                  {"pods", "configmaps", "secrets", "services"}),
    selector_case("nothing-selected-strips-own-rules", "[{matchLabels: {agg: nothing}}]", set()),
    selector_case("label-value-case-sensitive", "[{matchLabels: {agg: A}}]", set()),
    selector_case("label-key-case-sensitive", "[{matchLabels: {Agg: a}}]", set()),
    selector_case("role-picked-by-two-selectors",
                  "[{matchLabels: {agg: a}}, "
                  "{matchExpressions: [{key: tier, operator: In, values: [gold]}]}]",
                  {"pods"}),
]


@pytest.mark.parametrize(("selectors", "granted"), SELECTOR_CASES)
@pytest.mark.parametrize("probe", PROBES)
def test_selectors(build: Build, selectors: str, granted: set[str], probe: str) -> None:
    """Selectors ORed; matchLabels and matchExpressions ANDed; only ClusterRoles; own rules replaced."""
    text = (LEAVES
            + cluster_role("under-test", rules=f"[{get('persistentvolumes')}]", selectors=selectors)
            + bind("under-test", "tester"))
    decision = build(text).can(TESTER, "get", probe)
    assert decision.allowed is (probe in granted), decision.explain()


def test_empty_selector_includes_cluster_admin(build: Build) -> None:
    """An empty selector also picks the bootstrap cluster-admin, and with it every permission."""
    text = cluster_role("under-test", selectors="[{}]") + bind("under-test", "tester")
    with_defaults = build(text, cluster_defaults=True)
    assert with_defaults.can(TESTER, "delete", "nodes", name="n1").allowed is True
    assert with_defaults.can(TESTER, "post", "/anything").allowed is True
    without = build(text, cluster_defaults=False)
    assert without.can(TESTER, "delete", "nodes", name="n1").allowed is False
    assert without.can(TESTER, "get", "/healthz").allowed is False


# ---------------------------------------------------------------------------------------------
# Transitivity, self-selection, cycles.
# ---------------------------------------------------------------------------------------------

# Names sort top-first, so a single pass in name order cannot get the leaf's rule up to aa.
CHAIN = (
    cluster_role("aa", selectors="[{matchLabels: {level: bb}}]")
    + cluster_role("bb", labels="{level: bb}", rules=f"[{get('nodes')}]",
                   selectors="[{matchLabels: {level: cc}}]")
    + cluster_role("cc", labels="{level: cc}", selectors="[{matchLabels: {level: dd}}]")
    + cluster_role("dd", labels="{level: dd}", rules=f"[{get('pods')}]")
    + bind("aa", "top") + bind("bb", "middle") + bind("dd", "leaf")
)


@pytest.mark.parametrize(("user", "resource", "expected"), [
    pytest.param("top", "pods", True, id="three-levels-up"),
    pytest.param("middle", "pods", True, id="two-levels-up"),
    pytest.param("leaf", "pods", True, id="leaf-itself"),
    pytest.param("top", "nodes", False, id="stale-rules-of-aggregated-middle-dropped"),
    pytest.param("middle", "nodes", False, id="own-rules-replaced"),
])
def test_aggregation_is_transitive(build: Build, user: str, resource: str, expected: bool) -> None:
    decision = build(CHAIN).can(pfperms.User(user), "get", resource)
    assert decision.allowed is expected, decision.explain()


@pytest.mark.parametrize("operator", ["NotIn", "DoesNotExist"])
def test_negative_selector_picks_unlabelled_aggregated_role(build: Build, operator: str) -> None:
    """The gotcha: NotIn/DoesNotExist also select an unlabelled aggregated role, and inherit
    its aggregated rules (not its stale stored ones)."""
    values = ", values: [a]" if operator == "NotIn" else ""
    requirement = f"{{key: team, operator: {operator}{values}}}"
    text = (cluster_role("leaf", labels="{team: a}", rules=f"[{get('pods')}]")
            + cluster_role("inner", rules=f"[{get('secrets')}]",
                           selectors="[{matchLabels: {team: a}}]")
            + cluster_role("outer", selectors=f"[{{matchExpressions: [{requirement}]}}]")
            + bind("outer", "tester"))
    model = build(text)
    assert model.can(TESTER, "get", "pods", namespace="ns1").allowed is True
    assert model.can(TESTER, "get", "secrets", namespace="ns1").allowed is False


def test_never_selects_itself(build: Build) -> None:
    text = (cluster_role("self", labels="{agg: self}", rules=f"[{get('pods')}]",
                         selectors="[{matchLabels: {agg: self}}]")
            + cluster_role("buddy", labels="{agg: self}", rules=f"[{get('configmaps')}]")
            + bind("self", "tester"))
    model = build(text)
    assert model.can(TESTER, "get", "configmaps", namespace="ns1").allowed is True
    assert model.can(TESTER, "get", "pods", namespace="ns1").allowed is False


def test_only_self_selected_means_no_rules(build: Build) -> None:
    text = (cluster_role("lonely", labels="{agg: me}", rules=f"[{get('pods')}]",
                         selectors="[{}]")
            + bind("lonely", "tester"))
    model = build(text)
    assert model.can(TESTER, "get", "pods", namespace="ns1").allowed is False
    assert model.rules_for(TESTER, "ns1") == []


CYCLE_WITH_LEAF = (
    cluster_role("ring-a", labels="{ring: a}", rules=f"[{get('nodes')}]",
                 selectors="[{matchLabels: {ring: b}}]")
    + cluster_role("ring-b", labels="{ring: b}", rules=f"[{get('nodes')}]",
                   selectors="[{matchLabels: {ring: a}}]")
    + cluster_role("ring-leaf", labels="{ring: b}", rules=f"[{get('pods')}]")
    + bind("ring-a", "ua") + bind("ring-b", "ub")
)

PURE_CYCLE = (
    cluster_role("ring-a", labels="{ring: a}", rules=f"[{get('nodes')}]",
                 selectors="[{matchLabels: {ring: b}}]")
    + cluster_role("ring-b", labels="{ring: b}", rules=f"[{get('nodes')}]",
                   selectors="[{matchLabels: {ring: a}}]")
    + bind("ring-a", "ua") + bind("ring-b", "ub")
)


@pytest.mark.parametrize(("text", "user", "resource", "expected"), [
    pytest.param(CYCLE_WITH_LEAF, "ua", "pods", True, id="cycle-a-gets-leaf"),
    pytest.param(CYCLE_WITH_LEAF, "ub", "pods", True, id="cycle-b-gets-leaf-through-a"),
    pytest.param(CYCLE_WITH_LEAF, "ua", "nodes", False, id="cycle-a-stale-rules-dropped"),
    pytest.param(CYCLE_WITH_LEAF, "ub", "nodes", False, id="cycle-b-stale-rules-dropped"),
    pytest.param(PURE_CYCLE, "ua", "nodes", False, id="pure-cycle-least-fixpoint-a-empty"),
    pytest.param(PURE_CYCLE, "ub", "nodes", False, id="pure-cycle-least-fixpoint-b-empty"),
])
def test_cycles_least_fixpoint(build: Build, text: str, user: str, resource: str,
                               expected: bool) -> None:
    decision = build(text).can(pfperms.User(user), "get", resource)
    assert decision.allowed is expected, decision.explain()


# ---------------------------------------------------------------------------------------------
# Deduplication and order of the aggregated rules.
# ---------------------------------------------------------------------------------------------

DEDUP = (
    cluster_role("leaf-1", labels="{dd: x}",
                 rules=f'[{get("pods")}, {{apiGroups: [""], resources: [configmaps], verbs: [get, list]}}]')
    + cluster_role("leaf-2", labels="{dd: x, other: y}",
                   rules=f'[{get("pods")}, '
                         '{apiGroups: [""], resources: [configmaps], verbs: [list, get]}, '
                         '{apiGroups: [""], resources: [pods], resourceNames: [a], verbs: [get]}]')
    + cluster_role("under-test",
                   selectors="[{matchLabels: {dd: x}}, {matchLabels: {other: y}}]")
    + bind("under-test", "tester")
)


def test_identical_rules_are_deduplicated(build: Build) -> None:
    """Deep equality: the same rule twice is kept once; a different verb order is a different rule."""
    paths = build(DEDUP).rules_for(TESTER)
    contents = [path.rule.rule.content() for path in paths]
    assert contents == [
        (("get",), ("",), ("pods",), (), ()),
        (("get", "list"), ("",), ("configmaps",), (), ()),
        (("list", "get"), ("",), ("configmaps",), (), ()),
        (("get",), ("",), ("pods",), ("a",), ()),
    ]
    assert [path.rule.origin.name for path in paths] == ["leaf-1", "leaf-1", "leaf-2", "leaf-2"]


ORDER = (
    cluster_role("z-one", labels="{o: second}", rules=f"[{get('pods')}]")
    + cluster_role("b-two", labels="{o: first}", rules=f"[{get('secrets')}]")
    + cluster_role("a-three", labels="{o: first}", rules=f"[{get('configmaps')}]")
    + cluster_role("under-test", selectors="[{matchLabels: {o: second}}, {matchLabels: {o: first}}]")
    + bind("under-test", "tester")
)


def test_rules_in_selector_order_then_role_name(build: Build) -> None:
    paths = build(ORDER).rules_for(TESTER)
    assert [path.rule.origin.name for path in paths] == ["z-one", "a-three", "b-two"]


def test_explain_shows_aggregated_origin(build: Build) -> None:
    text = (LEAVES
            + cluster_role("under-test", selectors="[{matchLabels: {agg: a}}]")
            + bind("under-test", "tester"))
    explanation = build(text).can(TESTER, "get", "pods", namespace="ns1").explain()
    assert "ClusterRole under-test (aggregated)" in explanation
    assert "rule 0 of ClusterRole leaf-a" in explanation


def test_aggregated_role_through_rolebinding_is_namespaced(build: Build) -> None:
    text = (LEAVES
            + cluster_role("under-test", selectors="[{matchLabels: {agg: a}}]")
            + """\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: under-test}
subjects: [{kind: User, name: tester}]
""")
    model = build(text)
    assert model.can(TESTER, "get", "pods", namespace="ns1").allowed is True
    assert model.can(TESTER, "get", "pods", namespace="ns2").allowed is False
    assert model.can(TESTER, "get", "pods").allowed is False


# ---------------------------------------------------------------------------------------------
# The bootstrap chain: aggregate-to-view -> view -> edit -> admin.
# ---------------------------------------------------------------------------------------------

LABEL = "rbac.authorization.k8s.io/aggregate-to-"
WIDGETS = (
    cluster_role("widgets-view", labels=f'{{"{LABEL}view": "true"}}',
                 rules='[{apiGroups: [example.com], resources: [widgets], verbs: [get]}]')
    + cluster_role("widgets-edit", labels=f'{{"{LABEL}edit": "true"}}',
                   rules='[{apiGroups: [example.com], resources: [widgets], verbs: [update]}]')
    + cluster_role("widgets-admin", labels=f'{{"{LABEL}admin": "true"}}',
                   rules='[{apiGroups: [example.com], resources: [widgets], verbs: [delete]}]')
    + "".join(f"""\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {role}, namespace: ns1}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects: [{{kind: User, name: u-{role}}}]
""" for role in ("view", "edit", "admin"))
)


@pytest.mark.parametrize(("role", "verb", "expected"), [
    pytest.param("view", "get", True, id="view-gets-aggregate-to-view"),
    pytest.param("view", "update", False, id="view-not-aggregate-to-edit"),
    pytest.param("view", "delete", False, id="view-not-aggregate-to-admin"),
    pytest.param("edit", "get", True, id="edit-gets-view-transitively"),
    pytest.param("edit", "update", True, id="edit-gets-aggregate-to-edit"),
    pytest.param("edit", "delete", False, id="edit-not-aggregate-to-admin"),
    pytest.param("admin", "get", True, id="admin-gets-view-through-edit"),
    pytest.param("admin", "update", True, id="admin-gets-edit"),
    pytest.param("admin", "delete", True, id="admin-gets-aggregate-to-admin"),
])
def test_bootstrap_aggregation_chain(build: Build, role: str, verb: str, expected: bool) -> None:
    model = build(WIDGETS, cluster_defaults=True)
    decision = model.can(pfperms.User(f"u-{role}"), verb, "widgets.example.com", namespace="ns1",
                         name="w")
    assert decision.allowed is expected, decision.explain()


def test_bootstrap_chain_absent_without_cluster_defaults(build: Build) -> None:
    model = build(WIDGETS, cluster_defaults=False)
    for role in ("view", "edit", "admin"):
        assert model.can(pfperms.User(f"u-{role}"), "get", "widgets.example.com",
                         namespace="ns1").allowed is False
