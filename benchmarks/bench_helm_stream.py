"""Benchmark one ``helm template`` stream: every loader step must be linear in its input.

Writes one file of N documents, each after a ``# Source: <chart>/templates/...`` comment (as
``helm template`` prints them), and prints, measured in this run:
- ``pfperms.load`` of the stream / ``yaml.CSafeLoader`` ``load_all`` of the same bytes
  (goal <= 1.25; the reader alone, ``cache=False``: ``bench_load.py`` measures the cache);
- load time of the N-document stream / load time of an N/4-document one (goal <= 4.2: linear);
- the same ratio for locating the ``# Source:`` comments alone (the step that counted lines
  from the start of the file for every comment, quadratic, before issue 14), next to the
  ratio of one ``str.count`` over the text (memory effects of a 4x larger text show there too).

Run: ``python benchmarks/bench_helm_stream.py [--documents 20000]``.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import pytest_pfperms as pfperms
from pytest_pfperms.sources.manifests.documents import helm_sources

RBAC = "rbac.authorization.k8s.io/v1"


def stream(documents: int) -> str:
    """A rendered chart: ServiceAccounts, Roles, RoleBindings and Deployments in 50 namespaces."""
    parts = []
    for index in range(documents):
        ns = f"team-{index % 50}"
        name = f"app-{index}"
        kind = index % 4
        if kind == 0:
            body = f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
        elif kind == 1:
            body = (f"apiVersion: {RBAC}\nkind: Role\nmetadata:\n  name: {name}\n"
                    f"  namespace: {ns}\nrules:\n  - apiGroups: [\"\"]\n"
                    "    resources: [\"pods\", \"configmaps\"]\n    verbs: [\"get\", \"list\"]\n")
        elif kind == 2:
            body = (f"apiVersion: {RBAC}\nkind: RoleBinding\nmetadata:\n  name: {name}\n"
                    f"  namespace: {ns}\nsubjects:\n  - kind: ServiceAccount\n    name: app-{index - 2}\n"
                    f"    namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n"
                    f"  name: app-{index - 1}\n")
        else:
            body = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                    f"spec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n"
                    f"      labels:\n        app: {name}\n    spec:\n"
                    f"      serviceAccountName: app-{index - 3}\n"
                    "      containers:\n        - name: main\n          image: registry.example.com/app:1\n")
        parts.append(f"---\n# Source: platform/templates/{kind}-{index}.yaml\n{body}")
    return "".join(parts)


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings (least disturbed by the machine)."""
    timings = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def measure(directory: Path, documents: int, runs: int) -> tuple[float, float, float, float, int]:
    """CSafeLoader time, pfperms.load time, comment-locating time, one ``str.count`` over the
    text (a step linear by construction, as a reference) and objects loaded."""
    text = stream(documents)
    path = directory / f"stream-{documents}.yaml"
    path.write_text(text)

    def parse() -> None:
        for _ in yaml.load_all(text, Loader=yaml.CSafeLoader):
            pass

    models: list[pfperms.Model] = []
    baseline = best_of(runs, parse)
    loaded = best_of(runs, lambda: models.append(pfperms.load(path, cluster_defaults=False, cache=False)))
    sources = best_of(runs, lambda: helm_sources(text))
    counting = best_of(runs, lambda: text.count("\n"))
    count = len(models[-1].objects())
    assert count == documents, f"{count} objects from {documents} documents"
    helm = {obj.source.helm_source for obj in models[-1].objects()}
    assert len(helm) == documents, "every object names its template"
    path.unlink()
    return baseline, loaded, sources, counting, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        small = measure(directory, args.documents // 4, args.runs)
        big = measure(directory, args.documents, args.runs)
    baseline, loaded, sources, counting, count = big
    print(f"stream: {count:,} documents, each after a '# Source:' comment")
    print(f"CSafeLoader load_all: {baseline:.3f} s   pfperms.load: {loaded:.3f} s   "
          f"ratio: {loaded / baseline:.2f} (goal <= 1.25)")
    print(f"load, {count:,} / {count // 4:,} documents: {loaded:.3f} s / {small[1]:.3f} s, "
          f"ratio {loaded / small[1]:.2f} (goal <= 4.2)")
    print(f"locating '# Source:' comments: {sources * 1000:.1f} ms / {small[2] * 1000:.1f} ms, "
          f"ratio {sources / small[2]:.2f} (goal <= 4.2; one str.count over the text, linear by "
          f"construction, in the same run: {counting / small[3]:.2f})")


if __name__ == "__main__":
    main()
