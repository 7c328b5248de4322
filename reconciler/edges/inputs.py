"""Input files are files, not streams (contract section 18): regular files only, bounded.

``read_regular_file`` looks at a path with ``os.stat`` before it opens it: a FIFO, a device,
a socket or a directory is refused at once and never read (a FIFO would hang the tool, and
``/dev/zero`` never ends), and a file larger than the caller's limit is refused unread. The
file is then opened without blocking and checked again through its descriptor, so a path
swapped for a FIFO between the two looks is refused too.

Used for manifests (``loading``), token files (``connection``), saved plans (``planfile``)
and the manifests a saved plan records (``savedplans``).
Neighbours: ``files`` (writing), ``loading`` (manifests as YAML).
"""

from __future__ import annotations

import os
import stat

from reconciler.core.errors import ConfigError


class NotARegularFile(Exception):
    """The path is a directory, a FIFO, a device or a socket: it was not read."""

    def __init__(self, mode: int) -> None:
        super().__init__(file_kind(mode))
        self.mode = mode


class TooLarge(Exception):
    """The file holds more than the caller reads: it was not read (or not kept)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, for messages ("a FIFO (named pipe)")."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: the one home of the
    rule. ``NotARegularFile``, ``TooLarge`` or ``OSError`` otherwise; nothing but a regular
    file is ever read, and the open never blocks."""
    info = os.stat(path)
    _check(info.st_mode, info.st_size, limit)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # the path may have been swapped in between
        _check(info.st_mode, info.st_size, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(len(data))
    return data


def _check(mode: int, size: int, limit: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotARegularFile(mode)
    if size > limit:
        raise TooLarge(size)


def read_regular_file(path: str, *, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``; ``ConfigError`` for anything else.

    ``what`` names the file in messages ("plan file"); ``limit`` is the most bytes read.
    """
    try:
        return read_regular(path, limit)
    except NotARegularFile as refused:
        raise ConfigError(f"the {what} {path} is {refused}, not a regular file: not read") from None
    except TooLarge as large:
        raise ConfigError(
            f"the {what} {path} is too large ({large.size} bytes; at most {limit} are read): "
            "not read"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
