"""pytest-pfperms: prove in CI what your infrastructure lets each workload do.

The public API; see the README for a tour.
"""

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
