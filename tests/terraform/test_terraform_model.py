"""Terraform repos evaluated into the permission model: the seed, modules, symbols, profiles."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.values import Symbol

SEED = """\
module "example_deployment" {
  source = "github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment?ref=edge.24-09-12"

  name      = "example"
  namespace = var.namespace
}

resource "kubernetes_role" "example" {
  metadata {
    name      = "example"
    namespace = var.namespace
    labels    = module.example_deployment.labels
  }
  rule {
    api_groups = [""]
    resources  = ["persistentvolumeclaims"]
    verbs      = ["get", "update", "list"]
  }
}

resource "kubernetes_role_binding" "example" {
  metadata {
    name      = "example"
    namespace = var.namespace
    labels    = module.example_deployment.labels
  }
  subject {
    kind      = "ServiceAccount"
    name      = module.example_deployment.service_account_name
    namespace = var.namespace
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role.example.metadata[0].name
  }
}

variable "namespace" {
  type = string
}
"""


def tf_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write a Terraform root module (and any subdirectories) under tmp_path."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return tf_repo(tmp_path / "repo", {"main.tf": SEED})


# -- the seed, end to end ------------------------------------------------------------------------

def test_seed_with_namespace(seed: Path) -> None:
    model = pfperms.load(seed, variables={"namespace": "apps"}, repo_root=seed)
    example = model.workload("Deployment/example", namespace="apps")
    assert model.workload("module.example_deployment").obj is example.obj
    for verb in ("get", "update", "list"):
        assert example.can(verb, "persistentvolumeclaims").allowed is True
    assert example.can("delete", "persistentvolumeclaims").allowed is False
    assert example.can("get", "persistentvolumeclaims", namespace="other").allowed is False
    assert example.can("list", "pods").allowed is True  # kube_pod's pod-reader grant
    assert example.can("get", "pods", namespace="other").allowed is False
    assert model.objects("ClusterRoleBinding") == []


def test_seed_grant_path_cites_the_terraform_lines(seed: Path) -> None:
    model = pfperms.load(seed, variables={"namespace": "apps"}, repo_root=seed)
    text = model.workload("module.example_deployment").can("update", "persistentvolumeclaims").explain()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert lines[1].startswith("RoleBinding apps/example (subject ServiceAccount apps/"
                               "${module.example_deployment.service_account_name})")
    assert lines[1].endswith("main.tf:21 (kubernetes_role_binding.example)")
    assert lines[2] == f"└─ Role apps/example {seed / 'main.tf'}:8 (kubernetes_role.example)".replace(
        str(seed / "main.tf"), lines[2].split()[-2].rsplit(":", 1)[0])
    assert lines[3].endswith("main.tf:14 (kubernetes_role.example)")


def test_seed_without_namespace(seed: Path) -> None:
    model = pfperms.load(seed, repo_root=seed)
    example = model.workload("module.example_deployment")
    assert isinstance(example.namespace, Symbol) and example.namespace.key == "var.namespace"
    # Its own namespace: definite, whatever the namespace turns out to be.
    assert example.can("update", "persistentvolumeclaims").allowed is True
    assert example.can("delete", "persistentvolumeclaims").allowed is False
    assert example.can("list", "pods").allowed is True
    # Elsewhere: unknown, and the message says which value and how to supply it.
    decision = example.can("update", "persistentvolumeclaims", namespace="other")
    assert decision.allowed is None
    with pytest.raises(pfperms.Indeterminate) as caught:
        bool(decision)
    message = str(caught.value)
    assert "var.namespace: input variable namespace has no value, at" in message
    assert "main.tf:39; supply it with --pfperms-var namespace=..." in message
    # Parts that do not depend on it stay definite.
    assert example.can("update", "secrets", namespace="other").allowed is False


def test_tfvars_auto_tfvars_env_and_arguments_in_terraform_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tf_repo(tmp_path, {
        "main.tf": """\
            variable "a" { type = string }
            variable "b" { type = string }
            variable "c" { type = string }
            variable "d" { type = string }
            resource "kubernetes_service_account" "x" {
              metadata {
                name      = "${var.a}-${var.b}-${var.c}-${var.d}"
                namespace = "ns"
              }
            }
        """,
        "terraform.tfvars": 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\n',
        "x.auto.tfvars": 'b = "auto"\nc = "auto"\n',
    })
    monkeypatch.setenv("TF_VAR_a", "env")
    monkeypatch.setenv("TF_VAR_d", "env")
    model = pfperms.load(repo, variables={"c": "arg"}, repo_root=repo)
    assert [o.name for o in model.objects("ServiceAccount")] == ["tfvars-auto-arg-env"]


# -- modules, count, for_each, dynamic blocks ------------------------------------------------------

LOCAL_MODULES = {
    "main.tf": """\
        locals {
          teams = {
            red  = ["get", "list"]
            blue = ["get"]
          }
        }

        module "team" {
          source   = "./modules/team"
          for_each = local.teams
          name     = each.key
          verbs    = each.value
        }

        module "optional" {
          source  = "./modules/team"
          count   = var.enabled ? 1 : 0
          name    = "optional"
          verbs   = ["*"]
        }

        variable "enabled" {
          type    = bool
          default = false
        }
    """,
    "modules/team/main.tf": """\
        variable "name" { type = string }
        variable "verbs" { type = list(string) }

        resource "kubernetes_service_account" "sa" {
          metadata {
            name      = "${var.name}-bot"
            namespace = var.name
          }
        }

        resource "kubernetes_role" "reader" {
          metadata {
            name      = "reader"
            namespace = var.name
          }
          dynamic "rule" {
            for_each = { pods = "", deployments = "apps" }
            content {
              api_groups = [rule.value]
              resources  = [rule.key]
              verbs      = var.verbs
            }
          }
          rule {
            api_groups = [""]
            resources  = ["configmaps"]
            verbs      = ["get"]
          }
        }

        resource "kubernetes_role_binding" "reader" {
          count = 1
          metadata {
            name      = "reader-${count.index}"
            namespace = var.name
          }
          subject {
            kind      = "ServiceAccount"
            name      = kubernetes_service_account.sa.metadata[0].name
            namespace = var.name
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "Role"
            name      = kubernetes_role.reader.metadata[0].name
          }
        }

        output "service_account_name" {
          value = kubernetes_service_account.sa.metadata[0].name
        }
    """,
}


def test_local_modules_with_for_each_count_and_dynamic_blocks(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, LOCAL_MODULES)
    model = pfperms.load(repo, repo_root=repo)
    addresses = sorted(str(o.source.address) for o in model.objects())
    assert addresses == [
        'module.team["blue"].kubernetes_role.reader',
        'module.team["blue"].kubernetes_role_binding.reader[0]',
        'module.team["blue"].kubernetes_service_account.sa',
        'module.team["red"].kubernetes_role.reader',
        'module.team["red"].kubernetes_role_binding.reader[0]',
        'module.team["red"].kubernetes_service_account.sa',
    ]
    red = pfperms.ServiceAccount("red", "red-bot")
    blue = pfperms.ServiceAccount("blue", "blue-bot")
    assert model.can(red, "list", "deployments.apps", namespace="red").allowed is True
    assert model.can(blue, "list", "deployments.apps", namespace="blue").allowed is False
    assert model.can(blue, "get", "pods", namespace="blue").allowed is True
    assert model.can(blue, "get", "configmaps", namespace="blue").allowed is True
    assert model.can(blue, "get", "pods", namespace="red").allowed is False
    enabled = pfperms.load(repo, variables={"enabled": "true"}, repo_root=repo)
    assert len(enabled.objects()) == 9


def test_count_on_an_unknown_value_makes_grants_unknown(tmp_path: Path) -> None:
    main = textwrap.dedent(LOCAL_MODULES["main.tf"]).replace("  default = false\n", "")
    repo = tf_repo(tmp_path, {"main.tf": main, "modules/team/main.tf": LOCAL_MODULES["modules/team/main.tf"]})
    model = pfperms.load(repo, repo_root=repo)
    optional = pfperms.ServiceAccount("optional", "optional-bot")
    decision = model.can(optional, "delete", "pods", namespace="optional")
    assert decision.allowed is None
    assert "var.enabled" in decision.explain()
    assert model.can(optional, "delete", "secrets", namespace="optional").allowed is False


def test_kubectl_manifest_yamlencode_and_text_and_kubernetes_manifest(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubectl_manifest" "role" {
          yaml_body = yamlencode({
            apiVersion = "rbac.authorization.k8s.io/v1"
            kind       = "Role"
            metadata   = { name = "structured", namespace = "apps" }
            rules      = [{ apiGroups = [""], resources = ["pods"], verbs = ["get"] }]
          })
        }

        resource "kubectl_manifest" "text" {
          yaml_body = <<-EOT
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: from-text
              namespace: apps
          EOT
        }

        resource "kubernetes_manifest" "binding" {
          manifest = {
            apiVersion = "rbac.authorization.k8s.io/v1"
            kind       = "RoleBinding"
            metadata   = { name = "b", namespace = "apps" }
            subjects   = [{ kind = "ServiceAccount", name = "from-text", namespace = "apps" }]
            roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "Role", name = "structured" }
          }
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    assert sorted(o.kind for o in model.objects()) == ["Role", "RoleBinding", "ServiceAccount"]
    assert model.can(pfperms.ServiceAccount("apps", "from-text"), "get", "pods", namespace="apps").allowed


def test_subject_namespace_defaults_to_default_as_the_provider_does(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubernetes_role_binding" "b" {
          metadata {
            name      = "b"
            namespace = "apps"
          }
          subject {
            kind = "ServiceAccount"
            name = "worker"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    assert model.can(pfperms.ServiceAccount("default", "worker"), "get", "pods", namespace="apps").allowed
    assert not model.can(pfperms.ServiceAccount("apps", "worker"), "get", "pods", namespace="apps").allowed


def test_annotations_resource_is_applied_to_its_target(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubernetes_service_account" "sa" {
          metadata {
            name      = "app"
            namespace = "apps"
          }
        }
        resource "kubernetes_annotations" "irsa" {
          api_version = "v1"
          kind        = "ServiceAccount"
          metadata {
            name      = "app"
            namespace = "apps"
          }
          annotations = {
            "eks.amazonaws.com/role-arn" = "arn:aws:iam::123456789012:role/app"
          }
        }
    """})
    (account,) = pfperms.load(repo, repo_root=repo).objects("ServiceAccount")
    assert account.annotations["eks.amazonaws.com/role-arn"] == "arn:aws:iam::123456789012:role/app"


# -- Panfactum profiles and module sources ---------------------------------------------------------

@pytest.mark.parametrize("source", [
    "github.com/Panfactum/stack.git//packages/infrastructure/kube_stateful_set?ref=edge.24-09-12",
    "${var.pf_module_source}kube_stateful_set${var.pf_module_ref}",
    "panfactum/kube_stateful_set/aws",
])
def test_panfactum_modules_are_recognised_by_name_whatever_the_prefix(tmp_path: Path, source: str) -> None:
    repo = tf_repo(tmp_path, {"main.tf": f"""\
        variable "pf_module_source" {{
          default = "github.com/Panfactum/stack.git//packages/infrastructure/"
        }}
        variable "pf_module_ref" {{
          default = "?ref=main"
        }}
        module "db" {{
          source    = "{source}"
          name      = "db"
          namespace = "data"
        }}
    """})
    model = pfperms.load(repo, repo_root=repo)
    db = model.workload("module.db")
    assert (db.kind, db.name, db.namespace) == ("StatefulSet", "db", "data")
    assert db.can("get", "pods").allowed is True
    assert db.can("delete", "pods").allowed is False


def test_two_panfactum_service_accounts_are_never_the_same(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        module "a" {
          source    = "github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment"
          name      = "a"
          namespace = "apps"
        }
        module "b" {
          source    = "github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment"
          name      = "b"
          namespace = "apps"
        }
        resource "kubernetes_role_binding" "a_admin" {
          metadata {
            name      = "a-admin"
            namespace = "apps"
          }
          subject {
            kind      = "ServiceAccount"
            name      = module.a.service_account_name
            namespace = "apps"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "admin"
          }
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    assert model.workload("module.a").can("delete", "secrets").allowed is True
    # b's random name is a different random_id: definitely not a's binding subject.
    assert model.workload("module.b").can("delete", "secrets").allowed is False
    # and a literal name can never equal 16 random hex characters
    assert model.can(pfperms.ServiceAccount("apps", "a"), "delete", "secrets", namespace="apps").allowed is False


def test_wf_spec_gets_workflow_task_results(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        module "build" {
          source    = "github.com/Panfactum/stack.git//packages/infrastructure/wf_spec"
          name      = "build"
          namespace = "ci"
        }
        resource "kubectl_manifest" "template" {
          yaml_body = yamlencode({
            apiVersion = "argoproj.io/v1alpha1"
            kind       = "WorkflowTemplate"
            metadata   = { name = "build", namespace = "ci" }
            spec       = module.build.workflow_spec
          })
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    assert template.can("create", "workflowtaskresults.argoproj.io").allowed is True
    assert template.can("patch", "workflowtaskresults.argoproj.io").allowed is True
    assert template.can("delete", "workflowtaskresults.argoproj.io").allowed is False
    assert template.service_account.name.key == "module.build.random_id.workflow_id.hex"
    assert str(template.service_account.name) == "${module.build.service_account_name}"


def test_installed_modules_are_evaluated_instead_of_profiles(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {
        "main.tf": """\
            module "app" {
              source    = "github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment"
              name      = "app"
              namespace = "apps"
            }
        """,
        ".terraform/modules/app/main.tf": """\
            variable "name" {}
            variable "namespace" {}
            resource "kubernetes_service_account" "sa" {
              metadata {
                name      = "installed-${var.name}"
                namespace = var.namespace
              }
            }
        """,
    })
    (repo / ".terraform/modules/modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "app", "Source": "git::https://example.com/stack.git", "Dir": ".terraform/modules/app"}]}))
    model = pfperms.load(repo, repo_root=repo)
    assert [o.name for o in model.objects()] == ["installed-app"]


def test_unavailable_modules_are_unknown_outputs_and_reported(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        module "vendor" {
          source = "git::https://example.com/vendor.git"
        }
        resource "kubernetes_role_binding" "b" {
          metadata {
            name      = "b"
            namespace = "apps"
          }
          subject {
            kind      = "ServiceAccount"
            name      = module.vendor.service_account_name
            namespace = "apps"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    assert any("module.vendor (source git::https://example.com/vendor.git) is not on disk" in w.message
               for w in model.warnings)
    decision = model.can(pfperms.ServiceAccount("apps", "anyone"), "get", "pods", namespace="apps")
    assert decision.allowed is None
    assert "module.vendor.service_account_name" in decision.explain()


# -- errors ---------------------------------------------------------------------------------------

def test_bad_hcl_names_file_and_line(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": 'resource "kubernetes_role" "x" {\n  metadata {\n    name = \n  }\n}\n'})
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(repo, repo_root=repo)
    assert caught.value.file.endswith("main.tf")
    assert caught.value.line in (3, 4)


def test_undeclared_reference_names_file_and_line(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubernetes_service_account" "x" {
          metadata {
            name      = var.missing
            namespace = "a"
          }
        }
    """})
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(repo, repo_root=repo)
    assert caught.value.line == 3
    assert "var" in str(caught.value) and "missing" in str(caught.value)


def test_unsupported_function_makes_only_dependent_values_unknown(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubernetes_role" "r" {
          metadata {
            name      = "r"
            namespace = "apps"
          }
          rule {
            api_groups = [""]
            resources  = ["pods"]
            verbs      = [provider::pf::mystery("x")]
          }
        }
        resource "kubernetes_role_binding" "b" {
          metadata {
            name      = "b"
            namespace = "apps"
          }
          subject {
            kind      = "ServiceAccount"
            name      = "app"
            namespace = "apps"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "Role"
            name      = "r"
          }
        }
    """})
    model = pfperms.load(repo, repo_root=repo)
    app = pfperms.ServiceAccount("apps", "app")
    decision = model.can(app, "get", "pods", namespace="apps")
    assert decision.allowed is None
    assert "provider::pf::mystery" in decision.explain()
    assert model.can(app, "get", "secrets", namespace="apps").allowed is False


def test_module_source_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path / "repo", {"main.tf": 'module "x" {\n  source = "../../elsewhere"\n}\n'})
    with pytest.raises(pfperms.LoadError, match="outside the repository"):
        pfperms.load(repo, repo_root=repo)


# -- the result cache ------------------------------------------------------------------------------

def test_result_cache_is_reused_and_invalidated_by_any_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    repo = tf_repo(tmp_path / "repo", {
        "main.tf": """\
            resource "kubernetes_service_account" "x" {
              metadata {
                name      = trimspace(file("${path.module}/name.txt"))
                namespace = var.namespace
              }
            }
            variable "namespace" {
              default = "a"
            }
        """,
        "name.txt": "first\n",
    })
    first = pfperms.load(repo, repo_root=repo)
    assert [(o.namespace, o.name) for o in first.objects()] == [("a", "first")]
    assert list((tmp_path / "cache" / "results").glob("*.entry"))
    again = pfperms.load(repo, repo_root=repo)
    assert [(o.namespace, o.name) for o in again.objects()] == [("a", "first")]
    (repo / "name.txt").write_text("second\n")  # a file() input changed
    assert [o.name for o in pfperms.load(repo, repo_root=repo).objects()] == ["second"]
    (repo / "extra.auto.tfvars").write_text('namespace = "b"\n')  # a new tfvars file appeared
    assert [o.namespace for o in pfperms.load(repo, repo_root=repo).objects()] == ["b"]
    assert [o.namespace for o in pfperms.load(repo, variables={"namespace": "c"}, repo_root=repo).objects()] == ["c"]
    (repo / "other.tf").write_text('resource "kubernetes_service_account" "y" {\n  metadata {\n    name = "y"\n  }\n}\n')
    assert sorted(o.name for o in pfperms.load(repo, repo_root=repo).objects()) == ["second", "y"]


def test_problems_are_reported_again_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    repo = tf_repo(tmp_path / "repo", {"main.tf": 'locals {\n  x = var.nope\n}\nresource "kubernetes_service_account" "a" {\n  metadata {\n    name = local.x\n  }\n}\n'})
    for _ in range(2):
        with pytest.raises(pfperms.LoadError, match="nope"):
            pfperms.load(repo, repo_root=repo)


def test_kubectl_manifest_override_namespace(tmp_path: Path) -> None:
    repo = tf_repo(tmp_path, {"main.tf": """\
        resource "kubectl_manifest" "sa" {
          override_namespace = "moved"
          yaml_body = yamlencode({
            apiVersion = "v1"
            kind       = "ServiceAccount"
            metadata   = { name = "a", namespace = "original" }
          })
        }
    """})
    (account,) = pfperms.load(repo, repo_root=repo).objects()
    assert account.namespace == "moved"
