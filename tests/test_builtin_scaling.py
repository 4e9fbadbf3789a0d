"""Built-in checks that ask only where a binding can apply find what asking everywhere finds.

PF-K8S-013 (rules given to ``default`` accounts) asked every namespace of the model for every
namespace's default account, quadratic in namespaces (2.8 s of the pack's 7 s at 30,600
objects); it now asks the account's own namespace and those ``bound_in`` names (where a
RoleBinding may name the account). The reference here is the old loop: every namespace.
"""

from __future__ import annotations

from typing import Any

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus
from hypothesis import given, settings
from property_support import load

import pytest_pfperms as pfperms
from pytest_pfperms import ServiceAccount
from pytest_pfperms import strategies as pst
from pytest_pfperms.model.objects import BUILTIN_SOURCE, RoleBinding
from pytest_pfperms.policies.builtin import selected
from pytest_pfperms.policies.builtin.probing import namespaces, subjects


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
