"""Edit requests: full read-modify-write bodies that keep ids and carry everything over."""

from __future__ import annotations

from typing import Any

from helpers_planning import application

from reconciler.core.edits import edit_request
from reconciler.core.normalising import normalise

CURRENT: dict[str, Any] = application("app-1", "api", "env-1", entrypoint="/start")


def ids_by_port(body: dict[str, Any]) -> dict[int, Any]:
    return {p["internal_port"]: p.get("id") for p in body["ports"]}


def test_partial_desired_carries_every_other_field_over() -> None:
    body = edit_request(CURRENT, {"cpu": 250}, name="api", description="d")
    assert body["cpu"] == 250
    assert body["memory"] == CURRENT["memory"]
    assert body["entrypoint"] == "/start"
    assert body["arguments"] == CURRENT["arguments"]
    assert ids_by_port(body) == {p["internal_port"]: p["id"] for p in CURRENT["ports"]}
    assert body["storage"][0]["id"] == CURRENT["storage"][0]["id"]
    assert (body["name"], body["description"]) == ("api", "d")


def test_server_derived_fields_are_not_sent() -> None:
    body = edit_request(CURRENT, {}, name="api", description="")
    for key in ("id", "created_at", "environment", "maximum_cpu", "maximun_gpu", "service_type"):
        assert key not in body
    assert set(body["git_repository"]) == {"url", "provider", "branch", "root_path"}
    assert body["annotations_groups"] == [{"id": "ag-1"}]


def test_git_repository_override_merges_into_the_current_one() -> None:
    body = edit_request(
        CURRENT, {"git_repository": {"branch": "develop"}}, name="a", description=""
    )
    assert body["git_repository"]["branch"] == "develop"
    assert body["git_repository"]["url"] == CURRENT["git_repository"]["url"]


def test_ports_keep_matching_ids_new_ones_have_none_and_absent_ones_go() -> None:
    desired = {
        "ports": [
            {"internal_port": 9090, "publicly_accessible": True, "protocol": "GRPC"},
            {"internal_port": 7000, "publicly_accessible": False, "protocol": "TCP"},
        ]
    }
    body = edit_request(CURRENT, desired, name="api", description="")
    kept = next(p["id"] for p in CURRENT["ports"] if p["internal_port"] == 9090)
    assert ids_by_port(body) == {9090: kept, 7000: None}


def test_complete_desired_replaces_fields_absent_from_it() -> None:
    desired = normalise(application("src", "api", "env-0"))  # no entrypoint in the source
    body = edit_request(CURRENT, desired, name="api", description="", complete=True)
    assert "entrypoint" not in body
    assert ids_by_port(body) == {p["internal_port"]: p["id"] for p in CURRENT["ports"]}


def test_healthchecks_are_always_present() -> None:
    current = {k: v for k, v in CURRENT.items() if k != "healthchecks"}
    body = edit_request(current, {}, name="api", description="")
    assert body["healthchecks"] == {"readiness_probe": None, "liveness_probe": None}


def test_groups_from_desired_become_id_objects() -> None:
    body = edit_request(CURRENT, {"labels_groups": ["l-1", "l-2"]}, name="api", description="")
    assert body["labels_groups"] == [{"id": "l-1"}, {"id": "l-2"}]


def test_the_edit_request_normalises_back_to_the_desired_configuration() -> None:
    desired = normalise(application("src", "api", "env-0", cpu=250, memory=1024))
    body = edit_request(CURRENT, desired, name="api", description="the API", complete=True)
    assert normalise(body) == desired


def test_the_sandbox_stores_what_the_edit_request_asks_for() -> None:
    from itertools import count

    from reconciler.sandbox.applications import configure

    ids = count()
    current = application("app-1", "api", "env-1", annotations_groups=[])
    desired = normalise(application("src", "api", "env-0", cpu=250, annotations_groups=[]))
    body = edit_request(current, desired, name="api", description="the API", complete=True)
    stored = configure(
        body,
        previous=current,
        environment_id="env-1",
        app_id="app-1",
        now="t",
        new_id=lambda _: f"id-{next(ids)}",
        groups={"annotations_groups": {}, "labels_groups": {}},
    )
    assert normalise(stored) == desired
    assert [p["id"] for p in stored["ports"]] == [p["id"] for p in current["ports"]]
