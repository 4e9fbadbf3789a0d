"""Benchmark what grows with the repo besides loading: ``explain()``, ``workload()``, ``objects()``.

On ``bench_load.py``'s repo (about 50 objects per namespace; 200 namespaces by default, about
10,200 objects, cluster defaults on) prints, measured in this run:
- ``decision.explain()`` of random denials and allows, median and worst (goal <= 5 ms);
- ``model.workload("Deployment/<name>", namespace=...)`` and
  ``model.objects(kind, namespace=...)`` median latency, each with its ratio to one
  ``model.can()`` asked in the same run (the cost of one question, so a loaded machine
  reads the same).

Run: ``python benchmarks/bench_explain.py [--namespaces N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import RESOURCES, VERBS, generate

import pytest_pfperms as pfperms


def latencies(count: int, action: Callable[[int], object]) -> list[float]:
    """Seconds of each of ``count`` calls of ``action(i)``."""
    found = []
    for index in range(count):
        start = time.perf_counter()
        action(index)
        found.append(time.perf_counter() - start)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200, help="namespaces (about 50 objects each)")
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        count = generate(root, args.namespaces)
        model = pfperms.load(root)

    def question(_: int) -> pfperms.Decision:
        who = pfperms.ServiceAccount(f"team-{rng.randrange(args.namespaces)}", f"app-{rng.randrange(12)}")
        namespace = who.namespace if rng.random() < 0.7 else f"team-{rng.randrange(args.namespaces)}"
        return model.can(who, rng.choice(VERBS), rng.choice(RESOURCES), namespace=namespace)

    decisions = [question(index) for index in range(300)]
    allowed = sum(1 for decision in decisions if decision.allowed)
    explained = latencies(len(decisions), lambda index: decisions[index].explain())
    asked = latencies(2000, question)
    one_question = statistics.median(asked)
    found = latencies(300, lambda _: model.workload(f"Deployment/app-{rng.randrange(12)}",
                                                    namespace=f"team-{rng.randrange(args.namespaces)}"))
    kinds = ["ServiceAccount", "Deployment", "Role", "RoleBinding"]
    listed = latencies(300, lambda _: model.objects(rng.choice(kinds),
                                                    namespace=f"team-{rng.randrange(args.namespaces)}"))
    print(f"objects: {count:,} in {args.namespaces:,} namespaces (plus the cluster defaults)")
    median, worst = statistics.median(explained) * 1000, max(explained) * 1000
    print(f"explain(): {len(decisions)} decisions ({allowed} allowed): median {median:.2f} ms, "
          f"worst {worst:.2f} ms (goal <= 5 ms)")
    print(f"one can(): median {one_question * 1e6:.1f} us")
    for name, timings in (("workload()", found), ("objects(kind, namespace)", listed)):
        median = statistics.median(timings)
        print(f"{name}: median {median * 1e6:.1f} us, {median / one_question:.1f}x one can()")


if __name__ == "__main__":
    main()
