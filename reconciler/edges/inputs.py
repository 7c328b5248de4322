"""Input files are files, not streams (contract section 18): regular files only, bounded.

``read_regular_file`` looks at a path with ``os.stat`` before it opens it: a FIFO, a device,
a socket or a directory is refused at once and never read (a FIFO would hang the tool, and
``/dev/zero`` never ends), and a file larger than the caller's limit is refused unread. The
file is then opened without blocking and checked again through its descriptor, so a path
swapped for a FIFO between the two looks is refused too.

Used for saved plans (``planfile``) and the manifests a saved plan records (``savedplans``).
Neighbours: ``files`` (writing), ``loading`` (manifests as YAML).
"""

from __future__ import annotations

import os
import stat

from reconciler.core.errors import ConfigError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_unless_regular(path: str, what: str, mode: int, size: int, limit: int) -> None:
    if not stat.S_ISREG(mode):
        raise ConfigError(f"the {what} {path} is {_kind(mode)}, not a regular file: not read")
    if size > limit:
        raise ConfigError(
            f"the {what} {path} is too large ({size} bytes; at most {limit} are read): not read"
        )


def read_regular_file(path: str, *, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``; ``ConfigError`` for anything else.

    ``what`` names the file in messages ("plan file"); ``limit`` is the most bytes read.
    """
    try:
        info = os.stat(path)
        _refuse_unless_regular(path, what, info.st_mode, info.st_size, limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            _refuse_unless_regular(path, what, info.st_mode, info.st_size, limit)
            data = handle.read(limit + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigError(f"the {what} {path} is too large (more than {limit} bytes): not read")
    return data
