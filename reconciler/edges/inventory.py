"""Reading the inventory: every service of the manifests' organizations (``reconciler ls``).

Contract section 17. Stage by stage, each at the client's parallelism: the organizations;
their projects and environments (``observing.read_containers``); one listing per kind
(applications, containers, jobs) per environment; then one ``GET
/environment/{id}/statuses`` for each environment holding a clone the manifests own (its
state and deployment status). An organization a manifest names that does not exist is a
``ResolutionError``, as in ``plan``. Nothing is written.

Neighbours: ``core.inventory`` (which services are owned, their expiry),
``commands.ls`` (the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler.core.catalog import environments_of
from reconciler.core.errors import ResolutionError
from reconciler.core.inventory import Listed, OwnedClone, Status, owned_clones
from reconciler.core.kinds import KINDS, LISTED, kind_named
from reconciler.core.model import CloneSet, EnvironmentRef
from reconciler.core.resolving import resolve_organizations
from reconciler.edges.observing import fetch_all, read_containers, read_organizations
from reconciler.edges.reading import Reader
from reconciler.edges.states import STATUS_LISTS


def read_inventory(
    reader: Reader, clonesets: Sequence[CloneSet], *, parallelism: int = 8
) -> tuple[OwnedClone, ...]:
    """The clones ``clonesets`` own, wherever they are in their organizations."""
    listed_orgs = read_organizations(reader)
    organizations = resolve_organizations(clonesets, listed_orgs)
    if organizations.problems:
        raise ResolutionError(organizations.problems)
    catalog = read_containers(reader, listed_orgs, organizations.ids, parallelism=parallelism)
    entries = {str(e.get("id")): e for e in organizations.entries if e is not None}
    environments = {
        env.id: env for entry in entries.values() for env in environments_of(entry, catalog)
    }
    listed = _listings(reader, environments, parallelism)
    policies = {cloneset.name: cloneset.policy for cloneset in clonesets}
    owned = owned_clones(listed, policies, {})
    read_statuses: Callable[[str], Any] | None = getattr(reader, "environment_statuses", None)
    if read_statuses is None or not owned:  # a recorded catalog: no states
        return owned
    with_clones = tuple(dict.fromkeys(clone.environment_id for clone in owned))
    answers = fetch_all(with_clones, read_statuses, parallelism=parallelism)
    return owned_clones(listed, policies, _statuses(answers))


def _listings(
    reader: Reader, environments: Mapping[str, EnvironmentRef], parallelism: int
) -> list[Listed]:
    keys = [(kind, env_id) for env_id in environments for kind in KINDS]

    def read(key: tuple[str, str]) -> list[Any]:
        kind, env_id = key
        return reader.list_services(kind_named(kind, LISTED), env_id)

    lists = fetch_all(keys, read, parallelism=parallelism)
    return [
        Listed(environments[env_id], kind, service)
        for (kind, env_id), services in lists.items()
        for service in services
        if isinstance(service, Mapping)
    ]


def _statuses(answers: Mapping[str, Any]) -> dict[str, Status]:
    found: dict[str, Status] = {}
    for answer in answers.values():
        for key in STATUS_LISTS:
            entries = answer.get(key) if isinstance(answer, Mapping) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, Mapping) and entry.get("id") is not None:
                    found[str(entry["id"])] = Status(
                        _text(entry.get("state")), _text(entry.get("service_deployment_status"))
                    )
    return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
