"""Full matches of the wildcard patterns a repository writes, in time linear in the text.

IAM globs (``s3:Get*``, ``arn:aws:s3:::*a*a*a*b``), Vault's bound service-account globs and
Terraform's ``fileset()`` patterns are turned into regular expressions; Python's ``re``
backtracks, so ``*a*a*a...b`` against a long text could run for hours. They are matched
with RE2 (the ``google-re2`` binding, which Terraform's own ``regex()`` needs too), whose
time is linear in the text and whose memory per pattern is bounded.
"""

from __future__ import annotations

import functools

import re2

MAX_PATTERN_MEMORY = 64 * 1024 * 1024
"""RE2's memory budget for one compiled pattern."""


def _options(ignore_case: bool) -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PATTERN_MEMORY
    options.dot_nl = True
    options.case_sensitive = not ignore_case
    return options


_OPTIONS = {False: _options(False), True: _options(True)}


class LinearPattern:
    """A compiled pattern; :meth:`fullmatch` tells whether a whole text matches."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.pattern = pattern
        self._compiled = re2.compile(pattern.encode("utf-8"), _OPTIONS[ignore_case])

    def fullmatch(self, text: str) -> bool:
        """Whether all of ``text`` matches."""
        return self._compiled.fullmatch(text.encode("utf-8", "surrogatepass")) is not None


@functools.lru_cache(maxsize=4096)
def compile_linear(pattern: str, ignore_case: bool = False) -> LinearPattern:
    """Compile a regular expression written in the common subset of Python's and RE2's
    syntax (what :func:`re.escape`, ``.``, ``.*`` and character classes make)."""
    return LinearPattern(pattern, ignore_case)
