"""An unknown answer settled by trying every case of its choices (``query/cases.py``).

Models hold a ClusterRoleBinding whose role is a :class:`~pytest_pfperms.values.Choice`
among drawn ClusterRoles (``var.x ? "a" : "b"``, nested). The settled answer must be what
every case gives when all cases agree, and unknown otherwise; each case is checked against a
model written with that role's name as a literal, built independently.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms.model.objects import (
    ClusterRole,
    ClusterRoleBinding,
    PolicyRule,
    RoleRef,
    SourceRef,
    Subject,
)
from pytest_pfperms.values import Choice, Str

SOURCE = SourceRef("test.yaml", 1)
VERBS = ("get", "list", "delete")
RESOURCES = ("pods", "secrets", "nodes")
ROLE_NAMES = ("alpha", "beta", "gamma", "delta")
rules = st.lists(st.tuples(st.lists(st.sampled_from(VERBS), min_size=1, max_size=2),
                           st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2)), max_size=2)


def _role(name: str, drawn: list[tuple[list[str], list[str]]]) -> ClusterRole:
    return ClusterRole("ClusterRole", "rbac.authorization.k8s.io/v1", name, None, SOURCE, rules=tuple(
        PolicyRule(tuple(verbs), ("",), tuple(resources), (), (), index, SOURCE)
        for index, (verbs, resources) in enumerate(drawn)))


def _model(roles: dict[str, list[tuple[list[str], list[str]]]], role_name: Str) -> pfperms.Model:
    binding = ClusterRoleBinding("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "chosen", None, SOURCE,
                                 subjects=(Subject("ServiceAccount", "app", "apps"),),
                                 role_ref=RoleRef("ClusterRole", role_name, "rbac.authorization.k8s.io"))
    objects = [_role(name, drawn) for name, drawn in roles.items()]
    return pfperms.Model([*objects, binding])


@given(st.dictionaries(st.sampled_from(ROLE_NAMES), rules, min_size=1),
       st.lists(st.sampled_from((*ROLE_NAMES, "missing")), min_size=2, max_size=4, unique=True),
       st.sampled_from(VERBS), st.sampled_from(RESOURCES))
def test_a_settled_answer_is_every_case_s_answer(roles: dict[str, list[tuple[list[str], list[str]]]],
                                                 choices: list[str], verb: str, resource: str) -> None:
    choice = Choice(key="(var.x ? ...)", expression="var.x ? ...", choices=tuple(choices),
                    never_null=True)
    app = pfperms.ServiceAccount("apps", "app")
    settled = _model(roles, choice).can(app, verb, resource, namespace="apps").allowed
    cases = {_model(roles, name).can(app, verb, resource, namespace="apps").allowed for name in choices}
    assert None not in cases
    assert settled == (cases.pop() if len(cases) == 1 else None)
