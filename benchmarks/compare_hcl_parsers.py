"""Run both HCL parsers over every ``.tf`` file under one or more directories and compare.

For each directory: the files, how many parse to the same syntax tree (line numbers
included) with tree-sitter-hcl and with python-hcl2 (errors agree when both refuse), each
disagreement with the file:line of its first difference, how many files the tree-sitter
parser handed to the reference parser, and the time of each parser against bare
``hcl2.loads`` of the same files (best of ``--repeat`` rounds of one pass each, in turn, all in
this process, after one warm-up pass). With ``--load``, also a cold load of every module directory as a root
(empty parse and evaluation caches, one fresh cache per parser) against ``hcl2.loads``.

Run: ``python benchmarks/compare_hcl_parsers.py DIR [DIR ...] [--repeat 3] [--load]``
(export a repository first: ``git --git-dir=REPO.git archive HEAD | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import hcl2

from pytest_pfperms.errors import LoadError
from pytest_pfperms.sources.hcl.ast_diff import first_difference
from pytest_pfperms.sources.hcl.native_syntax import parse_hcl
from pytest_pfperms.sources.hcl.parser_choice import HclParser, using_hcl_parser
from pytest_pfperms.sources.hcl.syntax_tree import HclFile
from pytest_pfperms.sources.hcl.tree_sitter_syntax import reads_itself


def tf_files(root: Path) -> list[tuple[str, str]]:
    files = []
    for path in sorted(root.rglob("*.tf")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            files.append((str(path), path.read_text(encoding="utf-8", errors="surrogateescape")))
    return files


def parse_all(parser: HclParser, files: list[tuple[str, str]]) -> list[HclFile | str]:
    results: list[HclFile | str] = []
    with using_hcl_parser(parser):
        for path, text in files:
            try:
                results.append(parse_hcl(path, text))
            except LoadError as error:
                results.append(f"LoadError: {error}")
    return results


def bare_hcl2(files: list[tuple[str, str]]) -> None:
    for _path, text in files:
        with contextlib.suppress(Exception):  # a file python-hcl2 refuses costs what it cost
            hcl2.loads(text)


def best_times(works: list[Callable[[], object]], repeat: int) -> list[float]:
    """The best time of each, over ``repeat`` rounds that run them in turn (so that a busy
    minute on a shared machine weighs on all of them alike)."""
    best = [float("inf")] * len(works)
    for _ in range(repeat):
        for index, work in enumerate(works):
            gc.collect()
            start = time.perf_counter()
            work()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def module_dirs(root: Path) -> list[Path]:
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        if any(n.endswith(".tf") for n in names):
            found.append(Path(directory))
    return found


def cold_load(parser: HclParser, root: Path) -> tuple[float, int, int]:
    """Seconds to load every module directory under ``root`` as a root, with empty caches."""
    import pytest_pfperms as pfperms

    loaded = failed = 0
    roots = module_dirs(root)
    nested_roots = {directory: [r for r in roots if r != directory and r.is_relative_to(directory)]
                    for directory in roots}  # outside the timing
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PFPERMS_CACHE_DIR"] = cache
        start = time.perf_counter()
        for directory in roots:
            nested = nested_roots[directory]
            try:
                pfperms.load(directory, repo_root=root, exclude=nested, allow_partial=True,
                             hcl_parser=parser)
                loaded += 1
            except LoadError:
                failed += 1
        seconds = time.perf_counter() - start
        del os.environ["PFPERMS_CACHE_DIR"]
    return seconds, loaded, failed


def compare(root: Path, repeat: int, load: bool) -> None:
    files = tf_files(root)
    print(f"== {root}")
    print(f"files: {len(files)} ({sum(len(t) for _p, t in files) / 1e6:.2f} MB)")
    reference = parse_all("python-hcl2", files)
    fast = parse_all("tree-sitter", files)
    agree = 0
    for (path, _text), left, right in zip(files, reference, fast, strict=True):
        if isinstance(left, str) or isinstance(right, str):
            same = isinstance(left, str) and isinstance(right, str)
            if same:
                agree += 1
            else:
                print(f"  DISAGREE {path}: python-hcl2: {str(left)[:160]}\n"
                      f"                tree-sitter: {str(right)[:160]}")
            continue
        difference = first_difference(left, right)
        if difference is None:
            agree += 1
        else:
            print(f"  DISAGREE {path}:{difference.line or '?'}: {difference}")
    handed = sum(not reads_itself(text) for _path, text in files)
    errors = sum(isinstance(r, str) for r in reference)
    print(f"agreements: {agree}, disagreements: {len(files) - agree} "
          f"(files python-hcl2 refuses: {errors}; handed by tree-sitter to python-hcl2: {handed})")
    t_fast, t_ours, t_bare = best_times([lambda: parse_all("tree-sitter", files),
                                         lambda: parse_all("python-hcl2", files),
                                         lambda: bare_hcl2(files)], repeat)
    print(f"time: tree-sitter {t_fast:.3f} s, python-hcl2 (our converter) {t_ours:.3f} s, "
          f"bare hcl2.loads {t_bare:.3f} s")
    print(f"ratios: tree-sitter / hcl2.loads = {t_fast / t_bare:.3f}; "
          f"python-hcl2 / hcl2.loads = {t_ours / t_bare:.3f}; "
          f"tree-sitter / python-hcl2 = {t_fast / t_ours:.3f} ({t_ours / t_fast:.1f}x faster)")
    if load:
        seconds_fast, loaded, failed = cold_load("tree-sitter", root)
        seconds_ours, _loaded, _failed = cold_load("python-hcl2", root)
        print(f"cold load of {loaded + failed} roots ({failed} refused): tree-sitter {seconds_fast:.2f} s, "
              f"python-hcl2 {seconds_ours:.2f} s; / hcl2.loads: {seconds_fast / t_bare:.3f} and "
              f"{seconds_ours / t_bare:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="also time a cold load of every root")
    args = parser.parse_args()
    for root in args.dirs:
        compare(root.resolve(), args.repeat, args.load)


if __name__ == "__main__":
    main()
