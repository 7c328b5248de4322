"""Stop, asynchronous delete and environment statuses: the sandbox's service lifecycle.

QOVERY-NOTES, "Delete and stop": ``POST /{kind}/{id}/stop`` answers 202 and the service
goes to ``STOPPED``; a delete answers 204 but the service is still listed, first
``DELETE_QUEUED`` then ``DELETING``, until it is gone. Here that lasts ``delete_seconds``
of the store's clock (``clock.SandboxClock``: tests move it rather than sleep); ``0`` (the
default of ``start``) removes it at once, as the sandbox always did. A service being deleted
refuses every write with 409. ``environment_statuses`` is
``GET /environment/{id}/statuses``: every kind's ``Status`` in one answer.

The marks live in the service's deployment record (``stopped``, ``deleting_at``,
``delete_seconds``), read with defaults so that states saved before them still load.
Neighbours: ``store`` (calls these inside its transactions), ``server`` (routes).
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.problems import conflict
from reconciler.sandbox.service_index import index_of
from reconciler.sandbox.variable_writes import drop_service_variables

JSONObject = dict[str, Any]
STATUS_KINDS = ("containers", "jobs", "databases", "helms", "terraforms", "agentic_workflows")


def deleting_state(record: JSONObject | None, now: float) -> str | None:
    """``DELETE_QUEUED`` / ``DELETING`` while a delete is under way, else ``None``."""
    started = record.get("deleting_at") if record else None
    if started is None or record is None:
        return None
    half = float(record.get("delete_seconds", 0.0)) / 2
    return "DELETE_QUEUED" if now < started + half else "DELETING"


def check_writable(state: JSONObject, app_id: str, now: float) -> None:
    """409 when the service is being deleted: nothing may be written to it any more."""
    if deleting_state(state["deployments"].get(app_id), now):
        raise conflict("the application is being deleted")


def start_delete(state: JSONObject, app_id: str, now: float, seconds: float) -> None:
    """Delete now (``seconds <= 0``), or mark the delete under way until ``now + seconds``."""
    if seconds <= 0:
        _remove(state, app_id)
        return
    record = state["deployments"].setdefault(app_id, never_deployed())
    if record.get("deleting_at") is None:  # a second DELETE changes nothing
        record.update(deleting_at=now, delete_seconds=seconds)
        index_of(state).note_due(app_id)


def finish_deletes(state: JSONObject, now: float) -> bool:
    """Remove the services whose delete is over; True when the state changed."""
    deployments = state["deployments"]
    done = [
        app_id
        for app_id in index_of(state).due()
        if (record := deployments[app_id]).get("deleting_at") is not None
        and now >= record["deleting_at"] + float(record.get("delete_seconds", 0.0))
    ]
    for app_id in done:
        _remove(state, app_id)
    return bool(done)


def _remove(state: JSONObject, app_id: str) -> None:
    """The service gone, with its deployment record and its variables (and what pointed at
    them or at its built-ins)."""
    index_of(state).remove(app_id)  # of any kind: ids never collide
    state["deployments"].pop(app_id, None)
    drop_service_variables(state, app_id)


def overlay(status: JSONObject, record: JSONObject, now: float) -> JSONObject:
    """A rendered ``Status`` with the lifecycle's state laid over the deployment's."""
    deleting = deleting_state(record, now)
    if deleting:
        status["state"] = deleting
    elif record.get("stopped"):
        status["state"] = "STOPPED"
    return status


def environment_statuses(
    environment_id: str,
    applications: list[JSONObject],
    others: dict[str, list[JSONObject]] | None = None,
) -> JSONObject:
    """``EnvironmentStatuses``: the environment's own and every kind's ``Status`` list
    (``others``: the containers' and jobs' lists, by key)."""
    others = others or {}
    states = {s["state"] for s in applications}
    states |= {s["state"] for found in others.values() for s in found}
    if states and states <= {"STOPPED"}:
        env_state = "STOPPED"
    elif any(s in ("DELETE_QUEUED", "DELETING") for s in states):
        env_state = "DELETING"
    else:
        env_state = "DEPLOYED" if "DEPLOYED" in states else "READY"
    environment = {"id": environment_id, "state": env_state, "last_deployment_state": env_state}
    return (
        {"environment": environment, "applications": applications}
        | {kind: [] for kind in STATUS_KINDS}
        | others
    )


def never_deployed() -> JSONObject:
    """The deployment record of a service never deployed (nor stopped, nor deleted)."""
    return {
        "count": 0,
        "request_id": None,
        "requested_at": None,
        "seconds": 0.0,
        "commit": None,
        "finished_date": None,
        "pending": False,
        "out_of_date": False,
    }
