"""What the API-facing commands share: connecting per the flags (exit codes: ``exits``).

The pipeline itself (load → resolve → read → plan) is ``reconciler.pipeline``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.commands.arguments import PlanningOptions
from reconciler.edges.session import Session, open_session

__all__ = ["Session", "connect"]


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
