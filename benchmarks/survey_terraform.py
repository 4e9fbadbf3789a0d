"""Load every Terraform module directory under a path and report how each one loads.

For each directory holding ``*.tf`` files: FULL (loads, every answer-relevant value
known), PARTIAL (loads, with named unknowns: symbols in the objects it creates or
warnings such as modules not on disk), or FAIL (a LoadError), with the reasons
tallied. Use it on a real infrastructure repository, e.g.::

    python benchmarks/survey_terraform.py path/to/stack/packages/infrastructure
"""

from __future__ import annotations

import collections
import os
import re
import sys
import time
from pathlib import Path

import pytest_pfperms as pfperms
from pytest_pfperms.values import symbols_in


def module_dirs(root: Path) -> list[Path]:
    """Directories that directly hold Terraform files."""
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        if any(n.endswith((".tf", ".tf.json")) for n in names):
            found.append(Path(directory))
    return found


def object_symbols(model: pfperms.Model) -> set[str]:
    """Keys of the symbols in the objects a model holds (names, namespaces, rules, subjects)."""
    keys: set[str] = set()
    for obj in model.objects():
        values: list[object] = [obj.name, obj.namespace]
        for field in ("rules", "subjects", "role_ref", "service_account_name"):
            part = getattr(obj, field, None)
            if part is not None:
                values.append(part)
        for value in values:
            if isinstance(value, tuple):
                for item in value:
                    keys.update(s.key for s in symbols_in(tuple(getattr(item, f, None) for f in
                                                                  getattr(item, "__slots__", ()))))
            else:
                keys.update(s.key for s in symbols_in(getattr(value, "name", value)))
    return keys


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    status: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for directory in module_dirs(root):
        name = str(directory.relative_to(root))
        try:
            model = pfperms.load(directory, repo_root=root)
        except pfperms.LoadError as error:
            status["FAIL"] += 1
            for problem in error.problems:
                reasons["fail: " + re.sub(r'"[^"]*"|\d+', "_", problem.message)[:90]] += 1
            print(f"FAIL     {name}: {error.problems[0]}")
            continue
        unknown = object_symbols(model)
        if unknown or model.warnings:
            status["PARTIAL"] += 1
            for warning in model.warnings:
                reasons["partial: " + re.sub(r"module\.\S+|\S+\.tf:\d+|\d+", "_", warning.message)[:90]] += 1
            print(f"PARTIAL  {name}: {len(model.objects())} objects, {len(unknown)} symbols, "
                  f"{len(model.warnings)} warnings")
        else:
            status["FULL"] += 1
            print(f"FULL     {name}: {len(model.objects())} objects")
    elapsed = time.perf_counter() - started
    print(f"\n{sum(status.values())} modules in {elapsed:.1f} s: " +
          ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
    for reason, count in reasons.most_common(15):
        print(f"  {count:4d}  {reason}")


if __name__ == "__main__":
    main()
