"""Vault's JWT auth method with Kubernetes service account tokens (vault_jwt_auth_backend_role).

Shapes as public repositories write them: ``bound_subject = "system:serviceaccount:ns:sa"``
with ``user_claim = "sub"`` and ``role_type = "jwt"``, or ``bound_claims`` on the token's
``kubernetes.io`` claims. Was: not read at all, so every such account "cannot" (wrong).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_support import write

import pytest_pfperms as pfperms

APP = pfperms.ServiceAccount("apps", "app")
OTHER = pfperms.ServiceAccount("web", "app")

POLICY = """
resource "vault_policy" "reader" {
  name   = "reader"
  policy = <<-EOT
    path "secret/data/apps/*" {
      capabilities = ["read"]
    }
  EOT
}
"""


def model_of(tmp_path: Path, role: str) -> pfperms.Model:
    repo = write(tmp_path / "repo", {"root/main.tf": POLICY + role})
    return pfperms.load(repo / "root", repo_root=repo)


def jwt_role(binding: str, role_type: str = 'role_type = "jwt"') -> str:
    return f"""
resource "vault_jwt_auth_backend_role" "app" {{
  backend         = "kubernetes-jwt"
  role_name       = "app"
  {role_type}
  user_claim      = "sub"
  bound_audiences = ["vault"]
  {binding}
  token_policies  = [vault_policy.reader.name]
}}
"""


@pytest.mark.parametrize("binding", [
    'bound_subject = "system:serviceaccount:apps:app"',
    'bound_claims = { "/kubernetes.io/namespace" = "apps" }',
    'bound_claims = { "/kubernetes.io/namespace" = "web,apps" }',  # the provider splits at commas
    'bound_claims_type = "glob"\n  bound_claims = { "sub" = "system:serviceaccount:apps:*" }',
])
def test_a_jwt_role_binding_the_account_may_grant_it(tmp_path: Path, binding: str) -> None:
    model = model_of(tmp_path, jwt_role(binding))
    decision = model.vault_can(APP, "read", "secret/data/apps/db")
    assert decision.allowed is None  # never "cannot"; the token's audience and issuer are unknown
    text = decision.explain()
    assert "JWT role kubernetes-jwt/app" in text and "bound_audiences" in text
    assert model.vault_can(APP, "read", "secret/data/web/db").allowed is False  # the policy denies


@pytest.mark.parametrize(("binding", "account"), [
    ('bound_subject = "system:serviceaccount:apps:app"', OTHER),
    ('bound_claims = { "/kubernetes.io/namespace" = "apps" }', OTHER),
    ('bound_claims = { "kubernetes.io/namespace" = "apps" }', APP),  # no leading /: a top-level claim
    ('bound_claims = { "sub" = "system:serviceaccount:apps:*" }', APP),  # a glob only with bound_claims_type
])
def test_a_jwt_role_binding_someone_else_does_not_admit_the_account(
        tmp_path: Path, binding: str, account: pfperms.ServiceAccount) -> None:
    model = model_of(tmp_path, jwt_role(binding))
    assert model.vault_can(account, "read", "secret/data/apps/db").allowed is False


def test_an_oidc_role_takes_no_tokens(tmp_path: Path) -> None:
    # role_type defaults to "oidc", a browser login flow: a pod's token cannot log in with it
    for role_type in ("", 'role_type = "oidc"'):
        model = model_of(tmp_path / str(len(role_type)),
                         jwt_role('bound_subject = "system:serviceaccount:apps:app"', role_type))
        assert model.vault_can(APP, "read", "secret/data/apps/db").allowed is False
