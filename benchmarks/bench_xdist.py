"""Benchmark a permission suite under pytest-xdist: ``-n 2`` against ``-n 0`` on one machine.

Writes ``bench_load.py``'s repo (200 namespaces, about 10,200 objects) with a ``pytest.ini``
turning on the recommended built-in pack and a test file of per-namespace ``forall`` checks
plus one over the whole question space (one item; ``--shards N`` splits it into N, as the
README shows, each drawing 1/N of the Hypothesis cases), then times whole ``pytest`` runs
(fresh processes, alternating, the best of ``--runs`` each; the cache directory is outside
the repo, where pytest-pfperms uses one, and is warm after the first run, as in CI with a kept
cache). Prints both times and their ratio (goal >= 1.7 on 2 cores), and the ceiling that
ratio has on this suite: one more ``-n 0`` run records when its first item starts, how long
that item's setup (the model's load) takes and when its last item ends, and the ceiling is
the whole ``-n 0`` time over the same run with the items' work after the load split evenly
over the workers at no cost (the start, the load and the exit are each process's own).
Python's compiled-module cache is on, as by default, even where the environment sets
``PYTHONDONTWRITEBYTECODE`` (``--environment-as-is`` keeps it).

Run: ``python benchmarks/bench_xdist.py [--namespaces N] [--shards 1] [--runs 2] [--environment-as-is]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import generate

TESTS = '''
import pytest
from pytest_pfperms import ServiceAccount, forall

NAMESPACES = [f"team-{{index}}" for index in range({namespaces})]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_no_account_reads_secrets_of_another_namespace(pfperms, namespace):
    forall(pfperms, subjects=lambda who: isinstance(who, ServiceAccount) and who.namespace != namespace
           and who.namespace.startswith("team-"),
           verbs=["get", "list"], resources=["secrets"], namespaces=[namespace]).cannot()


@pytest.mark.parametrize("shard", range({shards}))
def test_every_answer_is_known(pfperms, shard):
    forall(pfperms, shard=(shard, {shards})).check(
        lambda who, request, decision: decision.allowed is not None, "known")
'''


PHASES = '''
import json, os, time

_first_setup = []
_ends = []


def pytest_runtest_setup(item):
    if not _first_setup:
        _first_setup.append(time.time())


def pytest_runtest_call(item):
    if len(_first_setup) == 1:
        _first_setup.append(time.time())


def pytest_runtest_teardown(item, nextitem):
    if nextitem is None:
        _ends.append(time.time())


def pytest_unconfigure(config):
    with open(os.environ["BENCH_PHASES"], "w") as file:
        json.dump({"first_setup": _first_setup[0], "first_call": _first_setup[1],
                   "last_item": _ends[-1]}, file)
'''
"""A plugin for one extra ``-n 0`` run: when its first item's setup starts and ends (the setup
loads the model) and when its last item ends, as seconds since the epoch."""


def run(directory: Path, workers: str, cache: Path, bytecode: bool,
        phases: Path | None = None) -> tuple[float, str]:
    """Seconds of one whole pytest run, and its last line. ``bytecode``: as Python does by
    default, compiled modules are written and reused (``PYTHONDONTWRITEBYTECODE`` unset).
    ``phases``: a file for :data:`PHASES` to write, with the run's start as ``start``."""
    environment = {**os.environ, "PFPERMS_CACHE_DIR": str(cache)}
    if bytecode:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers]
    if phases is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(phases.parent),
                                                               environment.get("PYTHONPATH")]))
        environment["BENCH_PHASES"] = str(phases)
        command += ["-p", "bench_phases_plugin"]
    started = time.time()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False,
                            env=environment)
    elapsed = time.perf_counter() - start
    if phases is not None:
        recorded = json.loads(phases.read_text())
        phases.write_text(json.dumps({**recorded, "start": started, "end": started + elapsed}))
    if "the cache is off" in result.stdout:
        raise SystemExit(f"pytest-pfperms refused the cache directory {cache}: {result.stdout[-800:]}")
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    return elapsed, last


def ceiling(phases: dict[str, float], workers: int) -> tuple[float, dict[str, float]]:
    """The best ratio ``workers`` processes could reach on this suite, and the phases it is
    computed from: every process starts, loads the model and exits as the ``-n 0`` run did
    (start, load, exit), and the items' work after the load is split evenly at no cost."""
    parts = {"start": phases["first_setup"] - phases["start"],
             "load": phases["first_call"] - phases["first_setup"],
             "items": phases["last_item"] - phases["first_call"],
             "exit": phases["end"] - phases["last_item"]}
    whole = phases["end"] - phases["start"]
    return whole / (parts["start"] + parts["load"] + parts["items"] / workers + parts["exit"]), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--shards", type=int, default=1, help="items of the whole-space forall")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--environment-as-is", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE if set (every worker then compiles every "
                             "module it imports, as no user's machine does by default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name, tempfile.TemporaryDirectory() as outside:
        root = Path(name)
        manifests = root / "manifests"
        manifests.mkdir()
        count = generate(manifests, args.namespaces)
        (root / "pytest.ini").write_text("[pytest]\npfperms_paths = manifests\n"
                                         "pfperms_builtin_policies = recommended\n")
        tests = TESTS.format(namespaces=args.namespaces, shards=args.shards)
        (root / "test_permissions.py").write_text(tests)
        cache = Path(outside) / "cache"  # a cache inside the loaded repo is refused (the repo could forge it)
        phases = Path(outside) / "phases.json"
        (Path(outside) / "bench_phases_plugin.py").write_text(PHASES)
        timings: dict[str, list[float]] = {"0": [], "2": []}
        lines: dict[str, str] = {}
        for _ in range(args.runs):
            for workers in ("0", "2"):
                elapsed, lines[workers] = run(root, workers, cache, not args.environment_as_is)
                timings[workers].append(elapsed)
        run(root, "0", cache, not args.environment_as_is, phases)
        best, parts = ceiling(json.loads(phases.read_text()), 2)
    serial, parallel = min(timings["0"]), min(timings["2"])
    bytecode = ("PYTHONDONTWRITEBYTECODE kept: modules compiled anew in every process"
                if args.environment_as_is and os.environ.get("PYTHONDONTWRITEBYTECODE")
                else "compiled modules cached, as Python does by default")
    print(f"objects: {count:,}; {args.namespaces} per-namespace forall items, a whole-space forall in "
          f"{args.shards} shard{'s' if args.shards != 1 else ''}, "
          f"the recommended pack; {bytecode}")
    print(f"-n 0: {serial:.1f} s ({lines['0']})")
    print(f"-n 2: {parallel:.1f} s ({lines['2']})")
    print(f"speed-up: {serial / parallel:.2f} (goal >= 1.7 on 2 cores)")
    print("one more -n 0 run: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
          + f"; ceiling on 2 workers (the items after the load split evenly at no cost): {best:.2f}")


if __name__ == "__main__":
    main()
