"""The views: text like Terraform, markdown for PRs, colour only when asked."""

from __future__ import annotations

import io
from typing import Any

from helpers_planning import PREVIEW_1, application, desired, desired_clone, fresh_clone, observed
from helpers_planning import observed_app as obs

from reconciler.core.model import Policy
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.planning import plan
from reconciler.core.plans import Plan
from reconciler.rendering import json_document, markdown, text

SRC = application("app-src", "api", "env-staging")


def drifted_plan(**clone_fields: Any) -> Plan:
    clone = fresh_clone(SRC, "app-c", "api", PREVIEW_1.id) | clone_fields
    clone["description"] = with_marker("the API", Owner("previews", "api", "app-src"))
    return plan(desired(desired_clone(SRC, overrides={"cpu": 250})), observed(obs(SRC), obs(clone)))


def render(view: Any, p: Plan, **kw: Any) -> str:
    out = io.StringIO()
    view(p, out, **kw)
    return out.getvalue()


def test_text_plan_shows_symbol_address_reason_and_summary() -> None:
    created = plan(desired(desired_clone(SRC)), observed(obs(SRC)))
    output = render(text.render_plan, created)
    assert "  + previews.api[shop/preview-1]  create: does not exist" in output
    assert (
        "Plan: 1 to create, 0 to update, 0 to delete, 0 conflicts; 0 drifted, 1 missing." in output
    )
    assert "\x1b[" not in output


def test_text_plan_shows_reported_drift_as_what_is_there_and_what_is_declared() -> None:
    output = render(text.render_plan, drifted_plan(cpu=500))
    assert (
        "  # previews.api[shop/preview-1]  drift reported, not corrected (on_drift: report)"
        in output
    )
    assert "cpu: 500, declared 250 (override)" in output
    assert "→" not in output  # nothing changes: no arrow


def test_text_plan_says_no_changes_when_there_are_none() -> None:
    output = render(text.render_plan, drifted_plan(cpu=250))
    assert output == "No changes. Every clone matches its manifest.\n"


def test_colour_only_when_asked() -> None:
    assert "\x1b[32m+\x1b[0m" in render(
        text.render_plan, plan(desired(desired_clone(SRC)), observed(obs(SRC))), color=True
    )


def test_conflicts_are_shown_with_a_bang() -> None:
    stranger = application("x", "api", PREVIEW_1.id, cpu=100)
    p = plan(desired(desired_clone(SRC, policy=Policy())), observed(obs(SRC), obs(stranger)))
    assert "  ! previews.api[shop/preview-1]  conflict:" in render(text.render_plan, p)


def test_text_drift_report_lists_drifted_and_missing() -> None:
    p = drifted_plan(cpu=500)
    output = render(text.render_drift, p)
    assert "cpu: 500, declared 250 (override)" in output
    assert output.rstrip().endswith("Drift: 1 drifted, 0 missing.")


def test_markdown_escapes_pipes_in_cells() -> None:
    p = drifted_plan(cpu=500, entrypoint="a|b")
    output = render(markdown.render_plan, p)
    assert '| `entrypoint` | `"a\\|b"` | `(absent)` | source |' in output
    assert "**Plan: 0 to create" in output


def test_markdown_drift_lists_missing_clones() -> None:
    p = plan(desired(desired_clone(SRC)), observed(obs(SRC)))
    output = render(markdown.render_drift, p)
    assert "- `previews.api[shop/preview-1]`" in output
    assert "**Drift: 0 drifted, 1 missing.**" in output


def test_json_view_writes_the_plan_document() -> None:
    output = render(json_document.render_plan, drifted_plan(cpu=500))
    assert '"format_version": "1"' in output
    assert '"origin": "override"' in output


def test_the_footprint_rounds_halves_of_a_gib_away_from_zero() -> None:
    from reconciler.core.plans import Footprint
    from reconciler.rendering.formatting import footprint_line

    grown = footprint_line(Footprint(cpu_millicores=2250, memory_mb=2304, instances=3))
    assert grown == "Footprint: +2.25 vCPU, +2.3 GiB, +3 instances"
    freed = footprint_line(Footprint(cpu_millicores=-500, memory_mb=-2304, instances=-1))
    assert freed == "Footprint: -0.50 vCPU, -2.3 GiB, -1 instance"


def test_a_plan_reads_the_same_written_a_batch_at_a_time(monkeypatch: Any) -> None:
    sources = [application(f"app-{n}", f"api-{n}", "env-staging") for n in range(4)]
    clones = (desired_clone(source, overrides={"cpu": 250}) for source in sources)
    made = plan(desired(*clones), observed(*(obs(source) for source in sources)))
    whole = render(text.render_plan, made, verbose=True)
    assert whole.count("  + previews.api-") == 4
    monkeypatch.setattr(text, "BATCH", 1)  # a write after each change
    assert render(text.render_plan, made, verbose=True) == whole
