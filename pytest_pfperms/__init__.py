"""pytest-pfperms: prove in CI what your infrastructure lets each workload do.

The public API; see the README for a tour.

The names below are imported on first use (PEP 562), so that importing the package, as
pytest does with every installed plugin at start-up, costs almost nothing until a test
asks for a model; the first name asked for imports them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aws.evaluation import evaluate_iam
    from .dumping import dump, dumps
    from .errors import (
        Indeterminate,
        InvalidArgument,
        LoadError,
        NotFoundError,
        PfpermsError,
        Problem,
    )
    from .escalation import Reach, reach
    from .limits import LimitExceeded, Limits
    from .model.decision import Decision, Explanation
    from .model.identities import Group, ServiceAccount, User
    from .model.objects import SourceRef
    from .model.requests import NonResourceRequest, ResourceRequest
    from .query.model import Model, SubjectGrant, Workload
    from .sources.loading import load
    from .testing.assertions import PermissionAssertionError, assert_can, assert_cannot
    from .testing.invariants import (
        Checked,
        ForAll,
        InvariantViolation,
        forall,
    )
    from .values import Symbol
    from .vault.acl import evaluate_vault

__all__ = [
    "Checked",
    "Decision",
    "Explanation",
    "ForAll",
    "Group",
    "Indeterminate",
    "InvalidArgument",
    "InvariantViolation",
    "LimitExceeded",
    "Limits",
    "LoadError",
    "Model",
    "NonResourceRequest",
    "NotFoundError",
    "PermissionAssertionError",
    "PfpermsError",
    "Problem",
    "Reach",
    "ResourceRequest",
    "ServiceAccount",
    "SourceRef",
    "SubjectGrant",
    "Symbol",
    "User",
    "Workload",
    "assert_can",
    "assert_cannot",
    "dump",
    "dumps",
    "evaluate_iam",
    "evaluate_vault",
    "forall",
    "load",
    "reach",
]


_WHERE = {
    "evaluate_iam": ".aws.evaluation", "dump": ".dumping", "dumps": ".dumping",
    "Indeterminate": ".errors", "InvalidArgument": ".errors", "LoadError": ".errors",
    "NotFoundError": ".errors", "PfpermsError": ".errors", "Problem": ".errors",
    "Reach": ".escalation", "reach": ".escalation",
    "LimitExceeded": ".limits", "Limits": ".limits",
    "Decision": ".model.decision", "Explanation": ".model.decision",
    "Group": ".model.identities", "ServiceAccount": ".model.identities", "User": ".model.identities",
    "SourceRef": ".model.objects",
    "NonResourceRequest": ".model.requests", "ResourceRequest": ".model.requests",
    "Model": ".query.model", "SubjectGrant": ".query.model", "Workload": ".query.model",
    "load": ".sources.loading",
    "PermissionAssertionError": ".testing.assertions", "assert_can": ".testing.assertions",
    "assert_cannot": ".testing.assertions",
    "Checked": ".testing.invariants", "ForAll": ".testing.invariants",
    "InvariantViolation": ".testing.invariants", "forall": ".testing.invariants",
    "Symbol": ".values", "evaluate_vault": ".vault.acl",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    """Import the public names on first use (all of them, as an eager import would)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = {}
    for public, module in _WHERE.items():
        found[public] = getattr(importlib.import_module(module, __name__), public)
    globals().update(found)
    return found[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
