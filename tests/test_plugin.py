"""The pytest plugin, run for real through pytester: options, fixture, failure messages."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

MANIFESTS = textwrap.dedent("""\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: example, namespace: apps}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: example, namespace: apps}
    spec:
      template:
        spec: {serviceAccountName: example}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: example, namespace: apps}
    rules:
      - apiGroups: [""]
        resources: ["persistentvolumeclaims"]
        verbs: ["get", "update", "list"]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: example, namespace: apps}
    subjects:
      - {kind: ServiceAccount, name: example, namespace: apps}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: example}
    """)


def assert_lines(output: list[str], expected: list[str]) -> None:
    """Each expected line appears, in order, with runs of spaces folded (no glob patterns)."""
    folded = [" ".join(line.split()) for line in output]
    position = 0
    for line in expected:
        want = " ".join(line.split())
        while position < len(folded) and folded[position] != want:
            position += 1
        assert position < len(folded), f"line not found in order: {line!r}\n" + "\n".join(output)
        position += 1


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """An infrastructure repo with one manifest file and pfperms_paths set."""
    pytester.mkdir("k8s")
    (pytester.path / "k8s" / "apps.yaml").write_text(MANIFESTS)
    pytester.makeini("[pytest]\npfperms_paths = k8s\n")
    return pytester


def test_passing_assertions(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        def test_pvcs(pfperms):
            example = pfperms.workload("Deployment/example", namespace="apps")
            assert example.can("update", "persistentvolumeclaims")
            assert not example.can("delete", "persistentvolumeclaims")
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1)


def test_failed_can_shows_the_nearest_rule_with_file_and_line(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        def test_delete(pfperms):
            example = pfperms.workload("Deployment/example", namespace="apps")
            assert example.can("delete", "persistentvolumeclaims")
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    assert_lines(result.outlines, [
        "--------------------- pfperms: the last permission checked ---------------------",
        "Deployment apps/example CANNOT delete persistentvolumeclaims in namespace apps",
        "no rule grants it; nearest rules:",
        "RoleBinding apps/example (subject ServiceAccount apps/example) k8s/apps.yaml:20",
        "└─ Role apps/example k8s/apps.yaml:12",
        '└─ rule 0: apiGroups [""] resources ["persistentvolumeclaims"] verbs ["get", "update", "list"]'
        " k8s/apps.yaml:16",
        '✗ verbs ["get", "update", "list"] do not include "delete"',
        "(expected: can)",
    ])


def test_failed_cannot_shows_the_grant_path(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        def test_update(pfperms):
            example = pfperms.workload("Deployment/example", namespace="apps")
            assert not example.can("update", "persistentvolumeclaims")
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    assert_lines(result.outlines, [
        "Deployment apps/example CAN update persistentvolumeclaims in namespace apps",
        "RoleBinding apps/example (subject ServiceAccount apps/example) k8s/apps.yaml:20",
        "└─ Role apps/example k8s/apps.yaml:12",
        '└─ rule 0: apiGroups [""] resources ["persistentvolumeclaims"] verbs ["get", "update", "list"]'
        " k8s/apps.yaml:16",
        "to fix: narrow the rule or remove the binding named above",
        "(expected: cannot)",
    ])


def test_assert_helpers_put_the_explanation_in_the_message(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        import pytest_pfperms

        def test_helper(pfperms):
            example = pfperms.workload("Deployment/example", namespace="apps")
            pytest_pfperms.assert_cannot(example.can("get", "persistentvolumeclaims"))
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E*PermissionAssertionError: Deployment apps/example CAN get persistentvolumeclaims in namespace apps",
        "E*(expected: cannot)",
    ])


def test_load_error_errors_every_test_with_file_line_and_field(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "bad.yaml").write_text(textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: bad, namespace: apps}
        rules:
          - apiGroups: [""]
            resources: ["pods"]
            verbs: "get"
        """))
    repo.makepyfile("""
        def test_one(pfperms):
            pass

        def test_two(pfperms):
            pass
    """)
    result = repo.runpytest()
    result.assert_outcomes(errors=2)
    assert_lines(result.outlines, [
        "pytest-pfperms could not load the model:",
        'k8s/bad.yaml:7: rules[0].verbs: expected a list of strings, got "get"',
    ])


def test_no_paths_configured_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_one(pfperms):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pytest-pfperms has nothing to load: set pfperms_paths*"])


def test_command_line_path_and_default_namespace(pytester: pytest.Pytester) -> None:
    pytester.mkdir("rendered")
    (pytester.path / "rendered" / "install.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: agent}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent}
        spec:
          template:
            spec: {serviceAccountName: agent}
        """))
    pytester.makepyfile("""
        def test_namespace(pfperms):
            agent = pfperms.workload("DaemonSet/agent")
            assert agent.namespace == "monitoring"
            assert agent.service_account.namespace == "monitoring"
    """)
    result = pytester.runpytest("--pfperms-path", "rendered=monitoring")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest("--pfperms-path", "rendered", "--pfperms-default-namespace", "ops")
    result.assert_outcomes(failed=1)


def test_path_outside_rootdir_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile("def test_one(pfperms):\n    pass\n")
    result = pytester.runpytest("--pfperms-path", "../elsewhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*outside the rootdir*reads nothing outside the repository*"])


def test_no_cluster_defaults_option(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        def test_healthz(pfperms):
            example = pfperms.workload("Deployment/example", namespace="apps")
            assert not example.can("get", "/healthz")
    """)
    repo.runpytest().assert_outcomes(failed=1)
    repo.runpytest("--pfperms-no-cluster-defaults").assert_outcomes(passed=1)


def test_unknown_workload_suggests_close_matches(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        def test_typo(pfperms):
            pfperms.workload("Deployment/exmaple", namespace="apps")
    """)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*NotFoundError: no workload 'Deployment/exmaple' in namespace apps; "
        "did you mean 'Deployment/example'?"])


def test_warnings_are_summarised(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "old.yaml").write_text(textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1beta1
        kind: RoleBinding
        metadata: {name: old, namespace: apps}
        subjects: [{kind: ServiceAccount, name: example}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
        """))
    repo.makepyfile("def test_load(pfperms):\n    assert pfperms\n")
    result = repo.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*pfperms warnings*",
        "*k8s/old.yaml:1: RoleBinding apps/old: apiVersion rbac.authorization.k8s.io/v1beta1 is deprecated*",
        "RoleBinding apps/old references Role apps/missing, which is not defined: it grants nothing*",
    ])


def test_variables_reach_the_loader(repo: pytest.Pytester) -> None:
    (repo.path / "vars.json").write_text('{"namespace": "apps"}')
    repo.makepyfile("def test_load(pfperms):\n    assert pfperms\n")
    repo.runpytest("--pfperms-var-file", "vars.json", "--pfperms-var", "x=1").assert_outcomes(passed=1)
    result = repo.runpytest("--pfperms-var", "novalue")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_runs_under_xdist(repo: pytest.Pytester) -> None:
    repo.makepyfile("""
        import pytest

        @pytest.mark.parametrize("verb", ["get", "update", "list"])
        def test_can(pfperms, verb):
            assert pfperms.workload("Deployment/example", namespace="apps").can(verb, "persistentvolumeclaims")

        def test_fails(pfperms):
            assert pfperms.workload("Deployment/example", namespace="apps").can("delete", "persistentvolumeclaims")
    """)
    result = repo.runpytest("-n", "2")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*CANNOT delete persistentvolumeclaims in namespace apps*"])


def test_the_readme_split_forall_runs_on_explicit_workers(pytester: pytest.Pytester) -> None:
    """The README's ``forall`` split per namespace and into shards, on two ``--tx`` workers
    (the form remote hosts take, here as local processes): one item per part, a violation
    fails its item only."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"<!-- xdist-example -->\n```python\n(.*?)```", readme, re.S)
    shards = re.search(r"<!-- xdist-shard-example -->\n```python\n(.*?)```", readme, re.S)
    assert example and shards, "the README has no xdist examples"
    pytester.makefile(".yaml", rbac=MANIFESTS + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reader, namespace: web}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: reader-reads-search, namespace: search}
        subjects: [{kind: ServiceAccount, name: reader, namespace: web}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-secrets}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: view-secrets}
        rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
        """))
    pytester.makeini("[pytest]\npfperms_paths = .\n")
    pytester.makepyfile(test_split="import pytest\nfrom pytest_pfperms import ServiceAccount, forall\n\n"
                        + example.group(1) + "\n\n" + shards.group(1))
    worker = f"popen//python={sys.executable}//chdir={pytester.path}"
    result = pytester.runpytest_subprocess("-d", "--tx", worker, "--tx", worker, "-p", "no:cacheprovider",
                                           "-rA")
    result.assert_outcomes(passed=6, failed=1)  # three namespaces (one fails), four shards
    result.stdout.fnmatch_lines(["*FAILED test_split.py::test_no_foreign_account_reads_secrets[[]search[]]*"])
    assert "ServiceAccount web/reader" in result.stdout.str()


def test_vault_flavor_option_reaches_the_model(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", sa="apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: n}\n")
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_vault_flavor = openbao\n")
    pytester.makepyfile(test_x="""
        def test_flavor(pfperms):
            assert pfperms.vault_flavor == "openbao"
    """)
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("--pfperms-vault-flavor", "vault", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result = pytester.runpytest("-o", "pfperms_vault_flavor=hashicorp")
    assert "pfperms_vault_flavor must be vault or openbao, not 'hashicorp'" in result.stderr.str()


def test_hcl_parser_option_reaches_the_load(pytester: pytest.Pytester) -> None:
    # strip markers in a quoted interpolation: Terraform and tree-sitter read them, python-hcl2 does not
    pytester.makefile(".tf", main='resource "kubernetes_namespace_v1" "ns" {\n'
                                  '  metadata { name = "${~ "tight" ~}" }\n}\n')
    pytester.makeini("[pytest]\npfperms_paths = .\n")
    pytester.makepyfile(test_x="""
        def test_loaded(pfperms):
            assert [o.name for o in pfperms.objects("Namespace")] == ["tight"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest("-o", "pfperms_hcl_parser=python-hcl2", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*main.tf:2*"])
    result = pytester.runpytest("-o", "pfperms_hcl_parser=lark")
    assert "pfperms_hcl_parser must be tree-sitter or python-hcl2, not 'lark'" in result.stderr.str()


def test_allow_partial_tests_what_loaded_and_warns_of_what_did_not(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "bad.yaml").write_text("kind: [unclosed\n")
    repo.makepyfile("""
        def test_pvcs(pfperms):
            assert pfperms.workload("Deployment/example", namespace="apps").can(
                "update", "persistentvolumeclaims")
    """)
    result = repo.runpytest()
    result.assert_outcomes(errors=1)  # fail closed by default
    result = repo.runpytest("--pfperms-allow-partial")
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert "k8s/bad.yaml:2: YAML syntax error" in text and "partial load allowed" in text
