"""Observing: read what Qovery holds, in as few sequential steps as the API allows.

Observing only reads, through a ``reading.Reader`` (the client, or a recorded catalog). The
reads happen in stages; the calls of one stage run in parallel (bounded by
``--parallelism``), and between stages ``pipeline`` asks the pure ``core.resolving`` (and
``core.sources``) what the next one must read::

    1. GET /organization                                   read_organizations()
    2. per organization: GET …/project, GET …/environments read_containers()
       (+ GET …/services, where a manifest prunes)
    3. per (kind, environment): GET /environment/{id}/{kind} read_listings()
       (+ …/{kind}/status where a manifest deploys), repeated while a lookup needs more

A manifest of applications reads stage 3 once, applications only: a run costs 1 +
2·organizations + environments (+ environments again for statuses) requests, whatever the
number of applications or targets. A source entry that names a container or a job without
``kind:`` adds a stage for the source environment's containers and jobs, then one for the
target environments' listings of the kinds found; each (kind, environment) is read once.
Each listing is normalised (by its kind) and fingerprinted in the thread that waited for it,
while the other listings are still on the wire; a body the listings share is normalised once
(``core.derivations``). A listing that fails stops the run: an
error is never taken for an empty environment (contract section 3).

Neighbours: ``reading`` (the Reader) below, ``pipeline`` above (it resolves in between),
``staleness`` (uses ``fetch_all``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from reconciler.core.catalog import Catalog
from reconciler.core.derivations import Derivations
from reconciler.core.errors import ForbiddenError
from reconciler.core.fingerprints import fingerprint
from reconciler.core.kinds import APPLICATION, KINDS, LISTED, Normaliser, kind_named
from reconciler.core.model import JSON, ObservedApplication, ObservedState
from reconciler.edges.reading import Reader

K = TypeVar("K")
V = TypeVar("V")


def fetch_all(keys: Iterable[K], fetch: Callable[[K], V], *, parallelism: int) -> dict[K, V]:
    """Call ``fetch`` for every key, ``parallelism`` at a time; the first error wins.

    On the first failure the calls not yet started are cancelled and the error is raised,
    so a failed listing is never mistaken for an empty one.
    """
    unique = list(dict.fromkeys(keys))
    found = dict(fetch_each(unique, fetch, parallelism=parallelism))
    return {key: found[key] for key in unique}


def fetch_each(
    keys: Iterable[K], fetch: Callable[[K], V], *, parallelism: int
) -> Iterator[tuple[K, V]]:
    """``fetch_all``'s calls, each (key, answer) yielded in the caller's thread as soon as it
    is in (in the order they finish), so that the caller works while the others are on the
    wire; the first error is raised, the calls not yet started cancelled."""
    unique = list(dict.fromkeys(keys))
    if len(unique) <= 1 or parallelism <= 1:
        yield from ((key, fetch(key)) for key in unique)
        return
    with ThreadPoolExecutor(max_workers=min(parallelism, len(unique))) as pool:
        futures: dict[Future[V], K] = {pool.submit(fetch, key): key for key in unique}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:  # an error, or a caller that stopped: nothing more is started
            for future in futures:
                future.cancel()


def read_organizations(reader: Reader) -> tuple[JSON, ...]:
    """Stage 1: every organization the token may see."""
    return tuple(reader.list_organizations())


def read_containers(
    reader: Reader,
    organizations: Sequence[JSON],
    org_ids: Sequence[str],
    *,
    parallelism: int = 8,
    services_of: Sequence[str] = (),
) -> Catalog:
    """Stage 2: the projects and the environments of each of ``org_ids``, and the light
    listing of the services of each of ``services_of`` (the organizations of the manifests
    that prune: ``core.sources.owned_listings``), all in parallel. A light listing the token
    may not read (403) is left out and named in ``services_refused``: pruning goes on without
    it, as before it was read, and the plan says so (``resolving``)."""
    readers = {
        "projects": reader.list_projects,
        "environments": reader.list_organization_environments,
        "services": reader.list_organization_services,
    }

    def read_org(key: tuple[str, str]) -> list[Any] | None:
        kind, org_id = key
        if kind != "services":
            return readers[kind](org_id)
        try:
            return readers[kind](org_id)
        except ForbiddenError:
            return None  # a token not allowed this listing: pruning by kind goes without

    keys = [(kind, org) for org in org_ids for kind in ("projects", "environments")]
    keys += [("services", org) for org in services_of]
    lists = fetch_all(keys, read_org, parallelism=parallelism)
    light = {org: lists[("services", org)] for org in services_of}
    return Catalog(
        organizations=tuple(organizations),
        projects={org: tuple(lists[("projects", org)] or ()) for org in org_ids},
        environments={org: tuple(lists[("environments", org)] or ()) for org in org_ids},
        services={org: tuple(found) for org, found in light.items() if found is not None},
        services_refused=tuple(org for org, found in light.items() if found is None),
    )


@dataclass(frozen=True)
class Listings:
    """Stage 3's reads: (kind, environment id) → that kind's services (and statuses), with
    each service's ``derive`` result by id."""

    services: Mapping[tuple[str, str], tuple[JSON, ...]]
    statuses: Mapping[tuple[str, str], tuple[JSON, ...]]
    derived: Mapping[str, tuple[Any, str | None]]

    def merged(self, other: Listings) -> Listings:
        """Both reads: a later stage adds listings, never reads one again."""
        return Listings(
            {**self.services, **other.services},
            {**self.statuses, **other.statuses},
            {**self.derived, **other.derived},
        )

    def observed(
        self, made: Mapping[str, tuple[ObservedApplication, ...]] | None = None
    ) -> ObservedState:
        """Every listed service of every kind, by environment; ``made``: the environments
        whose services were made already (``observed_in``, planning ahead), taken as made."""
        made = made or {}
        by_env: dict[str, list[ObservedApplication]] = {}
        for (kind, env_id), services in self.services.items():
            if kind not in KINDS:  # listed only to name it (core.kinds.unsupported)
                continue
            found = by_env.setdefault(env_id, [])
            if env_id not in made:
                statuses = self.statuses.get((kind, env_id))
                found.extend(observed_services(kind, env_id, services, statuses, self.derived))
        return ObservedState(
            applications={
                env: made[env] if env in made else tuple(found) for env, found in by_env.items()
            }
        )

    def observed_in(self, env_id: str, kinds: Iterable[str]) -> tuple[ObservedApplication, ...]:
        """The listed services of one environment, of ``kinds`` in that order."""
        found: list[ObservedApplication] = []
        for kind in kinds:
            services = self.services.get((kind, env_id))
            if services is not None and kind in KINDS:
                statuses = self.statuses.get((kind, env_id))
                found.extend(observed_services(kind, env_id, services, statuses, self.derived))
        return tuple(found)


NO_LISTINGS = Listings({}, {}, {})


def with_listings(catalog: Catalog, listings: Listings) -> Catalog:
    """``catalog`` holding ``listings`` (every kind's, and the applications by environment)."""
    applications = {e: s for (k, e), s in listings.services.items() if k == "application"}
    return replace(catalog, applications=applications, listings=listings.services)


Arrived = Callable[[Listings, tuple[str, str, str]], None]
"""Told, in the reading thread, of each read of stage 3 as it arrives: the stage's reads so
far, and the key of the one that arrived (``"services"`` or ``"statuses"``, kind, env id)."""


def read_listings(
    reader: Reader,
    pairs: Sequence[tuple[str, str]],
    *,
    statuses: bool,
    parallelism: int = 8,
    arrived: Arrived | None = None,
) -> Listings:
    """Stage 3: the services of each (kind, environment) of ``pairs`` (and their statuses),
    in parallel; each service is derived in the thread that waited for its listing, and
    ``arrived`` is told of each read as it comes."""
    derived: dict[str, tuple[Any, str | None]] = {}
    derivations = Derivations()  # one normalisation per distinct body, for every listing

    def read(key: tuple[str, str, str]) -> list[Any]:
        what, kind_name, env_id = key
        kind = kind_named(kind_name, LISTED)
        if what == "statuses":
            return reader.list_service_statuses(kind, env_id)
        listing = reader.list_services(kind, env_id)
        derived.update((s["id"], derivations.derive(s, kind)) for s in listing)
        return listing

    with_statuses = [(k, e) for k, e in pairs if statuses and k in KINDS]
    keys = [("services", k, e) for k, e in pairs] + [("statuses", k, e) for k, e in with_statuses]
    order = {pair: n for n, pair in enumerate(pairs)}  # the source environments' first
    keys.sort(key=lambda key: (order[key[1:]], key[0] == "statuses"))  # a pair's reads together
    lists: dict[tuple[str, str, str], list[Any]] = {}
    services: dict[tuple[str, str], tuple[JSON, ...]] = {}  # filled as the reads arrive
    states: dict[tuple[str, str], tuple[JSON, ...]] = {}
    so_far = Listings(services, states, derived)
    for key, listing in fetch_each(keys, read, parallelism=parallelism):
        lists[key] = listing
        if arrived is not None:
            (states if key[0] == "statuses" else services)[key[1:]] = tuple(listing)
            arrived(so_far, key)
    return Listings(
        services={(k, e): tuple(lists[("services", k, e)]) for k, e in pairs},
        statuses={(k, e): tuple(lists[("statuses", k, e)]) for k, e in with_statuses},
        derived=derived,
    )


def derive(
    app: Mapping[str, Any], normalise: Normaliser = APPLICATION.normalise
) -> tuple[Any, str | None]:
    """A service's normalised configuration and fingerprint, computed once."""
    normalised = normalise(app)
    return normalised, fingerprint(app, normalised=normalised)


def observed_state(
    applications: Mapping[str, Sequence[Any]],
    statuses: Mapping[str, Sequence[Any]] | None = None,
    derived: Mapping[str, tuple[Any, str | None]] | None = None,
) -> ObservedState:
    """Wrap raw application listings (and optional status listings) as an ObservedState.

    ``derived`` maps application ids to ``derive(app)``, where the observer computed it.
    """
    return ObservedState(
        applications={
            env_id: tuple(
                observed_services(
                    "application", env_id, apps, (statuses or {}).get(env_id), derived or {}
                )
            )
            for env_id, apps in applications.items()
        }
    )


def observed_services(
    kind: str,
    env_id: str,
    services: Iterable[Any],
    statuses: Iterable[Any] | None,
    derived: Mapping[str, tuple[Any, str | None]],
) -> list[ObservedApplication]:
    """One (kind, environment) listing as ``ObservedApplication`` values of that kind."""
    listed = [s for s in statuses or () if isinstance(s, dict)]
    status_of = {s.get("id"): s.get("service_deployment_status") for s in listed}
    state_of = {s.get("id"): s.get("state") for s in listed}
    return [
        ObservedApplication(
            id=str(service["id"]),
            name=str(service.get("name", "")),
            environment_id=env_id,
            config=service,
            deployment_status=status_of.get(service["id"]),
            state=state_of.get(service["id"]),
            kind=kind,
            normalised=derived.get(service["id"], (None, None))[0],
            fingerprint=derived.get(service["id"], (None, None))[1],
        )
        for service in services
    ]
