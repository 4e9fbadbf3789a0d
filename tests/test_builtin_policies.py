"""The built-in risk pack: each policy found (and not found) in YAML and in Terraform, including the
cases peers get wrong (``reference/peers.md``): apiGroups ignored, wildcards missed, ``resourceNames``,
the same names in different namespaces, aggregated roles, built-in roles such as ``edit``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from repo_support import load

import pytest_pfperms as pfperms
from pytest_pfperms.policies.builtin import BUILTIN_IDS, BUILTINS, selected
from pytest_pfperms.policies.evaluation import evaluate

pytest_plugins = ["pytester"]


def found(model: pfperms.Model, policy_id: str) -> dict[str, list[str]]:
    """Subject -> the summaries of its findings for one built-in."""
    builtin = selected([policy_id])[0]
    outcome = evaluate(builtin.policy(), model, evaluator=builtin.run)
    assert not outcome.errors, outcome.errors
    result: dict[str, list[str]] = {}
    for finding in outcome.findings:
        result.setdefault(finding.subject, []).append(finding.summary)
    return result


def rule_yaml(rule: dict[str, object]) -> str:
    return "  - {" + ", ".join(f"{key}: {value}" for key, value in rule.items()) + "}"


def yaml_grant(*rules: dict[str, object], sa: str = "app", ns: str = "team", name: str = "grant",
               scope: str | None = None, role: str | None = None, labels: str = "") -> str:
    """A ClusterRole (or, with ``scope``, a Role) with ``rules`` bound to ``ns/sa`` (a ClusterRoleBinding,
    or a RoleBinding in ``scope``); ``role`` binds an existing ClusterRole instead."""
    docs = [f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {sa}, namespace: {ns}}}\n"]
    kind = "Role" if scope and role is None else "ClusterRole"
    if role is None:
        meta = f"{{name: {name}" + (f", namespace: {scope}" if scope else "") + (f", labels: {labels}" if labels
                                                                                  else "") + "}"
        docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nrules:\n"
                    + "\n".join(rule_yaml(r) for r in rules) + "\n")
    binding = "RoleBinding" if scope else "ClusterRoleBinding"
    meta = f"{{name: {name}" + (f", namespace: {scope}" if scope else "") + "}"
    docs.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {binding}\nmetadata: {meta}\n"
                f"subjects: [{{kind: ServiceAccount, name: {sa}, namespace: {ns}}}]\n"
                f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role or name}}}\n")
    return "---\n".join(docs)


def hcl_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def hcl_grant(*rules: dict[str, list[str]], sa: str = "app", ns: str = "team", name: str = "grant",
              scope: str | None = None, role: str | None = None) -> str:
    """The same in Terraform: kubernetes_service_account, kubernetes_(cluster_)role, a binding."""
    keys = {"apiGroups": "api_groups", "resources": "resources", "verbs": "verbs",
            "resourceNames": "resource_names", "nonResourceURLs": "non_resource_urls"}
    blocks = "\n".join("  rule {\n" + "\n".join(f"    {keys[k]} = {hcl_list(v)}" for k, v in r.items()) + "\n  }"
                       for r in rules)
    namespace = f'\n    namespace = "{scope}"' if scope else ""
    kind = "role" if scope and role is None else "cluster_role"
    text = f"""
resource "kubernetes_service_account" "{sa.replace('-', '_')}" {{
  metadata {{
    name      = "{sa}"
    namespace = "{ns}"
  }}
}}
"""
    if role is None:
        text += f"""
resource "kubernetes_{kind}" "{name}" {{
  metadata {{
    name = "{name}"{namespace}
  }}
{blocks}
}}
"""
    ref = f"kubernetes_{kind}.{name}.metadata[0].name" if role is None else f'"{role}"'
    binding = "role_binding" if scope else "cluster_role_binding"
    text += f"""
resource "kubernetes_{binding}" "{name}" {{
  metadata {{
    name = "{name}"{namespace}
  }}
  subject {{
    kind      = "ServiceAccount"
    name      = "{sa}"
    namespace = "{ns}"
  }}
  role_ref {{
    api_group = "rbac.authorization.k8s.io"
    kind      = "{'Role' if kind == 'role' else 'ClusterRole'}"
    name      = {ref}
  }}
}}
"""
    return text


def yaml_model(tmp_path: Path, *documents: str) -> pfperms.Model:
    return load(tmp_path, {"k8s/all.yaml": "---\n".join(documents)})


def hcl_model(tmp_path: Path, *blocks: str) -> pfperms.Model:
    return load(tmp_path, {"tf/main.tf": "\n".join(blocks)})


APP = "ServiceAccount team/app"
SECRETS = {"apiGroups": '[""]', "resources": "[secrets]", "verbs": "[get, list, watch]"}


# --------------------------------------------------------------------------- PF-K8S-001


def test_wildcards_in_any_list_position(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": '[pods, "*"]', "verbs": "[get]"}))
    assert found(m, "PF-K8S-001") == {APP: ["CAN get pfperms-any-resource cluster-wide"]}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}))
    assert found(h, "PF-K8S-001") == {APP: ["CAN pfperms-any-verb pods cluster-wide"]}
    groups = yaml_model(tmp_path / "g", yaml_grant({"apiGroups": '["*"]', "resources": "[widgets]",
                                                    "verbs": "[get]"}, scope="team"))
    assert found(groups, "PF-K8S-001") == {APP: ["CAN get widgets.pfperms-any-group.invalid in namespace team"]}


def test_star_slash_star_is_not_a_wildcard_and_unbound_roles_grant_nothing(tmp_path: Path) -> None:
    literal = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": '["*/*"]', "verbs": "[get]"}))
    assert found(literal, "PF-K8S-001") == {}
    unbound = yaml_model(tmp_path / "u", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                                         "metadata: {name: star}\nrules:\n  - {apiGroups: ['*'], resources: ['*'], "
                                         "verbs: ['*']}\n")
    assert found(unbound, "PF-K8S-001") == {}


# --------------------------------------------------------------------------- PF-K8S-002


def test_cluster_admin_and_roles_as_strong(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant(role="cluster-admin"),
                   yaml_grant({"apiGroups": '["*"]', "resources": '["*"]', "verbs": '["*"]'}, sa="ops", name="super"))
    assert found(m, "PF-K8S-002") == {
        "ClusterRoleBinding grant": ["grants every verb on every resource cluster-wide (ClusterRole cluster-admin)"],
        "ClusterRoleBinding super": ["grants every verb on every resource cluster-wide (ClusterRole super)"]}
    h = hcl_model(tmp_path / "h", hcl_grant(role="cluster-admin"))
    assert list(found(h, "PF-K8S-002")) == ["ClusterRoleBinding grant"]


def test_admin_is_not_cluster_admin(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant(role="admin", scope="team"))
    assert found(m, "PF-K8S-002") == {}


# --------------------------------------------------------------------------- PF-K8S-003


def test_grants_to_everyone(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: everyone-views, namespace: team}
        subjects: [{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io},
                   {kind: Group, name: system:authenticated-users, apiGroup: rbac.authorization.k8s.io}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
        """))
    result = found(m, "PF-K8S-003")
    assert list(result) == ["Group system:authenticated"]  # a look-alike name is not the group
    assert result["Group system:authenticated"][0].startswith("is granted ClusterRole view by RoleBinding "
                                                              "team/everyone-views")
    h = hcl_model(tmp_path / "h", """
        resource "kubernetes_cluster_role_binding" "anon" {
          metadata { name = "anon" }
          subject {
            kind      = "User"
            name      = "system:anonymous"
            api_group = "rbac.authorization.k8s.io"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
        }
    """)
    assert list(found(h, "PF-K8S-003")) == ["User system:anonymous"]


def test_a_binding_to_a_missing_role_grants_nothing_to_everyone(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                             "metadata: {name: x}\nsubjects: [{kind: Group, name: system:serviceaccounts}]\n"
                             "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nope}\n")
    assert found(m, "PF-K8S-003") == {}


# --------------------------------------------------------------------------- PF-K8S-004


def test_secrets_cluster_wide_through_aggregation_and_built_in_roles(tmp_path: Path) -> None:
    aggregated = textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: aggregated-reader}
        aggregationRule:
          clusterRoleSelectors: [{matchLabels: {example.com/aggregate-to-reader: "true"}}]
        rules: []
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: secret-child, labels: {example.com/aggregate-to-reader: "true"}}
        rules:
          - {apiGroups: [""], resources: [secrets], verbs: [list]}
        """)
    m = yaml_model(tmp_path, aggregated, yaml_grant(role="aggregated-reader"),
                   yaml_grant(role="edit", sa="ci", name="ci-edit"))
    result = found(m, "PF-K8S-004")
    assert set(result) == {APP, "ServiceAccount team/ci"}
    assert result[APP] == ["CAN list secrets cluster-wide"]
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch"]}))
    assert found(h, "PF-K8S-004") == {APP: ["CAN watch secrets cluster-wide"]}


def test_secrets_in_another_group_or_one_namespace_are_not_cluster_wide(tmp_path: Path) -> None:
    other_group = yaml_model(tmp_path, yaml_grant({"apiGroups": "[apps]", "resources": "[secrets]",
                                                   "verbs": "[get, list]"}))
    assert found(other_group, "PF-K8S-004") == {}
    namespaced = yaml_model(tmp_path / "n", yaml_grant(SECRETS, scope="team"))
    assert found(namespaced, "PF-K8S-004") == {}


def test_secrets_limited_by_name_are_still_read_cluster_wide(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": "[secrets]", "verbs": "[get]",
                                         "resourceNames": "[ca-bundle]"}))
    assert found(m, "PF-K8S-004") == {APP: ['CAN get secrets "ca-bundle" cluster-wide']}


# --------------------------------------------------------------------------- PF-K8S-005 .. 012


def test_bind_and_escalate_with_resource_names(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": "[rbac.authorization.k8s.io]", "resources": "[clusterroles]",
                                         "verbs": "[bind]", "resourceNames": "[view]"}))
    assert found(m, "PF-K8S-005") == {APP: ['CAN bind clusterroles.rbac.authorization.k8s.io "view" cluster-wide']}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
                                             "verbs": ["escalate"]}, scope="team"))
    assert found(h, "PF-K8S-005") == {APP: ["CAN escalate roles.rbac.authorization.k8s.io in namespace team"]}
    wrong_group = yaml_model(tmp_path / "w", yaml_grant({"apiGroups": "[example.com]", "resources": "[roles]",
                                                         "verbs": "[bind, escalate]"}))
    assert found(wrong_group, "PF-K8S-005") == {}


def test_impersonate_through_edit_and_only_at_its_scope(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant(role="edit", scope="team"))
    assert found(m, "PF-K8S-006") == {APP: ["CAN impersonate serviceaccounts in namespace team"]}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["users", "groups"],
                                             "verbs": ["impersonate"]}))
    assert found(h, "PF-K8S-006") == {APP: ["CAN impersonate users cluster-wide", "CAN impersonate groups cluster-wide"]}
    # a RoleBinding cannot grant impersonating users: that request is cluster-scoped
    namespaced = yaml_model(tmp_path / "n", yaml_grant({"apiGroups": '[""]', "resources": "[users]",
                                                        "verbs": "[impersonate]"}, scope="team"))
    assert found(namespaced, "PF-K8S-006") == {}


def test_token_requests(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": "[serviceaccounts/token]",
                                         "verbs": "[create]", "resourceNames": "[builder]"}, scope="team"))
    assert found(m, "PF-K8S-007") == {APP: ['CAN create serviceaccounts/token "builder" in namespace team']}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["serviceaccounts/token"],
                                             "verbs": ["create"]}))
    assert list(found(h, "PF-K8S-007")) == [APP]
    no_token = yaml_model(tmp_path / "n", yaml_grant({"apiGroups": '[""]', "resources": "[serviceaccounts]",
                                                      "verbs": "[create, get]"}))
    assert found(no_token, "PF-K8S-007") == {}


def test_exec_attach_and_ephemeral_containers(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": "[pods/exec, pods/ephemeralcontainers]",
                                         "verbs": "[create, patch]"}, scope="team"))
    assert found(m, "PF-K8S-008") == {APP: ["CAN create pods/exec in namespace team",
                                            "CAN patch pods/ephemeralcontainers in namespace team"]}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["pods/attach"], "verbs": ["create"]}))
    assert found(h, "PF-K8S-008") == {APP: ["CAN create pods/attach cluster-wide"]}
    get_only = yaml_model(tmp_path / "g", yaml_grant({"apiGroups": '[""]', "resources": "[pods/exec, pods/log]",
                                                      "verbs": "[get]"}))
    assert found(get_only, "PF-K8S-008") == {}


def test_nodes_proxy(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": '[""]', "resources": "[nodes/proxy]", "verbs": "[get]"}))
    assert found(m, "PF-K8S-009") == {APP: ["CAN get nodes/proxy cluster-wide"]}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["create"]}))
    assert list(found(h, "PF-K8S-009")) == [APP]
    others = yaml_model(tmp_path / "o", yaml_grant({"apiGroups": '[""]', "resources": "[nodes, nodes/status]",
                                                    "verbs": "[get]"},
                                                   {"apiGroups": "[metrics.k8s.io]", "resources": "[nodes/proxy]",
                                                    "verbs": "[get]"}))
    assert found(others, "PF-K8S-009") == {}


def test_admission_webhook_writes(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant({"apiGroups": "[admissionregistration.k8s.io]",
                                         "resources": "[validatingwebhookconfigurations]", "verbs": "[create]"}))
    assert found(m, "PF-K8S-010") == {
        APP: ["CAN create validatingwebhookconfigurations.admissionregistration.k8s.io cluster-wide"]}
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": ["admissionregistration.k8s.io"],
                                             "resources": ["mutatingwebhookconfigurations"], "verbs": ["patch"]}))
    assert list(found(h, "PF-K8S-010")) == [APP]
    read_only = yaml_model(tmp_path / "r", yaml_grant({"apiGroups": "[admissionregistration.k8s.io]",
                                                       "resources": '["*"]', "verbs": "[get, list, watch]"}))
    assert found(read_only, "PF-K8S-010") == {}


def test_csr_approval_needs_a_signer_and_domain_wildcards_count(tmp_path: Path) -> None:
    approve = yaml_grant({"apiGroups": "[certificates.k8s.io]", "resources": "[certificatesigningrequests/approval]",
                          "verbs": "[update]"},
                         {"apiGroups": "[certificates.k8s.io]", "resources": "[signers]", "verbs": "[approve]",
                          "resourceNames": '["kubernetes.io/*"]'})
    assert list(found(yaml_model(tmp_path, approve), "PF-K8S-011")) == [APP]
    h = hcl_model(tmp_path / "h", hcl_grant(
        {"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests/status"], "verbs": ["update"]},
        {"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["sign"]}))
    assert list(found(h, "PF-K8S-011")) == [APP]
    no_signer = yaml_grant({"apiGroups": "[certificates.k8s.io]",
                            "resources": "[certificatesigningrequests/approval]", "verbs": "[update]"})
    assert found(yaml_model(tmp_path / "n", no_signer), "PF-K8S-011") == {}


def test_workloads_in_kube_system_not_in_look_alike_namespaces(tmp_path: Path) -> None:
    m = yaml_model(tmp_path, yaml_grant(role="edit", scope="kube-system"))
    assert "CAN create pods in namespace kube-system" in found(m, "PF-K8S-012")[APP]
    h = hcl_model(tmp_path / "h", hcl_grant({"apiGroups": ["apps"], "resources": ["daemonsets"],
                                             "verbs": ["patch"]}, scope="kube-system"))
    assert found(h, "PF-K8S-012") == {APP: ["CAN patch daemonsets.apps in namespace kube-system"]}
    elsewhere = yaml_model(tmp_path / "e", yaml_grant(role="edit", scope="kube-system-tools"))
    assert found(elsewhere, "PF-K8S-012") == {}


# --------------------------------------------------------------------------- PF-K8S-013, 014


def test_default_accounts_by_namespace(tmp_path: Path) -> None:
    """A RoleBinding in team-b naming team-a's default account gives team-a/default the rule (not team-b's)."""
    m = yaml_model(tmp_path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n", textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: defaults, namespace: team-b}
        subjects: [{kind: ServiceAccount, name: default, namespace: team-a}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
        """))
    result = found(m, "PF-K8S-013")
    assert set(result) == {"ServiceAccount team-a/default"}
    assert all(summary.endswith("in namespace team-b") for summary in result["ServiceAccount team-a/default"])
    # Terraform: a subject without a namespace is in "default", as the provider sends it
    h = hcl_model(tmp_path / "h", """
        resource "kubernetes_role_binding" "defaults" {
          metadata {
            name      = "defaults"
            namespace = "team"
          }
          subject {
            kind = "ServiceAccount"
            name = "default"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
        }
    """)
    result = found(h, "PF-K8S-013")
    assert set(result) == {"ServiceAccount default/default"}  # not team/default
    assert all(summary.endswith("in namespace team") for summary in result["ServiceAccount default/default"])
    assert found(hcl_model(tmp_path / "hh", hcl_grant(role="view", sa="default", ns="team", scope="team")),
                 "PF-K8S-013").keys() == {"ServiceAccount team/default"}


def test_automount_on_risky_accounts(tmp_path: Path) -> None:
    risky = yaml_grant(SECRETS)
    assert found(yaml_model(tmp_path, risky), "PF-K8S-014") == {
        APP: ["mounts its API token in every pod by default, and it has: PF-K8S-004"]}
    off = risky.replace("metadata: {name: app, namespace: team}", "metadata: {name: app, namespace: team}\n"
                                                                  "automountServiceAccountToken: false")
    assert found(yaml_model(tmp_path / "off", off), "PF-K8S-014") == {}
    h = hcl_grant({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]})
    assert list(found(hcl_model(tmp_path / "h", h), "PF-K8S-014")) == [APP]
    h_off = h.replace('    namespace = "team"\n  }\n}', '    namespace = "team"\n  }\n'
                                                       "  automount_service_account_token = false\n}", 1)
    assert found(hcl_model(tmp_path / "hoff", h_off), "PF-K8S-014") == {}


# --------------------------------------------------------------------------- AWS and Vault

PROVIDER = """
resource "aws_iam_openid_connect_provider" "eks" {
  url             = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = []
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub"
      values   = ["system:serviceaccount:team:app"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"""


def aws_policy(actions: list[str], resources: list[str]) -> str:
    return f"""
data "aws_iam_policy_document" "app" {{
  statement {{
    actions   = {hcl_list(actions)}
    resources = {hcl_list(resources)}
  }}
}}

resource "aws_iam_role_policy" "app" {{
  name   = "app"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}}
"""


HCL_ACCOUNT = """
resource "kubernetes_service_account" "app" {
  metadata {
    name        = "app"
    namespace   = "team"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }
  }
}
"""
YAML_ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: team
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/app"}
"""


def aws_model(tmp_path: Path, actions: list[str], resources: list[str], *, yaml_account: bool = False,
              annotated: bool = True) -> pfperms.Model:
    files = {"tf/main.tf": PROVIDER + aws_policy(actions, resources) + ("" if yaml_account else HCL_ACCOUNT)}
    if yaml_account:
        files["k8s/sa.yaml"] = YAML_ACCOUNT if annotated else YAML_ACCOUNT.split("  annotations")[0]
    return load(tmp_path, files)


@pytest.mark.parametrize("yaml_account", [False, True], ids=["hcl", "yaml"])
def test_aws_every_action_every_resource_passrole_assumerole(tmp_path: Path, yaml_account: bool) -> None:
    star = aws_model(tmp_path / "a", ["*"], ["arn:aws:s3:::reports/*"], yaml_account=yaml_account)
    assert found(star, "PF-AWS-001") == {APP: ["CAN AWS pfpermsprobe:AnyAction on arn:aws:s3:::reports/*"]}
    assert found(star, "PF-AWS-002") == {}
    anywhere = aws_model(tmp_path / "b", ["s3:GetObject", "iam:PassRole"], ["*"], yaml_account=yaml_account)
    assert found(anywhere, "PF-AWS-001") == {}
    assert found(anywhere, "PF-AWS-002") == {APP: ["CAN AWS s3:GetObject on *"]}
    assert found(anywhere, "PF-AWS-003") == {APP: ["CAN AWS iam:PassRole on *"]}
    assert found(anywhere, "PF-AWS-004") == {}
    assume = aws_model(tmp_path / "c", ["sts:*"], ["*"], yaml_account=yaml_account)
    assert found(assume, "PF-AWS-004") == {APP: ["CAN AWS sts:AssumeRole on *"]}


def test_aws_needs_the_annotation_and_the_trust(tmp_path: Path) -> None:
    """A role with "*" that no account can assume is no finding (peers flag the policy alone)."""
    unannotated = aws_model(tmp_path / "u", ["*"], ["*"], yaml_account=True, annotated=False)
    assert found(unannotated, "PF-AWS-001") == {}
    untrusted = load(tmp_path / "t", {"tf/main.tf": (PROVIDER + aws_policy(["*"], ["*"]) + HCL_ACCOUNT).replace(
        "system:serviceaccount:team:app", "system:serviceaccount:other:app")})
    assert found(untrusted, "PF-AWS-001") == {}
    limited = aws_model(tmp_path / "l", ["iam:PassRole"], ["arn:aws:iam::111122223333:role/worker"])
    assert found(limited, "PF-AWS-003") == {}


VAULT = """
resource "vault_policy" "app" {{
  name   = "app"
  policy = <<EOT
{rules}
EOT
}}

resource "vault_kubernetes_auth_backend_role" "app" {{
  role_name                        = "app"
  bound_service_account_names      = ["app"]
  bound_service_account_namespaces = ["team"]
  token_policies                   = ["app"]
}}
"""


def vault_model(tmp_path: Path, rules: str, *, yaml_account: bool = False) -> pfperms.Model:
    files = {"tf/main.tf": VAULT.format(rules=rules)}
    if yaml_account:
        files["k8s/sa.yaml"] = YAML_ACCOUNT.split("  annotations")[0]
    else:
        files["tf/main.tf"] += HCL_ACCOUNT.replace('annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }',
                                                   "")
    return load(tmp_path, files)


@pytest.mark.parametrize("yaml_account", [False, True], ids=["hcl", "yaml"])
def test_vault_star_sudo_and_sys_writes(tmp_path: Path, yaml_account: bool) -> None:
    star = vault_model(tmp_path / "a", 'path "*" {\n  capabilities = ["read"]\n}', yaml_account=yaml_account)
    assert list(found(star, "PF-VAULT-001")) == [APP]
    sudo = vault_model(tmp_path / "b", 'path "sys/rotate" {\n  capabilities = ["update", "sudo"]\n}',
                       yaml_account=yaml_account)
    assert list(found(sudo, "PF-VAULT-002")) == [APP]
    assert list(found(sudo, "PF-VAULT-003")) == [APP]
    assert found(sudo, "PF-VAULT-001") == {}
    reads = vault_model(tmp_path / "c", 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n'
                                        'path "sys/mounts" {\n  capabilities = ["read", "list"]\n}',
                        yaml_account=yaml_account)
    for policy_id in ("PF-VAULT-001", "PF-VAULT-002", "PF-VAULT-003"):
        assert found(reads, policy_id) == {}, policy_id


def test_a_deny_beats_the_wildcard(tmp_path: Path) -> None:
    """Vault's precedence, not pattern matching: sys/ denied by a longer rule is no sys/ write."""
    m = vault_model(tmp_path, 'path "sys/*" {\n  capabilities = ["update"]\n}\n'
                              'path "sys/policies/*" {\n  capabilities = ["deny"]\n}')
    assert "ServiceAccount team/app" in found(m, "PF-VAULT-003")  # sys/mounts/... still writable
    only_policies = vault_model(tmp_path / "p", 'path "sys/policies/*" {\n  capabilities = ["deny"]\n}')
    assert found(only_policies, "PF-VAULT-003") == {}


# --------------------------------------------------------------------------- the pack


def test_every_built_in_is_documented_and_stable() -> None:
    every = selected(["recommended"])
    assert [b.id for b in every] == sorted(BUILTINS) == list(BUILTIN_IDS)  # the ids the options are checked by
    assert [b.id for b in selected(["PF-K8S-010", "recommended", "PF-AWS-001"])][:2] == ["PF-K8S-010", "PF-AWS-001"]
    assert [b.id for b in every if b.id.startswith("PF-K8S")] == [f"PF-K8S-{n:03d}" for n in range(1, 15)]
    assert all(b.title and b.why.endswith(".") and b.fix.endswith(".") for b in every)
    with pytest.raises(pfperms.InvalidArgument, match="did you mean 'PF-K8S-004'"):
        selected(["PF-K8S-004x"])


def test_built_ins_as_items_with_exceptions(pytester: pytest.Pytester) -> None:
    pytester.mkdir("k8s")
    (pytester.path / "k8s" / "all.yaml").write_text(yaml_grant(SECRETS) + "---\n"
                                                     + yaml_grant(SECRETS, sa="ci", name="ci"))
    pytester.mkdir("policies")
    (pytester.path / "policies" / "exceptions.yaml").write_text(textwrap.dedent("""\
        apiVersion: pfperms/v1
        kind: PolicySet
        exceptions:
          PF-K8S-004:
            - {match: {subject: "ServiceAccount team/app"}, reason: "reads the CA bundle (SEC-7)"}
        """))
    (pytester.path / "extra.yaml").write_text(textwrap.dedent("""\
        apiVersion: pfperms/v1
        kind: PolicySet
        exceptions:
          PF-K8S-014:
            - {match: {namespace: team}, reason: "tokens are needed (SEC-8)"}
        """))
    pytester.makeini("[pytest]\npfperms_paths = k8s\npfperms_builtin_policies = PF-K8S-004 PF-K8S-014 PF-K8S-001\n"
                     "pfperms_exceptions_file = extra.yaml\n"
                     "filterwarnings = ignore::pytest.PytestAssertRewriteWarning\n")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "pfperms-builtin::PF-K8S-004 FAILED" in text
    assert "pfperms-builtin::PF-K8S-014 PASSED" in text
    assert "ServiceAccount team/ci\n    CAN get, list, watch secrets cluster-wide" in text
    assert "team/app\n" not in text.split("FAILURES")[1].split("accepted by")[0]
    assert "accepted by exceptions: 3 findings (ServiceAccount team/app)" in text
    assert "pfperms: 1 policy passed, 1 failed, 0 warned, 1 excepted" in text


def test_unknown_built_in_ids_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npfperms_builtin_policies = PF-K8S-999\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no built-in policy 'PF-K8S-999'" in result.stderr.str()


def test_exceptions_for_a_built_in_that_is_off_fail_collection(pytester: pytest.Pytester) -> None:
    pytester.mkdir("policies")
    (pytester.path / "policies" / "x.yaml").write_text(
        "apiVersion: pfperms/v1\nkind: PolicySet\nexceptions:\n  PF-K8S-002:\n    - {match: {name: a}, reason: b}\n")
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_builtin_policies = PF-K8S-001\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    assert "exceptions for PF-K8S-002: PF-K8S-002 is not turned on (pfperms_builtin_policies)" in result.stdout.str()


def test_aws_probes_read_policies_written_with_jsonencode(tmp_path: Path) -> None:
    """The actions and ARNs the checks probe are read inside policy JSON text and inside a
    jsonencode holding unknowns (the way most modules write policies), not only from
    aws_iam_policy_document blocks."""
    encoded = """
resource "aws_iam_role_policy" "app" {
  name   = "app"
  role   = aws_iam_role.app.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = ["s3:GetObject", "iam:PassRole"], Resource = "*" },
    { Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::${aws_iam_role.app.id}-reports/*" }] })
}
"""
    model = load(tmp_path, {"tf/main.tf": PROVIDER + encoded + HCL_ACCOUNT})
    assert found(model, "PF-AWS-002") == {APP: ["CAN AWS s3:GetObject on *"]}
    assert found(model, "PF-AWS-003") == {APP: ["CAN AWS iam:PassRole on *"]}
