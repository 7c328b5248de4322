"""What the API-facing commands share: connecting, loading + observing, target filtering.

``plan``, ``drift``, ``apply`` and ``reconcile`` all start the same way: open a client (to
Qovery, or to the embedded sandbox with ``--sandbox``), load the manifests, observe, plan.
That sequence lives here once.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..client import QoveryClient
from ..connection import resolve_connection
from ..errors import ExitCode
from ..model import CloneSet
from ..observing import Observation, observe
from ..planning import plan as make_plan
from ..plans import Plan
from ..targeting import select
from ..validating import load_manifests

SANDBOX_STATE = os.path.join(".reconciler", "sandbox.json")


@dataclass(frozen=True)
class Session:
    """An open connection: the client, and the API URL it talks to (recorded in plans)."""

    client: QoveryClient
    api_url: str
    parallelism: int


@contextmanager
def connect(args: argparse.Namespace) -> Iterator[Session]:
    """Open a client per the connection flags; ``--sandbox`` starts the embedded sandbox."""
    parallelism = int(getattr(args, "parallelism", 8))
    if getattr(args, "sandbox", False):
        from ..sandbox import embedded

        with (
            embedded(SANDBOX_STATE) as sandbox,
            QoveryClient(
                sandbox.url, f"Token {sandbox.token}", max_connections=parallelism
            ) as client,
        ):
            yield Session(client, f"sandbox:{os.path.abspath(SANDBOX_STATE)}", parallelism)
        return
    connection = resolve_connection(
        api_url=getattr(args, "api_url", None),
        token_file=getattr(args, "token_file", None),
        environ=os.environ,
    )
    with QoveryClient(
        connection.base_url, connection.authorization, max_connections=parallelism
    ) as client:
        yield Session(client, connection.base_url, parallelism)


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
