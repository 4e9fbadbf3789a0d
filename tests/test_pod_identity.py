"""EKS Pod Identity: aws_eks_pod_identity_association gives a service account's pods a role's
credentials without any annotation (was: no annotation, "cannot", a wrong answer).

Fixtures follow the EKS user guide's trust policy and terraform-aws-modules' shapes (the
karpenter submodule's association, the eks-pod-identity module's trust document).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_support import write

import pytest_pfperms as pfperms

APP = pfperms.ServiceAccount("apps", "app")
OTHER = pfperms.ServiceAccount("apps", "other")
OBJECT = "arn:aws:s3:::assets/k"

ROLE = """
data "aws_iam_policy_document" "pod_identity" {
  statement {
    effect  = "Allow"
    actions = ACTIONS
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = data.aws_iam_policy_document.pod_identity.json
}
resource "aws_iam_role_policy" "reads" {
  role   = aws_iam_role.app.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::assets/*",
    Condition = CONDITION }] })
}
resource "aws_eks_pod_identity_association" "app" {
  cluster_name    = "main"
  namespace       = NAMESPACE
  service_account = "app"
  role_arn        = aws_iam_role.app.arn
  EXTRA
}
resource "kubernetes_service_account_v1" "app" {
  metadata {
    name      = "app"
    namespace = "apps"
  }
}
resource "kubernetes_service_account_v1" "other" {
  metadata {
    name      = "other"
    namespace = "apps"
  }
}
"""


def model_of(tmp_path: Path, *, actions: str = '["sts:AssumeRole", "sts:TagSession"]',
             condition: str = "{}", namespace: str = '"apps"', extra: str = "",
             more: str = "") -> pfperms.Model:
    text = (ROLE.replace("ACTIONS", actions).replace("CONDITION", condition)
            .replace("NAMESPACE", namespace).replace("EXTRA", extra)) + more
    repo = write(tmp_path / "repo", {"root/main.tf": text})
    return pfperms.load(repo / "root", repo_root=repo)


def test_the_associated_account_holds_the_role_without_an_annotation(tmp_path: Path) -> None:
    model = model_of(tmp_path)
    decision = model.aws_can(APP, "s3:GetObject", OBJECT)
    assert decision.allowed is True
    text = decision.explain()
    assert "aws_eks_pod_identity_association.app" in text and "main.tf" in text
    assert model.aws_can(APP, "s3:PutObject", OBJECT).allowed is False
    assert model.aws_can(OTHER, "s3:GetObject", OBJECT).allowed is False
    assert model.aws_can(APP, "sts:GetCallerIdentity", "*").allowed is True


@pytest.mark.parametrize(("actions", "extra", "expected"), [
    ('["sts:AssumeRole"]', "", False),  # EKS tags the session: TagSession must be allowed too
    ('["sts:AssumeRole"]', "disable_session_tags = true", True),
    ('["sts:AssumeRoleWithWebIdentity"]', "", False),
])
def test_the_role_must_trust_eks(tmp_path: Path, actions: str, extra: str, expected: bool) -> None:
    model = model_of(tmp_path, actions=actions, extra=extra)
    assert model.aws_can(APP, "s3:GetObject", OBJECT).allowed is expected


def test_session_tags_decide_abac_conditions(tmp_path: Path) -> None:
    same = '{ StringEquals = { "aws:PrincipalTag/kubernetes-namespace" = "apps" } }'
    assert model_of(tmp_path / "a", condition=same).aws_can(APP, "s3:GetObject", OBJECT).allowed is True
    other = '{ StringEquals = { "aws:PrincipalTag/kubernetes-namespace" = "web" } }'
    assert model_of(tmp_path / "b", condition=other).aws_can(APP, "s3:GetObject", OBJECT).allowed is False
    # without session tags the key is whatever the role's own tags say: not modelled, unknown
    untagged = model_of(tmp_path / "c", actions='["sts:AssumeRole"]', condition=same,
                        extra="disable_session_tags = true")
    assert untagged.aws_can(APP, "s3:GetObject", OBJECT).allowed is None


def test_an_association_for_an_unknown_namespace_may_be_the_account_s(tmp_path: Path) -> None:
    model = model_of(tmp_path, namespace="var.namespace",
                     more='variable "namespace" {\n  type = string\n}\n')
    decision = model.aws_can(APP, "s3:GetObject", OBJECT)
    assert decision.allowed is None
    assert "var.namespace" in decision.explain()


def test_role_chaining_is_unknown_not_cannot(tmp_path: Path) -> None:
    model = model_of(tmp_path, extra='target_role_arn = "arn:aws:iam::222233334444:role/remote"')
    assert model.aws_can(APP, "dynamodb:GetItem", "*").allowed is None


def test_irsa_and_pod_identity_credentials_are_both_held(tmp_path: Path) -> None:
    irsa = """
resource "aws_iam_role" "writer" {
  name = "writer"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity",
    Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C" },
    Condition = { StringEquals = { "oidc.example/id/C:sub" = "system:serviceaccount:apps:app" } } }] })
}
resource "aws_iam_role_policy" "writes" {
  role   = aws_iam_role.writer.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "s3:PutObject", Resource = "*" }] })
}
resource "kubernetes_annotations" "app" {
  api_version = "v1"
  kind        = "ServiceAccount"
  metadata {
    name      = "app"
    namespace = "apps"
  }
  annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.writer.arn }
}
"""
    text = (ROLE.replace("ACTIONS", '["sts:AssumeRole", "sts:TagSession"]').replace("CONDITION", "{}")
            .replace("NAMESPACE", '"apps"').replace("EXTRA", "")) + irsa
    repo = write(tmp_path / "repo", {"root/main.tf": text})
    model = pfperms.load(repo / "root", repo_root=repo,
                         aws_oidc_provider="arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C")
    assert model.aws_can(APP, "s3:GetObject", OBJECT).allowed is True  # the association's role
    assert model.aws_can(APP, "s3:PutObject", OBJECT).allowed is True  # the annotation's role
    assert model.aws_can(APP, "s3:DeleteObject", OBJECT).allowed is False


def test_reach_follows_a_pod_identity_role_into_the_cluster(tmp_path: Path) -> None:
    entry = """
resource "aws_eks_access_entry" "app" {
  cluster_name      = "main"
  principal_arn     = aws_iam_role.app.arn
  kubernetes_groups = ["system:masters"]
}
"""
    model = model_of(tmp_path, more=entry)
    assert model.can(APP, "delete", "nodes", namespace=None).allowed is False
    decision = model.reach(APP).can("delete", "nodes", namespace=None)
    assert decision.allowed is True
    assert "aws_eks_access_entry.app" in decision.explain()
    assert model.reach(OTHER).can("delete", "nodes", namespace=None).allowed is False
