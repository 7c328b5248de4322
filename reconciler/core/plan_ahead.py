"""Planning ahead: each environment's clones planned as soon as its services are listed. Pure.

A plan of 2,000 clones over 100 environments waits for 100 listings, eight at a time.
Planning every clone after the last listing leaves the processor idle while they come, then
busy while nothing comes. ``PlanAhead`` plans the clones of an environment as soon as the
pipeline hands over that environment's services (``listed``), the sources being known from
the start; ``plan`` then plans what is left (the clones whose variables were read after the
listings, and the environments never handed over), adds the deletes and makes the ``Plan``.

It is the plan ``planning.plan`` makes over the whole observed state, change for change: a
clone's change depends only on its source, the services of its own environment (the pairing,
a rename within it), its variables and the clock; a clone that declares variables waits for
them. The deletes, which need every clone planned (a renamed clone is not pruned), are
planned last.

Neighbours: ``planning`` (the ``Planner``, whose index grows an environment at a time),
``pipeline`` (the caller, between the arrivals of the listings).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from reconciler.core.model import DesiredState, ObservedApplication, ObservedState
from reconciler.core.planning import Planner
from reconciler.core.plans import Change, Plan


class PlanAhead:
    """A plan made an environment at a time; ``known``: the services listed so far, the
    sources' among them."""

    def __init__(self, desired: DesiredState, known: ObservedState, now: datetime) -> None:
        self.desired = desired
        self._planner = Planner(desired, known, now)
        self._waiting: dict[str, list[int]] = {}  # environment id → its clones' positions
        for index, clone in enumerate(desired.clones):
            if not clone.variables:  # their variables are read after the listings
                self._waiting.setdefault(clone.target_env.id, []).append(index)
        self._changes: dict[int, Change] = {}
        for env_id in known.applications:
            self._plan_environment(env_id)

    @property
    def now(self) -> datetime:
        """The clock the plan is made at (expiry)."""
        return self._planner.now

    @property
    def environments(self) -> Mapping[str, tuple[ObservedApplication, ...]]:
        """The services of each environment listed so far, as handed over."""
        return self._planner.observed.environments

    def listed(self, env_id: str, services: tuple[ObservedApplication, ...]) -> None:
        """Every service of ``env_id`` is listed: plan its clones."""
        if env_id in self._planner.observed.environments:
            return
        self._planner.observed.add(env_id, services)
        self._plan_environment(env_id)

    def _plan_environment(self, env_id: str) -> None:
        clones = self.desired.clones
        for index in self._waiting.pop(env_id, ()):
            self._changes[index] = self._planner.change_for(clones[index])

    def plan(
        self,
        observed: ObservedState,
        *,
        api_url: str | None,
        secret_digests: Mapping[str, str] | None = None,
    ) -> Plan:
        """The whole plan, once ``observed`` holds every listing and the variables read."""
        planner = self._planner
        for env_id, services in observed.applications.items():
            self.listed(env_id, services)
        planner.seen, planner.digests = observed.variables, secret_digests or {}
        planner.observed.failed = observed.failed
        ahead = self._changes
        changes = [
            ahead[index] if index in ahead else planner.change_for(clone)
            for index, clone in enumerate(self.desired.clones)
        ]
        return planner.finish(changes, api_url)
