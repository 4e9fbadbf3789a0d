"""Constructs of public Terraform (terraform-aws-modules, EKS Blueprints, Panfactum) that the
loader must read as Terraform does (issue 9). Fixtures are written here in the style of those
modules; none is copied from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_support import write

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError


def load(tmp_path: Path, files: dict[str, str]) -> pfperms.Model:
    """Write the files and load ``root/`` as the one root module."""
    repo = write(tmp_path / "repo", files)
    return pfperms.load(repo / "root", repo_root=repo)

SA_MODULE = """
variable "namespace" {
  type     = string
  default  = "apps"
  nullable = false
}
variable "name" {
  type = string
}
resource "kubernetes_service_account" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
  }
}
"""


def test_null_for_a_non_nullable_variable_takes_its_default(tmp_path: Path) -> None:
    model = load(tmp_path, {
        "root/main.tf": """
            module "sa" {
              source    = "../modules/sa"
              name      = "worker"
              namespace = null
            }
        """,
        "modules/sa/main.tf": SA_MODULE,
    })
    assert [(o.namespace, o.name) for o in model.objects("ServiceAccount")] == [("apps", "worker")]


def test_null_for_a_nullable_variable_stays_null(tmp_path: Path) -> None:
    """The null reaches the resource, and the provider puts the account in "default"."""
    model = load(tmp_path, {
            "root/main.tf": """
                module "sa" {
                  source    = "../modules/sa"
                  name      = "worker"
                  namespace = null
                }
            """,
        "modules/sa/main.tf": SA_MODULE.replace("  nullable = false\n", ""),
    })
    assert [(o.namespace, o.name) for o in model.objects("ServiceAccount")] == [("default", "worker")]


def test_null_without_a_default_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="nullable = false and has no default"):
        load(tmp_path, {
            "root/main.tf": """
                module "sa" {
                  source    = "../modules/sa"
                  name      = "worker"
                  namespace = null
                }
            """,
            "modules/sa/main.tf": SA_MODULE.replace('  default  = "apps"\n', ""),
        })


def test_namespaces_are_objects_and_generated_names_place_objects_in_them(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": """
        resource "kubernetes_namespace_v1" "team" {
          metadata { generate_name = "team-" }
        }
        resource "kubernetes_namespace" "fixed" {
          metadata { name = "fixed" }
        }
        resource "kubernetes_service_account" "app" {
          metadata {
            name      = "app"
            namespace = kubernetes_namespace_v1.team.metadata[0].name
          }
        }
        resource "kubernetes_role_binding" "app" {
          metadata {
            name      = "app"
            namespace = kubernetes_namespace_v1.team.metadata[0].name
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "edit"
          }
          subject {
            kind      = "ServiceAccount"
            name      = "app"
            namespace = kubernetes_namespace_v1.team.metadata[0].name
          }
        }
    """})
    namespaces = model.objects("Namespace")
    assert sorted(str(ns.name) for ns in namespaces) == ["fixed", "team-<generated>"]
    generated = next(ns.name for ns in namespaces if str(ns.name) != "fixed")
    (account,) = model.objects("ServiceAccount")
    assert account.namespace == generated
    assert model.objects(namespace="default") == []
    sa = pfperms.ServiceAccount(generated, "app")  # type: ignore[arg-type]
    assert model.can(sa, "create", "deployments.apps", namespace=generated)
    assert not model.can(sa, "create", "deployments.apps", namespace="fixed")
    assert not model.can(sa, "create", "deployments.apps", namespace="team-abcde" + "x")  # not its shape


IRSA_ROLE = """
resource "aws_iam_openid_connect_provider" "eks" {
  url            = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
  client_id_list = ["sts.amazonaws.com"]
}
resource "aws_iam_role" "jobs" {
  name = "jobs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.eks.arn }
      Condition = { StringEquals = {
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub" = "system:serviceaccount:apps:jobs"
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud" = "sts.amazonaws.com"
      } }
    }]
  })
}
resource "kubernetes_service_account" "jobs" {
  metadata {
    name        = "jobs"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.jobs.arn }
  }
}
"""


def test_a_data_source_argument_set_to_null_is_the_providers_value_not_null(tmp_path: Path) -> None:
    """``data "aws_region" { region = var.region }`` with the variable's default null reads
    the provider's region: coalesce() must not fall back to its second argument."""
    model = load(tmp_path, {"root/main.tf": IRSA_ROLE + """
        variable "region" {
          type    = string
          default = null
        }
        data "aws_region" "current" {
          region = var.region
        }
        locals {
          region = coalesce(data.aws_region.current.region, "us-east-1")
        }
        resource "aws_iam_role_policy" "send" {
          role = aws_iam_role.jobs.name
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "sqs:SendMessage",
                           Resource = "arn:aws:sqs:${local.region}:111122223333:jobs" }]
          })
        }
    """})
    jobs = pfperms.ServiceAccount("apps", "jobs")
    elsewhere = model.aws_can(jobs, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs")
    assert elsewhere.allowed is None  # the provider's region, unknown here: never a "cannot"
    assert "data.aws_region.current.region" in elsewhere.explain()


def test_region_null_on_an_aws_resource_is_the_providers_region(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": IRSA_ROLE + """
        resource "aws_sqs_queue" "jobs" {
          name   = "jobs"
          region = null
        }
        resource "aws_iam_role_policy" "send" {
          role = aws_iam_role.jobs.name
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "sqs:SendMessage",
                           Resource = "arn:aws:sqs:${coalesce(aws_sqs_queue.jobs.region, "us-east-1")}:111122223333:jobs" }]
          })
        }
    """})
    jobs = pfperms.ServiceAccount("apps", "jobs")
    assert model.aws_can(jobs, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs").allowed is None
    # an argument the provider does not compute stays null (a definite answer)
    model = load(tmp_path / "b", {"root/main.tf": IRSA_ROLE + """
        resource "aws_sqs_queue" "jobs" {
          name   = "jobs"
          policy = null
        }
        resource "aws_iam_role_policy" "send" {
          role = aws_iam_role.jobs.name
          policy = jsonencode({
            Version   = "2012-10-17"
            Statement = [{ Effect = "Allow", Action = "sqs:SendMessage",
                           Resource = coalesce(aws_sqs_queue.jobs.policy, "arn:aws:sqs:us-east-1:111122223333:jobs") }]
          })
        }
    """})
    assert model.aws_can(jobs, "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs").allowed is True
