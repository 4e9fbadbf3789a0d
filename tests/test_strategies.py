"""The public strategies: eager validation, readable shrinking, valid output, model-drawn requests."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms import (
    NonResourceRequest,
    ResourceRequest,
    ServiceAccount,
    User,
)
from pytest_pfperms import strategies as pst
from pytest_pfperms.testing.question_space import OUTSIDER, vocabulary

REPO = textwrap.dedent("""\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: web, namespace: apps}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: config-reader, namespace: apps}
    rules:
    - {apiGroups: [""], resources: [configmaps], resourceNames: [settings], verbs: [get]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: web-reads-config, namespace: apps}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}
    subjects: [{kind: ServiceAccount, name: web}]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: scraper}
    rules:
    - {apiGroups: [""], resources: [nodes], verbs: [list]}
    - {nonResourceURLs: [/metrics], verbs: [get]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: ops-scrape}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scraper}
    subjects: [{kind: Group, name: ops}]
    """)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> pfperms.Model:
    directory = tmp_path_factory.mktemp("repo")
    (directory / "rbac.yaml").write_text(REPO, encoding="utf-8")
    return pfperms.load(directory, cluster_defaults=False)


def test_importing_the_package_does_not_import_hypothesis() -> None:
    code = "import sys, pytest_pfperms; print('hypothesis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# Arguments are keyword-only and checked when the strategy is built
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("build", "message"), [
    (lambda: pst.rules(verbs="get"), "verbs must be a list of strings, not 'get'; write verbs=['get']"),
    (lambda: pst.rules(verbs=[]), "verbs is empty"),
    (lambda: pst.rules(resources=["widgets"]),
     "resources: resource 'widgets' is not a core resource: name its API group"),
    (lambda: pst.rules(resources=["/healthz"]), "is a non-resource URL; pass it in non_resource_urls"),
    (lambda: pst.rules(non_resource_urls=["healthz"]), "'healthz' is not a non-resource URL"),
    (lambda: pst.rules(max_verbs=0), "max_verbs must be between 1 and 20, not 0"),
    (lambda: pst.roles(min_rules=3, max_rules=1), "min_rules=3 is greater than max_rules=1"),
    (lambda: pst.roles(rules=[{"verbs": ["get"]}]),
     "rules must be a Hypothesis strategy, not [{'verbs': ['get']}]; wrap a fixed list in "
     "hypothesis.strategies.sampled_from(...)"),
    (lambda: pst.cluster_roles(aggregating="yes"), "aggregating must be True or False, not 'yes'"),
    (lambda: pst.cluster_roles(labels={"team": "a"}), "labels['team'] must be a list of strings"),
    (lambda: pst.subjects(kinds=["Serviceaccount"]),
     "kinds may hold 'ServiceAccount', 'User', not 'Serviceaccount'; did you mean 'ServiceAccount'?"),
    (lambda: pst.subjects(model="k8s/"), "model must be a Model from pytest_pfperms.load(...), not 'k8s/'"),
    (lambda: pst.bindings(kinds=["ClusterRolebinding"]), "did you mean 'ClusterRoleBinding'"),
    (lambda: pst.requests(namespaces=[]), "namespaces is empty"),
    (lambda: pst.requests(namespaces=["ns0"], cluster_scoped="no"), "cluster_scoped must be True or False"),
    (lambda: pst.manifests(max_bindings=-1), "max_bindings must be between 0 and 50, not -1"),
    (lambda: pst.iam_policies(effects=["allow"]), "did you mean 'Allow'?"),
    (lambda: pst.iam_policies(actions=["GetObject"]), "'GetObject' is not \"service:ActionName\""),
    (lambda: pst.iam_requests(context={"aws:PrincipalTag/team": "a"}),
     "context['aws:PrincipalTag/team'] must be a list of strings"),
    (lambda: pst.vault_policies(capabilities=["reed"]), "did you mean 'read'"),
    (lambda: pst.vault_policies(paths=["secret/+*"]), "holds '+*', which Vault refuses"),
    (lambda: pst.vault_requests(operations=["deny"]), '"deny" is not something a request asks for'),
])
def test_bad_arguments_fail_when_the_strategy_is_built(build: Any, message: str) -> None:
    with pytest.raises(pfperms.InvalidArgument) as raised:
        build()
    assert message in str(raised.value)


def test_arguments_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        pst.rules(["get"])  # type: ignore[misc]


def test_model_strategies_refuse_pools_they_would_ignore(repo: pfperms.Model) -> None:
    with pytest.raises(pfperms.InvalidArgument, match="leave out namespaces="):
        pst.subjects(model=repo, namespaces=["apps"])


# ---------------------------------------------------------------------------------------------
# Shrinking ends at small, readable examples
# ---------------------------------------------------------------------------------------------

QUICK = settings(database=None, max_examples=20, derandomize=True, suppress_health_check=list(HealthCheck))
SIMPLEST = settings(QUICK, max_examples=1, phases=[Phase.generate])
"""Hypothesis tries the simplest example first; a failure shrinks towards it."""
GET_PODS = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
RBAC = "rbac.authorization.k8s.io"


def test_every_strategy_shrinks_to_its_plainest_example() -> None:
    assert find(pst.rules(), lambda _: True, settings=SIMPLEST) == GET_PODS
    assert find(pst.subjects(), lambda _: True, settings=SIMPLEST) == ServiceAccount("ns0", "sa0")
    assert find(pst.subjects(kinds=["User"]), lambda _: True, settings=SIMPLEST) == User("user0")
    assert find(pst.requests(), lambda _: True, settings=SIMPLEST) == \
        ResourceRequest("get", "", "pods", "", "ns0", "")
    assert find(pst.roles(), lambda _: True, settings=SIMPLEST) == {
        "apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {"name": "role0", "namespace": "ns0"},
        "rules": [GET_PODS]}
    assert find(pst.cluster_roles(aggregating=True), lambda _: True, settings=SIMPLEST) == {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": "clusterrole0"},
        "aggregationRule": {"clusterRoleSelectors": [{}]}, "rules": []}
    assert find(pst.iam_requests(), lambda _: True, settings=SIMPLEST) == \
        pst.IamQuery("s3:GetObject", "arn:aws:s3:::bucket0")
    assert find(pst.vault_policies(), lambda _: True, settings=SIMPLEST) == \
        'path "secret/data/app0" {\n  capabilities = ["read"]\n}\n'


def test_a_set_shrinks_to_only_what_the_condition_needs() -> None:
    # Exact shrink results differ between Hypothesis releases; what must hold is that the
    # example is tiny and reads plainly.
    found = find(pst.manifests(), lambda ms: any(m["kind"] == "RoleBinding" for m in ms), settings=QUICK)
    bindings = [m for m in found if m["kind"] == "RoleBinding"]
    assert len(bindings) == 1 and len(found) <= 3
    (binding,) = bindings
    assert binding["metadata"]["name"] == "binding0"
    assert binding["metadata"]["namespace"] in ("ns0", "ns1")
    assert [(s["kind"], s["name"]) for s in binding["subjects"]] == [("ServiceAccount", "sa0")]
    assert {m["kind"] for m in found} <= {"RoleBinding", "ServiceAccount", "Role"}


# ---------------------------------------------------------------------------------------------
# What is drawn is valid
# ---------------------------------------------------------------------------------------------


@given(pst.manifests())
def test_a_drawn_set_loads_without_a_problem_or_warning(manifests: list[dict[str, Any]]) -> None:
    model = pst.load_manifests(manifests)
    assert len(model.objects()) == len(manifests)
    assert model.warnings == ()
    assert all("missing" in problem for problem in model.problems())


@given(st.lists(pst.iam_policies(), min_size=1, max_size=2), pst.iam_requests(),
       st.lists(pst.vault_policies(), min_size=1, max_size=2), pst.vault_requests())
def test_drawn_policies_are_ones_the_engines_accept(iam: list[dict[str, Any]], iam_request: pst.IamQuery,
                                                    vault: list[str], vault_request: pst.VaultQuery) -> None:
    assert iam_request.evaluate(iam).allowed in (True, False)
    assert vault_request.evaluate(vault).allowed in (True, False)


@given(st.data())
def test_requests_and_subjects_drawn_from_a_model_use_its_vocabulary(repo: pfperms.Model,
                                                                     data: st.DataObject) -> None:
    request = data.draw(pst.requests(model=repo))
    who = data.draw(pst.subjects(model=repo))
    if isinstance(request, NonResourceRequest):
        assert request.path in ("/metrics", f"/{OUTSIDER}")
    else:
        assert request.verb in ("get", "list")
        assert (request.api_group, request.resource) in (("", "configmaps"), ("", "nodes"))
        assert request.namespace in ("apps", OUTSIDER, "")
        assert request.name in ("", "settings", OUTSIDER)
    assert who in vocabulary(repo).subjects


def test_the_vocabulary_of_a_model(repo: pfperms.Model) -> None:
    words = vocabulary(repo)
    assert words.subjects == (ServiceAccount("apps", "default"), ServiceAccount("apps", "web"),
                              ServiceAccount(OUTSIDER, OUTSIDER),
                              User("member-of:ops", ("ops", "system:authenticated")),
                              User(OUTSIDER, ("system:authenticated",)))
    assert words.verbs == ("get", "list")
    assert words.resources == (("", "configmaps", ""), ("", "nodes", ""))
    assert words.namespaces == ("apps", OUTSIDER, None)
    assert words.names == ("", "settings", OUTSIDER)
    assert words.urls == ("/metrics", f"/{OUTSIDER}")
    assert vocabulary(repo, outsiders=False).namespaces == ("apps", None)


# ---------------------------------------------------------------------------------------------
# Writing and loading
# ---------------------------------------------------------------------------------------------

SET = [
    {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {"name": "role0", "namespace": "ns0"},
     "rules": [GET_PODS]},
    {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": {"name": "binding0", "namespace": "ns0"},
     "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "role0"},
     "subjects": [{"kind": "ServiceAccount", "name": "sa0"}]},
]


@pytest.mark.parametrize(("representation", "files"), [
    ("yaml", ["manifests.yaml"]), ("list", ["list.yaml"]),
    ("json", ["000-role-role0.json", "001-rolebinding-binding0.json"]), ("hcl", ["main.tf"]),
    ("plan", ["plan.json"])])
def test_every_representation_writes_and_loads(tmp_path: Path, representation: Any, files: list[str]) -> None:
    written = pst.write_manifests(SET, tmp_path, format=representation)
    assert [path.name for path in written] == files
    model = pst.load_manifests(SET, format=representation)
    assert model.can(ServiceAccount("ns0", "sa0"), "get", "pods", namespace="ns0").allowed is True
    assert model.can(ServiceAccount("ns0", "sa0"), "get", "pods", namespace="ns1").allowed is False


def test_hcl_writes_the_binding_namespace_for_a_service_account_subject(tmp_path: Path) -> None:
    text = pst.write_manifests(SET, tmp_path, format="hcl")[0].read_text()
    assert 'subject {\n    kind = "ServiceAccount"\n    name = "sa0"\n    namespace = "ns0"\n  }' in text
    json.loads(json.dumps(SET))  # the set itself is untouched


def test_an_hcl_expression_needs_hcl(tmp_path: Path) -> None:
    symbolic = [{**SET[0], "metadata": {"name": "role0", "namespace": pst.HclExpression("var.ns")}}]
    with pytest.raises(pfperms.InvalidArgument, match="only format='hcl' can write it"):
        pst.write_manifests(symbolic, tmp_path, format="yaml")
    text = pst.write_manifests(symbolic, tmp_path, format="hcl")[0].read_text()
    assert text.startswith('variable "ns" {\n  type = string\n}\n')
    assert "namespace = var.ns" in text
    with pytest.raises(pfperms.InvalidArgument, match="format must be one of 'yaml', 'json', 'list', 'hcl', 'plan'"):
        pst.write_manifests(SET, tmp_path, format="toml")  # type: ignore[arg-type]


@given(pst.requests(resources=["secrets"], namespaces=["ns0"], cluster_scoped=False))
def test_naming_resources_leaves_out_non_resource_requests(request: Any) -> None:
    assert isinstance(request, ResourceRequest)
    assert (request.resource, request.namespace) == ("secrets", "ns0")
