"""Go (RE2) regular expressions for ``regex``, ``regexall`` and ``replace(s, "/re/", r)``.

Terraform's patterns are Go's ``regexp``: RE2 syntax, matched in time linear in the
text. We match them with RE2 itself (the ``google-re2`` binding), on the text's UTF-8
bytes, so no pattern can backtrack catastrophically, and the syntax is exactly RE2's:
POSIX classes, ``\\pL``, ``\\Q..\\E``, ``(?U)``, ``(?<name>``; backreferences and
lookaround are rejected, as Go rejects them, with Go's wording. Go's iteration over
matches (an empty match right after a match is skipped) and its ``$1``/``${name}``
replacement expansion are reproduced here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import re2

MAX_PATTERN_MEMORY = 64 * 1024 * 1024
"""RE2's memory budget for one compiled pattern; a larger program is a RegexError."""


class RegexError(Exception):
    """The pattern is not a valid RE2 expression."""


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = MAX_PATTERN_MEMORY

_GO_WORDING = (
    ("invalid perl operator", "invalid or unsupported Perl syntax"),
    ("missing ]", "missing closing ]"),
    ("missing )", "missing closing )"),
    ("unexpected )", "unexpected )"),
    ("trailing \\", "trailing backslash at end of expression"),
    ("bad repetition operator", "invalid nested repetition operator"),
    ("bad repetition count", "invalid repeat count"),
    ("missing argument to repetition operator", "missing argument to repetition operator"),
    ("invalid escape sequence", "invalid escape sequence"),
    ("invalid character class range", "invalid character class range"),
    ("invalid character class", "invalid character class"),
    ("invalid named capture group", "invalid named capture"),
    ("duplicate capture group name", "duplicate capture group name"),
    ("pattern too large", "expression too large"),
)


class GoRegexp:
    """A compiled Go regular expression, matched by RE2 over UTF-8 bytes."""

    __slots__ = ("_compiled", "groupindex", "groups", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        try:
            self._compiled = re2.compile(pattern.encode("utf-8"), _OPTIONS)
        except UnicodeEncodeError:
            raise RegexError(f"error parsing regexp: invalid UTF-8: `{pattern}`") from None
        except re2.error as error:
            message = error.args[0].decode("utf-8", "replace") if error.args and isinstance(
                error.args[0], bytes) else str(error)
            raise RegexError(f"error parsing regexp: {_go_wording(message)}") from None
        self.groups: int = self._compiled.groups
        self.groupindex: dict[str, int] = {
            (name.decode("utf-8") if isinstance(name, bytes) else name): index
            for name, index in self._compiled.groupindex.items()}

    def search(self, data: bytes, position: int) -> Any:
        """The leftmost-first match in ``data`` at or after byte ``position``."""
        return self._compiled.search(data, position)


def _go_wording(message: str) -> str:
    what, _, argument = message.partition(": ")
    for prefix, go in _GO_WORDING:
        if what.startswith(prefix):
            return f"{go}: `{argument}`" if argument else go
    return message


@functools.lru_cache(maxsize=512)
def compile_re2(pattern: str) -> GoRegexp:
    """Compile a Go regular expression; raise RegexError with Go-like wording."""
    return GoRegexp(pattern)


class GoMatch:
    """One match, with positions and groups in the text's characters (not its bytes)."""

    __slots__ = ("_match", "_text", "re")

    def __init__(self, regexp: GoRegexp, match: Any, text: _Text) -> None:
        self.re = regexp
        self._match = match
        self._text = text

    def start(self) -> int:
        """Where the match starts, in characters."""
        return self._text.index(self._match.start())

    def end(self) -> int:
        """Where the match ends, in characters."""
        return self._text.index(self._match.end())

    def group(self, which: int | str = 0) -> str | None:
        """A group's text (None when it did not take part in the match)."""
        value = self._match.group(self.re.groupindex[which] if isinstance(which, str) else which)
        return None if value is None else bytes(value).decode("utf-8")


class _Text:
    """A text and its UTF-8 bytes, mapping byte offsets back to character offsets."""

    __slots__ = ("_ascii", "_offsets", "data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self._ascii = len(self.data) == len(text)
        self._offsets: dict[int, int] | None = None

    def index(self, byte_offset: int) -> int:
        if self._ascii:
            return byte_offset
        if self._offsets is None:
            self._offsets = {}
            position = 0
            for index, char in enumerate(self.text):
                self._offsets[position] = index
                position += len(char.encode("utf-8", "surrogatepass"))
            self._offsets[position] = len(self.text)
        return self._offsets[byte_offset]

    def width_at(self, byte_offset: int) -> int:
        """The byte width of the character starting at ``byte_offset`` (1 past the end)."""
        if self._ascii or byte_offset >= len(self.data):
            return 1
        lead = self.data[byte_offset]
        return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def go_matches(compiled: GoRegexp, text: str) -> Iterator[GoMatch]:
    """Successive non-overlapping matches as Go finds them (an empty match that abuts
    the previous match is skipped); linear in the text."""
    source = _Text(text)
    position = 0
    previous_end = -1
    end = len(source.data)
    while position <= end:
        match = compiled.search(source.data, position)
        if match is None:
            return
        accept = True
        if match.end() == position:
            if match.start() == previous_end:
                accept = False
            position += source.width_at(position)
        else:
            position = match.end()
        previous_end = match.end()
        if accept:
            yield GoMatch(compiled, match, source)


_TEMPLATE_NAME = re.compile(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)")


def go_expand(template: str, match: GoMatch) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; unknown or
    unmatched groups expand to nothing; a malformed ``$`` stays literal."""
    out: list[str] = []
    i = 0
    n = len(template)
    groups = match.re.groupindex
    while i < n:
        dollar = template.find("$", i)
        if dollar < 0:
            out.append(template[i:])
            break
        out.append(template[i:dollar])
        if template.startswith("$$", dollar):
            out.append("$")
            i = dollar + 2
            continue
        found = _TEMPLATE_NAME.match(template, dollar + 1)
        if found is None:
            out.append("$")
            i = dollar + 1
            continue
        name = found.group(1) or found.group(2)
        i = found.end()
        value: str | None = None
        if name.isdigit():
            number = int(name)
            if number <= match.re.groups:
                value = match.group(number)
        elif name in groups:
            value = match.group(name)
        out.append(value or "")
    return "".join(out)


def go_replace_all(compiled: GoRegexp, text: str, replacement: str) -> str:
    """``ReplaceAllString``: every Go match replaced by the expanded replacement."""
    out: list[str] = []
    last = 0
    for match in go_matches(compiled, text):
        out.append(text[last : match.start()])
        out.append(go_expand(replacement, match))
        last = match.end()
    out.append(text[last:])
    return "".join(out)
