"""Contract 16 over plain data: the footprint of a plan's changes, the fields a create lists,
and the clone-safety warnings of what a clone declares or inherits."""

from __future__ import annotations

from helpers_planning import (
    PREVIEW_1,
    application,
    desired,
    desired_clone,
    fresh_clone,
    observed,
    observed_app,
)

from reconciler.core.clone_safety import dotted, risky_settings, values_naming
from reconciler.core.footprints import change_of, running
from reconciler.core.model import Policy
from reconciler.core.plan_documents import to_document
from reconciler.core.planning import plan
from reconciler.core.plans import Action, Footprint, Origin

SRC = application("app-src", "api", "env-staging", auto_preview=False, auto_deploy=False)


def test_one_application_weighs_its_resources_times_its_minimum_instances() -> None:
    assert running({"cpu": 250, "memory": 256, "min_running_instances": 2}) == Footprint(
        500, 512, 2
    )
    assert running({"cpu": 250, "memory": 256, "min_running_instances": 0}) == Footprint()
    assert change_of(None, None) == Footprint()


def test_a_create_adds_what_its_clone_runs_at_min_running_instances() -> None:
    overrides = {"cpu": 250, "min_running_instances": 3, "max_running_instances": 3}
    clone = desired_clone(SRC, overrides=overrides)
    (change,) = plan(desired(clone), observed(observed_app(SRC))).changes
    assert change.action is Action.CREATE
    assert change.footprint == Footprint(750, 512 * 3, 3)


def test_a_partial_create_counts_the_source_fields_it_does_not_override() -> None:
    clone = desired_clone(SRC, overrides={"cpu": 100}, policy=Policy(follow_source=False))
    (change,) = plan(desired(clone), observed(observed_app(SRC))).changes
    assert change.footprint == Footprint(100, 512, 1)  # memory and instances: the source's


def test_an_update_changes_the_footprint_by_the_difference_and_a_delete_removes_it() -> None:
    stranger = application("app-x", "api", PREVIEW_1.id, cpu=1000, memory=512)
    clone = desired_clone(SRC, policy=Policy(adopt=True), overrides={"memory": 1024})
    result = plan(desired(clone), observed(observed_app(SRC), observed_app(stranger)))
    (change,) = result.changes
    assert change.footprint == Footprint(-500, 512, 0)
    assert result.footprint == change.footprint
    assert to_document(result)["footprint"] == {
        "cpu_millicores": -500,
        "memory_mb": 512,
        "instances": 0,
    }


def test_a_create_lists_every_field_with_where_its_value_comes_from() -> None:
    clone = desired_clone(SRC, overrides={"memory": 192, "git_repository": {"branch": "dev"}})
    (change,) = plan(desired(clone), observed(observed_app(SRC))).changes
    fields = {u.path: (u.before, u.after, u.origin) for u in change.updates}
    assert fields["memory"] == (None, 192, Origin.OVERRIDE)
    assert fields["git_repository.branch"] == (None, "dev", Origin.OVERRIDE)
    assert fields["cpu"] == (None, 500, Origin.SOURCE)
    assert fields["ports[8080].publicly_accessible"] == (None, True, Origin.SOURCE)


def test_risky_settings_of_a_clone() -> None:
    on = {"auto_preview": True, "auto_deploy": True}
    assert [key for key, _ in risky_settings(on, follow_source=True)] == [
        "auto_preview",
        "auto_deploy",
    ]
    assert [key for key, _ in risky_settings(on, follow_source=False)] == ["auto_preview"]
    assert risky_settings({"auto_preview": False}, follow_source=True) == ()


def test_values_naming_the_source_environment_are_found_as_words_at_their_path() -> None:
    overrides = {
        "git_repository": {"branch": "staging"},
        "arguments": ["--db", "postgres.staging.internal"],
        "entrypoint": "/bin/stagingarea",  # not the word
    }
    found = [(dotted(path), needle) for path, needle in values_naming(overrides, ("staging",))]
    assert found == [("git_repository.branch", "staging"), ("arguments[1]", "staging")]


def test_a_clone_inheriting_auto_preview_and_auto_deploy_is_warned_once_per_application() -> None:
    risky = application("app-risky", "web", "env-staging", auto_preview=True, auto_deploy=True)
    clones = desired(desired_clone(risky), desired_clone(risky, name="web-2"))
    result = plan(clones, observed(observed_app(risky)))
    messages = [w.message for w in result.warnings]
    assert len(messages) == 2 and all(m.startswith("previews: web: auto_") for m in messages)
    assert not any(w.is_error for w in result.warnings)


def test_overriding_the_risky_settings_silences_the_warnings() -> None:
    risky = application("app-risky", "web", "env-staging", auto_preview=True, auto_deploy=True)
    safe = {"auto_preview": False, "auto_deploy": False}
    result = plan(desired(desired_clone(risky, overrides=safe)), observed(observed_app(risky)))
    assert result.warnings == ()


def test_an_override_holding_the_source_environment_id_is_warned() -> None:
    clone = desired_clone(SRC, overrides={"arguments": ["--env", "env-staging"]})
    result = plan(desired(clone), observed(observed_app(SRC)))
    (warning,) = result.warnings
    assert "override arguments[1] holds the source environment's name or id" in warning.message


def test_an_existing_fresh_clone_is_not_weighed_when_nothing_is_written() -> None:
    clone_app = fresh_clone(SRC, "app-c", "api", PREVIEW_1.id)
    result = plan(
        desired(desired_clone(SRC, policy=Policy(adopt=True))),
        observed(observed_app(SRC), observed_app(clone_app)),
    )
    assert result.footprint == Footprint()
