"""The indexed decision path against the candidate path on real rendered manifests.

``../shared/corpus/rendered`` (beside the repository, as in CI; or ``$PFPERMS_CORPUS``) holds
the rendered manifests of nine public projects. For each, every service account the
objects define or the bindings name, and every user the bindings name, asks escalation-prone
and everyday requests in each namespace of the project, a few others and at cluster scope:
``KubernetesEngine.allowed`` (per-key rule lists, shared plans, the cluster-plan shortcut in
namespaces no RoleBinding of theirs reaches) must answer as ``reference_plan`` (every
applying binding found one by one).
"""

from __future__ import annotations

import itertools

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus

import pytest_pfperms as pfperms
from pytest_pfperms import ServiceAccount, User
from pytest_pfperms.model.requests import build_request

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "escalate", "bind", "impersonate")
RESOURCES = ("pods", "secrets", "configmaps", "deployments.apps", "roles.rbac.authorization.k8s.io",
             "clusterroles.rbac.authorization.k8s.io", "serviceaccounts/token", "pods/exec", "*")


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_real_manifests_are_decided_as_the_candidate_path_decides(project: str) -> None:
    model = pfperms.load(CORPUS / project, allow_partial=True)
    fast = model.kubernetes
    slow = pfperms.load(CORPUS / project, allow_partial=True).kubernetes  # caches of its own
    bindings = fast.all_bindings()
    identities: set[ServiceAccount | User] = {
        ServiceAccount(obj.namespace, obj.name) for obj in model.objects()
        if obj.kind == "ServiceAccount" and isinstance(obj.namespace, str)}
    for binding in bindings:
        for subject in binding.subjects:
            if not isinstance(subject.name, str):
                continue
            if subject.kind == "ServiceAccount":
                namespace = subject.namespace or binding.namespace
                if isinstance(namespace, str) and namespace:
                    identities.add(ServiceAccount(namespace, subject.name))
            elif subject.kind == "User":
                identities.add(User(subject.name))
    namespaces = sorted({obj.namespace for obj in model.objects() if isinstance(obj.namespace, str)
                         and obj.namespace})
    allowed = 0
    for who in sorted(identities, key=str):
        for namespace in [*namespaces, "kube-system", "default", "not-in-the-sources", None]:
            for verb, resource in itertools.product(VERBS, RESOURCES):
                request = build_request(verb, resource, namespace=namespace, name=None, api_group=None,
                                        subresource=None)
                expected = slow.reference_plan(who, request.namespace).decide(request)
                assert fast.allowed(who, request) is expected, f"{who} {request.describe()}"
                allowed += expected is True
    assert allowed, "the project grants its accounts nothing: the corpus did not load as expected"
