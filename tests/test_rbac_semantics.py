"""The RBAC authorizer, case by case, against ``reference/k8s-rbac.md``.

Every case here is one that a plausible wrong implementation gets wrong: both
directions of ``pods`` vs ``pods/status``, ``*/scale`` with and without a
subresource, a trailing-``*`` URL without a segment boundary, ``HEAD`` vs
``get`` and so on. Sections of the spec are named in each table's docstring.
Most tables use ``cluster_defaults=False`` so the bootstrap roles cannot blur a
case; section 12 tests those defaults on purpose.

Sections 10 (aggregation) and 14 (who_can) live in ``test_aggregation.py`` and
``test_who_can.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import pytest_pfperms as pfperms

Build = Callable[..., pfperms.Model]




def check(model: pfperms.Model, who: Any, verb: str, resource: str, expected: bool,
          **request: Any) -> None:
    decision = model.can(who, verb, resource, **request)
    assert decision.allowed is expected, decision.explain()


def case(case_id: str, who: Any, verb: str, resource: str, expected: bool, **request: Any) -> Any:
    """A table row: who, verb, resource, request keywords, expected answer."""
    return pytest.param(who, verb, resource, request, expected, id=case_id)


ALICE = pfperms.User("alice")
BOB = pfperms.User("bob")
TESTER = pfperms.User("tester")


# ---------------------------------------------------------------------------------------------
# Section 5: rule matching. One ClusterRole with the rule(s) under test, bound cluster-wide to
# User tester, so only the rule decides.
# ---------------------------------------------------------------------------------------------

RULE_TEMPLATE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: under-test}}
rules:
{rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: under-test}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: under-test}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: tester}}
"""

GET_PODS = '{apiGroups: [""], resources: [pods], verbs: [get]}'


def rule(case_id: str, rules: str, verb: str, resource: str, expected: bool, **request: Any) -> Any:
    """A row of the rule table: the rule(s) as flow YAML (one per line), then the request."""
    text = "\n".join(f"- {line}" for line in rules.strip().splitlines())
    return pytest.param(text, verb, resource, request, expected, id=case_id)


RULE_CASES = [
    # -- verbs ---------------------------------------------------------------------------------
    rule("verb/exact", GET_PODS, "get", "pods", True),
    rule("verb/other-verb", GET_PODS, "list", "pods", False),
    rule("verb/rule-GET-is-not-get", '{apiGroups: [""], resources: [pods], verbs: [GET]}',
         "get", "pods", False),
    rule("verb/get*-is-literal", '{apiGroups: [""], resources: [pods], verbs: ["get*"]}',
         "get", "pods", False),
    rule("verb/star-get", '{apiGroups: [""], resources: [pods], verbs: ["*"]}', "get", "pods", True),
    rule("verb/star-deletecollection", '{apiGroups: [""], resources: [pods], verbs: ["*"]}',
         "deletecollection", "pods", True),
    rule("verb/star-bind", '{apiGroups: ["*"], resources: [clusterroles], verbs: ["*"]}',
         "bind", "clusterroles", True),
    rule("verb/star-escalate", '{apiGroups: ["*"], resources: [roles], verbs: ["*"]}',
         "escalate", "roles", True, namespace="ns1"),
    rule("verb/star-impersonate", '{apiGroups: [""], resources: [users], verbs: ["*"]}',
         "impersonate", "users", True, api_group="", name="alice"),
    rule("verb/star-use", '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}',
         "use", "podsecuritypolicies", True, api_group="policy"),
    rule("verb/star-approve", '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}',
         "approve", "certificatesigningrequests/approval", True),
    rule("verb/star-literal-star-verb", '{apiGroups: [""], resources: [pods], verbs: ["*"]}',
         "*", "pods", True),
    rule("verb/literal-star-verb-needs-star", GET_PODS, "*", "pods", False),
    rule("verb/empty-verbs", '{apiGroups: [""], resources: [pods], verbs: []}', "get", "pods", False),
    rule("verb/bind-not-covered-by-update",
         '{apiGroups: ["rbac.authorization.k8s.io"], resources: [clusterroles], verbs: [update, create]}',
         "bind", "clusterroles", False, name="admin"),
    # -- api groups ----------------------------------------------------------------------------
    rule("group/empty-string-is-core", GET_PODS, "get", "pods", True),
    rule("group/v1-is-not-core", '{apiGroups: [v1], resources: [pods], verbs: [get]}',
         "get", "pods", False),
    rule("group/star-includes-core", '{apiGroups: ["*"], resources: [pods], verbs: [get]}',
         "get", "pods", True),
    rule("group/star-includes-apps", '{apiGroups: ["*"], resources: [deployments], verbs: [get]}',
         "get", "deployments.apps", True),
    rule("group/core-does-not-cover-apps", '{apiGroups: [""], resources: [deployments], verbs: [get]}',
         "get", "deployments.apps", False),
    rule("group/apps-does-not-cover-core", '{apiGroups: [apps], resources: [pods], verbs: [get]}',
         "get", "pods", False),
    rule("group/extensions-is-not-apps",
         '{apiGroups: [extensions], resources: [deployments], verbs: [get]}',
         "get", "deployments", False),
    rule("group/explicit-api-group-extensions",
         '{apiGroups: [extensions], resources: [deployments], verbs: [get]}',
         "get", "deployments", True, api_group="extensions"),
    rule("group/Apps-is-not-apps", '{apiGroups: [Apps], resources: [deployments], verbs: [get]}',
         "get", "deployments.apps", False),
    rule("group/missing-apiGroups-matches-nothing", '{resources: [pods], verbs: [get]}',
         "get", "pods", False),
    rule("group/custom-dotted-form",
         '{apiGroups: [foo.example.com], resources: [widgets], verbs: [get]}',
         "get", "widgets.foo.example.com", True),
    rule("group/custom-api-group-keyword",
         '{apiGroups: [foo.example.com], resources: [widgets], verbs: [get]}',
         "get", "widgets", True, api_group="foo.example.com"),
    rule("group/custom-not-core",
         '{apiGroups: [foo.example.com], resources: [widgets], verbs: [get]}',
         "get", "widgets", False, api_group=""),
    rule("group/not-a-suffix-match",
         '{apiGroups: [example.com], resources: [widgets], verbs: [get]}',
         "get", "widgets.foo.example.com", False),
    # -- resources and subresources ------------------------------------------------------------
    rule("resource/exact", GET_PODS, "get", "pods", True),
    rule("resource/pods-does-not-match-pods-status", GET_PODS, "get", "pods/status", False),
    rule("resource/pods-does-not-match-pods-log", GET_PODS, "get", "pods/log", False),
    rule("resource/pods-status-does-not-match-pods",
         '{apiGroups: [""], resources: [pods/status], verbs: [get]}', "get", "pods", False),
    rule("resource/pods-status-exact",
         '{apiGroups: [""], resources: [pods/status], verbs: [get]}', "get", "pods/status", True),
    rule("resource/subresource-keyword",
         '{apiGroups: [""], resources: [pods/log], verbs: [get]}', "get", "pods", True,
         subresource="log"),
    rule("resource/subresource-keyword-wins",
         '{apiGroups: [""], resources: [pods/log], verbs: [get]}', "get", "pods/log", False,
         subresource="exec"),
    rule("resource/star-matches-resource", '{apiGroups: [""], resources: ["*"], verbs: [get]}',
         "get", "pods", True),
    rule("resource/star-matches-subresource", '{apiGroups: [""], resources: ["*"], verbs: [create]}',
         "create", "pods/exec", True, namespace="ns1", name="p"),
    rule("resource/star-matches-group-subresource",
         '{apiGroups: ["*"], resources: ["*"], verbs: [update]}',
         "update", "deployments.apps/scale", True),
    rule("resource/star-scale-matches-deployments-scale",
         '{apiGroups: [apps], resources: ["*/scale"], verbs: [update]}',
         "update", "deployments.apps/scale", True),
    rule("resource/star-scale-matches-anything-scale",
         '{apiGroups: ["*"], resources: ["*/scale"], verbs: [update]}',
         "update", "anything.example.com/scale", True),
    rule("resource/star-scale-without-subresource",
         '{apiGroups: [apps], resources: ["*/scale"], verbs: [update]}',
         "update", "deployments.apps", False),
    rule("resource/star-scale-other-subresource",
         '{apiGroups: [apps], resources: ["*/scale"], verbs: [update]}',
         "update", "deployments.apps/status", False),
    rule("resource/star-scale-is-not-a-suffix-match",
         '{apiGroups: ["*"], resources: ["*/scale"], verbs: [update]}',
         "update", "widgets.example.com/xscale", False),
    rule("resource/star-scale-resource-named-scale",
         '{apiGroups: ["*"], resources: ["*/scale"], verbs: [update]}',
         "update", "scale", False, api_group="example.com"),
    rule("resource/pods-star-is-not-a-wildcard",
         '{apiGroups: [""], resources: ["pods/*"], verbs: [get]}', "get", "pods/log", False),
    rule("resource/pods-star-does-not-match-pods",
         '{apiGroups: [""], resources: ["pods/*"], verbs: [get]}', "get", "pods", False),
    rule("resource/pods-star-literal-subresource",
         '{apiGroups: [""], resources: ["pods/*"], verbs: [get]}', "get", "pods", True,
         subresource="*"),
    rule("resource/star-star-is-not-a-wildcard",
         '{apiGroups: ["*"], resources: ["*/*"], verbs: ["*"]}', "get", "pods", False),
    rule("resource/star-star-not-any-subresource",
         '{apiGroups: ["*"], resources: ["*/*"], verbs: ["*"]}', "get", "pods/log", False),
    rule("resource/star-star-literal-star-subresource",
         '{apiGroups: ["*"], resources: ["*/*"], verbs: ["*"]}', "get", "pods", True,
         subresource="*"),
    rule("resource/Pods-is-not-pods", '{apiGroups: [""], resources: [Pods], verbs: [get]}',
         "get", "pods", False),
    rule("resource/no-prefix-match", '{apiGroups: [""], resources: [pod], verbs: [get]}',
         "get", "pods", False),
    rule("resource/missing-resources-matches-nothing", '{apiGroups: [""], verbs: [get]}',
         "get", "pods", False),
    rule("resource/unknown-resource-core-group",
         '{apiGroups: [""], resources: [widgets], verbs: [get]}', "get", "widgets", True,
         api_group=""),
    # -- resourceNames ---------------------------------------------------------------------------
    rule("names/absent-any-name", GET_PODS, "get", "pods", True, name="anything"),
    rule("names/empty-list-any-name",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [], verbs: [get, list]}',
         "get", "configmaps", True, name="x"),
    rule("names/empty-list-unnamed-list",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [], verbs: [get, list]}',
         "list", "configmaps", True),
    rule("names/listed-name",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [a], verbs: [get, list]}',
         "get", "configmaps", True, name="a"),
    rule("names/other-name",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [a], verbs: [get, list]}',
         "get", "configmaps", False, name="b"),
    rule("names/name-is-not-a-prefix",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [a], verbs: [get, list]}',
         "get", "configmaps", False, name="ab"),
    rule("names/unnamed-list-denied",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [a], verbs: [get, list]}',
         "list", "configmaps", False),
    rule("names/list-with-fieldselector-name",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [a], verbs: [get, list]}',
         "list", "configmaps", True, name="a"),
    rule("names/empty-string-listed-allows-unnamed",
         '{apiGroups: [""], resources: [configmaps], resourceNames: ["", a], verbs: [list]}',
         "list", "configmaps", True),
    rule("names/empty-string-only-denies-named",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [""], verbs: [get]}',
         "get", "configmaps", False, name="b"),
    rule("names/star-is-literal",
         '{apiGroups: [""], resources: [configmaps], resourceNames: ["*"], verbs: [get]}',
         "get", "configmaps", False, name="a"),
    rule("names/star-literal-name",
         '{apiGroups: [""], resources: [configmaps], resourceNames: ["*"], verbs: [get]}',
         "get", "configmaps", True, name="*"),
    rule("names/case-sensitive",
         '{apiGroups: [""], resources: [configmaps], resourceNames: [Web], verbs: [get]}',
         "get", "configmaps", False, name="web"),
    rule("names/several-resources-still-evaluated",
         '{apiGroups: [""], resources: [configmaps, secrets], resourceNames: [a], verbs: [get]}',
         "get", "secrets", True, name="a"),
    rule("names/several-resources-other-name",
         '{apiGroups: [""], resources: [configmaps, secrets], resourceNames: [a], verbs: [get]}',
         "get", "secrets", False, name="b"),
    rule("names/with-subresource",
         '{apiGroups: [""], resources: [pods/exec], resourceNames: [p1], verbs: [create]}',
         "create", "pods/exec", True, namespace="ns1", name="p1"),
    rule("names/with-subresource-other-pod",
         '{apiGroups: [""], resources: [pods/exec], resourceNames: [p1], verbs: [create]}',
         "create", "pods/exec", False, namespace="ns1", name="p2"),
    # -- non-resource URLs -----------------------------------------------------------------------
    rule("url/exact", '{nonResourceURLs: [/healthz], verbs: [get]}', "get", "/healthz", True),
    rule("url/exact-not-trailing-slash", '{nonResourceURLs: [/healthz], verbs: [get]}',
         "get", "/healthz/", False),
    rule("url/exact-not-prefix", '{nonResourceURLs: [/healthz], verbs: [get]}',
         "get", "/healthz/etcd", False),
    rule("url/HEAD-is-not-get", '{nonResourceURLs: [/healthz], verbs: [get]}',
         "head", "/healthz", False),
    rule("url/head-rule", '{nonResourceURLs: [/healthz], verbs: [head]}', "head", "/healthz", True),
    rule("url/post", '{nonResourceURLs: [/logs], verbs: [post]}', "post", "/logs", True),
    rule("url/get-not-post", '{nonResourceURLs: [/logs], verbs: [get]}', "post", "/logs", False),
    rule("url/prefix-matches-itself", '{nonResourceURLs: ["/foo*"], verbs: [get]}',
         "get", "/foo", True),
    rule("url/prefix-no-segment-boundary", '{nonResourceURLs: ["/foo*"], verbs: [get]}',
         "get", "/foobar", True),
    rule("url/prefix-deeper", '{nonResourceURLs: ["/foo*"], verbs: [get]}', "get", "/foo/x/y", True),
    rule("url/prefix-shorter-path", '{nonResourceURLs: ["/foo*"], verbs: [get]}', "get", "/fo", False),
    rule("url/apis-star-not-apis", '{nonResourceURLs: ["/apis/*"], verbs: [get]}',
         "get", "/apis", False),
    rule("url/apis-star-trailing-slash", '{nonResourceURLs: ["/apis/*"], verbs: [get]}',
         "get", "/apis/", True),
    rule("url/apis-star-group", '{nonResourceURLs: ["/apis/*"], verbs: [get]}',
         "get", "/apis/apps/v1", True),
    rule("url/inner-star-is-literal", '{nonResourceURLs: ["/a*/b"], verbs: [get]}',
         "get", "/ax/b", False),
    rule("url/inner-star-literal-path", '{nonResourceURLs: ["/a*/b"], verbs: [get]}',
         "get", "/a*/b", True),
    rule("url/several-trailing-stars", '{nonResourceURLs: ["/foo**"], verbs: [get]}',
         "get", "/foo", True),
    rule("url/star-everything", '{nonResourceURLs: ["*"], verbs: [get]}', "get", "/metrics", True),
    rule("url/star-root", '{nonResourceURLs: ["*"], verbs: [get]}', "get", "/", True),
    rule("url/case-sensitive", '{nonResourceURLs: [/Healthz], verbs: [get]}',
         "get", "/healthz", False),
    rule("url/empty-list", '{nonResourceURLs: [], verbs: [get]}', "get", "/healthz", False),
    rule("url/resource-wildcards-do-not-grant-urls",
         '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}', "get", "/healthz", False),
    rule("url/url-wildcards-do-not-grant-resources", '{nonResourceURLs: ["*"], verbs: ["*"]}',
         "get", "pods", False),
    rule("url/mixed-rule-grants-resource",
         '{apiGroups: [""], resources: [pods], nonResourceURLs: [/metrics], verbs: [get]}',
         "get", "pods", True),
    rule("url/mixed-rule-grants-url",
         '{apiGroups: [""], resources: [pods], nonResourceURLs: [/metrics], verbs: [get]}',
         "get", "/metrics", True),
    rule("url/mixed-rule-other-resource",
         '{apiGroups: [""], resources: [pods], nonResourceURLs: [/metrics], verbs: [get]}',
         "get", "configmaps", False),
    # -- several rules: a union, order does not matter -------------------------------------------
    rule("union/second-rule-grants",
         '{apiGroups: [""], resources: [secrets], verbs: [get]}\n'
         '{apiGroups: [""], resources: [pods], verbs: [list]}',
         "list", "pods", True, namespace="ns1"),
    rule("union/no-rule-mixes-parts",
         '{apiGroups: [""], resources: [secrets], verbs: [get]}\n'
         '{apiGroups: [""], resources: [pods], verbs: [list]}',
         "get", "pods", False, namespace="ns1"),
]


@pytest.mark.parametrize(("rules", "verb", "resource", "request_kw", "expected"), RULE_CASES)
def test_rule_matching(build: Build, rules: str, verb: str, resource: str,
                       request_kw: dict[str, Any], expected: bool) -> None:
    """Section 5: verbs, apiGroups, resources, resourceNames, nonResourceURLs."""
    model = build(RULE_TEMPLATE.format(rules=rules), admitted=False)
    check(model, TESTER, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# Section 2: which bindings are consulted, and where they grant.
# ---------------------------------------------------------------------------------------------

SCOPE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: [pods, nodes, namespaces]
  verbs: [get, list]
- nonResourceURLs: ["*"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-alice, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader-bob}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-getter, namespace: ns1}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local-sa, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-getter}
subjects:
- {kind: ServiceAccount, name: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cross-namespace-sa, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-getter}
subjects:
- {kind: ServiceAccount, name: other, namespace: ns2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: urls, namespace: ns1}
rules:
- nonResourceURLs: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: urls-alice, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: urls}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-lister, namespace: ns1}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-pods, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-getter}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-configmaps, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-lister}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}
"""

SCOPE_CASES = [
    case("rolebinding-clusterrole/own-namespace", ALICE, "get", "pods", True, namespace="ns1"),
    case("rolebinding-clusterrole/other-namespace", ALICE, "get", "pods", False, namespace="ns2"),
    case("rolebinding-clusterrole/cluster-wide-list", ALICE, "list", "pods", False),
    case("rolebinding-clusterrole/nodes-cluster-scoped", ALICE, "get", "nodes", False, name="n1"),
    case("rolebinding/never-grants-urls", ALICE, "get", "/healthz", False),
    case("rolebinding/url-ignores-namespace-argument", ALICE, "get", "/healthz", False,
         namespace="ns1"),
    case("rolebinding/role-with-urls-never-grants-urls", ALICE, "post", "/logs", False),
    case("rolebinding/request-namespace-decides-not-resource-scope", ALICE, "get", "nodes", True,
         namespace="ns1", name="n1"),
    case("namespace-star-is-just-a-name/rolebinding", ALICE, "get", "pods", False, namespace="*"),
    case("namespace-star-is-just-a-name/clusterrolebinding", BOB, "get", "pods", True,
         namespace="*"),
    case("namespace-empty-string-is-cluster-scope", ALICE, "list", "pods", False, namespace=""),
    case("clusterrolebinding/ns1", BOB, "get", "pods", True, namespace="ns1"),
    case("clusterrolebinding/ns2", BOB, "list", "pods", True, namespace="ns2"),
    case("clusterrolebinding/cluster-scope", BOB, "list", "pods", True),
    case("clusterrolebinding/nodes", BOB, "get", "nodes", True, name="n1"),
    case("clusterrolebinding/url", BOB, "get", "/metrics", True),
    case("clusterrolebinding/url-other-verb", BOB, "post", "/metrics", False),
    case("clusterrolebinding/unlisted-verb", BOB, "delete", "pods", False, namespace="ns1"),
    case("sa-subject-without-namespace/binding-namespace", pfperms.ServiceAccount("ns1", "app"),
         "get", "pods", True, namespace="ns1"),
    case("sa-subject-without-namespace/same-name-other-namespace",
         pfperms.ServiceAccount("ns2", "app"), "get", "pods", False, namespace="ns1"),
    case("sa-subject-without-namespace/not-outside-binding-namespace",
         pfperms.ServiceAccount("ns1", "app"), "get", "pods", False, namespace="ns2"),
    case("sa-subject-other-namespace/granted-in-binding-namespace",
         pfperms.ServiceAccount("ns2", "other"), "get", "pods", True, namespace="ns1"),
    case("sa-subject-other-namespace/not-in-its-own-namespace",
         pfperms.ServiceAccount("ns2", "other"), "get", "pods", False, namespace="ns2"),
    case("sa-subject-other-namespace/not-the-binding-namespace-sa",
         pfperms.ServiceAccount("ns1", "other"), "get", "pods", False, namespace="ns1"),
    case("sa-subject-other-namespace/username-string", "system:serviceaccount:ns2:other",
         "get", "pods", True, namespace="ns1"),
    case("union/first-binding", pfperms.User("carol"), "get", "pods", True, namespace="ns1"),
    case("union/second-binding", pfperms.User("carol"), "list", "configmaps", True, namespace="ns1"),
    case("union/no-cross-product", pfperms.User("carol"), "list", "pods", False, namespace="ns1"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), SCOPE_CASES)
def test_binding_scope(build: Build, who: Any, verb: str, resource: str,
                       request_kw: dict[str, Any], expected: bool) -> None:
    """Section 2 and 4: ClusterRoleBindings grant everywhere, RoleBindings in their namespace only."""
    check(build(SCOPE, admitted=False), who, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# Section 3: resolving roleRef.
# ---------------------------------------------------------------------------------------------

ROLE_REFS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-getter, namespace: ns1}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-getter, namespace: ns2}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-getter}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: role-in-other-namespace, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-getter}
subjects: [{kind: User, name: carol}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secret-getter, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-getter}
subjects: [{kind: User, name: dave}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: missing-role, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ghost}
subjects: [{kind: User, name: erin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: missing-cluster-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ghost}
subjects: [{kind: User, name: erin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: erin-ok, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-getter}
subjects: [{kind: User, name: erin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: clusterrolebinding-to-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-getter}
subjects: [{kind: User, name: frank}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: lowercase-clusterrole}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: clusterrole, name: pod-getter}
subjects: [{kind: User, name: gina}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: lowercase-clusterrole, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: clusterrole, name: pod-getter}
subjects: [{kind: User, name: gina}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: lowercase-role, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: role, name: pod-getter}
subjects: [{kind: User, name: gina}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: unknown-kind, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Group, name: pod-getter}
subjects: [{kind: User, name: hank}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: roleref-api-group-ignored, namespace: ns1}
roleRef: {apiGroup: example.com, kind: Role, name: pod-getter}
subjects: [{kind: User, name: ivan}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rolebinding-to-clusterrole, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
subjects: [{kind: User, name: judy}]
"""

CAROL, DAVE, ERIN = pfperms.User("carol"), pfperms.User("dave"), pfperms.User("erin")
FRANK, GINA, HANK = pfperms.User("frank"), pfperms.User("gina"), pfperms.User("hank")
IVAN, JUDY = pfperms.User("ivan"), pfperms.User("judy")

ROLE_REF_CASES = [
    case("role-in-other-namespace/not-in-binding-namespace", CAROL, "get", "secrets", False,
         namespace="ns1"),
    case("role-in-other-namespace/not-in-role-namespace", CAROL, "get", "secrets", False,
         namespace="ns2"),
    case("role-in-own-namespace/control", DAVE, "get", "secrets", True, namespace="ns2"),
    case("missing-role/other-binding-still-grants", ERIN, "get", "pods", True, namespace="ns1"),
    case("missing-clusterrole/grants-nothing-cluster-wide", ERIN, "get", "pods", False,
         namespace="ns2"),
    case("clusterrolebinding-to-role/not-in-role-namespace", FRANK, "get", "pods", False,
         namespace="ns1"),
    case("clusterrolebinding-to-role/not-cluster-wide", FRANK, "get", "pods", False),
    case("lowercase-clusterrole/grants-nothing-in-namespace", GINA, "get", "pods", False,
         namespace="ns1"),
    case("lowercase-clusterrole/grants-nothing-cluster-wide", GINA, "get", "pods", False,
         namespace="ns3"),
    case("unknown-roleref-kind", HANK, "get", "pods", False, namespace="ns1"),
    case("roleref-api-group-not-consulted", IVAN, "get", "pods", True, namespace="ns1"),
    case("rolebinding-to-clusterrole/its-namespace", JUDY, "get", "pods", True, namespace="ns2"),
    case("rolebinding-to-clusterrole/not-elsewhere", JUDY, "get", "pods", False, namespace="ns1"),
    case("rolebinding-to-clusterrole/not-cluster-wide", JUDY, "get", "pods", False),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), ROLE_REF_CASES)
def test_role_ref_resolution(build: Build, who: Any, verb: str, resource: str,
                             request_kw: dict[str, Any], expected: bool) -> None:
    """Section 3: roleRef.kind only, exact case; Role looked up in the binding's namespace."""
    check(build(ROLE_REFS, admitted=False), who, verb, resource, expected, **request_kw)


def test_unresolvable_bindings_are_reported_not_fatal(build: Build) -> None:
    """Section 3: invalid or dangling roleRefs are flagged (problems/warnings), never raised."""
    model = build(ROLE_REFS, admitted=False)
    problems = "\n".join(model.problems())
    for binding in ("RoleBinding ns1/missing-role", "ClusterRoleBinding missing-cluster-role",
                    "ClusterRoleBinding clusterrolebinding-to-role",
                    "ClusterRoleBinding lowercase-clusterrole", "RoleBinding ns1/lowercase-role",
                    "RoleBinding ns1/unknown-kind", "RoleBinding ns1/role-in-other-namespace"):
        assert binding in problems
    assert "RoleBinding ns1/erin-ok" not in problems
    # the dangling binding is a note on the decision, while the other binding still grants
    decision = model.can(ERIN, "get", "pods", namespace="ns1")
    assert decision.allowed is True
    assert "ghost" in decision.explain()


# ---------------------------------------------------------------------------------------------
# Section 4: subject matching.
# ---------------------------------------------------------------------------------------------

SUBJECTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-getter}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: people}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "*"}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: devs}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "*"}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:serviceaccount:ns1:legacy"}
- {apiGroup: "", kind: User, name: ursula}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: service-accounts}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: ServiceAccount, name: sa1, namespace: ns1}
- {kind: ServiceAccount, name: nobody}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: wrong-case-kinds}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
subjects:
- {kind: user, name: bob}
- {kind: group, name: admins}
- {kind: serviceaccount, name: sa2, namespace: ns1}
- {kind: Serviceaccount, name: sa3, namespace: ns1}
- {kind: USER, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: no-subjects}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: colon-name, namespace: ns5}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-getter}
subjects:
- {kind: ServiceAccount, name: "sa1:extra", namespace: ns1}
"""

SA = pfperms.ServiceAccount

SUBJECT_CASES = [
    case("user/exact", ALICE, "get", "pods", True),
    case("user/case", pfperms.User("Alice"), "get", "pods", False),
    case("user/prefix", pfperms.User("alic"), "get", "pods", False),
    case("user/star-is-not-a-wildcard", pfperms.User("zed"), "get", "pods", False),
    case("user/star-literal-name", pfperms.User("*"), "get", "pods", True),
    case("user/api-group-ignored", pfperms.User("ursula"), "get", "pods", True),
    case("group/member", pfperms.User("x", ["devs"]), "get", "pods", True),
    case("group/not-member", pfperms.User("x", ["devs-2", "dev"]), "get", "pods", False),
    case("group/name-is-not-user-name", pfperms.User("devs"), "get", "pods", False),
    case("group/star-is-not-a-wildcard", pfperms.User("x", ["others"]), "get", "pods", False),
    case("group/star-literal-group", pfperms.User("x", ["*"]), "get", "pods", True),
    case("user-subject-named-like-sa/matches-sa", SA("ns1", "legacy"), "get", "pods", True),
    case("user-subject-named-like-sa/username-string", "system:serviceaccount:ns1:legacy",
         "get", "pods", True),
    case("sa/match", SA("ns1", "sa1"), "get", "pods", True, namespace="ns7"),
    case("sa/username-string", "system:serviceaccount:ns1:sa1", "get", "pods", True),
    case("sa/plain-user-with-sa-name", pfperms.User("system:serviceaccount:ns1:sa1"),
         "get", "pods", True),
    case("sa/name-prefix-sa1x", SA("ns1", "sa1x"), "get", "pods", False),
    case("sa/namespace-ns10", SA("ns10", "sa1"), "get", "pods", False),
    case("sa/namespace-case", SA("NS1", "sa1"), "get", "pods", False),
    case("sa/groups-do-not-matter",
         pfperms.User("mallory", ["system:serviceaccounts", "system:serviceaccounts:ns1"]),
         "get", "pods", False),
    case("sa/clusterrolebinding-subject-without-namespace", SA("default", "nobody"),
         "get", "pods", False),
    case("sa/clusterrolebinding-subject-without-namespace-ns1", SA("ns1", "nobody"),
         "get", "pods", False),
    case("kind/user-lowercase", BOB, "get", "pods", False),
    case("kind/group-lowercase", pfperms.User("x", ["admins"]), "get", "pods", False),
    case("kind/serviceaccount-lowercase", SA("ns1", "sa2"), "get", "pods", False),
    case("kind/Serviceaccount", SA("ns1", "sa3"), "get", "pods", False),
    case("no-subjects/anonymous", pfperms.User("system:anonymous", ["system:unauthenticated"]),
         "get", "pods", False),
    case("no-subjects/empty-user", pfperms.User(""), "get", "pods", False),
    case("sa-subject-string-compare/colon-in-subject-name",
         pfperms.User("system:serviceaccount:ns1:sa1:extra"), "get", "pods", True, namespace="ns5"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), SUBJECT_CASES)
def test_subject_matching(build: Build, who: Any, verb: str, resource: str,
                          request_kw: dict[str, Any], expected: bool) -> None:
    """Section 4: exact strings; SA subjects compare the user name only; unknown kinds never match."""
    check(build(SUBJECTS, admitted=False), who, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# Section 6: the `namespaces` resource is requested in the namespace it names.
# ---------------------------------------------------------------------------------------------

NAMESPACES = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: namespace-keeper}
rules:
- {apiGroups: [""], resources: [namespaces], verbs: [get, list, delete, patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: keeper, namespace: foo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: namespace-keeper}
subjects: [{kind: User, name: keeper}]
"""

KEEPER = pfperms.User("keeper")

NAMESPACE_CASES = [
    case("get-own-namespace", KEEPER, "get", "namespaces", True, namespace="foo", name="foo"),
    case("delete-own-namespace", KEEPER, "delete", "namespaces", True, namespace="foo", name="foo"),
    case("patch-own-namespace", KEEPER, "patch", "namespaces", True, namespace="foo", name="foo"),
    case("get-other-namespace", KEEPER, "get", "namespaces", False, namespace="bar", name="bar"),
    case("list-namespaces-is-cluster-scoped", KEEPER, "list", "namespaces", False),
    case("get-namespace-at-cluster-scope", KEEPER, "get", "namespaces", False, name="foo"),
    case("namespaces-status-not-granted", KEEPER, "get", "namespaces/status", False,
         namespace="foo", name="foo"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), NAMESPACE_CASES)
def test_namespaces_resource(build: Build, who: Any, verb: str, resource: str,
                             request_kw: dict[str, Any], expected: bool) -> None:
    """Section 6: a RoleBinding in foo granting `namespaces` reaches namespace foo itself only."""
    check(build(NAMESPACES), who, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# Section 8: identities, their groups, and impersonation requests.
# ---------------------------------------------------------------------------------------------

IDENTITIES = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: get-configmaps}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: get-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: get-pods}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: get-services}
rules: [{apiGroups: [""], resources: [services], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-service-accounts}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: get-configmaps}
subjects: [{kind: Group, name: "system:serviceaccounts"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ns1-service-accounts}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: get-secrets}
subjects: [{kind: Group, name: "system:serviceaccounts:ns1"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: authenticated}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: get-pods}
subjects: [{kind: Group, name: "system:authenticated"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: unauthenticated}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: get-services}
subjects: [{kind: Group, name: "system:unauthenticated"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonator}
rules:
- {apiGroups: [""], resources: [users], resourceNames: [alice], verbs: [impersonate]}
- {apiGroups: [""], resources: [groups], resourceNames: [devs], verbs: [impersonate]}
- {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
- {apiGroups: [authentication.k8s.io], resources: [userextras/scopes], verbs: [impersonate]}
- {apiGroups: [authentication.k8s.io], resources: [uids], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: impersonator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
subjects: [{kind: User, name: imp}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local-impersonator, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
subjects: [{kind: User, name: local-imp}]
"""

ANONYMOUS = pfperms.User("system:anonymous", ["system:unauthenticated"])
IMP, LOCAL_IMP = pfperms.User("imp"), pfperms.User("local-imp")

IDENTITY_CASES = [
    case("sa-group/system:serviceaccounts", SA("ns2", "b"), "get", "configmaps", True,
         namespace="ns9"),
    case("sa-group/own-namespace-group", SA("ns1", "a"), "get", "secrets", True, namespace="ns9"),
    case("sa-group/other-namespace-group", SA("ns2", "b"), "get", "secrets", False,
         namespace="ns1"),
    case("sa-group/system:authenticated", SA("ns2", "b"), "get", "pods", True, namespace="ns2"),
    case("sa-group/not-unauthenticated", SA("ns2", "b"), "get", "services", False,
         namespace="ns2"),
    case("sa-string/gets-sa-groups", "system:serviceaccount:ns1:a", "get", "secrets", True,
         namespace="ns1"),
    case("user/exactly-its-groups", pfperms.User("u"), "get", "pods", False, namespace="ns1"),
    case("user/authenticated-group-given", pfperms.User("u", ["system:authenticated"]),
         "get", "pods", True, namespace="ns1"),
    case("user/sa-name-without-groups", pfperms.User("system:serviceaccount:ns1:a"),
         "get", "configmaps", False, namespace="ns1"),
    case("anonymous/unauthenticated-group", ANONYMOUS, "get", "services", True, namespace="ns1"),
    case("anonymous/not-authenticated", ANONYMOUS, "get", "pods", False, namespace="ns1"),
    case("impersonate/user-by-name", IMP, "impersonate", "users", True, api_group="", name="alice"),
    case("impersonate/other-user", IMP, "impersonate", "users", False, api_group="", name="bob"),
    case("impersonate/group", IMP, "impersonate", "groups", True, api_group="", name="devs"),
    case("impersonate/other-group", IMP, "impersonate", "groups", False, api_group="",
         name="system:masters"),
    case("impersonate/serviceaccount-in-its-namespace", IMP, "impersonate", "serviceaccounts",
         True, namespace="ns3", name="robot"),
    case("impersonate/userextras-key", IMP, "impersonate", "userextras", True,
         api_group="authentication.k8s.io", subresource="scopes", name="view"),
    case("impersonate/userextras-other-key", IMP, "impersonate", "userextras", False,
         api_group="authentication.k8s.io", subresource="reason", name="x"),
    case("impersonate/uids", IMP, "impersonate", "uids", True, api_group="authentication.k8s.io",
         name="1234"),
    case("impersonate/uids-not-core", IMP, "impersonate", "uids", False, api_group="", name="1234"),
    case("impersonate/rolebinding-sa-in-namespace", LOCAL_IMP, "impersonate", "serviceaccounts",
         True, namespace="ns1", name="robot"),
    case("impersonate/rolebinding-sa-other-namespace", LOCAL_IMP, "impersonate", "serviceaccounts",
         False, namespace="ns2", name="robot"),
    case("impersonate/rolebinding-users-are-cluster-scoped", LOCAL_IMP, "impersonate", "users",
         False, api_group="", name="alice"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), IDENTITY_CASES)
def test_identities(build: Build, who: Any, verb: str, resource: str,
                    request_kw: dict[str, Any], expected: bool) -> None:
    """Section 8: SA user names and groups, anonymous, plain users, impersonation attributes."""
    check(build(IDENTITIES), who, verb, resource, expected, **request_kw)


def test_service_account_identity_shape() -> None:
    """Section 8: the user name and groups a cluster gives a service account."""
    account = pfperms.ServiceAccount("ns1", "app")
    assert account.username == "system:serviceaccount:ns1:app"
    assert set(account.groups) == {"system:serviceaccounts", "system:serviceaccounts:ns1",
                                   "system:authenticated"}
    assert pfperms.User("u").groups == ()


# ---------------------------------------------------------------------------------------------
# Section 9: which service account a workload runs as, and token automount.
# ---------------------------------------------------------------------------------------------

WORKLOADS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: no-sa, namespace: apps}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: named, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: runner
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy, namespace: apps}
spec:
  template:
    spec:
      serviceAccount: old-runner
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: both, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: runner
      serviceAccount: old-runner
      containers: [{name: c, image: x}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: apps}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: cron-runner
          containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: apps}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: unplaced}
spec:
  template:
    spec:
      serviceAccountName: runner
      containers: [{name: c, image: x}]
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: flow, namespace: apps}
spec:
  entrypoint: main
  templates: [{name: main, container: {image: x}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet, namespace: apps}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: quiet-by-account, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: quiet
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: quiet-overridden, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: quiet
      automountServiceAccountToken: true
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pod-opts-out, namespace: apps}
spec:
  template:
    spec:
      serviceAccountName: runner
      automountServiceAccountToken: false
      containers: [{name: c, image: x}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: apps}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: runner}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-sa, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: services-reader}
subjects: [{kind: ServiceAccount, name: default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: services-reader}
rules:
- {apiGroups: [""], resources: [services], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: quiet, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: services-reader}
subjects: [{kind: ServiceAccount, name: quiet}]
"""


@pytest.mark.parametrize(("ref", "namespace", "expected"), [
    pytest.param("Deployment/no-sa", "apps", SA("apps", "default"), id="no-serviceAccountName-is-default"),
    pytest.param("Deployment/named", "apps", SA("apps", "runner"), id="serviceAccountName"),
    pytest.param("Deployment/legacy", "apps", SA("apps", "old-runner"), id="legacy-serviceAccount"),
    pytest.param("Deployment/both", "apps", SA("apps", "runner"), id="serviceAccountName-wins"),
    pytest.param("CronJob/nightly", "apps", SA("apps", "cron-runner"), id="cronjob-template"),
    pytest.param("Pod/bare", "apps", SA("apps", "default"), id="pod-default"),
    pytest.param("Workflow/flow", "apps", SA("apps", "default"), id="argo-workflow-default"),
    pytest.param("Deployment/unplaced", "default", SA("default", "runner"),
                 id="no-namespace-lands-in-default-namespace"),
])
def test_workload_service_account(build: Build, ref: str, namespace: str,
                                  expected: pfperms.ServiceAccount) -> None:
    """Section 9: pods run as their serviceAccountName, else serviceAccount, else default."""
    assert build(WORKLOADS).workload(ref, namespace=namespace).service_account == expected


WORKLOAD_CASES = [
    pytest.param("Deployment/no-sa", "get", "services", {}, True, id="default-sa-binding-applies"),
    pytest.param("Deployment/no-sa", "get", "configmaps", {}, False, id="default-sa-not-runner"),
    pytest.param("Deployment/named", "get", "configmaps", {}, True, id="named-sa-own-namespace"),
    pytest.param("Deployment/named", "get", "configmaps", {"namespace": "other"}, False,
                 id="named-sa-other-namespace"),
    pytest.param("Deployment/named", "get", "configmaps", {"namespace": None}, False,
                 id="named-sa-cluster-scope"),
    pytest.param("Deployment/legacy", "get", "configmaps", {}, False, id="legacy-sa-is-not-runner"),
    pytest.param("Deployment/both", "get", "configmaps", {}, True, id="both-runs-as-runner"),
    pytest.param("CronJob/nightly", "get", "configmaps", {}, False, id="cronjob-own-sa-only"),
]


@pytest.mark.parametrize(("ref", "verb", "resource", "request_kw", "expected"), WORKLOAD_CASES)
def test_workload_can(build: Build, ref: str, verb: str, resource: str,
                      request_kw: dict[str, Any], expected: bool) -> None:
    """Section 9: a workload asks as its pods' service account, in its own namespace by default."""
    model = build(WORKLOADS)
    workload = model.workload(ref, namespace="apps")
    decision = workload.can(verb, resource, **request_kw)
    assert decision.allowed is expected, decision.explain()
    namespace = request_kw.get("namespace", "apps")
    assert model.can(workload, verb, resource, namespace=namespace).allowed is expected
    assert model.can(workload.service_account, verb, resource,
                     namespace=namespace).allowed is expected


@pytest.mark.parametrize(("ref", "token_note"), [
    pytest.param("Deployment/named", False, id="default-automount-true"),
    pytest.param("Deployment/pod-opts-out", True, id="pod-false"),
    pytest.param("Deployment/quiet-by-account", True, id="service-account-false"),
    pytest.param("Deployment/quiet-overridden", False, id="pod-true-beats-service-account-false"),
])
def test_token_automount_precedence(build: Build, ref: str, token_note: bool) -> None:
    """Section 9: pod setting, else SA setting, else true; grants stay, the note says no token."""
    workload = build(WORKLOADS).workload(ref, namespace="apps")
    resource = "configmaps" if workload.service_account.name == "runner" else "services"
    decision = workload.can("get", resource)
    assert decision.allowed is True, decision.explain()
    assert ("no token" in decision.explain()) is token_note, decision.explain()


# ---------------------------------------------------------------------------------------------
# Section 12: bootstrap policy (cluster_defaults=True), and its absence.
# ---------------------------------------------------------------------------------------------

BOOTSTRAP = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-edit, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer-view, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: viewer}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: boss-admin, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: User, name: boss}]
"""

ANY_SA = SA("ns4", "anything")
DEFAULT_SA = SA("ns1", "default")
EDITOR, VIEWER, BOSS = SA("ns1", "app"), SA("ns1", "viewer"), pfperms.User("boss")
AUTHENTICATED_USER = pfperms.User("jane", ["system:authenticated"])
MASTER = pfperms.User("root", ["system:masters"])
AUTHZ, AUTHN = "authorization.k8s.io", "authentication.k8s.io"

BOOTSTRAP_CASES = [
    # discovery and public info: every service account
    case("any-sa/get-healthz", ANY_SA, "get", "/healthz", True),
    case("any-sa/get-livez", ANY_SA, "get", "/livez", True),
    case("any-sa/get-readyz", ANY_SA, "get", "/readyz", True),
    case("any-sa/get-version", ANY_SA, "get", "/version", True),
    case("any-sa/get-version-slash", ANY_SA, "get", "/version/", True),
    case("any-sa/get-api", ANY_SA, "get", "/api", True),
    case("any-sa/get-api-v1", ANY_SA, "get", "/api/v1", True),
    case("any-sa/get-apis", ANY_SA, "get", "/apis", True),
    case("any-sa/get-apis-group", ANY_SA, "get", "/apis/apps/v1", True),
    case("any-sa/get-openapi-v2", ANY_SA, "get", "/openapi/v2", True),
    case("any-sa/get-openid-configuration", ANY_SA, "get", "/.well-known/openid-configuration",
         True),
    case("any-sa/get-jwks", ANY_SA, "get", "/openid/v1/jwks", True),
    case("any-sa/not-healthz-subpath", ANY_SA, "get", "/healthz/etcd", False),
    case("any-sa/not-metrics", ANY_SA, "get", "/metrics", False),
    case("any-sa/not-post-healthz", ANY_SA, "post", "/healthz", False),
    case("any-sa/not-head-healthz", ANY_SA, "head", "/healthz", False),
    case("any-sa/not-versions", ANY_SA, "get", "/versions", False),
    # basic-user: self reviews, nothing else
    case("any-sa/create-selfsubjectaccessreviews", ANY_SA, "create", "selfsubjectaccessreviews",
         True),
    case("any-sa/create-selfsubjectrulesreviews", ANY_SA, "create", "selfsubjectrulesreviews",
         True),
    case("any-sa/create-selfsubjectreviews", ANY_SA, "create", "selfsubjectreviews", True),
    case("any-sa/not-subjectaccessreviews", ANY_SA, "create", "subjectaccessreviews", False),
    case("any-sa/not-tokenreviews", ANY_SA, "create", "tokenreviews", False),
    case("any-sa/ssar-needs-its-group", ANY_SA, "create", "selfsubjectaccessreviews", False,
         api_group=AUTHN),
    # the default service account has no resource permissions
    case("default-sa/get-pods", DEFAULT_SA, "get", "pods", False, namespace="ns1", name="p"),
    case("default-sa/list-configmaps", DEFAULT_SA, "list", "configmaps", False, namespace="ns1"),
    case("default-sa/get-secrets", DEFAULT_SA, "get", "secrets", False, namespace="ns1", name="s"),
    case("default-sa/get-own-namespace", DEFAULT_SA, "get", "namespaces", False, namespace="ns1",
         name="ns1"),
    case("default-sa/list-namespaces", DEFAULT_SA, "list", "namespaces", False),
    case("default-sa/get-serviceaccounts", DEFAULT_SA, "get", "serviceaccounts", False,
         namespace="ns1", name="default"),
    case("default-sa/create-token", DEFAULT_SA, "create", "serviceaccounts/token", False,
         namespace="ns1", name="default"),
    # authenticated users vs service-account-only and anonymous
    case("authenticated-user/get-api", AUTHENTICATED_USER, "get", "/api", True),
    case("authenticated-user/no-openid-config", AUTHENTICATED_USER, "get",
         "/.well-known/openid-configuration", False),
    case("anonymous/get-healthz", ANONYMOUS, "get", "/healthz", True),
    case("anonymous/get-version", ANONYMOUS, "get", "/version", True),
    case("anonymous/not-api", ANONYMOUS, "get", "/api", False),
    case("anonymous/not-apis", ANONYMOUS, "get", "/apis", False),
    case("anonymous/not-ssar", ANONYMOUS, "create", "selfsubjectaccessreviews", False),
    case("anonymous/not-openid-config", ANONYMOUS, "get", "/.well-known/openid-configuration", False),
    case("no-groups-user/not-healthz", pfperms.User("nogroups"), "get", "/healthz", False),
    # edit via a RoleBinding
    case("edit/impersonate-sa-in-namespace", EDITOR, "impersonate", "serviceaccounts", True,
         namespace="ns1", name="other"),
    case("edit/impersonate-sa-other-namespace", EDITOR, "impersonate", "serviceaccounts", False,
         namespace="ns2", name="other"),
    case("edit/impersonate-sa-cluster-scope", EDITOR, "impersonate", "serviceaccounts", False,
         name="other"),
    case("edit/not-impersonate-users", EDITOR, "impersonate", "users", False, api_group="",
         name="alice"),
    case("edit/get-secrets-in-namespace", EDITOR, "get", "secrets", True, namespace="ns1", name="s"),
    case("edit/list-secrets-in-namespace", EDITOR, "list", "secrets", True, namespace="ns1"),
    case("edit/create-secrets-in-namespace", EDITOR, "create", "secrets", True, namespace="ns1"),
    case("edit/get-secrets-other-namespace", EDITOR, "get", "secrets", False, namespace="ns2",
         name="s"),
    case("edit/list-secrets-cluster-wide", EDITOR, "list", "secrets", False),
    case("edit/create-pods-exec", EDITOR, "create", "pods/exec", True, namespace="ns1", name="p"),
    case("edit/create-serviceaccount-token", EDITOR, "create", "serviceaccounts/token", True,
         namespace="ns1", name="app"),
    case("edit/patch-deployments-scale", EDITOR, "patch", "deployments.apps/scale", True,
         namespace="ns1", name="d"),
    case("edit/inherits-view-pods-log", EDITOR, "get", "pods/log", True, namespace="ns1", name="p"),
    case("edit/get-own-namespace", EDITOR, "get", "namespaces", True, namespace="ns1", name="ns1"),
    case("edit/not-delete-own-namespace", EDITOR, "delete", "namespaces", False, namespace="ns1",
         name="ns1"),
    case("edit/not-roles", EDITOR, "create", "roles", False, namespace="ns1"),
    case("edit/not-rolebindings", EDITOR, "create", "rolebindings", False, namespace="ns1"),
    case("edit/not-endpoints-write", EDITOR, "create", "endpoints", False, namespace="ns1"),
    case("edit/not-nodes", EDITOR, "get", "nodes", False, name="n"),
    # view via a RoleBinding
    case("view/get-pods", VIEWER, "get", "pods", True, namespace="ns1", name="p"),
    case("view/list-pods-other-namespace", VIEWER, "list", "pods", False, namespace="ns2"),
    case("view/not-secrets", VIEWER, "get", "secrets", False, namespace="ns1", name="s"),
    case("view/not-pods-exec", VIEWER, "create", "pods/exec", False, namespace="ns1", name="p"),
    case("view/not-create-pods", VIEWER, "create", "pods", False, namespace="ns1"),
    case("view/not-impersonate-sa", VIEWER, "impersonate", "serviceaccounts", False,
         namespace="ns1", name="other"),
    case("view/get-namespace-named-after-binding", VIEWER, "get", "namespaces", True,
         namespace="ns1", name="ns1"),
    case("view/get-namespace-status", VIEWER, "get", "namespaces/status", True, namespace="ns1",
         name="ns1"),
    case("view/not-other-namespace-object", VIEWER, "get", "namespaces", False, namespace="ns2",
         name="ns2"),
    case("view/not-list-namespaces-cluster-wide", VIEWER, "list", "namespaces", False),
    case("view/get-deployments-scale", VIEWER, "get", "deployments.apps/scale", True,
         namespace="ns1", name="d"),
    case("view/not-update-deployments-scale", VIEWER, "update", "deployments.apps/scale", False,
         namespace="ns1", name="d"),
    # admin via a RoleBinding
    case("admin/create-rolebindings", BOSS, "create", "rolebindings", True, namespace="ns1"),
    case("admin/create-roles", BOSS, "create", "roles", True, namespace="ns1"),
    case("admin/create-localsubjectaccessreviews", BOSS, "create", "localsubjectaccessreviews",
         True, namespace="ns1"),
    case("admin/inherits-edit-secrets", BOSS, "delete", "secrets", True, namespace="ns1", name="s"),
    case("admin/not-clusterroles", BOSS, "create", "clusterroles", False),
    case("admin/not-other-namespace", BOSS, "create", "rolebindings", False, namespace="ns2"),
    # system:masters through the bootstrap cluster-admin binding
    case("masters/delete-nodes", MASTER, "delete", "nodes", True, name="n"),
    case("masters/escalate-clusterroles", MASTER, "escalate", "clusterroles", True, name="x"),
    case("masters/impersonate-users", MASTER, "impersonate", "users", True, api_group="",
         name="alice"),
    case("masters/custom-resource", MASTER, "deletecollection", "widgets.example.com", True,
         namespace="ns1"),
    case("masters/any-url", MASTER, "post", "/anything/at/all", True),
    case("masters/group-name-exact", pfperms.User("root", ["system:master"]), "get", "pods", False,
         namespace="ns1"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), BOOTSTRAP_CASES)
def test_bootstrap_defaults(build: Build, who: Any, verb: str, resource: str,
                            request_kw: dict[str, Any], expected: bool) -> None:
    """Section 12: the defaults every cluster has, with cluster_defaults=True."""
    check(build(BOOTSTRAP, cluster_defaults=True), who, verb, resource, expected, **request_kw)


@pytest.mark.parametrize(
    ("who", "verb", "resource", "request_kw", "expected"),
    [row for row in BOOTSTRAP_CASES if row.values[4] is True])
def test_without_cluster_defaults_nothing_of_these_is_granted(
        build: Build, who: Any, verb: str, resource: str, request_kw: dict[str, Any],
        expected: bool) -> None:
    """Section 12: cluster_defaults=False removes every bootstrap grant (edit/view/admin too)."""
    assert expected is True
    check(build(BOOTSTRAP, cluster_defaults=False), who, verb, resource, False, **request_kw)


def test_cluster_defaults_are_not_listed(build: Build) -> None:
    """Section 12 / DESIGN: default roles answer questions but objects() lists only the sources."""
    model = build(BOOTSTRAP, cluster_defaults=True)
    assert {obj.name for obj in model.objects()} == {"app-edit", "viewer-view", "boss-admin"}
    assert model.objects("ClusterRole") == []


# ---------------------------------------------------------------------------------------------
# Section 13: everything is exact and case-sensitive.
# ---------------------------------------------------------------------------------------------

CASES_TEXT = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exact, namespace: ns1}
rules:
- {apiGroups: [apps], resources: [deployments], resourceNames: [web], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exact, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exact}
subjects:
- {kind: User, name: alice}
- {kind: Group, name: devs}
- {kind: ServiceAccount, name: robot, namespace: ns1}
"""

CASE_SENSITIVITY = [
    case("baseline-user", ALICE, "get", "deployments.apps", True, namespace="ns1", name="web"),
    case("baseline-group", pfperms.User("x", ["devs"]), "get", "deployments.apps", True,
         namespace="ns1", name="web"),
    case("baseline-sa", SA("ns1", "robot"), "get", "deployments.apps", True, namespace="ns1",
         name="web"),
    case("api-group", ALICE, "get", "deployments", False, api_group="Apps", namespace="ns1",
         name="web"),
    case("resource", ALICE, "get", "Deployments", False, api_group="apps", namespace="ns1",
         name="web"),
    case("resource-name", ALICE, "get", "deployments.apps", False, namespace="ns1", name="Web"),
    case("user-name", pfperms.User("ALICE"), "get", "deployments.apps", False, namespace="ns1",
         name="web"),
    case("group-name", pfperms.User("x", ["Devs"]), "get", "deployments.apps", False,
         namespace="ns1", name="web"),
    case("sa-name", SA("ns1", "Robot"), "get", "deployments.apps", False, namespace="ns1",
         name="web"),
    # (the user name string system:serviceaccount:Ns1:robot is refused: no account has it)
    case("sa-namespace", SA("Ns1", "robot"), "get", "deployments.apps", False,
         namespace="ns1", name="web"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), CASE_SENSITIVITY)
def test_case_sensitivity(build: Build, who: Any, verb: str, resource: str,
                          request_kw: dict[str, Any], expected: bool) -> None:
    """Section 13: verbs, groups, resources, names, namespaces and subjects compare exactly.
    (A verb or namespace in the wrong case is refused as a typo: test_typo_questions.py.)"""
    check(build(CASES_TEXT), who, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# peers.md, "Appendix: semantic pitfalls".
# ---------------------------------------------------------------------------------------------

PITFALLS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one-secret, namespace: ns1}
rules:
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [app-secret]
  verbs: [get, list, watch, create, update, delete, deletecollection]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: no-names, namespace: ns1}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: []
  verbs: [get, list]
- apiGroups: [""]
  resources: [deployments]
  verbs: [get]
- apiGroups: ["*"]
  resources: ["*/*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-secret}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-no-names, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: no-names}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: scoped-secret-reader, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: reader, namespace: ns2}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: role-from-cluster-binding}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-secret}
subjects: [{kind: ServiceAccount, name: other, namespace: ns1}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sa-without-namespace}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: app}]
"""

APP = SA("ns1", "app")

PITFALL_CASES = [
    case("resourceNames/get-named", APP, "get", "secrets", True, namespace="ns1", name="app-secret"),
    case("resourceNames/update-named", APP, "update", "secrets", True, namespace="ns1",
         name="app-secret"),
    case("resourceNames/delete-named", APP, "delete", "secrets", True, namespace="ns1",
         name="app-secret"),
    case("resourceNames/get-other", APP, "get", "secrets", False, namespace="ns1", name="db"),
    case("resourceNames/cannot-restrict-create", APP, "create", "secrets", False, namespace="ns1"),
    case("resourceNames/list-unnamed", APP, "list", "secrets", False, namespace="ns1"),
    case("resourceNames/watch-unnamed", APP, "watch", "secrets", False, namespace="ns1"),
    case("resourceNames/list-naming-the-object", APP, "list", "secrets", True, namespace="ns1",
         name="app-secret"),
    case("resourceNames/watch-naming-the-object", APP, "watch", "secrets", True, namespace="ns1",
         name="app-secret"),
    case("resourceNames/deletecollection", APP, "deletecollection", "secrets", False,
         namespace="ns1"),
    case("resourceNames/empty-list-is-unrestricted", APP, "list", "configmaps", True,
         namespace="ns1"),
    case("star-slash-star/not-pods", APP, "get", "pods", False, namespace="ns1", name="p"),
    case("star-slash-star/not-pods-exec", APP, "create", "pods/exec", False, namespace="ns1",
         name="p"),
    case("star-slash-star/not-deployments-scale", APP, "update", "deployments.apps/scale", False,
         namespace="ns1", name="d"),
    case("api-group/core-deployments-is-not-apps", APP, "get", "deployments.apps", False,
         namespace="ns1", name="d"),
    case("rolebinding-clusterrole/in-binding-namespace", SA("ns2", "reader"), "list", "secrets",
         True, namespace="ns2"),
    case("rolebinding-clusterrole/not-other-namespace", SA("ns2", "reader"), "get", "secrets",
         False, namespace="ns1", name="app-secret"),
    case("rolebinding-clusterrole/not-cluster-wide", SA("ns2", "reader"), "list", "secrets", False),
    case("clusterrolebinding-role/invalid-grants-nothing", SA("ns1", "other"), "get", "secrets",
         False, namespace="ns1", name="app-secret"),
    case("clusterrolebinding-sa-needs-namespace/ns1", APP, "get", "secrets", False,
         namespace="ns1", name="db"),
    case("clusterrolebinding-sa-needs-namespace/default", SA("default", "app"), "list", "secrets",
         False, namespace="default"),
]


@pytest.mark.parametrize(("who", "verb", "resource", "request_kw", "expected"), PITFALL_CASES)
def test_peer_tool_pitfalls(build: Build, who: Any, verb: str, resource: str,
                            request_kw: dict[str, Any], expected: bool) -> None:
    """peers.md appendix: the mistakes other RBAC analysers made, each as a regression case."""
    check(build(PITFALLS, admitted=False), who, verb, resource, expected, **request_kw)


# ---------------------------------------------------------------------------------------------
# The Decision API: bool(), explain(), rules_for(), and how requests are built.
# ---------------------------------------------------------------------------------------------

EXPLAIN = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pvc-editor, namespace: apps}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: example-pvcs, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pvc-editor}
subjects: [{kind: ServiceAccount, name: example}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: example-nodes}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}
subjects: [{kind: ServiceAccount, name: example, namespace: apps}]
"""

EXAMPLE = SA("apps", "example")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def test_bool_of_decision(build: Build) -> None:
    model = build(EXPLAIN)
    assert model.can(EXAMPLE, "update", "persistentvolumeclaims", namespace="apps", name="data")
    assert not model.can(EXAMPLE, "delete", "persistentvolumeclaims", namespace="apps", name="data")
    assert bool(model.can(EXAMPLE, "get", "nodes", name="n1")) is True
    assert bool(model.can(EXAMPLE, "get", "nodes", namespace="other", name="n1")) is True
    assert bool(model.can(EXAMPLE, "get", "configmaps", namespace="other")) is False


def test_explain_allow_names_binding_role_and_rule(build: Build) -> None:
    model = build(EXPLAIN)
    text = model.can(EXAMPLE, "update", "persistentvolumeclaims", namespace="apps",
                     name="data").explain()
    binding_line = line_of(EXPLAIN, "kind: RoleBinding") - 1  # the document's apiVersion line
    role_line = 1
    rule_line = line_of(EXPLAIN, "- apiGroups", occurrence=2)
    assert "RoleBinding apps/example-pvcs" in text
    assert f"manifests.yaml:{binding_line}" in text
    assert "Role apps/pvc-editor" in text
    assert f"manifests.yaml:{role_line}" in text
    assert "rule 1" in text
    assert f"manifests.yaml:{rule_line}" in text
    assert "ClusterRoleBinding example-nodes" not in text


def test_explain_deny_names_nearest_rule_and_mismatch(build: Build) -> None:
    model = build(EXPLAIN)
    decision = model.can(EXAMPLE, "delete", "persistentvolumeclaims", namespace="apps", name="data")
    assert decision.allowed is False
    text = decision.explain()
    assert "CANNOT" in text
    lines = text.splitlines()
    nearest = next(n for n, line in enumerate(lines) if "└─ rule " in line)
    # the nearest rule (only the verb misses) comes first, with its file:line and the mismatch
    assert "rule 1:" in lines[nearest]
    assert f"manifests.yaml:{line_of(EXPLAIN, '- apiGroups', occurrence=2)}" in lines[nearest]
    assert "RoleBinding apps/example-pvcs" in lines[nearest - 2]
    assert lines[nearest + 1].strip() == '✗ verbs ["get", "update"] do not include "delete"'


def test_explain_deny_points_at_binding_in_other_namespace(build: Build) -> None:
    text = build(EXPLAIN).can(EXAMPLE, "update", "persistentvolumeclaims", namespace="web",
                              name="data").explain()
    assert "RoleBinding apps/example-pvcs grants it in namespace apps only" in text


def test_rules_for(build: Build) -> None:
    model = build(EXPLAIN)
    in_apps = {(p.binding.name, p.role.name, p.rule.rule.index)
               for p in model.rules_for(EXAMPLE, "apps")}
    assert in_apps == {("example-pvcs", "pvc-editor", 0), ("example-pvcs", "pvc-editor", 1),
                       ("example-nodes", "node-reader", 0)}
    cluster = {(p.binding.name, p.rule.rule.index) for p in model.rules_for(EXAMPLE)}
    assert cluster == {("example-nodes", 0)}
    elsewhere = {(p.binding.name, p.rule.rule.index) for p in model.rules_for(EXAMPLE, "web")}
    assert elsewhere == {("example-nodes", 0)}
    assert all(p.allowed is True for p in model.rules_for(EXAMPLE, "apps"))
    assert model.rules_for(SA("apps", "stranger"), "apps") == []


@pytest.mark.parametrize(("resource", "kwargs", "expected"), [
    pytest.param("deployments", {}, ("apps", "deployments", ""), id="builtin-group"),
    pytest.param("deployments.apps/scale", {}, ("apps", "deployments", "scale"), id="dotted"),
    pytest.param("deployments.apps", {"api_group": "extensions"}, ("extensions", "deployments", ""),
                 id="api-group-keyword-wins"),
    pytest.param("pods/log", {"subresource": "exec"}, ("", "pods", "exec"),
                 id="subresource-keyword-wins"),
    pytest.param("pods", {}, ("", "pods", ""), id="core"),
    pytest.param("widgets", {"api_group": ""}, ("", "widgets", ""), id="unknown-with-core-group"),
])
def test_request_attributes(build: Build, resource: str, kwargs: dict[str, str],
                            expected: tuple[str, str, str]) -> None:
    request = build(EXPLAIN).can(TESTER, "get", resource, namespace="ns1", **kwargs).request
    assert (request.api_group, request.resource, request.subresource) == expected


@pytest.mark.parametrize(("resource", "kwargs"), [
    pytest.param("widgets", {}, id="unknown-bare-resource-needs-group"),
    pytest.param("/healthz", {"name": "x"}, id="url-takes-no-name"),
    pytest.param("/healthz", {"api_group": ""}, id="url-takes-no-group"),
])
def test_request_errors(build: Build, resource: str, kwargs: dict[str, str]) -> None:
    with pytest.raises(pfperms.InvalidArgument):
        build(EXPLAIN).can(TESTER, "get", resource, **kwargs)


def test_a_symbolic_request_name_against_resource_names_is_unknown(build: Build) -> None:
    """Found by the three-valued soundness property: the compiled fast path must not
    compare a name known only after apply as a literal."""
    from pytest_pfperms.model.requests import ResourceRequest
    from pytest_pfperms.values import Symbol

    model = build("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: one-secret}
        rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db-password], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: one-secret}
        subjects: [{kind: User, name: alice}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: one-secret}
        """)
    alice = pfperms.User("alice")
    unknown = Symbol("var.secret_name", reason="input variable secret_name has no value")
    request = ResourceRequest("get", "", "secrets", "", "apps", unknown)
    assert model.decide(alice, request).allowed is None
    hexed = Symbol("random_id.x.hex", pattern="[0-9a-f]{16}")
    assert model.decide(alice, ResourceRequest("get", "", "secrets", "", "apps", hexed)).allowed is False


def test_symbolic_verb_group_and_resource_are_unknown_not_denied(build: Build) -> None:
    """Found by the soundness property: the fast path compared symbols as literals."""
    from pytest_pfperms.model.requests import ResourceRequest
    from pytest_pfperms.values import Symbol

    model = build("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: pod-reader}
        rules: [{apiGroups: [""], resources: [pods, pods/log], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: pod-reader}
        subjects: [{kind: User, name: alice}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
        """)
    alice = pfperms.User("alice")
    verb, group, resource, sub = (Symbol(f"var.{n}") for n in ("verb", "group", "resource", "sub"))
    assert model.decide(alice, ResourceRequest(verb, "", "pods", "", "a", "")).allowed is None
    assert model.decide(alice, ResourceRequest("get", group, "pods", "", "a", "")).allowed is None
    assert model.decide(alice, ResourceRequest("get", "", resource, "", "a", "")).allowed is None
    assert model.decide(alice, ResourceRequest("get", "", "pods", sub, "a", "")).allowed is None
    # still definite where the symbol cannot matter
    assert model.decide(alice, ResourceRequest(verb, "apps", "pods", "", "a", "")).allowed is False
    assert model.decide(alice, ResourceRequest("get", "", resource, "exec", "a", "")).allowed is False
