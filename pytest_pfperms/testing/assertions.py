"""``assert_can`` / ``assert_cannot``: assertions whose failure message is the explanation."""

from __future__ import annotations

from ..model.decision import Decision


class PermissionAssertionError(AssertionError):
    """A permission assertion failed; the message is the full explanation."""


def assert_can(decision: Decision) -> None:
    """Fail unless the decision definitely allows (an unknown answer fails too)."""
    __tracebackhide__ = True
    if decision.allowed is True:
        return
    if decision.allowed is None:
        raise PermissionAssertionError("expected: can\n" + decision.indeterminate_message())
    raise PermissionAssertionError(decision.explain() + "\n  (expected: can)")


def assert_cannot(decision: Decision) -> None:
    """Fail unless the decision definitely denies (an unknown answer fails too)."""
    __tracebackhide__ = True
    if decision.allowed is False:
        return
    if decision.allowed is None:
        raise PermissionAssertionError("expected: cannot\n" + decision.indeterminate_message())
    raise PermissionAssertionError(decision.explain() + "\n  (expected: cannot)")
