"""The file sandbox behind ``file()``, ``fileexists()``, ``fileset()`` and ``templatefile()``.

Terraform resolves relative paths against its working directory (the root
module); so do we, against ``base_dir``. Every path is then resolved fully
(``..`` and symlinks included) and must stay inside ``root``, the repository:
anything else raises :class:`SandboxViolation` and is never opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ...linear_match import LinearPattern, compile_linear
from ..files import MAX_FUNCTION_FILE_BYTES, InputRefused, read_input


class SandboxViolation(Exception):
    """A path resolves outside the repository root."""


class MissingFile(Exception):
    """A path inside the repository names no regular file."""


class FileSandbox:
    """Reads files for HCL functions, only under ``root``."""

    def __init__(self, root: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None):
        self.root = Path(os.path.realpath(root))
        self.base_dir = Path(os.path.realpath(base_dir)) if base_dir is not None else self.root

    def __repr__(self) -> str:
        return f"FileSandbox(root={str(self.root)!r}, base_dir={str(self.base_dir)!r})"

    def resolve(self, path: str) -> Path:
        """The real path for ``path`` (relative to ``base_dir``), checked to be inside ``root``."""
        if path.startswith("~"):
            raise SandboxViolation(f"{path} is in a home directory, outside the repository {self.root}")
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.base_dir / candidate
        real = Path(os.path.realpath(candidate))
        if not self.contains(real):
            raise SandboxViolation(
                f"{path} resolves to {real}, outside the repository {self.root}; "
                "pytest-pfperms reads only files inside the repository"
            )
        return real

    def contains(self, real: Path) -> bool:
        """Whether an already-resolved path lies inside the root."""
        return real == self.root or self.root in real.parents

    def read_bytes(self, path: str) -> bytes:
        """The bytes of a regular file inside the repository."""
        real = self.resolve(path)
        if not real.is_file():
            raise MissingFile(
                f"no file exists at {path}; this function works only with files that are"
                " distributed as part of the configuration source code"
            )
        try:
            return read_input(real, bound=self.root, limit=MAX_FUNCTION_FILE_BYTES)
        except InputRefused as error:
            raise SandboxViolation(f"{path} {error}") from error

    def exists(self, path: str) -> bool:
        """``fileexists()``: True for a regular file; a directory is an error, as in Terraform."""
        real = self.resolve(path)
        if not real.exists():
            return False
        if real.is_file():
            return True
        kind = "a directory" if real.is_dir() else "not a regular file"
        raise MissingFile(f"{path} is {kind}, not a file")

    def glob(self, path: str, pattern: str) -> list[str]:
        """``fileset(path, pattern)``: regular files under ``path`` matching the pattern,
        relative to ``path`` with ``/`` separators, sorted (doublestar semantics)."""
        directory = self.resolve(path)
        matcher = glob_regex(pattern)
        found: list[str] = []
        if not directory.is_dir():
            return found
        for current, dirnames, filenames in os.walk(directory):
            current_path = Path(current)
            dirnames[:] = sorted(
                name for name in dirnames if self.contains(Path(os.path.realpath(current_path / name)))
            )
            for name in filenames:
                full = current_path / name
                relative = full.relative_to(directory).as_posix()
                if not matcher.fullmatch(relative):
                    continue
                real = Path(os.path.realpath(full))
                if self.contains(real) and real.is_file():
                    found.append(relative)
        return sorted(found)


def glob_regex(pattern: str) -> LinearPattern:
    """A regex for a doublestar glob: ``**`` any directories, ``*``/``?`` within a name,
    ``[...]`` classes and ``{a,b}`` alternatives."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    depth = 0
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return compile_linear("".join(out))  # linear time: fileset() patterns come from the repository
