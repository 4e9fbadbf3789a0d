"""Fuzzing policy files (``policies/*.yaml``, ``apiVersion: pfperms/v1``, ``kind: PolicySet``):
mutated valid PolicySets are read (:func:`pytest_pfperms.policies.reading.read`), turned into
policies (:func:`~pytest_pfperms.policies.format.policy_set`) and evaluated against a small
model of RBAC objects, a workload and Vault and IAM resources.

Reading gives a PolicySet or a LoadError naming the file and line; evaluating gives an
outcome (a policy the model cannot answer records its error in the outcome) or a
PfpermsError. See ``fuzzing.py``.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import yaml
from fuzzing import check_problems, finish, fuzz_settings, mutated, text_mutated, to_json, written
from hypothesis import event, given
from hypothesis import strategies as st
from test_fuzz_manifests import WORKLOADS

import pytest_pfperms as pfperms
from pytest_pfperms import PfpermsError
from pytest_pfperms.errors import LoadError
from pytest_pfperms.policies.evaluation import evaluate
from pytest_pfperms.policies.format import policy_set
from pytest_pfperms.policies.reading import is_policy_file, read

SUBJECTS: list[dict[str, Any]] = [
    {"workloads": [{"kind": "Deployment", "name": "web", "namespace": "apps"}]},
    {"serviceAccounts": [{"namespace": "apps", "name": "reader"}, {"namespace": "ci", "name": "*"}]},
    {"users": ["user0"], "groups": ["group0"]},
    {"selector": {"namespaces": ["apps"], "kinds": ["ServiceAccount"]}},
]
ASKS: list[dict[str, Any]] = [
    {"verbs": ["get", "list"], "resources": ["pods"]},
    {"verbs": ["delete"], "resources": ["secrets", "deployments.apps"], "namespaces": ["*"]},
    {"verbs": ["get"], "resources": ["pods/log"], "names": ["web-0"], "namespaces": ["apps", None]},
    {"aws": {"actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::prod-*/*"]}},
    {"vault": {"capabilities": ["read"], "paths": ["secret/data/prod/db"]}, "transitive": True},
]
MATCHERS: list[dict[str, Any]] = [{"kind": "ClusterRoleBinding"}, {"kind": "RoleBinding", "namespace": "apps"},
                                  {"kind": "Role", "name": "role*"}]


@st.composite
def policy_sets(draw: st.DrawFn) -> dict[str, Any]:
    """A valid PolicySet."""
    policies = []
    for index in range(draw(st.integers(1, 3))):
        policy: dict[str, Any] = {"id": f"policy-{index}", "description": "a policy"}
        shape = draw(st.sampled_from(("can", "cannot", "forbid", "only")))
        if shape in ("can", "cannot"):
            policy["subjects"] = draw(st.sampled_from(SUBJECTS))
            policy[shape] = draw(st.lists(st.sampled_from(ASKS), min_size=1, max_size=2))
        elif shape == "forbid":
            policy["forbid"] = draw(st.lists(st.sampled_from(MATCHERS), min_size=1, max_size=2))
        else:
            policy["only"] = {"subjects": draw(st.sampled_from(SUBJECTS[:3])), "can": draw(st.sampled_from(ASKS[:3]))}
        if draw(st.booleans()):
            policy["severity"] = draw(st.sampled_from(("deny", "warn")))
        if draw(st.booleans()):
            policy["exceptions"] = [{"match": {"name": "scraper"}, "reason": "the metrics scraper (PLAT-12)",
                                     "expires": "2027-06-30"}]
        policies.append(policy)
    return {"apiVersion": "pfperms/v1", "kind": "PolicySet", "metadata": {"name": "fuzzed"}, "policies": policies}


@st.composite
def policy_files(draw: st.DrawFn) -> str:
    """A mutated policy file: YAML (block or flow style), then mutated as text."""
    tree = draw(mutated(draw(policy_sets()), max_mutations=5))
    if draw(st.booleans()):
        try:
            text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
        except yaml.YAMLError:
            text = to_json(tree)
    else:
        text = to_json(tree)
    return draw(text_mutated(finish(text)))


@functools.cache
def _model() -> pfperms.Model:
    objects = "\n---\n".join(yaml.safe_dump(obj) for obj in WORKLOADS) + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scraper}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: reader, namespace: apps}]
"""
    with written({"objects.yaml": objects}) as (root, _):
        return pfperms.load(root, cache=False, repo_root=root)


def check_policy_file(text: str) -> None:
    """A PolicySet whose policies evaluate, or a LoadError naming the file and line."""
    with written({"policies/fuzzed.yaml": text}) as (_, files):
        path = files["policies/fuzzed.yaml"]
        is_policy_file(path)  # collection asks first: a bool, never an exception
        try:
            policies = policy_set(read(path, str(path)))
        except LoadError as error:
            check_problems(error, files)
            event("LoadError")
            return
        except PfpermsError as error:
            event(type(error).__name__)
            return
    event("PolicySet")
    for policy in policies.policies:
        try:
            outcome = evaluate(policy, _model(), today=datetime.date(2026, 12, 3))
            event(f"outcome errors={bool(outcome.errors)}")
        except PfpermsError as error:
            event(type(error).__name__)


@fuzz_settings(60)
@given(policy_files())
def test_fuzzed_policy_files_read_and_evaluate_or_fail_naming_file_and_line(text: str) -> None:
    check_policy_file(text)
