"""Slots: at most N API calls in flight, however many workers make them.

The executor runs more worker threads than ``--parallelism`` so that a worker busy between
two calls (reading an answer, building the next body, reporting progress) never leaves a
connection idle while another change is ready: the spare workers wait here, one slot each
call, and take the slot the moment a call ends. ``Slotted`` wraps a ``QoveryClient``: each
of its calls holds one of ``limit`` slots while it runs (its retries included), so that
``--parallelism N`` still means N calls in flight at most, whatever the pool's size.

A change starts only once it holds a slot (``reserve``; its first call runs in it): a
worker that waited for one while the run was stopped has made no call, and its change is
skipped, as it was when there were only as many workers as slots.

Neighbours: ``executing`` (the user), ``client`` (what is wrapped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from reconciler.edges.client import QoveryClient

SPARE_WORKERS = 1.0  # spare workers per slot: a worker away from its call never idles a slot


def worker_count(parallelism: int, tasks: int) -> int:
    """How many workers run ``tasks`` at ``parallelism`` calls in flight: the slots and as
    many spares, never more than there are tasks."""
    slots = max(1, parallelism)
    return max(1, min(tasks, slots + round(slots * SPARE_WORKERS)))


class Slotted:
    """A client whose calls hold one of ``limit`` slots each while they run; ``client`` is
    the client seen through it."""

    def __init__(self, client: QoveryClient, limit: int) -> None:
        self._client = client
        self._slots = threading.BoundedSemaphore(max(1, limit))
        self._reserved = threading.local()  # this thread holds a slot for its next call

    @property
    def client(self) -> QoveryClient:
        return cast(QoveryClient, self)

    def reserve(self) -> None:
        """Wait for a slot and hold it for this thread's next call."""
        self._slots.acquire()
        self._reserved.held = True

    def unreserve(self) -> None:
        """Give back a slot reserved and not used by a call."""
        if getattr(self._reserved, "held", False):
            self._reserved.held = False
            self._slots.release()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute
        return self._slotted(attribute)

    def _slotted(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def in_a_slot(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._reserved, "held", False):
                self._reserved.held = False  # the slot reserved: this call runs in it
            else:
                self._slots.acquire()
            try:
                return call(*args, **kwargs)
            finally:
                self._slots.release()

        return in_a_slot
