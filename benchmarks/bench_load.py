"""Benchmark the manifest loader and the RBAC engine on a generated rendered repo.

Prints, for a repo of 10,000+ objects:
- load time as a ratio to ``yaml.CSafeLoader`` parsing the same bytes (goal <= 1.25);
- decisions per second of ``Model.can`` on distinct random requests (goal >= 100,000/s);
- ``who_can`` latency (goal <= 5 ms);
- the load-time ratios when the repo grows 4x and 8x (goals <= 4.2 and <= 8.4: linear),
  cluster defaults on.

Run: ``python benchmarks/bench_load.py [--namespaces N] [--no-8x]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml

import pytest_pfperms as pfperms
from pytest_pfperms.sources import collector

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
RESOURCES = ["pods", "secrets", "configmaps", "persistentvolumeclaims", "services",
             "deployments.apps", "jobs.batch", "pods/log", "deployments.apps/scale"]


def namespace_documents(index: int, rng: random.Random) -> list[str]:
    """About 50 objects for one namespace: accounts, workloads, roles and bindings."""
    ns = f"team-{index}"
    docs = [f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"]
    for app in range(12):
        name = f"app-{app}"
        docs.append(f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n")
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"  labels:\n    app: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n"
            f"      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n"
            f"    spec:\n      serviceAccountName: {name}\n      containers:\n        - name: main\n"
            f"          image: registry.example.com/{name}:1.{app}\n          ports:\n"
            f"            - containerPort: 8080\n")
        verbs = rng.sample(VERBS, 3)
        resources = rng.sample(["pods", "secrets", "configmaps", "persistentvolumeclaims", "services"], 2)
        docs.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nrules:\n  - apiGroups: [\"\"]\n    resources: {resources}\n"
            f"    verbs: {verbs}\n  - apiGroups: [\"apps\"]\n    resources: [\"deployments\", "
            f"\"deployments/scale\"]\n    verbs: [\"get\", \"list\"]\n")
        docs.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nsubjects:\n  - kind: ServiceAccount\n    name: {name}\n"
            f"    namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n"
            f"  name: {name}\n")
    docs.append(
        f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: viewers\n"
        f"  namespace: {ns}\nsubjects:\n  - kind: Group\n    name: {ns}-viewers\n"
        f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\n")
    return docs


def cluster_documents(count: int) -> list[str]:
    """ClusterRoles (some aggregated into view) and ClusterRoleBindings."""
    docs = []
    for index in range(count):
        docs.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
            f"  name: operator-{index}\n  labels:\n    rbac.authorization.k8s.io/aggregate-to-view: "
            f"\"{'true' if index % 5 == 0 else 'false'}\"\nrules:\n"
            f"  - apiGroups: [\"ops{index}.example.com\"]\n"
            f"    resources: [\"widgets\", \"widgets/status\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n")
        docs.append(
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
            f"  name: operator-{index}\nsubjects:\n  - kind: ServiceAccount\n    name: operator-{index}\n"
            f"    namespace: operators\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
            f"  kind: ClusterRole\n  name: operator-{index}\n")
    return docs


def generate(root: Path, namespaces: int, seed: int = 7) -> int:
    """Write the repo under ``root``: one file per namespace plus one cluster file."""
    rng = random.Random(seed)
    total = 0
    for index in range(namespaces):
        docs = namespace_documents(index, rng)
        (root / f"ns-{index:04d}.yaml").write_text("---\n".join(docs))
        total += len(docs)
    docs = cluster_documents(max(10, namespaces // 2))
    (root / "cluster.yaml").write_text("---\n".join(docs))
    return total + len(docs)


def best_of(runs: int, action: object) -> float:
    """The fastest of ``runs`` timings of ``action()`` (least disturbed by the machine)."""
    timings = []
    for _ in range(runs):
        collector.collect()  # frozen garbage of earlier runs too, so no run starts with collecting it
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def measure(namespaces: int, runs: int = 3) -> tuple[int, float, float, float, float, pfperms.Model]:
    """Objects; seconds of ``CSafeLoader``; of a cold ``pfperms.load`` in a new cache directory
    (as on a machine that keeps no cache: it reads every file and writes no reading entry);
    of a first load into a kept cache directory (it writes the entries) and of a warm load
    from those entries; and a model."""
    with tempfile.TemporaryDirectory() as directory, tempfile.TemporaryDirectory() as caches:
        root = Path(directory)
        count = generate(root, namespaces)
        texts = [path.read_text() for path in sorted(root.glob("*.yaml"))]

        def parse() -> None:
            for text in texts:
                for _ in yaml.load_all(text, Loader=yaml.CSafeLoader):
                    pass

        baseline = best_of(runs, parse)
        models: list[pfperms.Model] = []
        before = os.environ.get("PFPERMS_CACHE_DIR")

        def cold(kept: bool) -> None:
            directory = tempfile.mkdtemp(dir=caches)
            if kept:  # as if an earlier process had used it
                os.mkdir(os.path.join(directory, "manifests"))
            os.environ["PFPERMS_CACHE_DIR"] = directory
            models.append(pfperms.load(root))

        try:
            loaded = best_of(runs, lambda: cold(False))
            writing = best_of(runs, lambda: cold(True))
            warm = best_of(runs, lambda: models.append(pfperms.load(root)))
        finally:
            if before is None:
                os.environ.pop("PFPERMS_CACHE_DIR", None)
            else:
                os.environ["PFPERMS_CACHE_DIR"] = before
        return count, baseline, loaded, writing, warm, models[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200, help="namespaces (about 50 objects each)")
    parser.add_argument("--no-8x", action="store_true", help="skip the 8x load (about a minute)")
    args = parser.parse_args()

    count, baseline, loaded, writing, warm, model = measure(args.namespaces)
    print(f"objects: {count:,}")
    print(f"CSafeLoader load_all: {baseline:.3f} s   pfperms.load: {loaded:.3f} s   "
          f"ratio: {loaded / baseline:.2f} (goal <= 1.25; a new cache directory)")
    print(f"into a kept cache directory: first load {writing:.3f} s ({writing / loaded:.2f} of cold, "
          f"writing the reading entries), then {warm:.3f} s ({warm / loaded:.2f} of cold)")

    rng = random.Random(1)
    accounts = [pfperms.ServiceAccount(f"team-{rng.randrange(args.namespaces)}", f"app-{rng.randrange(12)}")
                for _ in range(2000)]
    requests = [(rng.choice(accounts), rng.choice(VERBS), rng.choice(RESOURCES),
                 f"team-{rng.randrange(args.namespaces)}" if rng.random() < 0.3 else None)
                for _ in range(100_000)]
    for who, verb, resource, namespace in requests[:2000]:  # warm the per-identity binding cache
        model.can(who, verb, resource, namespace=namespace or who.namespace)
    start = time.perf_counter()
    allowed = 0
    for who, verb, resource, namespace in requests:
        if model.can(who, verb, resource, namespace=namespace or who.namespace).allowed:
            allowed += 1
    elapsed = time.perf_counter() - start
    print(f"can(): {len(requests) / elapsed:,.0f} decisions/s over {len(requests):,} requests "
          f"({allowed:,} allowed) (goal >= 100,000/s)")

    latencies = []
    for _ in range(300):
        namespace = f"team-{rng.randrange(args.namespaces)}"
        start = time.perf_counter()
        model.who_can(rng.choice(VERBS), rng.choice(RESOURCES), namespace=namespace)
        latencies.append(time.perf_counter() - start)
    print(f"who_can: median {statistics.median(latencies) * 1000:.2f} ms, "
          f"p95 {sorted(latencies)[int(len(latencies) * 0.95)] * 1000:.2f} ms (goal <= 5 ms)")

    del model
    big_count, _, big_loaded, _, _, _ = measure(args.namespaces * 4, runs=2)
    print(f"4x objects ({big_count:,}): load {big_loaded:.3f} s, ratio {big_loaded / loaded:.2f} "
          "(goal <= 4.2)")
    if not args.no_8x:
        huge_count, _, huge_loaded, _, _, _ = measure(args.namespaces * 8, runs=2)
        print(f"8x objects ({huge_count:,}): load {huge_loaded:.3f} s, ratio {huge_loaded / loaded:.2f} "
              "(goal <= 8.4)")


if __name__ == "__main__":
    main()
