"""Benchmark ``Model.can`` the way ``forall`` and policies ask it: random (account, namespace) pairs.

On ``bench_load.py``'s repo (200 namespaces, about 10,200 objects, cluster defaults on):
- cold: a fresh model, 20,000 questions over random (account, namespace) pairs, so nearly
  every question meets an identity and namespace the per-identity caches have not seen
  (goal >= 250,000/s);
- warm: the same 20,000 questions asked again (goal >= 400,000/s);
- ``who_can`` median latency (goal <= 0.5 ms);
- ``forall`` over the model's whole question space (its size printed; Hypothesis draws
  1,000 cases) and over a space small enough to check case by case (goal: seconds);
- ``forall(...).cannot()`` per namespace, as a suite's per-namespace items ask it (every other
  team namespace's accounts reading one namespace's secrets), against ``check()`` with the
  same predicate over the same spaces, which builds a ``Decision`` for every case.

Each rate is printed by wall and by CPU time (the best of ``--runs`` fresh models; CPU time
leaves out what other tenants of a shared machine take) and as a fraction of a reference
loop (a dict lookup and a small object per question, in pure Python) measured in the same
run, so runs on a loaded machine can be compared by ratio.

Run: ``python benchmarks/bench_can.py [--namespaces N] [--questions N]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import RESOURCES, VERBS, generate

import pytest_pfperms as pfperms

Question = tuple[pfperms.ServiceAccount, str, str, str]


def questions(namespaces: int, count: int, seed: int = 3) -> list[Question]:
    """``count`` random (account, verb, resource, namespace) questions."""
    rng = random.Random(seed)
    return [(pfperms.ServiceAccount(f"team-{rng.randrange(namespaces)}", f"app-{rng.randrange(12)}"),
             rng.choice(VERBS), rng.choice(RESOURCES), f"team-{rng.randrange(namespaces)}")
            for _ in range(count)]


def ask(model: pfperms.Model, asked: list[Question]) -> tuple[float, float, int]:
    """Wall and CPU seconds to ask every question through the public API, and how many were
    allowed. CPU time leaves out what a shared machine's other tenants take (steal time)."""
    allowed = 0
    start, cpu = time.perf_counter(), time.process_time()
    for who, verb, resource, namespace in asked:
        if model.can(who, verb, resource, namespace=namespace).allowed:
            allowed += 1
    return time.perf_counter() - start, time.process_time() - cpu, allowed


def reference_rate(count: int) -> float:
    """Questions per second of a trivial pure-Python loop, to read the machine's speed."""
    table = {(f"team-{i}", f"app-{j}"): i * j for i in range(200) for j in range(12)}
    keys = list(table)
    rng = random.Random(5)
    picked = [rng.choice(keys) for _ in range(count)]
    start = time.perf_counter()
    total = 0
    for key in picked:
        total += len((table[key], key[0], key[1]))
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200, help="namespaces (about 50 objects each)")
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5, help="fresh models to time (the best is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        count = generate(root, args.namespaces)
        asked = questions(args.namespaces, args.questions)
        pairs = len({(who, namespace) for who, _, _, namespace in asked})
        cold_times, warm_times, cold_cpu, warm_cpu = [], [], [], []
        allowed = 0
        for _ in range(args.runs):
            model = pfperms.load(root)
            gc.collect()
            cold, cold_cpu_time, allowed = ask(model, asked)
            warm, warm_cpu_time, again = ask(model, asked)
            assert again == allowed
            cold_times.append(cold)
            warm_times.append(warm)
            cold_cpu.append(cold_cpu_time)
            warm_cpu.append(warm_cpu_time)
        reference = max(reference_rate(args.questions) for _ in range(3))

        rng = random.Random(1)
        latencies = []
        for _ in range(300):
            namespace = f"team-{rng.randrange(args.namespaces)}"
            verb, resource = rng.choice(VERBS), rng.choice(RESOURCES)
            start = time.perf_counter()
            model.who_can(verb, resource, namespace=namespace)
            latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        whole = pfperms.forall(model)
        whole_result = whole.check(lambda who, request, decision: decision.allowed is not None, "known")
        whole_time = time.perf_counter() - start
        start = time.perf_counter()
        narrow = pfperms.forall(model, verbs=["get", "delete"], resources=["secrets"],
                                namespaces=[f"team-{index}" for index in range(8)])
        narrow_result = narrow.check(lambda who, request, decision: decision.allowed is not None, "known")
        narrow_time = time.perf_counter() - start
        by_answer, by_predicate, per_namespace = per_namespace_items(model, args.namespaces)

    cold_rate = args.questions / min(cold_times)
    warm_rate = args.questions / min(warm_times)
    cold_cpu_rate = args.questions / min(cold_cpu)
    warm_cpu_rate = args.questions / min(warm_cpu)
    print(f"objects: {count:,} (plus the cluster defaults); {args.questions:,} questions over "
          f"{pairs:,} distinct (account, namespace) pairs, {allowed:,} allowed")
    print(f"reference loop: {reference:,.0f}/s")
    print(f"can() cold: {cold_rate:,.0f}/s wall, {cold_cpu_rate:,.0f}/s CPU, {cold_rate / reference:.3f} "
          "of the reference loop (goal >= 250,000/s)")
    print(f"can() warm: {warm_rate:,.0f}/s wall, {warm_cpu_rate:,.0f}/s CPU, {warm_rate / reference:.3f} "
          "of the reference loop (goal >= 400,000/s)")
    median = statistics.median(latencies) * 1000
    p95 = sorted(latencies)[int(len(latencies) * 0.95)] * 1000
    print(f"who_can: median {median:.3f} ms, p95 {p95:.3f} ms (goal <= 0.5 ms)")
    print(f"forall, whole space ({whole.size:,} cases): {whole_time:.2f} s, {whole_result}")
    print(f"forall, {narrow.size:,} cases: {narrow_time:.2f} s, {narrow_result}")
    print(f"forall per namespace ({per_namespace:,} cases each): cannot() {by_answer * 1000:.2f} ms, "
          f"check() with the same predicate {by_predicate * 1000:.2f} ms, "
          f"ratio {by_answer / by_predicate:.2f}")


def per_namespace_items(model: pfperms.Model, namespaces: int, items: int = 40) -> tuple[float, float, int]:
    """Seconds per item of ``cannot()`` and of ``check()`` with its predicate (the best of three
    passes over ``items`` namespaces, after one warming pass), and the cases of one item."""
    def space(namespace: str) -> pfperms.ForAll:
        return pfperms.forall(model, subjects=lambda who: isinstance(who, pfperms.ServiceAccount)
                              and who.namespace != namespace and who.namespace.startswith("team-"),
                              verbs=["get", "list"], resources=["secrets"], namespaces=[namespace])

    chosen = [f"team-{index % namespaces}" for index in range(items)]
    for namespace in chosen:
        space(namespace).cannot()
    best = {"answer": float("inf"), "predicate": float("inf")}
    for _ in range(3):
        for way in best:
            start = time.perf_counter()
            for namespace in chosen:
                if way == "answer":
                    space(namespace).cannot()
                else:
                    space(namespace).check(lambda who, request, decision: decision.allowed is False)
            best[way] = min(best[way], (time.perf_counter() - start) / items)
    size = space(chosen[0]).size or 0
    return best["answer"], best["predicate"], size


if __name__ == "__main__":
    main()
