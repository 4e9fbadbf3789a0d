"""Which parser reads HCL native syntax: ``tree-sitter`` (the default) or ``python-hcl2``.

Both build the same AST (a differential test holds them to it); tree-sitter-hcl parses
about fifteen times faster, python-hcl2's lark grammar is the reference. The choice is
made per load (``pfperms.load(..., hcl_parser=)``, the plugin's ``pfperms_hcl_parser``,
the command's ``--hcl-parser``) and is part of the parse cache's keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

__all__ = ["DEFAULT_HCL_PARSER", "HCL_PARSERS", "HclParser", "active_hcl_parser", "using_hcl_parser",
           "validate_hcl_parser"]

HclParser = Literal["tree-sitter", "python-hcl2"]
HCL_PARSERS: tuple[HclParser, ...] = ("tree-sitter", "python-hcl2")
DEFAULT_HCL_PARSER: HclParser = "tree-sitter"

_ACTIVE: ContextVar[HclParser] = ContextVar("pfperms_hcl_parser", default=DEFAULT_HCL_PARSER)


def validate_hcl_parser(name: object) -> HclParser:
    """``name`` if it is one of :data:`HCL_PARSERS`; else ValueError saying which are."""
    for known in HCL_PARSERS:
        if name == known:
            return known
    raise ValueError(f"hcl_parser must be one of {', '.join(HCL_PARSERS)}, not {name!r}")


def active_hcl_parser() -> HclParser:
    """The parser the current load uses."""
    return _ACTIVE.get()


@contextmanager
def using_hcl_parser(name: HclParser | None) -> Iterator[None]:
    """Parse HCL with ``name`` inside the block (None: leave the current choice)."""
    if name is None:
        yield
        return
    token = _ACTIVE.set(validate_hcl_parser(name))
    try:
        yield
    finally:
        _ACTIVE.reset(token)
