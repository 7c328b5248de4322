"""Normalising: each quirk of the API's configuration is levelled out, one rule at a time."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers_planning import application, fresh_clone

from reconciler.core.normalising import (
    normalise,
    normalise_groups,
    normalise_healthchecks,
    normalise_ports,
    number_from_text,
)
from reconciler.core.ownership import Owner, with_marker


def source() -> dict[str, Any]:
    return application("app-src", "api", "env-staging")


def test_a_fresh_clone_normalises_equal_to_its_source() -> None:
    src = source()
    assert normalise(fresh_clone(src, "app-new", "api", "env-other")) == normalise(src)


def test_server_derived_fields_are_dropped() -> None:
    cfg = normalise(source())
    for key in (
        "id",
        "created_at",
        "updated_at",
        "environment",
        "maximum_cpu",
        "maximun_gpu",
        "service_type",
        "name",
    ):
        assert key not in cfg
    assert set(cfg["git_repository"]) == {"url", "provider", "branch", "root_path"}
    assert all("id" not in port for port in cfg["ports"])
    assert all("id" not in entry for entry in cfg["storage"])


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("gpu", 0),
        ("auto_preview", True),
        ("min_running_instances", 1),
        ("max_running_instances", 1),
        ("build_mode", "DOCKER"),
        ("cpu", 500),
        ("memory", 512),
        ("cpu_architecture", "AMD64"),
    ],
)
def test_absent_equals_the_server_default(field: str, default: Any) -> None:
    with_default = source() | {field: default}
    absent = source()
    absent.pop(field, None)
    assert normalise(absent) == normalise(with_default)


def test_null_equals_absent() -> None:
    nulled = source() | {"dockerfile_path": None, "cpu_architecture": None, "auto_deploy": None}
    absent = source()
    for key in ("dockerfile_path", "cpu_architecture", "auto_deploy"):
        absent.pop(key, None)
    assert normalise(nulled) == normalise(absent)


def test_numbers_sent_as_strings() -> None:
    assert number_from_text("500") == 500
    assert number_from_text("-1") == -1
    assert number_from_text("1.5") == 1.5
    assert number_from_text("abc") == "abc"
    as_text = source() | {"cpu": "500", "memory": "512", "max_running_instances": "2"}
    assert normalise(as_text) == normalise(source())


def test_ports_are_keyed_by_internal_port_whatever_their_order_and_ids() -> None:
    src = source()
    shuffled = copy.deepcopy(src)
    shuffled["ports"] = list(reversed(shuffled["ports"]))
    for port in shuffled["ports"]:
        port["id"] = "another-id-" + str(port["internal_port"])
    assert normalise(shuffled) == normalise(src)
    assert [p["internal_port"] for p in normalise(src)["ports"]] == [8080, 9090]


def test_port_protocol_defaults_to_http() -> None:
    ports = normalise_ports([{"internal_port": 80, "publicly_accessible": True}])
    assert ports == [{"internal_port": 80, "publicly_accessible": True, "protocol": "HTTP"}]


def test_empty_lists_equal_absent() -> None:
    empty = source() | {"ports": [], "storage": [], "arguments": [], "labels_groups": []}
    absent = source()
    for key in ("ports", "storage", "arguments", "labels_groups"):
        absent.pop(key, None)
    assert normalise(empty) == normalise(absent)


def test_groups_are_sorted_id_sets_whatever_their_shape() -> None:
    response = [{"id": "b", "name": "x", "annotations": []}, {"id": "a", "name": "y"}]
    request = [{"id": "a"}, {"id": "b"}]
    assert normalise_groups(response) == normalise_groups(request) == ["a", "b"]


def test_probe_defaults_and_kind_defaults_fill_in() -> None:
    sparse = {"readiness_probe": {"type": {"http": {"port": 8080}}}}
    full = {
        "readiness_probe": {
            "type": {"http": {"port": 8080, "path": "/", "scheme": "HTTP"}, "tcp": None},
            "initial_delay_seconds": 30,
            "period_seconds": 10,
            "timeout_seconds": 5,
            "success_threshold": 1,
            "failure_threshold": 9,
        },
        "liveness_probe": None,
    }
    assert normalise_healthchecks(sparse) == normalise_healthchecks(full)


def test_null_probe_equals_absent_probe() -> None:
    assert normalise_healthchecks({"liveness_probe": None}) == normalise_healthchecks({})
    assert normalise_healthchecks(None) == {"readiness_probe": None, "liveness_probe": None}


def test_git_root_path_defaults_to_slash() -> None:
    repo = {"url": "https://github.com/a/b", "provider": "GITHUB", "branch": "main"}
    with_root = source() | {"git_repository": repo | {"root_path": "/"}}
    assert normalise(source() | {"git_repository": repo}) == normalise(with_root)


def test_the_marker_is_stripped_from_the_description() -> None:
    marked = source()
    marked["description"] = with_marker(marked["description"], Owner("m", "api", "app-src"))
    assert normalise(marked) == normalise(source())


def test_autoscaling_loses_ids_timestamps_and_service_id() -> None:
    policy = {
        "mode": "KEDA",
        "polling_interval_seconds": 30,
        "cooldown_period_seconds": 300,
        "scalers": [{"scaler_type": "cpu", "role": "PRIMARY", "config_json": None}],
    }
    response = {
        "id": "x",
        "created_at": "t",
        "updated_at": "t",
        "service_id": "app",
        **policy,
        "scalers": [
            {"id": "s", "created_at": "t", "enabled": True, "scaler_type": "cpu", "role": "PRIMARY"}
        ],
    }
    assert normalise({"autoscaling": response}) == normalise({"autoscaling": policy})


def test_partial_normalising_fills_no_top_level_default() -> None:
    assert normalise({"cpu": "250"}, partial=True) == {"cpu": 250}
    assert normalise({"healthchecks": {"liveness_probe": None}}, partial=True) == {
        "healthchecks": {"liveness_probe": None}
    }
