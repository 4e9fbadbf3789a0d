"""Run an evaluation with room for deep recursion.

Terraform allows chains Python's default stack cannot follow: a local that refers to a
local ... three hundred deep, nested module calls, expressions nested hundreds of levels.
The evaluator is recursive, so :func:`with_deep_stack` runs it in a thread of its own with
a large stack and a raised recursion limit; what is deeper still becomes a typed error
(:func:`~pytest_pfperms.errors.beyond_limits`), never a crash of the interpreter.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

STACK_BYTES = 256 * 1024 * 1024
"""The thread's stack (virtual memory; only what is used is committed)."""

RECURSION_LIMIT = 20_000
"""Python frames allowed while the evaluation runs (the default is 1,000)."""

_lock = threading.Lock()


def with_deep_stack(function: Callable[[], T]) -> T:
    """``function()``, run where deep recursion fits; its exception, if any, is re-raised."""
    if threading.current_thread().name == "pfperms-deep":
        return function()  # already inside
    outcome: list[T] = []
    failure: list[BaseException] = []
    context = contextvars.copy_context()  # the cache store in use, and the like

    def run() -> None:
        try:
            outcome.append(context.run(function))
        except BaseException as error:  # handed to the caller as it is
            failure.append(error)

    with _lock:  # the stack size and the recursion limit are process-wide settings
        previous_limit = sys.getrecursionlimit()
        previous_size = threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
            sys.setrecursionlimit(RECURSION_LIMIT)  # what fits the stack, whatever the caller set
            worker = threading.Thread(target=run, name="pfperms-deep", daemon=True)
            worker.start()
        finally:
            threading.stack_size(previous_size)
        try:
            worker.join()
        finally:
            sys.setrecursionlimit(previous_limit)
    if failure:
        raise failure[0]
    return outcome[0]
