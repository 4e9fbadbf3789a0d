"""The AWS IAM evaluator against the rules of reference/iam-vault.md §1 and §3.

Each table row is a rule with a case that a plausible wrong implementation
(PMapper's, whole-string globbing, case-folding resources, ...) would get wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_pfperms.aws.evaluation import PolicyDocument, evaluate_iam
from pytest_pfperms.errors import Indeterminate, InvalidArgument, LoadError
from pytest_pfperms.values import Symbol

V12 = "2012-10-17"
ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"


def policy(*statements: Any, version: str | None = V12) -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def can(document: Any, action: str, resource: Any = "*", **kwargs: Any) -> bool | None:
    return evaluate_iam(document, action, resource, **kwargs).allowed


# -- 1.1 decision procedure -----------------------------------------------------------------------


def test_default_deny() -> None:
    assert can(policy(allow("s3:GetObject")), "s3:PutObject") is False


def test_empty_policy_list_denies() -> None:
    assert can([], "s3:GetObject") is False


def test_explicit_deny_in_another_policy_overrides_allow() -> None:
    documents = [policy(allow("s3:*")), policy(deny("s3:DeleteObject"))]
    assert can(documents, "s3:GetObject") is True
    assert can(documents, "s3:DeleteObject") is False


def test_order_does_not_matter() -> None:
    assert can(policy(deny("s3:*"), allow("s3:*")), "s3:GetObject") is False
    assert can(policy(allow("s3:*"), deny("s3:*")), "s3:GetObject") is False


@pytest.mark.parametrize(("identity", "boundary", "expected"), [
    pytest.param(allow("s3:*"), allow("s3:GetObject"), True, id="both-allow"),
    pytest.param(allow("s3:*"), allow("s3:PutObject"), False, id="boundary-does-not-allow"),
    pytest.param(allow("ec2:*"), allow("s3:*"), False, id="boundary-never-grants"),
    pytest.param(allow("*"), {**allow("*"), "Effect": "Deny"}, False, id="deny-in-boundary"),
])
def test_permissions_boundary_intersects(identity: dict[str, Any], boundary: dict[str, Any],
                                         expected: bool) -> None:
    decision = evaluate_iam(policy(identity), "s3:GetObject", "arn:aws:s3:::b/k",
                            permissions_boundary=policy(boundary))
    assert decision.allowed is expected


def test_empty_boundary_denies_everything() -> None:
    assert can(policy(allow()), "s3:GetObject", permissions_boundary=[]) is False


def test_input_forms_json_text_and_policy_document() -> None:
    text = json.dumps(policy(allow("s3:GetObject")))
    assert can(text, "s3:GetObject") is True
    assert can(PolicyDocument(text, "aws_iam_policy.x", "iam.tf:3"), "s3:GetObject") is True
    assert can((policy(deny("s3:*")), text), "s3:GetObject") is False


# -- 1.2 Action / NotAction -----------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "action", "expected"), [
    ("IAM:listaccesskeys", "iam:ListAccessKeys", True),   # prefix and name case-insensitive
    ("iam:ListAccessKeys", "IAM:LISTACCESSKEYS", True),
    ("iam:*AccessKey*", "iam:CreateAccessKey", True),
    ("iam:*AccessKey*", "iam:ListUsers", False),
    ("s3:Get?bject", "s3:GetObject", True),
    ("s3:Get?bject", "s3:GetObjects", False),              # ? is exactly one character
    ("s3:Get?bject", "s3:Getbject", False),
    ("*", "kms:Decrypt", True),
    ("*:GetObject", "s3:GetObject", False),                # a wildcard service matches nothing
    ("s3*:GetObject", "s3:GetObject", False),
    ("s3:Get*", "s3:PutObject", False),
    ("s3:Get*", "s3x:GetObject", False),                   # the service is compared whole
    ("s3:[G]etObject", "s3:GetObject", False),             # no character classes (fnmatch has)
])
def test_action_patterns(pattern: str, action: str, expected: bool) -> None:
    assert can(policy(allow(pattern)), action) is expected


def test_not_action_allows_everything_else() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert can(policy(statement), "s3:GetObject") is True
    assert can(policy(statement), "iam:CreateUser") is False


def test_allow_not_action_still_needs_the_resource() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}
    assert can(policy(statement), "s3:GetObject", "arn:aws:s3:::b/k") is True
    assert can(policy(statement), "s3:GetObject", "arn:aws:s3:::other/k") is False


def test_deny_not_action_denies_all_but_the_listed() -> None:
    documents = policy(allow(), {"Effect": "Deny", "NotAction": ["s3:Get*"], "Resource": "*"})
    assert can(documents, "s3:GetObject") is True
    assert can(documents, "s3:PutObject") is False


# -- 1.3 Resource / NotResource -------------------------------------------------------------------

DEMO = "arn:aws:s3:::amzn-s3-demo-bucket"


@pytest.mark.parametrize(("pattern", "resource", "expected"), [
    ("*", "arn:aws:s3:::b", True),
    (f"{DEMO}/*", DEMO, False),                            # bucket/* is not the bucket
    (f"{DEMO}/*", f"{DEMO}/k", True),
    (f"{DEMO}*", DEMO, True),
    (f"{DEMO}*", f"{DEMO}/a/b", True),
    (f"{DEMO}*", f"{DEMO}-other", True),
    # the AWS documentation's example: * within a segment spans "/"
    (f"{DEMO}/*/test/*", f"{DEMO}/1/2/test/3/object.jpg", True),
    (f"{DEMO}/*/test/*", f"{DEMO}/1///test///object.jpg", True),
    (f"{DEMO}/*/test/*", f"{DEMO}//test/object.jpg", True),
    (f"{DEMO}/*/test/*", f"{DEMO}/1/test/", True),
    (f"{DEMO}/*/test/*", f"{DEMO}/1-test/object.jpg", False),
    (f"{DEMO}/*/test/*", f"{DEMO}/test/object.jpg", False),
    (f"{DEMO}/*/test/*", f"{DEMO}/1/2/test.jpg", False),
    # the resource id is case-sensitive (PMapper folds case: wrong)
    (f"arn:aws:iam::{ACCOUNT}:user/Bob", f"arn:aws:iam::{ACCOUNT}:user/bob", False),
    (f"{DEMO}/Reports/*", f"{DEMO}/reports/x", False),
    # the first five segments are compared without case (iam-sim; reference §4 open point)
    (f"arn:aws:S3:::{DEMO[13:]}", DEMO, True),
    # everything after the fifth colon is one segment: * there spans ":"
    ("arn:aws:logs:us-east-1:123456789012:log-group:*",
     "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x", True),
    # a * in an earlier segment stays inside it (whole-string globbing says True)
    ("arn:aws:iam::*:role/x", f"arn:aws:iam::{ACCOUNT}:extra:role/x", False),
    ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", True),
    # short ARNs are padded with * segments in identity policies
    ("arn:aws:s3:*", f"{DEMO}/k", True),
    ("arn:aws:iam::*", ROLE, True),
    ("arn:aws:s3:*", "arn:aws:sqs:us-east-1:123456789012:q", False),
    # a request for an action without resource types uses "*": only "*" matches it
    (DEMO, "*", False),
    ("*", "*", True),
])
def test_resource_patterns(pattern: str, resource: str, expected: bool) -> None:
    assert can(policy(allow("s3:GetObject", pattern)), "s3:GetObject", resource) is expected


def test_allow_not_resource_grants_everything_but_the_listed() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert can(policy(statement), "s3:GetObject", "arn:aws:s3:::public/k") is True
    assert can(policy(statement), "s3:GetObject", "arn:aws:s3:::secret/k") is False


def test_deny_not_resource_denies_everything_but_the_listed() -> None:
    documents = policy(allow(), {"Effect": "Deny", "Action": "*",
                                 "NotResource": ["arn:aws:s3:::ok", "arn:aws:s3:::ok/*"]})
    assert can(documents, "s3:GetObject", "arn:aws:s3:::ok/k") is True
    assert can(documents, "s3:GetObject", "arn:aws:s3:::other/k") is False


# -- 1.6 policy variables -------------------------------------------------------------------------

HOME = "arn:aws:s3:::home/${aws:username}/*"


@pytest.mark.parametrize(("document", "resource", "context", "expected"), [
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/alice/k",
                 {"aws:username": "alice"}, True, id="substituted"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/bob/k",
                 {"aws:username": "alice"}, False, id="other-user"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/alice/k",
                 {"AWS:UserName": "alice"}, True, id="key-case-insensitive-in-context"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::home/${AWS:USERNAME}/*")),
                 "arn:aws:s3:::home/alice/k", {"aws:username": "alice"}, True,
                 id="key-case-insensitive-in-policy"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/${aws:username}/k",
                 {}, False, id="missing-key-never-matches"),
    pytest.param(policy(allow("s3:*", HOME), version=None), "arn:aws:s3:::home/${aws:username}/k",
                 {"aws:username": "alice"}, True, id="no-version-means-literal"),
    pytest.param(policy(allow("s3:*", HOME), version=None), "arn:aws:s3:::home/alice/k",
                 {"aws:username": "alice"}, False, id="no-version-no-substitution"),
    pytest.param(policy(allow("s3:*", HOME), version="2008-10-17"),
                 "arn:aws:s3:::home/alice/k", {"aws:username": "alice"}, False,
                 id="version-2008-no-substitution"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::home/${aws:username, 'shared'}/*")),
                 "arn:aws:s3:::home/shared/k", {}, True, id="default-value"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/bob/k",
                 {"aws:username": "*"}, False, id="substituted-star-is-literal"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/*/k",
                 {"aws:username": "*"}, True, id="substituted-star-matches-itself"),
    pytest.param(policy(allow("s3:*", HOME)), "arn:aws:s3:::home/a/k",
                 {"aws:username": ["a", "b"]}, False, id="multivalued-key-never-matches"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::b/${*}")), "arn:aws:s3:::b/*", {}, True,
                 id="escaped-star-literal"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::b/${*}")), "arn:aws:s3:::b/x", {}, False,
                 id="escaped-star-not-wildcard"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::b/a${?}")), "arn:aws:s3:::b/a?", {}, True,
                 id="escaped-question-mark"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::b/a${?}")), "arn:aws:s3:::b/ax", {}, False,
                 id="escaped-question-mark-not-wildcard"),
    pytest.param(policy(allow("s3:*", "arn:aws:s3:::b/${$}x")), "arn:aws:s3:::b/$x", {}, True,
                 id="escaped-dollar"),
])
def test_policy_variables_in_resources(document: dict[str, Any], resource: str,
                                       context: dict[str, Any], expected: bool) -> None:
    assert can(document, "s3:GetObject", resource, context=context) is expected


def test_irsa_session_has_no_username_so_home_resource_never_matches() -> None:
    irsa_context = {"aws:PrincipalArn": ROLE, "aws:userid": "AROAEXAMPLE:botocore-session"}
    assert can(policy(allow("s3:*", HOME)), "s3:GetObject", "arn:aws:s3:::home/app/k",
               context=irsa_context) is False


# AWS, IAM policy elements: Variables and tags, "Policy variables with no value": "If a
# variable that has no value in the authorization context is used as part of the Resource or
# NotResource element of a policy, the resource that includes a policy variable with no value
# will not match any resource." The entry drops out; the element's other entries still decide.


def test_unresolved_variable_in_not_resource_entry_excludes_nothing() -> None:
    statement = {"Effect": "Deny", "Action": "*", "NotResource": HOME}
    documents = policy(allow(), statement)
    # the only entry matches no resource, so NotResource matches every resource: denied
    assert can(documents, "s3:GetObject", "arn:aws:s3:::x/k", context={}) is False
    assert can(documents, "s3:GetObject", "arn:aws:s3:::home/alice/k",
               context={"aws:username": "alice"}) is True


def test_unresolved_not_resource_entry_leaves_the_other_entries_to_decide() -> None:
    statement = {"Effect": "Deny", "Action": "s3:*",
                 "NotResource": [HOME, "arn:aws:s3:::public/*"]}
    documents = policy(allow(), statement)
    # was CAN (the whole element voided); AWS denies: x/k is not public/* and HOME matches nothing
    assert can(documents, "s3:GetObject", "arn:aws:s3:::x/k", context={}) is False
    assert can(documents, "s3:GetObject", "arn:aws:s3:::public/k", context={}) is True
    allow_statement = {"Effect": "Allow", "Action": "s3:*",
                       "NotResource": [HOME, "arn:aws:s3:::secret/*"]}
    assert can(policy(allow_statement), "s3:GetObject", "arn:aws:s3:::x/k", context={}) is True
    assert can(policy(allow_statement), "s3:GetObject", "arn:aws:s3:::secret/k",
               context={}) is False


def test_variables_in_condition_values() -> None:
    statement = allow("s3:ListBucket", Condition={
        "StringLike": {"s3:prefix": ["", "home/${aws:username}/*"]}})
    context = {"aws:username": "alice", "s3:prefix": "home/alice/docs"}
    assert can(policy(statement), "s3:ListBucket", context=context) is True
    assert can(policy(statement), "s3:ListBucket",
               context={**context, "s3:prefix": "home/bob/docs"}) is False


# AWS, "Policy variables with no value": the value "is effectively null. There is no equal or
# like value", and "Inverted condition operators like StringNotEquals or StringNotLike do match
# against a null value"; the page's own example is a Deny with StringNotEquals against a
# variable with no value, and the request is explicitly denied.


@pytest.mark.parametrize("operator", ["StringEquals", "StringLike", "StringEqualsIgnoreCase",
                                      "ArnEquals", "ArnLike"])
def test_unresolved_variable_in_positive_condition_matches_nothing(operator: str) -> None:
    statement = allow(Condition={operator: {"s3:prefix": "${aws:username}"}})
    assert can(policy(statement), "s3:ListBucket", context={"s3:prefix": "x"}) is False
    assert can(policy(statement), "s3:ListBucket",
               context={"s3:prefix": "x", "aws:username": "x"}) is True


@pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotLike",
                                      "StringNotEqualsIgnoreCase", "ArnNotEquals", "ArnNotLike"])
def test_unresolved_variable_in_negated_condition_matches(operator: str) -> None:
    statement = allow(Condition={operator: {"s3:prefix": "${aws:username}"}})
    assert can(policy(statement), "s3:ListBucket", context={"s3:prefix": "x"}) is True
    assert can(policy(statement), "s3:ListBucket",
               context={"s3:prefix": "x", "aws:username": "x"}) is False


def test_deny_with_negated_operator_and_variable_without_value_is_explicit_deny() -> None:
    guard = deny("s3:*", Condition={"StringNotEquals": {
        "s3:ExistingObjectTag/owner": "${aws:PrincipalTag/team}"}})
    documents = policy(allow("s3:*"), guard)
    context = {"s3:ExistingObjectTag/owner": "blue"}
    decision = evaluate_iam(documents, "s3:GetObject", "arn:aws:s3:::b/k", context=context)
    assert decision.allowed is False  # was CAN: the Deny did not bite
    assert "denied by Statement[1]" in decision.explain()
    assert can(documents, "s3:GetObject", "arn:aws:s3:::b/k",
               context={**context, "aws:PrincipalTag/team": "blue"}) is True


def test_unresolved_value_among_others_of_a_negated_operator() -> None:
    # NOR over the values: the null one is matched by nothing, the literal one still counts
    statement = allow(Condition={"StringNotEquals": {"s3:prefix": ["${aws:username}", "x"]}})
    assert can(policy(statement), "s3:ListBucket", context={"s3:prefix": "x"}) is False
    assert can(policy(statement), "s3:ListBucket", context={"s3:prefix": "y"}) is True


# -- 1.4 Condition --------------------------------------------------------------------------------


def cond(condition: dict[str, Any], context: dict[str, Any]) -> bool | None:
    return can(policy(allow(Condition=condition)), "s3:GetObject", context=context)


@pytest.mark.parametrize(("condition", "context", "expected"), [
    # AND across operators, AND across keys, OR across values
    pytest.param({"StringEquals": {"a:x": "1"}, "StringLike": {"a:y": "p*"}},
                 {"a:x": "1", "a:y": "q"}, False, id="and-across-operators"),
    pytest.param({"StringEquals": {"a:x": "1", "a:y": "2"}}, {"a:x": "1", "a:y": "3"}, False,
                 id="and-across-keys"),
    pytest.param({"StringEquals": {"a:x": ["1", "2"]}}, {"a:x": "2"}, True,
                 id="or-across-values"),
    pytest.param({"StringNotEquals": {"a:x": ["1", "2"]}}, {"a:x": "2"}, False,
                 id="negated-is-nor"),
    pytest.param({"StringNotEquals": {"a:x": ["1", "2"]}}, {"a:x": "3"}, True,
                 id="negated-none-match"),
    # string operators
    pytest.param({"StringEquals": {"a:x": "Prod"}}, {"a:x": "prod"}, False,
                 id="string-equals-case-sensitive"),
    pytest.param({"StringEquals": {"a:x": "p*"}}, {"a:x": "prod"}, False,
                 id="string-equals-star-is-literal"),
    pytest.param({"StringEquals": {"a:x": "p*"}}, {"a:x": "p*"}, True,
                 id="string-equals-literal-star"),
    pytest.param({"StringEqualsIgnoreCase": {"a:x": "Prod"}}, {"a:x": "PROD"}, True,
                 id="ignore-case"),
    pytest.param({"StringNotEqualsIgnoreCase": {"a:x": "Prod"}}, {"a:x": "PROD"}, False,
                 id="not-equals-ignore-case"),
    pytest.param({"StringLike": {"a:x": "home/*/d?c"}}, {"a:x": "home/a/b/doc"}, True,
                 id="like-glob"),
    pytest.param({"StringLike": {"a:x": "Home/*"}}, {"a:x": "home/a"}, False,
                 id="like-case-sensitive"),
    pytest.param({"StringNotLike": {"a:x": "tmp/*"}}, {"a:x": "tmp/a"}, False, id="not-like"),
    # condition key names are case-insensitive, values are not
    pytest.param({"StringEquals": {"AWS:SourceVpc": "vpc-1"}}, {"aws:sourcevpc": "vpc-1"}, True,
                 id="key-case-insensitive"),
    pytest.param({"StringEquals": {"aws:SourceVpc": "VPC-1"}}, {"aws:SourceVpc": "vpc-1"}, False,
                 id="value-case-sensitive"),
    pytest.param({"StringEquals": {"s3:ExistingObjectTag/Team": "a"}},
                 {"s3:existingobjecttag/team": "a"}, True, id="tag-key-case-insensitive"),
    # missing keys
    pytest.param({"StringEquals": {"a:x": "1"}}, {}, False, id="missing-positive-false"),
    pytest.param({"StringNotEquals": {"a:x": "1"}}, {}, True, id="missing-negated-true"),
    pytest.param({"StringNotLike": {"a:x": "1*"}}, {}, True, id="missing-not-like-true"),
    pytest.param({"ArnNotLike": {"a:x": "arn:*"}}, {}, True, id="missing-arn-not-like-true"),
    pytest.param({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True,
                 id="missing-not-ip-true"),
    pytest.param({"NumericNotEquals": {"a:n": "1"}}, {}, True, id="missing-numeric-not-equals"),
    pytest.param({"DateNotEquals": {"a:d": "2020-01-01"}}, {}, True, id="missing-date-not-equals"),
    pytest.param({"StringEqualsIfExists": {"a:x": "1"}}, {}, True, id="if-exists-absent"),
    pytest.param({"StringEqualsIfExists": {"a:x": "1"}}, {"a:x": "2"}, False,
                 id="if-exists-present"),
    pytest.param({"NumericLessThanIfExists": {"a:n": "5"}}, {}, True, id="numeric-if-exists"),
    # Null
    pytest.param({"Null": {"a:x": "true"}}, {}, True, id="null-true-absent"),
    pytest.param({"Null": {"a:x": "true"}}, {"a:x": "v"}, False, id="null-true-present"),
    pytest.param({"Null": {"a:x": "false"}}, {"a:x": "v"}, True, id="null-false-present"),
    pytest.param({"Null": {"a:x": "false"}}, {}, False, id="null-false-absent"),
    pytest.param({"Null": {"a:x": False}}, {"a:x": "v"}, True, id="null-json-boolean"),
    # Bool
    pytest.param({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "TRUE"}, True,
                 id="bool-case-insensitive"),
    pytest.param({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "maybe"},
                 False, id="bool-false-is-not-anything-but-true"),
    pytest.param({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True,
                 id="bool-json-boolean"),
    # Numeric
    pytest.param({"NumericLessThan": {"a:n": "3600"}}, {"a:n": "100"}, True, id="lt"),
    pytest.param({"NumericLessThan": {"a:n": "3600"}}, {"a:n": "3600"}, False, id="lt-equal"),
    pytest.param({"NumericLessThanEquals": {"a:n": "3600"}}, {"a:n": "3600"}, True, id="le"),
    pytest.param({"NumericGreaterThan": {"a:n": "9"}}, {"a:n": "10"}, True,
                 id="gt-numeric-not-lexical"),
    pytest.param({"NumericGreaterThanEquals": {"a:n": 1.5}}, {"a:n": "1.50"}, True, id="ge"),
    pytest.param({"NumericEquals": {"a:n": 10}}, {"a:n": "10.0"}, True, id="numeric-equals"),
    pytest.param({"NumericNotEquals": {"a:n": ["1", "2"]}}, {"a:n": "2"}, False,
                 id="numeric-not-equals"),
    # Date: W3C ISO 8601 or epoch seconds, compared as instants
    pytest.param({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                 {"aws:CurrentTime": "2021-06-01T12:00:00Z"}, True, id="date-gt"),
    pytest.param({"DateLessThan": {"aws:CurrentTime": "2020-01-01"}},
                 {"aws:CurrentTime": "2019-12-31T23:59:59Z"}, True, id="date-only"),
    pytest.param({"DateEquals": {"aws:CurrentTime": "2020-01-01T01:00:00+01:00"}},
                 {"aws:CurrentTime": "2020-01-01T00:00:00Z"}, True, id="date-offsets"),
    pytest.param({"DateLessThanEquals": {"aws:EpochTime": "1577836800"}},
                 {"aws:EpochTime": "2020-01-01T00:00:00Z"}, True, id="date-epoch"),
    pytest.param({"DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-02"}},
                 {"aws:CurrentTime": "2020-01-01T23:00:00Z"}, False, id="date-ge"),
    # IP addresses
    pytest.param({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                 {"aws:SourceIp": "203.0.113.7"}, True, id="ip-in"),
    pytest.param({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
                 {"aws:SourceIp": "2001:db8::1"}, True, id="ipv6"),
    pytest.param({"IpAddress": {"aws:SourceIp": "203.0.113.5"}},
                 {"aws:SourceIp": "203.0.113.6"}, False, id="ip-single-address"),
    pytest.param({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                 {"aws:SourceIp": "198.51.100.1"}, True, id="not-ip"),
    # Binary: base64 compared as bytes
    pytest.param({"BinaryEquals": {"a:b": "QmluYXJ5VmFsdWU="}}, {"a:b": "QmluYXJ5VmFsdWU="}, True,
                 id="binary"),
    pytest.param({"BinaryEquals": {"a:b": "QmluYXJ5VmFsdWU="}}, {"a:b": "T3RoZXI="}, False,
                 id="binary-differs"),
    # ARN operators: per segment, wildcards in both, case-sensitive
    pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
                 {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, True,
                 id="arn-like"),
    pytest.param({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
                 {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, True,
                 id="arn-equals-takes-wildcards"),
    pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
                 {"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:topic"}, False,
                 id="arn-like-account"),
    pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::Bucket"}},
                 {"aws:SourceArn": "arn:aws:s3:::bucket"}, False, id="arn-case-sensitive"),
    pytest.param({"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:role/x"}},
                 {"aws:SourceArn": "arn:aws:iam::1:2:role/x"}, False, id="arn-per-segment"),
    pytest.param({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
                 {"aws:SourceArn": "arn:aws:sqs:us-east-1:123456789012:q"}, True,
                 id="arn-not-like"),
    # set operators
    pytest.param({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, True,
                 id="for-all-absent-fails-open"),
    pytest.param({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                 {"aws:TagKeys": []}, True, id="for-all-empty"),
    pytest.param({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                 {"aws:TagKeys": ["a", "b"]}, True, id="for-all-subset"),
    pytest.param({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                 {"aws:TagKeys": ["a", "c"]}, False, id="for-all-one-outside"),
    pytest.param({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, False,
                 id="for-any-absent-false"),
    pytest.param({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                 {"aws:TagKeys": ["c", "b"]}, True, id="for-any-one-inside"),
    pytest.param({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                 {"aws:TagKeys": ["c", "d"]}, False, id="for-any-none-inside"),
    pytest.param({"ForAnyValue:StringLike": {"aws:TagKeys": "team-*"}},
                 {"aws:TagKeys": ["x", "team-a"]}, True, id="for-any-like"),
    pytest.param({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
                 {"aws:TagKeys": ["a", "secret"]}, False, id="for-all-negated"),
    pytest.param({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}},
                 {"aws:TagKeys": ["a", "secret"]}, True, id="for-any-negated"),
    pytest.param({"forallvalues:stringequals": {"aws:TagKeys": "a"}},
                 {"aws:TagKeys": ["a"]}, True, id="operators-case-insensitive"),
    pytest.param({"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "a"}},
                 {"aws:PrincipalTag/team": "a"}, True, id="single-value-is-one-element-set"),
    pytest.param({"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "a"}},
                 {"aws:PrincipalTag/team": "b"}, False, id="single-value-set-mismatch"),
    pytest.param({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}}, {}, True,
                 id="for-any-if-exists-absent"),
    # a multivalued key under a plain operator does not match
    pytest.param({"StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ["a"]}, False,
                 id="multivalued-plain-operator"),
    pytest.param({"StringNotEquals": {"aws:TagKeys": "z"}}, {"aws:TagKeys": ["a", "b"]}, False,
                 id="multivalued-plain-negated-operator"),
])
def test_conditions(condition: dict[str, Any], context: dict[str, Any], expected: bool) -> None:
    assert cond(condition, context) is expected


@pytest.mark.parametrize(("operator", "context", "allowed"), [
    # every request carries aws:SecureTransport: not given, it is unknown, never absent
    pytest.param("Bool", {}, None, id="bool-deny-unknown-when-not-given"),
    pytest.param("BoolIfExists", {}, None, id="bool-if-exists-deny-unknown-when-not-given"),
    pytest.param("Bool", {"aws:SecureTransport": "false"}, False, id="bool-deny-fires"),
    pytest.param("Bool", {"aws:SecureTransport": "true"}, True, id="bool-deny-https"),
])
def test_secure_transport_deny(operator: str, context: dict[str, str], allowed: bool | None) -> None:
    documents = policy(allow(), deny(Condition={operator: {"aws:SecureTransport": "false"}}))
    assert can(documents, "s3:GetObject", context=context) is allowed


@pytest.mark.parametrize(("key", "value"), [
    ("aws:CurrentTime", "2026-12-03T00:00:00Z"), ("aws:EpochTime", "1796256000"),
    ("aws:RequestedRegion", "eu-west-1"), ("aws:SecureTransport", "true"),
    ("aws:PrincipalArn", "arn:aws:iam::123456789012:role/app"), ("aws:PrincipalAccount", "123456789012"),
    ("AWS:principaltype", "AssumedRole"), ("aws:ViaAWSService", "false"), ("aws:userid", "AROA:x")])
def test_global_keys_every_request_carries_are_never_absent(key: str, value: str) -> None:
    # A Deny on a negated operator would fire on an absent key ("cannot"); the key is present
    # with a value the question did not give, so the answer is unknown, naming the key.
    documents = policy(allow(), deny(Condition={"StringNotEquals": {key: value}}))
    decision = evaluate_iam(documents, "s3:GetObject", "*")
    assert decision.allowed is None
    assert "its value is not given" in decision.explain()
    assert can(documents, "s3:GetObject", context={key: value}) is True


def test_an_always_present_key_decides_definitely_when_every_value_agrees() -> None:
    # nothing allows the call: whatever the region, it is denied
    documents = policy(allow("s3:PutObject"), deny(Condition={"StringEquals": {
        "aws:RequestedRegion": "eu-west-1"}}))
    assert can(documents, "s3:GetObject") is False
    # a region outside the key's pattern never matches: the deny cannot fire
    documents = policy(allow(), deny(Condition={"StringEquals": {"aws:RequestedRegion": "nowhere"}}))
    assert can(documents, "s3:GetObject") is True


def test_unparsable_context_value_is_an_argument_error() -> None:
    with pytest.raises(InvalidArgument, match="not a valid ip value"):
        cond({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "nowhere"})


# -- resource-based (trust) policies: Principal, IRSA ---------------------------------------------

SUB = f"{ISSUER}:sub"
AUD = f"{ISSUER}:aud"


def trust(condition: dict[str, Any] | None = None, principal: Any = None,
          effect: str = "Allow") -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": principal if principal is not None else {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def assume(document: Any, namespace: str = "apps", name: str = "web",
           audience: str = "sts.amazonaws.com", provider: Any = PROVIDER) -> bool | None:
    context = {SUB: f"system:serviceaccount:{namespace}:{name}", AUD: audience}
    return evaluate_iam(document, "sts:AssumeRoleWithWebIdentity", ROLE, context=context,
                        principal={"Federated": provider}).allowed


IRSA = {"StringEquals": {SUB: "system:serviceaccount:apps:web", AUD: "sts.amazonaws.com"}}


@pytest.mark.parametrize(("document", "kwargs", "expected"), [
    pytest.param(policy(trust(IRSA)), {}, True, id="irsa"),
    pytest.param(policy(trust(IRSA)), {"name": "other"}, False, id="irsa-other-sa"),
    pytest.param(policy(trust(IRSA)), {"namespace": "ops"}, False, id="irsa-other-namespace"),
    pytest.param(policy(trust(IRSA)), {"audience": "vault"}, False, id="irsa-audience"),
    pytest.param(policy(trust(IRSA)), {"provider": PROVIDER + "X"}, False,
                 id="irsa-other-provider"),
    pytest.param(policy(trust({"StringLike": {SUB: "system:serviceaccount:apps:*"}})),
                 {"name": "anything"}, True, id="irsa-namespace-wildcard"),
    pytest.param(policy(trust({"StringLike": {SUB: "system:serviceaccount:apps:*"}})),
                 {"namespace": "ops"}, False, id="irsa-namespace-wildcard-other-ns"),
    pytest.param(policy(trust({"StringEquals": {AUD: "sts.amazonaws.com"}})),
                 {"namespace": "kube-system", "name": "anything"}, True,
                 id="no-sub-condition-trusts-every-sa"),
    pytest.param(policy(trust()), {"namespace": "x"}, True, id="no-condition-at-all"),
    pytest.param(policy(trust(IRSA), trust(
        {"StringEquals": {SUB: "system:serviceaccount:apps:web"}}, effect="Deny")), {}, False,
        id="deny-in-trust-wins"),
    pytest.param(policy(trust(IRSA, principal="*")), {}, True, id="principal-star"),
    pytest.param(policy(trust(IRSA, principal={"AWS": "*"})), {}, True, id="principal-aws-star"),
    pytest.param(policy(trust(IRSA, principal={"AWS": ROLE})), {}, False,
                 id="principal-other-type"),
    pytest.param(policy({**trust(IRSA), "Action": "sts:AssumeRole"}), {}, False,
                 id="other-action"),
])
def test_irsa_trust(document: dict[str, Any], kwargs: dict[str, str], expected: bool) -> None:
    assert assume(document, **kwargs) is expected


@pytest.mark.parametrize(("listed", "caller", "expected"), [
    (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/ci", True),          # account principal
    (f"arn:aws:iam::{ACCOUNT}:root", f"arn:aws:iam::{ACCOUNT}:user/u", True),
    ("999988887777", f"arn:aws:iam::{ACCOUNT}:role/ci", False),
    (f"arn:aws:iam::{ACCOUNT}:role/ci", f"arn:aws:iam::{ACCOUNT}:role/ci", True),
    (f"arn:aws:iam::{ACCOUNT}:role/ci", f"arn:aws:iam::{ACCOUNT}:role/CI2", False),
    (f"arn:aws:iam::{ACCOUNT}:role/ci", f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/session", True),
    (f"arn:aws:iam::{ACCOUNT}:role/ci", f"arn:aws:sts::{ACCOUNT}:assumed-role/cd/session", False),
    (f"arn:aws:iam::{ACCOUNT}:role/c*", f"arn:aws:iam::{ACCOUNT}:role/ci", False),  # no globs
])
def test_aws_principals(listed: str, caller: str, expected: bool) -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": [listed]}, "Action": "sts:AssumeRole"}
    decision = evaluate_iam(policy(statement), "sts:AssumeRole", ROLE, principal={"AWS": caller})
    assert decision.allowed is expected


def test_service_principal_and_not_principal() -> None:
    statement = {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]},
                 "Action": "sts:AssumeRole"}
    service = {"Service": "ec2.amazonaws.com"}
    assert evaluate_iam(policy(statement), "sts:AssumeRole", ROLE, principal=service).allowed
    other = {"Service": "lambda.amazonaws.com"}
    assert not evaluate_iam(policy(statement), "sts:AssumeRole", ROLE, principal=other).allowed
    everyone_but = {"Effect": "Deny", "NotPrincipal": {"Service": "ec2.amazonaws.com"},
                    "Action": "*"}
    both = policy({**statement, "Principal": "*"}, everyone_but)
    assert evaluate_iam(both, "sts:AssumeRole", ROLE, principal=service).allowed is True
    assert evaluate_iam(both, "sts:AssumeRole", ROLE, principal=other).allowed is False


def test_resource_policy_short_arn_without_wildcard_does_not_match() -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3"}
    assert evaluate_iam(policy(statement), "s3:GetObject", "arn:aws:s3:::b/k",
                        principal={"AWS": ROLE}).allowed is False
    assert can(policy(allow("s3:GetObject", "arn:aws:s3")), "s3:GetObject",
               "arn:aws:s3:::b/k") is True


@pytest.mark.parametrize("principal", [
    {}, {"AWS": ROLE, "Service": "x"}, {"Human": "me"}, {"AWS": ""}, "arn:aws:iam::1:root",
])
def test_bad_principal_argument(principal: Any) -> None:
    with pytest.raises(InvalidArgument, match="principal"):
        evaluate_iam(policy(trust()), "sts:AssumeRole", ROLE, principal=principal)


def test_boundary_and_principal_do_not_mix() -> None:
    with pytest.raises(InvalidArgument, match="permissions_boundary"):
        evaluate_iam(policy(trust()), "sts:AssumeRole", ROLE, principal={"AWS": ROLE},
                     permissions_boundary=policy(allow()))


@pytest.mark.parametrize(("action", "resource"), [("GetObject", "*"), ("s3:GetObject", ""),
                                                  (":", "*")])
def test_bad_request_arguments(action: str, resource: str) -> None:
    with pytest.raises(InvalidArgument):
        evaluate_iam(policy(allow()), action, resource)


@pytest.mark.parametrize("context", [{"a:x": 1}, {"a:x": ["a", 2]}, {"": "v"},
                                     {"a:X": "1", "A:x": "2"}])
def test_bad_context(context: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        evaluate_iam(policy(allow()), "s3:GetObject", "*", context=context)


# -- loading errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "invalid JSON"),
    ("[1]", "must be a JSON object, not a list"),
    (allow(), "this is a statement, not a policy document"),
    ({"Version": V12, "Statment": [allow()]},
     'Statment: unknown element .*did you mean "Statement"'),
    ({"Version": "2012-10-18", "Statement": [allow()]}, "Version: must be"),
    ({"Version": V12}, "Statement: is missing"),
    (policy({**allow(), "Effect": "allow"}), r'Statement\[0\].Effect: must be "Allow" or "Deny"'),
    (policy({"Action": "*", "Resource": "*"}), r"Statement\[0\].Effect: is missing"),
    (policy({"Effect": "Allow", "Resource": "*"}), r"Statement\[0\].Action: is missing"),
    (policy({**allow(), "NotAction": "s3:*"}), "both Action and NotAction"),
    (policy({"Effect": "Allow", "Action": "*"}), r"Statement\[0\].Resource: is missing"),
    (policy({**allow(), "NotResource": "*"}), "both Resource and NotResource"),
    (policy(allow("s3GetObject")), r'"s3GetObject" is not "\*" or "service:action"'),
    (policy(allow(resource="bucket")), r'"bucket" is not "\*" or an ARN'),
    (policy(allow(action=[])), "Action: is an empty list"),
    (policy(allow(action=[1])), "items must be strings, not a number"),
    (policy({**allow(), "Principal": "*"}), "Principal: is not allowed in an identity policy"),
    (policy(allow(Condition={"StringEqual": {"a:x": "1"}})), "unknown condition operator"),
    (policy(allow(Condition={"ForSomeValues:StringEquals": {"a:x": "1"}})),
     "unknown set operator"),
    (policy(allow(Condition={"NullIfExists": {"a:x": "true"}})), "NullIfExists"),
    (policy(allow(Condition={"NumericLessThan": {"a:n": "ten"}})), "not a valid numeric value"),
    (policy(allow(Condition={"DateLessThan": {"a:d": "yesterday"}})), "not a valid date value"),
    (policy(allow(Condition={"IpAddress": {"a:ip": "10.0.0.300/8"}})), "not a valid ip value"),
    (policy(allow(Condition={"StringEquals": {"a:x": None}})), "condition values must be"),
    (policy(allow(Condition={"StringEquals": "a:x"})), "must be an object of condition keys"),
    (policy(allow(Sid=3)), r"Statement\[0\].Sid: must be a string"),
    ({"Version": V12, "Statement": "x"}, "Statement: must be an object or a list"),
])
def test_load_errors(document: Any, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        evaluate_iam(document, "s3:GetObject", "*")


def test_load_error_names_document_source_line_and_statement() -> None:
    bad = PolicyDocument(policy(allow(), {**allow(), "Effect": "Maybe"}),
                         "aws_iam_role_policy.reader", "iam.tf:12")
    with pytest.raises(LoadError) as caught:
        evaluate_iam(bad, "s3:GetObject", "*")
    assert str(caught.value) == ('iam.tf:12: aws_iam_role_policy.reader Statement[1].Effect: '
                                 'must be "Allow" or "Deny", not "Maybe"')
    assert (caught.value.file, caught.value.line) == ("iam.tf", 12)


def test_every_problem_of_every_document_is_reported() -> None:
    first = policy({"Effect": "Allow", "Resource": "*"}, {"Effect": "Nope", "Action": "*",
                                                          "Resource": "*"})
    second = PolicyDocument({"Statement": []}, "aws_iam_policy.b")
    with pytest.raises(LoadError) as caught:
        evaluate_iam([first, second, "[1"], "s3:GetObject", "*")
    assert [str(problem) for problem in caught.value.problems] == [
        "policy 1: Statement[0].Action: is missing (a statement needs Action or NotAction)",
        'policy 1: Statement[1].Effect: must be "Allow" or "Deny", not "Nope"',
        "policy 3: invalid JSON: Expecting ',' delimiter: line 1 column 3 (char 2)",
    ]


def test_trust_policy_needs_a_principal_but_not_a_resource() -> None:
    with pytest.raises(LoadError, match="Principal: is missing"):
        evaluate_iam(policy(allow()), "sts:AssumeRole", ROLE, principal={"AWS": ROLE})
    statement = {"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:*"}
    assert assume(policy(statement)) is True
    with pytest.raises(LoadError, match="unknown principal type"):
        evaluate_iam(policy({**statement, "Principal": {"Fed": "x"}}), "sts:AssumeRole", ROLE,
                     principal={"AWS": ROLE})


# -- symbolic values ------------------------------------------------------------------------------

BUCKET = Symbol("aws_s3_bucket.data.arn", source="s3.tf:4")
ROLE_NAME = Symbol("module.app.service_account_name", source="app.tf:9")


def test_possible_deny_makes_an_allow_unknown() -> None:
    documents = policy(allow("s3:*"), deny("s3:DeleteObject", BUCKET))
    decision = evaluate_iam(documents, "s3:DeleteObject", "arn:aws:s3:::logs")
    assert decision.allowed is None
    assert decision.explanation().unknowns == (BUCKET,)
    with pytest.raises(Indeterminate, match=r"aws_s3_bucket\.data\.arn"):
        bool(decision)


def test_definite_deny_wins_over_unknowns() -> None:
    documents = policy(allow("s3:*", BUCKET), deny("s3:DeleteObject"))
    assert can(documents, "s3:DeleteObject", "arn:aws:s3:::logs") is False


def test_unknown_allow_without_definite_allow_is_unknown() -> None:
    assert can(policy(allow("s3:*", BUCKET)), "s3:GetObject", "arn:aws:s3:::logs") is None


def test_same_symbol_matches_itself() -> None:
    assert can(policy(allow("s3:*", BUCKET)), "s3:GetObject", BUCKET) is True


def test_star_matches_a_symbolic_resource() -> None:
    assert can(policy(allow("s3:*", "*")), "s3:GetObject", BUCKET) is True
    pattern_only = "arn:aws:s3:::logs/*"
    assert can(policy(allow("s3:*", pattern_only)), "s3:GetObject", BUCKET) is None


def test_symbol_in_a_failing_statement_does_not_matter() -> None:
    documents = policy(allow("s3:*"), deny("ec2:*", BUCKET))
    assert can(documents, "s3:GetObject", "arn:aws:s3:::logs") is True


def test_symbolic_condition_value_and_context_value() -> None:
    statement = trust({"StringEquals": {SUB: ["system:serviceaccount:apps:", ROLE_NAME]}})
    literal = assume(policy(statement), name="web")
    assert literal is None
    context = {SUB: ROLE_NAME}
    decision = evaluate_iam(policy(statement), "sts:AssumeRoleWithWebIdentity", ROLE,
                            context=context, principal={"Federated": PROVIDER})
    assert decision.allowed is True


def test_distinct_symbols_compare_false() -> None:
    first = Symbol("module.a.sa_name", distinct_group="sa/apps")
    second = Symbol("module.b.sa_name", distinct_group="sa/apps")
    statement = allow(Condition={"StringEquals": {"a:name": first}})
    assert can(policy(statement), "s3:GetObject", context={"a:name": second}) is False


def test_symbolic_pattern_rules_out_literals() -> None:
    hexed = Symbol("random_id.x.hex", pattern="[0-9a-f]{16}")
    statement = allow(Condition={"StringEquals": {"a:id": hexed}})
    assert can(policy(statement), "s3:GetObject", context={"a:id": "not-hex"}) is False
    assert can(policy(statement), "s3:GetObject", context={"a:id": "0123456789abcdef"}) is None


def test_unknown_document_and_statement() -> None:
    whole = Symbol("data.aws_iam_policy_document.x.json")
    assert can([policy(allow("s3:*")), whole], "s3:GetObject") is None
    assert can([policy(deny("s3:*")), whole], "s3:GetObject") is False
    assert can(policy(allow("s3:*"), whole), "s3:GetObject") is None
    assert can(PolicyDocument(whole, "aws_iam_policy.x"), "s3:GetObject") is None


def test_symbolic_effect() -> None:
    effect = Symbol("var.effect")
    documents = policy(allow("s3:*"), {**allow("s3:GetObject"), "Effect": effect})
    assert can(documents, "s3:GetObject") is None
    assert can(documents, "s3:PutObject") is True


def test_symbolic_condition_key() -> None:
    issuer_sub = Symbol("aws_iam_openid_connect_provider.eks.url:sub")
    statement = trust({"StringEquals": {issuer_sub: "system:serviceaccount:apps:web"}})
    assert assume(policy(statement)) is None
    context = {issuer_sub: "system:serviceaccount:apps:web"}
    decision = evaluate_iam(policy(statement), "sts:AssumeRoleWithWebIdentity", ROLE,
                            context=context, principal={"Federated": PROVIDER})
    assert decision.allowed is True


def test_symbolic_principal() -> None:
    provider = Symbol("aws_iam_openid_connect_provider.eks.arn")
    statement = trust(IRSA, principal={"Federated": provider})
    assert assume(policy(statement)) is None
    assert assume(policy(statement), provider=provider) is True


# -- decisions and explanations -------------------------------------------------------------------


def test_decision_subject_and_request() -> None:
    decision = evaluate_iam(policy(allow()), "s3:GetObject", "arn:aws:s3:::bucket/key")
    assert str(decision.subject) == "IAM principal"
    assert decision.request.describe() == "s3:GetObject on arn:aws:s3:::bucket/key"
    assert repr(decision) == "<Decision IAM principal CAN s3:GetObject on arn:aws:s3:::bucket/key>"
    assert bool(decision) is True


def test_explain_allow_cites_statement_document_and_source() -> None:
    reader = PolicyDocument(policy({**allow("s3:GetObject", "arn:aws:s3:::b/*"), "Sid": "Read"}),
                            "aws_iam_role_policy.reader", "iam.tf:12")
    boundary = PolicyDocument(policy(allow("s3:*")), "aws_iam_policy.boundary", "iam.tf:40")
    decision = evaluate_iam(reader, "s3:GetObject", "arn:aws:s3:::b/k",
                            permissions_boundary=boundary)
    assert decision.explain().splitlines()[:3] == [
        "IAM principal CAN s3:GetObject on arn:aws:s3:::b/k",
        '  allowed by Statement[0] (Sid "Read") of aws_iam_role_policy.reader (iam.tf:12)',
        "  within the permissions boundary: Statement[0] of aws_iam_policy.boundary (iam.tf:40)",
    ]


def test_explain_explicit_deny() -> None:
    documents = [PolicyDocument(policy(allow("s3:*")), "aws_iam_policy.rw", "iam.tf:1"),
                 PolicyDocument(policy({**deny("s3:Delete*"), "Sid": "NoDelete"}),
                                "aws_iam_policy.guard", "guard.tf:5")]
    decision = evaluate_iam(documents, "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert decision.explanation().lines == (
        'explicitly denied by Statement[0] (Sid "NoDelete") of aws_iam_policy.guard (guard.tf:5)',
        "(an explicit deny overrides the allow in Statement[0] of aws_iam_policy.rw (iam.tf:1))",
    )


def test_explain_implicit_deny_lists_nearest_statements_and_why() -> None:
    documents = policy(
        {**allow("s3:GetObject", "arn:aws:s3:::b/*"), "Sid": "Read"},
        allow("s3:PutObject", "arn:aws:s3:::other/*"),
        allow("s3:PutObject", "arn:aws:s3:::b/*",
              Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
        deny("iam:*"),
    )
    decision = evaluate_iam(documents, "s3:PutObject", "arn:aws:s3:::b/k",
                            context={"aws:SourceVpc": "vpc-2"})
    assert decision.explanation().lines == (
        "implicitly denied: no statement allows it",
        "nearest Allow statements:",
        '  Statement[2] of policy 1: condition failed: StringEquals aws:SourceVpc: request has '
        '"vpc-2"; policy values ["vpc-1"]',
        '  Statement[1] of policy 1: resource arn:aws:s3:::b/k is not in Resource '
        '["arn:aws:s3:::other/*"]',
        '  Statement[0] (Sid "Read") of policy 1: action s3:PutObject is not in Action '
        '["s3:GetObject"]',
    )


def test_explain_boundary_blocks() -> None:
    decision = evaluate_iam(policy(allow("s3:*")), "s3:PutObject", "arn:aws:s3:::b/k",
                            permissions_boundary=policy(allow("s3:Get*")))
    assert decision.explanation().lines == (
        "implicitly denied: Statement[0] of policy 1 allows it, but the permissions boundary "
        "does not",
        "nearest Allow boundary statements:",
        '  Statement[0] of permissions boundary: action s3:PutObject is not in Action '
        '["s3:Get*"]',
    )


def test_explain_unknown_names_the_symbol() -> None:
    guard = {**deny("s3:DeleteObject", BUCKET), "Sid": "Guard"}
    documents = PolicyDocument(policy(allow("s3:*"), guard), "aws_iam_policy.x", "x.tf:1")
    decision = evaluate_iam(documents, "s3:DeleteObject", "arn:aws:s3:::logs")
    first, *rest = decision.explain().splitlines()
    assert first.startswith("IAM principal MAY s3:DeleteObject on arn:aws:s3:::logs")
    assert rest == [
        "  allowed by Statement[0] of aws_iam_policy.x (x.tf:1)",
        '  Statement[1] (Sid "Guard") of aws_iam_policy.x (x.tf:1) (Deny) may apply: Resource '
        '["${aws_s3_bucket.data.arn}"] against arn:aws:s3:::logs is unknown',
        "  depends on:",
        "    aws_s3_bucket.data.arn: known only after apply, at s3.tf:4",
        "  note: not evaluated here: SCPs, RCPs, session policies and resource-based policies "
        "(a bucket or key policy can also grant or deny)",
    ]


def test_explain_missing_keys_and_unresolved_variables() -> None:
    documents = policy(allow("s3:*", HOME), deny(Condition={"Bool": {"aws:SecureTransport":
                                                                      "false"}}))
    decision = evaluate_iam(documents, "s3:GetObject", "arn:aws:s3:::home/app/k")
    text = decision.explain()
    assert ('resource arn:aws:s3:::home/app/k is not in Resource ["arn:aws:s3:::home/'
            '${aws:username}/*"] (${aws:username} has no value in the request)') in text
    assert ("note: condition keys not in the context, so treated as absent: "
            "aws:SecureTransport") not in text  # every request carries it: unknown, not absent


def test_explain_trust_policy() -> None:
    document = PolicyDocument(policy({**trust(IRSA), "Sid": "Irsa"}), "aws_iam_role.app",
                              "iam.tf:7")
    decision = evaluate_iam(document, "sts:AssumeRoleWithWebIdentity", ROLE,
                            context={SUB: "system:serviceaccount:apps:other",
                                     AUD: "sts.amazonaws.com"},
                            principal={"Federated": PROVIDER})
    assert decision.summary() == (f"Federated principal {PROVIDER} CANNOT "
                                  f"sts:AssumeRoleWithWebIdentity on {ROLE}")
    assert decision.explanation().lines[2] == (
        f'  Statement[0] (Sid "Irsa") of aws_iam_role.app (iam.tf:7): condition failed: '
        f'StringEquals {SUB}: request has "system:serviceaccount:apps:other"; policy values '
        f'["system:serviceaccount:apps:web"]')


def test_explain_account_principal_note() -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
    decision = evaluate_iam(policy(statement), "sts:AssumeRole", ROLE,
                            principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"})
    assert decision.allowed is True
    assert decision.explanation().notes == (
        "Statement[0] of resource policy names the caller's whole account: the caller's own "
        "identity policies must also allow it",)


def test_explain_symbolic_effect() -> None:
    effect = Symbol("var.effect", source="vars.tf:2")
    decision = evaluate_iam(policy({**allow("s3:GetObject"), "Effect": effect}), "s3:GetObject",
                            "*")
    assert decision.allowed is None
    assert decision.explanation().lines == (
        "Statement[0] of policy 1 (${var.effect}) may apply: its Effect is ${var.effect}",)
    assert decision.explanation().unknowns == (effect,)


def test_symbolic_condition_block_and_symbolic_context_key() -> None:
    unknown_condition = Symbol("var.conditions")
    assert can(policy(allow(Condition=unknown_condition)), "s3:GetObject") is None
    maybe_vpc = Symbol("local.context_key")
    statement = allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    assert can(policy(statement), "s3:GetObject", context={maybe_vpc: "vpc-1"}) is None


def test_aws_star_principal_is_everyone_but_a_named_principal_is_not() -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    service = {"Service": "ec2.amazonaws.com"}
    assert evaluate_iam(policy(statement), "sts:AssumeRole", ROLE, principal=service).allowed
    with pytest.raises(LoadError, match=r'Principal: must be "\*" or an object'):
        evaluate_iam(policy({**statement, "Principal": ROLE}), "sts:AssumeRole", ROLE,
                     principal=service)


def test_for_all_values_negated_fails_open_when_absent() -> None:
    documents = policy(allow(), deny(Condition={"ForAllValues:StringNotEquals": {
        "aws:TagKeys": ["owner"]}}))
    assert can(documents, "s3:GetObject") is False  # absent key: the Deny applies
    assert can(documents, "s3:GetObject", context={"aws:TagKeys": ["owner"]}) is True


def test_get_caller_identity_needs_no_permission() -> None:
    """AWS: "No permissions are required to perform this operation. If an administrator
    attaches a policy to your identity that explicitly denies access to the
    sts:GetCallerIdentity action, you can still perform this operation." """
    deny_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert evaluate_iam(deny_all, "sts:GetCallerIdentity", "*").allowed is True
    assert evaluate_iam([], "STS:getcalleridentity", "*").allowed is True
    assert evaluate_iam(deny_all, "sts:GetSessionToken", "*").allowed is False
