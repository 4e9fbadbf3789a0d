"""pytest-pfperms: prove in CI what your infrastructure lets each workload do.

The public API; see the README for a tour.
"""

from .assertions import PermissionAssertionError, assert_can, assert_cannot
from .decision import Decision, Explanation
from .dumping import dump, dumps
from .engines.aws import evaluate_iam
from .engines.vault import evaluate_vault
from .errors import (
    Indeterminate,
    InvalidArgument,
    LoadError,
    NotFoundError,
    PfpermsError,
    Problem,
)
from .identities import ServiceAccount, User
from .invariants import Checked, ForAll, InvariantViolation, forall
from .loading import load
from .model import Model, SubjectGrant, Workload
from .objects import SourceRef
from .requests import NonResourceRequest, ResourceRequest
from .values import Symbol

__all__ = [
    "Checked",
    "Decision",
    "Explanation",
    "ForAll",
    "Indeterminate",
    "InvalidArgument",
    "InvariantViolation",
    "LoadError",
    "Model",
    "NonResourceRequest",
    "NotFoundError",
    "PermissionAssertionError",
    "PfpermsError",
    "Problem",
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
]
