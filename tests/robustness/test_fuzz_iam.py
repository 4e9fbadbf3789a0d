"""Fuzzing IAM policy JSON: ``evaluate_iam`` on mutated valid documents (identity policies from
:func:`pytest_pfperms.strategies.iam_policies`, trust policies for IRSA, statements with every
condition operator family and policy variables), and the same documents inside Terraform as
``jsonencode(...)`` or a JSON heredoc of an ``aws_iam_policy``, asked through IRSA.

``evaluate_iam`` gives a decision (and an explanation) or a PfpermsError; the Terraform root
a model whose AWS answers are decisions, or LoadErrors naming the file and line. See
``fuzzing.py``.
"""

from __future__ import annotations

from typing import Any

from fuzzing import (
    HCL_SPECIALS,
    SPECIALS,
    check_load,
    finish,
    fuzz_settings,
    mutated,
    text_mutated,
    to_json,
)
from hypothesis import event, given
from hypothesis import strategies as st
from terraform_seeds import ISSUER, block, irsa, to_hcl

import pytest_pfperms as pfperms
from pytest_pfperms import PfpermsError, strategies

PROVIDER_ARN = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
STATEMENTS: list[dict[str, Any]] = [
    {"Sid": "Ip", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                   "BoolIfExists": {"aws:ViaAWSService": "false"}}},
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                   "NumericLessThanEquals": {"s3:max-keys": "10"}, "Null": {"aws:TokenIssueTime": "false"}}},
    {"Effect": "Allow", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::*:role/admin*"],
     "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["team*", "env?"]},
                   "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}},
]
TRUSTS: list[dict[str, Any]] = [
    {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": PROVIDER_ARN},
        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{ISSUER}:sub": "system:serviceaccount:apps:*"}}}]},
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
         "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"], "Service": "ec2.amazonaws.com"}},
        {"Effect": "Deny", "Action": "sts:*", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}}]},
]
CALLERS = ({"Federated": PROVIDER_ARN}, {"AWS": "arn:aws:iam::111122223333:root"}, {"Service": "ec2.amazonaws.com"})
ACTIONS = ("s3:GetObject", "S3:getobject", "sqs:SendMessage", "iam:PassRole", "sts:AssumeRoleWithWebIdentity",
           "sts:AssumeRole", "*:*", "s3:", ":", "")
RESOURCES = ("arn:aws:s3:::reports/a/b", "arn:aws:s3:::bucket0/key0", "*", "arn:aws:iam::1:role/admin",
             "arn:aws:sqs:us-east-1:111122223333:queue0", "", "arn:" + "a*" * 40)
CONTEXTS = st.dictionaries(
    st.sampled_from(("aws:PrincipalTag/team", "aws:SourceIp", "aws:CurrentTime", "s3:max-keys", "aws:TagKeys",
                     f"{ISSUER}:sub", f"{ISSUER}:aud", "aws:ViaAWSService", "weird key")),
    st.one_of(st.sampled_from(("a", "10.1.2.3", "2021-01-01T00:00:00Z", "5", "not-a-number", "::1", "", "*",
                               "system:serviceaccount:apps:reader", "sts.amazonaws.com", "true")),
              st.lists(st.sampled_from(("team-a", "envx", "")), max_size=3)),
    max_size=4)


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A valid identity policy (possibly with extra statements) or trust policy, and whether it
    is a trust policy."""
    if draw(st.booleans()):
        return draw(st.sampled_from(TRUSTS)), True
    policy = draw(strategies.iam_policies(max_statements=3))
    extra = draw(st.lists(st.sampled_from(STATEMENTS), max_size=2))
    return {**policy, "Statement": [*policy["Statement"], *extra]}, False


@st.composite
def iam_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A mutated policy as JSON text, and a request to evaluate it with."""
    document, trust = draw(documents())
    text = draw(text_mutated(finish(to_json(draw(mutated(document, max_mutations=5))))))
    return {"text": text, "action": draw(st.sampled_from(ACTIONS)), "resource": draw(st.sampled_from(RESOURCES)),
            "context": draw(CONTEXTS), "principal": draw(st.sampled_from(CALLERS)) if trust else None}


def check_evaluation(case: dict[str, Any]) -> None:
    """A decision with an explanation, or a PfpermsError."""
    try:
        decision = pfperms.evaluate_iam(case["text"], case["action"], case["resource"], context=case["context"],
                                        principal=case["principal"])
        decision.explain()
        event(f"decision {decision.allowed}")
    except PfpermsError as error:
        event(type(error).__name__)


@st.composite
def terraform_cases(draw: st.DrawFn) -> dict[str, str]:
    """An IRSA root whose permissions policy is a mutated document, as ``jsonencode`` or a heredoc."""
    document, _ = draw(documents())
    policy = draw(mutated(document, (*SPECIALS, *HCL_SPECIALS), max_mutations=4))
    blocks = irsa({"Statement": []}, as_document=False)
    written = {"@jsonencode": policy} if draw(st.booleans()) else {"@heredoc": finish(to_json(policy))}
    blocks[-2] = block("resource", "aws_iam_policy", "read", name="read", policy=written)
    return {"main.tf": draw(text_mutated(finish(to_hcl(blocks), colon=" =")))}


@fuzz_settings(80)
@given(iam_cases())
def test_fuzzed_iam_documents_evaluate_or_fail_with_a_pfperms_error(case: dict[str, Any]) -> None:
    check_evaluation(case)


@fuzz_settings(25)
@given(terraform_cases())
def test_fuzzed_iam_documents_in_terraform_load_and_answer_or_fail_naming_file_and_line(
        files: dict[str, str]) -> None:
    check_load(files)
