"""``split: N``: a policy checked in N test items. The parts between them find exactly what the
whole policy finds (on the nine projects of the rendered corpus and on a written repo), the run
counts the policy once, and an exception is stale only when no part used it, also under ``-n 2``."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus
from test_policies import HEADER, policies, policy_repo, summary

import pytest_pfperms as pfperms
from pytest_pfperms.policies.evaluation import Finding, Outcome, evaluate
from pytest_pfperms.policies.format import Policy, policy_set
from pytest_pfperms.policies.reading import read

pytest_plugins = ["pytester"]

WIDE = """\
  - id: wide
    subjects: {selector: {}}
    cannot:
      - {verbs: [get, list], resources: [secrets], namespaces: ["*"]}
      - {verbs: [create], resources: [pods/exec, serviceaccounts/token]}
      - {vault: {capabilities: [read], paths: ["secret/data/*"]}, transitive: true}
    forbid:
      - {kind: ClusterRoleBinding}
      - {rule: {verbs: ["*"]}}
    only:
      subjects: {serviceAccounts: [{namespace: kube-system, name: nobody}]}
      can:
        - {verbs: [escalate, bind], resources: [clusterroles.rbac.authorization.k8s.io]}
        - {verbs: [get], resources: [secrets], transitive: true}
    exceptions:
      - {match: {kind: ClusterRoleBinding}, reason: "accepted (PLAT-1)"}
      - {match: {subject: "ServiceAccount nowhere/nobody"}, reason: "matches nothing"}
"""


def wide_policy(tmp_path: Path) -> Policy:
    path = tmp_path / "wide.yaml"
    path.write_text(HEADER + WIDE)
    return policy_set(read(path, "policies/wide.yaml")).policies[0]


def _key(finding: Finding) -> tuple[object, ...]:
    return (finding.subject, finding.summary, finding.lines, finding.allowed, finding.unknowns)


def assert_parts_cover_the_whole(whole: Outcome, parts: list[Outcome]) -> None:
    """Every finding, accepted finding and question of the whole is in exactly one part, and the
    exceptions no part used are the whole's stale ones."""
    assert Counter(_key(f) for f in whole.findings) == Counter(_key(f) for p in parts for f in p.findings)
    assert Counter(_key(f) for f, _ in whole.excepted) == \
        Counter(_key(f) for p in parts for f, _ in p.excepted)
    assert whole.checked == sum(part.checked for part in parts)
    unused = set.intersection(*({id(e) for e in part.stale} for part in parts))
    assert unused == {id(e) for e in whole.stale}


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_parts_of_a_policy_find_what_the_whole_finds_on_real_manifests(project: str, tmp_path: Path) -> None:
    model = pfperms.load(CORPUS / project, allow_partial=True)
    policy = wide_policy(tmp_path)
    whole = evaluate(policy, model)
    assert whole.checked and whole.excepted, "the policy asks, and finds something"
    for count in (2, 3, 7):
        assert_parts_cover_the_whole(whole, [evaluate(policy, model, part=(i, count)) for i in range(count)])


def test_a_part_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n")
    with pytest.raises(ValueError, match="part 3 of 3 does not exist"):
        evaluate(wide_policy(tmp_path), pfperms.load(tmp_path / "m.yaml"), part=(3, 3))


# --------------------------------------------------------------------------- as test items

SPLIT = """\
  - id: nobody-reads-secrets
    split: 3
    subjects: {selector: {kinds: [ServiceAccount]}}
    cannot: {verbs: [get], resources: [secrets], namespaces: ["*"]}
    exceptions:
      - {match: {subject: "ServiceAccount ci/deployer"}, reason: "deploys secrets (PLAT-2)"}
      - {match: {subject: "ServiceAccount gone/away"}, reason: "for an account we removed"}
"""


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """The policy tests' repo (manifests under k8s/, an empty policies/)."""
    return policy_repo(pytester)


def test_a_split_policy_is_one_item_per_part(repo: pytest.Pytester) -> None:
    policies(repo, SPLIT)
    result = repo.runpytest("--collect-only", "-q")
    assert result.outlines[:3] == [f"policies/guardrails.yaml::nobody-reads-secrets[{i}/3]" for i in (1, 2, 3)]


@pytest.mark.parametrize("workers", [None, "1", "2"])
def test_the_policy_counts_once_and_a_stale_exception_warns_once(repo: pytest.Pytester,
                                                                 workers: str | None) -> None:
    """ci/deployer (accepted) is in one part; the two other parts use neither exception, yet only
    the exception no part used is stale, once."""
    policies(repo, SPLIT)
    arguments = ["-p", "no:cacheprovider", "-rA"] + (["-n", workers] if workers else [])
    result = repo.runpytest_subprocess(*arguments)
    result.assert_outcomes(passed=3, warnings=1)
    text = result.stdout.str()
    assert summary(result) == "pfperms: 0 policies passed, 0 failed, 0 warned, 1 excepted"
    assert text.count("stale exception") == 1
    assert ("policies/guardrails.yaml:5: PolicyWarning: policy nobody-reads-secrets: stale exception "
            "{subject: ServiceAccount gone/away} ('for an account we removed') at "
            "policies/guardrails.yaml:11: it matches nothing; remove it") in text


def test_a_failing_part_fails_and_the_policy_counts_as_failed(repo: pytest.Pytester) -> None:
    policies(repo, SPLIT.replace('      - {match: {subject: "ServiceAccount ci/deployer"}, reason: '
                                 '"deploys secrets (PLAT-2)"}\n', ""))
    result = repo.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1, warnings=1)
    text = result.stdout.str()
    assert "FAILED policies/guardrails.yaml::nobody-reads-secrets[" in text
    assert "policy nobody-reads-secrets (policies/guardrails.yaml:5) [deny] part " in text
    assert "ServiceAccount ci/deployer\n    CAN get secrets in namespace apps (expected: cannot)" in text
    assert summary(result) == "pfperms: 0 policies passed, 1 failed, 0 warned, 0 excepted"


def test_staleness_waits_for_every_part(repo: pytest.Pytester) -> None:
    """With -k choosing one part, an exception unused there may be used elsewhere: no warning."""
    policies(repo, SPLIT)
    result = repo.runpytest("-p", "no:cacheprovider", "-k", "nobody-reads-secrets and 2/3")
    result.assert_outcomes(passed=1, deselected=2)
    assert "stale exception" not in result.stdout.str()


def test_more_parts_than_subjects_pass_empty_but_no_subject_fails_every_part(repo: pytest.Pytester) -> None:
    policies(repo, """\
      - id: few-subjects
        split: 9
        subjects: {serviceAccounts: [{namespace: apps, name: web}]}
        can: {verbs: [get], resources: [configmaps]}
      - id: nobody-at-all
        split: 2
        subjects: {selector: {names: [no-such-account]}}
        cannot: {verbs: [get], resources: [secrets]}
    """)
    result = repo.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(passed=9, failed=2)
    assert [line for line in result.outlines if line.startswith("  cannot be checked: no subject matches")] \
        == ["  cannot be checked: no subject matches the policy's subjects in this model, so it would pass "
            "without checking anything; check the selector (or the loaded paths)"] * 2
    assert summary(result) == "pfperms: 1 policy passed, 1 failed, 0 warned, 0 excepted"


def test_a_model_that_does_not_load_fails_every_part(repo: pytest.Pytester) -> None:
    policies(repo, SPLIT)
    (repo.path / "k8s" / "broken.yaml").write_text("kind: [unclosed\n")
    result = repo.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    headers = [line.split(" cannot pass")[0] for line in result.outlines
               if line.startswith("policy ") and "could not load the model" in line]
    assert headers == ["policy nobody-reads-secrets (policies/guardrails.yaml:5)"] * 3
    assert "stale exception" not in result.stdout.str()


@pytest.mark.parametrize(("value", "shown"), [("0", "0"), ("four", '"four"'), ("1001", "1001"),
                                             ("2.5", "2.5")])
def test_split_must_be_a_whole_number_of_items(repo: pytest.Pytester, value: str, shown: str) -> None:
    policies(repo, SPLIT.replace("split: 3", f"split: {value}"))
    result = repo.runpytest("--collect-only", "-q")
    assert result.ret != 0
    assert (f"policies/guardrails.yaml:6: policies[0].split: split {shown} must be a whole number of test "
            "items, from 1 to 1000") in result.stdout.str(), result.stdout.str()


TEAMS = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: team-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: team-b}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: batch, namespace: team-c}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b-reads-a, namespace: team-a}
subjects: [{kind: ServiceAccount, name: app, namespace: team-b}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-secrets}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view-secrets}
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
"""


def test_the_readme_split_policy_runs_on_explicit_workers(pytester: pytest.Pytester) -> None:
    """The README's ``split: 4`` policy on two ``--tx`` workers: four items, the one holding
    team-b/app fails, and the summary counts one failed policy."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- xdist-policy-example -->\n```yaml\n(.*?)```", readme, re.S)
    assert found, "the README has no split policy example"
    pytester.mkdir("k8s")
    pytester.mkdir("policies")
    (pytester.path / "k8s" / "teams.yaml").write_text(TEAMS)
    (pytester.path / "policies" / "teams.yaml").write_text(HEADER + found.group(1))
    pytester.makeini("[pytest]\npfperms_paths = k8s\n")
    worker = f"popen//python={sys.executable}//chdir={pytester.path}"
    result = pytester.runpytest_subprocess("-d", "--tx", worker, "--tx", worker, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    text = result.stdout.str()
    assert "ServiceAccount team-b/app\n    CAN get secrets in namespace team-a (expected: cannot)" in text
    assert "RoleBinding team-a/b-reads-a (subject ServiceAccount team-b/app)  k8s/teams.yaml:13" in text
    assert summary(result) == "pfperms: 0 policies passed, 1 failed, 0 warned, 0 excepted"
