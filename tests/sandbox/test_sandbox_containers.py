"""Containers in the sandbox, over real sockets: the seeded registry and container, listing,
create, full-replace edit, clone, deploy at a tag, stop, delete, names unique across kinds,
and the plain reads of the hierarchy."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from helpers_sandbox import app_named, client, container_body, edit_body, service_named

from reconciler.core.ownership import Owner, read_marker, with_marker
from reconciler.sandbox import RunningSandbox


def _wait_for(http: httpx.Client, url: str, state: str) -> set[str]:
    """Poll ``url`` (a status) until ``state``; every state seen on the way."""
    seen: set[str] = set()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and state not in seen:
        seen.add(http.get(url).json()["state"])
        time.sleep(0.02)
    return seen


def test_the_demo_staging_runs_a_container_from_the_seeded_registry(
    sandbox: RunningSandbox,
) -> None:
    staging = sandbox.environment_id("staging")
    with client(sandbox) as http:
        acme = http.get("/organization").json()["results"][0]["id"]
        registries = http.get(f"/organization/{acme}/containerRegistry").json()["results"]
        containers = http.get(f"/environment/{staging}/container").json()["results"]
        statuses = http.get(f"/environment/{staging}/container/status").json()["results"]
    assert [(r["name"], r["kind"], r["url"]) for r in registries] == [
        ("acme-ghcr", "GITHUB_CR", "https://ghcr.io")
    ]
    [frontend] = containers
    assert (frontend["name"], frontend["image_name"], frontend["tag"]) == (
        "frontend",
        "acme/frontend",
        "1.4.2",
    )
    assert frontend["registry_id"] == registries[0]["id"] == frontend["registry"]["id"]
    assert (frontend["cpu"], frontend["memory"], frontend["service_type"]) == (
        250,
        256,
        "CONTAINER",
    )
    assert frontend["maximum_gpu"] == 0 and "maximun_gpu" not in frontend
    assert [p["internal_port"] for p in frontend["ports"]] == [80]
    assert [(s["id"], s["state"]) for s in statuses] == [(frontend["id"], "DEPLOYED")]
    assert sandbox.services("container", "production") == []


def test_create_get_edit_delete_a_container(sandbox: RunningSandbox) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    env = sandbox.environment_id("analytics")
    body = container_body(frontend, name="dashboard", ports=[], description="charts")
    with client(sandbox) as http:
        created = http.post(f"/environment/{env}/container", json=body)
        assert created.status_code == 201, created.text
        container = created.json()
        assert http.get(f"/container/{container['id']}").json() == container
        edited = http.put(
            f"/container/{container['id']}", json=container_body(container, tag="2.0", cpu=500)
        )
        assert edited.status_code == 200
        assert (edited.json()["tag"], edited.json()["cpu"]) == ("2.0", 500)
        assert http.delete(f"/container/{container['id']}").status_code == 204
        assert http.get(f"/container/{container['id']}").status_code == 404
        assert http.get(f"/environment/{env}/container").json()["results"] == []
    assert (container["description"], container["environment"]["id"]) == ("charts", env)


def test_a_container_edit_is_a_full_replace(sandbox: RunningSandbox) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    required = {
        key: frontend[key] for key in ("name", "image_name", "tag", "registry_id", "healthchecks")
    }
    with client(sandbox) as http:
        response = http.put(f"/container/{frontend['id']}", json=required)
    edited = response.json()
    assert response.status_code == 200
    assert (edited["cpu"], edited["memory"], edited["ports"], edited["arguments"]) == (
        500,
        512,
        [],
        [],
    )
    assert edited["healthchecks"] == frontend["healthchecks"]


@pytest.mark.parametrize("missing", ["name", "image_name", "tag", "registry_id", "healthchecks"])
def test_a_container_edit_without_a_required_field_is_400(
    sandbox: RunningSandbox, missing: str
) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    body = container_body(frontend)
    del body[missing]
    with client(sandbox) as http:
        response = http.put(f"/container/{frontend['id']}", json=body)
    assert response.status_code == 400
    assert missing in response.json()["detail"]
    assert sandbox.service("container", "staging", "frontend") == frontend


@pytest.mark.parametrize(
    "changes",
    [
        {"registry_id": "nope"},
        {"cpu": 16001},
        {"tag": ""},
        {"ports": [{"internal_port": 80}]},
        {"min_running_instances": 2, "max_running_instances": 1},
        {"arguments": [1]},
    ],
)
def test_invalid_container_edits_are_400(
    sandbox: RunningSandbox, changes: dict[str, object]
) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    with client(sandbox) as http:
        response = http.put(
            f"/container/{frontend['id']}", json=container_body(frontend, **changes)
        )
    assert response.status_code == 400 and response.json()["detail"]
    assert sandbox.service("container", "staging", "frontend") == frontend


def test_a_container_clone_copies_the_configuration_with_fresh_ids(
    sandbox: RunningSandbox,
) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    target = sandbox.environment_id("preview-101")
    with client(sandbox) as http:
        response = http.post(
            f"/container/{frontend['id']}/clone",
            json={"name": "frontend", "environment_id": target},
        )
        clone = response.json()
        status = http.get(f"/container/{clone['id']}/status").json()
    assert response.status_code == 202
    assert clone["id"] != frontend["id"] and clone["environment"]["id"] == target
    assert clone["ports"][0]["id"] != frontend["ports"][0]["id"]
    ignored = {"id", "created_at", "updated_at", "environment", "ports"}
    assert {k: v for k, v in clone.items() if k not in ignored} == {
        k: v for k, v in frontend.items() if k not in ignored
    }
    assert status["service_deployment_status"] == "NEVER_DEPLOYED"


def test_a_console_copy_of_an_owned_container_keeps_its_description_verbatim(
    sandbox: RunningSandbox,
) -> None:
    frontend = service_named(sandbox, "container", "staging", "frontend")
    owner = Owner("previews", "frontend", frontend["id"], "ab12", "0b7e")
    description = with_marker("The shop's front end.", owner)
    sandbox.edit_service_out_of_band("container", frontend["id"], description=description)
    qa = sandbox.environment_id("qa", project="data")
    with client(sandbox) as http:
        response = http.post(
            f"/container/{frontend['id']}/clone", json={"name": "front-copy", "environment_id": qa}
        )
    assert response.status_code == 202, response.text
    copy = service_named(sandbox, "container", "qa", "front-copy")
    assert copy["description"] == description and read_marker(copy["description"]) == owner


def _taken(http: httpx.Client, sandbox: RunningSandbox, name: str) -> list[httpx.Response]:
    """Every way of giving a service of staging the name ``name``."""
    staging = sandbox.environment_id("staging")
    frontend = service_named(sandbox, "container", "staging", "frontend")
    web = app_named(sandbox, "staging", "web")
    clone = {"name": name, "environment_id": staging}
    return [
        http.post(f"/environment/{staging}/container", json=container_body(frontend, name=name)),
        http.post(f"/container/{frontend['id']}/clone", json=clone),
        http.put(f"/container/{frontend['id']}", json=container_body(frontend, name=name)),
        http.post(f"/application/{web['id']}/clone", json=clone),
        http.put(f"/application/{web['id']}", json=edit_body(web, name=name)),
    ]


@pytest.mark.parametrize("name", ["api", "Worker", "DB-SEED"])
def test_names_are_unique_across_applications_containers_and_jobs(
    sandbox: RunningSandbox, name: str
) -> None:
    before = sandbox.state()
    with client(sandbox) as http:
        answers = _taken(http, sandbox, name)
    assert [r.status_code for r in answers] == [409] * len(answers)
    assert all("already exists" in r.json()["detail"] for r in answers)
    after = sandbox.state()
    assert (after["applications"], after["containers"]) == (
        before["applications"],
        before["containers"],
    )


def _stepped(sandbox: RunningSandbox, http: httpx.Client, url: str) -> list[str]:
    """The states of a deploy or stop of 30 s, stepped through by the sandbox's clock."""
    seen = [http.get(url).json()["state"]]
    for _ in range(2):  # half the action queued, the other half under way
        sandbox.advance_clock(16)
        seen.append(http.get(url).json()["state"])
    return seen


def test_a_container_deploys_at_a_tag_and_stops(sandbox: RunningSandbox) -> None:
    sandbox.deploy_seconds = 30  # stepped through by the sandbox's clock, not by sleeping
    frontend = service_named(sandbox, "container", "staging", "frontend")
    url = f"/container/{frontend['id']}"
    with client(sandbox) as http:
        assert http.post(f"{url}/deploy", json={}).status_code == 400
        assert http.post(f"{url}/deploy", json={"git_commit_id": "abc"}).status_code == 400
        started = http.post(f"{url}/deploy", json={"image_tag": "1.5.0"})
        busy = http.post(f"{url}/deploy", json={"image_tag": "1.5.0"})
        deployed = _stepped(sandbox, http, f"{url}/status")
        tag = http.get(url).json()["tag"]
        stop = http.post(f"{url}/stop")
        stopped = _stepped(sandbox, http, f"{url}/status")
        again = http.post(f"{url}/stop")
    assert started.status_code == 202 and started.json()["state"] == "QUEUED"
    assert busy.status_code == 409
    assert deployed == ["QUEUED", "DEPLOYING", "DEPLOYED"] and tag == "1.5.0"
    assert stop.status_code == 202 and stop.json()["status_details"]["action"] == "STOP"
    assert [stop.json()["state"], *stopped] == ["STOP_QUEUED", "STOP_QUEUED", "STOPPING", "STOPPED"]
    assert again.status_code == 409


def test_an_application_stops_too(sandbox: RunningSandbox) -> None:
    sandbox.deploy_seconds = 0.05
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        assert http.post(f"/application/{api['id']}/stop").status_code == 202
        stopped = _wait_for(http, f"/application/{api['id']}/status", "STOPPED")
        redeploy = http.post(f"/application/{api['id']}/deploy", json={"git_commit_id": "c0ffee"})
        deployed = _wait_for(http, f"/application/{api['id']}/status", "DEPLOYED")
        unknown = http.post("/container/nope/stop")
    assert "STOPPED" in stopped and "DEPLOYED" in deployed
    assert redeploy.status_code == 202 and unknown.status_code == 404


def test_plain_reads_of_what_the_sandbox_holds(sandbox: RunningSandbox) -> None:
    staging = sandbox.environment_id("staging")
    frontend = service_named(sandbox, "container", "staging", "frontend")
    job = service_named(sandbox, "job", "staging", "db-seed")
    with client(sandbox) as http:
        env = http.get(f"/environment/{staging}").json()
        project = http.get(f"/project/{env['project']['id']}").json()
        org = http.get(f"/organization/{env['organization']['id']}").json()
        reads: dict[str, Any] = {
            "container": http.get(f"/container/{frontend['id']}").json(),
            "job": http.get(f"/job/{job['id']}").json(),
        }
        missing = [
            http.get(f"/{kind}/nope").status_code
            for kind in ("organization", "project", "environment", "container", "job")
        ]
    assert (env["name"], project["name"], org["name"]) == ("staging", "shop", "Acme")
    assert project["associated_environments_count"] == 5
    assert reads == {"container": frontend, "job": job}
    assert missing == [404] * 5
