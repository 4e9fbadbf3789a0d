"""Laws of ``reach`` over whole sets of RBAC objects drawn by ``pytest_pfperms.strategies``.

- it contains ``can``: whatever a subject can do itself, it can do after escalations (and
  an unknown answer never turns into a denial);
- it is monotone: adding a binding never takes anything out of it;
- every proof chain replays: each hop's requests, asked of the hop's identity with
  ``Model.decide`` (on the model plus the binding or role the hop says the subject can
  create, for grants), are allowed; and so is each answer an identity it reaches gives.

The objects are drawn from escalation verbs and resources (create pods, pods/exec, tokens,
impersonate, bind, escalate, ``*``), plus a Deployment and a token Secret to aim at.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from property_support import Manifest, load

from pytest_pfperms import ResourceRequest, ServiceAccount, User
from pytest_pfperms import strategies as pst

VERBS = ("get", "list", "create", "update", "patch", "impersonate", "bind", "escalate", "*")
RESOURCES = ("pods", "secrets", "serviceaccounts/token", "serviceaccounts", "pods/exec", "deployments.apps",
             "rolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
             "roles.rbac.authorization.k8s.io", "nodes/proxy", "configmaps")
MANIFESTS = pst.manifests(verbs=VERBS, resources=RESOURCES, existing_cluster_roles=("view", "edit"),
                          max_bindings=5)

TARGETS: list[Manifest] = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "ns1"},
     "spec": {"template": {"spec": {"serviceAccountName": "sa1"}}}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "target", "namespace": "ns2"}},
    {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
     "metadata": {"name": "target-token", "namespace": "ns2",
                  "annotations": {"kubernetes.io/service-account.name": "target"}}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "secret-admin"},
     "rules": [{"apiGroups": [""], "resources": ["secrets", "configmaps"], "verbs": ["*"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
     "metadata": {"name": "target-secrets", "namespace": "ns2"},
     "subjects": [{"kind": "ServiceAccount", "name": "target", "namespace": "ns2"}],
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "secret-admin"}},
]
"""Something worth reaching: a running pod (ns1/sa1), a token Secret of ns2/target, who may do
anything with secrets and configmaps in ns2."""

SUBJECTS = (ServiceAccount("ns0", "sa0"), ServiceAccount("ns0", "sa1"), ServiceAccount("ns1", "default"),
            ServiceAccount("ns2", "sa0"), User("user0"), User("user1", ("group0",)))
REQUESTS = tuple(ResourceRequest(verb, group, resource, sub, namespace, name)
                 for verb, (group, resource, sub), namespace, name in itertools.product(
                     ("get", "delete", "create"),
                     (("", "secrets", ""), ("", "configmaps", ""), ("", "pods", ""), ("apps", "deployments", "")),
                     ("ns0", "ns1", "ns2", ""), ("", "obj0")))

BINDINGS = st.builds(
    lambda namespace, kind, role, subject: {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding" if namespace is None else "RoleBinding",
        "metadata": {"name": "added", **({} if namespace is None else {"namespace": namespace})},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [subject]},
    st.sampled_from([None, "ns0", "ns1", "ns2"]), st.just("ClusterRole"),
    st.sampled_from(["clusterrole0", "clusterrole1", "secret-admin", "edit"]),
    st.sampled_from([{"kind": "ServiceAccount", "name": "sa0", "namespace": "ns0"},
                     {"kind": "ServiceAccount", "name": "sa1", "namespace": "ns1"},
                     {"kind": "Group", "name": "system:serviceaccounts:ns1",
                      "apiGroup": "rbac.authorization.k8s.io"},
                     {"kind": "User", "name": "user0", "apiGroup": "rbac.authorization.k8s.io"}]))


def _model(manifests: list[Manifest], *extra: Manifest, **options: Any) -> Any:
    return load([*manifests, *TARGETS, *extra], **options)


def _reached(model: Any) -> dict[tuple[Any, ResourceRequest], bool | None]:
    found = {}
    for who in SUBJECTS:
        reach = model.reach(who)
        for request in REQUESTS:
            found[(who, request)] = reach.decide(request).allowed
    return found


@given(MANIFESTS)
def test_reach_contains_can(manifests: list[Manifest]) -> None:
    model = _model(manifests)
    for who in SUBJECTS:
        reach = model.reach(who)
        for request in REQUESTS:
            own = model.decide(who, request).allowed
            after = reach.decide(request).allowed
            if own is True:
                assert after is True, f"{who} can {request.describe()} but its reach cannot"
            if own is None:
                assert after is not False, f"{who} may {request.describe()} but its reach says no"


@given(MANIFESTS, BINDINGS)
def test_reach_is_monotone(manifests: list[Manifest], added: Manifest) -> None:
    before = _reached(_model(manifests))
    after = _reached(_model(manifests, added))
    for probe, allowed in before.items():
        if allowed is True:
            assert after[probe] is True, f"adding {added['metadata']} took {probe} out of reach"


@given(MANIFESTS, st.booleans())
def test_every_chain_replays_hop_by_hop(manifests: list[Manifest], defaults: bool) -> None:
    model = _model(manifests, cluster_defaults=defaults)
    for who in SUBJECTS[:4] if defaults else SUBJECTS:
        reach = model.reach(who)
        for actor in reach.actors:
            if actor.certain is not True:
                continue
            for hop in actor.chain:
                replay = model.with_objects(hop.actor.objects) if hop.actor.objects else model
                for request in hop.way.requests:
                    decision = replay.decide(hop.actor.identity, request)
                    assert decision.allowed is True, (
                        f"hop {hop.words()} of {actor.chain_text()} does not replay:\n{decision.explain()}")
            replay = model.with_objects(actor.objects) if actor.objects else model
            for request in REQUESTS:
                if actor.allowed(request) is True:
                    assert replay.decide(actor.identity, request).allowed is True, (
                        f"{actor.chain_text()} says {request.describe()} but the model does not")
