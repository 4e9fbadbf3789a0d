"""Telling pfperms which installers' output is loaded: ``load(rendered=)``, the ini setting
``pfperms_rendered`` and ``pfperms --rendered``. Until then a ``helm_release`` may create roles
(or aggregate rules into ``view``/``edit``/``admin``) that the sources do not show."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_pfperms.cli import EXIT_NO, EXIT_UNKNOWN, main

pytest_plugins = ["pytester"]

ROOT = textwrap.dedent("""\
    resource "helm_release" "metrics" {
      name      = "metrics"
      namespace = "monitoring"
      chart     = "metrics"
    }
    resource "kubernetes_role_binding_v1" "reader" {
      metadata {
        name      = "reader"
        namespace = "monitoring"
      }
      role_ref {
        api_group = "rbac.authorization.k8s.io"
        kind      = "ClusterRole"
        name      = "edit"
      }
      subject {
        kind      = "ServiceAccount"
        name      = "reader"
        namespace = "monitoring"
      }
    }
""")

ASK = ["can-i", "escalate", "roles.rbac.authorization.k8s.io", "--as",
       "system:serviceaccount:monitoring:reader", "-n", "monitoring", "--no-cache"]


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(ROOT)
    assert main([*ASK, "-f", str(tmp_path)]) == EXIT_UNKNOWN  # edit may gain the chart's rules
    assert "helm_release.metrics" in capsys.readouterr().out
    assert main([*ASK, "-f", str(tmp_path), "--rendered", "helm_release.metrics"]) == EXIT_NO


def test_the_ini_setting(pytester: pytest.Pytester) -> None:
    pytester.makefile(".tf", main=ROOT)
    pytester.makepyfile(test_edit="""
        from pytest_pfperms import ServiceAccount

        def test_reader_cannot_escalate(pfperms):
            reader = ServiceAccount("monitoring", "reader")
            assert not pfperms.can(reader, "escalate", "roles.rbac.authorization.k8s.io",
                                   namespace="monitoring")
    """)
    pytester.makeini("[pytest]\npfperms_paths = .\n")
    # unknown is not "cannot": the assert fails, naming the release
    result = pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache")
    result.assert_outcomes(failed=1)
    assert "helm_release.metrics" in result.stdout.str()
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_rendered =\n    helm_release.*\n")
    pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache").assert_outcomes(passed=1)
