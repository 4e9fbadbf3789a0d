"""What an expression can refer to: the Scope protocol and two simple scopes.

The evaluator never looks names up itself. For ``module.m[each.key].out`` it
evaluates the dynamic index first and then asks the scope::

    scope.resolve("module", (GetAttr("m"), GetIndex("a"), GetAttr("out")), node)

The scope answers ``(value, consumed)``: the value of the root followed by the
first ``consumed`` steps. The evaluator applies the remaining steps itself
(attribute and index access, splats, errors, and symbols: a step on a
:class:`~pytest_pfperms.values.Symbol` with key ``K`` yields the symbol
``K.name`` or ``K["key"]``). So a scope may resolve as deep as it likes:
``(whole_module_outputs, 1)`` and ``(service_account_symbol, 3)`` are both fine.

A scope raises :class:`~.hcl_errors.ScopeError` for names that do not exist;
the evaluator adds file and line. The resource/module graph implements this for
``var``, ``local``, ``module``, ``data``, resources, ``each``, ``count``,
``path``, ``self`` and ``terraform``; for-expression variables and
dynamic-block iterators are layered on top with :class:`ChildScope`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .evaluation_errors import ScopeError
from .syntax_tree import Reference
from .values import Value


@dataclass(frozen=True, slots=True)
class GetAttr:
    """``.name`` in an evaluated traversal."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class GetIndex:
    """``[key]`` in an evaluated traversal; ``key`` is already evaluated (may be a Symbol)."""

    key: Value


TraversalStep = GetAttr | GetIndex


class Scope(Protocol):
    """Resolves references (a root name plus evaluated steps) to values."""

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        """The value of ``root`` followed by the first ``n`` steps, and ``n``.

        ``node`` is the reference being evaluated (for its line and source
        text). Raise :class:`ScopeError` when ``root`` (or a step the scope
        owns, such as the name after ``var.``) is not declared.
        """
        ...


class DictScope:
    """A scope over a plain mapping: ``DictScope({"var": {"ns": "apps"}, "local": {...}})``.

    Each root name maps to its whole value (``var`` to the dict of variables);
    the evaluator applies every step. Meant for tests and template files.
    """

    def __init__(self, values: Mapping[str, Value]) -> None:
        self.values = values

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        """The root's value, no steps consumed; unknown roots raise ScopeError."""
        try:
            return self.values[root], 0
        except KeyError:
            known = ", ".join(sorted(self.values)) or "nothing"
            raise ScopeError(f'unknown name "{root}" (this scope defines {known})') from None


class ChildScope:
    """Names bound on top of another scope: for-expression variables, ``rule`` in a
    dynamic block's ``content`` (``{"key": ..., "value": ...}``), template variables."""

    def __init__(self, parent: Scope, bindings: Mapping[str, Value]) -> None:
        self.parent = parent
        self.bindings = bindings

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        """A bound name's value, else whatever the parent scope says."""
        if root in self.bindings:
            return self.bindings[root], 0
        return self.parent.resolve(root, steps, node)


class EmptyScope:
    """A scope where nothing is defined; ``message`` says why (e.g. inside a template file)."""

    def __init__(self, message: str = "no names are defined here", *, dynamic: bool = False) -> None:
        self.message = message
        self.dynamic = dynamic

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        """Always raises ScopeError."""
        raise ScopeError(self.message.format(name=root), dynamic=self.dynamic)
