"""Terraform's built-in functions: the table the evaluator calls.

The machinery (parameters, conversions, symbols, errors) is in :mod:`.calling`;
the functions are in :mod:`.numbers`, :mod:`.strings`, :mod:`.collections` and
:mod:`.runtime` (with :mod:`.format`, :mod:`.regex`, :mod:`.encoding`), which register themselves
into :data:`FUNCTIONS` when imported here. Functions we do not know are not in the
table: the evaluator turns calls to them into symbols.
"""

from __future__ import annotations

from . import collections, numbers, runtime, strings
from .calling import (
    FUNCTIONS,
    CallContext,
    Function,
    Host,
    Param,
    call_function,
)

__all__ = ["FUNCTIONS", "CallContext", "Function", "Host", "Param", "call_function"]

_MODULES = (collections, numbers, runtime, strings)
