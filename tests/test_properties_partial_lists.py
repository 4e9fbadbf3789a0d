"""A list unknown before apply that certainly holds some items (``concat(["a"], var.more)``,
a :class:`~pytest_pfperms.values.PartialList`) as IAM condition values and RBAC rule lists.

A definite answer must hold whatever the rest of the list is: each test draws the known
items and a query, evaluates with the partial list, then with the known items plus each of
several drawn rests written out; every concrete answer must equal a definite one.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms.aws.evaluation import evaluate_iam
from pytest_pfperms.model.objects import (
    ClusterRole,
    ClusterRoleBinding,
    PolicyRule,
    RoleRef,
    SourceRef,
    Subject,
)
from pytest_pfperms.values import PartialList, StrList

SOURCE = SourceRef("test.yaml", 1)
ADDRESSES = ("10.0.0.5", "192.168.1.9", "8.8.8.8")
NETWORKS = ("10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "8.8.8.8/32")
STRINGS = ("a", "b", "c", "A")
OPERATORS = ("IpAddress", "NotIpAddress", "StringEquals", "StringNotEquals", "StringLike",
             "StringEqualsIgnoreCase", "ForAnyValue:StringEquals")


def _partial(known: list[str]) -> PartialList:
    return PartialList(key="concat(known, var.more)", expression="concat(known, var.more)",
                       never_null=True, known=tuple(known))


def _policy(operator: str, values: object) -> dict[str, object]:
    key = "aws:SourceIp" if "Ip" in operator else "aws:PrincipalTag/team"
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {operator: {key: values}}}]}


@given(st.sampled_from(OPERATORS), st.lists(st.sampled_from(NETWORKS + STRINGS), min_size=1, max_size=3),
       st.lists(st.lists(st.sampled_from(NETWORKS + STRINGS), max_size=2), min_size=1, max_size=4),
       st.sampled_from(ADDRESSES), st.sampled_from(STRINGS))
def test_iam_condition_values(operator: str, known: list[str], rests: list[list[str]],
                              address: str, team: str) -> None:
    if "Ip" in operator:
        known = [value for value in known if "/" in value] or ["10.0.0.0/8"]
        rests = [[value for value in rest if "/" in value] for rest in rests]
    else:
        known = [value for value in known if "/" not in value] or ["a"]
        rests = [[value for value in rest if "/" not in value] for rest in rests]
    context = {"aws:SourceIp": address, "aws:PrincipalTag/team": team}
    answer = evaluate_iam(_policy(operator, _partial(known)), "s3:GetObject", "*",
                          context=context).allowed
    if answer is None:
        return
    for rest in rests:
        written = evaluate_iam(_policy(operator, [*known, *rest]), "s3:GetObject", "*",
                               context=context).allowed
        assert written is answer, (known, rest, written, answer)


VERBS = ("get", "list", "delete", "*")
RESOURCES = ("pods", "secrets", "*")


@given(st.lists(st.sampled_from(VERBS), min_size=1, max_size=2),
       st.lists(st.lists(st.sampled_from(VERBS), max_size=2), min_size=1, max_size=3),
       st.sampled_from(VERBS[:3]), st.sampled_from(RESOURCES[:2]))
def test_rbac_rule_verbs(known: list[str], rests: list[list[str]], verb: str, resource: str) -> None:
    def model(verbs: StrList) -> pfperms.Model:
        role = ClusterRole("ClusterRole", "rbac.authorization.k8s.io/v1", "r", None, SOURCE, rules=(
            PolicyRule(verbs, ("",), ("pods", "secrets"), (), (), 0, SOURCE),))
        binding = ClusterRoleBinding("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "b", None, SOURCE,
                                     subjects=(Subject("ServiceAccount", "app", "apps"),),
                                     role_ref=RoleRef("ClusterRole", "r", "rbac.authorization.k8s.io"))
        return pfperms.Model([role, binding])

    app = pfperms.ServiceAccount("apps", "app")
    answer = model(_partial(known)).can(app, verb, resource, namespace="apps").allowed
    if answer is None:
        return
    for rest in rests:
        assert model((*known, *rest)).can(app, verb, resource, namespace="apps").allowed is answer
