"""Naming the cluster an IRSA question is about without writing Python: ``load(aws_oidc_provider=)``,
``pfperms_aws_oidc_provider`` / ``--pfperms-aws-oidc-provider`` and ``pfperms --aws-oidc-provider``
(an IAM OIDC provider ARN, or its issuer URL)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.cli import main
from pytest_pfperms.errors import InvalidArgument

pytest_plugins = ["pytester"]

ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER1"
ARN = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
OTHER_ARN = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER2"

# The role trusts a provider written as a literal ARN (a cluster defined in another repo):
# no aws_iam_openid_connect_provider in these sources.
ROLE = textwrap.dedent(f"""\
    resource "aws_iam_role" "reader" {{
      name = "reader"
      assume_role_policy = jsonencode({{
        Version = "2012-10-17"
        Statement = [{{
          Effect    = "Allow"
          Action    = "sts:AssumeRoleWithWebIdentity"
          Principal = {{ Federated = "{ARN}" }}
          Condition = {{ StringEquals = {{
            "{ISSUER}:sub" = "system:serviceaccount:apps:reader"
            "{ISSUER}:aud" = "sts.amazonaws.com"
          }} }}
        }}]
      }})
    }}
    resource "aws_iam_role_policy" "read" {{
      role   = aws_iam_role.reader.name
      policy = jsonencode({{ Version = "2012-10-17",
        Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}] }})
    }}
    resource "kubernetes_service_account" "reader" {{
      metadata {{
        name        = "reader"
        namespace   = "apps"
        annotations = {{ "eks.amazonaws.com/role-arn" = aws_iam_role.reader.arn }}
      }}
    }}
    """)

READER = pfperms.ServiceAccount("apps", "reader")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(ROLE)
    return tmp_path


def reads(model: pfperms.Model) -> bool | None:
    return model.aws_can(READER, "s3:GetObject", "arn:aws:s3:::reports/x").allowed


def test_without_it_the_cluster_is_unknown(root: Path) -> None:
    decision = pfperms.load(root, cache=False).aws_can(READER, "s3:GetObject", "arn:aws:s3:::r/x")
    assert decision.allowed is None and "cluster.oidc_provider_arn" in decision.explain()


def test_the_providers_arn_settles_the_answer(root: Path) -> None:
    assert reads(pfperms.load(root, cache=False, aws_oidc_provider=ARN)) is True
    assert reads(pfperms.load(root, cache=False, aws_oidc_provider=OTHER_ARN)) is False


def test_an_issuer_url_settles_what_the_issuer_decides(root: Path) -> None:
    # another issuer: the trust's sub/aud keys and principal can never match, whatever the account
    other = pfperms.load(root, cache=False,
                         aws_oidc_provider="https://oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER2")
    assert reads(other) is False
    # the same issuer: the provider is the one of that issuer in the role's own account (web
    # identity trust names a provider of the role's account), which the trust names
    assert reads(pfperms.load(root, cache=False, aws_oidc_provider=f"https://{ISSUER}")) is True


@pytest.mark.parametrize("bad", ["cluster1", "arn:aws:iam::12:oidc-provider/x", ""])
def test_a_malformed_value_is_refused_saying_what_is_expected(root: Path, bad: str) -> None:
    with pytest.raises(InvalidArgument, match="neither an IAM OIDC provider ARN"):
        pfperms.load(root, cache=False, aws_oidc_provider=bad)


def test_the_ini_setting_and_the_option(pytester: pytest.Pytester) -> None:
    pytester.makefile(".tf", main=ROLE)
    pytester.makeini(f"[pytest]\npfperms_paths = .\npfperms_aws_oidc_provider = {ARN}\n")
    pytester.makepyfile(test_oidc_option_gate="""
        from pytest_pfperms import ServiceAccount

        def test_reader(pfperms):
            assert pfperms.aws_can(ServiceAccount("apps", "reader"), "s3:GetObject", "arn:aws:s3:::r/x")
    """)
    pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache",
                                f"--pfperms-aws-oidc-provider={OTHER_ARN}")
    result.assert_outcomes(failed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--pfperms-aws-oidc-provider=nonsense")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "neither an IAM OIDC provider ARN" in result.stderr.str()


def test_the_command_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["check", "-f", str(root), "--builtin", "none", "--policies", str(root)]
    assert main([*common, "--aws-oidc-provider", ARN]) == 0
    capsys.readouterr()
    assert main([*common, "--aws-oidc-provider", "nonsense"]) == 4  # usage error
    assert "neither an IAM OIDC provider ARN" in capsys.readouterr().err
