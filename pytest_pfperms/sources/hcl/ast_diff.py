"""Where two syntax trees first differ: for holding the two HCL parsers to the same AST.

:func:`first_difference` walks two trees of :mod:`.syntax_tree` nodes side by side
(without recursion: trees may be thousands of levels deep) and names the first field
that differs, with the line of the innermost node around it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass

__all__ = ["Difference", "first_difference"]


@dataclass(frozen=True, slots=True)
class Difference:
    """The first place two trees differ: a field path, the line there, and both values."""

    where: str
    line: int | None
    left: str
    right: str

    def __str__(self) -> str:
        at = f"line {self.line}" if self.line is not None else "no line"
        return f"{at}, {self.where}: {self.left} != {self.right}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def first_difference(left: object, right: object) -> Difference | None:
    """None when ``left == right``, else the first :class:`Difference` in source order."""
    stack: list[tuple[object, object, str, int | None]] = [(left, right, "", None)]
    while stack:
        a, b, where, line = stack.pop()
        if a is b:
            continue
        if type(a) is not type(b):
            return Difference(where or "<root>", line, _short(a), _short(b))
        if is_dataclass(a) and not isinstance(a, type):
            here = getattr(a, "line", line)
            here = here if isinstance(here, int) else line
            items = [(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}", here) for f in fields(a)]
            stack.extend(reversed(items))
        elif isinstance(a, tuple | list):
            assert isinstance(b, tuple | list)
            if len(a) != len(b):
                return Difference(where + f" (length {len(a)} != {len(b)})", line, _short(a), _short(b))
            pairs = enumerate(zip(a, b, strict=True))
            stack.extend(reversed([(x, y, f"{where}[{i}]", line) for i, (x, y) in pairs]))
        elif isinstance(a, dict):
            assert isinstance(b, dict)
            if list(a) != list(b):
                return Difference(where + " (keys)", line, _short(list(a)), _short(list(b)))
            stack.extend(reversed([(a[k], b[k], f"{where}[{k!r}]", line) for k in a]))
        elif a != b:
            return Difference(where or "<root>", line, _short(a), _short(b))
    return None
