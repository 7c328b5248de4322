"""The job kind: a cron or lifecycle job, run from an image or built from Git. Pure.

QOVERY-NOTES "Part two": the edit body is the FULL ``JobRequest`` (``name`` and
``healthchecks`` required; ``source`` and ``schedule`` kept from the observed job); a job
has no ports. Its compared fields are ``JobRequest``'s but ``name``. Two fields are shaped
here:

- ``source``: one of ``{image: {image_name, tag, registry_id}}`` (a ``JobResponse`` names
  the registry as ``registry: {id}``) and ``{docker: {git_repository, dockerfile_path,
  dockerfile_raw, docker_target_build_stage}}`` (the repository reduced as an
  application's); the null one goes;
- ``schedule``: ``cronjob`` (``timezone`` "Etc/UTC" by default) or the lifecycle events
  ``on_start`` / ``on_stop`` / ``on_delete``; an empty argument list counts as absent.

A deploy sends ``{image_tag}`` (the clone's own tag) for an image job and
``{git_commit_id}`` (the commit the source runs) for a docker job. Neighbour: ``kinds``
registers ``JOB``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reconciler.core.edits import REQUEST_SHAPES, request_git_repository
from reconciler.core.kinds.kind import ServiceKind, edit_body_of
from reconciler.core.model import JSON, Config
from reconciler.core.normalising import (
    FIELD_READS,
    FIELD_RULES,
    drop_nulls,
    normalise_arguments,
    normalise_fields,
    normalise_git_repository,
    number_from_text,
)

JOB_FIELDS = (
    "description",
    "cpu",
    "memory",
    "gpu",
    "ephemeral_storage_in_gib",
    "cpu_architecture",
    "max_nb_restart",
    "max_duration_seconds",
    "auto_preview",
    "auto_deploy",
    "port",
    "source",
    "schedule",
    "healthchecks",
    "annotations_groups",
    "labels_groups",
    "icon_uri",
)
"""The compared fields of a job: ``JobRequest``'s but ``name``."""

JOB_DEFAULTS: Mapping[str, JSON] = {
    "cpu": 500,
    "memory": 512,
    "gpu": 0,
    "max_nb_restart": 0,
    "auto_preview": True,
    "cpu_architecture": "AMD64",
}
IMAGE_FIELDS = ("image_name", "tag", "registry_id")
DOCKER_FIELDS = ("dockerfile_path", "dockerfile_raw", "docker_target_build_stage")
EVENTS = ("on_start", "on_stop", "on_delete")
DEFAULT_TIMEZONE = "Etc/UTC"


def _image(value: JSON) -> dict[str, JSON] | None:
    if not isinstance(value, Mapping):
        return None
    image = drop_nulls({key: value.get(key) for key in IMAGE_FIELDS})
    registry = value.get("registry")
    if "registry_id" not in image and isinstance(registry, Mapping) and registry.get("id"):
        image["registry_id"] = str(registry["id"])
    return image


def _docker(value: JSON, repository: Callable[[JSON], JSON]) -> dict[str, JSON] | None:
    if not isinstance(value, Mapping):
        return None
    docker = drop_nulls({key: value.get(key) for key in DOCKER_FIELDS})
    repo = repository(value.get("git_repository"))
    if repo is not None:
        docker["git_repository"] = repo
    return docker


def _source(value: JSON, repository: Callable[[JSON], JSON]) -> JSON:
    if not isinstance(value, Mapping):
        return None
    image, docker = _image(value.get("image")), _docker(value.get("docker"), repository)
    shaped = drop_nulls({"image": image, "docker": docker})
    return shaped or None


def normalise_source(value: JSON) -> JSON:
    """The job's source reduced to what a ``JobRequest`` takes; the null kind goes."""
    return _source(value, normalise_git_repository)


def source_read(value: JSON) -> JSON:
    """What ``normalise_source`` reads of a source (``field_reads``): the image's fields and
    its registry's id, the docker build's fields and its repository's (a deployed commit
    goes unread)."""
    if type(value) is not dict:
        return value
    image, docker = value.get("image"), value.get("docker")
    if type(image) is dict:
        registry = image.get("registry")
        image = {key: image.get(key) for key in IMAGE_FIELDS}
        image["registry"] = {"id": registry.get("id")} if type(registry) is dict else registry
    if type(docker) is dict:
        repository = FIELD_READS["git_repository"](docker.get("git_repository"))
        docker = {key: docker.get(key) for key in DOCKER_FIELDS}
        docker["git_repository"] = repository
    return {"image": image, "docker": docker}


def request_source(value: JSON) -> JSON:
    """The job's source in the ``JobRequest``'s shape."""
    return _source(value, request_git_repository)


def _event(value: JSON, *, cron: bool) -> dict[str, JSON] | None:
    if not isinstance(value, Mapping):
        return None
    event = drop_nulls({"entrypoint": value.get("entrypoint")})
    arguments = normalise_arguments(value.get("arguments"))
    if arguments is not None:
        event["arguments"] = arguments
    if cron:
        event["timezone"] = value.get("timezone") or DEFAULT_TIMEZONE
        if value.get("scheduled_at") is not None:
            event["scheduled_at"] = value["scheduled_at"]
    return event


def normalise_schedule(value: JSON) -> JSON:
    """The schedule: its cron or lifecycle events, nulls and empty argument lists gone."""
    if not isinstance(value, Mapping):
        return None
    schedule = drop_nulls({name: _event(value.get(name), cron=False) for name in EVENTS})
    cron = _event(value.get("cronjob"), cron=True)
    if cron is not None:
        schedule["cronjob"] = cron
    if value.get("lifecycle_type") is not None:
        schedule["lifecycle_type"] = value["lifecycle_type"]
    return schedule or None


JOB_RULES: Mapping[str, Callable[[JSON], JSON]] = {
    **FIELD_RULES,
    "max_nb_restart": number_from_text,
    "max_duration_seconds": number_from_text,
    "port": number_from_text,
    "source": normalise_source,
    "schedule": normalise_schedule,
}
JOB_SHAPES: Mapping[str, Callable[[JSON], JSON]] = {
    **REQUEST_SHAPES,
    "source": request_source,
    "schedule": normalise_schedule,
}


def normalise(config: Config, *, partial: bool = False) -> dict[str, JSON]:
    """The compared configuration of a ``JobResponse`` (or of overrides)."""
    return normalise_fields(config, JOB_FIELDS, JOB_RULES, JOB_DEFAULTS, partial=partial)


def _source_part(config: Config, part: str) -> Mapping[str, JSON]:
    source = config.get("source")
    found = source.get(part) if isinstance(source, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def git_repository(config: Config) -> Mapping[str, JSON] | None:
    """The repository and branch a job built from a Dockerfile is built from, else None."""
    repo = _source_part(config, "docker").get("git_repository")
    return repo if isinstance(repo, Mapping) else None


def deploy_version(source: Config) -> str | None:
    """What the source job runs: its image tag, or the commit its docker build deployed."""
    tag = _source_part(source, "image").get("tag")
    if tag not in (None, ""):
        return str(tag)
    repo = _source_part(source, "docker").get("git_repository")
    commit = repo.get("deployed_commit_id") if isinstance(repo, Mapping) else None
    return commit if isinstance(commit, str) and commit else None


def deploy_body(version: str, clone: Config) -> dict[str, JSON]:
    """``POST /job/{id}/deploy``: a commit for a docker job, else the clone's own tag."""
    if _source_part(clone, "docker"):
        return {"git_commit_id": version}
    tag = _source_part(clone, "image").get("tag")
    return {"image_tag": str(tag) if tag not in (None, "") else version}


JOB = ServiceKind(
    name="job",
    segment="job",
    listing="jobs",
    compared_fields=JOB_FIELDS,
    normalise=normalise,
    edit_body=edit_body_of(JOB_FIELDS, JOB_SHAPES),
    deploy_body=deploy_body,
    deploy_version=deploy_version,
    statuses="job_statuses",
    git_repository=git_repository,
    field_reads={"source": source_read},
)
