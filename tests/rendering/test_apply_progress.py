"""The progress views of apply, fed plain values: lines, JSON lines, the live display."""

from __future__ import annotations

import io
import json
import re

from reconciler.core.outcomes import Phase, Result
from reconciler.core.plans import Action, Change, Endpoint
from reconciler.edges.executing import Outcome
from reconciler.rendering.progress import JsonProgress, LineProgress, LiveProgress

CHANGE = Change(
    "previews.api[shop/preview-1]",
    Action.CREATE,
    "previews",
    Endpoint("s", "api", "shop", "staging", "e0"),
    Endpoint(None, "api", "shop", "preview-1", "e1"),
    owned=False,
)
DONE = Outcome(CHANGE.address, Action.CREATE, Result.OK, "created", 1.25, "app-1")
FAILED = Outcome(CHANGE.address, Action.CREATE, Result.FAILED, "POST …: quota (HTTP 400)", 0.5)


def test_line_view_writes_a_line_when_a_change_starts_and_when_it_ends() -> None:
    err = io.StringIO()
    view = LineProgress(err)
    view.started(CHANGE)
    view.step(CHANGE, Phase.CLONE)
    view.finished(DONE)
    view.finished(FAILED)
    assert err.getvalue().splitlines() == [
        "previews.api[shop/preview-1]: Creating...",
        "previews.api[shop/preview-1]: created after 1.2s [id=app-1]",
        "previews.api[shop/preview-1]: FAILED: POST …: quota (HTTP 400)",
    ]


def test_json_view_writes_json_lines_and_a_summary() -> None:
    out = io.StringIO()
    view = JsonProgress(out)
    view.started(CHANGE)
    view.finished(DONE)
    view.summary({"created": 1, "failed": 0}, ok=True, line="1 created")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["started", "finished", "summary"]
    assert events[1]["application_id"] == "app-1" and events[1]["result"] == "ok"
    assert events[2] == {
        "event": "summary",
        "created": 1,
        "failed": 0,
        "ok": True,
        "summary": "1 created",
    }


def test_live_view_prints_finished_changes_with_their_brackets() -> None:
    err = io.StringIO()
    view = LiveProgress(err, color=False)
    view.started(CHANGE)
    view.step(CHANGE, Phase.EDIT)
    view.finished(DONE)
    view.close()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.getvalue())
    assert "previews.api[shop/preview-1]: created after 1.2s [id=app-1]" in shown
