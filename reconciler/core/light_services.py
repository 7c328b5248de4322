"""The API's light item of a service (``ServiceLightResponse``), built from the full service.

``GET /organization/{id}/services`` answers one light item per application, container, job
and database of an organization's environments: its id, name, description (so its marker),
icon, ``service_type``, where it lives (project, environment, cluster) and a job's
``job_type``. Two places answer it without Qovery: the sandbox (from its state) and a
recorded catalog (``edges.reading``, from the recorded full listings); both build each item
here, so that they answer alike. Pure.

Neighbours: ``sandbox.organization_services``, ``edges.reading``; ``sources.owned_listings``
reads the items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def light_service(
    service: Mapping[str, Any],
    service_type: str,
    environment: Mapping[str, Any],
    project_name: str = "",
) -> dict[str, Any]:
    """``service`` (a full service of ``environment``) as a ``ServiceLightResponse``:
    ``service_type`` is the spec's (``APPLICATION``, ``CONTAINER``, ``JOB``, ``DATABASE``)."""
    project = environment.get("project")
    item: dict[str, Any] = {
        "id": service["id"],
        "name": service.get("name", ""),
        "description": service.get("description") or "",
        "icon_uri": f"app://qovery-console/{service_type.lower()}",
        "service_type": service_type,
        "project_id": project.get("id", "") if isinstance(project, Mapping) else "",
        "project_name": project_name,
        "environment_id": environment["id"],
        "environment_name": environment.get("name", ""),
        "cluster_id": environment.get("cluster_id", ""),
    }
    if service_type == "JOB" and service.get("job_type") in ("CRON", "LIFECYCLE"):
        item["job_type"] = service["job_type"]
    return item
