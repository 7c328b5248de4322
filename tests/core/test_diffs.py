"""Drift between two normalised configurations: paths, origins, ignore, keyed lists."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_planning import application

from reconciler.core.diffs import (
    above_any,
    carry_ignored,
    drift,
    is_at_or_under,
    paths_set_by,
    project_onto,
    under_any,
)
from reconciler.core.normalising import normalise
from reconciler.core.plans import DriftItem, Origin


def cfg(**fields: Any) -> dict[str, Any]:
    return normalise(application("a", "api", "e", **fields))


def test_equal_configurations_have_no_drift() -> None:
    assert drift(cfg(), cfg()) == ()


def test_a_scalar_field_drifts_with_its_values() -> None:
    assert drift(cfg(cpu=250), cfg(cpu=500)) == (DriftItem("cpu", 250, 500, Origin.SOURCE),)


def test_nested_fields_get_dotted_paths() -> None:
    base = application("a", "api", "e")
    other = application("a", "api", "e")
    other["git_repository"]["branch"] = "develop"
    items = drift(normalise(base), normalise(other))
    assert items == (DriftItem("git_repository.branch", "main", "develop", Origin.SOURCE),)


def test_port_entries_are_addressed_by_internal_port() -> None:
    base = application("a", "api", "e")
    other = application("a", "api", "e")
    other["ports"][1]["publicly_accessible"] = True
    other["ports"].reverse()
    items = drift(normalise(base), normalise(other))
    assert [i.path for i in items] == ["ports[9090].publicly_accessible"]


def test_a_missing_port_and_an_extra_one_are_whole_entries() -> None:
    base = application("a", "api", "e")
    other = application("a", "api", "e")
    other["ports"][1]["internal_port"] = 7070
    items = drift(normalise(base), normalise(other))
    assert {i.path for i in items} == {"ports[9090]", "ports[7070]"}
    by_path = {i.path: i for i in items}
    assert by_path["ports[9090]"].actual is None
    assert by_path["ports[7070]"].expected is None


def test_storage_entries_are_addressed_by_mount_point() -> None:
    base = application("a", "api", "e")
    other = application("a", "api", "e")
    other["storage"][0]["size"] = 20
    assert [i.path for i in drift(normalise(base), normalise(other))] == ["storage[/mnt/data].size"]


def test_arguments_compare_as_one_value() -> None:
    items = drift(cfg(arguments=["a", "b"]), cfg(arguments=["b", "a"]))
    assert items == (DriftItem("arguments", ["a", "b"], ["b", "a"], Origin.SOURCE),)


def test_a_field_only_on_one_side_drifts() -> None:
    items = drift(cfg(), cfg(entrypoint="/bin/sh"))
    assert items == (DriftItem("entrypoint", None, "/bin/sh", Origin.SOURCE),)


@pytest.mark.parametrize("ignored", ["cpu", "git_repository", "ports[9090]", "ports"])
def test_ignore_drops_everything_at_or_under_the_path(ignored: str) -> None:
    base = application("a", "api", "e")
    other = application("a", "api", "e", cpu=100)
    other["git_repository"]["branch"] = "x"
    other["ports"][1]["protocol"] = "TCP"
    paths = [i.path for i in drift(normalise(base), normalise(other), ignore=[ignored])]
    assert all(not is_at_or_under(path, ignored) for path in paths)
    assert len(paths) == 2


def test_origin_is_override_at_or_under_an_overridden_path() -> None:
    base = application("a", "api", "e", cpu=250)
    base["git_repository"]["branch"] = "develop"
    other = application("a", "api", "e", cpu=500, memory=1024)
    items = drift(normalise(base), normalise(other), override_paths=["cpu", "git_repository"])
    origins = {i.path: i.origin for i in items}
    assert origins == {
        "cpu": Origin.OVERRIDE,
        "git_repository.branch": Origin.OVERRIDE,
        "memory": Origin.SOURCE,
    }


def test_is_at_or_under_respects_segment_boundaries() -> None:
    assert is_at_or_under("ports[8080].x", "ports")
    assert is_at_or_under("ports[8080].x", "ports[8080]")
    assert is_at_or_under("cpu", "cpu")
    assert not is_at_or_under("cpu_architecture", "cpu")


def test_override_paths_stop_at_lists_and_probe_types() -> None:
    overrides = {
        "cpu": 1,
        "git_repository": {"branch": "x"},
        "ports": [{"internal_port": 80}],
        "healthchecks": {"readiness_probe": {"type": {"tcp": {"port": 1}}, "period_seconds": 3}},
    }
    assert set(paths_set_by(overrides)) == {
        "cpu",
        "git_repository.branch",
        "ports",
        "healthchecks.readiness_probe.type",
        "healthchecks.readiness_probe.period_seconds",
    }


def test_project_onto_keeps_only_the_desired_shape() -> None:
    observed = cfg()
    shape = {"cpu": 1, "git_repository": {"branch": "x"}}
    assert project_onto(observed, shape) == {"cpu": 500, "git_repository": {"branch": "main"}}


# ── carry_ignored: a write leaves what is ignored as it is ─────────────────────────────


def test_carry_ignored_takes_the_observed_value_at_ignored_paths_only() -> None:
    desired = {"cpu": 250, "max_running_instances": 1, "git_repository": {"branch": "main"}}
    observed = {"cpu": 999, "max_running_instances": 7, "git_repository": {"branch": "hotfix"}}
    carried = carry_ignored(desired, observed, ["max_running_instances", "git_repository.branch"])
    assert carried == {
        "cpu": 250,
        "max_running_instances": 7,
        "git_repository": {"branch": "hotfix"},
    }
    assert desired["max_running_instances"] == 1  # the input is untouched


def test_carry_ignored_follows_keyed_entries_and_absence() -> None:
    desired = {
        "ports": [
            {"internal_port": 80, "publicly_accessible": True},
            {"internal_port": 8080, "publicly_accessible": True},
        ],
        "entrypoint": "/app",
    }
    observed = {
        "ports": [
            {"internal_port": 8080, "publicly_accessible": False},
            {"internal_port": 9090, "publicly_accessible": False},
        ]
    }
    ignore = ["ports[8080].publicly_accessible", "ports[9090]", "entrypoint"]
    assert carry_ignored(desired, observed, ignore) == {
        "ports": [
            {"internal_port": 80, "publicly_accessible": True},
            {"internal_port": 8080, "publicly_accessible": False},
            {"internal_port": 9090, "publicly_accessible": False},
        ]
    }


def test_carry_ignored_keeps_the_desired_order_and_adds_ignored_keys_in_observed_order() -> None:
    """Only the keys that are ignored or hold something ignored are looked at; the others,
    the observed side's own included, are the desired side's, in its order (a key that
    holds a dot is matched as its dotted path, as ``drift`` names it)."""
    desired = {"b": 1, "cpu": 250, "a": {"x": 1, "y": 2}, "labels": {"app.io/name": "x", "o": 1}}
    observed = {"z": 9, "cpu": 999, "labels": {"app.io/name": "mine"}, "y": 5, "a": {"x": 3}}
    ignore = ["y", "cpu", "a.x", "labels.app.io/name", "z.q"]
    for _ in range(2):  # and the same once the shapes are remembered
        carried = carry_ignored(desired, observed, ignore)
        assert carried == {
            "b": 1,
            "cpu": 999,
            "a": {"x": 3, "y": 2},
            "labels": {"app.io/name": "mine", "o": 1},
            "y": 5,
        }
        assert list(carried) == ["b", "cpu", "a", "labels", "y"]
        assert list(carried["a"]) == ["x", "y"]


def test_carry_ignored_without_ignore_is_the_desired_config() -> None:
    assert carry_ignored({"cpu": 1}, {"cpu": 2}, []) == {"cpu": 1}


# ── the remembered path questions ────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "path", ["cpu", "cpu_architecture", "ports", "ports[80]", "ports[80].name", "healthchecks"]
)
def test_remembered_path_answers_are_those_of_each_prefix_whatever_was_asked_before(
    path: str,
) -> None:
    for prefixes in [(), ("cpu",), ("ports[80]",), ("ports",), ("healthchecks.liveness_probe",)]:
        assert under_any(path, prefixes) is any(is_at_or_under(path, p) for p in prefixes)
        assert above_any(path, prefixes) is any(is_at_or_under(p, path) for p in prefixes)


def test_the_same_drift_is_found_with_and_without_ignored_paths_asked_before() -> None:
    desired = {"cpu": 500, "memory": 512, "ports": [{"internal_port": 80, "name": "a"}]}
    observed = {"cpu": 250, "memory": 512, "ports": [{"internal_port": 80, "name": "b"}]}
    every = [item.path for item in drift(desired, observed)]
    assert every == ["cpu", "ports[80].name"]
    assert [item.path for item in drift(desired, observed, ignore=("cpu",))] == every[1:]
    assert [item.path for item in drift(desired, observed, ignore=("ports",))] == every[:1]
    assert [item.path for item in drift(desired, observed)] == every


def test_a_key_only_the_observed_side_has_is_drift_unless_null() -> None:
    found = drift({"cpu": 500}, {"cpu": 500, "gpu": 1, "icon_uri": None})
    assert [(item.path, item.expected, item.actual) for item in found] == [("gpu", None, 1)]
