"""The pfperms command line: kubectl-shaped commands, outputs, exit statuses, terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

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
from pytest_pfperms.cli.terminal import Terminal

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra"
SA = "system:serviceaccount:ci:deployer"
TF = ["-f", "manifests", "-f", "terraform", "--var", "namespace=apps"]


@pytest.fixture(autouse=True)
def _in_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    monkeypatch.delenv("NO_COLOR", raising=False)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    status = main([*argv, "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, output_schema())
    assert document["exit_code"] == status
    return status, document


def test_can_i_answers_yes_no_like_kubectl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["can-i", "patch", "deployments.apps", "--as", SA, "-n", "apps", "-f", "manifests"]) == EXIT_YES
    assert capsys.readouterr().out == "yes\nServiceAccount ci/deployer CAN patch deployments.apps in namespace apps\n"
    assert main(["can-i", "patch", "deployments.apps", "--as", SA, "-n", "monitoring", "-f", "manifests"]) == EXIT_NO
    assert capsys.readouterr().out.startswith("no\n")


def test_as_user_with_groups_gets_system_authenticated(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "rb.yaml").write_text("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: devs-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}]
""")
    base = ["can-i", "list", "pods", "-n", "x", "-f", str(tmp_path)]
    assert main([*base, "--as", "alice"]) == EXIT_NO
    assert main([*base, "--as", "alice", "--as-group", "devs"]) == EXIT_YES
    # impersonated users carry system:authenticated, as kube-apiserver adds it: discovery is allowed
    assert main(["can-i", "get", "/api", "-f", str(tmp_path), "--as", "alice"]) == EXIT_YES
    capsys.readouterr()


def test_workloads_in_their_namespace_and_unknown_answers(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["explain", "update", "persistentvolumeclaims", "--workload", "module.example_deployment",
            "-f", "terraform/apps"]
    assert main([*base, "--var", "namespace=apps"]) == EXIT_YES
    assert "RoleBinding apps/example" in capsys.readouterr().out
    assert main([*base, "-n", "other"]) == EXIT_UNKNOWN
    assert "var.namespace: input variable namespace has no value" in capsys.readouterr().out


def test_var_file_and_path_namespace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    varfile = tmp_path / "apps.tfvars"
    varfile.write_text('namespace = "apps"\n')
    argv = ["can-i", "update", "persistentvolumeclaims", "--workload", "Deployment/example",
            "-f", "terraform/apps", "--var-file", str(varfile)]
    assert main(argv) == EXIT_YES
    capsys.readouterr()
    (tmp_path / "sa.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: lone}\n")
    status, document = _json(capsys, "objects", "-f", f"{tmp_path}=team-a", "--kind", "ServiceAccount")
    assert status == EXIT_YES
    assert [o["ref"] for o in document["objects"]] == ["ServiceAccount team-a/lone"]  # type: ignore[index]


def test_can_i_list_shows_rules_with_their_bindings(capsys: pytest.CaptureFixture[str]) -> None:
    status, document = _json(capsys, "can-i", "--list", "--as", SA, "-n", "apps", "-f", "manifests")
    assert status == EXIT_YES
    rules = document["rules"]
    assert any(r["binding"] == "RoleBinding apps/ci-deployer-edit" and "deployments" in r["resources"]
               for r in rules)  # type: ignore[union-attr]
    assert main(["can-i", "--list", "--as", SA, "-n", "apps", "-f", "manifests"]) == EXIT_YES
    out = capsys.readouterr().out
    assert "rules apply in namespace apps" in out and "via RoleBinding apps/ci-deployer-edit  manifests/ci.yaml:14" in out


def test_who_can_gates_with_fail_if_any(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["who-can", "get", "secrets", "-n", "apps", "-f", "manifests"]) == EXIT_YES
    assert "ServiceAccount ci/deployer via RoleBinding apps/ci-deployer-edit -> ClusterRole edit" in capsys.readouterr().out
    assert main(["who-can", "get", "secrets", "-n", "apps", "-f", "manifests", "--fail-if-any"]) == EXIT_NO
    capsys.readouterr()
    status, document = _json(capsys, "who-can", "escalate", "roles", "-A", "-f", "manifests", "--no-cluster-defaults",
                             "--fail-if-any")
    assert status == EXIT_YES and document["grants"] == []
    status, document = _json(capsys, "who-can", "get", "secrets", "-A", "-f", "manifests")
    assert {"apps", "ci", "monitoring"} <= set(document["namespaces"])  # type: ignore[arg-type]
    assert main(["objects", "-f", "manifests", "--kind", "ClusterRoleBinding", "--fail-if-any"]) == EXIT_NO
    assert capsys.readouterr().out.startswith("ClusterRoleBinding scraper  manifests/monitoring.yaml:")


def test_matrix_reach_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    status, document = _json(capsys, "matrix", "-n", "apps", *TF, "--resources", "persistentvolumeclaims,pods",
                             "--verbs", "get,delete")
    rows = {row["subject"]: row["access"] for row in document["rows"]}  # type: ignore[union-attr]
    assert rows["Deployment/example"] == {"persistentvolumeclaims": {"get": True, "delete": False},
                                          "pods": {"get": True, "delete": False}}
    # its service account, named by a symbol, is asked as the symbol the bindings name
    assert rows["ServiceAccount apps/${module.example_deployment.service_account_name}"] == rows["Deployment/example"]
    # a service account of another namespace that a RoleBinding of apps names has its row too
    assert rows["ServiceAccount ci/deployer"]["persistentvolumeclaims"] == {"get": True, "delete": True}
    assert not any(label.startswith("ServiceAccount monitoring/") for label in rows)   # bound nowhere in apps
    status, document = _json(capsys, "reach", "--as", SA, *TF)
    assert any("runs as apps/" in chain for chain in document["chains"])  # type: ignore[union-attr]
    assert _json(capsys, "reach", SA, *TF)[1] == document   # reach SUBJECT is reach --as SUBJECT
    assert main(["reach", SA, "--as", SA, *TF]) == EXIT_USAGE
    capsys.readouterr()
    status, document = _json(capsys, "check", *TF, "--builtin", "PF-K8S-006,PF-K8S-001")
    assert status == EXIT_NO
    by_id = {p["id"]: p for p in document["policies"]}  # type: ignore[union-attr]
    assert by_id["PF-K8S-006"]["status"] == "failed" and by_id["PF-K8S-001"]["status"] == "passed"
    assert main(["check", *TF, "--builtin", "PF-K8S-001"]) == EXIT_YES
    assert "1 passed" in capsys.readouterr().out
    assert main(["check", *TF, "--builtin", "none", "--policies", "../../policies"]) == EXIT_YES
    out = capsys.readouterr().out
    assert "policy the-deployer-stays-out-of-vault" in out and "1 warned" in out
    assert main(["check", *TF, "--builtin", "none", "--policies", "../../policies", "--fail-if-any"]) == EXIT_NO
    capsys.readouterr()


def test_every_format_parses(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", *TF, "--builtin", "PF-K8S-006,PF-K8S-001"]
    assert main([*argv, "-o", "yaml"]) == EXIT_NO
    document = yaml.safe_load(capsys.readouterr().out)
    jsonschema.validate(document, output_schema())
    assert main([*argv, "-o", "junit"]) == EXIT_NO
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='PF-K8S-006']/failure")
    assert failure is not None and "manifests/ci.yaml:14" in (failure.text or "")
    assert main([*argv, "-o", "sarif"]) == EXIT_NO
    log = json.loads(capsys.readouterr().out)
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "PF-K8S-006"
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "manifests/ci.yaml"},
                                                          "region": {"startLine": 14}}
    assert main([*argv, "-o", "markdown"]) == EXIT_NO
    assert "| PF-K8S-006 | failed | 1 |" in capsys.readouterr().out
    assert main(["can-i", "get", "pods", "--as", SA, "-f", "manifests", "-o", "sarif"]) == EXIT_USAGE
    assert "-o sarif reports findings" in capsys.readouterr().err
    assert main(["lock", "--check", "--lockfile", "missing.lock", "-f", "manifests", "-o", "sarif"]) == EXIT_USAGE
    assert "-o sarif reports findings" in capsys.readouterr().err   # a usage error, before any load


def test_exit_codes_for_usage_load_and_internal_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["frobnicate"]) == EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err
    assert main(["can-i", "get", "pods", "--as", SA]) == EXIT_USAGE      # nothing to read
    assert main(["can-i", "get", "pods", "-f", "manifests"]) == EXIT_USAGE  # nobody asks
    assert main(["can-i", "get", "pdos", "--as", SA, "-f", "manifests"]) == EXIT_USAGE
    assert "is not a core resource" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("kind: [\n")
    assert main(["objects", "-f", str(tmp_path)]) == EXIT_LOAD_ERROR
    assert "YAML syntax error" in capsys.readouterr().err
    assert main(["--version"]) == EXIT_YES
    assert capsys.readouterr().out.startswith("pfperms 0.")
    assert main(["--help"]) == EXIT_YES
    help_text = capsys.readouterr().out
    assert "4  usage error" in help_text and "2  unknown" in help_text and "5  internal error" in help_text

    def broken(*_args: object) -> object:
        raise RuntimeError("boom")

    from pytest_pfperms import cli

    monkeypatch.setitem(cli.COMMANDS, "objects", broken)
    assert main(["objects", "-f", "manifests"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "RuntimeError: boom" in err


def test_hcl_parser_flag_chooses_the_parser(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "kubernetes_namespace_v1" "ns" {\n'
                                      '  metadata { name = "${~ "tight" ~}" }\n}\n')
    assert main(["objects", "-f", str(tmp_path), "--no-cache"]) == EXIT_YES
    assert "tight" in capsys.readouterr().out
    assert main(["objects", "-f", str(tmp_path), "--no-cache", "--hcl-parser", "python-hcl2"]) == EXIT_LOAD_ERROR
    assert "main.tf:2" in capsys.readouterr().err


def test_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "rb.yaml").write_text("""\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: orphan, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
subjects: [{kind: User, name: bob}]
""")
    _, document = _json(capsys, "objects", "-f", str(tmp_path))
    assert any("missing" in w for w in document["warnings"])  # type: ignore[union-attr]
    assert main(["objects", "-f", str(tmp_path)]) == EXIT_YES
    captured = capsys.readouterr()
    assert "pfperms: warning:" in captured.err and "missing" in captured.err
    assert "pfperms: warning" not in captured.out


class _Tty:
    def __init__(self, encoding: str):
        self.encoding = encoding
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass


def test_colour_and_box_drawing_only_on_capable_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    tty = _Tty("utf-8")
    terminal = Terminal("auto", out=tty, err=tty)  # type: ignore[arg-type]
    assert terminal.colour and terminal.unicode
    terminal.write("└─ ✗")
    assert tty.written == ["└─ ✗\n"]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Terminal("auto", out=tty, err=tty).colour  # type: ignore[arg-type]
    assert Terminal("always", out=tty, err=tty).colour  # type: ignore[arg-type]
    latin = _Tty("iso8859-1")
    plain = Terminal("auto", out=latin, err=latin)  # type: ignore[arg-type]
    assert not plain.unicode
    plain.write("└─ ✗")
    assert latin.written == ["`- x\n"]


def _pfperms(*argv: str, env: dict[str, str] | None = None) -> str:
    return f"{sys.executable} -c 'import sys; from pytest_pfperms.cli import main; sys.exit(main())' " + " ".join(argv)


def test_a_closed_pipe_and_a_non_utf8_stdout(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(_pfperms("explain", "get", "pods", "--as", SA, "-n", "apps", "-f", "manifests",
                                   "--color", "always"),
                          shell=True, capture_output=True, env=env, cwd=EXAMPLE, check=False)
    assert done.returncode == EXIT_YES, done.stderr
    out = done.stdout.decode("ascii")
    assert "`- ClusterRole edit" in out and "\x1b[32mCAN\x1b[0m" in out
    many = tmp_path / "many.yaml"
    many.write_text("".join(f"---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: sa{i}, namespace: n}}\n"
                            for i in range(3000)))
    piped = subprocess.run(_pfperms("objects", "-f", str(many)) + " | head -1", shell=True,
                           capture_output=True, cwd=EXAMPLE, check=False)
    assert piped.stdout.decode().startswith("ServiceAccount n/sa")
    assert piped.stderr == b""


def test_progress_on_a_terminal_for_slow_loads_silent_in_ci(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from pytest_pfperms.cli import inputs

    real = inputs.model

    def slow(args: object) -> object:
        time.sleep(1.3)
        return real(args)  # type: ignore[arg-type]

    monkeypatch.setattr(inputs, "model", slow)
    monkeypatch.delenv("CI", raising=False)
    tty = _Tty("utf-8")
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["objects", "-f", "manifests", "--kind", "Namespace"]) == EXIT_YES
    shown = "".join(tty.written)
    assert "pfperms: loading 1 path(s)" in shown and shown.endswith("\r")   # and cleared again
    tty.written.clear()
    monkeypatch.setenv("CI", "true")
    assert main(["objects", "-f", "manifests", "--kind", "Namespace"]) == EXIT_YES
    assert "loading" not in "".join(tty.written)
    capsys.readouterr()
