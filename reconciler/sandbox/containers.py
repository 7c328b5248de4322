"""Building full ``ContainerResponse`` objects from ``ContainerRequest`` bodies.

A container runs an image from one of the organization's container registries (the
console calls it an application "from a container registry"). ``PUT /container/{id}`` is a
FULL replace (QOVERY-NOTES, part two): every field absent from the body returns to its
default, and ``name``, ``image_name``, ``tag``, ``registry_id`` and ``healthchecks`` are
required on create and on edit alike; a ``registry_id`` that is not a registry of the
organization is a 400. Ports and storage follow the application's id rules. The GPU limit
is spelled ``maximum_gpu`` here (``maximun_gpu`` on applications).

Also the parts a job shares (``image_source``, ``required_text``, ``service_basics``).
Pure functions over JSON dicts, built from the parts of ``applications``; ``services`` calls
them under the store's lock, ``seeded_services`` to build seeded containers. The field
order follows the spec's ``ContainerResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.applications import (
    CPU_ARCHITECTURES,
    MAXIMUM_CPU,
    MAXIMUM_MEMORY,
    IdFactory,
    JSONObject,
    arguments_of,
    autoscaling_of,
    check_instances,
    check_resources,
    entries_of,
    healthchecks_of,
    port_entries,
    resources_of,
    service_extras,
    storage_entries,
)
from reconciler.sandbox.fields import (
    bool_field,
    enum_field,
    int_field,
    list_field,
    object_field,
    str_field,
)
from reconciler.sandbox.problems import bad_request

CONTAINER_ICON_URI = "app://qovery-console/container"
Catalog = Mapping[str, Mapping[str, JSONObject]]
"""An organization's catalog: ``annotations_groups``, ``labels_groups`` and ``registries``,
each by id."""


def required_text(body: Mapping[str, Any], key: str, where: str = "") -> str:
    """A required non-blank string field, or 400 naming it."""
    value = str_field(body, key, None, where)
    if value is None or not value.strip():
        raise bad_request(f"{where}{key} is required")
    return value


def image_source(
    body: Mapping[str, Any], registries: Mapping[str, JSONObject], where: str = ""
) -> JSONObject:
    """``image_name``, ``tag``, ``registry_id`` and the spec's ``registry`` details, from a
    request naming a registry of the organization (400 otherwise)."""
    image_name = required_text(body, "image_name", where)
    tag = required_text(body, "tag", where)
    registry_id = required_text(body, "registry_id", where)
    registry = registries.get(registry_id)
    if registry is None:
        raise bad_request(
            f"{where}registry_id {registry_id!r} is not a container registry of this organization"
        )
    details = {key: registry[key] for key in ("id", "name", "url", "kind")}
    return {"image_name": image_name, "tag": tag, "registry_id": registry_id, "registry": details}


def service_basics(body: Mapping[str, Any], environment_id: str) -> JSONObject:
    """From ``environment`` to ``cpu_architecture``: what containers and jobs share."""
    result: JSONObject = {
        "environment": {"id": environment_id},
        "maximum_cpu": MAXIMUM_CPU,
        "maximum_memory": MAXIMUM_MEMORY,
        "maximum_gpu": 0,
        "name": required_text(body, "name"),
        "description": str_field(body, "description", "", "") or "",
    }
    result |= resources_of(body)
    result["cpu_architecture"] = enum_field(body, "cpu_architecture", CPU_ARCHITECTURES, "AMD64")
    return result


def configure_container(
    body: Any,
    *,
    previous: Mapping[str, Any] | None,
    environment_id: str,
    service_id: str,
    now: str,
    new_id: IdFactory,
    catalog: Catalog,
) -> JSONObject:
    """The full ContainerResponse that ``body`` (a ContainerRequest) makes.

    ``previous`` is the container being edited (None on create): it keeps the id, the
    creation time and the ids of the ports and storage entries the body refers to; nothing
    else survives an edit that leaves it out.
    """
    request = object_field(body, "the request body")
    prev = previous or {}
    result: JSONObject = {
        "id": service_id,
        "created_at": prev.get("created_at", now),
        "updated_at": now,
        "storage": storage_entries(
            list_field(request, "storage"), entries_of(previous, "storage"), new_id
        ),
    }
    result |= image_source(request, catalog.get("registries", {}))
    result |= service_basics(request, environment_id)
    result["arguments"] = arguments_of(request)
    entrypoint = str_field(request, "entrypoint", None)
    if entrypoint is not None:
        result["entrypoint"] = entrypoint
    result["min_running_instances"] = int_field(request, "min_running_instances", 1)
    result["max_running_instances"] = int_field(request, "max_running_instances", 1)
    result["healthchecks"] = healthchecks_of(request.get("healthchecks"))
    result["auto_preview"] = bool_field(request, "auto_preview", True)
    result["ports"] = port_entries(
        list_field(request, "ports"), entries_of(previous, "ports"), new_id
    )
    result |= service_extras(request, catalog, CONTAINER_ICON_URI)
    result["service_type"] = "CONTAINER"
    if request.get("autoscaling") is not None:
        result["autoscaling"] = autoscaling_of(request["autoscaling"], service_id, now, new_id)
    check_resources(result)
    check_instances(result)
    return result
