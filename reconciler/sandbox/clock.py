"""The sandbox's clock: the machine's, moved by tests (``POST /_sandbox/clock``).

Everything that happens in time in the sandbox (deployments, deletes, ``created_at``, the
``Date`` header of every answer) reads this clock, so a test moves time forward rather than
sleeping, and the reconciler, which takes "now" from the API's ``Date`` header, sees the same
time as the sandbox. The offset lives in the serving process (a ``--state`` file shared by
several sandboxes does not share it).
"""

from __future__ import annotations

import threading
import time


class SandboxClock:
    """The machine's time plus an offset that only ever grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0); the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def describe(self) -> dict[str, float]:
        with self._lock:
            offset = self._offset
        return {"now": time.time() + offset, "offset_seconds": offset}
