# The "apps" namespace, written the Panfactum way (the seed's example from
# "Deploying Workloads: Permissions"): a kube_deployment module creates the
# workload and its randomly named service account; a Role and RoleBinding give
# that service account access to PVCs in its namespace.

module "example_deployment" {
  source = "github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment?ref=edge.24-09-12" # pf-update

  name      = "example"
  namespace = var.namespace

  # pf-generate: pass_vars
  pf_stack_version = var.pf_stack_version
  pf_stack_commit  = var.pf_stack_commit
  environment      = var.environment
  region           = var.region
  pf_root_module   = var.pf_root_module
  is_local         = var.is_local
  extra_tags       = var.extra_tags
  # end-generate
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

# A nightly report job, in the same namespace, that reads config maps.
module "nightly_report" {
  source = "${var.pf_module_source}kube_cron_job${var.pf_module_ref}"

  name      = "nightly-report"
  namespace = var.namespace
}

resource "kubernetes_role" "config_reader" {
  metadata {
    name      = "config-reader"
    namespace = var.namespace
  }
  dynamic "rule" {
    for_each = toset(["configmaps"])
    content {
      api_groups = [""]
      resources  = [rule.value]
      verbs      = ["get", "list", "watch"]
    }
  }
}

resource "kubernetes_role_binding" "config_reader" {
  metadata {
    name      = "config-reader"
    namespace = var.namespace
  }
  subject {
    kind      = "ServiceAccount"
    name      = module.nightly_report.service_account_name
    namespace = var.namespace
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role.config_reader.metadata[0].name
  }
}

# AWS through IRSA: the example deployment may send to the jobs queue, from
# inside the cluster only (kube_sa_auth_aws always attaches an IP-restriction deny).
data "aws_iam_policy_document" "example" {
  statement {
    effect    = "Allow"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = ["arn:aws:sqs:us-east-2:111122223333:jobs"]
  }
}

module "example_aws" {
  source = "${var.pf_module_source}kube_sa_auth_aws${var.pf_module_ref}"

  service_account           = module.example_deployment.service_account_name
  service_account_namespace = var.namespace
  iam_policy_json           = data.aws_iam_policy_document.example.json
}

# Vault through the Kubernetes auth method: read its own secrets, never the root token.
data "vault_policy_document" "example" {
  rule {
    path         = "secret/data/example/*"
    capabilities = ["read"]
    description  = "read the example app's secrets"
  }
  rule {
    path         = "secret/data/example/root-token"
    capabilities = ["deny"]
  }
}

module "example_vault" {
  source = "${var.pf_module_source}kube_sa_auth_vault${var.pf_module_ref}"

  service_account           = module.example_deployment.service_account_name
  service_account_namespace = var.namespace
  vault_policy_hcl          = data.vault_policy_document.example.hcl
}
