"""Observing: read what Qovery holds, in as few sequential steps as the API allows.

Observing only reads, through a ``reading.Reader`` (the client, or a recorded catalog). The
reads happen in three stages; the calls of one stage run in parallel (bounded by
``--parallelism``), and between stages ``pipeline`` asks the pure ``core.resolving`` what the
next one must read::

    1. GET /organization                                   read_organizations()
    2. per organization: GET …/project, GET …/environments read_containers()
    3. per environment: GET /environment/{id}/application  read_environments()
       (+ …/application/status where a manifest deploys)

So a run costs 1 + 2·organizations + environments (+ environments again for statuses)
requests, whatever the number of applications or targets, and its wall time is about three
round trips plus ⌈requests ÷ parallelism⌉ of them. Each application listing is normalised
and fingerprinted in the thread that waited for it, while the other listings are still on
the wire. A listing that fails stops the run: an error is never taken for an empty
environment (contract section 3).

Neighbours: ``reading`` (the Reader) below, ``pipeline`` above (it resolves in between),
``staleness`` (uses ``fetch_all``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from reconciler.core.fingerprints import fingerprint
from reconciler.core.kinds import APPLICATION
from reconciler.core.model import JSON, ObservedApplication, ObservedState
from reconciler.core.normalising import normalise
from reconciler.core.resolving import Catalog
from reconciler.edges.reading import Reader

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class EnvironmentListings:
    """What stage 3 read: each environment's applications, and their statuses if asked."""

    applications: Mapping[str, tuple[JSON, ...]]  # environment id →
    observed: ObservedState


def fetch_all(keys: Iterable[K], fetch: Callable[[K], V], *, parallelism: int) -> dict[K, V]:
    """Call ``fetch`` for every key, ``parallelism`` at a time; the first error wins.

    On the first failure the calls not yet started are cancelled and the error is raised,
    so a failed listing is never mistaken for an empty one.
    """
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    if len(unique) == 1 or parallelism <= 1:
        return {key: fetch(key) for key in unique}
    with ThreadPoolExecutor(max_workers=min(parallelism, len(unique))) as pool:
        futures: dict[Future[V], K] = {pool.submit(fetch, key): key for key in unique}
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            error = future.exception()
            if error is not None:
                for other in pending:
                    other.cancel()
                raise error
        return {futures[f]: f.result() for f in futures}


def read_organizations(reader: Reader) -> tuple[JSON, ...]:
    """Stage 1: every organization the token may see."""
    return tuple(reader.list_organizations())


def read_containers(
    reader: Reader,
    organizations: Sequence[JSON],
    org_ids: Sequence[str],
    *,
    parallelism: int = 8,
) -> Catalog:
    """Stage 2: the projects and the environments of each of ``org_ids``, in parallel."""
    readers = {
        "projects": reader.list_projects,
        "environments": reader.list_organization_environments,
    }

    def read_org(key: tuple[str, str]) -> list[Any]:
        kind, org_id = key
        return readers[kind](org_id)

    keys = [(kind, org) for org in org_ids for kind in readers]
    lists = fetch_all(keys, read_org, parallelism=parallelism)
    return Catalog(
        organizations=tuple(organizations),
        projects={org: tuple(lists[("projects", org)]) for org in org_ids},
        environments={org: tuple(lists[("environments", org)]) for org in org_ids},
    )


def read_environments(
    reader: Reader, env_ids: Sequence[str], *, statuses: bool, parallelism: int = 8
) -> EnvironmentListings:
    """Stage 3: the applications of each of ``env_ids`` (and their statuses), in parallel."""
    env_readers: dict[str, Callable[[str], list[Any]]] = {
        "applications": partial(reader.list_services, APPLICATION)
    }
    if statuses:
        env_readers["statuses"] = reader.list_application_statuses

    derived: dict[str, tuple[Any, str | None]] = {}

    def read_env(key: tuple[str, str]) -> list[Any]:
        kind, env_id = key
        listing = env_readers[kind](env_id)
        if kind == "applications":  # while other listings are still on the wire
            derived.update((app["id"], derive(app)) for app in listing)
        return listing

    env_lists = fetch_all(
        [(kind, env) for env in env_ids for kind in env_readers], read_env, parallelism=parallelism
    )
    applications = {env: env_lists[("applications", env)] for env in env_ids}
    status_lists = {env: env_lists[("statuses", env)] for env in env_ids if statuses}
    return EnvironmentListings(
        applications={env: tuple(apps) for env, apps in applications.items()},
        observed=observed_state(applications, status_lists, derived),
    )


def derive(app: Mapping[str, Any]) -> tuple[Any, str | None]:
    """An application's normalised configuration and fingerprint, computed once."""
    normalised = normalise(app)
    return normalised, fingerprint(app, normalised=normalised)


def observed_state(
    applications: dict[str, list[Any]],
    statuses: dict[str, list[Any]] | None = None,
    derived: Mapping[str, tuple[Any, str | None]] | None = None,
) -> ObservedState:
    """Wrap raw application listings (and optional status listings) as an ObservedState.

    ``derived`` maps application ids to ``derive(app)``, where the observer computed it.
    """
    by_env: dict[str, tuple[ObservedApplication, ...]] = {}
    for env_id, apps in applications.items():
        listed = [s for s in (statuses or {}).get(env_id, []) if isinstance(s, dict)]
        status_of = {s.get("id"): s.get("service_deployment_status") for s in listed}
        state_of = {s.get("id"): s.get("state") for s in listed}
        by_env[env_id] = tuple(
            ObservedApplication(
                id=str(app["id"]),
                name=str(app.get("name", "")),
                environment_id=env_id,
                config=app,
                deployment_status=status_of.get(app["id"]),
                state=state_of.get(app["id"]),
                normalised=(derived or {}).get(app["id"], (None, None))[0],
                fingerprint=(derived or {}).get(app["id"], (None, None))[1],
            )
            for app in apps
        )
    return ObservedState(applications=by_env)
