"""The exceptions pytest-pfperms raises.

Every user-facing error derives from :class:`PfpermsError` and also from the
builtin that fits it, so ``except ValueError`` or ``except LookupError`` keep
working for callers that do not know our types.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


class PfpermsError(Exception):
    """Root of every error pytest-pfperms raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input: where it is and what to change."""

    file: str
    line: int | None
    message: str
    field: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}"


class LoadError(PfpermsError, ValueError):
    """Input that cannot be loaded into the model: bad YAML/HCL, wrong types, duplicates.

    ``problems`` lists every problem found (loading goes on past the first one so
    that a single run shows them all); ``file``, ``line`` and ``field`` describe
    the first.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("LoadError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0]
        self.file = first.file
        self.line = first.line
        self.field = first.field
        if len(self.problems) == 1:
            text = str(first)
        else:
            lines = [f"{len(self.problems)} problems while loading:"]
            lines += [f"  {problem}" for problem in self.problems]
            text = "\n".join(lines)
        super().__init__(text)

    @classmethod
    def single(cls, file: str, line: int | None, message: str, field: str = "") -> LoadError:
        """A LoadError holding one problem."""
        return cls([Problem(file, line, message, field)])


class Indeterminate(PfpermsError):
    """A yes/no question whose answer depends on values unknown before ``terraform apply``.

    Raised by ``bool(decision)`` when ``decision.allowed is None``, so that neither
    ``assert can(...)`` nor ``assert not can(...)`` passes on a guess.
    """


class NotFoundError(PfpermsError, LookupError):
    """A workload, object or subject named in a query does not exist in the model."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidArgument(PfpermsError, ValueError):
    """A query was called with arguments that cannot describe a request."""


def beyond_limits(error: BaseException, file: str, line: int | None = None) -> LoadError | None:
    """The LoadError for input too deep or too large for Python to hold (a RecursionError,
    an integer over Python's 4,300-digit conversion limit, a float overflow), naming the
    file; None for any other exception (a bug, to be raised as it is)."""
    if isinstance(error, RecursionError):
        return LoadError.single(file, line, "is nested too deeply (or its values refer to each "
                                "other in too long a chain) to be read: flatten it")
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        return LoadError.single(file, line, "holds an integer with more than 4,300 digits, which no "
                                "Kubernetes, Terraform, AWS or Vault value needs: shorten it")
    if isinstance(error, OverflowError):
        return LoadError.single(file, line, f"holds a number too large to work with ({error}): "
                                "shorten it")
    return None


_LONG_NUMBER = re.compile(r"[0-9]{4301,}")
_DEEP = 200


def nul_line(text: str) -> int | None:
    """The line of the first NUL byte of ``text`` (which YAML and JSON refuse), if any."""
    found = text.find("\0")
    return None if found < 0 else text.count("\n", 0, found) + 1


def limit_line(text: str, error: BaseException) -> int | None:
    """The line of ``text`` where input goes beyond what Python holds: the first integer of
    more than 4,300 digits, or where brackets first nest more than 200 deep (else the most
    indented line, for indentation-nested YAML); None when it cannot be told."""
    if isinstance(error, ValueError):
        found = _LONG_NUMBER.search(text)
        return text.count("\n", 0, found.start()) + 1 if found else None
    if not isinstance(error, RecursionError):
        return None
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > _DEEP:
                return text.count("\n", 0, index) + 1
        elif char in ")]}":
            depth -= 1
    lines = text.splitlines()
    if not lines:
        return None
    widths = [len(line) - len(line.lstrip(" ")) for line in lines]
    return widths.index(max(widths)) + 1
