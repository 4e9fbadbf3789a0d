"""The pfperms command line: answers, explanations and exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_pfperms.cli import (
    EXIT_ERROR,
    EXIT_NO,
    EXIT_UNKNOWN,
    EXIT_YES,
    main,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra"


def test_can_yes_and_no_with_explanations(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    args = ["can", "manifests", "--as", "system:serviceaccount:ci:deployer"]
    assert main([*args, "patch", "deployments.apps", "-n", "apps"]) == EXIT_YES
    out = capsys.readouterr().out
    assert out.startswith("ServiceAccount ci/deployer CAN patch deployments.apps in namespace apps")
    assert "RoleBinding apps/ci-deployer-edit" in out
    assert main([*args, "patch", "deployments.apps", "-n", "monitoring"]) == EXIT_NO
    assert "CANNOT patch deployments.apps in namespace monitoring" in capsys.readouterr().out


def test_workloads_by_address_and_unknown_answers(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    base = ["can", "terraform/apps", "--as", "module.example_deployment"]
    assert main([*base, "--var", "namespace=apps", "update", "persistentvolumeclaims", "-n", "apps"]) == EXIT_YES
    capsys.readouterr()
    assert main([*base, "update", "persistentvolumeclaims", "-n", "other"]) == EXIT_UNKNOWN
    assert "var.namespace: input variable namespace has no value" in capsys.readouterr().out


def test_who_can_and_objects(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    assert main(["who-can", "manifests", "get", "secrets", "-n", "apps"]) == EXIT_YES
    assert "ServiceAccount ci/deployer via RoleBinding apps/ci-deployer-edit -> ClusterRole edit" in capsys.readouterr().out
    assert main(["objects", "manifests", "--kind", "ClusterRoleBinding"]) == EXIT_YES
    assert capsys.readouterr().out.startswith("ClusterRoleBinding scraper  manifests/monitoring.yaml:")


def test_bad_input_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("kind: [\n")
    assert main(["objects", str(tmp_path)]) == EXIT_ERROR
    assert "YAML syntax error" in capsys.readouterr().err
