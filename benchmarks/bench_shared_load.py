"""Benchmark a cold load by several processes at once (xdist workers on a fresh runner): with
``share=(index, count)`` each first evaluates its share of the Terraform roots into the
cache; without it each evaluates every root.

Writes ``--roots`` Terraform roots in the Panfactum style (each ``bench_terraform.py``'s
root module calling ``--modules`` local modules), or loads ``--dir`` (e.g. the Panfactum
stack's ``packages/infrastructure``, loaded with ``allow_partial``). For each of ``--runs``
rounds, with an empty cache each time, starts ``--workers`` processes together and times
the slowest one's load (a worker waits for its model; imports are outside the timing).
Prints the best round of each way and their ratio.

Run: ``python benchmarks/bench_shared_load.py [--roots 12] [--modules 8] [--workers 2] [--dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_terraform import generate

CHILD = textwrap.dedent("""\
    import json, sys, time
    import pytest_pfperms as pfperms
    import pytest_pfperms.sources.terraform.model_building  # imports outside the timing
    index, count = int(sys.argv[2]), int(sys.argv[3])
    start = time.perf_counter()
    model = pfperms.load(sys.argv[1], allow_partial=True, share=(index, count) if count > 1 else None)
    print(json.dumps({"seconds": time.perf_counter() - start, "objects": len(model.objects())}))
""")


def round_of(directory: Path, workers: int, shared: bool) -> tuple[float, int]:
    """The slowest of ``workers`` loads started together, with an empty cache; and the objects."""
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "PFPERMS_CACHE_DIR": cache}
        children = [subprocess.Popen([sys.executable, "-c", CHILD, str(directory), str(index),
                                      str(workers if shared else 1)],
                                     stdout=subprocess.PIPE, text=True, env=environment)
                    for index in range(workers)]
        results = [json.loads(child.communicate()[0]) for child in children]
    if len({result["objects"] for result in results}) != 1:
        raise SystemExit(f"the workers loaded different models: {results}")
    return max(result["seconds"] for result in results), results[0]["objects"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", type=int, default=12)
    parser.add_argument("--modules", type=int, default=8, help="local modules per root")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="load this directory instead of generated roots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = args.dir
        if directory is None:
            directory = Path(name) / "repo"
            for index in range(args.roots):
                generate(directory / "environments" / f"env_{index}", args.modules)
        best: dict[bool, float] = {}
        objects = 0
        for _ in range(args.runs):
            for shared in (False, True):
                seconds, objects = round_of(directory, args.workers, shared)
                best[shared] = min(best.get(shared, seconds), seconds)
    what = str(args.dir) if args.dir else f"{args.roots} generated roots of {args.modules} modules each"
    print(f"{what}: {objects:,} objects; {args.workers} processes loading at once, empty cache")
    print(f"each evaluates every root:     {best[False]:.2f} s (the slowest process)")
    print(f"each evaluates its share first: {best[True]:.2f} s")
    print(f"ratio: {best[True] / best[False]:.2f}")


if __name__ == "__main__":
    main()
