"""The container kind: a service run from an image of a container registry. Pure.

QOVERY-NOTES "Part two": a registry-sourced "application" of the console is a CONTAINER in
the API. Its compared fields are the ``ContainerRequest`` fields but ``name``; the image is
``image_name`` + ``tag`` from ``registry_id`` (a ``ContainerResponse`` names its registry as
``registry: {id, ...}``, and maybe ``registry_id`` too: both read as ``registry_id``). The
edit body is the FULL ``ContainerRequest`` (``name``, ``registry_id``, ``image_name``,
``tag``, ``healthchecks`` required: kept from the observed container), built by
``edits.edit_request`` over these fields; a deploy sends ``{image_tag}``, the clone's own
tag. The other rules (ports, storage, probes, groups, autoscaling) are ``normalising``'s.
Neighbour: ``kinds`` registers ``CONTAINER``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.core.kinds.kind import ServiceKind, edit_body_of
from reconciler.core.model import JSON, Config
from reconciler.core.normalising import (
    COMPARED_FIELDS,
    FIELD_READS,
    FIELD_RULES,
    TOP_LEVEL_DEFAULTS,
    normalise_fields,
)

BUILT_FROM_GIT = ("git_repository", "build_mode", "dockerfile_path", "docker_target_build_stage")
CONTAINER_FIELDS = (
    "description",
    "image_name",
    "tag",
    "registry_id",
    *(field for field in COMPARED_FIELDS if field not in (*BUILT_FROM_GIT, "description")),
)
"""The compared fields of a container: ``ContainerRequest``'s but ``name``: an application's
but those of a build from Git, and the image."""

CONTAINER_DEFAULTS: Mapping[str, JSON] = {
    key: value for key, value in TOP_LEVEL_DEFAULTS.items() if key != "build_mode"
}


def registry_id_of(config: Config) -> str | None:
    """The container's registry: ``registry_id``, else the id of its ``registry`` object."""
    found = config.get("registry_id")
    if found is None and isinstance(config.get("registry"), Mapping):
        found = config["registry"].get("id")
    return str(found) if found not in (None, "") else None


def registry_read(value: JSON) -> JSON:
    """What ``registry_id_of`` reads of a ``registry`` object: its id (``field_reads``)."""
    if type(value) is not dict:
        return value
    return {key: item for key, item in value.items() if key == "id"}


def with_registry_id(config: Config) -> dict[str, JSON]:
    """``config`` with its registry as ``registry_id`` (where it names one)."""
    result = dict(config)
    registry = registry_id_of(config)
    if registry is not None:
        result["registry_id"] = registry
    return result


def normalise(config: Config, *, partial: bool = False) -> dict[str, JSON]:
    """The compared configuration of a ``ContainerResponse`` (or of overrides)."""
    return normalise_fields(
        with_registry_id(config), CONTAINER_FIELDS, FIELD_RULES, CONTAINER_DEFAULTS, partial=partial
    )


def image_tag(source: Config) -> str | None:
    """The tag the source container runs."""
    tag = source.get("tag")
    return str(tag) if tag not in (None, "") else None


def deploy_body(version: str, clone: Config) -> dict[str, JSON]:
    """``POST /container/{id}/deploy``: the clone's own tag (an override may change it)."""
    return {"image_tag": image_tag(clone) or version}


CONTAINER = ServiceKind(
    name="container",
    segment="container",
    listing="containers",
    compared_fields=CONTAINER_FIELDS,
    normalise=normalise,
    edit_body=edit_body_of(CONTAINER_FIELDS, prepare=with_registry_id),
    deploy_body=deploy_body,
    deploy_version=image_tag,
    statuses="container_statuses",
    reads_also=("registry",),  # its id is the registry_id a response may lack
    field_reads={**FIELD_READS, "registry": registry_read},
)
