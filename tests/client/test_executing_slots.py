"""The executor keeps ``parallelism`` calls in flight: a worker busy after its calls (here
held in a progress hook) leaves no slot idle while other changes are ready, and never more
than ``parallelism`` calls run at once. Counted in the real client's calls to the sandbox,
with a barrier (no timing: the barrier is passed only when that many calls are in flight
together)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from helpers_executing import Demo

from reconciler.core.outcomes import Outcome, Phase
from reconciler.core.plans import Change
from reconciler.edges.client import QoveryClient
from reconciler.edges.executing import execute
from reconciler.edges.slots import Slotted, run_all, worker_count
from reconciler.sandbox import RunningSandbox

TARGETS = ("preview-101", "preview-102")


@pytest.fixture
def demo(sandbox: RunningSandbox) -> Iterator[Demo]:
    demo = Demo(sandbox)
    with demo.client:
        yield demo


class _Counting(QoveryClient):
    """The real client, counting its service reads in flight. While a worker is ``held``
    (away from its calls), the first ``parallelism`` reads wait at a barrier until that many
    are in flight together; ``met`` is set once they were."""

    def __init__(self, url: str, authorization: str, parallelism: int) -> None:
        super().__init__(url, authorization, max_connections=8, backoff_base=0.001)
        self.barrier = threading.Barrier(parallelism, timeout=10)
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.met = threading.Event()
        self.waiting = 0
        self.in_flight = 0
        self.most = 0

    def get_service(self, kind: Any, service_id: str) -> dict[str, Any]:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            wait = self.held.is_set() and self.waiting < self.barrier.parties
            self.waiting += wait
        try:
            if wait:
                try:
                    self.barrier.wait()
                    self.met.set()
                except threading.BrokenBarrierError:
                    pass
            return super().get_service(kind, service_id)
        finally:
            with self.lock:
                self.in_flight -= 1


class _HoldsTheFirst:
    """Progress that holds the worker of the first finished change until the client saw
    ``parallelism`` reads in flight together (or 10 s passed)."""

    def __init__(self, client: _Counting) -> None:
        self.client = client
        self.lock = threading.Lock()
        self.first = True

    def started(self, change: Change) -> None:
        pass

    def step(self, change: Change, step: Phase) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        with self.lock:
            first, self.first = self.first, False
        if first:
            self.client.held.set()
            self.client.met.wait(timeout=10)
            self.client.held.clear()


def test_a_worker_held_between_calls_leaves_no_slot_idle(demo: Demo) -> None:
    apps = ("api", "web", "worker")
    desired = demo.desired(apps=apps, targets=TARGETS)
    execute(demo.plan(desired), demo.client)  # six clones
    plan = demo.plan(demo.desired(apps=apps, targets=TARGETS, overrides={"cpu": 500}))
    assert len(plan.changes) == 6  # six updates: a read, then a write each
    parallelism = 2
    client = _Counting(demo.sandbox.url, f"Token {demo.sandbox.token}", parallelism)
    with client:
        result = execute(plan, client, parallelism=parallelism, progress=_HoldsTheFirst(client))
    assert client.met.is_set(), "a worker held between calls left a slot idle"
    assert [o.result for o in result.outcomes] == ["ok"] * 6
    assert client.most == parallelism  # never more than --parallelism calls at once


def test_workers_are_the_slots_and_as_many_spares_never_more_than_the_tasks() -> None:
    assert worker_count(8, 2000) == 16
    assert worker_count(8, 3) == 3
    assert worker_count(0, 5) == 2
    assert worker_count(1, 0) == 1


def test_a_slotted_client_holds_at_most_its_limit_of_calls() -> None:
    inside = threading.Barrier(2, timeout=10)
    lock = threading.Lock()
    counts = {"now": 0, "most": 0}
    release = threading.Event()

    class Calls:
        def call(self) -> None:
            with lock:
                counts["now"] += 1
                counts["most"] = max(counts["most"], counts["now"])
            if counts["most"] == 2 and not inside.broken:
                inside.wait()
            release.wait(timeout=10)
            with lock:
                counts["now"] -= 1

    gated: Any = Slotted(Calls(), 2)  # type: ignore[arg-type]
    threads = [threading.Thread(target=gated.call) for _ in range(5)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert counts["most"] == 2 and counts["now"] == 0


def test_a_reserved_slot_holds_the_threads_calls_until_given_back() -> None:
    class Calls:
        def call(self) -> str:
            return "done"

    slots: Any = Slotted(Calls(), 1)  # type: ignore[arg-type]
    slots.reserve()
    assert slots.call() == "done"  # runs in the reserved slot: no second one is waited for
    assert slots.call() == "done"  # and so does the next: the change's calls share it
    assert not slots._slots.acquire(blocking=False)  # still held between the calls
    slots.unreserve()  # given back
    slots.unreserve()  # nothing held any more: a no-op
    assert slots._slots.acquire(blocking=False)  # the one slot is free
    assert not slots._slots.acquire(blocking=False)  # and there is only one
    slots._slots.release()
    assert slots.call() == "done"  # not reserved: the call takes a slot and gives it back
    assert slots._slots.acquire(blocking=False)


def test_run_all_keeps_the_tasks_order_and_runs_every_task_before_raising() -> None:
    ran: list[int] = []
    lock = threading.Lock()

    def work(task: int) -> int:
        with lock:
            ran.append(task)
        if task in (3, 7):
            raise ValueError(f"task {task}")
        return task * 10

    assert run_all(list(range(20)), lambda task: task * 10, 4) == [n * 10 for n in range(20)]
    with pytest.raises(ValueError, match="task 3"):
        run_all(list(range(20)), work, 4)
    assert sorted(ran) == list(range(20))  # every task ran, as ThreadPoolExecutor.map's do
    assert run_all([], work, 2) == []
