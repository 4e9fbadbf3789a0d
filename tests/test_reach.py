"""Escalation paths: ``Model.reach`` follows each escalation exactly, with a chain that names every hop."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_support import load

import pytest_pfperms as pfperms
from pytest_pfperms import ServiceAccount, User

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra"

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {{name: {name}{namespace}}}
rules:
{rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {binding}
metadata: {{name: {name}{namespace}}}
subjects: [{{kind: ServiceAccount, name: {sa}, namespace: {sa_namespace}}}]
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}
"""


def grant(name: str, rules: str, *, sa: str = "attacker", sa_namespace: str = "ci",
          namespace: str | None = None) -> str:
    """A role with ``rules`` bound to ``sa_namespace/sa`` (a Role in ``namespace``, else a ClusterRole)."""
    if namespace is None:
        return ROLE.format(kind="ClusterRole", binding="ClusterRoleBinding", name=name, namespace="",
                           rules=rules, sa=sa, sa_namespace=sa_namespace)
    return ROLE.format(kind="Role", binding="RoleBinding", name=name, namespace=f", namespace: {namespace}",
                       rules=rules, sa=sa, sa_namespace=sa_namespace)


PAYMENTS = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: payments, namespace: prod}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: payments, namespace: staging}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec: {serviceAccountName: payments}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: payments-admin, namespace: prod}
subjects: [{kind: ServiceAccount, name: payments, namespace: prod}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: payments-admin, namespace: staging}
subjects: [{kind: ServiceAccount, name: payments, namespace: staging}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
"""

ATTACKER = ServiceAccount("ci", "attacker")


def model(tmp_path: Path, *documents: str, **options: object) -> pfperms.Model:
    return load(tmp_path, {"k8s/all.yaml": "---\n".join([PAYMENTS, *documents])}, **options)


def test_the_example_deployer_reaches_vault_through_a_pod(tmp_path: Path) -> None:
    example = pfperms.load(EXAMPLE / "manifests", EXAMPLE / "terraform", variables={"namespace": "apps"},
                           repo_root=EXAMPLE)
    deployer = ServiceAccount("ci", "deployer")
    assert not example.aws_can(deployer, "sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:jobs")
    reach = example.reach(deployer)
    decision = reach.vault_can("read", "secret/data/example/db")
    assert decision.allowed is True
    lines = decision.explain().splitlines()
    assert lines[0] == ("ServiceAccount ci/deployer (after escalations) CAN read on secret/data/example/db")
    assert lines[1].strip() == ("ci/deployer -> create pods in apps -> runs as "
                                "apps/${module.example_deployment.service_account_name} -> "
                                "Vault read secret/data/example/db")
    text = decision.explain()
    assert "RoleBinding apps/ci-deployer-edit (subject ServiceAccount ci/deployer)" in text
    assert "manifests/ci.yaml:14" in text
    assert "terraform/apps/main.tf:114" in text  # the Vault policy's rule
    assert reach.aws_can("sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:jobs").allowed is True
    assert not reach.vault_can("read", "secret/data/example/root-token")


def test_workload_reach_starts_from_its_pods(tmp_path: Path) -> None:
    m = model(tmp_path)
    api = m.workload("Deployment/api", namespace="prod")
    assert api.reach().can("delete", "secrets").allowed is True  # its own admin, in its namespace
    assert api.reach().can("delete", "secrets", namespace="staging").allowed is False


def test_creating_pods_runs_as_any_account_of_that_namespace_only(tmp_path: Path) -> None:
    m = model(tmp_path, grant("pod-maker", '  - {apiGroups: [""], resources: [pods], verbs: [create]}',
                              namespace="prod"))
    reach = m.reach(ATTACKER)
    assert not m.can(ATTACKER, "delete", "secrets", namespace="prod")
    decision = reach.can("delete", "secrets", namespace="prod")
    assert decision.allowed is True
    assert decision.explain().splitlines()[1].strip() == (
        "ci/attacker -> create pods in prod -> runs as prod/payments -> delete secrets in namespace prod")
    # the account of the same name in another namespace is out of reach
    assert reach.can("delete", "secrets", namespace="staging").allowed is False
    assert ServiceAccount("staging", "payments") not in reach.identities()


def test_patching_a_deployment_is_creating_pods(tmp_path: Path) -> None:
    named = grant("patcher", '  - {apiGroups: [apps], resources: [deployments], verbs: [patch], '
                             'resourceNames: [api]}', namespace="prod")
    reach = model(tmp_path, named).reach(ATTACKER)
    assert "ci/attacker -> patch Deployment prod/api (its pod template) -> runs as prod/payments" in reach.chains()
    other = grant("patcher", '  - {apiGroups: [apps], resources: [deployments], verbs: [patch], '
                             'resourceNames: [web]}', namespace="prod")
    assert model(tmp_path / "b", other).reach(ATTACKER).identities() == [ATTACKER]


def test_apigroups_matter(tmp_path: Path) -> None:
    """Peers ignore apiGroups: create deployments in the wrong group runs nothing."""
    wrong = grant("wrong-group", '  - {apiGroups: [""], resources: [deployments], verbs: [create]}',
                  namespace="prod")
    assert model(tmp_path, wrong).reach(ATTACKER).identities() == [ATTACKER]


def test_exec_reaches_the_running_pods_account_and_pod_names_matter(tmp_path: Path) -> None:
    execs = grant("exec", '  - {apiGroups: [""], resources: [pods/exec], verbs: [create]}', namespace="prod")
    reach = model(tmp_path, execs).reach(ATTACKER)
    assert reach.can("delete", "secrets", namespace="prod").allowed is True
    assert any("create pods/exec on pods of Deployment prod/api" in chain for chain in reach.chains())
    # get is not enough for exec (v1.31+ asks create for WebSocket upgrades too)
    get_only = grant("exec", '  - {apiGroups: [""], resources: [pods/exec], verbs: [get]}', namespace="prod")
    assert model(tmp_path / "b", get_only).reach(ATTACKER).identities() == [ATTACKER]
    # a name that is not the workload's pods' prefix: never; the prefix: only maybe (names are generated)
    other = grant("exec", '  - {apiGroups: [""], resources: [pods/exec], verbs: [create], '
                          'resourceNames: [web-1]}', namespace="prod")
    assert model(tmp_path / "c", other).reach(ATTACKER).identities() == [ATTACKER]
    prefix = grant("exec", '  - {apiGroups: [""], resources: [pods/exec], verbs: [create], '
                           'resourceNames: [api-7d9f-x2x]}', namespace="prod")
    maybe = model(tmp_path / "d", prefix).reach(ATTACKER)
    assert maybe.can("delete", "secrets", namespace="prod").allowed is None


TOKEN_SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: payments-token
  namespace: prod
  annotations: {kubernetes.io/service-account.name: payments}
type: kubernetes.io/service-account-token
"""


def test_reading_a_token_secret_is_acting_as_its_account(tmp_path: Path) -> None:
    named = grant("reader", '  - {apiGroups: [""], resources: [secrets], verbs: [get], '
                            'resourceNames: [payments-token]}', namespace="prod")
    reach = model(tmp_path, TOKEN_SECRET, named).reach(ATTACKER)
    assert reach.chains()[0] == ("ci/attacker -> get secret prod/payments-token -> reads the token of "
                                 "prod/payments from Secret prod/payments-token")
    # and prod/payments is an admin there, so every account of prod follows
    assert reach.chains()[1].endswith("-> create pods in prod -> runs as prod/default")
    elsewhere = grant("reader", '  - {apiGroups: [""], resources: [secrets], verbs: [get], '
                                'resourceNames: [other]}', namespace="prod")
    assert model(tmp_path / "b", TOKEN_SECRET, elsewhere).reach(ATTACKER).identities() == [ATTACKER]


def test_creating_and_listing_secrets_mints_a_token_for_any_account(tmp_path: Path) -> None:
    both = grant("minter", '  - {apiGroups: [""], resources: [secrets], verbs: [create, list]}',
                 namespace="prod")
    reach = model(tmp_path, both).reach(ATTACKER)
    assert ("ci/attacker -> create secrets in prod and list them -> has the token controller fill a "
            "token Secret for prod/payments") in reach.chains()
    create_only = grant("minter", '  - {apiGroups: [""], resources: [secrets], verbs: [create]}',
                        namespace="prod")
    assert model(tmp_path / "b", create_only).reach(ATTACKER).identities() == [ATTACKER]


def test_token_requests_follow_resource_names(tmp_path: Path) -> None:
    named = grant("tokens", '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], '
                            'resourceNames: [payments]}', namespace="prod")
    reach = model(tmp_path, named).reach(ATTACKER)
    assert reach.identities()[:2] == [ATTACKER, ServiceAccount("prod", "payments")]
    assert reach.chains()[0] == ("ci/attacker -> create serviceaccounts/token for prod/payments -> gets a "
                                 "token of prod/payments")
    assert all("for prod/default" not in chain for chain in reach.chains())


def test_impersonating_system_masters_is_everything(tmp_path: Path) -> None:
    groups = grant("imp", '  - {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}')
    reach = model(tmp_path, groups).reach(ATTACKER)
    decision = reach.can("delete", "nodes", namespace=None)
    assert decision.allowed is True
    chain = decision.explain().splitlines()[1].strip()
    assert chain.endswith("and group system:masters -> acts as a user in group system:masters -> "
                          "delete nodes cluster-wide")
    # without cluster defaults there is no system:masters binding, and nothing to gain
    bare = model(tmp_path / "b", groups, cluster_defaults=False).reach(ATTACKER)
    assert bare.can("delete", "nodes", namespace=None).allowed is False


def test_impersonating_a_service_account(tmp_path: Path) -> None:
    one = grant("imp", '  - {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate], '
                       'resourceNames: [payments]}', namespace="prod")
    reach = model(tmp_path, one).reach(ATTACKER)
    assert "ci/attacker -> impersonate serviceaccount prod/payments -> acts as prod/payments" in reach.chains()
    assert reach.can("delete", "secrets", namespace="staging").allowed is False


def test_nodes_proxy_reaches_every_running_account(tmp_path: Path) -> None:
    proxy = grant("kubelet", '  - {apiGroups: [""], resources: [nodes/proxy], verbs: [get]}')
    reach = model(tmp_path, proxy).reach(ATTACKER)
    assert ServiceAccount("prod", "payments") in reach.identities()
    assert ServiceAccount("staging", "payments") not in reach.identities()  # no pod runs as it


def test_bind_follows_resource_names(tmp_path: Path) -> None:
    rules = ('  - {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}\n'
             '  - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], '
             'resourceNames: [view]}')
    reach = model(tmp_path, grant("binder", rules, namespace="prod")).reach(ATTACKER)
    assert reach.can("get", "pods", namespace="prod").allowed is True
    decision = reach.can("get", "pods", namespace="prod")
    assert "<a RoleBinding the subject can create in prod>" in decision.explain()
    assert reach.can("delete", "secrets", namespace="prod").allowed is False  # view only, not admin
    assert reach.can("get", "pods", namespace="staging").allowed is False


def test_bind_without_create_bindings_is_nothing(tmp_path: Path) -> None:
    rules = '  - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}'
    assert model(tmp_path, grant("binder", rules)).reach(ATTACKER).identities() == [ATTACKER]


def test_escalate_on_a_role_bound_to_it_is_any_rule_in_that_scope(tmp_path: Path) -> None:
    rules = ('  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, update], '
             'resourceNames: [self]}')
    decision = model(tmp_path, grant("self", rules, namespace="prod")).reach(ATTACKER).can(
        "delete", "secrets", namespace="prod")
    assert decision.allowed is True
    assert "update and escalate Role self -> rewrites Role self with any rule" in decision.explain()
    other = grant("self", rules.replace("[self]", "[other]"), namespace="prod")
    assert model(tmp_path / "b", other).reach(ATTACKER).identities() == [ATTACKER]


def test_cycles_end_and_chains_are_shortest(tmp_path: Path) -> None:
    """ci/a and ci/b may each request the other's token: both are reached once."""
    cycle = "---\n".join([
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: ci}\n",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b, namespace: ci}\n",
        grant("a-to-b", '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], '
                        'resourceNames: [b]}', sa="a", namespace="ci"),
        grant("b-to-a", '  - {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], '
                        'resourceNames: [a]}', sa="b", namespace="ci"),
        grant("b-pods", '  - {apiGroups: [""], resources: [pods], verbs: [create]}', sa="b", namespace="prod"),
    ])
    reach = model(tmp_path, cycle).reach(ServiceAccount("ci", "a"))
    assert reach.can("delete", "secrets", namespace="prod").explain().splitlines()[1].strip() == (
        "ci/a -> create serviceaccounts/token for ci/b -> gets a token of ci/b -> create pods in prod -> "
        "runs as prod/payments -> delete secrets in namespace prod")
    assert reach.identities().count(ServiceAccount("ci", "a")) == 1


def test_a_bounded_search_never_proves_a_denial(tmp_path: Path) -> None:
    pods = grant("pod-maker", '  - {apiGroups: [""], resources: [pods], verbs: [create]}', namespace="prod")
    m = model(tmp_path, pods)
    assert m.reach(ATTACKER).can("delete", "secrets", namespace="staging").allowed is False
    bounded = m.reach(ATTACKER, max_depth=0)
    assert bounded.truncated == "the search stopped after 0 hops"
    assert bounded.can("delete", "secrets", namespace="staging").allowed is None


def test_a_user_without_escalations_reaches_only_itself(tmp_path: Path) -> None:
    reach = model(tmp_path).reach(User("alice", ("devs",)))
    assert reach.identities() == [User("alice", ("devs",))]
    decision = reach.vault_can("read", "secret/x")
    assert decision.allowed is False
    assert "it reaches no service account, so no Vault credentials" in decision.explain()


def test_reach_from_terraform(tmp_path: Path) -> None:
    """A Role written as kubernetes_role escalates the same as YAML."""
    m = load(tmp_path, {
        "k8s/all.yaml": PAYMENTS,
        "tf/main.tf": """
            resource "kubernetes_role" "pods" {
              metadata {
                name      = "pod-maker"
                namespace = "prod"
              }
              rule {
                api_groups = [""]
                resources  = ["pods"]
                verbs      = ["create"]
              }
            }
            resource "kubernetes_role_binding" "pods" {
              metadata {
                name      = "pod-maker"
                namespace = "prod"
              }
              subject {
                kind      = "ServiceAccount"
                name      = "attacker"
                namespace = "ci"
              }
              role_ref {
                api_group = "rbac.authorization.k8s.io"
                kind      = "Role"
                name      = kubernetes_role.pods.metadata[0].name
              }
            }
        """})
    decision = m.reach(ATTACKER).can("delete", "secrets", namespace="prod")
    assert decision.allowed is True
    assert "tf/main.tf" in decision.explain()


def test_reach_needs_a_model() -> None:
    with pytest.raises(pfperms.InvalidArgument):
        pfperms.reach("not a model", ATTACKER)  # type: ignore[arg-type]


def test_forall_transitive_explains_the_chain(tmp_path: Path) -> None:
    m = model(tmp_path, grant("pod-maker", '  - {apiGroups: [""], resources: [pods], verbs: [create]}',
                              namespace="prod"))
    space = dict(subjects=[ATTACKER], verbs=["delete"], resources=["secrets"], namespaces=["prod"])
    pfperms.forall(m, **space).cannot()  # directly: no
    with pytest.raises(pfperms.InvariantViolation) as caught:
        pfperms.forall(m, transitive=True, **space).cannot()
    assert ("ci/attacker -> create pods in prod -> runs as prod/payments -> delete secrets in namespace prod"
            in str(caught.value))
