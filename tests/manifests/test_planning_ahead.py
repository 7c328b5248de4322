"""The pipeline plans ahead (``edges.planning_ahead``): over every golden case, the plan made
as the listings arrive is the plan ``planning.plan`` makes once every listing is read."""

from __future__ import annotations

import contextlib
import gc

import pytest
from test_golden import API_URL, CASES, GOLDEN

from reconciler.core.planning import plan
from reconciler.edges.reading import RecordedReader
from reconciler.pipeline import _observe, collecting_cycles_after, load


@pytest.mark.parametrize("parallelism", [1, 8])
@pytest.mark.parametrize("case", CASES)
def test_the_plan_made_ahead_is_the_plan_made_after_every_listing(
    case: str, parallelism: int
) -> None:
    folder = GOLDEN / case
    with contextlib.chdir(folder):
        clonesets = load(["manifests"])
    reader = RecordedReader.from_file(folder / "catalog.json")
    observation, ahead = _observe(reader, clonesets, parallelism=parallelism, ahead=True)
    assert ahead is not None, "nothing was planned ahead"
    made = ahead.plan(observation.observed, api_url=API_URL)
    after = plan(observation.desired, observation.observed, api_url=API_URL, now=ahead.now)
    assert made == after


def test_the_cycle_collector_is_paused_while_planning_and_on_again_after() -> None:
    seen: list[bool] = []

    @collecting_cycles_after()
    def planning(fail: bool) -> None:
        with collecting_cycles_after():  # nested: still paused after the inner one ends
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("a plan that fails")

    assert gc.isenabled()
    planning(False)
    with pytest.raises(ValueError):
        planning(True)
    assert gc.isenabled() and seen == [False, False, False, False]
    with collecting_cycles_after():
        made = [[n] for n in range(10_000)]
    # what was made is in the oldest generation, not left to a pass over the youngest
    assert any(obj is made for obj in gc.get_objects(generation=2))
    assert gc.get_freeze_count() == 0
    gc.disable()  # a caller that had paused it keeps it paused
    try:
        planning(False)
        assert not gc.isenabled()
    finally:
        gc.enable()
