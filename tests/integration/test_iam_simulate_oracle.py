"""The IAM evaluator against @cloud-copilot/iam-simulate, an independent open-source one.

Hypothesis draws worlds: one or two identity policies of up to three statements over S3
actions and action patterns, resources and resource patterns (wildcards in and across
segments, case, policy variables with and without defaults, in Resource and NotResource),
NotAction/NotResource, and conditions (plain, negated, IgnoreCase, IfExists, Null) over
principal tags and ``aws:username`` whose values hold variables too; and up to four
requests, each key present or absent. Every request goes to the simulator (a Node driver
that answers a batch per world) and to :func:`evaluate_iam`; the answers must agree.

Two disagreements are known, and each was adjudicated against the AWS documentation
("IAM policy elements: Variables and tags", section "Policy variables with no value"); the
documented answer is pinned in ``tests/test_iam.py``:

- ``not-resource-variable``: a NotResource entry whose variable has no value. AWS: "the
  resource that includes a policy variable with no value will not match any resource", so
  the entry excludes nothing and the other entries decide. The simulator instead makes the
  whole NotResource element fail to match.
- ``negated-condition-variable``: a negated operator (StringNotEquals, ...) whose policy
  value holds a variable with no value. AWS: "Inverted condition operators like
  StringNotEquals or StringNotLike do match against a null value". The simulator makes the
  condition false.

For a request whose world holds one of those constructs, the reference answer is the
simulator's on the policies with the documented rule applied by hand
(:func:`documented_rewrite`), so the project must give AWS's answer there too; the summary
counts how often the simulator's own answer differs from it. Any disagreement with the
reference fails the test with the world. The number of worlds
is ``$PFPERMS_IAM_WORLDS`` (default 300); the counts show in the terminal summary.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iam_simulate_support import Simulator, unavailable, version

from pytest_pfperms import evaluate_iam

WORLDS = int(os.environ.get("PFPERMS_IAM_WORLDS", "300"))
ACCOUNT = "111122223333"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/app"

OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
BUCKET_ACTIONS = ("s3:ListBucket",)
OBJECTS = ("arn:aws:s3:::b0/k", "arn:aws:s3:::b0/home/alice/k", "arn:aws:s3:::b1/home/bob/k",
           "arn:aws:s3:::b1/x")
BUCKETS = ("arn:aws:s3:::b0", "arn:aws:s3:::b1")
ACTION_PATTERNS = (*OBJECT_ACTIONS, *BUCKET_ACTIONS, "s3:*", "s3:Get*", "s3:*Object", "*",
                   "s3:?etObject", "s3:list*", "S3:getobject")
RESOURCE_PATTERNS = (
    "*", "arn:aws:s3:::b0/*", "arn:aws:s3:::b0*", "arn:aws:s3:::b1", "arn:aws:s3:::b?/x",
    "arn:aws:s3:::B0/*", "arn:aws:s3:::b1/home/*", "arn:aws:s3:::*/home/${aws:username}/*",
    "arn:aws:s3:::b0/home/${aws:username}/*", "arn:aws:s3:::${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::${aws:PrincipalTag/team, 'b0'}", "arn:aws:s3:::*/k", "arn:aws:s3:*:*:b1/x")
CONTEXT = {"aws:PrincipalTag/team": ("b0", "b1", "B0"), "aws:PrincipalTag/owner": ("alice", "b0"),
           "aws:username": ("alice", "bob")}
OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
             "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringEqualsIfExists",
             "StringNotEqualsIfExists", "StringNotLikeIfExists", "Null")
VALUES = ("b0", "b1", "alice", "B0", "b*", "${aws:username}", "${aws:PrincipalTag/team}",
          "${aws:PrincipalTag/owner, 'alice'}")
_VARIABLE = re.compile(r"\$\{([^},']+?)\s*(,\s*'[^']*')?\}")


def _one_or_list(items: list[str]) -> str | list[str]:
    return items[0] if len(items) == 1 else items


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(("Allow", "Deny")))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2, unique=True))
    statement["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = _one_or_list(actions)
    resources = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3, unique=True))
    statement["NotResource" if draw(st.integers(0, 3)) == 0 else "Resource"] = _one_or_list(resources)
    if draw(st.booleans()):
        condition: dict[str, dict[str, Any]] = {}
        for _ in range(draw(st.integers(1, 2))):
            operator = draw(st.sampled_from(OPERATORS))
            key = draw(st.sampled_from(sorted(CONTEXT)))
            if operator == "Null":
                value: Any = draw(st.sampled_from(("true", "false")))
            else:
                value = _one_or_list(draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2,
                                                   unique=True)))
            condition.setdefault(operator, {})[key] = value
        statement["Condition"] = condition
    return statement


@st.composite
def _world(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[str, str, dict[str, str]]]]:
    policies = [{"Version": "2012-10-17", "Statement": draw(st.lists(_statement(), min_size=1, max_size=3))}
                for _ in range(draw(st.integers(1, 2)))]
    requests = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 3)) == 0:
            action, resource = draw(st.sampled_from(BUCKET_ACTIONS)), draw(st.sampled_from(BUCKETS))
        else:
            action, resource = draw(st.sampled_from(OBJECT_ACTIONS)), draw(st.sampled_from(OBJECTS))
        context = {key: draw(st.sampled_from(values)) for key, values in CONTEXT.items()
                   if draw(st.booleans())}
        requests.append((action, resource, context))
    return policies, requests


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _unresolved(text: str, context: dict[str, str]) -> bool:
    """Whether the text holds a variable with no value (and no default) in the context."""
    present = {key.lower() for key in context}
    return any(match.group(2) is None and match.group(1).strip().lower() not in present
               for match in _VARIABLE.finditer(text))


def documented_classes(policies: list[dict[str, Any]], context: dict[str, str]) -> set[str]:
    """Which adjudicated disagreement classes the world holds for this request's context."""
    found = set()
    present = {key.lower() for key in context}
    for policy in policies:
        for statement in policy["Statement"]:
            if any(_unresolved(entry, context) for entry in _listed(statement.get("NotResource", []))):
                found.add("not-resource-variable")
            for operator, clauses in statement.get("Condition", {}).items():
                if "Not" not in operator:
                    continue
                for key, values in clauses.items():
                    if key.lower() in present and any(_unresolved(v, context) for v in _listed(values)):
                        found.add("negated-condition-variable")
    return found


NEVER = "arn:aws:s3:::pfperms-matches-no-resource-here"
NEVER_VALUE = "pfperms-matches-no-request-value"


def documented_rewrite(policies: list[dict[str, Any]], context: dict[str, str]) -> list[dict[str, Any]]:
    """The policies with AWS's rule for variables with no value applied by hand, in a form on
    which the simulator cannot differ: NotResource entries with such a variable dropped (they
    match no resource), and such values of negated operators dropped (a null value equals
    nothing); an emptied list gets an entry that matches nothing."""
    present = {key.lower() for key in context}
    rewritten = []
    for policy in policies:
        statements = []
        for original in policy["Statement"]:
            statement = dict(original)
            if "NotResource" in statement:
                kept = [e for e in _listed(statement["NotResource"]) if not _unresolved(e, context)]
                statement["NotResource"] = kept or [NEVER]
            if "Condition" in statement:
                condition = {}
                for operator, clauses in statement["Condition"].items():
                    condition[operator] = {}
                    for key, values in clauses.items():
                        if "Not" in operator and key.lower() in present:
                            kept = [v for v in _listed(values) if not _unresolved(v, context)]
                            values = kept or [NEVER_VALUE]
                        condition[operator][key] = values
                statement["Condition"] = condition
            statements.append(statement)
        rewritten.append({**policy, "Statement": statements})
    return rewritten


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    reason = unavailable()
    if reason is not None:
        if os.environ.get("PFPERMS_REQUIRE_IAM_SIMULATE") == "1":
            pytest.fail(f"PFPERMS_REQUIRE_IAM_SIMULATE=1 but {reason}")
        pytest.skip(reason)
    running = Simulator()
    try:
        yield running
    finally:
        running.close()


def test_evaluator_agrees_with_iam_simulate(simulator: Simulator,
                                            record_property: pytest.RecordProperty) -> None:
    tally: Counter[str] = Counter()

    @settings(max_examples=WORLDS, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(world=_world())
    def check(world: tuple[list[dict[str, Any]], list[tuple[str, str, dict[str, str]]]]) -> None:
        policies, requests = world
        cases = []
        for action, resource, context in requests:
            case = {"principal": PRINCIPAL, "action": action, "resource": resource,
                    "account": ACCOUNT, "context": context, "policies": policies}
            cases.append(case)
            if documented_classes(policies, context):
                # the reference: the simulator on the policies with AWS's rule applied by hand
                cases.append({**case, "policies": documented_rewrite(policies, context)})
        answers = iter(simulator.evaluate(cases))
        wrong = []
        for action, resource, context in requests:
            answer = next(answers)
            assert "error" not in answer, f"the simulator refused {action} on {resource}: {answer}"
            assert not answer["ignored"], f"the simulator ignored context keys {answer['ignored']}"
            classes = documented_classes(policies, context)
            reference = next(answers) if classes else answer
            ours = evaluate_iam(policies, action, resource, context=context).allowed
            theirs = reference["result"] == "Allowed"
            tally["requests"] += 1
            if classes:
                tally["documented_" + "_".join(sorted(classes)).replace("-", "_")] += 1
                if (answer["result"] == "Allowed") is not theirs:
                    tally["simulator_differs_from_the_aws_docs"] += 1
            if ours is not theirs:
                wrong.append(f"{action} on {resource} with {context}: pfperms {ours}, "
                             f"iam-simulate {reference['result']}"
                             + (f" (with AWS's rule for {', '.join(sorted(classes))} applied)"
                                if classes else ""))
        assert not wrong, "\n".join(wrong) + f"\npolicies: {policies}"
        tally["worlds"] += 1

    check()
    record_property("iam_simulate_version", version())
    for key, count in sorted(tally.items()):
        record_property(f"iam_{key}", count)
    assert tally["worlds"] >= min(WORLDS, 200)
