"""The built-in risk pack: policies with stable ids (``PF-K8S-001`` ...), each a question over
the model asked of the engines (so aggregated and built-in roles count exactly as they grant).

``ids`` lists the ids (and checks a choice of them) without importing the checks;
``registry`` holds :class:`Builtin` (id, title, severity, why it matters, how to fix it, and
its evaluator); ``kubernetes``, ``aws`` and ``vault`` define the checks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .ids import BUILTIN_IDS, RECOMMENDED, chosen_ids

if TYPE_CHECKING:
    from .registry import BUILTINS, Builtin, selected

__all__ = ["BUILTINS", "BUILTIN_IDS", "RECOMMENDED", "Builtin", "chosen_ids", "selected"]

_IN_REGISTRY = ("BUILTINS", "Builtin", "selected")
"""Imported when first used (the registry imports the engines); ``ids`` is light."""


def __getattr__(name: str) -> Any:
    if name not in _IN_REGISTRY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(".registry", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
