"""The Python API, for teams that drive the reconciler from their own code.

The same values the CLI computes and renders::

    import reconciler

    clonesets = reconciler.load("manifests/")            # offline; ManifestError if invalid
    with reconciler.connect(sandbox=True) as session:     # or api_url=..., token_file=...
        plan = reconciler.plan(clonesets, session)        # a reconciler.plans.Plan
        for change in plan.changes:
            print(change.action, change.address, change.drift)
        result = reconciler.apply(plan, session)          # a reconciler.executing.ApplyResult
        print(result.summary_line())

``reconciler.plans.to_document(plan)`` gives the JSON plan document of ``plan --json``.
Errors are ``reconciler.errors.ReconcilerError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Sequence

from .commands.common import load as _load
from .commands.common import plan_against
from .executing import ApplyResult, Progress, execute
from .model import CloneSet
from .plans import Plan
from .session import Session
from .session import open_session as connect

__all__ = ["apply", "connect", "load", "plan"]


def load(*paths: str) -> tuple[CloneSet, ...]:
    """Load and validate manifests (files or directories), without any network call."""
    return _load(paths)


def plan(clonesets: Sequence[CloneSet], session: Session, *, targets: Sequence[str] = ()) -> Plan:
    """Resolve, observe and plan, as ``reconciler plan`` does; read only."""
    return plan_against(session, clonesets, targets).plan


def apply(plan: Plan, session: Session, *, progress: Progress | None = None) -> ApplyResult:
    """Carry out ``plan``'s changes, as ``reconciler apply`` does (without the prompt)."""
    return execute(plan, session.client, parallelism=session.parallelism, progress=progress)
