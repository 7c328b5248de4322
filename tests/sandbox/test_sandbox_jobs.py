"""Jobs in the sandbox, over real sockets: the seeded lifecycle job, create (cron, lifecycle,
image or Dockerfile source), full-replace edit and its refusals (ports, a type change, a
missing source or schedule), clone, deploy per source, stop, delete."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from helpers_sandbox import client, job_body, service_named

from reconciler.sandbox import RunningSandbox

JSONish = dict[str, Any]
CRON = {"cronjob": {"scheduled_at": "0 3 * * *", "arguments": ["--all"]}}
DOCKER = {
    "docker": {
        "git_repository": {"url": "https://github.com/acme/cleaner.git", "provider": "GITHUB"},
        "dockerfile_path": "jobs/Dockerfile",
    }
}


def _state_after(http: httpx.Client, url: str, state: str) -> JSONish:
    deadline = time.monotonic() + 3
    status = http.get(url).json()
    while time.monotonic() < deadline and status["state"] != state:
        time.sleep(0.02)
        status = http.get(url).json()
    return status


def test_the_demo_staging_runs_a_lifecycle_job(sandbox: RunningSandbox) -> None:
    staging = sandbox.environment_id("staging")
    with client(sandbox) as http:
        jobs = http.get(f"/environment/{staging}/job").json()["results"]
        statuses = http.get(f"/environment/{staging}/job/status").json()["results"]
    [job] = jobs
    assert (job["name"], job["job_type"], job["service_type"]) == ("db-seed", "LIFECYCLE", "JOB")
    assert job["schedule"] == {
        "on_start": {"arguments": ["--seed", "demo"]},
        "lifecycle_type": "GENERIC",
    }
    image = job["source"]["image"]
    assert (image["image_name"], image["tag"], image["registry"]["name"]) == (
        "acme/db-seed",
        "2.0.1",
        "acme-ghcr",
    )
    assert "ports" not in job and job["port"] is None and job["max_duration_seconds"] == 600
    assert [(s["id"], s["state"]) for s in statuses] == [(job["id"], "DEPLOYED")]


def test_create_a_cron_job_built_from_git_edit_and_delete_it(sandbox: RunningSandbox) -> None:
    env = sandbox.environment_id("analytics")
    body = {"name": "cleaner", "healthchecks": {}, "schedule": CRON, "source": DOCKER}
    with client(sandbox) as http:
        created = http.post(f"/environment/{env}/job", json=body)
        assert created.status_code == 201, created.text
        job = created.json()
        cron = dict(CRON["cronjob"], scheduled_at="30 4 * * 1")
        edited = http.put(f"/job/{job['id']}", json=job_body(job, schedule={"cronjob": cron}))
        deleted = http.delete(f"/job/{job['id']}")
        gone = http.get(f"/job/{job['id']}")
    assert job["job_type"] == "CRON"
    assert job["schedule"]["cronjob"] == {
        "arguments": ["--all"],
        "timezone": "Etc/UTC",
        "scheduled_at": "0 3 * * *",
    }
    docker = job["source"]["docker"]
    assert (docker["dockerfile_path"], docker["git_repository"]["name"]) == (
        "jobs/Dockerfile",
        "cleaner",
    )
    assert edited.status_code == 200
    assert edited.json()["schedule"]["cronjob"]["scheduled_at"] == "30 4 * * 1"
    assert (deleted.status_code, gone.status_code) == (204, 404)


def test_a_job_edit_is_a_full_replace(sandbox: RunningSandbox) -> None:
    job = service_named(sandbox, "job", "staging", "db-seed")
    body = {key: job_body(job)[key] for key in ("name", "healthchecks", "source", "schedule")}
    with client(sandbox) as http:
        edited = http.put(f"/job/{job['id']}", json=body)
    assert edited.status_code == 200
    assert (edited.json()["cpu"], edited.json()["max_duration_seconds"]) == (500, 300)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"ports": [{"internal_port": 80, "publicly_accessible": False}]}, "ports"),
        ({"storage": [{"type": "FAST_SSD", "size": 8, "mount_point": "/d"}]}, "storage"),
        ({"source": None}, "source"),
        ({"schedule": None}, "schedule"),
        ({"healthchecks": None}, "healthchecks"),
        ({"name": ""}, "name"),
        ({"schedule": CRON}, "cannot become"),
        ({"schedule": {"on_start": {}, **CRON}}, "not both"),
        ({"schedule": {"lifecycle_type": "GENERIC"}}, "on_start"),
        ({"source": {"image": {"image_name": "x", "tag": "1"}}}, "registry_id"),
        ({"source": {"image": {"image_name": "x", "tag": "1", "registry_id": "no"}}}, "registry"),
        ({"source": {**DOCKER, "image": {"image_name": "x"}}}, "exactly one"),
        ({"max_nb_restart": -1}, "max_nb_restart"),
        ({"port": 0}, "port"),
    ],
)
def test_invalid_job_edits_are_400(
    sandbox: RunningSandbox, changes: dict[str, object], says: str
) -> None:
    job = service_named(sandbox, "job", "staging", "db-seed")
    body = {k: v for k, v in job_body(job, **changes).items() if v is not None}
    with client(sandbox) as http:
        response = http.put(f"/job/{job['id']}", json=body)
    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert sandbox.service("job", "staging", "db-seed") == job


def test_a_cron_schedule_needs_five_fields(sandbox: RunningSandbox) -> None:
    env = sandbox.environment_id("analytics")
    bad = {"cronjob": {"scheduled_at": "every night"}}
    body = {"name": "x", "healthchecks": {}, "schedule": bad, "source": DOCKER}
    with client(sandbox) as http:
        response = http.post(f"/environment/{env}/job", json=body)
    assert response.status_code == 400 and "5 fields" in response.json()["detail"]


def test_a_job_clone_copies_the_configuration_and_description(sandbox: RunningSandbox) -> None:
    job = service_named(sandbox, "job", "staging", "db-seed")
    sandbox.edit_service_out_of_band("job", job["id"], description="seeds\n[a last line]")
    job = service_named(sandbox, "job", "staging", "db-seed")
    target = sandbox.environment_id("preview-102")
    with client(sandbox) as http:
        response = http.post(
            f"/job/{job['id']}/clone", json={"name": "db-seed", "environment_id": target}
        )
        clone = response.json()
        status = http.get(f"/job/{clone['id']}/status").json()
        taken = http.post(
            f"/job/{job['id']}/clone",
            json={"name": "FRONTEND", "environment_id": job["environment"]["id"]},
        )
    assert response.status_code == 202
    assert clone["id"] != job["id"] and clone["environment"]["id"] == target
    ignored = {"id", "created_at", "updated_at", "environment"}
    assert {k: v for k, v in clone.items() if k not in ignored} == {
        k: v for k, v in job.items() if k not in ignored
    }
    assert status["service_deployment_status"] == "NEVER_DEPLOYED"
    assert taken.status_code == 409


def test_an_image_job_deploys_at_a_tag(sandbox: RunningSandbox) -> None:
    sandbox.deploy_seconds = 0.05
    job = service_named(sandbox, "job", "staging", "db-seed")
    url = f"/job/{job['id']}"
    with client(sandbox) as http:
        refused = [
            http.post(f"{url}/deploy", json=body).status_code
            for body in ({}, {"git_commit_id": "abc"}, {"image_tag": "3", "git_commit_id": "a"})
        ]
        started = http.post(f"{url}/deploy", json={"image_tag": "2.1.0"})
        status = _state_after(http, f"{url}/status", "DEPLOYED")
        tag = http.get(url).json()["source"]["image"]["tag"]
    assert refused == [400, 400, 400]
    assert started.status_code == 202 and status["service_deployment_status"] == "UP_TO_DATE"
    assert tag == "2.1.0"


def test_a_git_job_deploys_at_a_commit_and_stops(sandbox: RunningSandbox) -> None:
    sandbox.deploy_seconds = 0.05
    env = sandbox.environment_id("analytics")
    body = {"name": "cleaner", "healthchecks": {}, "schedule": CRON, "source": DOCKER}
    with client(sandbox) as http:
        job = http.post(f"/environment/{env}/job", json=body).json()
        url = f"/job/{job['id']}"
        refused = http.post(f"{url}/deploy", json={"image_tag": "1"}).status_code
        started = http.post(f"{url}/deploy", json={"git_commit_id": "c0ffee"}).status_code
        _state_after(http, f"{url}/status", "DEPLOYED")
        git = http.get(url).json()["source"]["docker"]["git_repository"]
        stop = http.post(f"{url}/stop").status_code
        stopped = _state_after(http, f"{url}/status", "STOPPED")
    assert (refused, started, stop) == (400, 202, 202)
    assert git["deployed_commit_id"] == "c0ffee"
    assert stopped["state"] == "STOPPED"
