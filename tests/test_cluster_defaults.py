"""The bootstrap policy ships as package data and loads to exactly the objects it held as
Python literals before (same manifests, same order, same count and rules)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest_pfperms as pfperms
from pytest_pfperms.model.objects import BUILTIN_SOURCE, ClusterRole, Role
from pytest_pfperms.sources.cluster_defaults import (
    BOOTSTRAP_POLICY_FILE,
    bootstrap_manifests,
    bootstrap_objects,
)

LITERALS_SHA256 = "ba780bd93a00183340acd3d11c669b9fa4a44bf0627cadc3b3b4dfa4c3e751bd"
"""sha256 of the canonical JSON (sorted keys, no spaces) of the 131 manifests as the
package held them in ``engines/bootstrap_policy.py`` before they became a YAML file."""


def test_the_yaml_holds_exactly_the_former_literals() -> None:
    canonical = json.dumps(bootstrap_manifests(), sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == LITERALS_SHA256


def test_it_loads_to_the_same_objects_and_rules() -> None:
    objects = bootstrap_objects()
    assert Counter(obj.kind for obj in objects) == {
        "ClusterRole": 68, "ClusterRoleBinding": 49, "Role": 7, "RoleBinding": 7}
    assert sum(len(obj.rules) for obj in objects if isinstance(obj, Role | ClusterRole)) == 316
    assert all(obj.source is BUILTIN_SOURCE for obj in objects)
    keys = [(obj.kind, obj.namespace, obj.name) for obj in objects]
    assert len(set(keys)) == len(keys)


def test_the_data_file_is_shipped_in_the_package() -> None:
    assert resources.files("pytest_pfperms.kubernetes").joinpath(BOOTSTRAP_POLICY_FILE).is_file()


def test_defaults_answer_through_the_model(tmp_path: Path) -> None:
    (tmp_path / "sa.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: n}\n")
    (tmp_path / "rb.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: a, namespace: n}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\n"
        "subjects: [{kind: ServiceAccount, name: a, namespace: n}]\n")
    with_defaults = pfperms.load(tmp_path)
    without = pfperms.load(tmp_path, cluster_defaults=False)
    account = pfperms.ServiceAccount("n", "a")
    assert with_defaults.can(account, "create", "deployments.apps", namespace="n")
    assert not without.can(account, "create", "deployments.apps", namespace="n")
