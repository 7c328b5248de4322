"""Planning ahead: a listings stage that plans each environment as its listing arrives.

The listings of a stage arrive one by one over about a second for 100 environments (eight
on the wire at a time). ``PlanningAhead`` is told of each (``observing.read_listings``'s
``arrived``, in the pipeline's thread): once every read of the source environments is in,
and the lookups of the sources (``Scopes.needed``) ask for nothing but the reads still on
the wire, the manifests are resolved (the desired clones depend on the source environments
alone) and a ``core.plan_ahead.PlanAhead`` is made with the environments listed so far;
then each environment's clones are planned as soon as its last read of the stage arrives,
while the others are still on the wire. When resolution needs another stage (a source
whose kind is looked up), or fails (the pipeline resolves again once the stage is read, and
raises the same error), nothing is planned ahead in this stage.

Neighbours: ``pipeline`` (the caller), ``observing`` (the reads), ``core.resolving``,
``core.plan_ahead``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from reconciler.core.catalog import Catalog
from reconciler.core.errors import ResolutionError
from reconciler.core.kinds import KINDS
from reconciler.core.model import DesiredState, ObservedApplication, ObservedState
from reconciler.core.plan_ahead import PlanAhead
from reconciler.core.resolving import Scopes, resolve_clones
from reconciler.edges.observing import Listings, with_listings


def resolved(scopes: Scopes, catalog: Catalog, passed: Sequence[str]) -> DesiredState:
    """The desired state (``resolve_clones``), with the notes of the targets ``passed``
    their ``until``."""
    desired = resolve_clones(scopes, catalog)
    return replace(desired, notes=(*desired.notes, *passed)) if passed else desired


class PlanningAhead:
    """One listings stage (``pairs``, after the ``earlier`` stages), planning ahead."""

    def __init__(
        self,
        scopes: Scopes,
        catalog: Catalog,
        earlier: Listings,
        pairs: Sequence[tuple[str, str]],
        *,
        statuses: bool,
        passed: Sequence[str],
        clock: Callable[[], datetime],
    ) -> None:
        self._scopes, self._catalog, self._earlier = scopes, catalog, earlier
        self._pairs, self._passed, self._clock = pairs, passed, clock
        # the reads of this stage still to come, by environment (its services, its statuses)
        self._left = Counter(e for k, e in pairs)
        self._left.update(e for k, e in pairs if statuses and k in KINDS)
        # each environment's kinds, earlier stages' first, in the order ``Listings.observed``
        # gives its services (the planner pairs a name with the first service of that name)
        self._earlier_kinds: dict[str, list[str]] = {}
        for kind, env_id in earlier.services:
            self._earlier_kinds.setdefault(env_id, []).append(kind)
        self._kinds: dict[str, list[str]] = {}
        for kind, env_id in pairs:
            self._kinds.setdefault(env_id, []).append(kind)
        self._sources = {scope.source.id for scope in scopes.resolved}
        self.ahead: PlanAhead | None = None
        self._given_up = False

    def arrived(self, so_far: Listings, key: tuple[str, str, str]) -> None:
        """One read of the stage is in (``observing.Arrived``)."""
        env_id = key[2]
        self._left[env_id] -= 1
        if self.ahead is not None:
            if not self._left[env_id]:
                self.ahead.listed(env_id, self._services(so_far, env_id))
        elif not self._given_up and not any(self._left[s] for s in self._sources):
            self._start(so_far)

    def _start(self, so_far: Listings) -> None:
        """Resolve, and plan the environments listed so far, when the stage is the last."""
        self._given_up = True  # tried once: after this, ahead or never
        catalog = with_listings(self._catalog, self._earlier.merged(so_far))
        pending = set(self._pairs) - set(so_far.services)
        if not set(self._scopes.needed(catalog)) <= pending:
            return  # another stage follows: the sources are not all found yet
        try:
            desired = resolved(self._scopes, catalog, self._passed)
        except ResolutionError:
            return  # raised again, with every problem, once the stage is read
        listed = dict.fromkeys(
            [e for _, e in self._earlier.services] + [e for _, e in so_far.services]
        )
        known = {e: self._services(so_far, e) for e in listed if not self._left[e]}
        self.ahead = PlanAhead(desired, ObservedState(applications=known), self._clock())

    def _services(self, so_far: Listings, env_id: str) -> tuple[ObservedApplication, ...]:
        earlier = self._earlier.observed_in(env_id, self._earlier_kinds.get(env_id, ()))
        return earlier + so_far.observed_in(env_id, self._kinds.get(env_id, ()))
