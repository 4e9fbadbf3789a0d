"""Policy files collected by pytest, run for real through pytester: collection, schema errors,
deny and warn, unknowns, exceptions (matched, stale, expired), the summary line and ``-n 2``."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

MANIFESTS = textwrap.dedent("""\
    apiVersion: v1
    kind: Namespace
    metadata: {name: apps}
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: deployer, namespace: ci}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: ci-deployer-edit, namespace: apps}
    subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: web, namespace: apps, labels: {team: shop}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: apps}
    spec:
      template:
        spec: {serviceAccountName: web}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: reader}
    rules:
      - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: reader}
    subjects: [{kind: ServiceAccount, name: web, namespace: apps}]
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
    """)

QUIET = "filterwarnings = ignore::pytest.PytestAssertRewriteWarning\n"
"""pytester runs in this process, where pytest_pfperms is imported already."""
HEADER = "apiVersion: pfperms/v1\nkind: PolicySet\nmetadata: {name: guardrails}\npolicies:\n"


def policy_repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """A repo with manifests under k8s/ and an empty policies/ directory."""
    pytester.mkdir("k8s")
    pytester.mkdir("policies")
    (pytester.path / "k8s" / "all.yaml").write_text(MANIFESTS)
    pytester.makeini(f"[pytest]\npfperms_paths = k8s\n{QUIET}")
    return pytester


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """:func:`policy_repo`."""
    return policy_repo(pytester)


def policies(repo: pytest.Pytester, body: str, name: str = "guardrails.yaml") -> None:
    (repo.path / "policies" / name).write_text(HEADER + textwrap.dedent(body))


def summary(result: pytest.RunResult) -> str:
    lines = [line for line in result.outlines if line.startswith("pfperms: ") and " passed, " in line]
    assert len(lines) == 1, result.stdout.str()
    return lines[0]


DENY_AND_PASS = """\
  - id: deployer-reads-no-secrets
    subjects: {serviceAccounts: [{namespace: ci, name: deployer}]}
    cannot:
      - {verbs: [get, list, watch], resources: [secrets], namespaces: ["*"]}
  - id: web-reads-config
    subjects: {workloads: [{kind: Deployment, name: web, namespace: apps}]}
    can:
      - {verbs: [get, list], resources: [configmaps]}
"""


def test_each_policy_is_one_item_with_its_node_id(repo: pytest.Pytester) -> None:
    policies(repo, DENY_AND_PASS)
    (repo.path / "policies" / "manifest.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (repo.path / "policies" / "notes.yaml").write_text("title: not a policy; mentions pfperms/v1 in text\n")
    result = repo.runpytest("--collect-only", "-q")
    assert result.outlines[:2] == ["policies/guardrails.yaml::deployer-reads-no-secrets",
                                   "policies/guardrails.yaml::web-reads-config"]
    assert "manifest.yaml" not in result.stdout.str() and "notes.yaml" not in result.stdout.str()
    assert "2 tests collected" in result.stdout.str()


def test_yaml_outside_policy_dirs_is_never_collected(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "policy.yaml").write_text(HEADER + DENY_AND_PASS)
    result = repo.runpytest("--collect-only", "-q")
    assert "no tests collected" in result.stdout.str()


def test_deny_fails_with_every_offender_and_its_grant_path(repo: pytest.Pytester) -> None:
    policies(repo, DENY_AND_PASS)
    result = repo.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "policy deployer-reads-no-secrets (policies/guardrails.yaml:5) [deny]" in text
    assert "violated by 1 subject (3 findings):" in text
    assert "CAN get, list, watch secrets in namespace apps (expected: cannot)" in text
    assert "RoleBinding apps/ci-deployer-edit (subject ServiceAccount ci/deployer)  k8s/all.yaml:9" in text
    assert "└─ ClusterRole edit (aggregated)" in text
    assert "to fix: narrow the rule or remove the binding" in text
    assert summary(result) == "pfperms: 1 policy passed, 1 failed, 0 warned, 0 excepted"


def test_warn_is_a_warning_and_the_run_passes(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: web-deletes-config
        severity: warn
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [delete], resources: [configmaps]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    text = result.stdout.str()
    assert "policies/guardrails.yaml:5: PolicyWarning: policy web-deletes-config" in text
    assert "CANNOT delete configmaps in namespace apps (expected: can)" in text
    assert summary(result) == "pfperms: 0 policies passed, 0 failed, 1 warned, 0 excepted"
    assert result.ret == 0


def test_forbid_with_a_matched_an_expired_and_a_stale_exception(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: no-cluster-role-bindings
        forbid: [{kind: ClusterRoleBinding}]
        exceptions:
          - {match: {name: reader}, reason: "reads config everywhere (PLAT-1)", expires: 2999-12-31}
      - id: no-edit-bindings
        forbid: [{kind: RoleBinding, roleRef: edit}]
        exceptions:
          - {match: {namespace: apps}, reason: "old deal", expires: 2020-01-31}
      - id: no-wildcard-rules
        forbid: [{rule: {verbs: ["*"]}}]
        exceptions:
          - {match: {name: gone}, reason: "for a role we removed"}
    """)
    result = repo.runpytest("-rA")
    result.assert_outcomes(passed=2, failed=1, warnings=1)
    text = result.stdout.str()
    assert "an exception expired on 2020-01-31: exception {namespace: apps} ('old deal', expires 2020-01-31)" in text
    assert "RoleBinding apps/ci-deployer-edit  k8s/all.yaml:9" in text
    assert "stale exception {name: gone} ('for a role we removed') at policies/guardrails.yaml:16" in text
    assert summary(result) == "pfperms: 1 policy passed, 1 failed, 0 warned, 1 excepted"


def test_forbid_rule_and_subject_matchers(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: no-config-listing
        forbid: [{kind: ClusterRole, rule: {verbs: [list], resources: [configmaps]}}]
      - id: no-bindings-for-web
        forbid: [{subject: {kind: ServiceAccount, name: web}}]
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    assert 'rule 0: apiGroups [""] resources ["configmaps"] verbs ["get", "list"]  k8s/all.yaml:30' in text
    assert "subject ServiceAccount apps/web" in text


def test_only_is_a_closed_world(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: only-the-deployer-patches-apps
        only:
          subjects: {serviceAccounts: [{namespace: ci, name: deployer}]}
          can: {verbs: [patch], resources: [deployments.apps], namespaces: [apps]}
      - id: only-web-reads-config
        only:
          subjects: {workloads: [{kind: Deployment, name: web, namespace: apps}]}
          can: {verbs: [list], resources: [configmaps]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "policy only-web-reads-config" in text
    assert "ServiceAccount ci/deployer\n    CAN list configmaps in namespace apps (expected: only the policy's subjects)" \
        in text


def test_transitive_follows_escalations(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: deployer-cannot-list-config-even-through-pods
        subjects: {serviceAccounts: [{namespace: ci, name: deployer}]}
        cannot:
          - {verbs: [list], resources: [configmaps], namespaces: [ci], transitive: true}
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    assert ("ci/deployer -> create pods in apps -> runs as apps/web -> list configmaps in namespace ci"
            in result.stdout.str())


def test_selector_picks_subjects_the_sources_mention(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: shop-reads-no-secrets
        subjects: {selector: {kinds: [ServiceAccount], labels: {team: shop}}}
        cannot: {verbs: [get], resources: [secrets], namespaces: ["*"]}
      - id: nobody-matches
        subjects: {selector: {namespaces: [nowhere]}}
        cannot: {verbs: [get], resources: [secrets], namespaces: ["*"]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    assert "no subject matches the policy's subjects in this model" in result.stdout.str()


def test_users_and_groups_need_namespaces_and_get_authenticated(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: alice
        subjects: {users: [alice]}
        cannot: {verbs: [create], resources: [selfsubjectaccessreviews.authorization.k8s.io], namespaces: [null]}
      - id: devs
        subjects: {groups: [devs]}
        cannot: {verbs: [get], resources: [pods]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    assert "ClusterRoleBinding system:basic-user (subject Group system:authenticated)" in text
    assert "Group devs has no namespace of its own (line 10)" in text


def test_schema_errors_fail_collection_with_file_line_and_a_suggestion(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: Bad_Id
        severity: denny
        subjects: {serviceAccounts: [{namespace: ci, name: deployer}]}
        cannnot:
          - {verbs: [get], resources: [secrets]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(errors=1)
    text = result.stdout.str()
    assert "pfperms policy file policies/guardrails.yaml is invalid" in text
    assert ("policies/guardrails.yaml:8: policies[0]: unknown key 'cannnot' (did you mean 'cannot'?)" in text)
    assert "policies/guardrails.yaml:6: policies[0].severity: \"denny\" is not one of deny, warn (did you mean 'deny'?)" in text
    assert "policies/guardrails.yaml:5: policies[0].id: policy id \"Bad_Id\" must be lower-case" in text


def test_syntax_errors_and_duplicate_keys_fail_collection(repo: pytest.Pytester) -> None:
    (repo.path / "policies" / "a.yaml").write_text(HEADER + "  - id: x\n    id: y\n    forbid: [{kind: Pod}]\n")
    (repo.path / "policies" / "b.yaml").write_text(HEADER + "  - id: z\n    forbid: [{kind: Pod}\n")
    result = repo.runpytest()
    result.assert_outcomes(errors=2)
    text = result.stdout.str()
    assert "policies/a.yaml:6: key 'id' is defined twice (first at line 5); remove one" in text
    assert "policies/b.yaml:" in text and "YAML syntax error" in text


def test_ids_are_unique_across_files(repo: pytest.Pytester) -> None:
    policies(repo, "  - id: same\n    forbid: [{kind: Pod}]\n", "a.yaml")
    policies(repo, "  - id: same\n    forbid: [{kind: Job}]\n", "b.yaml")
    result = repo.runpytest()
    result.assert_outcomes(errors=1)  # a collection error stops the run
    assert "policy id 'same' is already used at policies/a.yaml:5" in result.stdout.str()


def test_a_model_that_does_not_load_fails_every_policy(repo: pytest.Pytester) -> None:
    policies(repo, DENY_AND_PASS)
    (repo.path / "k8s" / "bad.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [x]}\n")
    result = repo.runpytest()
    result.assert_outcomes(failed=2)
    assert "could not load the model, so nothing was checked" in result.stdout.str()
    assert "k8s/bad.yaml:3" in result.stdout.str()


def test_nothing_to_load_fails_every_policy(pytester: pytest.Pytester) -> None:
    pytester.mkdir("policies")
    (pytester.path / "policies" / "p.yaml").write_text(HEADER + "  - id: p\n    forbid: [{kind: Pod}]\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert "pytest-pfperms has nothing to load" in result.stdout.str()


UNKNOWN_TF = """\
variable "namespace" {
  type = string
}

resource "kubernetes_role_binding" "web" {
  metadata {
    name      = "web"
    namespace = var.namespace
  }
  subject {
    kind      = "ServiceAccount"
    name      = "web"
    namespace = "apps"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "edit"
  }
}
"""


def test_unknown_answers_fail_deny_unless_unknown_pass(repo: pytest.Pytester) -> None:
    repo.mkdir("tf")
    (repo.path / "tf" / "main.tf").write_text(UNKNOWN_TF)
    repo.makeini(f"[pytest]\npfperms_paths =\n    k8s\n    tf\n{QUIET}")
    policies(repo, """\
      - id: web-no-secrets
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        cannot: {verbs: [get], resources: [secrets], namespaces: [prod]}
      - id: web-no-secrets-unless-unknown
        unknown: pass
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        cannot: {verbs: [get], resources: [secrets], namespaces: [prod]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "MAY get secrets in namespace prod (unknown: it depends on values not known here)" in text
    assert "var.namespace: input variable namespace has no value" in text
    assert "or set `unknown: pass` on the policy (unsafe" in text


def test_the_run_counts_and_works_with_xdist(repo: pytest.Pytester) -> None:
    policies(repo, DENY_AND_PASS + """\
  - id: web-deletes-config
    severity: warn
    subjects: {serviceAccounts: [{namespace: apps, name: web}]}
    can: {verbs: [delete], resources: [configmaps]}
  - id: no-cluster-role-bindings
    forbid: [{kind: ClusterRoleBinding}]
    exceptions:
      - {match: {name: reader}, reason: "reads config everywhere (PLAT-1)"}
""")
    result = repo.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    assert summary(result) == "pfperms: 1 policy passed, 1 failed, 1 warned, 1 excepted"
    assert "PolicyWarning: policy web-deletes-config" in result.stdout.str()


def test_policy_dirs_outside_the_walk_are_collected_in_a_whole_run(pytester: pytest.Pytester) -> None:
    """The example's layout: policies at the top, the infra repo two levels down pointing at them."""
    infra = pytester.mkdir("examples") / "infra"
    (infra / "k8s").mkdir(parents=True)
    (infra / "k8s" / "all.yaml").write_text(MANIFESTS)
    (infra / "tests").mkdir()
    (infra / "tests" / "test_x.py").write_text("def test_model(pfperms):\n    assert pfperms.objects()\n")
    (infra / "pytest.ini").write_text("[pytest]\npfperms_paths = k8s\npfperms_policy_dirs = ../../policies\n"
                                      "testpaths = tests\n")
    pytester.mkdir("policies")
    (pytester.path / "policies" / "p.yaml").write_text(HEADER + DENY_AND_PASS)
    result = pytester.runpytest("examples/infra", "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2, failed=1)
    assert "policies/p.yaml::web-reads-config PASSED" in result.stdout.str()
    only_tests = pytester.runpytest("examples/infra/tests/test_x.py", "-p", "no:cacheprovider")
    only_tests.assert_outcomes(passed=1)


def test_k_selects_policies(repo: pytest.Pytester) -> None:
    policies(repo, DENY_AND_PASS)
    result = repo.runpytest("-k", "web")
    result.assert_outcomes(passed=1)


MANY = "".join(textwrap.dedent(f"""\
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {{name: bot-{index}, namespace: bots}}
    """) for index in range(7)) + textwrap.dedent("""\
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: secret-reader}
    rules:
      - {apiGroups: [""], resources: [secrets], verbs: [get]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: bots-read-secrets}
    subjects:
    """) + "".join(f"  - {{kind: ServiceAccount, name: bot-{index}, namespace: bots}}\n" for index in range(7)) + \
    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}\n"


def test_every_offender_is_shown_grouped_by_subject_then_how_to_fix(repo: pytest.Pytester) -> None:
    """Seven offenders: all seven, each once as a heading with its request and its grant path
    (binding, role, rule, each with file:line), and the fix after them (not the first five)."""
    (repo.path / "k8s" / "bots.yaml").write_text(MANY)
    policies(repo, """\
      - id: bots-read-no-secrets
        subjects: {selector: {kinds: [ServiceAccount], namespaces: [bots]}}
        cannot: {verbs: [get], resources: [secrets], namespaces: [bots, apps]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    # The failure's own report only: in CI (CI set) pytest repeats the whole message in the short summary.
    lines = result.outlines[:next(i for i, line in enumerate(result.outlines) if "short test summary" in line)]
    assert any(line.endswith("violated by 7 subjects (14 findings):") for line in lines), result.stdout.str()
    fix = next(i for i, line in enumerate(lines) if "to fix: narrow the rule or remove the binding" in line)
    binding_line = MANY.splitlines().index("kind: ClusterRoleBinding")  # its apiVersion line, 1-based
    rule_line = 1 + MANY.splitlines().index('  - {apiGroups: [""], resources: [secrets], verbs: [get]}')
    for index in range(7):
        heads = [i for i, line in enumerate(lines) if line.strip() == f"ServiceAccount bots/bot-{index}"]
        assert len(heads) == 1 and heads[0] < fix, f"bot-{index}"
        block = lines[heads[0] + 1:heads[0] + 8]
        assert any("CAN get secrets in namespace bots; CAN get secrets in namespace apps (expected: cannot)"
                   in line for line in block), block
        assert any(f"ClusterRoleBinding bots-read-secrets (subject ServiceAccount bots/bot-{index})  "
                   f"k8s/bots.yaml:{binding_line}" in line for line in block), block
        assert any("└─ ClusterRole secret-reader" in line and "k8s/bots.yaml:" in line for line in block)
        assert any("└─ rule 0:" in line and f"k8s/bots.yaml:{rule_line}" in line for line in block)


REQUEST_SHAPES = textwrap.dedent("""\
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: web-config, namespace: apps}
    rules:
      - {apiGroups: [""], resources: [services], verbs: [get], resourceNames: [web]}
      - {apiGroups: [apps], resources: [deployments/scale], verbs: [update]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: web-config, namespace: apps}
    subjects: [{kind: ServiceAccount, name: web, namespace: apps}]
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web-config}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: metrics}
    rules:
      - {nonResourceURLs: [/metrics], verbs: [get]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: metrics}
    subjects: [{kind: ServiceAccount, name: web, namespace: apps}]
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
    """)


def test_requests_name_names_api_groups_subresources_and_urls(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "shapes.yaml").write_text(REQUEST_SHAPES)
    policies(repo, """\
      - id: web-reads-its-service-by-name
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [get], resources: [services], names: [web]}
        cannot: {verbs: [get], resources: [services], names: [api]}
      - id: web-scales-deployments
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [update], resources: [deployments], apiGroups: [apps], subresources: [scale]}
        cannot: {verbs: [update], resources: [deployments], apiGroups: [apps], subresources: [status]}
      - id: web-scrapes-metrics-only
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [get], nonResourceURLs: [/metrics]}
        cannot: {verbs: [get], nonResourceURLs: [/metrics/cadvisor]}
      - id: web-reads-every-service
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [get], resources: [services], names: [api]}
    """)
    result = repo.runpytest("-v")
    result.assert_outcomes(passed=3, failed=1)
    text = result.stdout.str()
    assert "guardrails.yaml::web-reads-every-service FAILED" in text
    assert 'CANNOT get services "api" in namespace apps (expected: can)' in text


def test_star_namespaces_include_one_nobody_wrote(repo: pytest.Pytester) -> None:
    """``"*"`` asks every namespace the sources mention and an outsider: a grant in each mentioned
    namespace is not a grant everywhere, and a cluster-wide grant is found outside them too."""
    policies(repo, """\
      - id: deployer-creates-pods-everywhere
        subjects: {serviceAccounts: [{namespace: ci, name: deployer}]}
        can: {verbs: [create], resources: [pods], namespaces: ["*"]}
      - id: web-lists-no-config-anywhere
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        cannot: {verbs: [list], resources: [configmaps], namespaces: ["*"]}
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    assert "CANNOT create pods in namespace pfperms-outsider (expected: can)" in text
    assert "CANNOT create pods in namespace ci (expected: can)" in text
    assert "CAN list configmaps in namespace pfperms-outsider (expected: cannot)" in text
