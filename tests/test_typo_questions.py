"""Questions that cannot be mistyped: in a gate of ``assert not pfperms.can(...)`` a typo
would be a silent pass, so each form below fails the test with the error and a did-you-mean
(run for real through pytester), and the CLI exits with a usage error, not 0/1.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.cli import EXIT_NO, EXIT_USAGE, main
from pytest_pfperms.query.questions import looks_mistyped

pytest_plugins = ["pytester"]

MANIFESTS = textwrap.dedent("""\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: deployer, namespace: ci}
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: platform}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: deployer, namespace: platform}
    rules:
      - {apiGroups: [apps], resources: [deployments], verbs: [get, patch, delete]}
      - {apiGroups: [example.com], resources: [widgets], verbs: [frobnicate]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: deployer, namespace: platform}
    subjects:
      - {kind: ServiceAccount, name: deployer, namespace: ci}
      - {kind: ServiceAccount, name: ghost, namespace: ci}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
    """)

SA = "system:serviceaccount:ci:deployer"


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.mkdir("k8s")
    (pytester.path / "k8s" / "platform.yaml").write_text(MANIFESTS)
    pytester.makeini("[pytest]\npfperms_paths = k8s\n")
    return pytester


def run_gate(repo: pytest.Pytester, body: str) -> list[str]:
    """A one-test gate file; the test must fail (never pass silently); its output lines."""
    repo.makepyfile(test_gate=f"import pytest_pfperms as pfperms\n\n\ndef test_gate(pfperms):\n    {body}\n")
    result = repo.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    return result.outlines


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param(f'assert not pfperms.can("{SA}", "delet", "deployments.apps", namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: unknown verb 'delet': not a Kubernetes verb and "
                 "no rule in the model names it (verbs are lower case and exact); did you mean 'delete'?",
                 id="verb"),
    pytest.param(f'assert not pfperms.can("{SA}", "GET", "deployments.apps", namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: unknown verb 'GET': not a Kubernetes verb and "
                 "no rule in the model names it (verbs are lower case and exact); did you mean 'get'?",
                 id="verb-case"),
    pytest.param(f'assert not pfperms.can("{SA}", "delete", "deployments.apps", namespace="platfrom")',
                 "E   pytest_pfperms.errors.InvalidArgument: namespace 'platfrom' is not mentioned anywhere "
                 "in the sources, and it is one edit from 'platform'; did you mean 'platform'? (a "
                 "namespace the sources never mention is allowed, but not one that looks like a typo)",
                 id="namespace"),
    pytest.param(f'assert not pfperms.can("{SA}", "delete", "deployments.apps", namespace="Platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: namespace 'Platform' is not mentioned anywhere "
                 "in the sources, and it is one edit from 'platform'; did you mean 'platform'? (a "
                 "namespace the sources never mention is allowed, but not one that looks like a typo)",
                 id="namespace-case"),
    pytest.param('assert not pfperms.objects("clusterrolebinding")',
                 "E   pytest_pfperms.errors.InvalidArgument: unknown kind 'clusterrolebinding': no object "
                 "of the model has it and it is not a built-in kind (kinds are case-sensitive, as in "
                 "'ClusterRoleBinding'); did you mean 'ClusterRoleBinding'?", id="kind"),
    pytest.param('assert not pfperms.can("system:serviceacount:ci:deployer", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:serviceacount:ci:deployer': not a user "
                 "name a service account authenticates as; did you mean system:serviceaccount:ci:deployer? "
                 "(pfperms.Group(...) asks about a group, User.authenticated(...) about a user)",
                 id="serviceaccount-prefix"),
    pytest.param('assert not pfperms.can("system:serviceaccount:ci", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:serviceaccount:ci' is not a service "
                 "account user name: write system:serviceaccount:<namespace>:<name> (or "
                 "pfperms.ServiceAccount(ns, name))", id="serviceaccount-malformed"),
    pytest.param('assert not pfperms.can("system:serviceaccounts:ci", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:serviceaccounts:ci': the group of every "
                 "service account; did you mean system:serviceaccount:ci? (pfperms.Group(...) asks about "
                 "a group, User.authenticated(...) about a user)", id="serviceaccounts-group"),
    pytest.param('assert not pfperms.can("system:ServiceAccount:ci:deployer", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:ServiceAccount:ci:deployer': not a user "
                 "name a service account authenticates as; did you mean system:serviceaccount:ci:deployer? "
                 "(pfperms.Group(...) asks about a group, User.authenticated(...) about a user)",
                 id="serviceaccount-prefix-case"),
    pytest.param('assert not pfperms.can("system:serviceaccount:CI:deployer", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:serviceaccount:CI:deployer': no service "
                 "account authenticates with namespace 'CI' (a namespace is a DNS-1123 label: lower case "
                 "letters, digits and '-'); did you mean 'ci'?", id="serviceaccount-namespace-case"),
    pytest.param('assert not pfperms.can("system:serviceaccount:ci:deployer ", "delete", "deployments.apps", '
                 'namespace="platform")',
                 "E   pytest_pfperms.errors.InvalidArgument: 'system:serviceaccount:ci:deployer ': no service "
                 "account authenticates with name 'deployer ' (a service account name is a DNS-1123 "
                 "subdomain: lower case letters, digits, '-' and '.'); did you mean 'deployer'?",
                 id="serviceaccount-name-blank"),
])
def test_a_typo_fails_the_gate_with_a_did_you_mean(repo: pytest.Pytester, body: str, expected: str) -> None:
    folded = {" ".join(line.split()) for line in run_gate(repo, body)}
    assert " ".join(expected.split()) in folded


def test_the_right_spellings_answer(repo: pytest.Pytester) -> None:
    repo.makepyfile(test_gate=f"""\
        import pytest_pfperms as pfperms


        def test_gate(pfperms):
            assert pfperms.can("{SA}", "delete", "deployments.apps", namespace="platform")
            assert pfperms.can("{SA}", "frobnicate", "widgets.example.com", namespace="platform")  # a rule's verb
            assert pfperms.objects("ClusterRoleBinding") == []  # a built-in kind the model has none of
            decision = pfperms.can("{SA}", "delete", "deployments.apps", namespace="outsiders")
            assert not decision
            assert "namespace 'outsiders' is not mentioned anywhere in the sources" in decision.explain()
        """)
    repo.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_who_can_and_rules_for_refuse_a_mistyped_namespace(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    model = pfperms.load(tmp_path, cluster_defaults=False)
    with pytest.raises(pfperms.InvalidArgument, match="did you mean 'platform'"):
        model.who_can("delete", "deployments.apps", namespace="platfrom")
    with pytest.raises(pfperms.InvalidArgument, match="did you mean 'platform'"):
        model.rules_for(SA, namespace="plaform")
    with pytest.raises(pfperms.InvalidArgument, match="did you mean 'delete'"):
        model.who_can("deleet", "deployments.apps", namespace="platform")
    assert [g.subject for g in model.who_can("delete", "deployments.apps", namespace="platform")] == [
        "ServiceAccount ci/deployer", "ServiceAccount ci/ghost"]


def test_a_question_asked_again_is_checked_and_noted_as_the_first_time(tmp_path: Path) -> None:
    """can() remembers plain (verb, resource, namespace) questions: a typo is refused every
    time it is asked, never remembered as an answer; a namespace the sources never mention
    keeps its note; the namespace of RoleBindings (known without gathering every namespace),
    a namespace only a subject names and a custom verb a rule names are taken."""
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    model = pfperms.load(tmp_path, cluster_defaults=False)
    deployer = pfperms.ServiceAccount("ci", "deployer")
    for _ in range(2):
        assert model.can(deployer, "delete", "deployments", namespace="platform").allowed is True
        with pytest.raises(pfperms.InvalidArgument, match="did you mean 'platform'"):
            model.can(deployer, "delete", "deployments", namespace="platfrom")
        with pytest.raises(pfperms.InvalidArgument, match="did you mean 'delete'"):
            model.can(deployer, "deleet", "deployments", namespace="platform")
        assert model.can(deployer, "frobnicate", "widgets.example.com", namespace="platform").allowed is True
        assert model.can(deployer, "get", "pods", namespace="ci").allowed is False
        outsider = model.can(deployer, "get", "pods", namespace="elsewhere")
        assert outsider.allowed is False
        assert "namespace 'elsewhere' is not mentioned anywhere in the sources" in str(outsider.explain())


def test_dangling_service_account_subject_is_in_the_warnings_summary(repo: pytest.Pytester) -> None:
    repo.makepyfile(test_gate="def test_gate(pfperms):\n    assert pfperms.objects('Role')\n")
    result = repo.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    text = "\n".join(result.outlines)
    assert "pfperms warnings" in text
    assert ("RoleBinding platform/deployer binds ServiceAccount ci/ghost, which the sources do not "
            "define (k8s/platform.yaml:16)") in text
    assert "ServiceAccount ci/deployer," not in text


def test_dangling_subject_names_where_the_account_is_defined(tmp_path: Path) -> None:
    text = MANIFESTS.replace("namespace: ci}\n---\napiVersion: v1\nkind: Namespace",
                             "namespace: default}\n---\napiVersion: v1\nkind: Namespace", 1)
    (tmp_path / "m.yaml").write_text(text)
    problems = pfperms.load(tmp_path, cluster_defaults=False).problems()
    assert any("binds ServiceAccount ci/deployer, which the sources do not define; the sources define "
               "it in namespace default (was an install loaded without its namespace, e.g. kubectl "
               "apply -n?)" in problem for problem in problems), problems


def test_dangling_subject_names_every_namespace_defining_the_account(tmp_path: Path) -> None:
    accounts = "".join(f"---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: deployer, namespace: {ns}}}\n"
                       for ns in ("zeta", "alpha"))
    (tmp_path / "m.yaml").write_text(accounts + textwrap.dedent("""\
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: deployer, namespace: ci}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
        subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
        """))
    problems = pfperms.load(tmp_path).problems()
    assert problems == ["RoleBinding ci/deployer binds ServiceAccount ci/deployer, which the sources do not "
                        "define; the sources define it in namespace alpha, zeta (was an install loaded "
                        f"without its namespace, e.g. kubectl apply -n?) ({tmp_path / 'm.yaml'}:10)"], problems


def test_user_has_no_groups_unless_authenticated(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: reader}
        rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: everyone}
        subjects: [{kind: Group, name: "system:authenticated"}, {kind: Group, name: devs}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
        """))
    model = pfperms.load(tmp_path, cluster_defaults=False)
    assert not model.can(pfperms.User("alice"), "get", "pods", namespace="default")
    assert pfperms.User.authenticated("alice").groups == ("system:authenticated",)
    assert model.can(pfperms.User.authenticated("alice"), "get", "pods", namespace="default")
    assert pfperms.User.authenticated("bob", groups=["devs"]).groups == ("devs", "system:authenticated")
    assert model.can(pfperms.Group("devs"), "get", "pods", namespace="default")
    assert not model.can(pfperms.Group("ops"), "get", "pods", namespace="default")
    assert "Group devs" in model.can(pfperms.Group("devs"), "get", "pods", namespace="default").explain()
    # a Group is a subject for rules_for and forall(subjects=...) too
    assert [tuple(grant.rule.rule.resources) for grant in model.rules_for(pfperms.Group("devs"), namespace="x")] == [("pods",)]
    assert model.rules_for(pfperms.Group("ops"), namespace="x") == []
    space = dict(verbs=["get"], resources=["pods"], namespaces=["default"])
    pfperms.forall(model, subjects=[pfperms.Group("devs")], **space).can()
    with pytest.raises(pfperms.InvariantViolation, match="any member of group devs> CAN get pods"):
        pfperms.forall(model, subjects=[pfperms.Group("devs")], **space).cannot()
    pfperms.forall(model, subjects=[pfperms.Group("ops")], **space).cannot()


def test_cli_as_with_a_misspelt_service_account_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    base = ["can-i", "delete", "deployments.apps", "-n", "platform", "-f", "m.yaml"]
    assert main([*base, "--as", "system:serviceacount:ci:deployer"]) == EXIT_USAGE
    assert "did you mean system:serviceaccount:ci:deployer?" in capsys.readouterr().err
    assert main(["can-i", "delete", "deployments.apps", "-n", "platfrom", "-f", "m.yaml", "--as", SA]) == EXIT_USAGE
    assert "did you mean 'platform'?" in capsys.readouterr().err
    assert main(["can-i", "delet", *base[2:], "--as", SA]) == EXIT_USAGE
    assert "did you mean 'delete'?" in capsys.readouterr().err
    assert main([*base, "--as", "system:serviceaccount:ci:other"]) == EXIT_NO


@pytest.mark.parametrize(("asked", "known", "typo"), [
    ("platfrom", "platform", True), ("platfom", "platform", True), ("plattform", "platform", True),
    ("plutform", "platform", True), ("aps", "apps", True), ("app", "apps", True),
    ("ap", "app", False), ("cd", "ci", False), ("ns", "ns1", False), ("ns2", "ns1", False), ("team-b", "team-a", False),
    ("dev10", "dev1", False), ("apps", "apps", False), ("monitoring", "platform", False),
])
def test_which_namespaces_read_as_typos(asked: str, known: str, typo: bool) -> None:
    assert looks_mistyped(asked, known) is typo


CLI = "import sys; from pytest_pfperms.cli import main; sys.exit(main())"


@pytest.mark.parametrize(("argv", "expected"), [
    pytest.param(["delete", "deployments.apps", "-n", "platform", "--as", "system:serviceacount:ci:deployer"],
                 "pfperms: 'system:serviceacount:ci:deployer': not a user name a service account "
                 "authenticates as; did you mean system:serviceaccount:ci:deployer? (--as-group GROUP asks "
                 "as a member of a group; --as USER about a user)", id="as-serviceaccount-prefix"),
    pytest.param(["delete", "deployments.apps", "-n", "platform", "--as", "system:serviceaccount:ci"],
                 "pfperms: 'system:serviceaccount:ci' is not a service account user name: write "
                 "system:serviceaccount:<namespace>:<name>",
                 id="as-serviceaccount-malformed"),
    pytest.param(["delete", "deployments.apps", "-n", "platform", "--as", "system:serviceaccounts:ci"],
                 "pfperms: 'system:serviceaccounts:ci': the group of every service account; did you mean "
                 "system:serviceaccount:ci? (--as-group GROUP asks as a member of a group; --as USER "
                 "about a user)", id="as-serviceaccounts-group"),
    pytest.param(["delet", "deployments.apps", "-n", "platform", "--as", SA],
                 "pfperms: unknown verb 'delet': not a Kubernetes verb and no rule in the model names it "
                 "(verbs are lower case and exact); did you mean 'delete'?", id="verb"),
    pytest.param(["delete", "deployments.apps", "-n", "platfrom", "--as", SA],
                 "pfperms: namespace 'platfrom' is not mentioned anywhere in the sources, and it is one "
                 "edit from 'platform'; did you mean 'platform'? (a namespace the sources never mention "
                 "is allowed, but not one that looks like a typo)", id="namespace"),
])
def test_a_typo_on_the_command_line_is_a_usage_error_with_the_text(repo: pytest.Pytester, argv: list[str],
                                                                   expected: str) -> None:
    """``pfperms can-i`` run for real: exit status 4 (usage), never 0 (yes) or 1 (no)."""
    result = repo.run(sys.executable, "-c", CLI, "can-i", *argv, "-f", "k8s", "--no-cache")
    assert result.ret == EXIT_USAGE
    assert expected in result.errlines
    assert result.outlines == []
