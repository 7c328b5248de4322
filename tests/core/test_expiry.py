"""core.expiry, core.templating and the marker's new fields, on plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.core.expiry import (
    current_targets,
    decide,
    duration_problem,
    expires_text,
    expiring_soon,
    expiry_notes,
    parse_duration,
    parse_instant,
    remaining_text,
)
from reconciler.core.model import CloneSet, Policy, SourceApplication, TargetSelector
from reconciler.core.ownership import (
    KEEP_LINE,
    Owner,
    read_marker,
    strip_marker,
    with_marker,
)
from reconciler.core.plans import Action, Change, Endpoint, Step
from reconciler.core.templating import render, substitute, unknown_in

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [("90m", 5400), ("12h", 43200), ("7d", 604800)])
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["7 days", "7", "0h", "1.5h", "h", "-2d", "7D", ""])
def test_anything_else_is_not_a_duration(text: str) -> None:
    assert duration_problem(text) is not None
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_instants_are_dates_or_date_times_in_utc() -> None:
    assert parse_instant("2026-12-31") == datetime(2026, 12, 31, tzinfo=UTC)
    assert parse_instant("2026-12-31T18:00:00Z") == datetime(2026, 12, 31, 18, tzinfo=UTC)
    assert parse_instant("2026-12-31T19:00:00+01:00") == datetime(2026, 12, 31, 18, tzinfo=UTC)
    assert parse_instant("2026-12-31T18:00") == datetime(2026, 12, 31, 18, tzinfo=UTC)
    assert parse_instant("next friday") is None
    assert parse_instant("2026-13-01") is None


def test_remaining_time_is_said_in_days_hours_and_minutes() -> None:
    assert remaining_text(5 * 3600 + 12 * 60 + 30) == "5h 12m"
    assert remaining_text(3 * 86400 + 4 * 3600) == "3d 4h"
    assert remaining_text(7200) == "2h"
    assert remaining_text(30) == "under a minute"
    assert expires_text("2026-12-07T11:12:00Z", NOW) == "expires in 5h 12m"
    assert expires_text("2026-12-07T05:00:00Z", NOW) == "expired"
    assert expires_text(None, NOW) is None


def test_old_markers_still_read_and_new_ones_round_trip() -> None:
    old = "[managed-by: reconciler; manifest: p; source: api (s1); id: c1; applied: abc123]"
    assert read_marker(old) == Owner("p", "api", "s1", "abc123", "c1")
    owner = Owner("p", "api", "s1", "abc123", "c1", "2026-12-07T06:00:00Z", "2026-12-08T06:00:00Z")
    assert read_marker(with_marker("body", owner)) == owner


def test_the_keep_line_is_never_compared_and_survives_writes() -> None:
    owner = Owner("p", "api", "s1", "abc123", "c1")
    marked = with_marker("body", owner)
    by_hand = f"{marked}\n{KEEP_LINE}"  # added in the console, after the marker
    assert read_marker(by_hand) == owner
    assert strip_marker(by_hand) == "body"
    rewritten = with_marker(by_hand, owner, keep=True)
    assert rewritten == f"body\n{KEEP_LINE}\n{marked.splitlines()[-1]}"


def test_placeholders_render_and_braces_escape() -> None:
    values = {"app": "api", "name": "api-pr", "environment": "pr-7", "project": "shop"}
    assert substitute("{app}@{environment}/{project} {name}", values) == "api@pr-7/shop api-pr"
    assert substitute('${{PORT}} {"a": 1} {{.Status}}', values) == '${PORT} {"a": 1} {{.Status}}'
    assert render({"git_repository": {"branch": "{environment}"}, "cpu": 250}, values) == {
        "git_repository": {"branch": "pr-7"},
        "cpu": 250,
    }
    assert unknown_in("{branch}") is not None and unknown_in("{environment}") is None


def _change(action: Action = Action.NOOP, owned: bool = True) -> Change:
    endpoint = Endpoint("t1", "api", "shop", "pr-1", "e1")
    return Change("p.api[shop/pr-1]", action, "p", endpoint, endpoint, owned)


def _target(**marker: str | None) -> dict[str, object]:
    owner = Owner("p", "api", "s1", "d1", "t1", marker.get("active"), marker.get("expired"))
    description = with_marker("body", owner)
    if marker.get("keep"):
        description = f"{description}\n{KEEP_LINE}"
    return {"id": "t1", "created_at": "2026-12-01T00:00:00Z", "description": description}


TEMPORARY = Policy(expire_after=7200)


def test_a_clone_past_its_time_expires_and_its_marker_says_so() -> None:
    target = _target(active=(NOW - timedelta(hours=3)).isoformat())
    change = decide(_change(), TEMPORARY, target, "d1", NOW)
    assert change.action is Action.EXPIRE and change.steps == (Step.STOP,)
    marker = read_marker(change.description)
    assert marker is not None and marker.expired == "2026-12-07T06:00:00Z"


def test_activity_falls_back_to_created_at_for_markers_without_it() -> None:
    assert decide(_change(), TEMPORARY, _target(), "d1", NOW).action is Action.EXPIRE


def test_a_clone_within_its_time_shows_when_it_expires() -> None:
    target = _target(active="2026-12-07T05:00:00Z")
    change = decide(_change(), TEMPORARY, target, "d1", NOW)
    assert change.action is Action.NOOP and change.expires_at == "2026-12-07T07:00:00Z"


def test_a_far_future_activity_edited_by_hand_never_expires_and_never_crashes() -> None:
    target = _target(active="9999-12-31T23:00:00Z")
    change = decide(_change(), TEMPORARY, target, "d1", NOW)
    assert change.action is Action.NOOP and change.expires_at is None


def test_keep_unowned_and_permanent_clones_never_expire() -> None:
    past = (NOW - timedelta(days=3)).isoformat()
    assert (
        decide(_change(), TEMPORARY, _target(active=past, keep="y"), "d1", NOW).action
        is Action.NOOP
    )
    assert (
        decide(_change(owned=False), TEMPORARY, _target(active=past), "d1", NOW).action
        is Action.NOOP
    )
    assert decide(_change(), Policy(), _target(active=past), "d1", NOW).action is Action.NOOP


def test_an_expired_clone_stays_until_its_declaration_changes() -> None:
    target = _target(active="2026-12-01T00:00:00Z", expired="2026-12-02T00:00:00Z")
    update = _change(Action.UPDATE)
    stays = decide(update, TEMPORARY, target, "d1", NOW)
    assert stays.action is Action.NOOP and stays.reason_code is not None
    woken = decide(_change(), TEMPORARY, target, "d2", NOW)
    assert woken.action is Action.UPDATE and Step.EDIT in woken.steps


def test_targets_past_their_until_are_dropped_with_a_note() -> None:
    cloneset = CloneSet(
        name="p",
        organization="Acme",
        source_project="shop",
        source_environment="staging",
        applications=(SourceApplication("api"),),
        targets=(
            TargetSelector(None, "pr-1", until="2026-12-01"),
            TargetSelector(None, "pr-2", until="2026-12-31"),
            TargetSelector(None, "pr-3"),
        ),
    )
    (kept,), notes = current_targets([cloneset], NOW)
    assert [t.environment for t in kept.targets] == ["pr-2", "pr-3"]
    assert len(notes) == 1 and "pr-1 is past its until" in notes[0]


def test_the_clones_expiring_within_the_warning_are_the_notes_and_the_events() -> None:
    def ending(address: str, hours: float | None, action: Action = Action.NOOP) -> Change:
        end = None if hours is None else (NOW + timedelta(hours=hours)).isoformat()
        return replace(_change(action), address=address, manifest="previews", expires_at=end)

    changes = [
        ending("previews.api[shop/a]", 5),  # within the 24h of warning
        ending("previews.api[shop/b]", 24),  # at its edge: within
        ending("previews.api[shop/c]", 25),  # beyond it
        ending("previews.api[shop/d]", -1),  # already due
        ending("previews.api[shop/e]", -1, Action.EXPIRE),  # expired by this plan
        ending("previews.api[shop/f]", None),  # never expires
        replace(ending("other.api[shop/g]", 1), manifest="other"),  # no policy known
    ]
    policies = {"previews": Policy(expiry_warning=86400)}
    soon = expiring_soon(changes, policies, NOW)
    assert [(c.address, end - NOW) for c, end in soon] == [
        ("previews.api[shop/a]", timedelta(hours=5)),
        ("previews.api[shop/b]", timedelta(hours=24)),
    ]
    (note,) = expiry_notes(changes, policies, NOW)
    assert note.endswith("previews.api[shop/a] in 5h, previews.api[shop/b] in 1d")
