"""Terraform's built-in functions: the table the evaluator calls.

The machinery (parameters, conversions, symbols, errors) is in :mod:`.hcl_calls`;
the functions are in :mod:`.hcl_fn_numbers`, :mod:`.hcl_fn_strings`,
:mod:`.hcl_fn_collections` and :mod:`.hcl_fn_runtime`, which register themselves
into :data:`FUNCTIONS` when imported here. Functions we do not know are not in the
table: the evaluator turns calls to them into symbols.
"""

from __future__ import annotations

from . import hcl_fn_collections, hcl_fn_numbers, hcl_fn_runtime, hcl_fn_strings
from .hcl_calls import FUNCTIONS, CallContext, Function, Host, Param, call_function

__all__ = ["FUNCTIONS", "CallContext", "Function", "Host", "Param", "call_function"]

_MODULES = (hcl_fn_collections, hcl_fn_numbers, hcl_fn_runtime, hcl_fn_strings)
