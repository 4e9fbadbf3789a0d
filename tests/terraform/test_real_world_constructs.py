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
