"""The pipeline: load → resolve ⇄ read → plan, in one function that every caller uses.

The commands (through ``plan_manifests``), the Python API (``library``) and the golden tests
all go through ``plan_with``: manifests are loaded offline first (``load``, so that a bad
manifest costs no request), then the reads of ``edges.observing`` through a
``edges.reading.Reader`` (the client, or a recorded catalog) alternate with the pure
``core.resolving``, which turns names into ids and says what the next stage must read; each
manifest's organization and scope is resolved once and handed on. ``core.planning``
decides, ``--target`` narrows the plan (``core.targeting``), and the mass-deletion guard
(``core.guarding``, contract section 18) refuses, before anything is shown or changed, a
plan that deletes too much, unless the run allows deletions (``--allow-deletes``).

Neighbours: ``edges`` (reading, observing, validating) below, ``core`` at the bottom;
``commands`` and ``library`` above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reconciler.core.guarding import check as check_deletes
from reconciler.core.model import CloneSet, DesiredState, ObservedState
from reconciler.core.planning import plan as make_plan
from reconciler.core.plans import Plan
from reconciler.core.resolving import (
    Catalog,
    resolve_clones,
    resolve_organizations,
    resolve_scopes,
)
from reconciler.core.targeting import select
from reconciler.edges.observing import (
    NO_LISTINGS,
    read_containers,
    read_listings,
    read_organizations,
)
from reconciler.edges.reading import Reader
from reconciler.edges.session import Session
from reconciler.edges.validating import load_manifests

__all__ = [
    "Observation",
    "Planned",
    "guard_deletes",
    "load",
    "observe",
    "plan_manifests",
    "plan_with",
]


@dataclass(frozen=True)
class Observation:
    """The outcome of one observation: what the manifests want and what Qovery holds."""

    desired: DesiredState
    observed: ObservedState
    catalog: Catalog


@dataclass(frozen=True)
class Planned:
    """A plan, with the observation it was computed from."""

    plan: Plan
    observation: Observation
    clonesets: tuple[CloneSet, ...]


def load(paths: Sequence[str]) -> tuple[CloneSet, ...]:
    """Load and validate the manifests: offline, so a bad manifest costs no request."""
    return tuple(load_manifests(paths))


def observe(reader: Reader, clonesets: Sequence[CloneSet], *, parallelism: int = 8) -> Observation:
    """Resolve the manifests stage by stage, reading between stages only what is needed:
    the (kind, environment) listings ``Scopes.needed`` names, until it names none.

    Every problem of every manifest is collected on the way and raised together, as one
    ``ResolutionError``, once the last stage has been read.
    """
    listed = read_organizations(reader)
    organizations = resolve_organizations(clonesets, listed)
    catalog = read_containers(reader, listed, organizations.ids, parallelism=parallelism)
    scopes = resolve_scopes(organizations, catalog)
    listings = NO_LISTINGS
    while needed := scopes.needed(catalog):  # one stage of applications only, unless kinds
        read = read_listings(
            reader, needed, statuses=scopes.statuses_needed, parallelism=parallelism
        )
        listings = listings.merged(read)
        applications = {e: s for (k, e), s in listings.services.items() if k == "application"}
        catalog = replace(catalog, applications=applications, listings=listings.services)
    return Observation(resolve_clones(scopes, catalog), listings.observed(), catalog)


def plan_with(
    reader: Reader,
    clonesets: Sequence[CloneSet],
    *,
    api_url: str | None,
    parallelism: int = 8,
    targets: Sequence[str] = (),
    allow_deletes: bool = False,
) -> Planned:
    """Observe what the manifests involve through ``reader`` and plan.

    ``DeletionRefused`` when the plan deletes more than the guard lets through, unless
    ``allow_deletes``.
    """
    observation = observe(reader, clonesets, parallelism=parallelism)
    whole = make_plan(observation.desired, observation.observed, api_url=api_url)
    plan = select(whole, targets) if targets else whole
    if not allow_deletes:
        check_deletes(plan, observation.desired, clonesets, whole=whole)
    return Planned(plan, observation, tuple(clonesets))


def guard_deletes(plan: Plan, fresh: Planned) -> None:
    """Hold ``plan`` (a saved plan about to be carried out) to the mass-deletion guard, judged
    against ``fresh``, a plan of the same manifests just made: a plan file is not a licence,
    so one saved with ``--allow-deletes``, or edited to delete more, needs the flag again."""
    check_deletes(plan, fresh.observation.desired, fresh.clonesets, whole=fresh.plan)


def plan_manifests(
    session: Session,
    clonesets: Sequence[CloneSet],
    targets: Sequence[str] = (),
    *,
    allow_deletes: bool = False,
) -> Planned:
    """``plan_with`` through an open session's client; ``targets`` narrows the changes."""
    return plan_with(
        session.client,
        clonesets,
        api_url=session.api_url,
        parallelism=session.parallelism,
        targets=targets,
        allow_deletes=allow_deletes,
    )
