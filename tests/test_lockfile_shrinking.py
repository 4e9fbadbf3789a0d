"""A grant that shrank since the lockfile was written says why, from the current model."""

from __future__ import annotations

from pathlib import Path

import pytest_pfperms as pfperms
from pytest_pfperms.lockfile import (
    Snapshot,
    compare,
    read_lock,
    render_changes,
    snapshot,
    with_shrink_causes,
    write_lock,
)

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: apps}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: VERBS
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: ci, namespace: apps}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: apps}
"""


def model_with(tmp_path: Path, verbs: str) -> pfperms.Model:
    path = tmp_path / f"{len(verbs)}.yaml"
    path.write_text(ROLE.replace("VERBS", verbs), encoding="utf-8")
    return pfperms.load(path)


def locked(tmp_path: Path, model: pfperms.Model) -> Snapshot:
    """The snapshot as a lockfile holds it (no causes)."""
    write_lock(tmp_path / "pfperms.lock", snapshot(model))
    return read_lock(tmp_path / "pfperms.lock")


def test_a_shrunk_rule_says_what_the_current_model_answers(tmp_path: Path) -> None:
    before, after = model_with(tmp_path, "[get, delete]"), model_with(tmp_path, "[get]")
    changes = with_shrink_causes(after, compare(locked(tmp_path, before), snapshot(after)))
    [shrank] = [c for c in changes if c.direction == "shrank"]
    assert shrank.entry.cause.startswith("now: ServiceAccount apps/ci CANNOT delete pods in namespace apps")
    text = render_changes(changes)
    assert '- Kubernetes apps: apiGroups [""] resources ["pods"] verbs ["delete", "get"]\n      now: ' in text
    [grew] = [c for c in changes if c.direction == "grew"]
    assert "granted by RoleBinding apps/deployer" in grew.line()


def test_an_account_the_sources_no_longer_mention(tmp_path: Path) -> None:
    before = model_with(tmp_path, "[get]")
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n", encoding="utf-8")
    after = pfperms.load(empty)
    [shrank] = with_shrink_causes(after, compare(locked(tmp_path, before), snapshot(after)))
    assert shrank.entry.cause.startswith("now: ServiceAccount apps/ci CANNOT get pods")
