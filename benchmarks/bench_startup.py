"""Benchmark what the plugin costs every pytest session before any permission is asked.

Prints, measured in this run (medians of alternating runs, each a fresh interpreter):
- the time to import ``pytest_pfperms.testing.plugin`` after ``pytest`` (goal <= 0.1 s),
  and the time of the imports the ``pfperms`` fixture then pays on first use;
- ``pytest --co -q`` in an empty directory with the plugin against ``-p no:pfperms``
  (goal: the difference within the plugin-import goal).

Run: ``python benchmarks/bench_startup.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

IMPORTS = """
import time
start = time.perf_counter()
import pytest
after_pytest = time.perf_counter()
import pytest_pfperms.testing.plugin
after_plugin = time.perf_counter()
import pytest_pfperms.sources.loading
after_first_use = time.perf_counter()
print(after_plugin - after_pytest, after_first_use - after_plugin)
"""


def timed(command: list[str], cwd: str) -> float:
    """Wall seconds of one run of ``command`` (which must succeed or collect nothing)."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 5):  # 5: no tests collected
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    plugin_import, first_use, with_plugin, without_plugin = [], [], [], []
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", IMPORTS], cwd=empty, capture_output=True,
                                 text=True, check=True).stdout.split()
            plugin_import.append(float(out[0]))
            first_use.append(float(out[1]))
            with_plugin.append(timed([sys.executable, "-m", "pytest", "--co", "-q"], empty))
            without_plugin.append(timed([sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:pfperms"],
                                        empty))
    imported = statistics.median(plugin_import)
    print(f"import pytest_pfperms.testing.plugin (after pytest): {imported:.3f} s (goal <= 0.1 s)")
    print(f"then what the pfperms fixture imports on first use: {statistics.median(first_use):.3f} s")
    with_median, without_median = statistics.median(with_plugin), statistics.median(without_plugin)
    print(f"pytest --co in an empty directory: {with_median:.2f} s with the plugin, {without_median:.2f} s "
          f"without (-p no:pfperms): ratio {with_median / without_median:.2f}, "
          f"difference {with_median - without_median:+.2f} s")


if __name__ == "__main__":
    main()
