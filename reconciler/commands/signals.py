"""What SIGINT and SIGTERM do, in one place: stop after the calls in flight, never a 130 or 143.

``interrupting()``: while inside (``cli.main``, around every command), SIGINT and SIGTERM
both raise ``KeyboardInterrupt`` where the program is, as SIGINT alone does by default: the
command unwinds (nothing is being written: reading, planning, asking) and ``cli`` exits 1.

``stopping_on_signals(stop)``: while inside, the first SIGINT or SIGTERM sets ``stop`` (the
executor finishes the calls in flight and starts no more; reconcile's loop and the sandbox
end) and calls ``on_stop``; a second one raises ``KeyboardInterrupt``: the command unwinds
without its summary and exits 1 (a worker still finishes the call it is in). Used by
``apply`` (around the execution), ``reconcile`` (the whole loop) and ``sandbox``.

Signals reach the main thread only: in another thread (the CLI embedded by a program)
nothing is installed and the caller sets ``stop`` itself. The handlers in place before are
put back on the way out.

An interruption ends with exit 1 (``INTERRUPTED``), never 130 or 143. It is defined here,
with the signals, so that ``cli`` can name it without importing ``exits`` (which needs the
plan's types); ``exits`` lists it with the other codes.

Neighbours: ``exits`` (every other exit code), ``cli`` (``KeyboardInterrupt``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from reconciler.core.errors import ExitCode

INTERRUPTED = int(ExitCode.ERROR)
"""The exit code of a run a signal interrupted where it could not stop cleanly."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _nothing() -> None:
    pass


@contextmanager
def stopping_on_signals(
    stop: threading.Event, *, on_stop: Callable[[], None] = _nothing
) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop`` (and call ``on_stop``); a second one
    raises ``KeyboardInterrupt``."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        on_stop()

    with _handling(handle):
        yield


@contextmanager
def interrupting() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise ``KeyboardInterrupt``."""

    def handle(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    with _handling(handle):
        yield


@contextmanager
def _handling(handler: Callable[[int, FrameType | None], Any]) -> Iterator[None]:
    """``handler`` for every stop signal while inside (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
