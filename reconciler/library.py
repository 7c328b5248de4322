"""The Python API, for teams that drive the reconciler from their own code.

The same values the CLI computes and renders::

    import reconciler

    clonesets = reconciler.load("manifests/")            # offline; ManifestError if invalid
    with reconciler.connect(sandbox=True) as session:     # or api_url=..., token_file=...
        plan = reconciler.plan(clonesets, session)        # a reconciler.core.plans.Plan
        for change in plan.changes:
            print(change.action, change.address, change.drift)
        result = reconciler.apply(plan, session)          # a reconciler.edges.executing.ApplyResult
        print(result.summary_line())

Every call goes through the one pipeline of the CLI (``reconciler.pipeline``): the same
resolution (every problem of every manifest in one ``ResolutionError``), the same reads, the
same planner and the same mass-deletion guard: a plan that deletes too much raises
``DeletionRefused`` unless ``plan(..., allow_deletes=True)`` (``--allow-deletes``). ``apply``
carries out a plan made so, without asking. ``reconciler.core.plans.to_document(plan)`` gives
the JSON plan document of ``plan --json``. Errors are ``reconciler.core.errors.ReconcilerError``
subclasses.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.core.model import CloneSet
from reconciler.core.plans import Plan
from reconciler.edges.executing import ApplyResult, Progress, execute
from reconciler.edges.session import Session
from reconciler.edges.session import open_session as connect
from reconciler.pipeline import load as _load
from reconciler.pipeline import plan_manifests

__all__ = ["apply", "connect", "load", "plan"]


def load(*paths: str) -> tuple[CloneSet, ...]:
    """Load and validate manifests (files or directories), without any network call."""
    return _load(paths)


def plan(
    clonesets: Sequence[CloneSet],
    session: Session,
    *,
    targets: Sequence[str] = (),
    allow_deletes: bool = False,
) -> Plan:
    """Resolve, observe and plan, as ``reconciler plan`` does (``--target``,
    ``--allow-deletes``); read only. Made to be carried out by ``apply``, it reads the
    statuses of every environment it would write to, as ``reconciler apply`` does, so that
    a service being deleted is a ``noop`` (``edges.states.BEFORE_WRITING``)."""
    return plan_manifests(session, clonesets, targets, allow_deletes=allow_deletes).plan


def apply(plan: Plan, session: Session, *, progress: Progress | None = None) -> ApplyResult:
    """Carry out ``plan``'s changes, as ``reconciler apply`` does (without the prompt)."""
    return execute(
        plan,
        session.client,
        parallelism=session.parallelism,
        progress=progress,
        secrets=session.secrets,
    )
