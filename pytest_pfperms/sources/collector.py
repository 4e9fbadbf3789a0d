"""Keep Python's cyclic garbage collector from walking every model a process loads, again and again.

A load allocates hundreds of thousands of objects that all live on. With the collector
running, every collection meanwhile walks the growing graph (loads were superlinear: 4x
the objects took 4.5x the time); with it merely paused, the first collection after the
load walks everything the load made, and later ones walk it again as it ages (7% of a
cold load of the Panfactum stack's 108 roots, one after the other).

So :func:`collector_paused` pauses the collector while a model is built and then moves
every tracked object into the permanent generation (``gc.freeze()``), which collections
skip. Reference counting still frees acyclic garbage at once; cyclic garbage frozen with
the rest (a model a test dropped holds cycles) waits for the next full collection this
module makes: at the start of a load, once the objects frozen since the last one, less
its survivors, outnumber them (and :data:`MIN_COLLECT_OBJECTS`), it thaws
everything (``gc.unfreeze()``) and collects. Like CPython's own rule for full collections,
that keeps the work linear in what is allocated and the garbage bounded by the live heap.
What exists at the first freeze (the test runner, the modules) counts as having survived.

Consequence: ``gc.collect()`` does not free a model dropped since the last load (it is
frozen); the next load's full collection, or :func:`collect`, does. Objects frozen
by someone else are frozen here too; they are thawed only for one of those collections.
The permanent generation is never counted (``gc.get_freeze_count()`` walks all of it):
the tally is kept from the generations' sizes at each freeze.

At the end: pytest runs full collections when a session ends (two, to report finalizers
that raise) and the interpreter's shutdown one more, each over everything made since the
last freeze, the engine's caches above all (about 670,000 objects after a 30,600-object
suite: 0.2 s each for pytest's, 0.6 s for the interpreter's, in every process, each xdist
worker included); the imports of the terminal summary (Hypothesis's) can start more. A
process that loaded a model therefore collects its two young generations (what was made
since the collector last ran) and freezes what is left, :func:`freeze_survivors`, when the
session ends (the plugin's ``pytest_sessionfinish``, after the session's fixtures are torn
down, before the terminal summary) and at exit (an ``atexit`` handler registered at the
first load), so that all of those skip it. What the young generations hold is still
collected and its finalizers run, while pytest still reports those that raise; what had
survived to the oldest generation and became garbage since the collector's last full
collection is left as CPython leaves what is alive at exit.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

MIN_COLLECT_OBJECTS = 200_000
"""Objects frozen since the last full collection below which a load never starts one."""


class _Tally:
    """Objects frozen since this module's last full collection (its survivors among them),
    and how many survived it."""

    frozen = 0
    survivors = 0
    freezes_at_exit = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the collector while a model is built, then freeze what exists (see the module
    docstring). Does nothing when the collector is already disabled."""
    if not gc.isenabled():
        yield
        return
    if _Tally.frozen - _Tally.survivors > max(_Tally.survivors, MIN_COLLECT_OBJECTS):
        collect()
    gc.disable()
    try:
        yield
    finally:
        # what the freeze moves: the youngest generation (counted as allocated) and what
        # collections between loads moved into the older two
        frozen = gc.get_count()[0] + len(gc.get_objects(generation=1)) + len(gc.get_objects(generation=2))
        if not _Tally.frozen and not _Tally.survivors:
            _Tally.survivors = frozen  # the first freeze: what exists counts as having survived
        if not _Tally.freezes_at_exit:
            _Tally.freezes_at_exit = True
            atexit.register(freeze_survivors)
        _Tally.frozen += frozen
        gc.freeze()
        gc.enable()


def collect() -> int:
    """Thaw what the loads froze and run a full collection now (what ``gc.collect()`` does
    for a process that never loaded a model); the number of unreachable objects found."""
    gc.unfreeze()
    found = gc.collect()
    _Tally.survivors = len(gc.get_objects(generation=2))
    _Tally.frozen = 0
    return found


def freeze_survivors() -> None:
    """In a process that loaded a model: collect the two young generations and freeze what
    survived them, counted in the tally, so that the next full collection (pytest's at the end
    of a session, the interpreter's at exit) skips what the loads and the engine built (module
    docstring). Does nothing in a process that never loaded one, or with the collector disabled."""
    if not _Tally.freezes_at_exit or not gc.isenabled():
        return
    gc.collect(1)
    _Tally.frozen += len(gc.get_objects(generation=2))
    gc.freeze()
