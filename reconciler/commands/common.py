"""What the API-facing commands share: connecting and planning per the flags (exit codes:
``exits``).

The pipeline itself (load → resolve → read → plan) is ``reconciler.pipeline``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from reconciler.commands.arguments import PlanningOptions
from reconciler.core.model import CloneSet
from reconciler.core.plans import Action
from reconciler.edges.budget import RequestLedger
from reconciler.edges.session import Session, open_session
from reconciler.pipeline import Planned, plan_manifests

__all__ = ["Session", "connect", "plan_for"]


@contextmanager
def connect(options: PlanningOptions, ledger: RequestLedger | None = None) -> Iterator[Session]:
    """Open a session per the connection flags; ``--sandbox`` starts the embedded sandbox.
    ``ledger``: where its requests are recorded (``reconcile`` keeps one across rounds)."""
    with open_session(
        ledger=ledger,
        api_url=options.api_url,
        token_file=options.token_file,
        sandbox=options.sandbox,
        parallelism=options.parallelism,
    ) as session:
        yield session


def plan_for(
    session: Session,
    options: PlanningOptions,
    clonesets: Sequence[CloneSet],
    *,
    read_states_for: frozenset[Action],
) -> Planned:
    """The pipeline as the flags ask: their ``--target`` and their mass-deletion guard.
    ``read_states_for``: the command's choice of when a service's state is worth a read
    (``edges.states``): ``BEFORE_WRITING`` for a command that writes, ``CONFLICTS_AND_DELETES`` for
    a read-only one."""
    return plan_manifests(
        session,
        clonesets,
        options.target,
        allow_deletes=options.allow_deletes,
        read_states_for=read_states_for,
    )
