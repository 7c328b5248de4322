"""Every exit-code rule of the commands, in one place (contract sections 5 and 18).

The codes are only 0, 1 and 2 (``ExitCode``), and 1 wins over 2:

- ``plan``: 1 for a conflict; with ``--detailed-exitcode`` 2 when apply would write;
- ``drift``: 1 for a conflict; 2 when a clone drifted or is missing;
- ``apply``: 1 when a change failed, met a conflict or was skipped, or the run was asked to
  stop (SIGINT/SIGTERM: nothing half-done is called success), or the answer was not "yes";
- ``reconcile``, one round: 1 on an error, a failed change, a conflict, or a write left
  undone by a stop; with ``--detailed-exitcode`` 2 when reported drift remains; a loop
  (``--interval``) ended by a signal exits 0 (``LOOP_STOPPED``);
- an interruption the command could not finish cleanly (a second signal, a signal before
  apply started): 1 (``INTERRUPTED``, defined in ``signals`` so that ``cli`` need not
  import this module and the plan's types with it), never 130 or 143.

Neighbours: each ``commands.<name>`` asks here; ``cli`` maps errors to codes.
"""

from __future__ import annotations

from reconciler.commands.signals import INTERRUPTED as INTERRUPTED  # defined with the signals
from reconciler.core.errors import ExitCode
from reconciler.core.outcomes import ApplyResult
from reconciler.core.plans import Action, Plan, reported_drift

CANCELLED = int(ExitCode.ERROR)
LOOP_STOPPED = int(ExitCode.OK)
NOT_DONE = ("failed", "conflict")
WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.EXPIRE)


def of_validation(valid: bool) -> int:
    return int(ExitCode.OK if valid else ExitCode.ERROR)


def of_plan(plan: Plan, *, detailed: bool) -> int:
    """1 for a conflict; with ``detailed``, 2 when apply would change something; else 0."""
    if plan.summary.conflict:
        return int(ExitCode.ERROR)
    if detailed and plan.has_pending_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)


def of_drift(plan: Plan) -> int:
    """1 for a conflict; 2 for drifted or missing clones; else 0."""
    if plan.summary.conflict:
        return int(ExitCode.ERROR)
    return int(ExitCode.CHANGES if plan.has_drift else ExitCode.OK)


def apply_succeeded(result: ApplyResult, *, stopped: bool = False) -> bool:
    """Every change done: none failed, met a conflict or was skipped, and no stop came."""
    return result.ok and not result.skipped and not stopped


def of_apply(result: ApplyResult, *, stopped: bool = False) -> int:
    return int(ExitCode.OK if apply_succeeded(result, stopped=stopped) else ExitCode.ERROR)


def writes_left_undone(result: ApplyResult) -> bool:
    """A change that would have written something was skipped: the run was stopped."""
    return any(o.result == "skipped" and o.action in WRITES for o in result.outcomes)


def of_round(plan: Plan, result: ApplyResult, *, detailed: bool) -> int:
    """A round that applied: 1 when anything was not done; 2 (detailed) for reported drift."""
    not_done = any(o.result in NOT_DONE for o in result.outcomes)
    if not result.ok or not_done or plan.summary.conflict or writes_left_undone(result):
        return int(ExitCode.ERROR)
    return _drift_left(plan, detailed=detailed)


def of_round_stopped_before_apply(plan: Plan, *, detailed: bool) -> int:
    """A stop arrived while observing: nothing is written; 1 when something was to be."""
    if plan.has_pending_changes or plan.summary.conflict:
        return int(ExitCode.ERROR)
    return _drift_left(plan, detailed=detailed)


def _drift_left(plan: Plan, *, detailed: bool) -> int:
    return int(ExitCode.CHANGES if detailed and reported_drift(plan) else ExitCode.OK)
