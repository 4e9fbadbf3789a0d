"""Built-in checks that ask only where a binding can apply find what asking everywhere finds,
and ``bound_in`` (those namespaces, per identity) lists what its pass over every namespace did.

PF-K8S-013 (rules given to ``default`` accounts) asked every namespace of the model for every
namespace's default account, quadratic in namespaces (2.8 s of the pack's 7 s at 30,600
objects); it now asks the account's own namespace and those ``bound_in`` names (where a
RoleBinding may name the account). The reference here is the old loop: every namespace.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus
from hypothesis import given, settings
from property_support import load

import pytest_pfperms as pfperms
from pytest_pfperms import ServiceAccount
from pytest_pfperms import strategies as pst
from pytest_pfperms.kubernetes.authorizer import identity_keys
from pytest_pfperms.model.objects import BUILTIN_SOURCE, RoleBinding
from pytest_pfperms.policies.builtin import probing, selected
from pytest_pfperms.policies.builtin.probing import namespaces, subjects
from pytest_pfperms.values import Symbol


def everywhere(model: pfperms.Model) -> list[tuple[str, str, tuple[str, ...]]]:
    """PF-K8S-013's RoleBinding paths, asked in every namespace the model mentions."""
    engine = model.kubernetes
    found = []
    for subject in subjects(model):
        account = subject.identity
        if not isinstance(account, ServiceAccount) or account.name != "default":
            continue
        for scope in dict.fromkeys([account.namespace, *namespaces(model)]):
            for path in engine.rules_for(account, scope):
                if isinstance(path.binding, RoleBinding) and path.binding.source is not BUILTIN_SOURCE:
                    found.append((str(account), path.binding.ref(), (path.rule.rule.describe(),)))
    return found


def checked(model: pfperms.Model) -> list[tuple[str, str, tuple[str, ...]]]:
    """The same triples from the check itself (its cluster-wide findings left out)."""
    (check,) = selected(["PF-K8S-013"])
    results: list[Any] = check.check(model)[0]
    return [(finding.subject, finding.lines[0].split("  ")[0].split(" (subject")[0],
             (finding.summary.removeprefix("is granted ").rsplit(" in namespace ", 1)[0],))
            for finding in results if not finding.summary.endswith("cluster-wide")]


@settings(max_examples=300)
@given(pst.manifests(max_bindings=6, max_subjects=3))
def test_default_accounts_asked_where_bindings_apply_as_everywhere(manifests: list[dict[str, Any]]) -> None:
    model = load(manifests)
    assert sorted(checked(model)) == sorted(everywhere(model))


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_default_accounts_on_real_manifests(project: str) -> None:
    model = pfperms.load(CORPUS / project, allow_partial=True)
    assert sorted(checked(model)) == sorted(everywhere(model))


def bound_everywhere(model: pfperms.Model, identity: Any) -> list[Any]:
    """``bound_in`` as it was: a pass over every namespace of the model, for each identity."""
    by_key, always = probing._binding_namespaces(model)
    keys = identity_keys(identity)
    if keys is None:
        return namespaces(model)
    hit = set(always).union(*(by_key.get(key, ()) for key in keys))
    return [ns for ns in namespaces(model) if ns in hit or isinstance(ns, Symbol)]


def assert_bound_in_as_before(model: pfperms.Model) -> None:
    for subject in subjects(model):
        assert probing.bound_in(model, subject.identity) == bound_everywhere(model, subject.identity), subject


@settings(max_examples=200)
@given(pst.manifests(max_bindings=6, max_subjects=3))
def test_bound_in_lists_the_namespaces_it_listed(manifests: list[dict[str, Any]]) -> None:
    assert_bound_in_as_before(load(manifests))


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_bound_in_on_real_manifests(project: str) -> None:
    assert_bound_in_as_before(pfperms.load(CORPUS / project, allow_partial=True))


def test_bound_in_keeps_symbolic_namespaces(tmp_path: Path) -> None:
    """A RoleBinding in a namespace known only at apply time may apply in any namespace: the
    symbol is listed, in the model's order."""
    (tmp_path / "main.tf").write_text(textwrap.dedent("""\
        variable "namespace" { type = string }
        resource "kubernetes_service_account" "app" {
          metadata {
            name      = "app"
            namespace = "team"
          }
        }
        resource "kubernetes_role_binding" "app" {
          metadata {
            name      = "app"
            namespace = var.namespace
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "view"
          }
          subject {
            kind      = "ServiceAccount"
            name      = "app"
            namespace = "team"
          }
        }
        """))
    model = pfperms.load(tmp_path)
    listed = probing.bound_in(model, ServiceAccount("team", "app"))
    assert any(isinstance(ns, Symbol) for ns in listed)
    assert_bound_in_as_before(model)
