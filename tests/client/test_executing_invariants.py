"""The executor's promises under faults, with a fake client and many seeded runs: every change
has one outcome, in the plan's order; a clone is made at most once and a change that is
``ok`` made its calls once; a change stopped before it started made no call; never more
than ``parallelism`` calls at once; every slot is given back, also by a change that raised
something unexpected or paused after a 409."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest

from reconciler.core.errors import AmbiguousWriteError, ConflictError
from reconciler.core.outcomes import Result
from reconciler.core.plans import Action, Change, Endpoint, Plan, Step
from reconciler.edges import executing
from reconciler.edges.slots import Slotted


class _Fake:
    """Clone, read and edit, each a short call; the first clone of a name may answer 409,
    any clone may raise a bug; ``stop`` is set at the ``stop_after``-th call."""

    def __init__(self, rng: random.Random, stop: threading.Event, stop_after: int | None) -> None:
        self.rng, self.stop, self.stop_after = rng, stop, stop_after
        self.lock = threading.Lock()
        self.in_flight = self.peak = self.calls = 0
        self.clones: Counter[str] = Counter()
        self.edits: Counter[str] = Counter()
        self.conflicted: set[str] = set()

    def _enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls += 1
            if self.calls == self.stop_after:
                self.stop.set()

    def _leave(self) -> None:
        time.sleep(self.rng.random() * 0.0005)
        with self.lock:
            self.in_flight -= 1

    def clone_service(self, kind: Any, source_id: str, name: str, env_id: str) -> dict[str, Any]:
        self._enter()
        try:
            with self.lock:
                roll = self.rng.random()
                first = name not in self.conflicted
                self.conflicted.add(name)
            if first and roll < 0.2:
                raise ConflictError("operation in progress", status=409)
            if roll > 0.95:
                raise RuntimeError("a bug")
            with self.lock:
                self.clones[name] += 1
            return {"id": f"id-{name}", "name": name, "environment": {"id": "env"}}
        finally:
            self._leave()

    def list_services(self, kind: Any, env_id: str) -> list[dict[str, Any]]:
        self._enter()
        self._leave()
        return []

    def get_service(self, kind: Any, app_id: str) -> dict[str, Any]:
        self._enter()
        self._leave()
        return {"id": app_id, "name": app_id[3:], "description": ""}

    def edit_service(self, kind: Any, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._enter()
        try:
            with self.lock:
                self.edits[app_id] += 1
            return body
        finally:
            self._leave()


def _create(index: int) -> Change:
    return Change(
        address=f"m.c{index}",
        action=Action.CREATE,
        manifest="m",
        source=Endpoint("src", "api", "p", "staging", "senv"),
        target=Endpoint(None, f"c{index}", "p", "pr", "env"),
        owned=False,
        steps=(Step.CLONE, Step.EDIT),
        desired={"cpu": 250},
        description="d",
    )


@pytest.mark.parametrize("parallelism", [1, 2, 8, 50])
def test_every_change_runs_once_and_every_slot_comes_back(
    parallelism: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executing, "CONFLICT_PAUSE", 0.001)
    made: list[Slotted] = []

    class _Kept(Slotted):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(executing, "Slotted", _Kept)
    for seed in range(12):
        rng = random.Random(seed)
        stop = threading.Event()
        fake = _Fake(rng, stop, rng.choice([None, 3, 10, 25]))
        plan = Plan.of([_create(i) for i in range(rng.choice([1, 5, 17, 40]))], api_url=None)
        outcomes = executing.execute(plan, fake, parallelism=parallelism, stop=stop).outcomes  # type: ignore[arg-type]
        assert [o.address for o in outcomes] == [c.address for c in plan.changes]
        assert fake.peak <= parallelism
        slots = made.pop()._slots  # every slot free: taken without waiting, no more
        assert all(slots.acquire(blocking=False) for _ in range(parallelism))
        assert not slots.acquire(blocking=False)
        assert max(fake.clones.values(), default=0) <= 1
        for outcome in outcomes:
            name = outcome.address.removeprefix("m.")
            if outcome.result is Result.OK:
                assert (fake.clones[name], fake.edits[f"id-{name}"]) == (1, 1), outcome
            if outcome.result is Result.SKIPPED:  # stopped before it started, or before a
                # clone with an unclear answer was sent again: nothing written either way
                assert (fake.clones[name], fake.edits[f"id-{name}"]) == (0, 0), outcome


@pytest.mark.parametrize(
    "unclear",
    [
        ConflictError("operation in progress", status=409),
        AmbiguousWriteError("the connection was dropped", method="POST", path="/clone"),
    ],
    ids=["409", "lost-answer"],
)
def test_a_clone_with_an_unclear_answer_is_not_sent_again_once_the_run_is_stopped(
    unclear: Exception,
) -> None:
    """The stop comes while the clone is on the wire and its answer is unclear (a 409, whose
    pause the stop ends, or a lost answer): the run ends after the call in flight (contract
    section 5), so the clone is read back, not sent again, and the change is skipped."""
    stop = threading.Event()
    calls: list[str] = []

    class _Unclear:
        def clone_service(self, kind: Any, source_id: str, name: str, env_id: str) -> Any:
            calls.append("clone")
            stop.set()  # SIGTERM arrives while the clone is in flight
            raise unclear

        def list_services(self, kind: Any, env_id: str) -> list[dict[str, Any]]:
            calls.append("list")
            return []

    plan = Plan.of([_create(0)], api_url=None)
    began = time.monotonic()
    (outcome,) = executing.execute(plan, _Unclear(), parallelism=2, stop=stop).outcomes  # type: ignore[arg-type]
    assert calls == ["clone", "list"]  # the read back of the unclear answer, then nothing
    assert (outcome.result, outcome.message) == (Result.SKIPPED, executing.STOPPED_BEFORE_A_RETRY)
    assert time.monotonic() - began < executing.CONFLICT_PAUSE  # the stop ended the pause
