"""The streams a command writes to and reads from, injected so that tests can capture them.

Commands never touch ``sys.stdout`` directly: they write to ``Streams.out`` (results: the
plan, the report, JSON) and ``Streams.err`` (progress, warnings, errors).
"""

from __future__ import annotations

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
