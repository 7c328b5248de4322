"""Review probes: the ``applied`` digest of the ownership marker, and ``carry_ignored``."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from helpers_planning import (
    PREVIEW_1,
    desired,
    desired_clone,
    fresh_clone,
    observed,
    observed_app,
)
from helpers_planning import (
    application as api_application,
)

from reconciler.core.declaring import compute_desired, declared_digest
from reconciler.core.diffs import carry_ignored
from reconciler.core.ownership import Owner, read_marker, with_marker
from reconciler.core.planning import plan
from reconciler.core.plans import Action, Change

SRC = api_application("app-src", "api", "env-staging")


def only(changes: tuple[Change, ...] | list[Change]) -> Change:
    assert len(changes) == 1
    return changes[0]


def digest_of(source: dict[str, Any], ignore: tuple[str, ...], **overrides: Any) -> str:
    return declared_digest(compute_desired(source, overrides, follow_source=True), ignore)


# ── the digest: ignored fields count for neither ─────────────────────────────────────────


def test_a_nested_ignored_field_of_the_source_leaves_the_digest_as_it_is() -> None:
    moved = copy.deepcopy(SRC)
    moved["git_repository"]["branch"] = "release"
    ignore = ("git_repository.branch",)
    assert digest_of(moved, ignore) == digest_of(SRC, ignore)
    assert digest_of(moved, ()) != digest_of(SRC, ())


def test_an_ignored_port_field_leaves_the_digest_as_it_is() -> None:
    moved = copy.deepcopy(SRC)
    moved["ports"][0]["publicly_accessible"] = False
    ignore = ("ports[8080].publicly_accessible",)
    assert digest_of(moved, ignore) == digest_of(SRC, ignore)
    assert digest_of(moved, ("ports[9090]",)) != digest_of(SRC, ("ports[9090]",))


def test_an_ignored_description_leaves_the_digest_as_it_is() -> None:
    moved = SRC | {"description": "another text"}
    assert digest_of(moved, ("description",)) == digest_of(SRC, ("description",))
    assert digest_of(moved, ()) != digest_of(SRC, ())


def test_the_digest_does_not_depend_on_the_order_of_the_apis_keys() -> None:
    reordered = dict(reversed(list(SRC.items())))
    reordered["git_repository"] = dict(reversed(list(SRC["git_repository"].items())))
    assert digest_of(reordered, ()) == digest_of(SRC, ())


def test_a_nested_ignored_source_change_does_not_apply_drift_made_in_the_console() -> None:
    """Only the console's cpu edit differs; on_drift: report must leave it reported."""
    ignore = ("git_repository.branch",)
    recorded = read_marker(
        only(
            plan(desired(desired_clone(SRC, ignore=ignore)), observed(observed_app(SRC))).changes
        ).description
    )
    assert recorded is not None and recorded.applied
    clone = fresh_clone(SRC, "app-c", "api", PREVIEW_1.id)
    clone["description"] = with_marker(clone["description"], recorded)
    clone["cpu"] = 999  # an edit in the console
    moved = copy.deepcopy(SRC)
    moved["git_repository"]["branch"] = "release"  # ignored
    apps = observed(observed_app(moved), observed_app(clone))
    change = only(plan(desired(desired_clone(moved, ignore=ignore)), apps).changes)
    assert (change.action, change.steps) == (Action.NOOP, ())
    assert [(item.path, item.actual) for item in change.drift] == [("cpu", 999)]


# ── a marker copied from an owned source ─────────────────────────────────────────────────


def test_a_copied_marker_is_known_as_copied_after_the_source_is_applied_again() -> None:
    """Clone of a clone, interrupted before marking; the source's own manifest then rewrote
    only the source's description (so its digest moved): still an interrupted create."""
    upstream = Owner("staging", "api", "app-origin", "aaaaaaaaaaaa")
    source = SRC | {"description": with_marker("the API", upstream)}
    target = fresh_clone(source, "app-c", "api", PREVIEW_1.id)
    source["description"] = with_marker("the API", dataclasses.replace(upstream, applied="b" * 12))
    apps = observed(observed_app(source), observed_app(target))
    change = only(plan(desired(desired_clone(source, manifest="previews")), apps).changes)
    assert (change.action, change.reason) == (Action.UPDATE, "finishing an interrupted create")
    owner = read_marker(change.description)
    assert owner is not None and owner.manifest == "previews"


# ── carry_ignored: the write body ───────────────────────────────────────────────────────


def _normal(app: dict[str, Any]) -> dict[str, Any]:
    return dict(compute_desired(app, {}, follow_source=True).config)


def test_an_ignored_port_field_keeps_the_clones_value_and_the_rest_is_desired() -> None:
    want = _normal(SRC | {"cpu": 300})
    clone = copy.deepcopy(SRC)
    clone["ports"][0]["publicly_accessible"] = False
    clone["ports"][1]["name"] = "renamed"
    have = _normal(clone)
    written = carry_ignored(want, have, ("ports[8080].publicly_accessible",))
    ports = {port["internal_port"]: port for port in written["ports"]}
    assert ports[8080]["publicly_accessible"] is False
    assert ports[9090]["name"] == "p9090"
    assert written["cpu"] == 300


def test_an_ignored_port_the_clone_lacks_is_left_out_and_one_it_has_is_kept() -> None:
    want = _normal(SRC)
    clone = copy.deepcopy(SRC)
    clone["ports"] = [clone["ports"][1], {"internal_port": 7000, "publicly_accessible": False}]
    have = _normal(clone)
    written = carry_ignored(want, have, ("ports[8080]", "ports[7000]"))
    keys = sorted(port["internal_port"] for port in written["ports"])
    assert keys == [7000, 9090]


def test_an_ignored_probe_timing_keeps_the_clones_value() -> None:
    want = _normal(SRC)
    clone = copy.deepcopy(SRC)
    clone["healthchecks"]["readiness_probe"]["period_seconds"] = 60
    clone["healthchecks"]["readiness_probe"]["type"]["http"]["path"] = "/other"
    written = carry_ignored(want, _normal(clone), ("healthchecks.readiness_probe.period_seconds",))
    probe = written["healthchecks"]["readiness_probe"]
    assert probe["period_seconds"] == 60
    assert probe["type"]["http"]["path"] == "/ready"


def test_an_ignored_field_absent_from_the_clone_is_absent_from_the_write() -> None:
    want = _normal(SRC)
    clone = {k: v for k, v in SRC.items() if k != "arguments"}
    written = carry_ignored(want, _normal(clone), ("arguments",))
    assert "arguments" not in written
    assert "arguments" in want
