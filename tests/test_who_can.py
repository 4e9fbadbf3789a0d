"""``model.who_can``: the reverse lookup (``reference/k8s-rbac.md`` section 14).

Like ``AllowedSubjects``: the subjects of every ClusterRoleBinding whose role
allows the request, plus, for a namespaced request, those of the RoleBindings in
that namespace. Dangling or invalid bindings are skipped, never fatal.
ServiceAccount subjects without a namespace are shown with the RoleBinding's
namespace; in a ClusterRoleBinding they match nobody and are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import pytest_pfperms as pfperms

Build = Callable[..., pfperms.Model]




MANIFESTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics}
rules:
- {nonResourceURLs: [/metrics], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: ns1}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pods-everywhere}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects:
- {kind: User, name: alice}
- {kind: Group, name: devs}
- {kind: ServiceAccount, name: robot, namespace: ns9}
- {kind: ServiceAccount, name: lost}
- {kind: user, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects: [{kind: User, name: scraper}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: metrics-local, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects: [{kind: User, name: local-scraper}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pods-ns1, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects:
- {kind: ServiceAccount, name: app}
- {kind: ServiceAccount, name: other, namespace: ns2}
- {kind: User, name: carol}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pods-ns2, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: User, name: dave}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets-ns1, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: User, name: erin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: missing-role, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ghost}
subjects: [{kind: User, name: frank}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: missing-cluster-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ghost}
subjects: [{kind: User, name: frank}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: no-subjects}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: role-from-cluster-binding}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: User, name: gina}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets-ns2-wrong-role, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: User, name: hank}]
"""

CLUSTER_WIDE_POD_READERS = {"User alice", "Group devs", "ServiceAccount ns9/robot"}

MANIFEST_SUBJECTS = {
    "User alice", "Group devs", "ServiceAccount ns9/robot", "ServiceAccount ns1/app",
    "ServiceAccount ns2/other", "User carol", "User dave", "User erin", "User frank", "User gina",
    "User hank", "User bob", "User scraper", "User local-scraper", "ServiceAccount default/lost",
    "ServiceAccount ns1/lost", "ServiceAccount ns1/other",
}
"""Every subject the manifests name (or could be mistaken for)."""


def who(case_id: str, verb: str, resource: str, expected: set[str], **request: Any) -> Any:
    return pytest.param(verb, resource, request, expected, id=case_id)


WHO_CAN_CASES = [
    who("namespaced-request/clusterrolebindings-and-local-rolebindings", "get", "pods",
        CLUSTER_WIDE_POD_READERS | {"ServiceAccount ns1/app", "ServiceAccount ns2/other",
                                    "User carol"}, namespace="ns1", name="p"),
    who("other-namespace/its-own-rolebindings-only", "list", "pods",
        CLUSTER_WIDE_POD_READERS | {"User dave"}, namespace="ns2"),
    who("namespace-without-bindings", "get", "pods", CLUSTER_WIDE_POD_READERS, namespace="ns3"),
    who("cluster-scope/no-rolebindings", "list", "pods", CLUSTER_WIDE_POD_READERS),
    who("namespace-star-is-just-a-name", "list", "pods", CLUSTER_WIDE_POD_READERS, namespace="*"),
    who("role-in-binding-namespace", "get", "secrets", {"User erin"}, namespace="ns1", name="s"),
    who("role-not-reachable-from-other-namespace", "get", "secrets", set(), namespace="ns2",
        name="s"),
    who("clusterrolebinding-to-role-is-skipped", "get", "secrets", set(), name="s"),
    who("verb-not-granted", "delete", "pods", set(), namespace="ns1", name="p"),
    who("subresource-not-granted", "get", "pods/log", set(), namespace="ns1", name="p"),
    who("url/clusterrolebindings-only", "get", "/metrics", {"User scraper"}),
    who("url/other-verb", "post", "/metrics", set()),
    who("url/other-path", "get", "/metrics/cadvisor", set()),
]


@pytest.mark.parametrize(("verb", "resource", "request_kw", "expected"), WHO_CAN_CASES)
def test_who_can(build: Build, verb: str, resource: str, request_kw: dict[str, Any],
                 expected: set[str]) -> None:
    grants = build(MANIFESTS, admitted=False).who_can(verb, resource, **request_kw)
    assert {grant.subject for grant in grants} == expected
    assert all(grant.allowed is True for grant in grants)


def identity(subject: str) -> Any:
    """The identity a who_can subject string stands for."""
    kind, _, name = subject.partition(" ")
    if kind == "User":
        return pfperms.User(name)
    if kind == "Group":
        return pfperms.User("someone", [name])
    namespace, _, account = name.partition("/")
    return pfperms.ServiceAccount(namespace, account)


@pytest.mark.parametrize(("verb", "resource", "request_kw", "expected"), WHO_CAN_CASES)
def test_who_can_agrees_with_can(build: Build, verb: str, resource: str,
                                 request_kw: dict[str, Any], expected: set[str]) -> None:
    """Every subject who_can names is allowed by can(); the bindings' other subjects are not."""
    model = build(MANIFESTS, admitted=False)
    for subject in sorted(MANIFEST_SUBJECTS):
        decision = model.can(identity(subject), verb, resource, **request_kw)
        assert decision.allowed is (subject in expected), decision.explain()


def test_grant_paths_name_binding_and_role(build: Build) -> None:
    grants = build(MANIFESTS, admitted=False).who_can("get", "pods", namespace="ns1", name="p")
    by_subject = {grant.subject: grant for grant in grants}
    local = by_subject["ServiceAccount ns1/app"]
    assert local.path.binding.name == "pods-ns1"
    assert local.path.binding.namespace == "ns1"
    assert local.path.role.name == "pod-reader"
    assert local.path.rule.rule.index == 0
    assert by_subject["User alice"].path.binding.name == "pods-everywhere"
    assert "ServiceAccount ns1/app via RoleBinding ns1/pods-ns1 -> ClusterRole pod-reader" in str(local)


def test_binding_without_subjects_names_nobody(build: Build) -> None:
    grants = build(MANIFESTS, admitted=False).who_can("get", "pods", namespace="ns1", name="p")
    assert "no-subjects" not in {grant.path.binding.name for grant in grants}


@pytest.mark.parametrize(("verb", "resource", "request_kw", "expected"), [
    pytest.param("get", "pods", {"namespace": "ns1"},
                 {"Group system:masters"} | CLUSTER_WIDE_POD_READERS
                 | {"ServiceAccount ns1/app", "ServiceAccount ns2/other", "User carol"},
                 id="system-masters-always-listed"),
    pytest.param("delete", "nodes", {"name": "n1"}, {"Group system:masters"},
                 id="delete-nodes-system-masters-only-of-ours"),
    pytest.param("get", "/healthz", {},
                 {"Group system:masters", "Group system:authenticated", "Group system:unauthenticated"},
                 id="healthz-public"),
    pytest.param("get", "/.well-known/openid-configuration", {},
                 {"Group system:masters", "Group system:serviceaccounts"},
                 id="issuer-discovery-service-accounts"),
    pytest.param("create", "selfsubjectaccessreviews", {},
                 {"Group system:masters", "Group system:authenticated"}, id="basic-user"),
])
def test_who_can_with_cluster_defaults(build: Build, verb: str, resource: str,
                                       request_kw: dict[str, Any], expected: set[str]) -> None:
    """The bootstrap subjects are listed (system components may add more); of the
    manifests' subjects exactly the expected ones are."""
    grants = build(MANIFESTS, cluster_defaults=True, admitted=False).who_can(verb, resource, **request_kw)
    subjects = {grant.subject for grant in grants}
    assert expected <= subjects
    assert subjects & MANIFEST_SUBJECTS == expected & MANIFEST_SUBJECTS


def test_who_can_without_cluster_defaults_has_no_bootstrap_subjects(build: Build) -> None:
    """cluster_defaults=False: system:masters has no grant, so can() and who_can() both leave it out."""
    model = build(MANIFESTS, admitted=False)
    subjects = {grant.subject for grant in model.who_can("delete", "nodes", name="n1")}
    assert subjects == set()
    assert model.can(pfperms.User("root", ["system:masters"]), "delete", "nodes",
                     name="n1").allowed is False
