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
Which changes make the states of their environment worth reading (``edges.states``: a
service being deleted) is the caller's to say: the read-only commands read them for
conflicts only, the commands that write for every change that would touch a listed service.
The plan is made while the last stage of listings arrives, each environment's clones as soon
as its listing is in (``edges.planning_ahead``, ``core.plan_ahead``: the same plan), with
the cycle collector paused (``collecting_cycles_after``).

Neighbours: ``edges`` (reading, observing, validating) below, ``core`` at the bottom;
``commands`` and ``library`` above.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from reconciler.core.catalog import Catalog
from reconciler.core.expiry import current_targets
from reconciler.core.guarding import check as check_deletes
from reconciler.core.model import CloneSet, DesiredState, ObservedState
from reconciler.core.plan_ahead import PlanAhead
from reconciler.core.planning import plan as make_plan
from reconciler.core.plans import Action, Plan
from reconciler.core.pruning import BEING_DELETED
from reconciler.core.resolving import resolve_organizations, resolve_scopes
from reconciler.core.targeting import select
from reconciler.edges.observing import (
    NO_LISTINGS,
    read_containers,
    read_listings,
    read_organizations,
    with_listings,
)
from reconciler.edges.planning_ahead import PlanningAhead, resolved
from reconciler.edges.reading import Reader
from reconciler.edges.secrets import SecretReader
from reconciler.edges.session import Session
from reconciler.edges.states import (
    BEFORE_WRITING,
    environments_to_read,
    read_states,
    with_states,
)
from reconciler.edges.validating import load_manifests
from reconciler.edges.variable_observing import read_variables

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
    now: datetime | None = None  # the API's clock when the manifests were resolved


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
    return _observe(reader, clonesets, parallelism=parallelism, ahead=False)[0]


def _observe(
    reader: Reader, clonesets: Sequence[CloneSet], *, parallelism: int, ahead: bool
) -> tuple[Observation, PlanAhead | None]:
    """``observe``; with ``ahead``, the last stage of listings plans each environment as its
    listing arrives (``edges.planning_ahead``), and its ``PlanAhead`` is returned too."""
    listed = read_organizations(reader)
    now = clock_of(reader)
    clonesets, passed = current_targets(clonesets, now)  # a target past its until: gone
    organizations = resolve_organizations(clonesets, listed)
    catalog = read_containers(
        reader,
        listed,
        organizations.ids,
        parallelism=parallelism,
        services_of=organizations.prune_ids,
    )
    scopes = resolve_scopes(organizations, catalog)
    listings, stage = NO_LISTINGS, None
    while needed := scopes.needed(catalog):  # one stage of applications only, unless kinds
        statuses = scopes.statuses_needed
        if ahead:
            clock = functools.partial(clock_of, reader)
            args = (scopes, catalog, listings, needed)
            stage = PlanningAhead(*args, statuses=statuses, passed=passed, clock=clock)
        arrived = stage.arrived if stage is not None else None
        read = read_listings(
            reader, needed, statuses=statuses, parallelism=parallelism, arrived=arrived
        )
        listings = listings.merged(read)
        catalog = with_listings(catalog, listings)
    planned = stage.ahead if stage is not None else None
    desired = planned.desired if planned is not None else resolved(scopes, catalog, passed)
    made = planned.environments if planned is not None else None  # no need to make them again
    observed = read_variables(reader, desired, listings.observed(made), parallelism=parallelism)
    return Observation(desired, observed, catalog, now), planned


def clock_of(reader: Reader) -> datetime:
    """Now, by the API's clock: the ``Date`` of its latest answer (``QoveryClient.server_time``),
    so that expiry is judged by the server that keeps the clones (and a sandbox whose clock a
    test moves); the machine's clock for a reader that has none (a recorded catalog)."""
    server_time = getattr(reader, "server_time", None)
    moment = server_time() if callable(server_time) else None
    return moment if isinstance(moment, datetime) else datetime.now(UTC)


@contextmanager
def collecting_cycles_after() -> Iterator[None]:
    """The cyclic garbage collector paused while a plan is made (and shown), as mypy does
    while it builds: a plan makes hundreds of thousands of objects that all live until it is
    shown, and each of the collector's full passes walks every one of them again (a sixth of
    the CPU of a 10,000-clone plan). Reference counting frees what is dropped as usual.

    Once it is over, what was made meanwhile is moved to the collector's oldest generation
    in one step (``freeze`` then ``unfreeze``: two list splices), where the few reference
    cycles among it are collected at the collector's next full pass; left in the youngest
    generation, all of it would be walked at once by the next allocation (0.3 s at 10,000
    clones). Not when something else froze objects (``gc.freeze`` at start-up): those stay
    frozen, and the young objects are walked. Nests: only the outermost resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@collecting_cycles_after()
def plan_with(
    reader: Reader,
    clonesets: Sequence[CloneSet],
    *,
    api_url: str | None,
    parallelism: int = 8,
    targets: Sequence[str] = (),
    allow_deletes: bool = False,
    secrets: SecretReader | None = None,
    read_states_for: frozenset[Action] = BEFORE_WRITING,
) -> Planned:
    """Observe what the manifests involve through ``reader`` and plan.

    ``DeletionRefused`` when the plan deletes more than the guard lets through, unless
    ``allow_deletes``. ``secrets`` reads every declared secret (before any change: a
    missing one is a ``SecretError``); without it, a declared secret cannot be planned.
    ``read_states_for``: the actions for which the environment's statuses are read (one
    ``GET /environment/{id}/statuses`` per such environment) so that a service being deleted
    is planned as a ``noop`` (``edges.states``): ``BEFORE_WRITING`` (the default) for a
    plan that will be carried out, ``CONFLICTS_AND_DELETES`` for one that is only shown.
    """
    observation, ahead = _observe(reader, clonesets, parallelism=parallelism, ahead=True)
    now = ahead.now if ahead is not None else clock_of(reader)
    declared = [d for clone in observation.desired.clones for d in clone.variables]
    digests = secrets.digests(declared) if secrets is not None else {}

    def planned(observed: ObservedState) -> Plan:
        return make_plan(
            observation.desired, observed, api_url=api_url, now=now, secret_digests=digests
        )

    if ahead is not None:  # most clones planned already, as their listings arrived
        whole = ahead.plan(observation.observed, api_url=api_url, secret_digests=digests)
    else:
        whole = planned(observation.observed)
    unknown = environments_to_read(whole, observation.observed, read_states_for)
    states = read_states(reader, unknown, parallelism=parallelism) if unknown else {}
    if states:
        observation = replace(observation, observed=with_states(observation.observed, states))
        if BEING_DELETED.intersection(states.values()):
            whole = planned(observation.observed)  # neither a conflict nor a create: again
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
    read_states_for: frozenset[Action] = BEFORE_WRITING,
) -> Planned:
    """``plan_with`` through an open session's client; ``targets`` narrows the changes;
    ``read_states_for`` as ``plan_with`` says."""
    return plan_with(
        session.client,
        clonesets,
        api_url=session.api_url,
        parallelism=session.parallelism,
        targets=targets,
        allow_deletes=allow_deletes,
        secrets=session.secrets,
        read_states_for=read_states_for,
    )
