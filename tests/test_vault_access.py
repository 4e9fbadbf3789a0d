"""Vault through the Kubernetes auth method: what a workload's service account may do.

Tables from ``reference/iam-vault.md`` §2.2 and §2.6 (token policies, name and
namespace globs) and the Panfactum ``kube_sa_auth_vault`` profile
(``panfactum-modules.md`` §1.5), in Terraform (plain ``vault_policy`` +
``vault_kubernetes_auth_backend_role``, ``data.vault_policy_document``, Panfactum
modules) and with the workloads and service accounts in YAML.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from repo_support import load

import pytest_pfperms as pfperms
from pytest_pfperms.errors import Indeterminate, InvalidArgument, LoadError
from pytest_pfperms.model.identities import ServiceAccount
from pytest_pfperms.vault.access import VaultAccess

PANFACTUM = "github.com/Panfactum/stack.git//packages/infrastructure"


def sa(name: str, namespace: str = "apps") -> ServiceAccount:
    return ServiceAccount(namespace, name)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    seen = 0
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(needle)


# --------------------------------------------------------------------------- roles and globs (HCL)


ROLES = """
resource "vault_policy" "web" {
  name   = "web"
  policy = <<-EOT
    path "secret/data/web/*" {
      capabilities = ["read", "list"]
    }
    path "secret/data/web/admin" {
      capabilities = ["deny"]
    }
  EOT
}

resource "vault_policy" "workers" {
  name   = "workers"
  policy = file("${path.module}/policies/workers.hcl")
}

data "vault_policy_document" "team" {
  rule {
    path         = "secret/data/team/+/config"
    capabilities = ["read"]
    description  = "every team's config"
  }
  rule {
    path         = "secret/data/team/shared"
    capabilities = ["update"]
  }
}

resource "vault_policy" "team" {
  name   = "team"
  policy = data.vault_policy_document.team.hcl
}

resource "vault_kubernetes_auth_backend_role" "web" {
  role_name                        = "web"
  bound_service_account_names      = ["web-*"]
  bound_service_account_namespaces = ["apps"]
  token_policies                   = ["web"]
}

resource "vault_kubernetes_auth_backend_role" "workers" {
  backend                          = "kubernetes-apps"
  role_name                        = "workers"
  bound_service_account_names      = ["*-worker"]
  bound_service_account_namespaces = ["apps", "batch-*"]
  token_policies                   = ["workers", "not-written-yet"]
}

resource "vault_kubernetes_auth_backend_role" "teams" {
  role_name                        = "teams"
  bound_service_account_names      = ["team-*-app"]
  bound_service_account_namespaces = ["*"]
  token_policies                   = ["team"]
  token_no_default_policy          = true
  audience                         = "vault"
}
"""

WORKERS_HCL = """\
path "queue/+/jobs" {
  capabilities = ["create", "update"]
}
"""


@pytest.fixture
def roles(tmp_path: Path) -> pfperms.Model:
    return load(tmp_path, {"main.tf": ROLES, "policies/workers.hcl": WORKERS_HCL})


@pytest.mark.parametrize(("who", "capability", "path", "expected"), [
    # "web-*": a trailing glob; the prefix itself matches too (go-glob: * may be empty)
    (sa("web-frontend"), "read", "secret/data/web/db", True),
    (sa("web-"), "read", "secret/data/web/db", True),
    (sa("web"), "read", "secret/data/web/db", False),
    (sa("Web-frontend"), "read", "secret/data/web/db", False),  # case-sensitive
    (sa("web-frontend", "other"), "read", "secret/data/web/db", False),  # namespace not bound
    # the exact deny beats the glob (ACL precedence inside the token's policies)
    (sa("web-frontend"), "read", "secret/data/web/admin", False),
    # list is checked on the path with a trailing slash
    (sa("web-frontend"), "list", "secret/data/web/", True),
    (sa("web-frontend"), "update", "secret/data/web/db", False),
    # "*-worker": a leading glob; namespaces "batch-*"
    (sa("image-worker"), "update", "queue/images/jobs", True),
    (sa("image-worker", "batch-nightly"), "create", "queue/images/jobs", True),
    (sa("image-worker", "batchx"), "create", "queue/images/jobs", False),
    (sa("worker"), "update", "queue/images/jobs", False),
    # "team-*-app": a middle glob needs both ends; namespaces ["*"] admit every namespace
    (sa("team-blue-app", "anywhere"), "read", "secret/data/team/blue/config", True),
    (sa("team-app", "anywhere"), "read", "secret/data/team/blue/config", False),
    (sa("team-blue-app", "anywhere"), "update", "secret/data/team/shared", True),
    (sa("team-blue-app", "anywhere"), "read", "secret/data/team/shared", False),
])
def test_role_globs_and_policies(roles: pfperms.Model, who: ServiceAccount, capability: str,
                                 path: str, expected: bool) -> None:
    assert roles.vault_can(who, capability, path).allowed is expected


def test_denial_explained_down_to_the_path_rule(roles: pfperms.Model) -> None:
    decision = roles.vault_can(sa("web-frontend"), "read", "secret/data/web/admin")
    text = decision.explain()
    deny_line = line_of(ROLES, 'path "secret/data/web/admin"')
    glob_line = line_of(ROLES, 'path "secret/data/web/*"')
    assert "role kubernetes/web (" in text
    assert 'denied by path "secret/data/web/admin" [deny] in policy web' in text
    assert f"main.tf:{deny_line})" in text
    assert f"main.tf:{glob_line}): an exact rule for the path beats every wildcard rule" in text


def test_rules_cite_the_vault_policy_document_rule_blocks(roles: pfperms.Model) -> None:
    text = roles.vault_can(sa("team-blue-app", "x"), "read", "secret/data/team/blue/config").explain()
    first_rule = line_of(ROLES, "rule {", 1)
    assert 'granted by path "secret/data/team/+/config" [read] in policy team' in text
    assert f"main.tf:{first_rule})" in text
    assert 'requires a service-account token with audience "vault"' in text


def test_rules_cite_the_file_a_policy_is_read_from(roles: pfperms.Model) -> None:
    text = roles.vault_can(sa("image-worker"), "update", "queue/images/jobs").explain()
    assert "role kubernetes-apps/workers" in text
    assert 'granted by path "queue/+/jobs" [create, update] in policy workers' in text
    assert "policies/workers.hcl:1)" in text


def test_undefined_policy_grants_nothing_and_says_so(roles: pfperms.Model) -> None:
    decision = roles.vault_can(sa("image-worker"), "read", "secret/data/anything")
    assert decision.allowed is False
    assert ('policy "not-written-yet" (named by role kubernetes-apps/workers'
            in decision.explain())
    assert "it grants nothing here" in decision.explain()


@pytest.mark.parametrize(("who", "path", "expected"), [
    # the default policy is not in the sources and rules token paths: unknown
    (sa("web-frontend"), "auth/token/lookup-self", None),
    # token_no_default_policy: the token carries only "team"
    (sa("team-blue-app", "x"), "auth/token/lookup-self", False),
])
def test_default_policy(roles: pfperms.Model, who: ServiceAccount, path: str,
                        expected: bool | None) -> None:
    assert roles.vault_can(who, "read", path).allowed is expected


def test_no_role_admits(roles: pfperms.Model) -> None:
    decision = roles.vault_can("system:serviceaccount:other:api", "read", "secret/data/web/db")
    assert decision.allowed is False
    text = decision.explain()
    assert "no Vault Kubernetes auth role admits other/api" in text
    assert 'namespace not authorized: "other" matches none of bound_service_account_namespaces' in text
    with pytest.raises(InvalidArgument, match="service account"):
        roles.vault_can(pfperms.User("alice"), "read", "secret/data/web/db")


def test_union_over_roles_the_account_may_log_in_with(tmp_path: Path) -> None:
    text = """
resource "vault_policy" "reads" {
  name   = "reads"
  policy = <<-EOT
    path "secret/data/app/*" { capabilities = ["read"] }
  EOT
}

resource "vault_policy" "denies" {
  name   = "denies"
  policy = <<-EOT
    path "secret/data/app/db" { capabilities = ["deny"] }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "a" {
  role_name                        = "a"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = ["apps"]
  token_policies                   = ["reads"]
}

resource "vault_kubernetes_auth_backend_role" "b" {
  role_name                        = "b"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = ["apps"]
  token_policies                   = ["denies"]
}
"""
    model = load(tmp_path, {"main.tf": text})
    # a deny in the token of role b does not take away what role a's token can do
    decision = model.vault_can(sa("app"), "read", "secret/data/app/db")
    assert decision.allowed is True
    assert "role kubernetes/a" in decision.explain()


@pytest.mark.parametrize(("extra", "expected", "why"), [
    # the policy's rules hold a value known only after apply
    ("""
data "vault_policy_document" "dynamic" {
  rule {
    path         = "database/creds/${random_id.db.hex}"
    capabilities = ["read"]
  }
}
resource "random_id" "db" {
  byte_length = 4
}
resource "vault_policy" "dynamic" {
  name   = "dynamic"
  policy = data.vault_policy_document.dynamic.hcl
}
""", None, "known only after apply"),
    # a role that may not exist
    ("""
variable "enabled" {
  type = bool
}
resource "vault_policy" "dynamic" {
  name   = "dynamic"
  policy = <<-EOT
    path "database/creds/app" { capabilities = ["read"] }
  EOT
}
""", None, "it may not exist"),
])
def test_unknowns_stay_unknown(tmp_path: Path, extra: str, expected: bool | None, why: str) -> None:
    text = extra + """
resource "vault_kubernetes_auth_backend_role" "db" {
  %s
  role_name                        = "db"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = ["apps"]
  token_policies                   = ["dynamic"]
}
""" % ("count = var.enabled ? 1 : 0" if "variable" in extra else "")
    model = load(tmp_path, {"main.tf": text})
    decision = model.vault_can(sa("app"), "read", "database/creds/app")
    assert decision.allowed is expected
    assert why in decision.explain()
    with pytest.raises(Indeterminate):
        bool(decision)
    # whatever the unknown, an account no role admits gets nothing
    assert model.vault_can(sa("other"), "read", "database/creds/app").allowed is False


def test_invalid_role_fails_loudly(tmp_path: Path) -> None:
    text = """
resource "vault_kubernetes_auth_backend_role" "bad" {
  role_name                        = "bad"
  bound_service_account_names      = ["*", "app"]
  bound_service_account_namespaces = ["apps"]
}
"""
    model = load(tmp_path, {"main.tf": text})
    with pytest.raises(LoadError, match='can not mix "\\*" with values'):
        model.vault_can(sa("app"), "read", "secret/data/x")


# --------------------------------------------------------------------------- Panfactum kube_sa_auth_vault


PANFACTUM_VAULT = f"""
module "api" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "api"
  namespace = "apps"
}}

module "worker" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "worker"
  namespace = "apps"
}}

data "vault_policy_document" "api" {{
  rule {{
    path         = "secret/data/api/*"
    capabilities = ["read"]
  }}
  rule {{
    path         = "db/creds/api"
    capabilities = ["read"]
  }}
}}

module "api_vault" {{
  source                    = "{PANFACTUM}/kube_sa_auth_vault"
  service_account           = module.api.service_account_name
  service_account_namespace = "apps"
  vault_policy_hcl          = data.vault_policy_document.api.hcl
}}
"""


@pytest.mark.parametrize(("workload", "capability", "path", "expected"), [
    ("Deployment/api", "read", "secret/data/api/config", True),
    ("Deployment/api", "read", "db/creds/api", True),
    ("Deployment/api", "update", "secret/data/api/config", False),
    ("Deployment/api", "read", "secret/data/worker/config", False),
    # the other deployment's random service account is not bound to the role
    ("Deployment/worker", "read", "secret/data/api/config", False),
])
def test_panfactum_random_service_account_links_to_its_vault_role(
        tmp_path: Path, workload: str, capability: str, path: str, expected: bool) -> None:
    model = load(tmp_path, {"main.tf": PANFACTUM_VAULT})
    decision = model.workload(workload, namespace="apps").vault_can(capability, path)
    assert decision.allowed is expected


def test_panfactum_vault_role_and_policy_shape(tmp_path: Path) -> None:
    model = load(tmp_path, {"main.tf": PANFACTUM_VAULT})
    role = next(r for r in model.resources
                if r.address == "module.api_vault.vault_kubernetes_auth_backend_role.role")
    policy = next(r for r in model.resources if r.address == "module.api_vault.vault_policy.policy")
    account = model.workload("Deployment/api", namespace="apps").service_account
    assert role.values["bound_service_account_names"] == [account.name]
    assert role.values["bound_service_account_namespaces"] == ["apps"]
    assert role.values["token_policies"] == [policy.values["name"]]
    assert role.values["role_name"] == policy.values["name"]
    access = VaultAccess(model.resources)
    (only,) = access.roles
    assert only.role.name.startswith("apps-${")
    text = model.workload("Deployment/api", namespace="apps").vault_can(
        "read", "secret/data/api/config").explain()
    assert "token policies [apps-${module.api.random_id.deployment_id.hex}, default]" in text
    assert f"main.tf:{line_of(PANFACTUM_VAULT, 'rule {')})" in text


def test_panfactum_vault_for_a_literal_service_account(tmp_path: Path) -> None:
    text = PANFACTUM_VAULT.replace("module.api.service_account_name", '"cert-manager"').replace(
        'service_account_namespace = "apps"', 'service_account_namespace = "cert-manager"')
    model = load(tmp_path, {"main.tf": text})
    assert model.vault_can(sa("cert-manager", "cert-manager"), "read", "db/creds/api").allowed is True
    assert model.vault_can(sa("cert-manager", "apps"), "read", "db/creds/api").allowed is False


def test_argo_workflow_service_account_in_vault(tmp_path: Path) -> None:
    text = f"""
module "deploy" {{
  source    = "{PANFACTUM}/wf_spec"
  name      = "deploy"
  namespace = "ci"
}}

data "vault_policy_document" "deploy" {{
  rule {{
    path         = "*"
    capabilities = ["sudo", "create", "read", "update", "patch", "delete", "list"]
  }}
}}

module "deploy_vault" {{
  source                    = "{PANFACTUM}/kube_sa_auth_vault"
  service_account           = module.deploy.service_account_name
  service_account_namespace = "ci"
  vault_policy_hcl          = data.vault_policy_document.deploy.hcl
}}

resource "kubectl_manifest" "template" {{
  yaml_body = yamlencode({{
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "WorkflowTemplate"
    metadata   = {{ name = "deploy", namespace = "ci" }}
    spec       = module.deploy.workflow_spec
  }})
}}
"""
    model = load(tmp_path, {"main.tf": text})
    template = model.workload("WorkflowTemplate/deploy", namespace="ci")
    assert template.vault_can("delete", "kv/data/anything").allowed is True
    # under sys/ the built-in default policy (not in the sources) may hold the deciding rule
    assert template.vault_can("update+sudo", "sys/policies/acl/x").allowed is None


# --------------------------------------------------------------------------- YAML workloads


MANIFESTS = """
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels:
    vault-access: "true"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: payments
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
      containers: [{name: app, image: app}]
---
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: reconcile
  namespace: payments
spec:
  schedule: "0 * * * *"
  workflowSpec:
    serviceAccountName: api
    entrypoint: main
    templates:
    - name: main
      container: {image: app}
"""

VAULT_TF = """
resource "vault_policy" "payments" {
  name   = "payments"
  policy = <<-EOT
    path "secret/data/payments/*" {
      capabilities = ["read"]
    }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "payments" {
  role_name                                = "payments"
  bound_service_account_names              = ["api"]
  bound_service_account_namespace_selector = jsonencode({ matchLabels = { "vault-access" = "true" } })
  token_policies                           = ["payments"]
}
"""


@pytest.mark.parametrize(("ref", "path", "expected"), [
    ("Deployment/api", "secret/data/payments/stripe", True),
    ("CronWorkflow/reconcile", "secret/data/payments/stripe", True),
    ("Deployment/api", "secret/data/other/x", False),
])
def test_yaml_workloads_with_terraform_vault_roles(tmp_path: Path, ref: str, path: str,
                                                   expected: bool) -> None:
    model = load(tmp_path, {"manifests.yaml": MANIFESTS, "vault/main.tf": VAULT_TF})
    decision = model.workload(ref, namespace="payments").vault_can("read", path)
    assert decision.allowed is expected


def test_namespace_selector_uses_namespace_labels_from_the_sources(tmp_path: Path) -> None:
    model = load(tmp_path, {"manifests.yaml": MANIFESTS, "vault/main.tf": VAULT_TF})
    # payments has the label; a namespace the sources do not define has unknown labels
    assert model.vault_can(sa("api", "payments"), "read", "secret/data/payments/x").allowed is True
    assert model.vault_can(sa("api", "elsewhere"), "read", "secret/data/payments/x").allowed is None


def test_token_note_for_workloads_without_a_mounted_token(tmp_path: Path) -> None:
    model = load(tmp_path, {"manifests.yaml": MANIFESTS, "vault/main.tf": VAULT_TF})
    text = model.workload("Deployment/api", namespace="payments").vault_can(
        "read", "secret/data/payments/x").explain()
    assert "automountServiceAccountToken: false" in text


def test_yaml_alone_has_no_vault_roles(tmp_path: Path) -> None:
    model = load(tmp_path, {"manifests.yaml": MANIFESTS})
    decision = model.workload("Deployment/api", namespace="payments").vault_can(
        "read", "secret/data/payments/x")
    assert decision.allowed is False
    assert "no Vault Kubernetes auth roles are defined" in decision.explain()


# --------------------------------------------------------------------------- the server flavour


OPENBAO_TF = """
resource "vault_policy" "lister" {
  name   = "lister"
  policy = <<-EOT
    path "kv/a/*" {
      capabilities = ["list", "scan"]
    }
    path "kv/a/b/*" {
      capabilities = ["deny"]
    }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "lister" {
  role_name                        = "lister"
  bound_service_account_names      = ["lister"]
  bound_service_account_namespaces = ["apps"]
  token_policies                   = ["lister"]
}
"""


def test_vault_flavor_of_the_model_reaches_the_policies_and_the_list_order(tmp_path: Path) -> None:
    bao = load(tmp_path / "bao", {"main.tf": OPENBAO_TF}, vault_flavor="openbao")
    assert bao.vault_flavor == "openbao"
    assert bao.vault_can(sa("lister"), "scan", "kv/a/x").allowed is True
    denied = bao.vault_can(sa("lister"), "list", "kv/a/b")
    assert denied.allowed is False
    assert "OpenBao >= 2.6 LIST order" in denied.explain()
    vault = load(tmp_path / "vault", {"main.tf": OPENBAO_TF})
    assert vault.vault_flavor == "vault"
    with pytest.raises(LoadError) as caught:  # Vault would refuse the policy: at its line
        vault.vault_can(sa("lister"), "list", "kv/a/b")
    problem = caught.value.problems[0]
    assert problem.file.endswith("main.tf") and problem.line == line_of(OPENBAO_TF, '"list", "scan"')
    assert '"scan" is a capability of OpenBao, which Vault rejects' in problem.message


def test_vault_flavor_is_checked_when_loading(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match='did you mean "openbao"'):
        load(tmp_path, {"main.tf": OPENBAO_TF}, vault_flavor="OpenBao ")
    assert VaultAccess((), flavor="openbao").flavor == "openbao"
