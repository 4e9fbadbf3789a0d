"""Compare the Panfactum profiles with the real module code they stand for, question by question.

For each profiled module it writes two roots into a temporary copy of a Panfactum ``stack``
checkout's ``packages/infrastructure``: one calling the module through its git source (so the
built-in profile answers) and one calling the module's code on disk (``../<module>``, so the
evaluator reads it), with the same inputs and the same service accounts. It then asks both
models the same questions (Kubernetes, AWS and Vault) and prints, per module, the answers
that agree and those that differ, with or without a named cluster
(``--aws-oidc-provider``). Read-only: the checkout is copied, never written.

Run: ``python benchmarks/compare_profiles.py path/to/stack [--verbose]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest_pfperms as pfperms

PROFILE_SOURCE = "github.com/Panfactum/stack.git//packages/infrastructure/{module}?ref=edge.25-04-03"
CLUSTER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"

ACCOUNTS = """
resource "kubernetes_service_account" "reader" {
  metadata {
    name      = "reader"
    namespace = "apps"
  }
}
resource "kubernetes_service_account" "other" {
  metadata {
    name        = "other"
    namespace   = "apps"
    annotations = ANNOTATIONS
  }
}
"""

WORKLOAD = """
module "web" {
  source    = "SOURCE"
  namespace = "apps"
  name      = "web"
  EXTRA
  containers = [{
    name             = "web"
    image_registry   = "docker.io"
    image_repository = "library/nginx"
    image_tag        = "1.27.1"
    command          = ["nginx"]
  }]
}
resource "kubernetes_role_binding" "web_edits" {
  metadata {
    name      = "web-edits"
    namespace = "apps"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "edit"
  }
  subject {
    kind      = "ServiceAccount"
    name      = module.web.service_account_name
    namespace = "apps"
  }
}
"""
"""A workload module's call (EXTRA: its other required inputs) and a binding of its account."""

CALLS = {
    "kube_sa_auth_aws": """
module "aws" {
  source                    = "SOURCE"
  service_account           = kubernetes_service_account.reader.metadata[0].name
  service_account_namespace = "apps"
  iam_policy_json = jsonencode({ Version = "2012-10-17",
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }] })
}
""",
    "kube_sa_auth_vault": """
module "vault" {
  source                    = "SOURCE"
  service_account           = kubernetes_service_account.reader.metadata[0].name
  service_account_namespace = "apps"
  vault_policy_hcl          = <<-EOT
    path "secret/data/reports/*" {
      capabilities = ["read"]
    }
  EOT
}
""",
    "kube_deployment": WORKLOAD.replace("EXTRA", ""),
    "kube_cron_job": WORKLOAD.replace("EXTRA", 'cron_schedule = "0 * * * *"'),
    "kube_daemon_set": WORKLOAD.replace("EXTRA", ""),
    "wf_spec": """
resource "kubernetes_service_account" "pusher" {
  metadata {
    name      = "pusher"
    namespace = "apps"
  }
}
resource "kubernetes_role_binding" "pusher_edits" {
  metadata {
    name      = "pusher-edits"
    namespace = "apps"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "edit"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "pusher"
    namespace = "apps"
  }
}
module "wf" {
  source     = "SOURCE"
  namespace  = "apps"
  name       = "build"
  entrypoint = "main"
  templates = [
    { name = "main", container = { image = "busybox", command = ["true"] } },
    { name = "push", serviceAccountName = kubernetes_service_account.pusher.metadata[0].name,
      container = { image = "busybox", command = ["true"] } },
  ]
}
resource "kubectl_manifest" "template" {
  yaml_body = yamlencode({
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "WorkflowTemplate"
    metadata   = { name = "build", namespace = "apps" }
    spec       = module.wf.workflow_spec
  })
}
""",
    "kube_sa_auth_workflow": """
module "workflow" {
  source                    = "SOURCE"
  service_account           = kubernetes_service_account.reader.metadata[0].name
  service_account_namespace = "apps"
}
""",
}
"""Each module's call."""

ANNOTATIONS = {"kube_sa_auth_aws": '{ "eks.amazonaws.com/role-arn" = module.aws.role_arn }'}
"""What the second account is annotated with (the role, for the module that makes one)."""

READER = pfperms.ServiceAccount("apps", "reader")
OTHER = pfperms.ServiceAccount("apps", "other")


@dataclass(frozen=True)
class Question:
    """One question and how to ask it of a model."""

    text: str
    ask: Callable[[pfperms.Model], object]


def _template(model: pfperms.Model) -> pfperms.Workload:
    return model.workload("WorkflowTemplate/build", namespace="apps")


QUESTIONS = {
    "kube_sa_auth_aws": [
        Question("reader s3:GetObject reports/q", lambda m: m.aws_can(READER, "s3:GetObject",
                                                                    "arn:aws:s3:::reports/q").allowed),
        Question("reader s3:PutObject reports/q", lambda m: m.aws_can(READER, "s3:PutObject",
                                                                    "arn:aws:s3:::reports/q").allowed),
        Question("other (annotated, not trusted) s3:GetObject", lambda m: m.aws_can(
            OTHER, "s3:GetObject", "arn:aws:s3:::reports/q").allowed),
        Question("reader ec2:DescribeInstances", lambda m: m.aws_can(READER, "ec2:DescribeInstances",
                                                                   "*").allowed),
    ],
    "kube_deployment": [
        Question("web updates persistentvolumeclaims in apps", lambda m: m.workload(
            "Deployment/web", namespace="apps").can("update", "persistentvolumeclaims").allowed),
        Question("web deletes secrets in apps", lambda m: m.workload(
            "Deployment/web", namespace="apps").can("delete", "secrets").allowed),
        Question("web escalates roles in apps", lambda m: m.workload(
            "Deployment/web", namespace="apps").can("escalate", "roles.rbac.authorization.k8s.io").allowed),
        Question("web lists nodes", lambda m: m.workload(
            "Deployment/web", namespace="apps").can("list", "nodes").allowed),
        Question("reader updates persistentvolumeclaims in apps", lambda m: m.can(
            READER, "update", "persistentvolumeclaims", namespace="apps").allowed),
    ],
    **{module: [
        Question("web updates persistentvolumeclaims in apps", lambda m: m.workload(
            "module.web").can("update", "persistentvolumeclaims").allowed),
        Question("web escalates roles in apps", lambda m: m.workload(
            "module.web").can("escalate", "roles.rbac.authorization.k8s.io").allowed),
        Question("web lists nodes", lambda m: m.workload("module.web").can("list", "nodes").allowed),
    ] for module in ("kube_cron_job", "kube_daemon_set")},
    "wf_spec": [
        Question("the template's accounts (generated names as <generated>)", lambda m: sorted(
            a.name if isinstance(a.name, str) else "<generated>"
            for a in _template(m).service_accounts)),
        Question("the template deletes secrets (as pusher)",
                 lambda m: _template(m).can("delete", "secrets").allowed),
        Question("the template escalates roles",
                 lambda m: _template(m).can("escalate", "roles.rbac.authorization.k8s.io").allowed),
        Question("the template creates workflowtaskresults",
                 lambda m: _template(m).can("create", "workflowtaskresults.argoproj.io").allowed),
    ],
    "kube_sa_auth_workflow": [
        Question("reader creates workflowtaskresults", lambda m: m.can(
            READER, "create", "workflowtaskresults.argoproj.io", namespace="apps").allowed),
        Question("reader patches pods", lambda m: m.can(READER, "patch", "pods", namespace="apps").allowed),
        Question("reader deletes secrets", lambda m: m.can(READER, "delete", "secrets",
                                                          namespace="apps").allowed),
        Question("reader gets pods in kube-system", lambda m: m.can(READER, "get", "pods",
                                                                  namespace="kube-system").allowed),
    ],
    "kube_sa_auth_vault": [
        Question("reader read secret/data/reports/x", lambda m: m.vault_can(
            READER, "read", "secret/data/reports/x").allowed),
        Question("reader update secret/data/reports/x", lambda m: m.vault_can(
            READER, "update", "secret/data/reports/x").allowed),
        Question("other read secret/data/reports/x", lambda m: m.vault_can(
            OTHER, "read", "secret/data/reports/x").allowed),
    ],
}


def answers(root: Path, repo: Path, module: str, cluster: str | None) -> list[object]:
    """The answers of one root, or the load error."""
    try:
        model = pfperms.load(root, repo_root=repo, cache=False, aws_oidc_provider=cluster)
    except pfperms.PfpermsError as error:
        return [f"load error: {str(error).splitlines()[0][:120]}"] * len(QUESTIONS[module])
    found: list[object] = []
    for question in QUESTIONS[module]:
        try:
            found.append(question.ask(model))
        except pfperms.PfpermsError as error:
            found.append(f"error: {str(error).splitlines()[0][:120]}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack", type=Path, help="a checkout (or export) of Panfactum/stack")
    parser.add_argument("--verbose", action="store_true", help="print agreeing answers too")
    args = parser.parse_args()
    source = args.stack / "packages" / "infrastructure"
    if not source.is_dir():
        sys.exit(f"{source} is not a directory: give the root of a Panfactum/stack checkout")
    agree = differ = 0
    with tempfile.TemporaryDirectory() as name:
        repo = Path(name) / "stack"
        shutil.copytree(source, repo / "packages" / "infrastructure", symlinks=True)
        infrastructure = repo / "packages" / "infrastructure"
        for module, call in CALLS.items():
            roots = {}
            for kind, module_source in (("profile", PROFILE_SOURCE.format(module=module)),
                                        ("code", f"../{module}")):
                root = infrastructure / f"zz_compare_{kind}_{module}"
                root.mkdir()
                accounts = ACCOUNTS.replace("ANNOTATIONS", ANNOTATIONS.get(module, "{}"))
                (root / "main.tf").write_text(accounts + call.replace("SOURCE", module_source))
                roots[kind] = root
            for cluster in (None, CLUSTER):
                profile = answers(roots["profile"], repo, module, cluster)
                code = answers(roots["code"], repo, module, cluster)
                for question, expected, got in zip(QUESTIONS[module], profile, code, strict=True):
                    same = expected == got
                    agree += same
                    differ += not same
                    if args.verbose or not same:
                        mark = "same" if same else "DIFF"
                        print(f"{mark}  {module} ({'named cluster' if cluster else 'no cluster'}): "
                              f"{question.text}: profile {expected}, code {got}")
    print(f"answers: {agree + differ}; the same: {agree}; different: {differ}")


if __name__ == "__main__":
    main()
