"""The streams a command writes to and reads from, injected so that tests can capture them.

Commands never touch ``sys.stdout`` directly: they write to ``Streams.out`` (results: the
plan, the report, JSON) and ``Streams.err`` (progress, warnings, errors). ``write_utf8``
writes a large UTF-8 text (the plan document, tens of megabytes) as it is, never as one
string of the whole.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Streams:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    inp: TextIO = field(default_factory=lambda: sys.stdin)
    color: bool = False  # colour on ``out``; decided once, from --no-color, NO_COLOR and a TTY
    interactive: bool = False  # stdin is a terminal: apply may ask for confirmation
    live: bool = False  # stderr is a terminal: progress may redraw itself
    # --no-color or NO_COLOR: no escape code anywhere, colour, bold or a redrawn display
    no_color: bool = False

    @classmethod
    def from_process(cls, *, no_color: bool = False) -> Streams:
        out_tty = _isatty(sys.stdout)
        # https://no-color.org: NO_COLOR set to a non-empty value turns colour off
        plain = no_color or bool(os.environ.get("NO_COLOR"))
        # As Terraform: a prompt needs a terminal on stdin only (``apply | tee log`` asks).
        return cls(
            color=out_tty and not plain,
            interactive=_isatty(sys.stdin),
            live=_isatty(sys.stderr),
            no_color=plain,
        )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


SLICE = 1 << 20  # bytes of a large text decoded and written at a time


def write_utf8(out: TextIO, data: bytes) -> None:
    """Write ``data``, UTF-8 text, to ``out`` as ``out.write(data.decode())`` would, without
    making a string of the whole: the bytes themselves to the process's stdout when it
    encodes UTF-8 and leaves newlines as they are (POSIX), else a slice at a time, each cut
    after a newline (so never inside a character). A stream whose encoding may refuse a
    character gets the whole at once, as before: nothing written when it does."""
    if _passes_utf8_through(out):
        out.flush()  # what was written as text goes first
        out.buffer.write(data)
        if out.line_buffering:  # a terminal: out now, as a text write would be
            out.buffer.flush()
        return
    if not _takes_any_text(out):
        out.write(data.decode("utf-8"))
        return
    view, start, size = memoryview(data), 0, len(data)
    while start < size:
        end = data.find(b"\n", start + SLICE)
        end = size if end < 0 else end + 1
        out.write(str(view[start:end], "utf-8"))
        start = end


def _passes_utf8_through(out: TextIO) -> bool:
    """``out`` is the process's stdout (on POSIX it translates no newline), encoding UTF-8
    over a buffered binary stream."""
    if out is not sys.stdout or os.linesep != "\n" or not isinstance(out, io.TextIOWrapper):
        return False
    return _utf8(out.encoding) and isinstance(out.buffer, io.BufferedWriter)


def _takes_any_text(out: TextIO) -> bool:
    """``out`` keeps text as it is (``io.StringIO``: no encoding) or encodes it as UTF-8."""
    encoding = getattr(out, "encoding", None)
    return encoding is None or _utf8(encoding)


def _utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False
