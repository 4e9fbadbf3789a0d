"""The one gate every input file goes through: manifests, ``.tf``/``.tf.json``, ``.tfvars``,
``.terraform/modules/modules.json`` and what ``file()``/``templatefile()`` read.

A file is read only when its real path (every symlink and ``..`` resolved) lies inside the
bound it is read under (the loaded directory, or the repository for Terraform), when it is a
regular file (never a FIFO, a device or a socket, which could hang or flood the load), and when
it is no larger than the limit for its kind. The file is opened without following a final
symlink and with ``O_NONBLOCK``, then checked again on the open descriptor, so a file swapped
for a FIFO between the check and the read cannot hang the run. Refusals are
:class:`InputRefused` with a sentence that says what to do; nothing of a refused file's
content is ever read, so nothing of it can leak into a message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_MANIFEST_BYTES = 32 * 1024 * 1024
"""Manifest and plan files larger than this are refused."""

MAX_TERRAFORM_BYTES = 2 * 1024 * 1024
"""``.tf`` and ``.tf.json`` files larger than this are refused (the largest public module
file surveyed, EKS Blueprints' ``main.tf``, is 178 KiB; parsing 2 MiB takes seconds)."""

MAX_TFVARS_BYTES = 4 * 1024 * 1024
"""``.tfvars`` files larger than this are refused."""

MAX_MODULES_JSON_BYTES = 4 * 1024 * 1024
"""``.terraform/modules/modules.json`` larger than this is refused."""

MAX_FUNCTION_FILE_BYTES = 8 * 1024 * 1024
"""Files read by ``file()``, ``templatefile()`` and their kin larger than this are refused."""


class InputRefused(Exception):
    """An input file that is not read: outside its bound, not a regular file, or too large."""


def inside(real: Path, bound: Path) -> bool:
    """Whether an already-resolved path lies inside (or is) ``bound``."""
    return real == bound or bound in real.parents


def real_path(path: Path) -> Path:
    """``path`` with every symlink and ``..`` resolved (loops raise InputRefused)."""
    try:
        return Path(os.path.realpath(path, strict=False))
    except (OSError, RuntimeError) as error:  # a symlink loop
        raise InputRefused(f"cannot be resolved ({error}); remove the symlink loop") from error


def read_input(path: Path, *, bound: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``, or InputRefused saying why it is not read.

    ``bound`` must already be resolved. ``limit`` is the largest size accepted, in bytes;
    ``what`` names the kind of input in messages (``"Terraform file"``).
    """
    real = real_path(path)
    if not inside(real, bound):
        how = "is a link to" if path.is_symlink() else "resolves to"
        raise InputRefused(f"{how} a file outside {bound}; refusing to read it: pytest-pfperms "
                           "reads nothing outside the repository (copy the file in instead)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(real, flags)
    except OSError as error:
        raise InputRefused(f"cannot be read: {error.strerror or error}") from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise InputRefused(f"is not a regular file (a {_kind(info.st_mode)}); pytest-pfperms "
                               f"reads only regular files")
        if info.st_size > limit:
            raise InputRefused(f"is {info.st_size:,} bytes, more than the {limit:,}-byte limit for "
                               f"a {what}; split it into smaller files")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise InputRefused(f"grew past the {limit:,}-byte limit for a {what} while it was read")
        return data
    finally:
        os.close(descriptor)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def read_text_input(path: Path, *, bound: Path, limit: int, what: str = "file") -> str:
    """:func:`read_input` decoded as UTF-8; InputRefused when it is not UTF-8."""
    data = read_input(path, bound=bound, limit=limit, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputRefused(f"is not UTF-8 text ({error.reason} at byte {error.start}); "
                           "save it as UTF-8") from error
