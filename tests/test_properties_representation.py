"""One model, many sources: the same objects give the same answers however they are written.

The same drawn objects are written as multi-document YAML, one JSON file per
object, a ``kind: List``, Terraform HCL (``kubernetes_role``,
``kubernetes_cluster_role``, ``kubernetes_role_binding``,
``kubernetes_cluster_role_binding``, ``kubernetes_service_account``; every
ServiceAccount subject's namespace written out, since the provider defaults an
omitted one to "default") and the plan of that HCL (``terraform show -json``). Then three-valued soundness: HCL whose names and
namespaces are ``var.x``/``var.y`` is loaded without values (symbols) and with
them; an answer known without the values must be the answer with them.
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, reject
from hypothesis import strategies as st
from property_support import COMPARE_REQUESTS, Manifest, answers, describe, first_difference, load

import pytest_pfperms as pfperms
from pytest_pfperms import ResourceRequest, ServiceAccount, Symbol
from pytest_pfperms import strategies as pst
from pytest_pfperms.strategies import HclExpression

MANIFESTS = pst.manifests()


def _content(model: pfperms.Model) -> list[tuple[Any, ...]]:
    """What the objects mean, without provenance or the provider's harmless defaults:
    Role rules as sets (``kubernetes_role`` rules are sets), selectors without order (HCL
    maps and ``values`` sets have none), subjects with the namespace a ServiceAccount
    subject stands for, and no namespace or apiGroup on users and groups."""
    found = []
    for obj in model.objects():
        item: list[Any] = [obj.kind, obj.namespace, obj.name]
        if obj.kind in ("Role", "ClusterRole"):
            rules = [tuple(frozenset(part) for part in rule.content()) for rule in obj.rules]  # type: ignore[attr-defined]
            item.append(frozenset(rules) if obj.kind == "Role" else tuple(rules))
            selectors = getattr(obj, "aggregation", None)
            item.append(None if selectors is None else tuple(  # HCL maps and sets have no order
                (frozenset(s.match_labels), frozenset((r.key, r.operator, frozenset(r.values))
                                                      for r in s.match_expressions)) for s in selectors))
            item.append(tuple(sorted(obj.labels.items())))
        if obj.kind in ("RoleBinding", "ClusterRoleBinding"):
            subjects = []
            for subject in obj.subjects:  # type: ignore[attr-defined]
                namespace = (subject.namespace or obj.namespace) if subject.kind == "ServiceAccount" else None
                subjects.append((subject.kind, subject.name, namespace))
            item += [tuple(subjects), (obj.role_ref.kind, obj.role_ref.name)]  # type: ignore[attr-defined]
        found.append(tuple(item))
    return sorted(found, key=repr)


@given(MANIFESTS)
def test_yaml_json_a_list_hcl_and_a_plan_give_identical_objects_and_answers(manifests: list[Manifest]) -> None:
    reference = load(manifests, format="yaml")
    expected_objects, expected = _content(reference), answers(reference)
    for representation in ("json", "list", "hcl", "plan"):
        model = load(manifests, format=representation)
        assert _content(model) == expected_objects, f"{representation} loads different objects"
        difference = first_difference(expected, answers(model))
        assert difference is None, f"YAML against {representation}: {difference}"


# ---------------------------------------------------------------------------------------------
# Three-valued soundness
# ---------------------------------------------------------------------------------------------

NAME_VALUES = ("ns0", "ns1", "sa0", "default", "role0", "clusterrole0", "user0", "binding0")
"""Values a name or namespace may turn out to have: names already in use, so symbols alias real objects."""
RULE_VALUES = ("get", "list", "*", "pods", "secrets", "")
"""Values a verb, API group or resource of a rule may turn out to have ("" is the core group)."""
LABEL_VALUES = ("true", "false")
VARIABLES = {"x": NAME_VALUES, "y": NAME_VALUES, "rule": RULE_VALUES, "label": LABEL_VALUES}


def _sites(manifests: list[Manifest]) -> list[tuple[tuple[Any, ...], tuple[str, ...]]]:
    """Every string a variable could stand for: (object index, key path), and the variables that may."""
    names = ("x", "y")
    sites: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
    for index, manifest in enumerate(manifests):
        sites.append(((index, "metadata", "name"), names))
        if "namespace" in manifest["metadata"]:
            sites.append(((index, "metadata", "namespace"), names))
        for key in manifest["metadata"].get("labels", {}):
            sites.append(((index, "metadata", "labels", key), ("label",)))
        for number, rule in enumerate(manifest.get("rules", [])):
            for field in ("verbs", "apiGroups", "resources"):
                for position in range(len(rule.get(field, []))):
                    sites.append(((index, "rules", number, field, position), ("rule",)))
        if "roleRef" in manifest:
            sites.append(((index, "roleRef", "name"), names))
        for position, subject in enumerate(manifest.get("subjects", [])):
            sites.append(((index, "subjects", position, "name"), names))
            if subject["kind"] == "ServiceAccount" and "namespace" in subject:
                sites.append(((index, "subjects", position, "namespace"), names))
    return sites


def _set(manifests: list[Manifest], site: tuple[Any, ...], value: Any) -> None:
    target: Any = manifests[site[0]]
    for key in site[1:-1]:
        target = target[key]
    target[site[-1]] = value


@given(pst.manifests(max_roles=2, max_cluster_roles=2, max_bindings=3), st.data())
def test_a_known_answer_never_flips_when_a_variable_gets_its_value(
        manifests: list[Manifest], data: st.DataObject) -> None:
    sites = _sites(manifests)
    if not sites:
        reject()
    chosen = data.draw(st.lists(st.sampled_from(sites), min_size=1, max_size=4, unique=True), label="sites")
    values = {name: data.draw(st.sampled_from(pool), label=name) for name, pool in VARIABLES.items()}
    symbolic_objects, concrete_objects = copy.deepcopy(manifests), copy.deepcopy(manifests)
    used: dict[str, str] = {}
    for site, candidates in chosen:
        name = data.draw(st.sampled_from(candidates), label=f"variable at {site}")
        used[name] = values[name]
        _set(symbolic_objects, site, HclExpression(f"var.{name}"))
        _set(concrete_objects, site, values[name])
    values = used
    try:
        concrete_yaml = load(concrete_objects, format="yaml")
    except pfperms.LoadError:
        reject()  # the values made two objects the same (the API server would refuse it)
    symbolic = load(symbolic_objects, format="hcl")
    concrete = load(symbolic_objects, format="hcl", variables=values)
    known, after = answers(symbolic), answers(concrete)
    difference = first_difference(after, answers(concrete_yaml))
    assert difference is None, f"HCL with variables={values} against the same objects in YAML: {difference}"
    for probe, answer in known.items():
        if answer is not None:
            assert after[probe] is answer, (
                f"{describe(probe)}: {answer} while {values} was unknown, {after[probe]} once known\n"
                + symbolic.decide(*probe).explain())
    assert None not in after.values(), "an answer is still unknown with every variable given"


SYMBOL = Symbol("var.value", expression="var.value", reason="input variable value has no value")


NAMED_GRANT = [
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "clusterrole0"},
     "rules": [{"apiGroups": [""], "resources": ["pods"], "resourceNames": ["obj0"], "verbs": ["get"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
     "metadata": {"name": "binding0", "namespace": "ns0"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "clusterrole0"},
     "subjects": [{"kind": "ServiceAccount", "name": "sa0", "namespace": "ns0"}]},
]
"""The smallest set Hypothesis found that tells a symbolic request name apart; kept as an explicit
example (the fast path then denied such a request outright; fixed in 54716bf)."""

SUBSTITUTES = {"request verb": ("get", "list", "delete", "escalate"), "request API group": ("", "apps")}
"""Values a symbolic verb or API group may have; names and namespaces take names in use."""


@pytest.mark.parametrize("where", [
    "account name", "account namespace", "request namespace", "request name", "request verb",
    "request API group"])
@given(manifests=pst.manifests())
@example(manifests=NAMED_GRANT)
def test_a_known_answer_about_an_unknown_value_holds_for_every_value(manifests: list[Manifest],
                                                                     where: str) -> None:
    """The same law from the question's side: a service account or request naming a symbol.

    ``model.can()`` takes literal verbs and API groups, but ``model.decide()`` takes any
    ``ResourceRequest``, whose every attribute may be symbolic.
    """
    model = load(manifests)

    def ask(value: Any, request: Any) -> bool | None:
        account = ServiceAccount("ns0", "sa0")
        if where == "account name":
            account = ServiceAccount("ns0", value)
        elif where == "account namespace":
            account = ServiceAccount(value, "sa0")
        elif where == "request namespace" and request.namespace:
            request = dataclasses.replace(request, namespace=value)
        elif where == "request name":
            request = dataclasses.replace(request, name=value)
        elif where == "request verb":
            request = dataclasses.replace(request, verb=value)
        elif where == "request API group":
            request = dataclasses.replace(request, api_group=value)
        return model.decide(account, request).allowed

    for request in COMPARE_REQUESTS:
        if not isinstance(request, ResourceRequest):
            continue
        known = ask(SYMBOL, request)
        if known is None:
            continue
        for value in SUBSTITUTES.get(where, ("ns0", "ns1", "sa0", "default", "obj0", "elsewhere")):
            assert ask(value, request) is known, (
                f"{where} unknown: {known} for {request.describe()}, {ask(value, request)} when it is "
                f"{value!r}")


# ---------------------------------------------------------------------------------------------
# load(dump(model)) round-trips
# ---------------------------------------------------------------------------------------------

@given(MANIFESTS)
def test_load_of_dump_answers_as_the_model_does(manifests: list[Manifest]) -> None:
    model = load(manifests, format="yaml")
    with tempfile.TemporaryDirectory() as directory:
        path = pfperms.dump(model, Path(directory) / "dumped.yaml")
        again = pfperms.load(path, cluster_defaults=False, default_namespace="elsewhere")
    assert _content(again) == _content(model)
    assert first_difference(answers(model), answers(again)) is None
