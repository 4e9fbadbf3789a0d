"""Fuzzing the YAML and JSON manifest loaders with mutated valid RBAC objects and workloads.

Each example draws a valid set of objects (:func:`pytest_pfperms.strategies.manifests` plus a
Namespace, a ServiceAccount and a Deployment using it), mutates it structurally, writes it as
YAML (block style, or flow style, several documents) or JSON (one object per file, or a
``List``), mutates the text, and loads the directory: a model or a LoadError naming the file
and line. See ``fuzzing.py``.
"""

from __future__ import annotations

from typing import Any

import yaml
from fuzzing import check_load, finish, fuzz_settings, mutated, text_mutated, to_json
from hypothesis import given
from hypothesis import strategies as st

from pytest_pfperms import strategies

WORKLOADS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "labels": {"team": "a"}}},
    {"apiVersion": "v1", "kind": "ServiceAccount",
     "metadata": {"name": "reader", "namespace": "apps",
                  "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/reader"}}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}},
                           "spec": {"serviceAccountName": "reader", "automountServiceAccountToken": True,
                                    "containers": [{"name": "app", "image": "app:1",
                                                    "ports": [{"containerPort": 8080}]}]}}}},
]


def _objects() -> st.SearchStrategy[list[dict[str, Any]]]:
    return strategies.manifests(max_roles=2, max_cluster_roles=2, max_bindings=3).flatmap(
        lambda objects: st.lists(st.sampled_from(WORKLOADS), max_size=3, unique_by=lambda o: o["kind"])
        .map(lambda extra: [*objects, *extra]))


def _yaml(documents: list[Any], flow: bool) -> str:
    if flow:
        return "\n---\n".join(to_json(document) for document in documents) + "\n"
    try:
        return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return "\n---\n".join(to_json(document) for document in documents) + "\n"


@st.composite
def yaml_files(draw: st.DrawFn) -> dict[str, str]:
    """A mutated ``manifests.yaml`` (the root of the mutations is the list of documents)."""
    documents = draw(mutated(draw(_objects())))
    documents = documents if isinstance(documents, list) else [documents]
    text = finish(_yaml(documents, draw(st.booleans())))
    return {"manifests.yaml": draw(text_mutated(text))}


@st.composite
def json_files(draw: st.DrawFn) -> dict[str, str]:
    """Mutated JSON manifests: one object per file, or a ``List`` of them."""
    objects = draw(_objects())
    if draw(st.booleans()):
        listed = draw(mutated({"apiVersion": "v1", "kind": "List", "items": objects}))
        return {"list.json": draw(text_mutated(finish(to_json(listed))))}
    files = {}
    for index, manifest in enumerate(objects[:4]):
        files[f"{index:02d}.json"] = draw(text_mutated(finish(to_json(draw(mutated(manifest, max_mutations=2))))))
    return files or {"empty.json": draw(st.sampled_from(("", "{}", "[]", "null")))}


@fuzz_settings(40)
@given(yaml_files())
def test_fuzzed_yaml_manifests_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)


@fuzz_settings(40)
@given(json_files())
def test_fuzzed_json_manifests_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)
