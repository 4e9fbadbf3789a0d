"""IAM string patterns: wildcards, policy variables, actions and ARNs.

A policy string is parsed once into a :data:`Template` (literal runs, ``*``/``?``
wildcards and ``${key}`` variables), resolved against a request context into
literal text, wildcards and symbols, then matched against a request value with
three-valued results: a comparison that depends on a symbol's value is ``None``.

Rules (reference ``iam-vault.md`` §1.2, §1.3, §1.6):

* ``*`` matches any run of characters (also ``/`` and ``:``), ``?`` exactly one.
* Variables are recognised only in documents of Version ``2012-10-17``; the key
  is case-insensitive; ``${key, 'default'}`` gives a default; ``${*}``, ``${?}``
  and ``${$}`` are a literal ``*``, ``?`` and ``$``. A substituted value is
  literal text (its ``*`` is not a wildcard). A missing or multivalued key
  without a default leaves the string unresolved, and an unresolved string
  matches nothing.
* Actions: the service prefix is compared literally and case-insensitively (so
  ``*:GetObject`` matches nothing), the action name by case-insensitive glob.
* ARNs are matched per segment: ``arn``, partition, service, region, account,
  then everything after the fifth colon as one segment. The first five are
  compared case-insensitively, the resource segment case-sensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import cast

from ..linear_match import LinearPattern, compile_linear
from ..values import (
    Str,
    Symbol,
    Tri,
    eq3,
)
from .context import Presence, RequestContext


class Wildcard(Enum):
    """A wildcard character of an IAM pattern."""

    STAR = "*"
    ONE = "?"


@dataclass(frozen=True, slots=True)
class Variable:
    """A policy variable ``${key}`` or ``${key, 'default'}``."""

    key: str
    default: str | None = None

    def __str__(self) -> str:
        if self.default is None:
            return f"${{{self.key}}}"
        return f"${{{self.key}, '{self.default}'}}"


Part = str | Wildcard | Variable | Symbol
"""One piece of a parsed policy string (a symbol stands for a wholly unknown string)."""

Template = tuple[Part, ...]
"""A parsed policy string."""

Resolved = tuple[str | Wildcard | Symbol, ...]
"""A template with its variables replaced by request values."""


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A template whose variable has no usable value, so the string matches nothing."""

    variable: Variable
    why: str  # "missing" or "multivalued"

    def describe(self) -> str:
        """One phrase, e.g. ``${aws:username} has no value in the request``."""
        if self.why == "multivalued":
            return f"{self.variable} names a multivalued key"
        return f"{self.variable} has no value in the request"


_SPECIALS = {"*": "*", "?": "?", "$": "$"}
_VARIABLE = re.compile(r"\s*([^,]*?)\s*(?:,\s*'(.*)'\s*)?", re.DOTALL)


def parse_template(text: Str, *, variables: bool, wildcards: bool) -> Template:
    """Split a policy string into literal runs, wildcards and variables."""
    if isinstance(text, Symbol):
        return (text,)
    parts: list[Part] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            parts.append("".join(literal))
            literal.clear()

    index = 0
    while index < len(text):
        char = text[index]
        end = text.find("}", index + 2) if variables and text.startswith("${", index) else -1
        if end != -1:
            inner = text[index + 2:end]
            if inner in _SPECIALS:
                literal.append(_SPECIALS[inner])
            else:
                flush()
                parts.append(_parse_variable(inner))
            index = end + 1
            continue
        if wildcards and char in "*?":
            flush()
            parts.append(Wildcard(char))
        else:
            literal.append(char)
        index += 1
    flush()
    return tuple(parts)


def _parse_variable(inner: str) -> Variable:
    match = _VARIABLE.fullmatch(inner)
    if match is None:  # pragma: no cover - the pattern matches every string
        return Variable(inner.strip())
    return Variable(match.group(1), match.group(2))


def template_text(template: Template) -> str:
    """The template written back as policy text (symbols as ``${key}``)."""
    out: list[str] = []
    for part in template:
        if isinstance(part, Wildcard):
            out.append(part.value)
        else:
            out.append(str(part))
    return "".join(out)


def template_symbols(template: Template) -> list[Symbol]:
    """The symbols written into a template (not those a variable may bring)."""
    return [part for part in template if isinstance(part, Symbol)]


def resolve(template: Template, context: RequestContext) -> Resolved | Unresolved:
    """Replace the template's variables with the request's values."""
    if not any(isinstance(part, Variable) for part in template):
        return cast(Resolved, template)  # no Variable parts
    out: list[str | Wildcard | Symbol] = []
    for part in template:
        if not isinstance(part, Variable):
            out.append(part)
            continue
        found = context.lookup(part.key)
        if found.presence is Presence.FOUND and not found.multivalued:
            out.append(found.values[0])
        elif found.presence is Presence.UNKNOWN:
            out.append(found.symbols[0])
        elif part.default is not None:
            out.append(part.default)
        else:
            why = "multivalued" if found.presence is Presence.FOUND else "missing"
            return Unresolved(part, why)
    return tuple(out)


def resolved_text(resolved: Resolved) -> str:
    """A resolved pattern as text, for messages."""
    return "".join(part.value if isinstance(part, Wildcard) else str(part) for part in resolved)


@lru_cache(maxsize=4096)
def _regex(parts: tuple[str | Wildcard, ...], ignore_case: bool) -> LinearPattern:
    pieces = []
    for part in parts:
        if part is Wildcard.STAR:
            pieces.append(".*")
        elif part is Wildcard.ONE:
            pieces.append(".")
        else:
            assert isinstance(part, str)
            pieces.append(re.escape(part))
    return compile_linear("".join(pieces), ignore_case)  # linear time: no backtracking


def glob_match(pattern: Resolved, value: Str, *, ignore_case: bool = False) -> Tri:
    """Whether ``value`` matches the wildcard pattern; ``None`` when a symbol decides it."""
    symbols = [part for part in pattern if isinstance(part, Symbol)]
    if symbols:
        # A symbolic pattern matches itself (a glob always matches its own text);
        # anything else depends on the symbol's value, which may hold wildcards.
        return True if len(pattern) == 1 and pattern[0] == value else None
    if isinstance(value, Symbol):
        if pattern and all(part is Wildcard.STAR for part in pattern):
            return True
        if any(isinstance(part, Wildcard) for part in pattern):
            return _prefix_glob_vs_symbol(pattern, value, ignore_case)
        return _literal_vs_symbol("".join(str(part) for part in pattern), value, ignore_case)
    concrete = cast(tuple[str | Wildcard, ...], pattern)  # no symbols
    return _regex(concrete, ignore_case).fullmatch(value)


def equals_match(pattern: Resolved, value: Str, *, ignore_case: bool = False) -> Tri:
    """Whether ``value`` equals the pattern taken literally (no wildcards)."""
    if len(pattern) == 1 and isinstance(pattern[0], Symbol):
        if ignore_case and eq3(pattern[0], value) is not True:
            return None
        return eq3(pattern[0], value)
    if any(isinstance(part, Symbol) for part in pattern):
        return None
    text = "".join(part.value if isinstance(part, Wildcard) else str(part) for part in pattern)
    if isinstance(value, Symbol):
        return _literal_vs_symbol(text, value, ignore_case)
    if ignore_case:
        return text.lower() == value.lower()
    return text == value


def _prefix_glob_vs_symbol(pattern: Resolved, value: Symbol, ignore_case: bool) -> Tri:
    """A glob against a symbol whose possible values all start with a known text.

    ``system:serviceaccount:apps:*`` covers ``system:serviceaccount:apps:${random_id.x.hex}``
    (True); it cannot match a value that starts with ``system:serviceaccount:web:``
    (False); anything else depends on the symbol (None).
    """
    lead: list[str] = []
    for part in pattern:
        if isinstance(part, Wildcard):
            break
        lead.append(str(part))
    rest = pattern[len(lead):]
    head = "".join(lead)
    known = regex_literal_prefix(value.pattern)
    if ignore_case:
        head, known = head.lower(), known.lower()
    if known.startswith(head):
        return True if rest and all(part is Wildcard.STAR for part in rest) else None
    return None if head.startswith(known) else False


_REGEX_SPECIAL = frozenset(".^$*+?{}[]|()")


def regex_literal_prefix(regex: str | None) -> str:
    """The text every match of ``regex`` starts with (``""`` when unsure)."""
    if not regex or _top_level_alternation(regex):
        return ""
    out: list[str] = []
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            if index + 1 >= len(regex) or regex[index + 1].isalnum():
                break
            literal, step = regex[index + 1], 2
        elif char in _REGEX_SPECIAL:
            break
        else:
            literal, step = char, 1
        index += step
        if index < len(regex) and regex[index] in "*?{":
            break  # the character may be absent or repeated
        out.append(literal)
    return "".join(out)


def _top_level_alternation(regex: str) -> bool:
    depth = 0
    in_class = False
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def _literal_vs_symbol(text: str, value: Symbol, ignore_case: bool) -> Tri:
    result = eq3(text, value)
    return None if ignore_case and result is False else result


def split_arn(pattern: Resolved) -> list[Resolved]:
    """Split a pattern at the literal colons that separate the first five ARN segments."""
    segments: list[list[str | Wildcard | Symbol]] = [[]]
    for part in pattern:
        if isinstance(part, str) and len(segments) < 6 and ":" in part:
            pieces = part.split(":", 6 - len(segments))
            for index, piece in enumerate(pieces):
                if index:
                    segments.append([])
                if piece:
                    segments[-1].append(piece)
        else:
            segments[-1].append(part)
    return [tuple(segment) for segment in segments]


def arn_match(pattern: Resolved, value: Str, *, pad_short: bool, segment_case: bool) -> Tri:
    """Match an ARN pattern segment by segment.

    ``pad_short``: a pattern with fewer than six segments is padded with ``*``
    segments (identity policies); otherwise it matches only when it holds a
    wildcard (resource-based policies). ``segment_case``: compare the first five
    segments case-insensitively (Resource) rather than exactly (Arn* conditions).
    """
    if isinstance(value, Symbol) or (len(pattern) == 1 and isinstance(pattern[0], Symbol)):
        return glob_match(pattern, value)
    value_segments = value.split(":", 5)
    pattern_segments = split_arn(pattern)
    if len(value_segments) < 6:
        return glob_match(pattern, value)
    if len(pattern_segments) < 6:
        has_wildcard = any(isinstance(part, Wildcard) for part in pattern)
        if not (pad_short or has_wildcard):
            return False
        pattern_segments += [(Wildcard.STAR,)] * (6 - len(pattern_segments))
    results: list[Tri] = []
    for index, (segment, text) in enumerate(zip(pattern_segments, value_segments, strict=True)):
        result = glob_match(segment, text, ignore_case=segment_case and index < 5)
        if result is False:
            return False
        results.append(result)
    return None if None in results else True


def action_match(pattern: Str, action: Str) -> Tri:
    """Whether a policy action pattern covers a request action (``service:Name``)."""
    if pattern == "*":
        return True
    if isinstance(pattern, Symbol) or isinstance(action, Symbol):
        return True if pattern == action else None
    pattern_service, _, pattern_name = pattern.partition(":")
    service, _, name = action.partition(":")
    if pattern_service.lower() != service.lower():
        return False
    template = parse_template(pattern_name, variables=False, wildcards=True)
    return glob_match(cast(Resolved, template), name, ignore_case=True)  # no Variable parts

