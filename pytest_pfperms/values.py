"""Symbolic values and three-valued (Kleene) logic.

Terraform knows many values only after ``apply`` (``random_id.x.hex``) or not at
all when nobody set an input (``var.namespace``). Such a value is a
:class:`Symbol`: unknown, but named. Two uses of the same symbol are equal, so a
binding to ``module.x.service_account_name`` matches module x's service account
without knowing the name. Comparisons that depend on a symbol's real value
answer ``None``.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

Tri = bool | None

_REFERENCE = re.compile(r"[A-Za-z_][\w.\-\[\]\"*]{0,79}")
"""A three-valued truth: True, False or None (unknown)."""


@dataclass(frozen=True, slots=True, eq=False)
class Symbol:
    """A value unknown before ``terraform apply``, named by where it comes from.

    ``key`` is the identity: symbols with equal keys are the same value.
    ``distinct_group``: two symbols of the same group with different keys are
    known to be different (names of two objects of one kind in one namespace,
    values of two different ``random_id`` resources). ``pattern`` is a regular
    expression every possible value matches (``[0-9a-f]{16}`` for an 8-byte
    ``random_id.hex``), so a literal outside it is known to differ. By convention a
    symbol with a ``pattern`` is known to be a string (never null, never a number);
    the HCL evaluator relies on this for ``== null`` and type checks.
    """

    key: str
    expression: str = ""
    source: str = ""
    reason: str = "known only after apply"
    hint: str = ""
    pattern: str | None = None
    distinct_group: str | None = None
    label: str = ""
    """How messages show it when its key would be long and its meaning plain
    (``example-<generated>`` for a name generated from ``generate_name``)."""
    never_null: bool = False
    """Known never to be null (a ``random_id.hex``, a generated name, a variable declared
    ``nullable = false``): ``x == null`` is false, ``x != null`` true."""
    _compiled: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_compiled", _compile_pattern(self.pattern))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.key == self.key

    def __hash__(self) -> int:
        return hash(("Symbol", self.key))

    def __str__(self) -> str:
        """Its label, else ``${...}`` around the reference it was written as when that is short,
        else around its key."""
        if self.label:
            return self.label
        shown = self.expression if _REFERENCE.fullmatch(self.expression or "") else self.key
        return f"${{{shown}}}"

    def could_be(self, value: str) -> bool:
        """Whether ``value`` is a possible value of this symbol."""
        return self._compiled is None or self._compiled.fullmatch(value) is not None

    def describe(self) -> str:
        """One line: the symbol, why it is unknown, where it comes from, how to supply it."""
        text = f"{self.key}"
        if self.expression and self.expression != self.key:
            text += f" (= {self.expression})"
        text += f": {self.reason}"
        if self.source:
            text += f", at {self.source}"
        if self.hint:
            text += f"; {self.hint}"
        return text


@dataclass(frozen=True, slots=True, eq=False)
class EncodedDocument(Symbol):
    """The text of ``jsonencode(...)`` (or ``yamlencode(...)``: ``encoding`` says which) over
    a value that holds symbols: unknown before apply, but what it encodes is known.
    ``document`` is that value (objects, lists, strings, bools, null, and symbols where the
    value is unknown), so a reader of the text (an IAM policy set to ``jsonencode({...})``,
    an aws-auth ``mapRoles`` set to ``yamlencode([...])``) looks inside without parsing."""

    document: object = None
    encoding: str = "json"


@dataclass(frozen=True, slots=True, eq=False)
class Choice(Symbol):
    """A string that is one of a few known ones, which one unknown before apply
    (``var.admin ? "cluster-admin" : "view"``): an answer the same for every choice is
    definite (:mod:`pytest_pfperms.query.cases` tries them)."""

    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        Symbol.__post_init__(self)
        _CHOICES_MADE[0] += 1


_CHOICES_MADE = [0]


def choices_made() -> int:
    """How many :class:`Choice` symbols this process has made (none: no model holds one)."""
    return _CHOICES_MADE[0]


@dataclass(frozen=True, slots=True, eq=False)
class PartialList(Symbol):
    """A list unknown before apply that certainly holds ``known`` (maybe more, in any order):
    ``concat(["a"], var.more)``. A reader asking whether some item matches may settle a yes
    from ``known``; a no stays unknown."""

    known: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Repeated(Symbol):
    """A collection whose size is unknown before apply, every item like ``template`` (the
    instances of a resource or module whose ``for_each`` or ``count`` is unknown);
    ``non_empty`` when there is certainly one at least (the subnets of a cluster)."""

    template: object = None
    non_empty: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class KeyedObject(Symbol):
    """An object whose keys are partly unknown before apply (``{"${var.issuer}:sub" = ...}``).

    Terraform knows nothing of such an object until apply (not even which keys it has), so
    it is a symbol; but every key is certainly different from every other (the evaluator
    checks it), so a reader that can work with symbolic keys (an IAM Condition block) may
    look at ``items``: each ``(key, value)``, the key a string or a string symbol."""

    items: tuple[tuple[object, object], ...] = ()


Str = str | Symbol
"""A string that may be symbolic."""

_UNBOUNDED = re.compile(r"(?<!\\)[*+]|\{\d+,\}")
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.dot_nl = True
_RE2_OPTIONS.log_errors = False


@functools.lru_cache(maxsize=8192)
def _compile_pattern(pattern: str) -> Any:
    """A symbol's pattern, compiled. Patterns are built from templates anyone can write
    (``"${a}-${b}-..."`` gives ``.*-.*-...``), and Python's backtracking engine takes time
    exponential in the number of unbounded pieces to refute such a pattern; with more than
    two, RE2 (linear) matches it. Short patterns stay on ``re``, cheaper per call."""
    if len(_UNBOUNDED.findall(pattern)) > 2:
        with contextlib.suppress(re2.error):
            return re2.compile(pattern, _RE2_OPTIONS)
    return re.compile(pattern, re.DOTALL)

StrList = tuple[Str, ...] | Symbol
"""A list of strings (a tuple), any item of which may be symbolic, or a wholly unknown list."""


class UnknownMap(dict[str, "Str"]):
    """A map (labels, annotations) wholly unknown before apply: empty, but carrying its symbol."""

    def __init__(self, symbol: Symbol):
        super().__init__()
        self.symbol = symbol

    def __repr__(self) -> str:
        return f"UnknownMap({self.symbol})"


def is_concrete(value: object) -> bool:
    """True when ``value`` holds no symbol anywhere (strings and tuples of strings)."""
    if isinstance(value, Symbol):
        return False
    if isinstance(value, tuple):
        return all(not isinstance(item, Symbol) for item in value)
    return True


def eq3(left: Str, right: Str) -> Tri:
    """Three-valued equality of two possibly symbolic strings."""
    if left.__class__ is str and right.__class__ is str:
        return left == right
    if isinstance(left, Symbol) and isinstance(right, Symbol):
        if left.key == right.key:
            return True
        if left.distinct_group is not None and left.distinct_group == right.distinct_group:
            return False
        return False if affixes_differ(left, right) else None
    symbol, literal = (left, right) if isinstance(left, Symbol) else (right, left)
    assert isinstance(symbol, Symbol) and isinstance(literal, str)
    return None if symbol.could_be(literal) else False


def and3(values: Iterable[Tri]) -> Tri:
    """Kleene AND: False wins, then unknown, else True."""
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or3(values: Iterable[Tri]) -> Tri:
    """Kleene OR: True wins, then unknown, else False."""
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def symbols_in(value: object) -> list[Symbol]:
    """Every symbol inside a string, tuple, list or dict value, in order, without repeats."""
    found: dict[str, Symbol] = {}

    def walk(item: object) -> None:
        if isinstance(item, Symbol):
            found.setdefault(item.key, item)
        elif isinstance(item, (tuple, list)):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict):
            for key, sub in item.items():
                walk(key)
                walk(sub)

    walk(value)
    return list(found.values())


def show(value: object) -> str:
    """Render a possibly symbolic value for messages: strings quoted, symbols as ``${key}``."""
    if isinstance(value, Symbol):
        return str(value)
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return repr(value)


# --------------------------------------------------------------------------- symbol algebra
# Symbols built from symbols (DESIGN idea 3):
#
# * derive: any operation whose result depends on a symbol. Its key is the operation
#   spelled over its inputs (``upper(var.name)``), so the same operation on the same
#   symbols is the same symbol.
# * join_pieces: string concatenation (templates, ``join``, ``format``). The key is the
#   template with symbol keys substituted (``"${var.name}-sa"``); the pattern is built
#   from the literal parts, so ``"x-${var.a}"`` can never equal ``"y"``; nested templates
#   flatten, so the same string built twice is the same symbol; and when one part has a
#   distinct_group the whole template gets one too.
#
# Keys are spelled in HCL, so the same operation is the same symbol wherever it is built
# (the HCL evaluator, the Panfactum profiles, the IRSA engine's subject strings). A derived
# symbol's reason names the root symbols it depends on; its source is where the operation is.

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]|\$\{|%\{')


def _escape_match(match: re.Match[str]) -> str:
    text = match.group()
    if text in ("${", "%{"):
        return text[0] + text
    return _ESCAPES.get(text) or f"\\u{ord(text):04x}"


def escape_template_text(text: str) -> str:
    """Escape literal text for a quoted HCL string (quotes, backslashes, controls, ``${``)."""
    return _NEEDS_ESCAPE.sub(_escape_match, text)


_LIMIT = 200_000
_ROOTS: dict[str, tuple[Symbol, ...]] = {}
_PARTS: dict[str, tuple[str | Symbol, ...]] = {}


def _remember(table: dict[str, tuple[object, ...]], key: str, value: tuple[object, ...]) -> None:
    if len(table) >= _LIMIT:
        table.clear()
    table[key] = value


def template_affixes(symbol: Symbol) -> tuple[str, str]:
    """The literal text a template symbol (``"${var.issuer}:sub"``) certainly starts and ends
    with; ``("", "")`` for any other symbol (or one whose parts are no longer remembered)."""
    parts = _PARTS.get(symbol.key)
    if not parts:
        return "", ""
    first, last = parts[0], parts[-1]
    return (first if isinstance(first, str) else ""), (last if isinstance(last, str) else "")


def affixes_differ(left: Symbol, right: Symbol, *, fold: bool = False) -> bool:
    """Whether two symbols are certainly different strings because the text one certainly
    starts (or ends) with is not a prefix (suffix) of the other's, or the other way round
    (``"${a}:sub"`` is never ``"${b}:aud"``); ``fold`` compares case-insensitively."""
    (left_start, left_end), (right_start, right_end) = template_affixes(left), template_affixes(right)
    if fold:
        left_start, left_end = left_start.lower(), left_end.lower()
        right_start, right_end = right_start.lower(), right_end.lower()
    return not (left_start.startswith(right_start) or right_start.startswith(left_start)) or \
        not (left_end.endswith(right_end) or right_end.endswith(left_end))


def roots_of(symbol: Symbol) -> tuple[Symbol, ...]:
    """The symbols (from the scope or unsupported functions) a symbol was derived from."""
    return _ROOTS.get(symbol.key, (symbol,))


def template_parts(symbol: Symbol) -> tuple[str | Symbol, ...] | None:
    """The literal and symbolic parts of a symbol made by :func:`join_pieces`, if any."""
    return _PARTS.get(symbol.key)


def _reason(roots: Sequence[Symbol]) -> str:
    shown = []
    for root in roots[:3]:
        where = f", at {root.source}" if root.source else ""
        shown.append(f"{root.key} ({root.reason}{where})")
    extra = f" and {len(roots) - 3} more" if len(roots) > 3 else ""
    return "depends on " + ", ".join(shown) + extra


def derive(
    key: str,
    inputs: Iterable[object],
    *,
    expression: str,
    source: str,
    pattern: str | None = None,
    distinct_group: str | None = None,
) -> Symbol:
    """A symbol for an operation over ``inputs`` (values that hold the symbols it depends on)."""
    roots: dict[str, Symbol] = {}
    for symbol in symbols_in(list(inputs)):
        for root in roots_of(symbol):
            roots.setdefault(root.key, root)
    root_list = list(roots.values())
    hint = next((root.hint for root in root_list if root.hint), "")
    reason = _reason(root_list) if root_list else "known only after apply"
    symbol = Symbol(
        key=key,
        expression=expression,
        source=source,
        reason=reason,
        hint=hint,
        pattern=pattern,
        distinct_group=distinct_group,
    )
    if root_list:
        _remember(_ROOTS, key, tuple(root_list))  # type: ignore[arg-type]
    return symbol


def join_pieces(pieces: Iterable[str | Symbol], *, expression: str, source: str) -> str | Symbol:
    """Concatenate strings and string symbols: a str when all are known, else a template symbol."""
    parts: list[str | Symbol] = []
    for piece in pieces:
        if isinstance(piece, Symbol):
            nested = _PARTS.get(piece.key)
            for part in nested if nested is not None else (piece,):
                _append(parts, part)
        else:
            _append(parts, piece)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    key = '"' + _spell(parts, None) + '"'
    pattern = "".join(
        (f"(?:{part.pattern})" if part.pattern is not None else ".*")
        if isinstance(part, Symbol)
        else re.escape(part)
        for part in parts
    )
    group = None
    for index, part in enumerate(parts):
        if isinstance(part, Symbol) and part.distinct_group is not None:
            group = f'template "{_spell(parts, index)}" over {part.distinct_group}'
            break
    symbol = derive(
        key,
        [part for part in parts if isinstance(part, Symbol)],
        expression=expression,
        source=source,
        pattern=pattern,
        distinct_group=group,
    )
    _remember(_PARTS, key, tuple(parts))  # type: ignore[arg-type]
    return symbol


def _append(parts: list[str | Symbol], part: str | Symbol) -> None:
    if isinstance(part, str):
        if not part:
            return
        if parts and isinstance(parts[-1], str):
            parts[-1] += part
            return
    parts.append(part)


def _spell(parts: list[str | Symbol], hole: int | None) -> str:
    out = []
    for index, part in enumerate(parts):
        if index == hole:
            out.append("${*}")
        elif isinstance(part, Symbol):
            out.append("${" + part.key + "}")
        else:
            out.append(escape_template_text(part))
    return "".join(out)
