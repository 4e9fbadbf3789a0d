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


def jobs_policy(name: str, action: str, resource: str) -> str:
    """An inline policy of ``aws_iam_role.jobs`` allowing ``action`` on ``resource`` (HCL)."""
    return f"""
resource "aws_iam_role_policy" "{name}" {{
  role = aws_iam_role.jobs.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "{action}", Resource = {resource} }}]
  }})
}}
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
""" + jobs_policy('send', 'sqs:SendMessage', '"arn:aws:sqs:${local.region}:111122223333:jobs"') + """
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
""" + jobs_policy('send', 'sqs:SendMessage', '"arn:aws:sqs:${coalesce(aws_sqs_queue.jobs.region, "us-east-1")}:111122223333:jobs"') + """
    """})
    jobs = pfperms.ServiceAccount("apps", "jobs")
    assert model.aws_can(jobs, "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs").allowed is None
    # an argument the provider does not compute stays null (a definite answer)
    model = load(tmp_path / "b", {"root/main.tf": IRSA_ROLE + """
        resource "aws_sqs_queue" "jobs" {
          name   = "jobs"
          policy = null
        }
""" + jobs_policy('send', 'sqs:SendMessage', 'coalesce(aws_sqs_queue.jobs.policy, "arn:aws:sqs:us-east-1:111122223333:jobs")') + """
    """})
    assert model.aws_can(jobs, "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs").allowed is True


WF_SPEC = "github.com/Panfactum/stack.git//packages/infrastructure/wf_spec?ref=edge.25-04-03"

BUILDER_BINDINGS = """
resource "kubernetes_service_account" "pusher" {
  metadata {
    name      = "pusher"
    namespace = "ci"
  }
}
resource "kubernetes_role_binding" "pusher_secrets" {
  metadata {
    name      = "pusher-secrets"
    namespace = "ci"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "admin"
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account.pusher.metadata[0].name
    namespace = "ci"
  }
}
resource "kubectl_manifest" "template" {
  yaml_body = yamlencode({
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "WorkflowTemplate"
    metadata   = { name = "build", namespace = "ci", labels = module.build.labels }
    spec       = module.build.workflow_spec
  })
}
"""


def test_a_wf_spec_template_with_its_own_service_account_runs_as_it_through_the_profile(
        tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": BUILDER_BINDINGS + f"""
        module "build" {{
          source     = "{WF_SPEC}"
          name       = "build"
          namespace  = "ci"
          entrypoint = "main"
          templates = [
            {{ name = "main", container = {{ image = "busybox" }} }},
            {{ name = "push", serviceAccountName = kubernetes_service_account.pusher.metadata[0].name,
               container = {{ image = "busybox" }} }},
          ]
        }}
    """})
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    assert "pusher" in [str(account.name) for account in template.service_accounts]
    assert template.can("delete", "secrets").allowed is True  # the push step runs as pusher


def test_unknown_wf_spec_templates_are_an_unknown_account_not_a_cannot(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": BUILDER_BINDINGS + f"""
        variable "templates" {{
          type = list(any)
        }}
        module "build" {{
          source     = "{WF_SPEC}"
          name       = "build"
          namespace  = "ci"
          entrypoint = "main"
          templates  = var.templates
        }}
    """})
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    decision = template.can("delete", "secrets")
    assert decision.allowed is None
    assert "serviceAccountName" in decision.explain()


def test_a_module_input_may_read_the_same_calls_outputs(tmp_path: Path) -> None:
    """Terraform orders by output: wf_spec's ``templates`` may use ``module.x.tolerations``,
    and a ConfigMap labelled with ``module.x.labels`` may be mounted through ``module.x``."""
    model = load(tmp_path, {"root/main.tf": BUILDER_BINDINGS + f"""
        resource "kubernetes_config_map" "scripts" {{
          metadata {{
            name      = "build-scripts"
            namespace = "ci"
            labels    = module.build.labels
          }}
          data = {{ "build.sh" = "echo" }}
        }}
        module "build" {{
          source     = "{WF_SPEC}"
          name       = "build"
          namespace  = "ci"
          entrypoint = "main"
          config_map_mounts = {{
            (kubernetes_config_map.scripts.metadata[0].name) = {{ mount_path = "/scripts" }}
          }}
          templates = [
            {{ name = "main", tolerations = module.build.tolerations, container = {{ image = "busybox" }} }},
            {{ name = "push", serviceAccountName = "pusher", container = {{ image = "busybox" }} }},
          ]
        }}
    """})
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    assert template.can("delete", "secrets").allowed is True


def test_a_not_on_disk_module_reading_its_own_outputs_loads_with_unknowns(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": """
        module "x" {
          source = "git::https://example.com/modules.git//thing?ref=v1"
          items  = [{ labels = module.x.labels }]
        }
        resource "kubernetes_namespace_v1" "ns" {
          metadata {
            name   = "made"
            labels = module.x.labels
          }
        }
    """})
    assert [o.name for o in model.objects("Namespace")] == ["made"]
    assert any("not on disk" in str(w) for w in model.warnings)


def test_a_real_cycle_through_a_module_call_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cycle"):
        load(tmp_path, {"root/main.tf": """
            locals {
              a = local.b
              b = local.a
            }
            module "x" {
              source = "git::https://example.com/modules.git//thing?ref=v1"
              items  = local.a
            }
        """})


def test_a_template_service_account_runs_as_it_through_real_module_code(tmp_path: Path) -> None:
    """The same construct with the module's code on disk, written as wf_spec writes it."""
    model = load(tmp_path, {
        "root/main.tf": BUILDER_BINDINGS + """
            module "build" {
              source    = "../modules/wf"
              name      = "build"
              namespace = "ci"
              templates = [
                { name = "main" },
                { name = "push", serviceAccountName = kubernetes_service_account.pusher.metadata[0].name },
              ]
            }
        """,
        "modules/wf/main.tf": """
            variable "name" { type = string }
            variable "namespace" { type = string }
            variable "templates" { type = any }
            resource "kubernetes_service_account" "sa" {
              metadata {
                name      = var.name
                namespace = var.namespace
              }
            }
            locals {
              templates = [for template in var.templates : { for k, v in merge(template, {
                serviceAccountName = lookup(template, "serviceAccountName", kubernetes_service_account.sa.metadata[0].name)
              }) : k => v if v != null }]
            }
            output "labels" { value = { "workflow" = var.name } }
            output "workflow_spec" {
              value = {
                serviceAccountName = kubernetes_service_account.sa.metadata[0].name
                templates          = local.templates
              }
            }
        """})
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    assert [str(a.name) for a in template.service_accounts] == ["build", "pusher"]
    assert template.can("delete", "secrets").allowed is True
    assert template.service_account.name == "build"  # the workflow's own account


CHART_BINDING = """
resource "kubernetes_role_binding_v1" "operator" {
  metadata {
    name      = "operator"
    namespace = "ops"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "operator-manager"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "operator"
    namespace = "ops"
  }
}
resource "kubernetes_role_binding_v1" "viewer" {
  metadata {
    name      = "viewer"
    namespace = "ops"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "view"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "viewer"
    namespace = "ops"
  }
}
"""

HELM_RELEASE = """
resource "helm_release" "operator" {
  name       = "operator"
  namespace  = "ops"
  repository = "https://charts.example.com"
  chart      = "operator"
  version    = "1.2.3"
}
"""


def test_a_role_a_helm_release_may_create_is_unknown_naming_it_never_a_cannot(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": CHART_BINDING + HELM_RELEASE})
    operator = pfperms.ServiceAccount("ops", "operator")
    decision = model.can(operator, "delete", "secrets", namespace="ops")
    assert decision.allowed is None
    text = decision.explain()
    assert "helm_release.operator" in text and "helm template" in text
    assert any("helm_release.operator installs objects" in w.message for w in model.warnings)
    # what view grants by itself is certain
    viewer = pfperms.ServiceAccount("ops", "viewer")
    assert model.can(viewer, "get", "pods", namespace="ops").allowed is True


def test_a_helm_release_may_aggregate_rules_into_view_so_the_rest_is_unknown(tmp_path: Path) -> None:
    # A chart can ship a ClusterRole labelled aggregate-to-view (CRD charts do): the
    # aggregation controller then adds its rules to view, edit and admin.
    model = load(tmp_path, {"root/main.tf": CHART_BINDING + HELM_RELEASE})
    viewer = pfperms.ServiceAccount("ops", "viewer")
    decision = model.can(viewer, "delete", "secrets", namespace="ops")
    assert decision.allowed is None
    text = decision.explain()
    assert "helm_release.operator" in text and "aggregated into view" in text
    # without the release, view grants exactly its own rules
    plain = load(tmp_path / "plain", {"root/main.tf": CHART_BINDING})
    assert plain.can(viewer, "delete", "secrets", namespace="ops").allowed is False


def test_a_role_a_helm_release_creates_is_not_in_doubt_once_its_output_is_loaded(tmp_path: Path) -> None:
    rendered = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: operator-manager
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
"""
    write(tmp_path, {"root/main.tf": CHART_BINDING + HELM_RELEASE, "rendered/operator.yaml": rendered})
    model = pfperms.load(tmp_path / "root", tmp_path / "rendered", repo_root=tmp_path,
                         rendered=["helm_release.*"])
    operator = pfperms.ServiceAccount("ops", "operator")
    assert model.can(operator, "get", "configmaps", namespace="ops").allowed is True
    assert model.can(operator, "delete", "secrets", namespace="ops").allowed is False
    viewer = pfperms.ServiceAccount("ops", "viewer")
    assert model.can(viewer, "delete", "secrets", namespace="ops").allowed is False
    # an entry naming no installer is listed, never silently ignored
    other = pfperms.load(tmp_path / "root", tmp_path / "rendered", repo_root=tmp_path,
                         rendered=["helm_release.operatr"])
    assert other.can(viewer, "delete", "secrets", namespace="ops").allowed is None
    assert any("'helm_release.operatr' names no helm_release" in w.message for w in other.warnings)


def test_without_anything_that_may_create_it_a_missing_role_grants_nothing(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": CHART_BINDING})
    operator = pfperms.ServiceAccount("ops", "operator")
    assert model.can(operator, "delete", "secrets", namespace="ops").allowed is False


def test_a_manifest_unknown_before_apply_may_create_the_missing_role(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": CHART_BINDING + """
        variable "manifest" {
          type = string
        }
        resource "kubectl_manifest" "anything" {
          yaml_body = var.manifest
        }
    """})
    decision = model.can(pfperms.ServiceAccount("ops", "operator"), "delete", "secrets", namespace="ops")
    assert decision.allowed is None
    assert "kubectl_manifest.anything" in decision.explain()


def test_an_aws_resource_name_set_to_null_is_generated_not_null(tmp_path: Path) -> None:
    """``name = null`` beside ``name_prefix`` on any AWS resource (a log group here): the
    provider generates the name, so a template that interpolates it is not an error."""
    model = load(tmp_path, {"root/main.tf": IRSA_ROLE + """
        resource "aws_cloudwatch_log_group" "logs" {
          name        = null
          name_prefix = "fluentbit-"
        }
""" + jobs_policy('logs', 'logs:PutLogEvents', '"arn:aws:logs:us-east-1:111122223333:log-group:${aws_cloudwatch_log_group.logs.name}:*"') + """
    """})
    jobs = pfperms.ServiceAccount("apps", "jobs")
    decision = model.aws_can(jobs, "logs:PutLogEvents",
                             "arn:aws:logs:us-east-1:111122223333:log-group:fluentbit-abc:log-stream:x")
    assert decision.allowed is None  # whichever name the provider picks
    assert model.aws_can(jobs, "logs:DeleteLogGroup",
                         "arn:aws:logs:us-east-1:111122223333:log-group:x").allowed is False


def test_principals_with_no_identifiers_load_and_trust_no_one(tmp_path: Path) -> None:
    """``identifiers = []`` is accepted by the provider at plan (rendered ``{"Federated": []}``):
    a principal that matches no one, so no service account can assume the role."""
    model = load(tmp_path, {"root/main.tf": """
        resource "aws_iam_openid_connect_provider" "eks" {
          url            = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
          client_id_list = ["sts.amazonaws.com"]
        }
        variable "extra_trusted" {
          type    = list(string)
          default = []
        }
        data "aws_iam_policy_document" "trust" {
          statement {
            actions = ["sts:AssumeRoleWithWebIdentity"]
            principals {
              type        = "Federated"
              identifiers = var.extra_trusted
            }
          }
        }
        resource "aws_iam_role" "jobs" {
          name               = "jobs"
          assume_role_policy = data.aws_iam_policy_document.trust.json
        }
        resource "aws_iam_role_policy" "all" {
          role   = aws_iam_role.jobs.name
          policy = jsonencode({ Version = "2012-10-17",
                                Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
        }
        resource "kubernetes_service_account" "jobs" {
          metadata {
            name        = "jobs"
            namespace   = "apps"
            annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.jobs.arn }
          }
        }
    """})
    rendered = next(r for r in model.resources if r.type == "data.aws_iam_policy_document").values["rendered"]
    assert rendered["Statement"][0]["Principal"] == {"Federated": []}
    decision = model.aws_can(pfperms.ServiceAccount("apps", "jobs"), "s3:GetObject", "arn:aws:s3:::b/k")
    assert decision.allowed is False


def test_symbols_that_are_never_null_settle_null_checks(tmp_path: Path) -> None:
    """``x == null ? a : b`` over a random_id.hex, a template or a ``nullable = false``
    variable takes ``b``; ``{for ... if v != null}`` keeps the never-null entries."""
    model = load(tmp_path, {"root/main.tf": """
        resource "random_id" "suffix" {
          byte_length = 4
        }
        variable "namespace" {
          type     = string
          nullable = false
        }
        variable "maybe" {
          type    = string
          default = null
        }
        locals {
          name = "runner-${random_id.suffix.hex}"
        }
        resource "kubernetes_service_account" "runner" {
          metadata {
            name      = random_id.suffix.hex == null ? "fallback" : local.name
            namespace = var.namespace == null ? "default" : var.namespace
            labels    = { for k, v in { id = random_id.suffix.hex, fixed = "yes", gone = null } : k => v if v != null }
          }
        }
        resource "kubernetes_service_account" "other" {
          metadata {
            name      = "other"
            namespace = var.maybe == null ? "default" : var.maybe
          }
        }
    """})
    runner = next(o for o in model.objects("ServiceAccount") if o.labels)
    assert str(runner.name).startswith("${") and runner.name.key == '"runner-${random_id.suffix.hex}"'
    assert runner.namespace.key == "var.namespace"  # the variable itself, not "default" or a ?: symbol
    assert sorted(runner.labels) == ["fixed", "id"]
    # a variable that may be null keeps its default branch
    other = next(o for o in model.objects("ServiceAccount") if o.name == "other")
    assert other.namespace == "default"


def test_workload_of_a_module_that_makes_only_a_service_account(tmp_path: Path) -> None:
    """``workload("module.build")`` for wf_spec: the WorkflowTemplate running as its account
    when one does, else the account itself."""
    with_template = load(tmp_path / "a", {"root/main.tf": BUILDER_BINDINGS + f"""
        module "build" {{
          source    = "{WF_SPEC}"
          name      = "build"
          namespace = "ci"
        }}
    """})
    found = with_template.workload("module.build")
    assert (found.kind, found.name) == ("WorkflowTemplate", "build")
    alone = load(tmp_path / "b", {"root/main.tf": f"""
        module "build" {{
          source    = "{WF_SPEC}"
          name      = "build"
          namespace = "ci"
        }}
    """})
    stand_in = alone.workload("module.build")
    assert stand_in.kind == "ServiceAccount"
    assert stand_in.service_account.name.key == "module.build.random_id.workflow_id.hex"
    assert stand_in.can("create", "workflowtaskresults.argoproj.io").allowed is True
    with pytest.raises(pfperms.NotFoundError):
        alone.workload("module.biuld")



EKS_TRUST = """
resource "aws_eks_cluster" "this" {{
  name = "c"
  role_arn = "arn:aws:iam::111122223333:role/c"
  vpc_config {{ subnet_ids = ["a"] }}
}}
resource "aws_iam_openid_connect_provider" "oidc" {{
  url = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
}}
locals {{ provider_arn = aws_iam_openid_connect_provider.oidc.arn }}
data "aws_iam_policy_document" "trust" {{
  statement {{
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {{
      type = "Federated"
      identifiers = [local.provider_arn]
    }}
    condition {{
      test = "StringEquals"
      variable = "${{{key}}}:sub"
      values = ["system:serviceaccount:apps:reader"]
    }}
    condition {{
      test = "StringEquals"
      variable = "${{{key}}}:aud"
      values = ["sts.amazonaws.com"]
    }}
  }}
}}
resource "aws_iam_role" "r" {{
  name = "r"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}
resource "aws_iam_role_policy" "p" {{
  role = aws_iam_role.r.name
  policy = jsonencode({{Version="2012-10-17", Statement=[{{Effect="Allow",Action="s3:GetObject",Resource="*"}}]}})
}}
resource "kubernetes_service_account" "reader" {{
  metadata {{
    name = "reader"
    namespace = "apps"
    annotations = {{ "eks.amazonaws.com/role-arn" = aws_iam_role.r.arn }}
  }}
}}
resource "kubernetes_service_account" "other" {{
  metadata {{
    name = "other"
    namespace = "apps"
    annotations = {{ "eks.amazonaws.com/role-arn" = aws_iam_role.r.arn }}
  }}
}}
"""


@pytest.mark.parametrize("key", [
    'replace(local.provider_arn, "/^(.*provider/)/", "")',        # terraform-aws-modules
    'element(split("oidc-provider/", local.provider_arn), 1)',
    'split("oidc-provider/", local.provider_arn)[1]',
    'replace(aws_iam_openid_connect_provider.oidc.url, "https://", "")',
    'trimprefix(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://")',
])
def test_trust_keys_written_from_the_providers_arn_or_url_are_the_issuers(tmp_path: Path, key: str) -> None:
    """Whichever way the ``:sub`` key spells the cluster's issuer, the trust decides: the
    account it names can, another one cannot, whatever the issuer turns out to be."""
    model = load(tmp_path, {"root/main.tf": EKS_TRUST.format(key=key)})
    reads = [model.aws_can(pfperms.ServiceAccount("apps", name), "s3:GetObject", "arn:aws:s3:::b/k").allowed
             for name in ("reader", "other")]
    assert reads == [True, False]


SA_AUTH_AWS_MODULE = """
variable "eks_cluster_name" { type = string }
variable "service_account" { type = string }
variable "service_account_namespace" { type = string }
variable "iam_policy_json" { type = string }
locals {
  kube_oidc_provider = trimprefix(data.aws_eks_cluster.cluster.identity[0].oidc[0].issuer, "https://")
}
data "aws_caller_identity" "main" {}
data "aws_eks_cluster" "cluster" {
  name = var.eks_cluster_name
}
data "aws_iam_policy_document" "service_account_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.main.account_id}:oidc-provider/${local.kube_oidc_provider}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.kube_oidc_provider}:sub"
      values   = ["system:serviceaccount:${var.service_account_namespace}:${var.service_account}"]
    }
  }
}
resource "aws_iam_role" "role" {
  name_prefix        = "${var.service_account}-"
  assume_role_policy = data.aws_iam_policy_document.service_account_assume.json
}
resource "aws_iam_policy" "main" {
  name_prefix = "${var.service_account}-"
  policy      = var.iam_policy_json
}
resource "aws_iam_role_policy_attachment" "main" {
  role       = aws_iam_role.role.name
  policy_arn = aws_iam_policy.main.arn
}
resource "kubernetes_annotations" "service_account" {
  api_version = "v1"
  kind        = "ServiceAccount"
  metadata {
    name      = var.service_account
    namespace = var.service_account_namespace
  }
  annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.role.arn }
}
output "role_arn" {
  value = aws_iam_role.role.arn
}
"""

SA_AUTH_AWS_CALLER = """
resource "kubernetes_service_account" "other" {{
  metadata {{
    name        = "other"
    namespace   = "apps"
    annotations = {{ "eks.amazonaws.com/role-arn" = module.aws_{name}.role_arn }}
  }}
}}
resource "kubernetes_service_account" "{name}" {{
  metadata {{
    name      = "{name}"
    namespace = "apps"
  }}
}}
module "aws_{name}" {{
  source                    = "{source}"
  eks_cluster_name          = "main"
  service_account           = kubernetes_service_account.{name}.metadata[0].name
  service_account_namespace = "apps"
  iam_policy_json = jsonencode({{ Version = "2012-10-17",
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }}] }})
}}
"""


@pytest.mark.parametrize("provider", [None, "https://oidc.eks.us-east-1.amazonaws.com/id/X"])
def test_kube_sa_auth_aws_real_code_answers_as_its_profile(tmp_path: Path, provider: str | None) -> None:
    """The real module reads the issuer from data.aws_eks_cluster and the account from
    data.aws_caller_identity: linked to the cluster the profile stands for, both agree,
    and an account annotated with the role but not trusted is denied whatever the issuer."""
    profile = "github.com/Panfactum/stack.git//packages/infrastructure/kube_sa_auth_aws?ref=edge.25-04-03"
    answers = []
    for path, source, extra in (("profile", profile, {}),
                                ("real", "../modules/kube_sa_auth_aws",
                                 {"modules/kube_sa_auth_aws/main.tf": SA_AUTH_AWS_MODULE})):
        repo = write(tmp_path / path, {"root/main.tf": SA_AUTH_AWS_CALLER.format(name="reader", source=source),
                                       **extra})
        model = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=provider)
        reader = pfperms.ServiceAccount("apps", "reader")
        answers.append([
            model.aws_can(reader, "s3:GetObject", "arn:aws:s3:::reports/q1.csv").allowed,
            model.aws_can(reader, "s3:PutObject", "arn:aws:s3:::reports/q1.csv").allowed,
            model.aws_can(pfperms.ServiceAccount("apps", "other"), "s3:GetObject",
                          "arn:aws:s3:::reports/q1.csv").allowed,
        ])
    assert answers[0] == answers[1] == [True, False, False]


TRUST_THROUGH_AN_UNKNOWN_ISSUER = """
variable "oidc_provider_arn" {
  type = string
}
variable "issuer" {
  type = string
}
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = var.oidc_provider_arn }
      Condition = { StringEquals = {
        "${var.issuer}:sub" = "system:serviceaccount:apps:TRUSTED"
        "${var.issuer}:aud" = "sts.amazonaws.com"
      } }
    }]
  })
}
resource "aws_iam_role_policy" "all_of_s3" {
  role   = aws_iam_role.app.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "kubernetes_service_account_v1" "app" {
  metadata {
    name        = "app"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }
  }
}
"""


@pytest.mark.parametrize(("trusted", "expected"), [("other", False), ("app", None)])
def test_a_trust_key_built_from_an_unknown_issuer_is_settled_when_every_issuer_agrees(
        tmp_path: Path, trusted: str, expected: bool | None) -> None:
    # Whatever var.issuer and the cluster's issuer are, "<issuer>:sub" is either the
    # request's sub key (apps:app) or a key the request does not hold: a role trusting
    # apps:other never lets apps:app in; one trusting apps:app does if the issuers are one.
    model = load(tmp_path, {"root/main.tf": TRUST_THROUGH_AN_UNKNOWN_ISSUER.replace("TRUSTED", trusted)})
    decision = model.aws_can(pfperms.ServiceAccount("apps", "app"), "s3:GetObject", "arn:aws:s3:::b/x")
    assert decision.allowed is expected
    if expected is False:
        assert "false whichever of them it is" in decision.explain()


ROLE_FOR_ACCOUNTS_MODULE = """
variable "provider_arn" {
  type = string
}
variable "accounts" {
  type = list(string)
}
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${replace(var.provider_arn, "/^(.*provider/)/", "")}:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = length(var.accounts) > 0 ? [1] : []
      content {
        test     = "StringEquals"
        variable = "${replace(var.provider_arn, "/^(.*provider/)/", "")}:sub"
        values   = [for account in var.accounts : "system:serviceaccount:${account}"]
      }
    }
  }
}
resource "aws_iam_role" "this" {
  name_prefix        = "dns-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
resource "aws_iam_role_policy" "dns" {
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "route53:ChangeResourceRecordSets", Resource = "*" }] })
}
output "arn" {
  value = aws_iam_role.this.arn
}
"""

ROLE_FOR_ACCOUNTS_ROOT = """
module "cluster" {
  source  = "example-org/cluster/aws"
  version = "1.0.0"
}
module "dns_role" {
  source       = "./modules/role"
  provider_arn = module.cluster.oidc_provider_arn
  accounts     = ["kube-system:external-dns"]
}
resource "kubernetes_service_account_v1" "dns" {
  metadata {
    name        = "external-dns"
    namespace   = "kube-system"
    annotations = { "eks.amazonaws.com/role-arn" = module.dns_role.arn }
  }
}
resource "kubernetes_service_account_v1" "other" {
  metadata {
    name        = "web"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = module.dns_role.arn }
  }
}
"""


def test_a_trust_keyed_by_the_provider_arn_of_a_cluster_module_not_on_disk(tmp_path: Path) -> None:
    # The trust key is "<provider ARN less its prefix>:sub", the ARN an output of a registry
    # module that is not installed: an account the :sub values do not name is denied
    # whatever that ARN is; the named one depends on it.
    model = load(tmp_path, {"root/main.tf": ROLE_FOR_ACCOUNTS_ROOT,
                            "root/modules/role/main.tf": ROLE_FOR_ACCOUNTS_MODULE})
    request = ("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1")
    assert model.aws_can(pfperms.ServiceAccount("apps", "web"), *request).allowed is False
    named = model.aws_can(pfperms.ServiceAccount("kube-system", "external-dns"), *request)
    assert named.allowed is None
    assert "module.cluster" in named.explain()


UNKNOWN_INSTANCES = """
variable "ids" {
  type = set(string)
}
resource "random_id" "suffix" {
  for_each    = var.ids
  byte_length = 4
}
module "tenant" {
  source   = "./tenant"
  for_each = var.ids
}
resource "kubernetes_cluster_role_binding_v1" "by_count" {
  metadata { name = "by-count" }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = length(random_id.suffix) > 1 ? "cluster-admin" : "view"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "counted"
    namespace = "apps"
  }
}
resource "kubernetes_cluster_role_binding_v1" "by_module" {
  metadata { name = "by-module" }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = length(module.tenant) == 1 ? "view" : "cluster-admin"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "tenants"
    namespace = "apps"
  }
}
"""


def test_a_resource_or_module_with_unknown_instances_has_an_unknown_length(tmp_path: Path) -> None:
    # for_each over a variable with no value: one instance stands for however many there
    # will be; length() of them is unknown, never 1 (which would make cluster-admin "cannot")
    model = load(tmp_path, {"root/main.tf": UNKNOWN_INSTANCES,
                            "root/tenant/main.tf": 'output "name" { value = "t" }\n'})
    for account in ("counted", "tenants"):
        decision = model.can(pfperms.ServiceAccount("apps", account), "delete", "nodes")
        assert decision.allowed is None, account
        assert "var.ids" in decision.explain()


CHOSEN_ROLE = """
variable "admin" {
  type = bool
}
resource "kubernetes_cluster_role_binding_v1" "chosen" {
  metadata { name = "chosen" }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = var.admin ? "cluster-admin" : "view"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "app"
    namespace = "apps"
  }
}
"""


def test_an_answer_the_same_for_every_choice_of_a_conditional_is_definite(tmp_path: Path) -> None:
    model = load(tmp_path, {"root/main.tf": CHOSEN_ROLE})
    app = pfperms.ServiceAccount("apps", "app")
    reads = model.can(app, "get", "pods", namespace="x")
    assert reads.allowed is True  # view and cluster-admin both grant it
    assert "if " in reads.explain() and "'view'" in reads.explain()
    assert model.can(app, "delete", "nodes").allowed is None  # only cluster-admin does
    assert model.can(app, "get", "pods", namespace="x").allowed is True  # cached cases
    # the same through the unknown number of instances of the earlier fixture
    counted = load(tmp_path / "counted", {"root/main.tf": UNKNOWN_INSTANCES,
                                          "root/tenant/main.tf": 'output "name" { value = "t" }\n'})
    account = pfperms.ServiceAccount("apps", "counted")
    assert counted.can(account, "get", "pods", namespace="x").allowed is True
    assert counted.can(account, "delete", "nodes").allowed is None


TRUSTED_APP = """
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity",
    Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C" },
    Condition = { StringEquals = { "oidc.example/id/C:sub" = "system:serviceaccount:apps:app" } } }] })
}
resource "kubernetes_service_account_v1" "app" {
  metadata {
    name        = "app"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }
  }
}
"""
"""A role only apps/app may assume (through a literal provider), and that account annotated with it."""

CHOSEN_POLICY = TRUSTED_APP + """
variable "strict" {
  type = bool
}
resource "aws_iam_role_policy" "reads" {
  role   = aws_iam_role.app.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = var.strict ? "s3:GetObject" : "s3:Get*", Resource = "*" }] })
}
"""


def test_an_aws_answer_the_same_for_every_choice_is_definite(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"root/main.tf": CHOSEN_POLICY})
    model = pfperms.load(repo / "root", repo_root=repo,
                         aws_oidc_provider="arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C")
    app = pfperms.ServiceAccount("apps", "app")
    assert model.aws_can(app, "s3:GetObject", "arn:aws:s3:::b/k").allowed is True
    assert model.aws_can(app, "s3:GetObjectAcl", "arn:aws:s3:::b/k").allowed is None
    assert model.aws_can(app, "s3:PutObject", "arn:aws:s3:::b/k").allowed is False


SUBNET_ALLOW_LIST = TRUSTED_APP + """
variable "cluster_name" {
  type = string
}
variable "extra_networks" {
  type = list(string)
}
data "aws_subnets" "cluster" {
  filter {
    name   = "FILTER_NAME"
    values = ["FILTER_VALUE"]
  }
}
data "aws_subnet" "each" {
  for_each = toset(data.aws_subnets.cluster.ids)
  id       = each.key
}
resource "aws_iam_role_policy" "reads" {
  role   = aws_iam_role.app.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "s3:GetObject", Resource = "*" },
    { Effect = "Deny", Action = "*", Resource = "*", Condition = { NotIpAddress = {
        "aws:VpcSourceIp" = concat(var.extra_networks, [for subnet in data.aws_subnet.each : subnet.cidr_block])
    } } }] })
}
"""


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("tag-key", "kubernetes.io/cluster/${var.cluster_name}", True),
    ("tag:kubernetes.io/cluster/${var.cluster_name}", "owned", True),
    ("tag:team", "payments", None),  # not the cluster's subnets: which networks is unknown
])
def test_an_allow_list_of_the_cluster_subnets_cidrs_holds_the_pods_addresses(
        tmp_path: Path, name: str, value: str, expected: bool | None) -> None:
    # A Deny outside "the CIDRs of every subnet tagged for the cluster (and some more)": a pod
    # calls from inside one of them, so the Deny does not apply to it; a call from outside
    # the cluster's VPC carries no aws:VpcSourceIp, so the negated condition holds: denied.
    source = SUBNET_ALLOW_LIST.replace("FILTER_NAME", name).replace("FILTER_VALUE", value)
    repo = write(tmp_path / "repo", {"root/main.tf": source})
    model = pfperms.load(repo / "root", repo_root=repo,
                         aws_oidc_provider="arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C")
    app = pfperms.ServiceAccount("apps", "app")
    assert model.aws_can(app, "s3:GetObject", "arn:aws:s3:::b/k").allowed is expected
    outside = model.aws_can(app, "s3:GetObject", "arn:aws:s3:::b/k", context="outside-cluster")
    assert outside.allowed is False


def test_outputs_of_a_module_not_on_disk_read_through_its_instances(tmp_path: Path) -> None:
    # A registry module (no terraform init): `for team in module.teams : team.x` reads an
    # output nobody declared here; it is unknown, never "unsupported attribute".
    model = load(tmp_path, {"root/main.tf": """
        module "teams" {
          source   = "example-org/teams/aws"
          version  = "1.0.0"
          for_each = { red = {}, blue = {} }
          name     = each.key
        }
        module "admin" {
          source  = "example-org/teams/aws"
          version = "1.0.0"
        }
        resource "kubernetes_cluster_role_binding_v1" "teams" {
          metadata { name = "teams" }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
          dynamic "subject" {
            for_each = concat([module.admin.group], [for team in module.teams : team.group])
            content {
              kind = "Group"
              name = subject.value
            }
          }
        }
    """})
    decision = model.can(pfperms.Group("anyone"), "get", "pods", namespace="x")
    assert decision.allowed is None
    assert "module.teams" in decision.explain() or "module.admin" in decision.explain()


def test_a_manifest_whose_kind_is_unknown_may_be_any_object(tmp_path: Path) -> None:
    # kind read from another resource's computed object: it may be a binding, so a role
    # it may create answers unknown, never "cannot"; and it is no "missing kind" error
    model = load(tmp_path, {"root/main.tf": CHART_BINDING + """
        resource "kubernetes_manifest" "definition" {
          manifest = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "d", namespace = "ops" } }
        }
        resource "kubernetes_manifest" "dependent" {
          manifest = {
            apiVersion = "rbac.authorization.k8s.io/v1"
            kind       = kubernetes_manifest.definition.object.data.kind
            metadata   = { name = "operator-manager" }
          }
        }
    """})
    decision = model.can(pfperms.ServiceAccount("ops", "operator"), "delete", "secrets", namespace="ops")
    assert decision.allowed is None
    assert "kubernetes_manifest.dependent" in decision.explain()


def test_rules_of_a_list_that_certainly_holds_some_items_grant_those(tmp_path: Path) -> None:
    # verbs = concat(["get", "list"], var.extra_verbs): get is granted whatever the extras
    # are; delete may be one of them; another resource is never in the rule
    model = load(tmp_path, {"root/main.tf": """
        variable "extra_verbs" {
          type = list(string)
        }
        resource "kubernetes_role_v1" "reader" {
          metadata {
            name      = "reader"
            namespace = "apps"
          }
          rule {
            api_groups = [""]
            resources  = ["configmaps"]
            verbs      = concat(["get", "list"], var.extra_verbs)
          }
        }
        resource "kubernetes_role_binding_v1" "reader" {
          metadata {
            name      = "reader"
            namespace = "apps"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "Role"
            name      = "reader"
          }
          subject {
            kind      = "ServiceAccount"
            name      = "app"
            namespace = "apps"
          }
        }
    """})
    app = pfperms.ServiceAccount("apps", "app")
    assert model.can(app, "get", "configmaps", namespace="apps").allowed is True
    assert model.can(app, "delete", "configmaps", namespace="apps").allowed is None
    assert model.can(app, "get", "secrets", namespace="apps").allowed is False
    assert "ServiceAccount apps/app" in [grant.subject for grant in model.who_can(
        "get", "configmaps", namespace="apps") if grant.allowed is True]


def test_cases_are_bounded_per_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # past the bound on rebuilt models the answer stays unknown (never a guess)
    from pytest_pfperms.query import model as model_module

    monkeypatch.setattr(model_module, "MAX_CASE_MODELS", 1)
    model = load(tmp_path, {"root/main.tf": CHOSEN_ROLE})
    app = pfperms.ServiceAccount("apps", "app")
    assert model.can(app, "get", "pods", namespace="x").allowed is None


def test_a_pod_holds_its_role_s_credentials_exactly_when_the_trust_admits_it(tmp_path: Path) -> None:
    # sts:GetCallerIdentity needs no permission: it answers whether the pods get credentials
    repo = write(tmp_path / "repo", {"root/main.tf": TRUSTED_APP + """
        resource "kubernetes_service_account_v1" "other" {
          metadata {
            name        = "other"
            namespace   = "apps"
            annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }
          }
        }
    """})
    model = pfperms.load(repo / "root", repo_root=repo,
                         aws_oidc_provider="arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C")
    assert model.aws_can(pfperms.ServiceAccount("apps", "app"), "sts:GetCallerIdentity", "*").allowed is True
    assert model.aws_can(pfperms.ServiceAccount("apps", "other"), "sts:GetCallerIdentity", "*").allowed is False
    assert model.aws_can(pfperms.ServiceAccount("apps", "app"), "s3:GetObject", "*").allowed is False


EKS_ACCESS = TRUSTED_APP + """
resource "aws_eks_access_entry" "app" {
  cluster_name      = "main"
  principal_arn     = aws_iam_role.app.arn
  kubernetes_groups = ["deployers"]
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

ADMIN_POLICY = """
resource "aws_eks_access_policy_association" "app" {
  cluster_name  = "main"
  principal_arn = aws_iam_role.app.arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
  access_scope {
    type = "cluster"
  }
}
"""


def test_reach_follows_a_workload_s_iam_role_into_the_cluster_through_eks_access_entries(
        tmp_path: Path) -> None:
    # The pods of apps/app hold the role's credentials; EKS maps the role to a user in group
    # deployers (bound to edit in web) and, with the policy association, to cluster admin.
    provider = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C"
    repo = write(tmp_path / "repo", {"root/main.tf": EKS_ACCESS})
    model = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=provider)
    app = pfperms.ServiceAccount("apps", "app")
    assert model.can(app, "update", "deployments.apps", namespace="web").allowed is False
    reached = model.reach(app)
    decision = reached.can("update", "deployments.apps", namespace="web")
    assert decision.allowed is True
    assert "aws_eks_access_entry.app" in decision.explain()
    assert reached.can("delete", "nodes", namespace=None).allowed is False
    repo = write(tmp_path / "admin", {"root/main.tf": EKS_ACCESS + ADMIN_POLICY})
    admin = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=provider).reach(app)
    assert admin.can("delete", "nodes", namespace=None).allowed is True
    # an account without the role's annotation gets no credentials, so none of it; one the
    # sources do not define may be annotated with it: maybe
    unannotated = ('resource "kubernetes_service_account_v1" "other" {\n'
                   '  metadata {\n    name      = "other"\n    namespace = "apps"\n  }\n}\n')
    repo = write(tmp_path / "other", {"root/main.tf": EKS_ACCESS + ADMIN_POLICY + unannotated})
    other = pfperms.load(repo / "root", repo_root=repo, aws_oidc_provider=provider)
    assert other.reach(pfperms.ServiceAccount("apps", "other")).can(
        "delete", "nodes", namespace=None).allowed is False
    assert other.reach(pfperms.ServiceAccount("apps", "undefined")).can(
        "delete", "nodes", namespace=None).allowed is None


def test_an_access_entry_for_another_role_of_the_sources_is_not_the_workload_s(tmp_path: Path) -> None:
    other_role = """
resource "aws_iam_role" "admin" {
  name_prefix        = "admin-"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
resource "aws_eks_access_entry" "admin" {
  cluster_name  = "main"
  principal_arn = aws_iam_role.admin.arn
}
resource "aws_eks_access_policy_association" "admin" {
  cluster_name  = "main"
  principal_arn = aws_iam_role.admin.arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
  access_scope {
    type = "cluster"
  }
}
"""
    repo = write(tmp_path / "repo", {"root/main.tf": TRUSTED_APP + other_role})
    model = pfperms.load(repo / "root", repo_root=repo,
                         aws_oidc_provider="arn:aws:iam::111122223333:oidc-provider/oidc.example/id/C")
    reached = model.reach(pfperms.ServiceAccount("apps", "app"))
    assert reached.can("delete", "nodes", namespace=None).allowed is False


TOKEN_SECRET = """
resource "kubernetes_service_account_v1" "admin" {
  metadata {
    name      = "admin"
    namespace = "ops"
  }
}
resource "kubernetes_cluster_role_binding_v1" "admin" {
  metadata { name = "ops-admin" }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "admin"
    namespace = "ops"
  }
}
resource "kubernetes_secret_v1" "admin_token" {
  metadata {
    name        = "admin-token"
    namespace   = "ops"
    annotations = { "kubernetes.io/service-account.name" = "admin" }
  }
  type = "kubernetes.io/service-account-token"
}
resource "kubernetes_role_v1" "reader" {
  metadata {
    name      = "secret-reader"
    namespace = "ops"
  }
  rule {
    api_groups = [""]
    resources  = ["secrets"]
    verbs      = ["get"]
  }
}
resource "kubernetes_role_binding_v1" "reader" {
  metadata {
    name      = "secret-reader"
    namespace = "ops"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = "secret-reader"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "reader"
    namespace = "ops"
  }
}
"""


def test_a_token_secret_terraform_creates_is_an_escalation_to_its_account(tmp_path: Path) -> None:
    # kubernetes_secret_v1 of type service-account-token holds the admin account's token:
    # whoever reads secrets in ops acts as that account (it was not an object of the model)
    model = load(tmp_path, {"root/main.tf": TOKEN_SECRET})
    assert [obj.name for obj in model.objects("Secret")] == ["admin-token"]
    reader = pfperms.ServiceAccount("ops", "reader")
    assert model.can(reader, "delete", "nodes").allowed is False
    reached = model.reach(reader).can("delete", "nodes", namespace=None)
    assert reached.allowed is True
    assert "admin-token" in reached.explain()
