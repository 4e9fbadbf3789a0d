"""Fuzzing the Terraform plan and state JSON loader (``terraform show -json``) with mutated valid
plans: RBAC objects (:func:`~pytest_pfperms.testing.strategies.writing.manifests_to_plan`), an
IRSA role with its trust and permissions policies as JSON strings, an annotated service
account, Vault policies and an auth role, ``resource_changes`` marking values unknown, and
``configuration`` expressions; sometimes written as a state (``values``) instead.

Each plan loads into a model that answers RBAC, AWS and Vault questions, or fails with a
LoadError naming the file and line. See ``fuzzing.py``.
"""

from __future__ import annotations

import json
from typing import Any

from fuzzing import check_load, finish, fuzz_settings, mutated, text_mutated, to_json
from hypothesis import given
from hypothesis import strategies as st

from pytest_pfperms import strategies
from pytest_pfperms.testing.strategies.writing import manifests_to_plan

ROLE_ARN = "arn:aws:iam::111122223333:role/reader"
PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": PROVIDER_ARN},
    "Condition": {"StringEquals": {
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123:sub": "system:serviceaccount:apps:reader",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123:aud": "sts.amazonaws.com"}}}]}


def _resource(kind: str, name: str, values: dict[str, Any], mode: str = "managed") -> dict[str, Any]:
    provider = kind.split("_")[0]
    return {"address": f"{'data.' if mode == 'data' else ''}{kind}.{name}", "mode": mode, "type": kind,
            "name": name, "provider_name": f"registry.terraform.io/hashicorp/{provider}",
            "schema_version": 0, "values": values, "sensitive_values": {}}


def _cloud(policy: dict[str, Any], vault_policy: str) -> list[dict[str, Any]]:
    return [
        _resource("aws_iam_openid_connect_provider", "eks", {
            "arn": PROVIDER_ARN, "url": "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123",
            "client_id_list": ["sts.amazonaws.com"]}),
        _resource("aws_iam_role", "reader", {"name": "reader", "arn": ROLE_ARN,
                                             "assume_role_policy": json.dumps(TRUST)}),
        _resource("aws_iam_role_policy", "read", {"name": "read", "role": "reader", "policy": json.dumps(policy)}),
        _resource("aws_iam_policy_document", "extra", {"json": json.dumps(policy)}, mode="data"),
        _resource("kubernetes_service_account", "reader", {"metadata": [{
            "name": "reader", "namespace": "apps", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}}]}),
        _resource("vault_policy", "web", {"name": "web", "policy": vault_policy}),
        _resource("vault_kubernetes_auth_backend_role", "web", {
            "role_name": "web", "backend": "kubernetes", "bound_service_account_names": ["reader"],
            "bound_service_account_namespaces": ["apps"], "token_policies": ["web"]}),
    ]


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """A valid plan (or state) document."""
    plan = manifests_to_plan(draw(strategies.manifests(max_roles=2, max_cluster_roles=2, max_bindings=2)))
    resources = plan["planned_values"]["root_module"]["resources"]
    resources += _cloud(draw(strategies.iam_policies(max_statements=2)), draw(strategies.vault_policies(max_rules=2)))
    unknown = [entry for entry in resources if entry["type"].startswith("kubernetes_")][:2]
    plan["resource_changes"] = [
        {"address": entry["address"], "mode": "managed", "type": entry["type"], "name": entry["name"],
         "change": {"actions": ["create"], "before": None, "after": entry["values"],
                    "after_unknown": {"metadata": [{"name": True}]}, "after_sensitive": {}}}
        for entry in unknown]
    plan["configuration"] = {"root_module": {"resources": [
        {"address": entry["address"], "mode": "managed", "type": entry["type"], "name": entry["name"],
         "expressions": {"metadata": [{"name": {"references": ["random_id.x.hex", "random_id.x"]}}]}}
        for entry in unknown]}}
    if draw(st.booleans()):
        plan = {"format_version": "1.0", "terraform_version": "1.9.8",
                "values": {"root_module": {"resources": resources}}}
    return plan


@st.composite
def plan_files(draw: st.DrawFn) -> dict[str, str]:
    """A mutated ``plan.json``."""
    tree = draw(mutated(draw(plans()), max_mutations=5))
    return {"plan.json": draw(text_mutated(finish(to_json(tree))))}


@fuzz_settings(30)
@given(plan_files())
def test_fuzzed_plans_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)
