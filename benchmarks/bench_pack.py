"""Benchmark the recommended built-in risk pack, and how it grows with the repository.

Writes ``bench_load.py``'s repo at ``--namespaces`` (default 200, about 10,200 objects) and at
``--factor`` times that (default 3), loads each (outside the timing), runs every built-in
check once in a fresh process per size, and prints each check's CPU seconds at both sizes,
the totals and their ratio (linear growth would read about the factor).

Run: ``python benchmarks/bench_pack.py [--namespaces 200] [--factor 3]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import generate

CHILD = textwrap.dedent("""\
    import json, sys, time
    import pytest_pfperms as pfperms
    from pytest_pfperms.policies.builtin import selected
    model = pfperms.load(sys.argv[1], cache=False)
    seconds = {}
    for builtin in selected(["recommended"]):
        start = time.process_time()
        builtin.run(model)
        seconds[builtin.id] = time.process_time() - start
    print(json.dumps({"objects": len(model.objects()), "seconds": seconds}))
""")


def measure(directory: Path) -> dict[str, object]:
    """Each check's CPU seconds over the repo in ``directory``, in a process of its own."""
    output = subprocess.run([sys.executable, "-c", CHILD, str(directory)], capture_output=True,
                            text=True, check=True).stdout
    result: dict[str, object] = json.loads(output)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--factor", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as name:
        for namespaces in (args.namespaces, args.namespaces * args.factor):
            directory = Path(name) / f"repo-{namespaces}"
            directory.mkdir()
            generate(directory, namespaces)
            results.append(measure(directory))
    small, large = results
    small_seconds: dict[str, float] = small["seconds"]  # type: ignore[assignment]
    large_seconds: dict[str, float] = large["seconds"]  # type: ignore[assignment]
    print(f"objects: {small['objects']:,} and {large['objects']:,}; CPU seconds per check")
    for policy_id, seconds in small_seconds.items():
        if max(seconds, large_seconds[policy_id]) >= 0.02:
            print(f"  {policy_id}: {seconds:.3f}  {large_seconds[policy_id]:.3f}")
    total_small, total_large = sum(small_seconds.values()), sum(large_seconds.values())
    print(f"total: {total_small:.2f} s and {total_large:.2f} s; {args.factor}x the objects take "
          f"{total_large / total_small:.2f}x the time")


if __name__ == "__main__":
    main()
