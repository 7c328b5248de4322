"""States: which services are being deleted, read only where a plan's action makes them matter.

Qovery deletes asynchronously (QOVERY-NOTES, "Delete and stop"): after the 204 the service
is still listed, ``DELETE_QUEUED`` or ``DELETING``, until it is gone. The listing does not
carry a state, and a plan in which every listed application is a ``noop`` (or every clone a
``create``) loses nothing by not knowing it. So the states are read only for the
environments where the first plan has a change whose action is one of the caller's
``worth_reading`` set: one ``GET /environment/{id}/statuses`` each (every kind's statuses in
one call), then ``pipeline`` plans again with the states known (``ObservedApplication.state``)
when a service is being deleted, and ``planning`` treats it as neither a conflict nor a
create. Each command picks its set:

- ``BEFORE_WRITING`` (``apply``, ``reconcile``, the fresh plan of ``apply --plan``): every
  action that writes to, stops or deletes a listed service, and a conflict with one, so that
  nothing is ever written to a service being deleted;
- ``CONFLICTS_AND_DELETES`` (the read-only ``plan``, ``plan --out``, ``drift``): a conflict
  with a listed service, so that a service being deleted is never reported as a conflict,
  and a delete, so that a clone already being deleted is not planned (and counted by the
  mass-deletion guard) again. An update of a service being deleted is shown as an update;
  the apply that follows reads the states again and leaves it alone (a saved plan's change
  to it is stale).

Where the statuses were read already (a manifest deploys), their ``state`` serves, and no
further read is made. A reader without the call (a recorded catalog) plans without states.
Neighbours: ``pipeline`` (the caller), ``observing`` (``fetch_all``), ``core.planning``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from reconciler.core.model import ObservedState
from reconciler.core.plans import Action, Plan
from reconciler.edges.observing import fetch_all

BEFORE_WRITING = frozenset({Action.UPDATE, Action.CONFLICT, Action.DELETE, Action.EXPIRE})
CONFLICTS_AND_DELETES = frozenset({Action.CONFLICT, Action.DELETE})
STATUS_LISTS = ("applications", "containers", "jobs", "databases", "helms", "terraforms")


def environments_to_read(
    plan: Plan, observed: ObservedState, worth_reading: frozenset[Action]
) -> tuple[str, ...]:
    """The environments where ``plan`` has a change of an action in ``worth_reading`` on a
    listed application whose state is unknown."""
    known = {
        app.id for apps in observed.applications.values() for app in apps if app.state is not None
    }
    wanted = [
        str(change.target.environment_id)
        for change in plan.changes
        if change.action in worth_reading
        and change.target.application_id
        and change.target.application_id not in known
        and change.target.environment_id in observed.applications
    ]
    return tuple(dict.fromkeys(wanted))


def read_states(reader: Any, env_ids: tuple[str, ...], *, parallelism: int) -> dict[str, str]:
    """Service id → state, for every service of ``env_ids``; ``{}`` when the reader cannot."""
    read: Callable[[str], Mapping[str, Any]] | None = getattr(reader, "environment_statuses", None)
    if read is None or not env_ids:
        return {}
    answers = fetch_all(env_ids, read, parallelism=parallelism)
    states: dict[str, str] = {}
    for answer in answers.values():
        for key in STATUS_LISTS:
            entries = answer.get(key) if isinstance(answer, Mapping) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, Mapping) and isinstance(entry.get("state"), str):
                    states[str(entry.get("id"))] = entry["state"]
    return states


def with_states(observed: ObservedState, states: Mapping[str, str]) -> ObservedState:
    """``observed`` with each listed application's state, where ``states`` knows it."""
    return replace(
        observed,
        applications={
            env_id: tuple(
                replace(app, state=states[app.id]) if app.id in states else app for app in apps
            )
            for env_id, apps in observed.applications.items()
        },
    )
