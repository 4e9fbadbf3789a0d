variable "namespace" {
  description = "The namespace the workloads run in"
  type        = string
}

variable "pf_module_source" {
  type    = string
  default = "github.com/Panfactum/stack.git//packages/infrastructure/"
}

variable "pf_module_ref" {
  type    = string
  default = "?ref=edge.24-09-12"
}

# pf-generate: standard_vars
variable "pf_stack_version" {
  type    = string
  default = "main"
}
variable "pf_stack_commit" {
  type    = string
  default = "local"
}
variable "environment" {
  type    = string
  default = "production"
}
variable "region" {
  type    = string
  default = "us-east-2"
}
variable "pf_root_module" {
  type    = string
  default = "apps"
}
variable "is_local" {
  type    = bool
  default = false
}
variable "extra_tags" {
  type    = map(string)
  default = {}
}
# end-generate
