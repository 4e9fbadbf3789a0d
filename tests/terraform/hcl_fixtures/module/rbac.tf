terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "2.27.0"
    }
  }
}

locals {
  name = "example"
  labels = merge(var.extra_labels, {
    "panfactum.com/module" = "example"
  })
  rules = {
    pvcs = {
      api_groups = [""]
      resources  = ["persistentvolumeclaims"]
      verbs      = ["get", "list", "update"]
    }
    pods = {
      api_groups = [""]
      resources  = ["pods"]
      verbs      = ["get", "list"]
    }
  }
}

module "example_deployment" {
  source = "${var.pf_module_source}kube_deployment${var.pf_module_ref}"

  namespace = var.namespace
  name      = local.name
}

resource "kubernetes_role" "example" {
  metadata {
    name      = "${local.name}-pvc"
    namespace = var.namespace
    labels    = local.labels
  }

  rule {
    api_groups = [""]
    resources  = ["persistentvolumeclaims"]
    verbs      = ["get", "update", "list"]
  }

  dynamic "rule" {
    for_each = local.rules
    content {
      api_groups = rule.value.api_groups
      resources  = rule.value.resources
      verbs      = rule.value.verbs
    }
  }
}

resource "kubernetes_role_binding" "example" {
  for_each = toset(["a", "b"])
  metadata {
    name      = "example-${each.key}"
    namespace = var.namespace
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role.example.metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = module.example_deployment.service_account_name
    namespace = var.namespace
  }
}

resource "kubectl_manifest" "config" {
  count = var.enabled ? 1 : 0
  yaml_body = yamlencode({
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata = {
      name      = "${local.name}-config"
      namespace = var.namespace
    }
    data = {
      "policy.hcl" = <<-EOT
        path "secret/${var.namespace}/*" {
          capabilities = ["read"]
        }
      EOT
    }
  })
}

variable "namespace" {
  description = <<EOT
The namespace.
  Indented line.
EOT
  type = string
}
