"""The fields of one clone's Change, as ``planning`` gathers them, in one dict. Pure.

``planning.Planner.change_for`` fills a dict with a change's fields as it decides (the
endpoints first, then the write, then the action, its steps and reasons) and makes the
``plans.Change`` once from it (``change_copies.made``), instead of copying a Change at each
step (five copies a clone, issue 15). The decisions here write into that dict: ``owned``
(an owned clone: a changed declaration, drift, or nothing to do), ``as_rename`` (an owned
clone found under its old name), ``decided`` (a change that writes nothing).

Neighbours: ``planning`` (the only caller), ``variable_plans`` (a clone's variables),
``deploying`` (whether it deploys), ``reasons``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.core import variable_plans
from reconciler.core.deploying import NEVER_DEPLOYED, deploys_existing
from reconciler.core.model import DesiredClone, ObservedApplication, OnDrift
from reconciler.core.plans import Action, DriftItem, Step, updates_of
from reconciler.core.reasons import Because, Reason, text_of
from reconciler.core.variable_plans import VariablePlan
from reconciler.core.variables import VariableWrite

Fields = dict[str, Any]
"""A Change's fields by name, as ``change_copies.made`` takes them."""

_UP_TO_DATE = (Because.of(Reason.UP_TO_DATE),)
_SAID_UP_TO_DATE = {"why": _UP_TO_DATE, "reason": text_of(_UP_TO_DATE)}
# the reasons of an owned clone that name nothing of their own: made once (immutable)
_DECLARATION_CHANGED = Because.of(Reason.DECLARATION_CHANGED)
_NEVER_DEPLOYED = Because.of(Reason.NEVER_DEPLOYED)
_OUT_OF_DATE = Because.of(Reason.OUT_OF_DATE)
_DRIFTED = {value: Because.of(Reason.DRIFTED, on_drift=value.value) for value in OnDrift}


def owned(
    fields: Fields,
    differences: tuple[DriftItem, ...],
    clone: DesiredClone,
    target: ObservedApplication,
    declared_changed: bool,
    variables: VariablePlan,
) -> None:
    """An owned clone: where it differs, a changed declaration is a change apply makes (never
    drift); otherwise the difference moved behind the reconciler's back, and is drift that
    ``on_drift`` corrects or reports (contract section 17)."""
    # A changed declaration the clone already matches needs no write: its marker keeps the
    # older digest, and the next difference is applied as the latest declaration.
    everything = differences + variables.drift  # the configuration's, then the variables'
    applies = declared_changed and bool(everything)
    drift = () if applies else everything
    corrects = bool(drift) and clone.policy.on_drift is OnDrift.CORRECT
    writes = variable_plans.applied(variables, everything=corrects or applies)
    edits = (corrects or applies) and (bool(differences) or declared_changed)
    status, state = target.deployment_status, target.state
    deploys = deploys_existing(clone.policy, status, state, wrote=edits or bool(writes))
    steps = (*((Step.EDIT,) if edits else ()), *variables_step(writes), *deploy_step(deploys))
    reasons = []
    if variables.secrets_changed and not (corrects or applies):
        reasons.append(Because.of(Reason.SECRET_CHANGED, keys=", ".join(variables.secrets_changed)))
    if applies:
        reasons.append(_DECLARATION_CHANGED)
    elif len(drift) > len(variables.secrets_changed):  # more than the secrets to rewrite
        reasons.append(_DRIFTED[clone.policy.on_drift])
    if deploys and status == NEVER_DEPLOYED:
        reasons.append(_NEVER_DEPLOYED)
    elif deploys and not (edits or writes):
        reasons.append(_OUT_OF_DATE)
    # the variables' own writes show as variables (+ KEY, ~ KEY …), not as field updates
    updates = updates_of(differences) if corrects or applies else ()
    fields.update(drift=drift, updates=updates, variables=writes)
    if steps:
        fields.update(action=Action.UPDATE, steps=steps, **said(*reasons))
    else:
        fields.update(action=Action.NOOP, **(said(*reasons) if reasons else _SAID_UP_TO_DATE))


def as_rename(fields: Fields, clone: DesiredClone, old_name: str) -> None:
    """An owned clone found under its old name: one edit renames it (and does the rest)."""
    action = fields["action"]
    if action is Action.NOOP or action is Action.UPDATE:
        renamed = Because.of(Reason.RENAMED, old_name=old_name)
        steps = fields.get("steps", ())
        steps = steps if Step.EDIT in steps else (Step.EDIT, *steps)
        detail = fields["why"] if action is Action.UPDATE else ()
        fields.update(
            action=Action.UPDATE,
            **said(renamed, *detail),
            steps=steps,
            target=replace(fields["target"], name=clone.name),
        )


def decided(fields: Fields, action: Action, why: Because) -> Fields:
    """A change that writes nothing: no desired config, no steps, no description."""
    fields.update(action=action, steps=(), desired={}, description=None, **said(why))
    return fields


def said(*why: Because) -> Fields:
    """The Change fields of its reasons: the data, and the text people read."""
    return {"why": why, "reason": text_of(why)}


def variables_step(writes: tuple[VariableWrite, ...]) -> tuple[Step, ...]:
    return (Step.VARIABLES,) if writes else ()


def deploy_step(wanted: bool) -> tuple[Step, ...]:
    return (Step.DEPLOY,) if wanted else ()
