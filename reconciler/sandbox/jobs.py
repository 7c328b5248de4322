"""Building full ``JobResponse`` objects from ``JobRequest`` bodies.

A job runs to completion: on a ``schedule`` that is either a cron (``{cronjob:
{scheduled_at, timezone, arguments, entrypoint}}``, a ``CRON`` job) or lifecycle events
(``on_start``, ``on_stop``, ``on_delete``, each ``{arguments, entrypoint}``, a ``LIFECYCLE``
job); from a ``source`` that is either an image of one of the organization's registries
(``{image: {image_name, tag, registry_id}}``) or a Dockerfile in a Git repository
(``{docker: {git_repository, dockerfile_path}}``). ``PUT /job/{id}`` is a FULL replace;
``name``, ``healthchecks``, ``source`` and ``schedule`` are required; a job has no ports
and no storage (a body with either is a 400), and its type (cron or lifecycle) cannot
change. Probes reach the job on its single ``port``.

Also ``job_clone_of``. Pure functions over JSON dicts, built from the parts of
``applications`` and ``containers``; ``services`` calls them under the store's lock,
``seeded_services`` to build seeded jobs. The field order follows the spec's
``BaseJobResponse``, then ``job_type`` and ``schedule``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.applications import (
    IdFactory,
    JSONObject,
    check_resources,
    clone_of,
    git_repository_of,
    healthchecks_of,
    service_extras,
)
from reconciler.sandbox.containers import (
    Catalog,
    image_source,
    required_text,
    service_basics,
)
from reconciler.sandbox.fields import bool_field, enum_field, int_field, object_field, str_field
from reconciler.sandbox.problems import bad_request

JOB_ICON_URI = "app://qovery-console/lifecycle-job"
LIFECYCLE_EVENTS = ("on_start", "on_stop", "on_delete")
LIFECYCLE_TYPES = ("GENERIC", "TERRAFORM", "CLOUDFORMATION")
DEFAULT_TIMEZONE = "Etc/UTC"
DEFAULT_MAX_DURATION_SECONDS = 300


def configure_job(
    body: Any,
    *,
    previous: Mapping[str, Any] | None,
    environment_id: str,
    service_id: str,
    now: str,
    new_id: IdFactory,
    catalog: Catalog,
) -> JSONObject:
    """The full JobResponse that ``body`` (a JobRequest) makes; ``previous`` is the job being
    edited (None on create): it keeps the id, the creation time, the job's type and the
    deployed commit of a Dockerfile source."""
    request = object_field(body, "the request body")
    for key in ("ports", "storage"):
        if request.get(key) is not None:
            raise bad_request(f"a job has no {key}: remove {key!r} (probes use 'port')")
    prev = previous or {}
    result: JSONObject = {
        "id": service_id,
        "created_at": prev.get("created_at", now),
        "updated_at": now,
    }
    result |= service_basics(request, environment_id)
    result["max_nb_restart"] = _at_least(request, "max_nb_restart", 0, 0)
    result["max_duration_seconds"] = _at_least(
        request, "max_duration_seconds", DEFAULT_MAX_DURATION_SECONDS, 0
    )
    result["auto_preview"] = bool_field(request, "auto_preview", True)
    port = int_field(request, "port", None)
    if port is not None and not 1 <= port <= 65535:
        raise bad_request(f"port must be a port number from 1 to 65535, got {port}")
    result["port"] = port
    result["source"] = _source(request.get("source"), prev.get("source"), catalog)
    result["healthchecks"] = healthchecks_of(request.get("healthchecks"))
    result |= service_extras(request, catalog, JOB_ICON_URI)
    result["service_type"] = "JOB"
    job_type, schedule = _schedule(request.get("schedule"))
    if previous is not None and previous.get("job_type") != job_type:
        raise bad_request(f"a {previous.get('job_type')} job cannot become a {job_type} job")
    result["job_type"], result["schedule"] = job_type, schedule
    check_resources(result)
    return result


def _at_least(body: Mapping[str, Any], key: str, default: int, low: int) -> int:
    value = int_field(body, key, default)
    if value is None or value < low:
        raise bad_request(f"{key} must be at least {low}, got {value}")
    return value


def _source(body: Any, previous: Any, catalog: Catalog) -> JSONObject:
    if body is None:
        raise bad_request("source is required: {image: {...}} or {docker: {...}}")
    source = object_field(body, "source")
    given = [key for key in ("image", "docker") if source.get(key) is not None]
    if len(given) != 1:
        raise bad_request("source must hold exactly one of image, docker")
    if given == ["image"]:
        image = object_field(source["image"], "source.image")
        return {"image": image_source(image, catalog.get("registries", {}), "source.image.")}
    docker = object_field(source["docker"], "source.docker")
    if docker.get("git_repository") is None:
        raise bad_request("source.docker.git_repository is required")
    old_docker = previous.get("docker") if isinstance(previous, Mapping) else None
    old_git = old_docker.get("git_repository") if isinstance(old_docker, Mapping) else None
    result: JSONObject = {
        "git_repository": git_repository_of(docker["git_repository"], old_git),
        "dockerfile_path": str_field(docker, "dockerfile_path", "Dockerfile", "source.docker."),
    }
    raw = str_field(docker, "dockerfile_raw", None, "source.docker.")
    if raw is not None:
        result["dockerfile_raw"] = raw
    result["docker_target_build_stage"] = str_field(
        docker, "docker_target_build_stage", None, "source.docker.", nullable=True
    )
    return {"docker": result}


def _schedule(body: Any) -> tuple[str, JSONObject]:
    """The job's type and its schedule as the spec's responses hold it."""
    if body is None:
        raise bad_request("schedule is required: {cronjob: {...}} or on_start/on_stop/on_delete")
    schedule = object_field(body, "schedule")
    events = [event for event in LIFECYCLE_EVENTS if schedule.get(event) is not None]
    cron = schedule.get("cronjob")
    if cron is not None and events:
        raise bad_request("schedule holds either cronjob or lifecycle events, not both")
    if cron is not None:
        return "CRON", {"cronjob": _cronjob(object_field(cron, "schedule.cronjob"))}
    if not events:
        raise bad_request("schedule must hold cronjob or one of on_start, on_stop, on_delete")
    result: JSONObject = {
        event: _command(object_field(schedule[event], f"schedule.{event}"), f"schedule.{event}.")
        for event in events
    }
    result["lifecycle_type"] = enum_field(
        schedule, "lifecycle_type", LIFECYCLE_TYPES, "GENERIC", "schedule."
    )
    return "LIFECYCLE", result


def _cronjob(cron: Mapping[str, Any]) -> JSONObject:
    where = "schedule.cronjob."
    scheduled_at = required_text(cron, "scheduled_at", where)
    if len(scheduled_at.split()) != 5:
        raise bad_request(
            f"{where}scheduled_at must be a cron expression of 5 fields, got {scheduled_at!r}"
        )
    return _command(cron, where) | {
        "timezone": str_field(cron, "timezone", DEFAULT_TIMEZONE, where),
        "scheduled_at": scheduled_at,
    }


def _command(event: Mapping[str, Any], where: str) -> JSONObject:
    arguments = event.get("arguments") or []
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise bad_request(f"{where}arguments must be an array of strings")
    result: JSONObject = {"arguments": list(arguments)}
    entrypoint = str_field(event, "entrypoint", None, where)
    if entrypoint is not None:
        result["entrypoint"] = entrypoint
    return result


def job_clone_of(
    source: Mapping[str, Any],
    *,
    service_id: str,
    name: str,
    environment_id: str,
    now: str,
    new_id: IdFactory,
) -> JSONObject:
    """A copy of the job ``source``: the whole configuration, a fresh id, not deployed."""
    clone = clone_of(
        source, app_id=service_id, name=name, environment_id=environment_id, now=now, new_id=new_id
    )
    git = clone["source"].get("docker", {}).get("git_repository", {})
    for key in [key for key in git if key.startswith("deployed_commit_")]:
        del git[key]
    return clone
