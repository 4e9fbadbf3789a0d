"""The cyclic collector around loads: paused while a model is built, then frozen, and the
garbage frozen with it collected once it outgrows what survived the last collection."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.sources import collector

pytest_plugins = ["pytester"]

ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: apps}\n"


class Cycle:
    """Garbage only the cyclic collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "sa.yaml").write_text(ACCOUNT)
    return tmp_path


@pytest.fixture(autouse=True)
def thawed() -> object:
    """Each test starts and ends with nothing frozen and a fresh tally."""
    gc.unfreeze()
    gc.collect()
    collector._Tally.frozen = collector._Tally.survivors = 0
    yield
    gc.unfreeze()
    collector._Tally.frozen = collector._Tally.survivors = 0


def test_a_load_leaves_the_collector_enabled_and_what_it_built_frozen(repo: Path) -> None:
    model = pfperms.load(repo, cluster_defaults=False)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    in_generations = {id(obj) for generation in range(3) for obj in gc.get_objects(generation=generation)}
    assert model.objects() and all(id(obj) not in in_generations for obj in model.objects())


def test_with_the_collector_disabled_nothing_is_frozen_or_enabled(repo: Path) -> None:
    gc.disable()
    try:
        pfperms.load(repo, cluster_defaults=False)
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_garbage_frozen_with_a_model_is_collected_once_it_outgrows_the_survivors(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "MIN_COLLECT_OBJECTS", 1_000)
    thresholds = gc.get_threshold()
    gc.set_threshold(1_000_000)  # no collection of its own before the load freezes it
    try:
        garbage = Cycle()
        alive = weakref.ref(garbage)
        del garbage
        pfperms.load(repo, cluster_defaults=False)
    finally:
        gc.set_threshold(*thresholds)
    gc.collect()
    assert alive() is not None, "frozen: an explicit collection does not see it"
    kept: list[list[int]] = []
    step = _heap() // 4
    for _ in range(20):
        pfperms.load(repo, cluster_defaults=False)
        if alive() is None:
            break
        kept += [[0] for _ in range(step)]  # what tests build between loads, frozen with it
    assert alive() is None, "the frozen garbage was never collected"
    assert collector._Tally.survivors > 0


def test_a_collection_starts_a_load_only_once_the_frozen_objects_double(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    collections: list[int] = []
    collect = gc.collect

    def counted(generation: int = 2) -> int:
        collections.append(generation)
        return collect(generation)

    monkeypatch.setattr(collector, "MIN_COLLECT_OBJECTS", 1_000)
    monkeypatch.setattr(gc, "collect", counted)  # the module's own full collections
    kept: list[list[int]] = []
    step = _heap() // 4
    for _ in range(20):
        pfperms.load(repo, cluster_defaults=False)
        kept += [[0] for _ in range(step)]  # the heap grows by a quarter of its first size per load
    # each collection needs as many objects frozen anew as survived the last one: a few
    # collections for twenty loads, not one per load
    assert 2 <= len(collections) <= 8, collections


def _heap() -> int:
    """Objects the collector tracks, frozen ones included."""
    return len(gc.get_objects()) + gc.get_freeze_count()


EXIT_SCRIPT = '''
import atexit, gc, sys
import pytest_pfperms as pfperms

class Finalized:
    """Young cyclic garbage: its finalizer must still run at exit."""
    def __init__(self):
        self.me = self
    def __del__(self):
        print("finalized", flush=True)

def report():  # registered before the load, so it runs after the collector's own handler
    print("frozen at exit", gc.get_freeze_count() > 0, "left tracked", len(gc.get_objects()), flush=True)

atexit.register(report)
model = pfperms.load(sys.argv[1], cluster_defaults=False)
kept = [[index] for index in range(50_000)]  # what the engine's caches build after the load
Finalized()
'''


def test_a_process_that_loaded_a_model_freezes_what_is_left_at_exit_after_collecting_the_young(
        repo: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "exit.py"
    script.write_text(EXIT_SCRIPT)
    result = subprocess.run([sys.executable, str(script), str(repo)], capture_output=True, text=True,
                            timeout=120, check=True)
    lines = result.stdout.splitlines()
    assert "finalized" in lines, result.stdout + result.stderr
    frozen = [line for line in lines if line.startswith("frozen at exit")]
    assert frozen and frozen[0].split()[3] == "True", result.stdout
    # the 50,000 lists made after the load were frozen too: the last collection walks none
    assert int(frozen[0].split()[-1]) < 1_000, result.stdout
    assert lines.index("finalized") < lines.index(frozen[0])


def test_a_process_that_never_loaded_a_model_is_left_alone_at_exit(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "idle.py"
    script.write_text("import atexit, gc\nimport pytest_pfperms.sources.collector\n"
                      "atexit.register(lambda: print('frozen', gc.get_freeze_count(), flush=True))\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.split() == ["frozen", "0"], result.stdout + result.stderr


def test_the_young_are_collected_and_their_survivors_frozen(repo: Path) -> None:
    pfperms.load(repo, cluster_defaults=False)  # a process that loaded a model
    finalized: list[str] = []
    garbage = Cycle()
    weakref.finalize(garbage, finalized.append, "young cycle")
    del garbage
    kept = [[index] for index in range(1_000)]  # what a test warmed and keeps, as the engine's caches
    before = collector._Tally.frozen
    collector.freeze_survivors()
    assert finalized == ["young cycle"]
    tracked = {id(obj) for generation in range(3) for obj in gc.get_objects(generation=generation)}
    assert all(id(item) not in tracked for item in kept)
    assert collector._Tally.frozen - before >= len(kept)


def test_a_process_that_never_loaded_a_model_freezes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector._Tally, "freezes_at_exit", False)
    kept = [[index] for index in range(100)]
    collector.freeze_survivors()
    assert gc.get_freeze_count() == 0
    tracked = {id(obj) for generation in range(3) for obj in gc.get_objects(generation=generation)}
    assert all(id(item) in tracked for item in kept)


FREEZING_CONFTEST = """
import gc
import json

KEPT = []
walked = []


def _watch(phase, info):
    if phase == "start" and info["generation"] == 2:
        oldest = {id(obj) for obj in gc.get_objects(generation=2)}
        walked.append(sum(id(item) in oldest for item in KEPT))


def pytest_sessionfinish(session):
    gc.callbacks.append(_watch)  # the full collections from here on


def pytest_configure(config):
    config.add_cleanup(lambda: json.dump(walked, open("walked.json", "w")))
"""

FREEZING_SUITE = """
from conftest import KEPT


def test_warms(pfperms):
    assert pfperms.objects()
    KEPT.extend([index] for index in range(1_000))  # what a session leaves, as the engine's caches
"""


def test_no_collection_at_the_end_of_a_session_walks_what_it_built(pytester: pytest.Pytester) -> None:
    import json

    (pytester.path / "sa.yaml").write_text(ACCOUNT)
    pytester.makeini("[pytest]\npfperms_paths = sa.yaml\n")
    pytester.makeconftest(FREEZING_CONFTEST)
    pytester.makepyfile(FREEZING_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    walked = json.loads((pytester.path / "walked.json").read_text())
    assert walked and walked == [0] * len(walked)  # pytest's own collection among them
