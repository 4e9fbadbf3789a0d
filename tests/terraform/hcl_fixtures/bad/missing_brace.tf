resource "kubernetes_role" "x" {
  metadata {
    name = "x"
  }

