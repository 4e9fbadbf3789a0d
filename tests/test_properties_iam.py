"""Invariants of the AWS IAM evaluator (``reference/iam-vault.md`` section 1.1), over drawn policies.

IAM has no order and no first match: a request is allowed iff some Allow statement
matches it and no Deny statement does (and, with a permissions boundary, the
boundary allows it too). Each test checks one consequence of that on documents
drawn by ``pytest_pfperms.strategies.iam_policies``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_pfperms import strategies as pst
from pytest_pfperms.strategies import IamQuery

Policy = dict[str, Any]
POLICIES = st.lists(pst.iam_policies(), min_size=1, max_size=3)
REQUESTS = st.lists(pst.iam_requests(), min_size=1, max_size=8)


def _statements(policies: list[Policy]) -> list[dict[str, Any]]:
    return [statement for policy in policies for statement in policy["Statement"]]


def _matches(statement: dict[str, Any], request: IamQuery) -> bool | None:
    """Whether the statement, alone and made an Allow, applies to the request."""
    alone = {"Version": "2012-10-17", "Statement": [{**statement, "Effect": "Allow"}]}
    return request.evaluate(alone).allowed


@given(POLICIES, REQUESTS)
def test_a_decision_is_its_statements_combined(policies: list[Policy], requests: list[IamQuery]) -> None:
    for request in requests:
        decision = request.evaluate(policies)
        allows = [s for s in _statements(policies) if s["Effect"] == "Allow" and _matches(s, request)]
        denies = [s for s in _statements(policies) if s["Effect"] == "Deny" and _matches(s, request)]
        expected = bool(allows) and not denies
        assert decision.allowed is expected, (f"{request}: allowing statements {allows}, denying "
                                              f"{denies}\n{decision.explain()}")


@given(POLICIES, REQUESTS)
def test_an_explicit_deny_always_wins(policies: list[Policy], requests: list[IamQuery]) -> None:
    for request in requests:
        for statement in _statements(policies):
            if statement["Effect"] == "Deny" and _matches(statement, request):
                decision = request.evaluate(policies)
                assert decision.allowed is False, f"{request}: {statement} applies\n{decision.explain()}"
        deny = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": request.action, "Resource": request.resource}]}
        for position in (0, len(policies)):
            with_deny = [*policies[:position], deny, *policies[position:]]
            decision = request.evaluate(with_deny)
            assert decision.allowed is False, f"{request}: a Deny naming it was added\n{decision.explain()}"


@given(POLICIES.flatmap(lambda policies: st.tuples(
    st.just(policies),
    st.permutations(policies).flatmap(lambda shuffled: st.tuples(
        *(st.permutations(policy["Statement"]) for policy in shuffled)).map(
        lambda statements: [{**policy, "Statement": list(found)}
                            for policy, found in zip(shuffled, statements, strict=True)])))),
       REQUESTS)
def test_statement_and_policy_order_never_matters(pair: tuple[list[Policy], list[Policy]],
                                                  requests: list[IamQuery]) -> None:
    original, shuffled = pair
    for request in requests:
        before, after = request.evaluate(original), request.evaluate(shuffled)
        assert before.allowed is after.allowed, f"{request}:\n{before.explain()}\n{after.explain()}"


@given(POLICIES, st.data(), REQUESTS)
def test_adding_an_allow_never_removes_and_a_deny_never_adds(
        policies: list[Policy], data: st.DataObject, requests: list[IamQuery]) -> None:
    allow = data.draw(pst.iam_policies(effects=["Allow"]), label="added allow")
    deny = data.draw(pst.iam_policies(effects=["Deny"]), label="added deny")
    for request in requests:
        before = request.evaluate(policies).allowed
        if before:
            decision = request.evaluate([*policies, allow])
            assert decision.allowed is True, f"{request}: adding {allow} removed it\n{decision.explain()}"
        else:
            decision = request.evaluate([*policies, deny])
            assert decision.allowed is False, f"{request}: adding {deny} granted it\n{decision.explain()}"


@given(POLICIES, POLICIES, REQUESTS)
def test_a_permissions_boundary_intersects(policies: list[Policy], boundary: list[Policy],
                                           requests: list[IamQuery]) -> None:
    for request in requests:
        bounded = request.evaluate(policies, permissions_boundary=copy.deepcopy(boundary))
        identity, limit = request.evaluate(policies).allowed, request.evaluate(boundary).allowed
        assert bounded.allowed is (identity is True and limit is True), \
            f"{request}: identity {identity}, boundary {limit}\n{bounded.explain()}"


# ---------------------------------------------------------------------------------------------
# Against a naive reading of the reference: globs per ARN segment, case-insensitive actions
# ---------------------------------------------------------------------------------------------

ACTION_PATTERNS = ["s3:GetObject", "s3:Get*", "s3:*Object", "s3:?etObject", "S3:getobject", "s3:*", "*",
                   "sqs:*", "s3:Get*Tagging", "*:GetObject"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::bucket0", "arn:aws:s3:::bucket0/*", "arn:aws:s3:::bucket*",
                     "arn:aws:s3:::*/key0", "arn:aws:s3:::bucket?/key0", "arn:aws:s3:*", "arn:aws:*:*:*:*",
                     "arn:aws:sqs:*:111122223333:*", "arn:aws:s3:::bucket0/key0/*:x"]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:GetObjectTagging", "sqs:SendMessage", "S3:GETOBJECT"]
RESOURCES = ["arn:aws:s3:::bucket0", "arn:aws:s3:::bucket0/key0", "arn:aws:s3:::bucket1/key0",
             "arn:aws:s3:::bucket0/key0/a:x", "arn:aws:s3:::bucket10/key0",
             "arn:aws:sqs:us-east-1:111122223333:queue0"]


def _glob(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _action_matches(pattern: str, action: str) -> bool:
    if pattern == "*":
        return True
    service, _, name = pattern.partition(":")
    wanted_service, _, wanted_name = action.partition(":")
    return service.lower() == wanted_service.lower() and _glob(name, wanted_name, ignore_case=True)


def _resource_matches(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    parts, wanted = pattern.split(":", 5), arn.split(":", 5)
    parts += ["*"] * (6 - len(parts))  # identity policies pad a short ARN with wildcard segments
    return all(_glob(part, value) for part, value in zip(parts, wanted, strict=True))


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, keys in condition.items():
        for key, values in keys.items():
            values = values if isinstance(values, list) else [values]
            present = key in context
            if operator == "StringEquals" and not (present and context[key] in values):
                return False
            if operator == "StringNotEquals" and present and context[key] in values:
                return False
            if operator == "StringLike" and not (present and any(_glob(v, context[key]) for v in values)):
                return False
    return True


def _listed(statement: dict[str, Any], key: str) -> list[str]:
    value = statement[key]
    return value if isinstance(value, list) else [value]


def _reference_applies(statement: dict[str, Any], request: IamQuery) -> bool:
    if "Action" in statement:
        action = any(_action_matches(p, request.action) for p in _listed(statement, "Action"))
    else:
        action = not any(_action_matches(p, request.action) for p in _listed(statement, "NotAction"))
    if "Resource" in statement:
        resource = any(_resource_matches(p, request.resource) for p in _listed(statement, "Resource"))
    else:
        resource = not any(_resource_matches(p, request.resource) for p in _listed(statement, "NotResource"))
    return action and resource and _condition_holds(statement.get("Condition", {}), dict(request.context))


@given(st.lists(pst.iam_policies(actions=ACTION_PATTERNS, resources=RESOURCE_PATTERNS), min_size=1,
                max_size=2),
       st.lists(pst.iam_requests(actions=ACTIONS, resources=RESOURCES), min_size=1, max_size=8))
def test_decisions_follow_a_naive_reading_of_the_reference(policies: list[Policy],
                                                           requests: list[IamQuery]) -> None:
    for request in requests:
        statements = _statements(policies)
        allows = any(s["Effect"] == "Allow" and _reference_applies(s, request) for s in statements)
        denies = any(s["Effect"] == "Deny" and _reference_applies(s, request) for s in statements)
        decision = request.evaluate(policies)
        assert decision.allowed is (allows and not denies), f"{request}:\n{decision.explain()}"
