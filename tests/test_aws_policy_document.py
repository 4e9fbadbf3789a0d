"""Rendering `data "aws_iam_policy_document"` as the AWS provider does (reference §1.8, §3.9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_pfperms.aws.evaluation import evaluate_iam
from pytest_pfperms.errors import LoadError
from pytest_pfperms.sources.terraform.providers.aws_iam_policy_document import render_policy_document
from pytest_pfperms.values import Symbol

V12 = "2012-10-17"


def one(statement: dict[str, Any], **block: Any) -> dict[str, Any]:
    """The single rendered statement of a block with one statement."""
    rendered = render_policy_document({"statement": [statement], **block})
    statements = rendered["Statement"]
    assert isinstance(statements, list)
    (only,) = statements
    assert isinstance(only, dict)
    return only


def test_defaults() -> None:
    assert render_policy_document({"statement": [{"actions": ["s3:GetObject"],
                                                  "resources": ["*"]}]}) == {
        "Version": V12,
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }


def test_empty_block_renders_only_the_version() -> None:
    assert render_policy_document({}) == {"Version": V12}


def test_policy_id_version_and_sid() -> None:
    rendered = render_policy_document({
        "version": "2008-10-17", "policy_id": "P1",
        "statement": [{"sid": "S1", "effect": "Deny", "actions": ["*"], "resources": ["*"]}],
    })
    assert rendered == {"Version": "2008-10-17", "Id": "P1", "Statement": [
        {"Sid": "S1", "Effect": "Deny", "Action": "*", "Resource": "*"}]}


@pytest.mark.parametrize(("attribute", "element"), [
    ("actions", "Action"), ("not_actions", "NotAction"),
    ("resources", "Resource"), ("not_resources", "NotResource"),
])
def test_sets_are_deduplicated_sorted_descending_single_is_bare(attribute: str,
                                                                 element: str) -> None:
    values = ["arn:b", "arn:a", "arn:c", "arn:a"]
    assert one({attribute: values})[element] == ["arn:c", "arn:b", "arn:a"]
    assert one({attribute: ["arn:only"]})[element] == "arn:only"
    assert element not in one({attribute: []})


def test_sort_is_by_code_point_like_go() -> None:
    assert one({"actions": ["s3:a", "s3:B", "S3:c"]})["Action"] == ["s3:a", "s3:B", "S3:c"]


def test_statement_key_order_follows_the_provider() -> None:
    statement = one({"condition": [{"test": "Bool", "variable": "aws:SecureTransport",
                                    "values": ["false"]}],
                     "principals": [{"type": "AWS", "identifiers": ["*"]}],
                     "not_resources": ["arn:x"], "actions": ["s3:*"], "sid": "A",
                     "effect": "Deny"})
    assert list(statement) == ["Sid", "Effect", "Action", "NotResource", "Principal", "Condition"]


@pytest.mark.parametrize(("principals", "expected"), [
    pytest.param([{"type": "*", "identifiers": ["*"]}], "*", id="star-star-is-bare-star"),
    pytest.param([{"type": "AWS", "identifiers": ["*"]}], {"AWS": "*"}, id="aws-star-stays"),
    pytest.param([{"type": "AWS", "identifiers": ["arn:a", "arn:b"]}],
                 {"AWS": ["arn:b", "arn:a"]}, id="identifiers-descending"),
    pytest.param([{"type": "AWS", "identifiers": ["arn:a"]},
                  {"type": "AWS", "identifiers": ["arn:b"]}],
                 {"AWS": ["arn:a", "arn:b"]}, id="same-type-merged"),
    pytest.param([{"type": "AWS", "identifiers": ["arn:z"]},
                  {"type": "AWS", "identifiers": ["arn:b", "arn:c"]}],
                 {"AWS": ["arn:z", "arn:c", "arn:b"]}, id="merged-string-then-list"),
    pytest.param([{"type": "Service", "identifiers": ["ec2.amazonaws.com"]},
                  {"type": "AWS", "identifiers": ["123456789012"]}],
                 {"AWS": "123456789012", "Service": "ec2.amazonaws.com"},
                 id="types-sorted"),
    pytest.param([{"type": "AWS", "identifiers": ["arn:a"]},
                  {"type": "AWS", "identifiers": ["arn:a"]}],
                 {"AWS": "arn:a"}, id="identical-blocks-are-one-set-element"),
])
def test_principals(principals: list[dict[str, Any]], expected: object) -> None:
    assert one({"actions": ["sts:AssumeRole"], "principals": principals})["Principal"] == expected
    not_principal = one({"actions": ["*"], "not_principals": principals})
    assert not_principal["NotPrincipal"] == expected


@pytest.mark.parametrize(("conditions", "expected"), [
    pytest.param([{"test": "StringEquals", "variable": "aws:SourceVpc", "values": ["vpc-1"]}],
                 {"StringEquals": {"aws:SourceVpc": "vpc-1"}}, id="single-value-bare"),
    pytest.param([{"test": "StringEquals", "variable": "k", "values": ["b", "a"]}],
                 {"StringEquals": {"k": ["b", "a"]}}, id="values-keep-order"),
    pytest.param([{"test": "StringEquals", "variable": "k", "values": ["1"]},
                  {"test": "StringEquals", "variable": "k", "values": ["2"]}],
                 {"StringEquals": {"k": ["1", "2"]}}, id="same-test-and-variable-concatenate"),
    pytest.param([{"test": "StringEquals", "variable": "k", "values": ["1"]},
                  {"test": "StringEquals", "variable": "j", "values": ["2"]},
                  {"test": "StringLike", "variable": "k", "values": ["3*"]}],
                 {"StringEquals": {"j": "2", "k": "1"}, "StringLike": {"k": "3*"}},
                 id="different-keys-stay-apart"),
    pytest.param([{"test": "Bool", "variable": "b", "values": [False]}],
                 {"Bool": {"b": "false"}}, id="values-become-strings"),
    pytest.param([{"test": "StringEquals", "variable": "k", "values": []}],
                 {"StringEquals": {"k": []}}, id="empty-values"),
])
def test_conditions(conditions: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    assert one({"actions": ["*"], "condition": conditions})["Condition"] == expected


def test_two_condition_blocks_with_same_key_are_ored_when_evaluated() -> None:
    rendered = render_policy_document({"statement": [{
        "actions": ["s3:GetObject"], "resources": ["*"],
        "condition": [
            {"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["a"]},
            {"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["b"]},
        ]}]})
    decision = evaluate_iam(rendered, "s3:GetObject", "*",
                            context={"aws:PrincipalTag/team": "b"})
    assert decision.allowed is True  # ANDed blocks would have denied


def test_ampersand_variables_become_dollar_except_in_actions() -> None:
    statement = one({
        "actions": ["s3:&{x}"],
        "resources": ["arn:aws:s3:::home/&{aws:username}/*"],
        "not_resources": ["arn:aws:s3:::x/&{aws:userid}"],
        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:user/&{aws:username}"]}],
        "condition": [{"test": "StringLike", "variable": "s3:prefix",
                       "values": ["home/&{aws:username}/"]}],
    })
    assert statement["Action"] == "s3:&{x}"
    assert statement["Resource"] == "arn:aws:s3:::home/${aws:username}/*"
    assert statement["NotResource"] == "arn:aws:s3:::x/${aws:userid}"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::1:user/${aws:username}"}
    assert statement["Condition"] == {"StringLike": {"s3:prefix": "home/${aws:username}/"}}


def test_sorting_happens_before_variable_replacement() -> None:
    # "&" (0x26) sorts after "$" (0x24): the provider sorts the &{ form
    statement = one({"resources": ["arn:a/&{x}", "arn:a/%"]})
    assert statement["Resource"] == ["arn:a/${x}", "arn:a/%"]


def test_rendered_variables_evaluate() -> None:
    rendered = render_policy_document({"statement": [{
        "actions": ["s3:*"], "resources": ["arn:aws:s3:::home/&{aws:username}/*"]}]})
    assert evaluate_iam(rendered, "s3:GetObject", "arn:aws:s3:::home/al/k",
                        context={"aws:username": "al"}).allowed is True


def test_source_and_override_documents_merge_by_sid() -> None:
    source_a = json.dumps({"Version": V12, "Statement": [
        {"Sid": "Keep", "Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
        {"Sid": "Replace", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
    ]})
    source_b = json.dumps({"Statement": [
        {"Sid": "FromB", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
    override_1 = json.dumps({"Statement": [
        {"Sid": "FromB", "Effect": "Deny", "Action": "sqs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})
    override_2 = json.dumps({"Statement": [
        {"Sid": "FromB", "Effect": "Deny", "Action": "sqs:Delete*", "Resource": "*"}]})
    rendered = render_policy_document({
        "source_policy_documents": [source_a, source_b],
        "statement": [
            {"sid": "Replace", "actions": ["s3:GetObject"], "resources": ["*"]},
            {"sid": "New", "actions": ["kms:Decrypt"], "resources": ["*"]},
            {"actions": ["logs:*"], "resources": ["*"]},
        ],
        "override_policy_documents": [override_1, override_2],
    })
    assert rendered["Statement"] == [
        {"Sid": "Keep", "Effect": "Allow", "Action": "s3:List*", "Resource": "*"},
        {"Sid": "Replace", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {"Sid": "FromB", "Effect": "Deny", "Action": "sqs:Delete*", "Resource": "*"},
        {"Sid": "New", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    ]


def test_statements_without_sid_are_never_replaced() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    rendered = render_policy_document({
        "source_policy_documents": [json.dumps({"Statement": [statement]})],
        "override_policy_documents": [json.dumps({"Statement": [statement]})],
    })
    assert rendered["Statement"] == [statement, statement]


def test_merge_takes_highest_version_and_last_id() -> None:
    rendered = render_policy_document({
        "version": "2008-10-17", "policy_id": "Mine",
        "source_policy_documents": [json.dumps({"Version": V12, "Id": "Src"})],
        "override_policy_documents": [json.dumps({"Id": "Over"}), json.dumps({"Id": ""})],
    })
    assert rendered == {"Version": V12, "Id": "Over"}


def test_source_documents_are_read_like_the_provider_reads_them() -> None:
    source = json.dumps({"statement": [{
        "sid": "A", "effect": "Allow", "action": ["s3:b", "s3:a"], "resource": ["arn:x"],
        "Principal": "anything-at-all",
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                      "Bool": {"aws:SecureTransport": True},
                      "StringEquals": {"k": ["v"]}},
    }, {"Sid": "B", "Effect": "Allow", "Action": "*",
        "NotPrincipal": {"AWS": ["arn:a", "arn:c", "arn:b"], "Service": ["x"]}}]})
    rendered = render_policy_document({"source_policy_documents": [source]})
    assert rendered["Statement"] == [
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:b", "s3:a"], "Resource": ["arn:x"],
         "Principal": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"k": "v"}}},
        {"Sid": "B", "Effect": "Allow", "Action": "*",
         "NotPrincipal": {"AWS": ["arn:c", "arn:b", "arn:a"], "Service": ["x"]}},
    ]


@pytest.mark.parametrize(("block", "message"), [
    pytest.param({"statement": [{"sid": "A", "actions": ["*"]}, {"sid": "A", "actions": ["*"]}]},
                 r"duplicate Sid \(A\)", id="sid-unique"),
    pytest.param({"statement": [{"effect": "allow"}]}, 'must be "Allow" or "Deny"',
                 id="effect"),
    pytest.param({"version": "2012-10-18"}, "version: must be", id="version"),
    pytest.param({"version": "2008-10-17", "statement": [{"resources": ["arn:&{x}"]}]},
                 "not supported in document version 2008-10-17", id="ampersand-in-2008"),
    pytest.param({"statements": []}, "unknown attribute", id="unknown-attribute"),
    pytest.param({"statement": [{"action": ["*"]}]}, "unknown attribute of a statement",
                 id="unknown-statement-attribute"),
    pytest.param({"source_json": "{}"}, "deprecated", id="source-json"),
    pytest.param({"source_policy_documents": ["{"]}, r"source_policy_documents\[0\]: invalid JSON",
                 id="bad-json"),
    pytest.param({"source_policy_documents": [
        json.dumps({"Statement": [{"Sid": "X"}]}), json.dumps({"Statement": [{"Sid": "X"}]})]},
        "duplicate Sid 'X' in source_policy_documents", id="sid-repeated-across-sources"),
    pytest.param({"override_policy_documents": [json.dumps({"Statement": {"Sid": "X"}})]},
                 "must be a list", id="single-statement-object"),
    pytest.param({"statement": [{"principals": [{"type": "AWS"}]}]}, "identifiers: is required",
                 id="principal-without-identifiers"),
    pytest.param({"statement": [{"condition": [{"test": "Bool", "values": ["x"]}]}]},
                 "needs test, variable", id="condition-without-variable"),
])
def test_errors(block: dict[str, Any], message: str) -> None:
    with pytest.raises(LoadError, match=message):
        render_policy_document(block)


def test_error_location() -> None:
    with pytest.raises(LoadError) as caught:
        render_policy_document({"statement": [{"effect": "Maybe"}]},
                               name="data.aws_iam_policy_document.app", source="iam.tf:20")
    assert str(caught.value) == ('iam.tf:20: data.aws_iam_policy_document.app '
                                 'statement[0].effect: must be "Allow" or "Deny", not \'Maybe\'')


def test_meta_arguments_and_null_values_are_ignored() -> None:
    rendered = render_policy_document({"count": 1, "policy_id": None, "json": "{}",
                                       "statement": [{"sid": None, "effect": None,
                                                      "actions": ["*"], "resources": None}]})
    assert rendered == {"Version": V12, "Statement": [{"Effect": "Allow", "Action": "*"}]}


# -- symbols -----------------------------------------------------------------------------------

BUCKET = Symbol("aws_s3_bucket.data.arn")
ROLE = Symbol("aws_iam_role.app.arn")


def test_symbols_stay_in_place_and_sort_last() -> None:
    statement = one({"actions": ["s3:*"], "resources": [BUCKET, "arn:aws:s3:::b", "arn:aws:s3:::c"],
                     "principals": [{"type": "AWS", "identifiers": [ROLE]}],
                     "condition": [{"test": "StringEquals", "variable": "k", "values": [BUCKET]}]})
    assert statement["Resource"] == ["arn:aws:s3:::c", "arn:aws:s3:::b", BUCKET]
    assert statement["Principal"] == {"AWS": ROLE}
    assert statement["Condition"] == {"StringEquals": {"k": BUCKET}}


def test_whole_symbolic_set_is_kept() -> None:
    actions = Symbol("var.actions")
    assert one({"actions": actions, "resources": ["*"]})["Action"] == actions


def test_rendered_symbols_evaluate_three_valued() -> None:
    rendered = render_policy_document({"statement": [
        {"actions": ["s3:*"], "resources": ["*"]},
        {"effect": "Deny", "actions": ["s3:DeleteObject"], "resources": [BUCKET]},
    ]})
    assert evaluate_iam(rendered, "s3:DeleteObject", "arn:aws:s3:::x").allowed is None
    assert evaluate_iam(rendered, "s3:GetObject", "arn:aws:s3:::x").allowed is True


def test_symbolic_source_document_is_an_unknown_statement() -> None:
    unknown = Symbol("data.aws_iam_policy_document.base.json")
    rendered = render_policy_document({"source_policy_documents": [unknown],
                                       "statement": [{"actions": ["s3:Get*"],
                                                      "resources": ["*"]}]})
    assert rendered["Statement"] == [unknown, {"Effect": "Allow", "Action": "s3:Get*",
                                               "Resource": "*"}]
    decision = evaluate_iam(rendered, "s3:GetObject", "*")
    assert decision.allowed is None  # the unknown statements may deny it
    assert decision.explanation().lines == (
        "allowed by Statement[1] of policy 1",
        "Statement[0] of policy 1 (unknown effect) may apply: the whole statement is "
        "${data.aws_iam_policy_document.base.json}",
    )
    assert decision.explanation().unknowns == (unknown,)


def test_symbolic_override_document_may_replace_any_sid_statement() -> None:
    unknown = Symbol("var.override_json")
    rendered = render_policy_document({
        "statement": [{"sid": "Guard", "effect": "Deny", "actions": ["s3:Delete*"],
                       "resources": ["*"]},
                      {"effect": "Deny", "actions": ["iam:*"], "resources": ["*"]}],
        "override_policy_documents": [unknown],
    })
    assert rendered["Statement"] == [
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}, unknown]
    assert evaluate_iam(rendered, "iam:CreateUser", "*").allowed is False
    assert evaluate_iam(rendered, "s3:DeleteObject", "*").allowed is None


def test_sids_with_spaces_render_as_the_provider_does() -> None:
    # Key and bucket policies use such Sids; the provider validated them only in
    # 5.82-5.83 and reverted it.
    rendered = render_policy_document({"statement": [{"sid": "Allow IAM user access", "actions": ["kms:*"],
                                                      "resources": ["*"]}]})
    assert rendered["Statement"][0]["Sid"] == "Allow IAM user access"
