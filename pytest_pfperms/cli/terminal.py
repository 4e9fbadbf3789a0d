"""Where output goes: colour and box drawing only on a terminal that shows them, plain ASCII
otherwise, warnings on stderr, quiet on a closed pipe, any stdout encoding."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

ASCII = str.maketrans({"└": "`", "├": "|", "│": "|", "─": "-", "✗": "x", "✓": "+", "→": "->",
                       "…": "...", "×": "x", "•": "*", "—": "-", "–": "-", "≠": "!=", "⚠": "!"})
"""What the explanations' box drawing and marks become on a plain output."""

COLOURS = {"CAN": "\x1b[32m", "CANNOT": "\x1b[31m", "MAY": "\x1b[33m", "warning": "\x1b[33m"}
RESET = "\x1b[0m"


def _is_utf8(stream: TextIO) -> bool:
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Terminal:
    """One run's output: ``color`` is ``auto``, ``always`` or ``never``."""

    def __init__(self, color: str = "auto", out: TextIO | None = None, err: TextIO | None = None):
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        for stream in (self.out, self.err):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                with contextlib.suppress(ValueError, OSError):   # a detached stream
                    reconfigure(errors="replace")   # a non-UTF-8 terminal gets '?', never a crash
        capable = _is_terminal(self.out) and os.environ.get("TERM") != "dumb"
        if color == "always":
            self.colour = True
        elif color == "never" or "NO_COLOR" in os.environ:
            self.colour = False
        else:
            self.colour = capable
        self.unicode = _is_utf8(self.out) and (capable or color == "always")
        self.broken = False

    def text(self, line: str) -> str:
        """A line as this output can show it."""
        return line if self.unicode else line.translate(ASCII)

    def paint(self, word: str, key: str | None = None) -> str:
        """``word`` in its colour (by ``key``, default the word) when colour is on."""
        colour = COLOURS.get(key or word)
        return f"{colour}{word}{RESET}" if self.colour and colour else word

    def write(self, text: str, *, plain: bool = True) -> None:
        """Print ``text`` (several lines) to stdout, as ASCII on a plain output unless ``plain`` is
        False (machine formats keep every character); stop quietly once the reader went away."""
        if self.broken:
            return
        try:
            self.out.write((self.text(text) if plain else text) + "\n")
            self.out.flush()
        except BrokenPipeError:
            self.broken = True
            _silence(self.out)

    def warn(self, message: str) -> None:
        """A warning on stderr, always."""
        try:
            prefix = self.paint("warning", "warning") if _is_terminal(self.err) and self.colour \
                else "warning"
            self.err.write(f"pfperms: {prefix}: " + message.translate(ASCII) + "\n")
            self.err.flush()
        except BrokenPipeError:  # pragma: no cover - stderr closed
            pass


    def warn_plain(self, message: str) -> None:
        """An error message on stderr (``pfperms: ...``)."""
        try:
            self.err.write(f"pfperms: {message.translate(ASCII) if not self.unicode else message}\n")
            self.err.flush()
        except BrokenPipeError:  # pragma: no cover - stderr closed
            pass


def _silence(stream: TextIO) -> None:
    """Point the stream's descriptor at /dev/null so the interpreter's last flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
