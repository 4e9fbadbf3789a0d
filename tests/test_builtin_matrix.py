"""Every built-in policy x {YAML, HCL} x {found, not found}: one table of cases, each written once
and rendered both as manifests and as Terraform (``kubernetes_*`` resources), so the two sources
are held to the same answers. The negatives are the cases peers get wrong (``reference/peers.md``):
apiGroups ignored, wildcards missed or invented (``*/*``, ``nodes/*`` are literals),
``resourceNames``, the same names in other namespaces (every fixture also defines
``other/app`` and, where it matters, look-alike names), aggregated roles and built-in roles
(``edit``, ``admin``, ``view``) answered exactly as the engine does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from repo_support import load
from test_builtin_policies import aws_model, found, vault_model

import pytest_pfperms as pfperms
from pytest_pfperms.policies.builtin import BUILTINS, selected
from pytest_pfperms.policies.evaluation import Finding, evaluate

Rule = dict[str, list[str]]
RBAC = "rbac.authorization.k8s.io"
APP = "ServiceAccount team/app"
CI = "ServiceAccount team/ci"


@dataclass(frozen=True)
class Grant:
    """A role (or an existing ClusterRole) bound to one subject; a RoleBinding (and Role) in ``scope``."""

    rules: tuple[Rule, ...] = ()
    scope: str | None = None
    role: str | None = None
    subject: tuple[str, str, str | None] | None = ("ServiceAccount", "app", "team")
    name: str = "grant"
    labels: tuple[tuple[str, str], ...] = ()
    aggregate: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Case:
    """Grants, the accounts to define, and the subjects the policy must report (exactly)."""

    grants: tuple[Grant, ...]
    expected: frozenset[str]
    accounts: tuple[tuple[str, str], ...] = ()
    automount_off: tuple[str, ...] = ()
    label: str = field(default="", compare=False)


def rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> Rule:
    found_rule: Rule = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names is not None:
        found_rule["resourceNames"] = names
    return found_rule


def _accounts(case: Case) -> list[tuple[str, str]]:
    accounts = {("other", "app"): None, ("team", "app"): None}
    for grant in case.grants:
        if grant.subject and grant.subject[0] == "ServiceAccount":
            accounts[(str(grant.subject[2]), grant.subject[1])] = None
    accounts.update(dict.fromkeys(case.accounts))
    return list(accounts)


def _role_kind(grant: Grant) -> str:
    return "Role" if grant.scope and grant.role is None else "ClusterRole"


def to_yaml(case: Case) -> str:
    """The case as one multi-document manifest file."""
    docs = []
    for ns, name in _accounts(case):
        off = "\nautomountServiceAccountToken: false" if f"{ns}/{name}" in case.automount_off else ""
        docs.append(f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {ns}}}{off}\n")
    for grant in case.grants:
        scope = {"namespace": grant.scope} if grant.scope else {}
        if grant.role is None:
            meta = {"name": grant.name, **scope, **({"labels": dict(grant.labels)} if grant.labels else {})}
            body = f"rules: {json.dumps(list(grant.rules))}\n"
            if grant.aggregate:
                body = (f"aggregationRule: {json.dumps({'clusterRoleSelectors': [{'matchLabels': dict(grant.aggregate)}]})}"
                        "\nrules: []\n")
            docs.append(f"apiVersion: {RBAC}/v1\nkind: {_role_kind(grant)}\nmetadata: {json.dumps(meta)}\n{body}")
        if grant.subject is None:
            continue
        kind, name, ns = grant.subject
        subject = {"kind": kind, "name": name, **({"namespace": ns} if kind == "ServiceAccount" else {"apiGroup": RBAC})}
        binding = "RoleBinding" if grant.scope else "ClusterRoleBinding"
        docs.append(f"apiVersion: {RBAC}/v1\nkind: {binding}\nmetadata: {json.dumps({'name': grant.name, **scope})}\n"
                    f"subjects: [{json.dumps(subject)}]\n"
                    f"roleRef: {json.dumps({'apiGroup': RBAC, 'kind': _role_kind(grant), 'name': grant.role or grant.name})}\n")
    return "---\n".join(docs)


def _hcl_map(pairs: tuple[tuple[str, str], ...]) -> str:
    return "{ " + ", ".join(f'"{k}" = "{v}"' for k, v in pairs) + " }"


def to_hcl(case: Case) -> str:
    """The case as Terraform: kubernetes_service_account, kubernetes_(cluster_)role(_binding)."""
    keys = {"apiGroups": "api_groups", "resources": "resources", "verbs": "verbs", "resourceNames": "resource_names"}
    text = ""
    for ns, name in _accounts(case):
        off = "\n  automount_service_account_token = false" if f"{ns}/{name}" in case.automount_off else ""
        label = f"{ns}_{name}".replace("-", "_")
        text += (f'resource "kubernetes_service_account" "{label}" {{\n'
                 f'  metadata {{\n    name      = "{name}"\n    namespace = "{ns}"\n  }}{off}\n}}\n\n')
    for grant in case.grants:
        label = f"{grant.scope or 'cluster'}_{grant.name}".replace("-", "_")
        namespace = f'\n    namespace = "{grant.scope}"' if grant.scope else ""
        kind = "role" if _role_kind(grant) == "Role" else "cluster_role"
        if grant.role is None:
            labels = f"\n    labels = {_hcl_map(grant.labels)}" if grant.labels else ""
            body = "".join("  rule {\n" + "".join(f"    {keys[k]} = {json.dumps(v)}\n" for k, v in r.items()) + "  }\n"
                           for r in grant.rules)
            if grant.aggregate:
                body = ("  aggregation_rule {\n    cluster_role_selectors {\n"
                        f"      match_labels = {_hcl_map(grant.aggregate)}\n    }}\n  }}\n")
            text += (f'resource "kubernetes_{kind}" "{label}" {{\n  metadata {{\n    name = "{grant.name}"{namespace}'
                     f"{labels}\n  }}\n{body}}}\n\n")
        if grant.subject is None:
            continue
        subject_kind, name, ns = grant.subject
        extra = f'    namespace = "{ns}"' if subject_kind == "ServiceAccount" else f'    api_group = "{RBAC}"'
        ref = f"kubernetes_{kind}.{label}.metadata[0].name" if grant.role is None else f'"{grant.role}"'
        binding = "role_binding" if grant.scope else "cluster_role_binding"
        text += (f'resource "kubernetes_{binding}" "{label}" {{\n  metadata {{\n    name = "{grant.name}"{namespace}\n  }}\n'
                 f'  subject {{\n    kind = "{subject_kind}"\n    name = "{name}"\n{extra}\n  }}\n'
                 f'  role_ref {{\n    api_group = "{RBAC}"\n    kind      = "{_role_kind(grant)}"\n'
                 f"    name      = {ref}\n  }}\n}}\n\n")
    return text


def sa(name: str, ns: str = "team") -> tuple[str, str, str | None]:
    return ("ServiceAccount", name, ns)


SECRETS_READ = rule([""], ["secrets"], ["get", "list", "watch"])
AGGREGATED = (Grant(aggregate=(("example.com/aggregate-to-reader", "true"),), name="aggregated-reader"),
              Grant((rule([""], ["secrets"], ["list"]),), subject=None, name="secret-child",
                    labels=(("example.com/aggregate-to-reader", "true"),)))

CASES: dict[str, tuple[list[Case], list[Case]]] = {
    # id: (positives, negatives)
    "PF-K8S-001": (
        [Case((Grant((rule([""], ["pods", "*"], ["get"]),)),), frozenset({APP}), label="star-second-in-list"),
         Case((Grant((rule(["apps"], ["*/scale"], ["update"]),)),), frozenset({APP}), label="star-slash-scale"),
         Case((Grant((rule(["*"], ["widgets"], ["get"]),), scope="team"),), frozenset({APP}), label="star-group"),
         Case((Grant((rule([""], ["pods"], ["*"]),), subject=sa("ci")),), frozenset({CI}), label="star-verb")],
        [Case((Grant((rule([""], ["*/*", "pods/*"], ["get"]),)),), frozenset(), label="star-slash-star-literal"),
         Case((Grant((rule(["*"], ["*"], ["*"]),), subject=None),), frozenset(), label="unbound-role"),
         Case((Grant(role="edit", scope="team"),), frozenset(), label="built-in-edit")]),
    "PF-K8S-002": (
        [Case((Grant(role="cluster-admin"),), frozenset({"ClusterRoleBinding grant"}), label="cluster-admin"),
         Case((Grant((rule(["*"], ["*"], ["*"]),), scope="team", name="super"),),
              frozenset({"RoleBinding team/super"}), label="as-strong-in-namespace")],
        [Case((Grant(role="admin"),), frozenset(), label="admin-is-not-cluster-admin"),
         Case((Grant((rule([""], ["*"], ["*"]),)),), frozenset(), label="core-group-only")]),
    "PF-K8S-003": (
        [Case((Grant(role="view", subject=("Group", "system:unauthenticated", None), name="unauth"),
               Grant(role="view", subject=("Group", "system:serviceaccounts", None), name="sas", scope="team"),
               Grant(role="view", subject=("User", "system:anonymous", None), name="anon"),
               Grant(role="view", subject=("Group", "system:authenticated", None), name="authn")),
              frozenset({"Group system:unauthenticated", "Group system:serviceaccounts", "User system:anonymous",
                         "Group system:authenticated"}), label="each-broad-subject")],
        [Case((Grant(role="view", subject=("Group", "system:serviceaccounts:team", None), name="team-sas"),
               Grant(role="view", subject=("Group", "system:authenticated-users", None), name="look-alike"),
               Grant(role="missing", subject=("User", "system:anonymous", None), name="anon")),
              frozenset(), label="narrow-look-alike-or-missing-role")]),
    "PF-K8S-004": (
        [Case(AGGREGATED, frozenset({APP}), label="aggregated"),
         Case((Grant((SECRETS_READ,), scope="team", subject=sa("app", "other")), Grant((SECRETS_READ,), name="reader")),
              frozenset({APP}), label="same-name-bound-in-one-namespace-only"),
         Case((Grant(role="edit", subject=sa("ci"), name="ci-edit"),), frozenset({CI}), label="built-in-edit"),
         Case((Grant((rule([""], ["secrets"], ["get"], ["ca-bundle"]),)),), frozenset({APP}), label="resource-names")],
        [Case((Grant((rule(["apps"], ["secrets"], ["get", "list"]),)),), frozenset(), label="other-api-group"),
         Case((Grant((SECRETS_READ,), scope="team"), Grant(role="edit", scope="team", name="e")), frozenset(),
              label="namespaced"),
         Case((Grant(role="view"),), frozenset(), label="view-has-no-secrets")]),
    "PF-K8S-005": (
        [Case((Grant((rule([RBAC], ["clusterroles"], ["bind"], ["view"]),)),), frozenset({APP}),
              label="bind-by-name"),
         Case((Grant((rule([RBAC], ["roles"], ["escalate"]),), scope="team"),), frozenset({APP}), label="escalate")],
        [Case((Grant((rule(["example.com"], ["roles", "clusterroles"], ["bind", "escalate"]),)),), frozenset(),
              label="other-api-group"),
         Case((Grant(role="admin", scope="team"),), frozenset(), label="built-in-admin")]),
    "PF-K8S-006": (
        [Case((Grant(role="edit", scope="team"),), frozenset({APP}), label="built-in-edit"),
         Case((Grant((rule([""], ["users", "groups"], ["impersonate"]),)),), frozenset({APP}), label="users-groups")],
        [Case((Grant((rule([""], ["users"], ["impersonate"]),), scope="team"),), frozenset(),
              label="cluster-request-in-a-rolebinding"),
         Case((Grant((rule(["example.com"], ["users"], ["impersonate"]),)),), frozenset(), label="other-api-group"),
         Case((Grant(role="view"),), frozenset(), label="built-in-view")]),
    "PF-K8S-007": (
        [Case((Grant((rule([""], ["serviceaccounts/token"], ["create"], ["builder"]),), scope="team"),),
              frozenset({APP}), label="by-name"),
         Case((Grant((rule([""], ["serviceaccounts/token"], ["create"]),)),), frozenset({APP}), label="cluster")],
        [Case((Grant((rule([""], ["serviceaccounts", "serviceaccounts/*"], ["create", "get"]),)),), frozenset(),
              label="no-token-subresource"),
         Case((Grant((rule([""], ["serviceaccounts/token"], ["get", "list"]),)),), frozenset(), label="not-create")]),
    "PF-K8S-008": (
        [Case((Grant((rule([""], ["pods/exec", "pods/ephemeralcontainers"], ["create", "patch"]),), scope="team"),),
              frozenset({APP}), label="exec-ephemeral"),
         Case((Grant((rule([""], ["pods/attach"], ["create"]),)),), frozenset({APP}), label="attach"),
         Case((Grant(role="edit", scope="team"),), frozenset({APP}), label="built-in-edit"),
         Case((Grant((rule([""], ["pods/exec"], ["create"]),), scope="team"),
               Grant((rule([""], ["pods/exec"], ["get"]),), scope="other", subject=sa("app", "other"))),
              frozenset({APP}), label="same-names-in-another-namespace")],
        [Case((Grant((rule([""], ["pods/exec", "pods/log"], ["get"]),)),), frozenset(), label="get-only"),
         Case((Grant((rule(["apps"], ["pods/exec"], ["create"]),)),), frozenset(), label="other-api-group"),
         Case((Grant(role="view", scope="team"),), frozenset(), label="built-in-view")]),
    "PF-K8S-009": (
        [Case((Grant((rule([""], ["nodes/proxy"], ["get"]),)),), frozenset({APP}), label="get"),
         Case((Grant((rule([""], ["nodes/proxy"], ["create"]),)),), frozenset({APP}), label="create")],
        [Case((Grant((rule([""], ["nodes", "nodes/status", "nodes/*"], ["get"]),),),
               Grant((rule(["metrics.k8s.io"], ["nodes/proxy"], ["get"]),), name="metrics")), frozenset(),
              label="other-subresource-or-group")]),
    "PF-K8S-010": (
        [Case((Grant((rule(["admissionregistration.k8s.io"], ["validatingwebhookconfigurations"], ["create"]),)),),
              frozenset({APP}), label="create-validating"),
         Case((Grant((rule(["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["patch"]),)),),
              frozenset({APP}), label="patch-mutating")],
        [Case((Grant((rule(["admissionregistration.k8s.io"], ["*"], ["get", "list", "watch"]),)),), frozenset(),
              label="read-only"),
         Case((Grant((rule([""], ["mutatingwebhookconfigurations"], ["create"]),)),), frozenset(),
              label="core-group"),
         Case((Grant((rule(["admissionregistration.k8s.io"], ["mutatingwebhookconfigurations"], ["create"]),),
                     scope="team"),), frozenset(), label="cluster-request-in-a-rolebinding")]),
    "PF-K8S-011": (
        [Case((Grant((rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"]),
                      rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/*"]))),),
              frozenset({APP}), label="approve-domain-wildcard"),
         Case((Grant((rule(["certificates.k8s.io"], ["certificatesigningrequests/status"], ["update"]),
                      rule(["certificates.k8s.io"], ["signers"], ["sign"]))),), frozenset({APP}), label="sign")],
        [Case((Grant((rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"]),)),),
              frozenset(), label="no-signer"),
         Case((Grant((rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"]),
                      rule([""], ["signers"], ["approve"]))),), frozenset(), label="signer-in-core-group")]),
    "PF-K8S-012": (
        [Case((Grant(role="edit", scope="kube-system"),), frozenset({APP}), label="built-in-edit"),
         Case((Grant((rule(["apps"], ["daemonsets"], ["patch"]),), scope="kube-system"),), frozenset({APP}),
              label="patch-daemonsets")],
        [Case((Grant(role="edit", scope="kube-system-tools"),), frozenset(), label="look-alike-namespace"),
         Case((Grant((rule([""], ["daemonsets"], ["patch"]), rule([""], ["pods"], ["get", "list"])),
                     scope="kube-system"),), frozenset(), label="core-group-or-read-only")]),
    "PF-K8S-013": (
        [Case((Grant(role="view", scope="team", subject=sa("default")),), frozenset({"ServiceAccount team/default"}),
              label="view-in-its-namespace"),
         Case((Grant((rule([""], ["configmaps"], ["get"]),), subject=sa("default", "other")),),
              frozenset({"ServiceAccount other/default"}), label="cluster-wide")],
        [Case((Grant(role="view", scope="team", subject=sa("default-reader")), Grant(role="view", name="app")),
              frozenset(), accounts=(("team", "default"),), label="look-alike-and-only-bootstrap-grants")]),
    "PF-K8S-014": (
        [Case((Grant((SECRETS_READ,)),), frozenset({APP}), label="risky-token-mounted")],
        [Case((Grant((SECRETS_READ,)),), frozenset(), automount_off=("team/app",), label="automount-off"),
         Case((Grant(role="view", scope="team"),), frozenset(), label="not-risky")]),
}

K8S_IDS = sorted(CASES)


def _params() -> list[object]:
    params = []
    for policy_id, (positives, negatives) in CASES.items():
        for sign, cases in (("+", positives), ("-", negatives)):
            for case in cases:
                for source in ("yaml", "hcl"):
                    params.append(pytest.param(policy_id, source, case,
                                               id=f"{policy_id}-{source}{sign}-{case.label}"))
    return params


def _model(tmp_path: Path, source: str, case: Case) -> pfperms.Model:
    if source == "yaml":
        return load(tmp_path, {"k8s/all.yaml": to_yaml(case)})
    return load(tmp_path, {"tf/main.tf": to_hcl(case)})


@pytest.mark.parametrize(("policy_id", "source", "case"), _params())
def test_kubernetes_builtin(tmp_path: Path, policy_id: str, source: str, case: Case) -> None:
    model = _model(tmp_path, source, case)
    assert set(found(model, policy_id)) == case.expected


def test_yaml_and_hcl_renderings_are_the_same_objects(tmp_path: Path) -> None:
    """The two renderings of a case load to the same RBAC objects (names, kinds, rules), so the
    matrix compares like with like."""
    for positives, negatives in CASES.values():
        for index, case in enumerate(positives + negatives):
            shapes = []
            for source in ("yaml", "hcl"):
                model = _model(tmp_path / f"{index}-{source}-{id(case)}", source, case)
                shapes.append(sorted((o.kind, str(o.namespace), str(o.name)) for o in model.objects()))
            assert shapes[0] == shapes[1], case.label


# --------------------------------------------------------------------------- AWS and Vault
# IAM and Vault policies exist only in Terraform; the account that uses them is the YAML or HCL part.

AWS_CASES: dict[str, tuple[list[tuple[list[str], list[str]]], list[tuple[list[str], list[str]]]]] = {
    "PF-AWS-001": ([(["*"], ["arn:aws:s3:::reports/*"])], [(["s3:*", "iam:PassRole"], ["*"])]),
    "PF-AWS-002": ([(["s3:GetObject"], ["*"])], [(["*"], ["arn:aws:s3:::reports/*"])]),
    "PF-AWS-003": ([(["iam:PassRole"], ["*"]), (["iam:*"], ["*"])],
                   [(["iam:PassRole"], ["arn:aws:iam::111122223333:role/worker"]), (["*"], ["arn:aws:s3:::x/*"])]),
    "PF-AWS-004": ([(["sts:*"], ["*"])], [(["sts:AssumeRole"], ["arn:aws:iam::111122223333:role/reader"]),
                                          (["sts:GetCallerIdentity"], ["*"])]),
}

VAULT_CASES: dict[str, tuple[list[str], list[str]]] = {
    "PF-VAULT-001": (['path "*" {\n  capabilities = ["read"]\n}'],
                     ['path "secret/*" {\n  capabilities = ["read", "list"]\n}',
                      'path "*" {\n  capabilities = ["deny"]\n}']),
    "PF-VAULT-002": (['path "sys/rotate" {\n  capabilities = ["update", "sudo"]\n}'],
                     ['path "sys/rotate" {\n  capabilities = ["update"]\n}']),
    "PF-VAULT-003": (['path "sys/policies/acl/*" {\n  capabilities = ["create", "update"]\n}'],
                     ['path "sys/mounts" {\n  capabilities = ["read", "list"]\n}',
                      'path "system/*" {\n  capabilities = ["update"]\n}']),
}


def _cloud_params() -> list[object]:
    params = []
    for table in (AWS_CASES, VAULT_CASES):
        for policy_id, (positives, negatives) in table.items():
            for sign, cases in (("+", positives), ("-", negatives)):
                for index, case in enumerate(cases):
                    for source in ("yaml", "hcl"):
                        params.append(pytest.param(policy_id, source, sign == "+", case,
                                                   id=f"{policy_id}-{source}{sign}-{index}"))
    return params


@pytest.mark.parametrize(("policy_id", "source", "positive", "case"), _cloud_params())
def test_cloud_builtin(tmp_path: Path, policy_id: str, source: str, positive: bool, case: object) -> None:
    if policy_id.startswith("PF-AWS"):
        assert isinstance(case, tuple)
        model = aws_model(tmp_path, case[0], case[1], yaml_account=source == "yaml")
    else:
        assert isinstance(case, str)
        model = vault_model(tmp_path, case, yaml_account=source == "yaml")
    assert set(found(model, policy_id)) == ({APP} if positive else set())


def test_the_matrix_covers_every_built_in() -> None:
    """Each built-in has a positive and a negative case, each run from YAML and from HCL."""
    selected(["recommended"])
    covered = {**CASES, **AWS_CASES, **VAULT_CASES}
    assert sorted(covered) == sorted(BUILTINS)
    assert all(positives and negatives for positives, negatives in covered.values())


def _findings(model: pfperms.Model, policy_id: str) -> list[Finding]:
    builtin = selected([policy_id])[0]
    return list(evaluate(builtin.policy(), model, evaluator=builtin.run).findings)


@pytest.mark.parametrize("source", ["yaml", "hcl"])
def test_every_finding_shows_the_path_that_makes_it_true(tmp_path: Path, source: str) -> None:
    """Each finding of every positive case cites the sources (file:line) that make it true."""
    cited = "k8s/all.yaml:" if source == "yaml" else "tf/main.tf:"
    for policy_id, (positives, _negatives) in CASES.items():
        for index, case in enumerate(positives):
            findings = _findings(_model(tmp_path / f"{policy_id}-{index}", source, case), policy_id)
            assert findings, (policy_id, case.label)
            for finding in findings:
                lines = finding.lines
                assert any(cited in line for line in lines), (policy_id, case.label, lines)
    aws = aws_model(tmp_path / "aws", ["*", "s3:GetObject"], ["*"], yaml_account=source == "yaml")
    vault = vault_model(tmp_path / "vault", 'path "*" {\n  capabilities = ["sudo", "update"]\n}',
                        yaml_account=source == "yaml")
    for model, ids in ((aws, ["PF-AWS-001", "PF-AWS-002", "PF-AWS-003", "PF-AWS-004"]),
                       (vault, ["PF-VAULT-001", "PF-VAULT-002", "PF-VAULT-003"])):
        for policy_id in ids:
            findings = _findings(model, policy_id)
            assert findings, policy_id
            for finding in findings:
                assert any("tf/main.tf:" in line for line in finding.lines), (policy_id, finding)
