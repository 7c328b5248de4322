"""The pipeline: load → resolve → read → plan, in one function that every caller uses.

The commands, the Python API (``library``) and the golden tests all go through
``plan_manifests``: manifests are loaded offline (``load``), then ``edges.observing`` reads
what Qovery holds through a ``Reader`` (the client, or a recorded catalog), the pure
``core.resolving`` turns names into ids and ``core.planning`` decides. ``--target`` narrows
the plan last (``core.targeting``).

Neighbours: ``edges`` (reading, validating) below, ``core`` (resolving, planning) at the
bottom; ``commands`` and ``library`` above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.core.model import CloneSet
from reconciler.core.planning import plan as make_plan
from reconciler.core.plans import Plan
from reconciler.core.targeting import select
from reconciler.edges.observing import Observation, observe
from reconciler.edges.session import Session
from reconciler.edges.validating import load_manifests

__all__ = ["Planned", "load", "plan_manifests"]


@dataclass(frozen=True)
class Planned:
    """A plan, with the observation it was computed from."""

    plan: Plan
    observation: Observation
    clonesets: tuple[CloneSet, ...]


def load(paths: Sequence[str]) -> tuple[CloneSet, ...]:
    """Load and validate the manifests: offline, so a bad manifest costs no request."""
    return tuple(load_manifests(paths))


def plan_manifests(
    session: Session, clonesets: Sequence[CloneSet], targets: Sequence[str] = ()
) -> Planned:
    """Observe what the manifests involve and plan; ``targets`` narrows the changes."""
    observation = observe(session.client, clonesets, parallelism=session.parallelism)
    plan = make_plan(observation.desired, observation.observed, api_url=session.api_url)
    if targets:
        plan = select(plan, targets)
    return Planned(plan, observation, tuple(clonesets))
