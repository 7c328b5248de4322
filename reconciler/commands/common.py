"""What the API-facing commands share: connecting, loading + observing, target filtering.

``plan``, ``drift``, ``apply`` and ``reconcile`` all start the same way: open a client (to
Qovery, or to the embedded sandbox with ``--sandbox``), load the manifests, observe, plan.
That sequence lives here once.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import ExitCode
from ..model import CloneSet
from ..observing import Observation, observe
from ..planning import plan as make_plan
from ..plans import Plan
from ..session import Session, open_session

__all__ = ["Planned", "Session", "connect", "exit_code_for", "load", "plan_against"]
from ..targeting import select
from ..validating import load_manifests


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[Session]:
    """Open a session per the connection flags; ``--sandbox`` starts the embedded sandbox."""
    with open_session(
        api_url=getattr(args, "api_url", None),
        token_file=getattr(args, "token_file", None),
        sandbox=bool(getattr(args, "sandbox", False)),
        parallelism=int(getattr(args, "parallelism", 8)),
    ) as session:
        yield session


@dataclass(frozen=True)
class Planned:
    """A plan, with the observation it was computed from."""

    plan: Plan
    observation: Observation
    clonesets: tuple[CloneSet, ...]


def load(paths: Sequence[str]) -> tuple[CloneSet, ...]:
    """Load and validate the manifests: offline, so a bad manifest costs no request."""
    return tuple(load_manifests(paths))


def plan_against(
    session: Session, clonesets: Sequence[CloneSet], targets: Sequence[str] = ()
) -> Planned:
    """Observe what the manifests involve and plan; ``targets`` narrows the changes."""
    observation = observe(session.client, clonesets, parallelism=session.parallelism)
    plan = make_plan(observation.desired, observation.observed, api_url=session.api_url)
    if targets:
        plan = select(plan, targets)
    return Planned(plan, observation, tuple(clonesets))


def exit_code_for(plan: Plan, *, detailed: bool) -> int:
    """1 for a conflict; with ``detailed``, 2 when apply would change something; else 0."""
    if plan.summary.conflict:
        return int(ExitCode.ERROR)
    if detailed and plan.has_pending_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)
