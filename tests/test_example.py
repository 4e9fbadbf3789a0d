"""The bundled example infrastructure repo passes its own permission tests and policies (the quick
start's first command), with its one warning on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "infra"
POLICIES = ROOT / "policies"


def test_bundled_example_passes(pytester: pytest.Pytester) -> None:
    """Laid out as in the repository: examples/infra reads ../../policies."""
    shutil.copytree(EXAMPLE, pytester.path / "examples" / "infra")
    shutil.copytree(POLICIES, pytester.path / "policies")
    result = pytester.runpytest_subprocess("examples/infra", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    text = result.stdout.str()
    assert outcomes.get("passed", 0) >= 20 and "failed" not in outcomes and "errors" not in outcomes, text
    assert "pfperms: 8 policies passed, 0 failed, 1 warned, 1 excepted" in text
    assert ("ci/deployer -> create pods in apps -> runs as apps/${module.example_deployment.service_account_name}"
            " -> Vault read secret/data/example/db") in text
    assert result.ret == 0


def test_the_example_policies_are_collected_as_items(pytester: pytest.Pytester) -> None:
    shutil.copytree(EXAMPLE, pytester.path / "examples" / "infra")
    shutil.copytree(POLICIES, pytester.path / "policies")
    result = pytester.runpytest_subprocess("examples/infra", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert "policies/example-infra.yaml::no-cluster-role-bindings" in result.outlines
    assert "pfperms-builtin::PF-K8S-004" in result.outlines
