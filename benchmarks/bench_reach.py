"""Benchmark ``Model.reach`` (escalation paths) on a generated rendered repo of ~10,000 objects.

The repo is ``bench_load.py``'s (namespaces of service accounts, Deployments, Roles and
RoleBindings; ClusterRoles and ClusterRoleBindings) plus a few subjects that escalate:

- ``ci/deployer``: ``edit`` in every tenth namespace (runs pods as every account there);
- ``ci/binder``: may create RoleBindings in one namespace and ``bind`` ``admin``;
- ``ci/impersonator``: may impersonate any group (so ``system:masters``: everything).

Prints the one-off cost of building the model's escalation gates, then for each subject
the time of one ``reach`` (median of a few runs), the identities and grants it reaches,
and the time of one ``reach(...).can`` and ``reach(...).vault_can`` on the result.

Run: ``python benchmarks/bench_reach.py [--namespaces N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import generate

import pytest_pfperms as pfperms
from pytest_pfperms.escalation.gates import gates

ESCALATORS = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ci}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: binder, namespace: ci}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: impersonator, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: binder}
rules:
  - {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}
  - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [admin]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: binder, namespace: team-1}
subjects: [{kind: ServiceAccount, name: binder, namespace: ci}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: binder}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonator}
rules:
  - {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: impersonator}
subjects: [{kind: ServiceAccount, name: impersonator, namespace: ci}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}
"""


def deployer_bindings(namespaces: int) -> str:
    """RoleBindings of ``edit`` for ci/deployer in every tenth namespace."""
    docs = []
    for index in range(0, namespaces, 10):
        docs.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
            f"  name: deployer\n  namespace: team-{index}\nsubjects:\n  - kind: ServiceAccount\n"
            f"    name: deployer\n    namespace: ci\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
            f"  kind: ClusterRole\n  name: edit\n")
    return "---\n".join(docs)


def timed(action: object, runs: int) -> tuple[float, object]:
    """Median seconds of ``runs`` calls of ``action()``, and its last result."""
    timings = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200, help="namespaces (about 50 objects each)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        count = generate(root, args.namespaces)
        (root / "escalators.yaml").write_text(ESCALATORS)
        (root / "deployer.yaml").write_text(deployer_bindings(args.namespaces))
        model = pfperms.load(root)
    objects = len(model.objects())
    print(f"objects: {objects:,} ({count:,} generated)")
    start = time.perf_counter()
    built = gates(model)
    print(f"escalation gates: {len(built):,}, built once per model in {time.perf_counter() - start:.2f} s")
    subjects = [("unprivileged team-3/app-1", pfperms.ServiceAccount("team-3", "app-1")),
                ("ci/deployer (edit in 20 namespaces)", pfperms.ServiceAccount("ci", "deployer")),
                ("ci/binder (bind admin in team-1)", pfperms.ServiceAccount("ci", "binder")),
                ("ci/impersonator (any group)", pfperms.ServiceAccount("ci", "impersonator"))]
    for title, who in subjects:
        seconds, result = timed(lambda who=who: model.reach(who), args.runs)
        assert isinstance(result, pfperms.Reach)
        grants = sum(1 for actor in result.actors if actor.grant is not None)
        ask, decision = timed(lambda result=result: result.can("get", "secrets", namespace="team-7"),
                              args.runs)
        vault, _ = timed(lambda result=result: result.vault_can("read", "secret/data/x"), args.runs)
        assert isinstance(decision, pfperms.Decision)
        print(f"{title}: reach {seconds * 1000:,.0f} ms, {len(result.actors) - 1:,} identities and "
              f"{grants} grants reached{' (' + result.truncated + ')' if result.truncated else ''}; "
              f"can() {ask * 1000:.1f} ms ({decision.verdict}), vault_can() {vault * 1000:.1f} ms")


if __name__ == "__main__":
    main()
