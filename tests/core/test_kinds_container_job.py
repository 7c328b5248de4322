"""The container and job kinds (core.kinds.container, core.kinds.job), on plain data: their
normalisation (a fresh clone never shows drift from its source, whatever the source holds),
their full edit bodies (the request's required fields kept from the observed service) and
their deploy bodies."""

from __future__ import annotations

from typing import Any

from reconciler.core.kinds import CONTAINER, JOB
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.prechecks import refused_values

REGISTRY = "0c000000-0000-4000-8000-000000000001"

CONTAINER_SOURCE: dict[str, Any] = {
    "id": "c1",
    "created_at": "2026-01-01T00:00:00Z",
    "name": "web",
    "description": "the web front",
    "image_name": "acme/web",
    "tag": "1.4.2",
    "registry": {"id": REGISTRY, "name": "docker hub", "kind": "DOCKER_HUB", "url": "x"},
    "cpu": 250,
    "memory": 256,
    "gpu": 0,
    "maximum_cpu": 4000,
    "maximum_memory": 8192,
    "maximum_gpu": 0,
    "min_running_instances": 1,
    "max_running_instances": 2,
    "arguments": ["--port", "3000"],
    "entrypoint": None,
    "auto_preview": True,
    "ports": [{"id": "p1", "internal_port": 3000, "publicly_accessible": True, "is_default": True}],
    "healthchecks": {"readiness_probe": None, "liveness_probe": None},
    "environment": {"id": "e1"},
    "icon_uri": "app://qovery-console/container",
    "service_type": "CONTAINER",
}


def a_fresh_clone_of(original: dict[str, Any], /, **changes: Any) -> dict[str, Any]:
    """What Qovery answers for a clone: new ids, server fields as it pleases."""
    clone = {**original, "id": "c2", "name": "web-pr1", "created_at": "2026-02-02T00:00:00Z"}
    clone["environment"] = {"id": "e2"}
    return {**clone, **changes}


def test_a_fresh_container_clone_shows_no_drift_whatever_the_source_holds() -> None:
    clone = a_fresh_clone_of(
        CONTAINER_SOURCE,
        registry_id=REGISTRY,  # one answer names it both ways, the other only as an object
        cpu="250",
        ports=[
            {
                "id": "p9",
                "internal_port": "3000",
                "publicly_accessible": True,
                "is_default": True,
                "protocol": "HTTP",
            }
        ],
        arguments=["--port", "3000"],
        description=with_marker("the web front", Owner("previews", "web", "c1", "c2")),
    )
    assert CONTAINER.normalise(clone) == CONTAINER.normalise(CONTAINER_SOURCE)
    assert CONTAINER.normalise(CONTAINER_SOURCE)["registry_id"] == REGISTRY
    assert "maximum_cpu" not in CONTAINER.normalise(CONTAINER_SOURCE)


def test_a_container_override_normalises_only_what_it_gives() -> None:
    assert CONTAINER.normalise({"tag": "pr-7", "cpu": "500"}, partial=True) == {
        "tag": "pr-7",
        "cpu": 500,
    }


def test_the_container_edit_body_is_a_full_container_request() -> None:
    desired = CONTAINER.normalise({**CONTAINER_SOURCE, "tag": "pr-7"})
    body = CONTAINER.edit_body(CONTAINER_SOURCE, desired, name="web-pr1", description="d")
    for required in ("name", "registry_id", "image_name", "tag", "healthchecks"):
        assert required in body
    assert body["tag"] == "pr-7" and body["registry_id"] == REGISTRY
    assert body["ports"][0]["id"] == "p1"  # kept: the port is updated, not recreated
    assert "registry" not in body and "maximum_cpu" not in body and "id" not in body


def test_a_partial_container_edit_keeps_the_required_fields_from_the_observed_one() -> None:
    body = CONTAINER.edit_body(CONTAINER_SOURCE, {"cpu": 1000}, name="web-pr1", description="")
    assert (body["image_name"], body["tag"], body["registry_id"]) == ("acme/web", "1.4.2", REGISTRY)
    assert body["cpu"] == 1000


def test_a_container_deploys_its_own_tag() -> None:
    assert CONTAINER.deploy_version(CONTAINER_SOURCE) == "1.4.2"
    assert CONTAINER.deploy_body("1.4.2", {"tag": "pr-7"}) == {"image_tag": "pr-7"}
    assert CONTAINER.deploy_body("1.4.2", {}) == {"image_tag": "1.4.2"}


JOB_SOURCE: dict[str, Any] = {
    "id": "j1",
    "created_at": "2026-01-01T00:00:00Z",
    "name": "seed",
    "description": None,
    "job_type": "LIFECYCLE",
    "cpu": 500,
    "memory": 512,
    "gpu": 0,
    "maximum_cpu": 4000,
    "maximum_memory": 8192,
    "maximum_gpu": 0,
    "max_nb_restart": 0,
    "max_duration_seconds": 300,
    "auto_preview": True,
    "port": None,
    "source": {
        "image": {"image_name": "acme/seed", "tag": "2.0", "registry": {"id": REGISTRY}},
        "docker": None,
    },
    "schedule": {
        "on_start": {"arguments": ["seed"], "entrypoint": None},
        "on_stop": None,
        "on_delete": None,
        "lifecycle_type": "GENERIC",
    },
    "healthchecks": {},
    "environment": {"id": "e1"},
    "icon_uri": "app://qovery-console/lifecycle-job",
    "service_type": "JOB",
}

CRON_SOURCE: dict[str, Any] = {
    **JOB_SOURCE,
    "job_type": "CRON",
    "source": {
        "docker": {
            "git_repository": {
                "url": "https://github.com/acme/jobs.git",
                "provider": "GITHUB",
                "branch": "main",
                "deployed_commit_id": "abc123",
                "owner": "acme",
                "has_access": True,
            },
            "dockerfile_path": "Dockerfile",
        }
    },
    "schedule": {"cronjob": {"scheduled_at": "0 3 * * *", "arguments": []}},
}


def test_a_fresh_job_clone_shows_no_drift_whatever_the_source_holds() -> None:
    clone = a_fresh_clone_of(
        JOB_SOURCE,
        source={"image": {"image_name": "acme/seed", "tag": "2.0", "registry_id": REGISTRY}},
        schedule={"on_start": {"arguments": ["seed"]}, "lifecycle_type": "GENERIC"},
        max_duration_seconds="300",
        healthchecks={"readiness_probe": None, "liveness_probe": None},
    )
    assert JOB.normalise(clone) == JOB.normalise(JOB_SOURCE)
    cron_clone = a_fresh_clone_of(
        CRON_SOURCE,
        schedule={"cronjob": {"scheduled_at": "0 3 * * *", "timezone": "Etc/UTC"}},
    )
    assert JOB.normalise(cron_clone) == JOB.normalise(CRON_SOURCE)
    assert JOB.normalise(CRON_SOURCE)["source"] == {
        "docker": {
            "dockerfile_path": "Dockerfile",
            "git_repository": {
                "url": "https://github.com/acme/jobs.git",
                "provider": "GITHUB",
                "branch": "main",
                "root_path": "/",
            },
        }
    }


def test_the_job_edit_body_is_a_full_job_request_without_ports() -> None:
    desired = JOB.normalise({**CRON_SOURCE, "schedule": {"cronjob": {"scheduled_at": "0 4 * * *"}}})
    body = JOB.edit_body(CRON_SOURCE, desired, name="nightly-pr1", description="d", complete=True)
    assert body["name"] == "nightly-pr1" and "healthchecks" in body
    assert body["schedule"] == {"cronjob": {"scheduled_at": "0 4 * * *", "timezone": "Etc/UTC"}}
    assert body["source"]["docker"]["git_repository"] == {
        "url": "https://github.com/acme/jobs.git",
        "provider": "GITHUB",
        "branch": "main",
        "root_path": "/",
    }
    assert "ports" not in body and "job_type" not in body and "maximum_cpu" not in body


def test_a_partial_job_edit_keeps_source_and_schedule_from_the_observed_job() -> None:
    body = JOB.edit_body(JOB_SOURCE, {"memory": 1024}, name="seed-pr1", description="")
    assert body["source"] == {
        "image": {"image_name": "acme/seed", "tag": "2.0", "registry_id": REGISTRY}
    }
    assert body["schedule"]["on_start"] == {"arguments": ["seed"]}
    assert body["memory"] == 1024


def test_a_job_deploys_its_tag_or_the_commit_its_source_runs() -> None:
    assert JOB.deploy_version(JOB_SOURCE) == "2.0"
    assert JOB.deploy_version(CRON_SOURCE) == "abc123"
    image_clone = JOB.normalise({**JOB_SOURCE, "source": {"image": {"tag": "pr-7"}}})
    assert JOB.deploy_body("2.0", image_clone) == {"image_tag": "pr-7"}
    assert JOB.deploy_body("abc123", JOB.normalise(CRON_SOURCE)) == {"git_commit_id": "abc123"}
    assert JOB.deploy_version({"source": {}}) is None


def test_each_kind_derives_its_own_paths() -> None:
    assert CONTAINER.list_path("e1") == "/environment/e1/container"
    assert CONTAINER.deploy_path("c1") == "/container/c1/deploy"
    assert JOB.clone_path("j1") == "/job/j1/clone"
    assert JOB.statuses_path("e1") == "/environment/e1/job/status"
    assert (CONTAINER.listing, JOB.listing) == ("containers", "jobs")


def test_an_image_without_a_registry_is_refused_at_plan_time() -> None:
    no_registry = {k: v for k, v in CONTAINER_SOURCE.items() if k != "registry"}
    desired = CONTAINER.normalise(no_registry)
    assert "registry" in refused_values(desired, no_registry, {})
    assert refused_values(CONTAINER.normalise(CONTAINER_SOURCE), CONTAINER_SOURCE, {}) == ""
    image_job = JOB.normalise({**JOB_SOURCE, "source": {"image": {"image_name": "x", "tag": "1"}}})
    assert "source.image.registry_id" in refused_values(image_job, JOB_SOURCE, {})
    assert refused_values(JOB.normalise(CRON_SOURCE), CRON_SOURCE, {}) == ""
