"""The aws-auth ConfigMap: an IRSA role mapped to Kubernetes users and groups (mapRoles).

The fixtures follow the shapes real repositories use: terraform-aws-modules/eks before v20
(``kubernetes_config_map_v1_data`` with ``mapRoles = yamlencode(concat(node roles, var.roles))``),
and the literal YAML ConfigMap of the EKS documentation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_support import write

import pytest_pfperms as pfperms
from pytest_pfperms.aws.aws_auth import canonical_role_arn

PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C"
APP = pfperms.ServiceAccount("apps", "app")

ROLE = """
resource "aws_iam_role" "app" {
  name = "app"
  path = "/team/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity",
    Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C" },
    Condition = { StringEquals = { "oidc.example/id/C:sub" = "system:serviceaccount:apps:app" } } }] })
}
resource "kubernetes_service_account_v1" "app" {
  metadata {
    name        = "app"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = ANNOTATION }
  }
}
resource "kubernetes_role_binding_v1" "deployers" {
  metadata {
    name      = "deployers"
    namespace = "web"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "edit"
  }
  subject {
    kind      = "Group"
    name      = "deployers"
    api_group = "rbac.authorization.k8s.io"
  }
}
"""

AWS_AUTH = """
variable "node_role_arn" {
  type = string
}
resource "kubernetes_config_map_v1_data" "aws_auth" {
  force = true
  metadata {
    name      = "aws-auth"
    namespace = "kube-system"
  }
  data = {
    mapRoles = yamlencode(concat([{
      rolearn  = var.node_role_arn
      username = "system:node:{{EC2PrivateDNSName}}"
      groups   = ["system:bootstrappers", "system:nodes"]
    }], MAPPED))
  }
}
"""


def model_of(tmp_path: Path, annotation: str, mapped: str) -> pfperms.Model:
    text = ROLE.replace("ANNOTATION", annotation) + AWS_AUTH.replace("MAPPED", mapped)
    repo = write(tmp_path / "repo", {"root/main.tf": text})
    return pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=PROVIDER)


def test_a_role_mapped_to_a_group_reaches_what_the_group_is_bound_to(tmp_path: Path) -> None:
    model = model_of(tmp_path, "aws_iam_role.app.arn",
                     '[{ rolearn = aws_iam_role.app.arn, username = "app", groups = ["deployers"] }]')
    assert model.can(APP, "update", "deployments.apps", namespace="web").allowed is False
    decision = model.reach(APP).can("update", "deployments.apps", namespace="web")
    assert decision.allowed is True
    text = decision.explain()
    assert "aws-auth" in text and "mapRoles entry 2 of ConfigMap kube-system/aws-auth" in text
    assert "main.tf" in text
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is False


def test_the_role_arn_is_compared_without_its_path_and_case(tmp_path: Path) -> None:
    # the documented form: no path in rolearn; the pod's role has one (/team/)
    model = model_of(tmp_path, '"arn:aws:iam::111122223333:role/team/app"',
                     '[{ rolearn = "arn:aws:iam::111122223333:role/APP", username = "app", '
                     'groups = ["system:masters"] }]')
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is True
    other = model_of(tmp_path / "other", '"arn:aws:iam::111122223333:role/team/app"',
                     '[{ rolearn = "arn:aws:iam::111122223333:role/other", username = "x", '
                     'groups = ["system:masters"] }]')
    assert other.reach(APP).can("delete", "nodes", namespace=None).allowed is False


def test_a_rolearn_with_a_path_may_match(tmp_path: Path) -> None:
    # EKS says it never matches; not betting a "cannot" on it
    model = model_of(tmp_path, '"arn:aws:iam::111122223333:role/team/app"',
                     '[{ rolearn = "arn:aws:iam::111122223333:role/team/app", username = "app", '
                     'groups = ["system:masters"] }]')
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is None


def test_mappings_unknown_before_apply_may_map_the_role_anywhere(tmp_path: Path) -> None:
    # terraform-aws-modules/eks v19: concat(node roles, var.aws_auth_roles) with the variable unset
    text = ROLE.replace("ANNOTATION", "aws_iam_role.app.arn") + AWS_AUTH.replace(
        "MAPPED", "var.aws_auth_roles") + 'variable "aws_auth_roles" {\n  type = list(any)\n}\n'
    repo = write(tmp_path / "repo", {"root/main.tf": text})
    model = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=PROVIDER)
    decision = model.reach(APP).can("delete", "nodes", namespace=None)
    assert decision.allowed is None
    assert "aws_auth_roles" in decision.explain()


def test_a_templated_username_may_be_any_user_a_binding_names(tmp_path: Path) -> None:
    # a pod picks its own role session name: {{SessionName}} may be the bound user "deploy-bot"
    binding = """
resource "kubernetes_cluster_role_binding_v1" "bot" {
  metadata {
    name = "bot"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin"
  }
  subject {
    kind      = "User"
    name      = "deploy-bot"
    api_group = "rbac.authorization.k8s.io"
  }
}
"""
    mapped = '[{ rolearn = aws_iam_role.app.arn, username = "deploy-{{SessionName}}", groups = [] }]'
    text = ROLE.replace("ANNOTATION", "aws_iam_role.app.arn") + AWS_AUTH.replace("MAPPED", mapped)
    repo = write(tmp_path / "repo", {"root/main.tf": text + binding})
    model = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=PROVIDER)
    decision = model.reach(APP).can("delete", "nodes", namespace=None)
    assert decision.allowed is None
    assert "deploy-bot" in decision.explain()
    fixed = text.replace("deploy-{{SessionName}}", "deploy-app") + binding
    repo = write(tmp_path / "fixed", {"root/main.tf": fixed})
    model = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=PROVIDER)
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is False


CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: MAPPING
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/ci
"""


@pytest.mark.parametrize(("mapping", "expected"), [
    ('|\n    - rolearn: arn:aws:iam::111122223333:role/ci\n      username: ci\n'
     '      groups:\n        - system:masters\n', None),  # the role is not in the sources: maybe
    ('|\n    - rolearn: arn:aws:iam::111122223333:role/other\n      username: ci\n'
     '      groups:\n        - system:masters\n', False),
    ('"[{\\"rolearn\\": \\"arn:aws:iam::111122223333:role/ci\\", \\"groups\\": [\\"system:masters\\"]}]"',
     None),  # JSON text is YAML too
    ('"- rolearn: [unclosed"', None),  # not YAML: which roles it maps is unknown
])
def test_a_yaml_aws_auth_config_map(tmp_path: Path, mapping: str, expected: bool | None) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(CONFIG_MAP.replace("MAPPING", mapping), encoding="utf-8")
    model = pfperms.load(path)
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is expected


def test_a_config_map_elsewhere_maps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    text = CONFIG_MAP.replace("namespace: kube-system", "namespace: default").replace(
        "MAPPING", '|\n    - rolearn: arn:aws:iam::111122223333:role/ci\n      groups: [system:masters]\n')
    path.write_text(text, encoding="utf-8")
    assert pfperms.load(path).reach(APP).can("delete", "nodes", namespace=None).allowed is False


def test_canonical_role_arn() -> None:
    assert canonical_role_arn("arn:aws:iam::1:role/a/b/Name") == "arn:aws:iam::1:role/name"
    assert canonical_role_arn("arn:aws-cn:iam::1:role/Name") == "arn:aws-cn:iam::1:role/name"


def plan_with(data: dict[str, object] | None, unknown: dict[str, object]) -> dict[str, object]:
    """A plan holding the aws-auth data resource (terraform show -json shape)."""
    values = {"force": True, "field_manager": "Terraform", "id": None,
              "metadata": [{"name": "aws-auth", "namespace": "kube-system"}], "data": data}
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": [{
                "address": "kubernetes_config_map_v1_data.aws_auth", "mode": "managed",
                "type": "kubernetes_config_map_v1_data", "name": "aws_auth",
                "provider_name": "registry.terraform.io/hashicorp/kubernetes", "schema_version": 0,
                "values": values, "sensitive_values": {}}]}},
            "resource_changes": [{
                "address": "kubernetes_config_map_v1_data.aws_auth", "mode": "managed",
                "type": "kubernetes_config_map_v1_data", "name": "aws_auth",
                "change": {"actions": ["create"], "before": None, "after": values,
                           "after_unknown": unknown, "before_sensitive": False, "after_sensitive": {}}}]}


@pytest.mark.parametrize(("data", "unknown", "expected"), [
    ({"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/other\n  groups: [system:masters]\n"}, {}, False),
    (None, {"data": True}, None),  # known only after apply: may map the account's role
])
def test_a_plan_s_aws_auth_data(tmp_path: Path, data: dict[str, object] | None,
                                unknown: dict[str, object], expected: bool | None) -> None:
    import json

    (tmp_path / "plan.json").write_text(json.dumps(plan_with(data, unknown), indent=2), encoding="utf-8")
    account = tmp_path / "account.yaml"
    account.write_text(CONFIG_MAP.split("---\n", 1)[1], encoding="utf-8")
    model = pfperms.load(tmp_path / "plan.json", account)
    assert [o.ref() for o in model.objects("ConfigMap")] == ["ConfigMap kube-system/aws-auth"]
    assert model.reach(APP).can("delete", "nodes", namespace=None).allowed is expected
