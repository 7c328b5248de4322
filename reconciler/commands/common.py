"""What the API-facing commands share: connecting per the flags, and the plan's exit code.

The pipeline itself (load → resolve → read → plan) is ``reconciler.pipeline``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.commands.arguments import PlanningOptions
from reconciler.core.errors import ExitCode
from reconciler.core.plans import Plan
from reconciler.edges.session import Session, open_session

__all__ = ["Session", "connect", "exit_code_for"]


@contextmanager
def connect(options: PlanningOptions) -> Iterator[Session]:
    """Open a session per the connection flags; ``--sandbox`` starts the embedded sandbox."""
    with open_session(
        api_url=options.api_url,
        token_file=options.token_file,
        sandbox=options.sandbox,
        parallelism=options.parallelism,
    ) as session:
        yield session


def exit_code_for(plan: Plan, *, detailed: bool) -> int:
    """1 for a conflict; with ``detailed``, 2 when apply would change something; else 0."""
    if plan.summary.conflict:
        return int(ExitCode.ERROR)
    if detailed and plan.has_pending_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)
