"""The sandbox's service lifecycle over real sockets: stop, asynchronous delete, environment
statuses, and a clock that tests move (QOVERY-NOTES, "Delete and stop"); answers checked
against the real spec where it declares them."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from helpers_sandbox import app_named, client, container_body, edit_body, service_named
from test_sandbox_spec import Checker, spec

from reconciler.sandbox import RunningSandbox, start

__all__ = ["spec"]  # the spec fixture, shared with test_sandbox_spec


@pytest.fixture
def lifecycle() -> Iterator[tuple[RunningSandbox, httpx.Client]]:
    with start(deploy_seconds=0.1, delete_seconds=60) as sandbox, client(sandbox) as http:
        yield sandbox, http


def test_stop_answers_202_and_the_service_is_stopped(
    lifecycle: tuple[RunningSandbox, httpx.Client], spec: dict[str, Any]
) -> None:
    sandbox, http = lifecycle
    c = Checker(spec)
    api = app_named(sandbox, "staging", "api")
    stopped = c.check(
        "/application/{applicationId}/stop", http.post(f"/application/{api['id']}/stop")
    )
    assert stopped.status_code == 202 and stopped.json()["state"] == "STOP_QUEUED"
    sandbox.advance_clock(60)  # a stop takes time, as a deploy does
    assert http.get(f"/application/{api['id']}/status").json()["state"] == "STOPPED"
    statuses = c.check(
        "/environment/{environmentId}/statuses",
        http.get(f"/environment/{sandbox.environment_id('staging')}/statuses"),
    ).json()
    assert {s["id"]: s["state"] for s in statuses["applications"]}[api["id"]] == "STOPPED"
    frontend = service_named(sandbox, "container", "staging", "frontend")["id"]
    seed = service_named(sandbox, "job", "staging", "db-seed")["id"]
    assert {s["id"] for s in statuses["containers"]} == {frontend}  # every kind, one call
    assert seed in {s["id"] for s in statuses["jobs"]}
    http.post(f"/application/{api['id']}/deploy", json={"git_commit_id": "abc"})
    assert http.get(f"/application/{api['id']}/status").json()["state"] != "STOPPED"


def test_a_delete_stays_under_way_until_the_clock_has_moved(
    lifecycle: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = lifecycle
    web = app_named(sandbox, "staging", "web")
    assert http.delete(f"/application/{web['id']}").status_code == 204
    env = sandbox.environment_id("staging")
    listed = [a["id"] for a in http.get(f"/environment/{env}/application").json()["results"]]
    assert web["id"] in listed  # still listed after the 204
    assert http.get(f"/application/{web['id']}/status").json()["state"] == "DELETE_QUEUED"
    edit = http.put(f"/application/{web['id']}", json=edit_body(web, cpu=300))
    assert edit.status_code == 409 and "being deleted" in edit.text
    assert http.post(f"/application/{web['id']}/stop").status_code == 409
    assert http.delete(f"/application/{web['id']}").status_code == 204  # no change
    moved = http.post("/_sandbox/clock", json={"advance_seconds": 40}).json()
    assert moved["offset_seconds"] == 40
    assert http.get(f"/application/{web['id']}/status").json()["state"] == "DELETING"
    sandbox.advance_clock(21)
    assert http.get(f"/application/{web['id']}").status_code == 404
    listed = [a["id"] for a in http.get(f"/environment/{env}/application").json()["results"]]
    assert web["id"] not in listed


def test_a_container_is_deleted_as_an_application_is_and_takes_its_variables(
    lifecycle: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = lifecycle
    frontend = service_named(sandbox, "container", "staging", "frontend")
    body = {"key": "FEATURE", "value": "on", "is_secret": False}
    body |= {"variable_scope": "CONTAINER", "variable_parent_id": frontend["id"]}
    assert http.post("/variable", json=body).status_code == 201
    assert http.delete(f"/container/{frontend['id']}").status_code == 204
    assert http.get(f"/container/{frontend['id']}/status").json()["state"] == "DELETE_QUEUED"
    edit = http.put(f"/container/{frontend['id']}", json=container_body(frontend, cpu=300))
    assert edit.status_code == 409 and "being deleted" in edit.text
    sandbox.advance_clock(61)
    assert http.get(f"/container/{frontend['id']}").status_code == 404
    left = [v for v in sandbox.state()["variables"].values() if v["key"] == "FEATURE"]
    assert left == []  # gone with the container, as an application's are


def test_every_answer_is_dated_by_the_sandbox_clock(
    lifecycle: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = lifecycle
    before = parsedate_to_datetime(http.get("/organization").headers["date"])
    sandbox.advance_clock(7 * 86400)
    after = parsedate_to_datetime(http.get("/organization").headers["date"])
    assert 7 * 86400 <= (after - before).total_seconds() < 7 * 86400 + 60
    refused = http.post("/_sandbox/clock", json={"advance_seconds": -1})
    assert refused.status_code == 400 and "advance_seconds" in refused.text
    assert http.get("/_sandbox/clock").json()["offset_seconds"] == 7 * 86400
