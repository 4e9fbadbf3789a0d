"""The errors HCL evaluation raises, all :class:`~pytest_pfperms.errors.LoadError` kinds.

``try()`` and ``can()`` catch :class:`EvalError` (dynamic errors: a missing
attribute, an index out of range, a function failing on its arguments) as
Terraform does; they do not catch :class:`UndeclaredReference` (a static error in
Terraform) nor :class:`FileAccessError` (reading outside the repository is never
allowed, whatever the expression around it).
"""

from __future__ import annotations

from ...errors import LoadError, Problem


class EvalError(LoadError):
    """An expression failed on known values, as it would in ``terraform plan``."""

    @classmethod
    def at(cls, path: str, line: int | None, message: str) -> EvalError:
        """One problem at ``path:line``."""
        return cls([Problem(path, line, message)])


class FunctionCallError(EvalError):
    """A function call failed on known arguments (``element([], 0)``, a bad regex)."""

    function: str = ""

    @classmethod
    def make(cls, path: str, line: int, function: str, text: str) -> FunctionCallError:
        """A FunctionCallError with Terraform's wording already in ``text``, e.g.
        ``Call to function "element" failed: cannot use element function with an empty list.``"""
        error = cls([Problem(path, line, text)])
        error.function = function
        return error


class UndeclaredReference(LoadError):
    """A reference to something the configuration does not declare (``var.nope``)."""


class FileAccessError(LoadError):
    """``file()``/``templatefile()`` asked for a path outside the repository root."""


class ScopeError(Exception):
    """Raised by a :class:`~.hcl_eval.Scope`; the evaluator adds the file and line.

    ``dynamic=True`` marks errors that ``try()``/``can()`` may catch (an index
    out of range in a resource's attributes); the default is a static error
    (an undeclared variable, local, module or resource).
    """

    def __init__(self, message: str, *, dynamic: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.dynamic = dynamic


class FunctionError(Exception):
    """Raised inside a function implementation; becomes a :class:`FunctionCallError`."""
