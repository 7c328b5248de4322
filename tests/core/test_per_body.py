"""``PerBody``: a declaration's drift from, and write over, one listed body, made once and
the same as ``diffs`` makes them for each clone."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.core.declaring import compute_desired
from reconciler.core.diffs import carry_ignored, drift
from reconciler.core.per_body import PerBody

SOURCE: dict[str, Any] = {"cpu": 250, "memory": 256, "max_running_instances": 2}


def test_clones_listed_with_one_body_share_its_drift_and_its_write() -> None:
    desired = compute_desired(SOURCE, {"cpu": 500}, follow_source=True)
    body = {"cpu": 250, "memory": 256, "max_running_instances": 5}
    ignore = ("max_running_instances",)
    per_body = PerBody()
    first, again = per_body.drift(desired, body, ignore), per_body.drift(desired, body, ignore)
    assert first is again
    assert first == drift(desired.config, body, ignore=ignore, override_paths=("cpu",))
    written = per_body.written(desired, body, ignore)
    assert written is per_body.written(desired, body, ignore)
    assert written == carry_ignored(desired.config, body, ignore)
    assert written["max_running_instances"] == 5 and written["cpu"] == 500


def test_an_equal_body_of_its_own_and_another_ignore_are_worked_out_apart() -> None:
    desired = compute_desired(SOURCE, {}, follow_source=False)  # partial: nothing declared
    body = {"cpu": 250, "memory": 256}
    twin = copy.deepcopy(body)
    per_body = PerBody()
    assert per_body.drift(desired, body, ()) == per_body.drift(desired, twin, ()) == ()
    moved = {"cpu": 999, "memory": 256}
    assert per_body.written(desired, moved, ("cpu",)) == {}  # cut to what it declares
    assert per_body.written(desired, moved, ()) is not per_body.written(desired, moved, ("cpu",))
