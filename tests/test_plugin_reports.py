"""The pytest face in CI: explanations inside the failure (JUnit XML, xdist), hidden library
frames, warnings under -n, the pfperms_load factory and excluded paths."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import pytest

from tests.test_plugin import MANIFESTS

pytest_plugins = ["pytester"]

ORPHAN = textwrap.dedent("""\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: orphan, namespace: apps}
    subjects: [{kind: User, name: bob}]
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
    """)

FAILING = """
    import pytest_pfperms as pfperms

    def test_bare(pfperms):
        example = pfperms.workload("Deployment/example", namespace="apps")
        assert example.can("delete", "persistentvolumeclaims")

    def _helper(pfperms):
        return pfperms.workload("Deployment/example", namespace="apps").can("delete", "persistentvolumeclaims")

    def test_helper(pfperms):
        pfperms_mod = __import__("pytest_pfperms")
        pfperms_mod.assert_can(_helper(pfperms))
"""


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.mkdir("k8s")
    (pytester.path / "k8s" / "apps.yaml").write_text(MANIFESTS)
    pytester.makeini("[pytest]\npfperms_paths = k8s\n")
    return pytester


def _failures(xml_text: str) -> dict[str, str]:
    root = ET.fromstring(xml_text)
    return {case.get("name", ""): (case.find("failure").text or "")  # type: ignore[union-attr]
            for case in root.iter("testcase") if case.find("failure") is not None}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_the_explanation_is_in_the_junit_failure(repo: pytest.Pytester, workers: list[str]) -> None:
    repo.makepyfile(FAILING)
    result = repo.runpytest_subprocess(*workers, "--junitxml=out.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    failures = _failures((repo.path / "out.xml").read_text())
    for name in ("test_bare", "test_helper"):
        text = failures[name]
        assert "Deployment apps/example CANNOT delete persistentvolumeclaims in namespace apps" in text
        assert "k8s/apps.yaml:" in text and 'verbs ["get", "update", "list"] do not include "delete"' in text
    assert "(expected: can)" in failures["test_bare"]
    result.stdout.fnmatch_lines(["*pfperms: the last permission checked*"])


def test_library_frames_are_hidden(repo: pytest.Pytester) -> None:
    repo.makepyfile(FAILING)
    result = repo.runpytest("-k", "helper")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "pytest_pfperms/testing/assertions.py" not in text
    assert "def assert_can" not in text
    assert "pfperms_mod.assert_can(_helper(pfperms))" in text


def test_warnings_summary_under_xdist(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "orphan.yaml").write_text(ORPHAN)
    repo.makepyfile("def test_a(pfperms):\n    assert pfperms\n\ndef test_b(pfperms):\n    assert pfperms\n")
    result = repo.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*pfperms warnings*",
                                 "RoleBinding apps/orphan references Role apps/missing, which is not defined*"])
    assert result.stdout.str().count("RoleBinding apps/orphan references") == 1


def test_pfperms_load_caches_per_arguments_and_excludes(repo: pytest.Pytester) -> None:
    repo.mkdir("prod")
    (repo.path / "prod" / "apps.yaml").write_text(MANIFESTS)
    (repo.path / "prod" / "orphan.yaml").write_text(ORPHAN)
    repo.makepyfile("""
        def test_factory(pfperms_load):
            prod = pfperms_load("prod")
            assert prod is pfperms_load("prod")
            trimmed = pfperms_load("prod", "!prod/orphan.yaml")
            assert trimmed is not prod
            assert [o.name for o in prod.objects("RoleBinding")] == ["example", "orphan"]
            assert [o.name for o in trimmed.objects("RoleBinding")] == ["example"]
            other = pfperms_load("prod", default_namespace="x")
            assert other is not prod and other is pfperms_load("prod", default_namespace="x")
            wl = trimmed.workload("Deployment/example", namespace="apps")
            assert wl.can("update", "persistentvolumeclaims")
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*pfperms warnings*", "RoleBinding apps/orphan references Role*"])


def test_pfperms_paths_excludes_with_a_bang(repo: pytest.Pytester) -> None:
    (repo.path / "k8s" / "orphan.yaml").write_text(ORPHAN)
    repo.makeini("[pytest]\npfperms_paths =\n    k8s\n    !k8s/orphan.yaml\n")
    repo.makepyfile("""
        def test_excluded(pfperms):
            assert [o.name for o in pfperms.objects("RoleBinding")] == ["example"]
    """)
    result = repo.runpytest()
    result.assert_outcomes(passed=1)
    assert "apps/orphan" not in result.stdout.str()
