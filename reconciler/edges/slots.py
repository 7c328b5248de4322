"""Slots: at most N API calls in flight, however many workers make them.

The executor runs more worker threads than ``--parallelism`` so that a worker busy after
its calls (reporting its change's outcome, taking the next change) never leaves a
connection idle while another change is ready: the spare workers wait here for a slot, and
take it the moment a change is done with it. ``Slotted`` wraps a ``QoveryClient``: each of
its calls holds one of ``limit`` slots while it runs (its retries included), so that
``--parallelism N`` still means N calls in flight at most, whatever the pool's size.

A change starts only once it holds a slot (``reserve``): a worker that waited for one while
the run was stopped has made no call, and its change is skipped, as it was when there were
only as many workers as slots. The change's calls then run in that slot, one after the
other (building the edit body between the read and the write holds it ~0.1 ms of a 50 ms
call), and it is given back (``unreserve``) once they are done, before the change's
outcome is reported: a slot changes hands once a change rather than once a call (each
hand-over wakes a waiting thread: CPU), and a worker held after its calls holds no slot.
``run_all`` runs the workers: each takes the next task as it finishes one.

The slots are tokens in a ``queue.SimpleQueue`` (taken and given back in C; a
``threading.BoundedSemaphore`` runs a ``Condition`` in Python for each).

Neighbours: ``executing`` (the user), ``client`` (what is wrapped).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from reconciler.edges.client import QoveryClient

T = TypeVar("T")
R = TypeVar("R")

SPARE_WORKERS = 1.0  # spare workers per slot: a worker away from its calls never idles a slot


def worker_count(parallelism: int, tasks: int) -> int:
    """How many workers run ``tasks`` at ``parallelism`` calls in flight: the slots and as
    many spares, never more than there are tasks."""
    slots = max(1, parallelism)
    return max(1, min(tasks, slots + round(slots * SPARE_WORKERS)))


def run_all(tasks: Sequence[T], work: Callable[[T], R], workers: int) -> list[R]:
    """``work(task)`` of every task, in the tasks' order, on ``workers`` threads that each
    take the next task as they finish one: no future per task, and the calling thread waits
    once for them all rather than once per task. When tasks raised, once every task has run,
    the first one's exception is raised (as ``ThreadPoolExecutor.map`` does)."""
    results: list[Any] = [None] * len(tasks)
    failures: dict[int, BaseException] = {}
    lock = threading.Lock()
    indices = iter(range(len(tasks)))

    def worker() -> None:
        while True:
            with lock:
                index = next(indices, None)
            if index is None:
                return
            try:
                results[index] = work(tasks[index])
            except BaseException as error:  # raised again in the calling thread
                failures[index] = error

    threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[min(failures)]
    return results


class Tokens:
    """``limit`` slots: ``acquire`` waits for one (or, not ``blocking``, says whether it got
    one), ``release`` gives it back."""

    def __init__(self, limit: int) -> None:
        self._free: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(limit):
            self._free.put(None)

    def acquire(self, blocking: bool = True) -> bool:
        try:
            self._free.get(blocking)
        except queue.Empty:
            return False
        return True

    def release(self) -> None:
        self._free.put(None)


class Slotted:
    """A client whose calls hold one of ``limit`` slots each while they run; ``client`` is
    the client seen through it."""

    def __init__(self, client: QoveryClient, limit: int) -> None:
        self._client = client
        self._slots = Tokens(max(1, limit))
        self._reserved = threading.local()  # this thread holds a slot for its calls

    @property
    def client(self) -> QoveryClient:
        return cast(QoveryClient, self)

    def reserve(self) -> None:
        """Wait for a slot and hold it for this thread's calls, until ``unreserve``."""
        self._slots.acquire()
        self._reserved.held = True

    def unreserve(self) -> None:
        """Give back the slot this thread reserved (a no-op when it holds none): its later
        calls each take a slot while they run."""
        if getattr(self._reserved, "held", False):
            self._reserved.held = False
            self._slots.release()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute
        slotted = self._slotted(attribute)
        setattr(self, name, slotted)  # found at once next time, without ``__getattr__``
        return slotted

    def _slotted(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def in_a_slot(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._reserved, "held", False):
                return call(*args, **kwargs)  # in the slot this thread reserved
            self._slots.acquire()
            try:
                return call(*args, **kwargs)
            finally:
                self._slots.release()

        return in_a_slot
