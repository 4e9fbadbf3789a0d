"""A condition key known only after apply is settled by trying every case it can be.

``"${var.issuer}:sub"`` in a trust policy, against a request context that may itself hold a
symbolic key (``"${cluster.oidc_issuer}:sub"``): which request key the clause names is
unknown, so the evaluator tries each key of the request it may be, and "none of them". A
definite answer must then be the answer of every world: each test substitutes the symbols
with concrete values from a small domain (including the values that make the keys collide,
and values differing only in case, since IAM keys are case-insensitive) and checks that
every world that gives a valid request agrees with a definite answer.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pytest_pfperms.aws.conditions import evaluate_clause, make_clause, parse_operator
from pytest_pfperms.aws.context import RequestContext
from pytest_pfperms.errors import InvalidArgument
from pytest_pfperms.values import Symbol, join_pieces

ISSUERS = ("oidc.example/id/A", "oidc.example/id/B", "OIDC.EXAMPLE/ID/A", "aws")
SUFFIXES = (":sub", ":aud", ":SUB", "")
OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringEqualsIfExists",
             "StringNotEqualsIfExists", "ForAnyValue:StringEquals", "ForAllValues:StringEquals",
             "Null")
VALUES = ("system:serviceaccount:apps:app", "system:serviceaccount:apps:*", "sts.amazonaws.com",
          "true", "false")

POLICY_ISSUER = Symbol(key="var.issuer", expression="var.issuer")
CLUSTER_ISSUER = Symbol(key="cluster.oidc_issuer", expression="cluster.oidc_issuer")


def _key(issuer: Symbol | str, suffix: str) -> str | Symbol:
    return join_pieces([issuer, suffix], expression=f"{issuer}{suffix}", source="test")


clause_keys = st.one_of(
    st.tuples(st.just(True), st.sampled_from(SUFFIXES)),               # "${var.issuer}<suffix>"
    st.tuples(st.just(False), st.sampled_from([f"{i}{s}" for i in ISSUERS for s in SUFFIXES])))
context_entries = st.lists(st.tuples(
    st.booleans(),                                                     # symbolic issuer or literal
    st.sampled_from(ISSUERS), st.sampled_from(SUFFIXES),
    st.lists(st.sampled_from((*VALUES[:3], "x")), min_size=1, max_size=2)), max_size=3)


def _context(entries: list[tuple[bool, str, str, list[str]]], cluster: str | None) -> RequestContext:
    """The request context; with ``cluster`` the symbolic issuer is that value."""
    mapping: dict[object, object] = {}
    for symbolic, issuer, suffix, values in entries:
        if symbolic:
            key: object = _key(CLUSTER_ISSUER, suffix) if cluster is None else f"{cluster}{suffix}"
        else:
            key = f"{issuer}{suffix}"
        mapping[key] = values if len(values) > 1 else values[0]
    return RequestContext(mapping)  # type: ignore[arg-type]


@given(clause_keys, st.sampled_from(OPERATORS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2),
       context_entries)
def test_a_definite_answer_holds_in_every_world(clause_key: tuple[bool, str], operator_text: str,
                                                values: list[str],
                                                entries: list[tuple[bool, str, str, list[str]]]) -> None:
    operator = parse_operator(operator_text)
    if operator.base.family.value == "null":
        values = [values[0] if values[0] in ("true", "false") else "true"]
    symbolic_key, text = clause_key
    try:
        context = _context(entries, None)
    except InvalidArgument:
        return  # two entries that are the same key: not a request
    key = _key(POLICY_ISSUER, text) if symbolic_key else text
    answer = evaluate_clause(make_clause(operator, key, values, variables=False), context)
    if answer is None:
        return
    for policy_issuer in ISSUERS:
        for cluster in ISSUERS:
            try:
                world = _context(entries, cluster)
            except InvalidArgument:
                continue  # the symbols collide into one key twice: no such request
            concrete = f"{policy_issuer}{text}" if symbolic_key else text
            got = evaluate_clause(make_clause(operator, concrete, values, variables=False), world)
            assert got is answer, (policy_issuer, cluster, concrete, got, answer)


def test_the_trust_case_irsa_meets() -> None:
    """A role trusting ``apps:other`` through a policy issuer nobody knows yet, against a
    request from ``apps:app``: false whichever key it is, or if it is none."""
    context = RequestContext({_key(CLUSTER_ISSUER, ":sub"): "system:serviceaccount:apps:app",
                              _key(CLUSTER_ISSUER, ":aud"): "sts.amazonaws.com"})  # type: ignore[dict-item]
    other = make_clause(parse_operator("StringEquals"), _key(POLICY_ISSUER, ":sub"),
                        ["system:serviceaccount:apps:other"], variables=False)
    mine = make_clause(parse_operator("StringEquals"), _key(POLICY_ISSUER, ":sub"),
                       ["system:serviceaccount:apps:app"], variables=False)
    assert evaluate_clause(other, context) is False
    assert evaluate_clause(mine, context) is None  # true only if the two issuers are one
