"""Go (RE2) regular expressions for ``regex``, ``regexall`` and ``replace(s, "/re/", r)``.

We translate RE2 syntax to Python's ``re`` (``$`` means end of text, ``\\z``,
POSIX classes, ASCII ``\\d\\w\\s``, ``(?<name>``, ``\\Q..\\E``, flags in the
middle of a pattern), reject what RE2 rejects (backreferences, lookaround),
and reproduce Go's iteration over matches (an empty match right after a match
is skipped) and its ``$1``/``${name}`` replacement expansion.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator


class RegexError(Exception):
    """The pattern is not a valid RE2 expression (or uses a feature we do not translate)."""


_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_CLASS_ESCAPES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_ESCAPES = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "s": "[\\t\\n\\f\\r ]",
    "S": "[^\\t\\n\\f\\r ]",
    "z": "\\Z",
}


@functools.lru_cache(maxsize=512)
def compile_re2(pattern: str) -> re.Pattern[str]:
    """Compile a Go regular expression; raise RegexError with Go-like wording."""
    translated = _translate(pattern)
    try:
        return re.compile(translated)
    except re.error as error:
        raise RegexError(f"error parsing regexp: {error}: `{pattern}`") from None


def _translate(pattern: str) -> str:
    out: list[str] = []
    closers: list[int] = [0]  # per open group (the pattern first): ")" owed for (?flags)
    multiline = False
    i = 0
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= n:
                raise RegexError(
                    f"error parsing regexp: trailing backslash at end of expression: `{pattern}`"
                )
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt.isdigit() and nxt != "0":
                raise RegexError(f"error parsing regexp: invalid escape sequence: `\\{nxt}`")
            if nxt in "pP":
                raise RegexError(f"unsupported regular expression feature: Unicode class \\{nxt}")
            if nxt == "x" and pattern.startswith("{", i + 2):
                end = pattern.index("}", i + 3)
                out.append(re.escape(chr(int(pattern[i + 3 : end], 16))))
                i = end + 1
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        if char == "[":
            end, text = _translate_class(pattern, i)
            out.append(text)
            i = end
            continue
        if char == "(":
            if pattern.startswith("(?", i):
                rest = pattern[i + 2 :]
                if rest.startswith(("=", "!", "<=", "<!")):
                    raise RegexError(
                        f"error parsing regexp: invalid or unsupported Perl syntax: `(?{rest[:1]}`"
                    )
                if rest.startswith("<"):
                    out.append("(?P<")
                    i += 3
                    closers.append(0)
                    continue
                if rest.startswith("P<"):
                    out.append("(?P<")
                    i += 4
                    closers.append(0)
                    continue
                match = re.match(r"([imsU-]*)([:)])", rest)
                if match is None:
                    raise RegexError(
                        f"error parsing regexp: invalid or unsupported Perl syntax: `(?{rest[:1]}`"
                    )
                flags, kind = match.groups()
                if "U" in flags:
                    raise RegexError("unsupported regular expression feature: the U (ungreedy) flag")
                if "m" in flags.split("-")[0]:
                    multiline = True
                i += 2 + match.end()
                if kind == ":":
                    out.append(f"(?{flags}:" if flags else "(?:")
                    closers.append(0)
                elif flags:  # (?flags) applies to the rest of the enclosing group
                    out.append(f"(?{flags}:")
                    closers[-1] += 1
                continue
            out.append("(")
            closers.append(0)
            i += 1
            continue
        if char == ")":
            owed = closers.pop() if len(closers) > 1 else 0
            out.append(")" * owed + ")")
            i += 1
            continue
        if char == "$" and not multiline:
            out.append("\\Z")  # Go's $ without (?m) is the end of the text
            i += 1
            continue
        out.append(char)
        i += 1
    out.append(")" * closers[0])
    return "".join(out)


def _translate_class(pattern: str, start: int) -> tuple[int, str]:
    """Translate ``[...]`` starting at ``start``; return the index after it and the text."""
    i = start + 1
    out = ["["]
    if pattern.startswith("^", i):
        out.append("^")
        i += 1
    first = True
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if char == "]" and not first:
            out.append("]")
            return i + 1, "".join(out)
        first = False
        if pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2 : end] if end > 0 else ""
            negated = name.startswith("^")
            posix = _POSIX.get(name.lstrip("^"))
            if posix is None or negated:
                raise RegexError(f"error parsing regexp: invalid character class range: `[:{name}:]`")
            out.append(posix)
            i = end + 2
            continue
        if char == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[nxt])
            elif nxt in "pP":
                raise RegexError(f"unsupported regular expression feature: Unicode class \\{nxt}")
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        if char == "[":
            out.append("\\[")
        else:
            out.append(char)
        i += 1
    raise RegexError(f"error parsing regexp: missing closing ]: `{pattern[start:]}`")


def go_matches(compiled: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Successive non-overlapping matches as Go finds them (an empty match that abuts
    the previous match is skipped)."""
    position = 0
    previous_end = -1
    end = len(text)
    while position <= end:
        match = compiled.search(text, position)
        if match is None:
            return
        accept = True
        if match.end() == position:
            if match.start() == previous_end:
                accept = False
            position += 1
        else:
            position = match.end()
        previous_end = match.end()
        if accept:
            yield match


_TEMPLATE_NAME = re.compile(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)")


def go_expand(template: str, match: re.Match[str]) -> str:
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
            if number <= (match.re.groups or 0):
                value = match.group(number)
        elif name in groups:
            value = match.group(name)
        out.append(value or "")
    return "".join(out)


def go_replace_all(compiled: re.Pattern[str], text: str, replacement: str) -> str:
    """``ReplaceAllString``: every Go match replaced by the expanded replacement."""
    out: list[str] = []
    last = 0
    for match in go_matches(compiled, text):
        out.append(text[last : match.start()])
        out.append(go_expand(replacement, match))
        last = match.end()
    out.append(text[last:])
    return "".join(out)
