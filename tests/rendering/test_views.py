"""Each command's view is chosen once from a ViewType; each class shows one output."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from helpers_planning import PREVIEW_1, application, desired, desired_clone, observed
from helpers_planning import observed_app as obs

from reconciler.core.outcomes import ApplyResult, Outcome, Result
from reconciler.core.planning import plan
from reconciler.core.plans import Action
from reconciler.rendering import views
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import ViewType

SRC = application("app-src", "api", "env-staging")
PLAN = plan(desired(desired_clone(SRC)), observed(obs(SRC)))
ADDRESS = f"previews.api[shop/{PREVIEW_1.name}]"
RESULT = ApplyResult((Outcome(ADDRESS, Action.CREATE, Result.OK, "created", 1.0, "app-1"),))


def streams() -> Streams:
    return Streams(out=io.StringIO(), err=io.StringIO())


def out(s: Streams) -> str:
    assert isinstance(s.out, io.StringIO)
    return s.out.getvalue()


@pytest.mark.parametrize(
    ("kind", "opening"),
    [
        (ViewType.HUMAN, "  + "),
        (ViewType.JSON, '{\n  "format_version"'),
        (ViewType.MARKDOWN, "<!-- reconciler:drift -->\n## "),
    ],
)
def test_the_drift_view_is_the_one_its_view_type_names(kind: ViewType, opening: str) -> None:
    s = streams()
    views.new_drift_view(kind, s).drift(PLAN)
    assert out(s).startswith(opening)


def test_the_plan_document_on_stdout_is_alone_even_when_saved() -> None:
    s = streams()
    view = views.new_plan_view(ViewType.JSON, s)
    view.plan(PLAN)
    view.saved("plan.json", sandbox=True)
    assert json.loads(out(s))["summary"]["create"] == 1


def test_the_human_plan_view_says_how_to_apply_a_saved_plan() -> None:
    s = streams()
    view = views.new_plan_view(ViewType.HUMAN, s)
    view.plan(PLAN)
    view.saved("plan.json", sandbox=True)
    assert out(s).endswith("    reconciler apply --plan plan.json --sandbox\n")


def test_the_json_apply_view_writes_the_plan_the_progress_and_the_summary_as_lines() -> None:
    s = streams()
    view = views.new_apply_view(ViewType.JSON, s)
    view.plan(PLAN)
    progress = view.progress()
    progress.finished(RESULT.outcomes[0])
    progress.close()
    view.summary(RESULT, ok=False)
    lines: list[dict[str, Any]] = [json.loads(line) for line in out(s).splitlines()]
    assert [line["event"] for line in lines] == ["plan", "finished", "summary"]
    assert lines[-1]["ok"] is False and lines[-1]["created"] == 1


def test_the_human_apply_view_keeps_progress_on_stderr_and_the_summary_on_stdout() -> None:
    s = streams()
    view = views.new_apply_view(ViewType.HUMAN, s)
    progress = view.progress()
    progress.finished(RESULT.outcomes[0])
    progress.close()
    view.summary(RESULT, ok=True)
    assert isinstance(s.err, io.StringIO)
    assert s.err.getvalue() == f"{ADDRESS}: created after 1.0s [id=app-1]\n"
    assert out(s) == "\nApply complete: 1 created, 0 updated, 0 deleted, 0 failed, 0 conflicts.\n"


@pytest.mark.parametrize("kind", [ViewType.HUMAN, ViewType.JSON])
def test_the_reconcile_log_is_json_lines_whatever_the_flags(kind: ViewType) -> None:
    s = streams()
    views.new_reconcile_view(kind, s).round_start(3)
    assert json.loads(out(s))["round"] == 3


def test_validate_json_lists_the_diagnostics() -> None:
    from reconciler.core.errors import Diagnostic, Position

    s = streams()
    views.new_validate_view(ViewType.JSON, s).invalid([Diagnostic(Position("m.yaml", 2, 3), "x")])
    assert json.loads(out(s))["diagnostics"] == [
        {"file": "m.yaml", "line": 2, "column": 3, "message": "x"}
    ]


def test_a_view_type_a_command_does_not_offer_is_a_bug_not_a_silent_fallback() -> None:
    with pytest.raises(KeyError):
        views.new_apply_view(ViewType.MARKDOWN, streams())


def test_the_markdown_plan_view_is_one_comment_behind_its_marker() -> None:
    s = streams()
    view = views.new_plan_view(ViewType.MARKDOWN, s)
    view.plan(PLAN)
    view.saved("plan.json", sandbox=False)
    assert out(s).startswith("<!-- reconciler:plan -->\n## Reconciler plan\n")
    assert "**Footprint: " in out(s) and "reconciler apply --plan" not in out(s)


def test_an_outcome_reads_the_same_in_apply_json_and_in_the_reconcile_log() -> None:
    outcome = Outcome(ADDRESS, Action.CREATE, Result.OK, "created", 1.23456, None)
    apply_out, log_out = streams(), streams()
    views.new_apply_view(ViewType.JSON, apply_out).progress().finished(outcome)
    views.new_reconcile_view(ViewType.JSON, log_out).progress(1).finished(outcome)
    finished, change = json.loads(out(apply_out)), json.loads(out(log_out))
    assert finished.pop("event") == "finished" and finished.pop("application_id") is None
    assert finished.pop("duration_s") == 1.23456 and change.pop("duration_s") == 1.235
    assert {k: change[k] for k in finished} == finished
