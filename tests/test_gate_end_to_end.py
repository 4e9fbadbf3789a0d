"""The pre-merge gate end to end, on a temporary git repository with two commits: the head
adds a RoleBinding, widens an IAM policy and removes a Vault rule. Checks ``pfperms diff``
(text, JSON, Markdown, ``--fail-on``), the lockfile (pytest failure, ``--pfperms-update-lock``,
``pfperms lock``), SARIF and its baseline, every exit status, and the head's HTML report
in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from pytest_pfperms.cli import (
    EXIT_INTERNAL,
    EXIT_LOAD_ERROR,
    EXIT_NO,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    EXIT_YES,
    main,
)
from pytest_pfperms.cli.results import output_schema
from tests.test_html_report import browse

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra"

SHARED_RULE = """  rule {
    path         = "secret/data/shared/*"
    capabilities = ["read", "list"]
  }
"""

NEW_BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: scraper-edits-apps, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: scraper, namespace: monitoring}]
"""

PYTEST_INI = """\
[pytest]
pfperms_paths =
    manifests
    terraform
pfperms_vars =
    namespace=apps
"""


def _git(repo: Path, *argv: str) -> str:
    return subprocess.run(["git", *argv], cwd=repo, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                               "HOME": str(repo), "PATH": "/usr/bin:/bin"}).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """base: the example infrastructure plus a shared Vault rule; head: a new RoleBinding,
    sqs:DeleteMessage added to the IAM policy, the shared Vault rule removed."""
    root = tmp_path / "infra"
    shutil.copytree(EXAMPLE / "manifests", root / "manifests")
    shutil.copytree(EXAMPLE / "terraform", root / "terraform")
    (root / "pytest.ini").write_text(PYTEST_INI)
    main_tf = root / "terraform" / "apps" / "main.tf"
    text = main_tf.read_text()
    anchor = '  rule {\n    path         = "secret/data/example/root-token"'
    assert anchor in text
    main_tf.write_text(text.replace(anchor, SHARED_RULE + anchor))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    (root / "manifests" / "scraper.yaml").write_text(NEW_BINDING)
    text = main_tf.read_text().replace(SHARED_RULE, "")
    widened = text.replace('actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]',
                           'actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"]')
    assert widened != text
    main_tf.write_text(widened)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "head: widen access")
    monkeypatch.chdir(root)
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    return root


def _granted_rules() -> set[str]:
    """The distinct rules ClusterRole edit grants in a namespace (aggregated), as the engine has them."""
    import pytest_pfperms as pfperms
    from pytest_pfperms.lockfile.snapshot import rule_line

    model = pfperms.load("manifests")   # the head's: it aggregates a metrics ClusterRole into view (and so edit)
    return {rule_line(path) for path in model.rules_for(pfperms.ServiceAccount("monitoring", "scraper"),
                                                         namespace="apps")
            if path.binding.name == "scraper-edits-apps"}


SIDES = ["-f", "manifests", "-f", "terraform", "--var", "namespace=apps"]


def test_diff_between_two_revisions(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["diff", "HEAD~1", "HEAD", *SIDES])
    out = capsys.readouterr().out
    assert status == EXIT_YES
    granted = len(_granted_rules())
    assert out.startswith(f"pfperms diff HEAD~1..HEAD: {granted + 1} grew, 2 shrank\nnamespace apps:\n")
    assert (f"  ServiceAccount monitoring/scraper (runs Deployment monitoring/scraper): {granted} grew, 0 shrank"
            in out)
    assert '+ Kubernetes apps: apiGroups ["batch"] resources ["cronjobs", "cronjobs/status", "jobs", "jobs/status"] verbs ["get", "list", "watch"]' in out
    assert "granted by RoleBinding apps/scraper-edits-apps -> ClusterRole edit (manifests/scraper.yaml:1)" in out
    assert ("+ AWS arn:aws:sqs:us-east-2:111122223333:jobs: sqs:DeleteMessage\n      granted by allowed by "
            "Statement[0] of module.example_aws.aws_iam_policy.service_account = data.aws_iam_policy_document.example "
            "(terraform/apps/main.tf:96)") in out
    assert "- Vault secret/data/shared/*: list" in out and "- Vault secret/data/shared/*: read" in out
    assert ('was granted by path "secret/data/shared/*" [read, list] in policy '
            "apps-${module.example_deployment.random_id.deployment_id.hex} (terraform/apps/main.tf:") in out
    # the work tree is untouched, and a directory side works like a revision
    assert _git(repo, "status", "--porcelain") == ""
    assert main(["diff", "HEAD", ".", *SIDES]) == EXIT_YES
    assert "0 grew, 0 shrank" in capsys.readouterr().out


def test_diff_json_markdown_and_gate(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD~1", "HEAD", *SIDES, "-o", "json", "--fail-on", "grow"]) == EXIT_NO
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, output_schema())
    assert document["counts"] == {"grew": len(_granted_rules()) + 1, "shrank": 2}
    grew = {(c["subject"], c["system"], c["grant"]) for c in document["changes"] if c["direction"] == "grew"}
    assert ("ServiceAccount apps/${module.example_deployment.service_account_name}", "aws",
            "sqs:DeleteMessage") in grew
    assert main(["diff", "HEAD", "HEAD~1", *SIDES, "--fail-on", "grow"]) == EXIT_NO   # the reverse also grows
    capsys.readouterr()
    assert main(["diff", "HEAD~1", "HEAD~1", *SIDES, "--fail-on", "any"]) == EXIT_YES
    capsys.readouterr()
    assert main(["diff", "HEAD~1", "HEAD", *SIDES, "-o", "markdown"]) == EXIT_YES
    markdown = capsys.readouterr().out
    assert f"**{len(_granted_rules()) + 1} grew, 2 shrank**" in markdown and "#### namespace `apps`" in markdown
    assert "| ➕ grew | ServiceAccount monitoring/scraper | Kubernetes | `apps` |" in markdown
    assert "| ➖ shrank |" in markdown and "`secret/data/shared/*`" in markdown
    assert main(["diff", "no-such-rev", "HEAD", *SIDES]) == EXIT_USAGE


def test_lockfile_fails_then_updates(repo: Path, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)   # pytester moved to its own directory
    # lock the base, then check the head against it
    _git(repo, "checkout", "-q", "HEAD~1")
    assert main(["lock", *SIDES]) == EXIT_YES
    base_lock = (repo / "pfperms.lock").read_text()
    assert main(["lock", *SIDES]) == EXIT_YES and (repo / "pfperms.lock").read_text() == base_lock  # stable
    assert "ServiceAccount apps/${module.example_deployment.service_account_name}:" in base_lock
    assert "secret/data/shared/*:" in base_lock
    _git(repo, "checkout", "-q", "main")
    capsys.readouterr()
    assert main(["lock", "--check", *SIDES]) == EXIT_NO
    assert "sqs:DeleteMessage" in capsys.readouterr().out
    (repo / "tests").mkdir()
    (repo / "tests" / "test_ok.py").write_text("def test_loads(pfperms):\n    assert pfperms.workloads()\n")
    result = pytester.runpytest_inprocess(str(repo), "--rootdir", str(repo), "-c", str(repo / "pytest.ini"),
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"*effective permissions no longer match pfperms.lock: {len(_granted_rules()) + 1} grew, "
                                 "2 shrank*",
                                 "*+ AWS arn:aws:sqs:us-east-2:111122223333:jobs: sqs:DeleteMessage*",
                                 "*pytest --pfperms-update-lock*"])
    # what grew, with its cause (the head's IAM statement), and what shrank with why it no longer
    # holds (the lockfile keeps no causes: the head's model is asked again)
    result.stdout.fnmatch_lines(["*+ AWS arn:aws:sqs:us-east-2:111122223333:jobs: sqs:DeleteMessage",
                                 "*granted by allowed by Statement?0? of module.example_aws.aws_iam_policy.service_account*"
                                 "(terraform/apps/main.tf:96)",
                                 "*- Vault secret/data/shared/?: list",
                                 "*  now: * CANNOT list on secret/data/shared/pfperms*",
                                 "*- Vault secret/data/shared/?: read",
                                 "*  now: * CANNOT read on secret/data/shared/pfperms*"])
    assert "terraform/apps/main.tf:" in result.stdout.str().split("- Vault secret/data/shared/*: read")[1]
    pytester.runpytest_inprocess(str(repo), "--rootdir", str(repo), "-c", str(repo / "pytest.ini"),
                                 "-p", "no:cacheprovider", "--pfperms-update-lock").assert_outcomes(passed=2)
    assert main(["lock", "--check", *SIDES]) == EXIT_YES
    assert "no change in effective permissions" in capsys.readouterr().out
    pytester.runpytest_inprocess(str(repo), "--rootdir", str(repo), "-c", str(repo / "pytest.ini"),
                                 "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_sarif_and_every_exit_status(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sa = "system:serviceaccount:ci:deployer"
    assert main(["can-i", "get", "secrets", "--as", sa, "-n", "apps", *SIDES]) == EXIT_YES
    assert main(["can-i", "get", "secrets", "--as", sa, "-n", "monitoring", *SIDES]) == EXIT_NO
    assert main(["can-i", "update", "persistentvolumeclaims", "--workload", "Deployment/example", "-n", "other",
                 "-f", "terraform"]) == EXIT_UNKNOWN
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    assert main(["objects", "-f", str(tmp_path / "broken.yaml")]) == EXIT_LOAD_ERROR
    assert main(["can-i", "get", "secrets", *SIDES]) == EXIT_USAGE
    capsys.readouterr()
    assert main(["check", *SIDES, "-o", "sarif"]) == EXIT_NO
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0"
    ids = {result["ruleId"] for result in log["runs"][0]["results"]}
    assert "PF-K8S-006" in ids
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith(("manifests/", "terraform/"))
        assert location["region"]["startLine"] >= 1
    # 5: a bug inside a command is an internal error, never a "no"
    from pytest_pfperms import cli

    def broken(*_args: object) -> object:
        raise KeyError("bug")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    assert main(["check", *SIDES]) == EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err


SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-2.1.0-reduced.schema.json"


def _sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    status = main(["check", *SIDES, *argv, "-o", "sarif"])
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()),
                        format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return status, log


def test_sarif_is_valid_and_the_baseline_accepts_todays_findings(repo: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "checkout", "-q", "HEAD~1")
    baseline = tmp_path / "baseline.json"
    assert main(["check", *SIDES, "--create-baseline", str(baseline)]) == EXIT_YES
    capsys.readouterr()
    assert main(["check", *SIDES, "--baseline", str(baseline)]) == EXIT_YES
    assert "findings in the baseline" in capsys.readouterr().out
    _git(repo, "checkout", "-q", "main")
    status, log = _sarif(capsys)
    everything = log["runs"][0]["results"]  # type: ignore[index]
    status_new, log_new = _sarif(capsys, "--baseline", str(baseline))
    new = log_new["runs"][0]["results"]  # type: ignore[index]
    assert status == EXIT_NO and 0 < len(new) < len(everything)
    # only the head's new grants are left: the scraper editing apps
    assert all("monitoring/scraper" in r["message"]["text"] for r in new), new
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in new]
    # the new binding, and (PF-K8S-014: its token is mounted) the service account itself
    assert set(uris) == {"manifests/scraper.yaml", "manifests/monitoring.yaml"}
    assert {r["ruleId"] for r in new} >= {"PF-K8S-006", "PF-K8S-007", "PF-K8S-008", "PF-K8S-014"}
    assert status_new == EXIT_NO
    rules = {rule["id"] for rule in log_new["runs"][0]["tool"]["driver"]["rules"]}  # type: ignore[index]
    assert {r["ruleId"] for r in new} == rules and all(rule.startswith("PF-") for rule in rules)
    # a reduced schema that a wrong log does fail
    broken = json.loads(json.dumps(log_new))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(SARIF_SCHEMA.read_text()))
    (tmp_path / "bad.json").write_text("[]")
    assert main(["check", *SIDES, "--baseline", str(tmp_path / "bad.json")]) == EXIT_LOAD_ERROR


def test_the_heads_report_in_the_browser(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    assert main(["report", "-o", str(target), *SIDES]) == EXIT_YES
    capsys.readouterr()
    with browse(target, tmp_path) as page:
        # the new RoleBinding: the scraper of monitoring now has a row in apps' matrix, and can delete pods
        matrix = page.locator('section[data-namespace="apps"] table.matrix')
        assert "ServiceAccount monitoring/scraper" in matrix.inner_text()
        scraper = page.locator('article[id="Deployment-monitoring-scraper"]')
        grant = scraper.locator("details.grant[data-system=kubernetes]", has_text="apps:").first
        assert not grant.locator(".path").is_visible()
        grant.locator("summary").click()
        assert "RoleBinding apps/scraper-edits-apps" in grant.locator(".path").inner_text()
        assert "manifests/scraper.yaml:1" in grant.locator(".path").inner_text()
        # the widened IAM policy and the removed Vault rule
        example = page.locator('article[id="Deployment-apps-example"]')
        summaries = example.locator("details.grant summary").all_inner_texts()
        assert any("sqs:DeleteMessage" in text for text in summaries), summaries
        assert not any("secret/data/shared/*" in text for text in summaries), summaries


UNKNOWN_BINDING = """\
variable "on" {
  type = bool
}

resource "kubernetes_service_account_v1" "bot" {
  metadata {
    name      = "bot"
    namespace = "apps"
  }
}

resource "kubernetes_role_binding_v1" "bot" {
  count = COUNT
  metadata {
    name      = "bot-view"
    namespace = "apps"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "view"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "bot"
    namespace = "apps"
  }
}
"""


def test_diff_shows_unknown_answers_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Base: the binding exists only if an unset variable says so (unknown); head: it exists."""
    for side, count in (("base", "var.on ? 1 : 0"), ("head", "1")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "main.tf").write_text(UNKNOWN_BINDING.replace("COUNT", count))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["diff", "base", "head", "-f", "."]) == EXIT_YES
    text = capsys.readouterr().out
    assert '- Kubernetes apps: apiGroups [""] resources ["namespaces"] verbs ["get", "list", "watch"] (unknown: ' in text
    assert '+ Kubernetes apps: apiGroups [""] resources ["namespaces"] verbs ["get", "list", "watch"]\n' in text
    assert main(["diff", "base", "head", "-f", ".", "-o", "json"]) == EXIT_YES
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, output_schema())
    by_direction = {(c["direction"], c["certain"]) for c in document["changes"]}
    assert by_direction == {("grew", True), ("shrank", False)}
    assert main(["diff", "base", "head", "-f", ".", "-o", "markdown"]) == EXIT_YES
    assert '["get", "list", "watch"] (unknown)` |' in capsys.readouterr().out
