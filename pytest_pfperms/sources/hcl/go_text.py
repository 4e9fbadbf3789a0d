"""Text the way Terraform (Go) counts and changes it.

Terraform's ``length``, ``substr``, ``strrev`` and ``format`` widths count
grapheme clusters; :func:`graphemes` approximates the Unicode rules with the
cases that occur in practice (combining marks, variation selectors, zero-width
joiner sequences, emoji modifiers, regional-indicator pairs, CRLF). Case
mapping and trimming follow Go's per-character rules, not Python's.
"""

from __future__ import annotations

import unicodedata

GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""The characters Go's ``unicode.IsSpace`` accepts (``strings.TrimSpace``)."""


def _extends(char: str) -> bool:
    code = ord(char)
    if code == 0x200D or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF:
        return True
    if 0xE0020 <= code <= 0xE007F:  # tag characters (flag sequences)
        return True
    return unicodedata.combining(char) != 0 or unicodedata.category(char) in ("Mn", "Me", "Mc")


def graphemes(text: str) -> list[str]:
    """Split text into (approximate) grapheme clusters."""
    if text.isascii() and "\r\n" not in text:
        return list(text)
    clusters: list[str] = []
    regional_open = False
    for char in text:
        if clusters:
            previous = clusters[-1]
            if char == "\n" and previous == "\r":
                clusters[-1] += char
                continue
            if _extends(char) or previous.endswith("\u200d"):
                clusters[-1] += char
                continue
            if 0x1F1E6 <= ord(char) <= 0x1F1FF:
                if regional_open:
                    clusters[-1] += char
                    regional_open = False
                    continue
                regional_open = True
                clusters.append(char)
                continue
        regional_open = 0x1F1E6 <= ord(char) <= 0x1F1FF
        clusters.append(char)
    return clusters


def grapheme_count(text: str) -> int:
    """The number of grapheme clusters (Terraform's ``length`` of a string)."""
    if text.isascii() and "\r\n" not in text:
        return len(text)
    return len(graphemes(text))


def go_upper(text: str) -> str:
    """Go's ``strings.ToUpper``: each character mapped on its own (``ß`` stays ``ß``)."""
    return "".join(_single(char, char.upper()) for char in text)


def go_lower(text: str) -> str:
    """Go's ``strings.ToLower``: each character mapped on its own."""
    return "".join("i" if char == "\u0130" else _single(char, char.lower()) for char in text)


def _single(char: str, mapped: str) -> str:
    return mapped if len(mapped) == 1 else char


def _is_separator(char: str) -> bool:
    if ord(char) <= 0x7F:
        return not (char.isalnum() or char == "_")
    if char.isalpha() or unicodedata.category(char) == "Nd":
        return False
    return char in GO_SPACE


def go_title(text: str) -> str:
    """Go's ``strings.Title``: upper-case the first letter of each word, leave the rest."""
    out: list[str] = []
    previous = " "
    for char in text:
        out.append(_single(char, char.title()) if _is_separator(previous) else char)
        previous = char
    return "".join(out)


def go_trim_space(text: str) -> str:
    """Go's ``strings.TrimSpace``."""
    return text.strip(GO_SPACE)
