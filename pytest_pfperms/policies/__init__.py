"""Declarative policies: ``policies/*.yaml`` (``apiVersion: pfperms/v1``, ``kind: PolicySet``)
and the built-in risk pack.

``reading`` (safe YAML with lines, the JSON Schema ``policyset.schema.json``), ``format``
(typed policies), ``subjects`` (who a policy is about), ``questions`` (the requests an entry
asks), ``evaluation`` (offenders, exceptions, the outcome), ``rendering`` (the report), and
``builtin/`` (the PF-K8S/PF-AWS/PF-VAULT policies). The pytest items are in
:mod:`pytest_pfperms.testing.policy_items`.

Stands above ``escalation`` (it imports the core, ``model``, the engines, ``explain``,
``query`` and ``escalation``) and below the faces; never the sources.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluation import Finding, Outcome, evaluate
    from .format import Policy, PolicySet, policy_set
    from .reading import API_VERSION, is_policy_file, read
    from .rendering import render

__all__ = ["API_VERSION", "Finding", "Outcome", "Policy", "PolicySet", "evaluate", "is_policy_file",
           "policy_set", "read", "render"]

_WHERE = {"Finding": ".evaluation", "Outcome": ".evaluation", "evaluate": ".evaluation",
          "Policy": ".format", "PolicySet": ".format", "policy_set": ".format",
          "API_VERSION": ".reading", "is_policy_file": ".reading", "read": ".reading",
          "render": ".rendering"}
"""Where each name lives: imported when first used, so that importing one module of this
package (the built-in ids, say) does not import the engines that ``evaluation`` asks."""


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
