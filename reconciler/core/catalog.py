"""The catalog: the raw lists read from Qovery so far, and the environments they name. Pure.

``Catalog`` holds what the pipeline's stages read (organizations; projects and environments
per organization, and, for a manifest that prunes, the organization's light listing of every
service; each kind's services per environment); ``environments_of`` turns an
organization's lists into sorted ``EnvironmentRef``s, the one way they are built (resolution
and ``reconciler ls`` both use it).

Neighbours: ``resolving`` (resolves names against it), ``edges.observing`` (fills it),
``edges.inventory``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.core.finding import Entry
from reconciler.core.finding import entry_id as _id
from reconciler.core.finding import entry_name as _name
from reconciler.core.finding import parent_id as _parent_id
from reconciler.core.model import JSON, EnvironmentRef


@dataclass(frozen=True)
class Catalog:
    """The raw API lists read so far (plain dicts of the spec's shapes)."""

    organizations: tuple[JSON, ...]
    projects: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # org id →
    environments: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # org id →
    # GET /organization/{id}/services (ServiceLightResponse), read for prune only: org id →
    services: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)
    services_refused: tuple[str, ...] = ()  # org ids whose light listing the token may not read
    applications: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # env id →
    # every kind's listings read so far (core.sources): (kind, env id) →
    listings: Mapping[tuple[str, str], tuple[JSON, ...]] = field(default_factory=dict)
    complete: bool = False  # it holds every listing there is: one it lacks is empty

    def listing(self, kind: str, env_id: str) -> tuple[JSON, ...] | None:
        """The ``kind`` services of an environment, or ``None`` when they were not read."""
        found = self.listings.get((kind, env_id))
        if found is None and kind == "application":
            found = self.applications.get(env_id)
        if found is None and self.complete and kind != "application":
            return ()
        return found


def projects_of(org: Entry, catalog: Catalog) -> list[Entry]:
    """The projects of ``org`` that ``catalog`` holds."""
    return [p for p in catalog.projects.get(_id(org), ()) if isinstance(p, Mapping)]


def environments_of(org: Entry, catalog: Catalog) -> list[EnvironmentRef]:
    """Every environment of ``org`` that ``catalog`` holds, sorted by project and name."""
    org_id = _id(org)
    project_names = {_id(p): _name(p) for p in projects_of(org, catalog)}
    return sorted(
        (
            EnvironmentRef(
                id=_id(e),
                name=_name(e),
                project_id=_parent_id(e, "project"),
                project_name=project_names.get(_parent_id(e, "project"), ""),
                organization_id=org_id,
                mode=str(e["mode"]) if e.get("mode") is not None else None,
            )
            for e in catalog.environments.get(org_id, ())
            if isinstance(e, Mapping)
        ),
        key=lambda env: (env.project_name.casefold(), env.name.casefold(), env.id),
    )
