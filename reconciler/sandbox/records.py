"""What every operation on services shares: timestamps, lookups, deployment records.

``get_or_404`` finds an object of a table (404 naming its kind otherwise); ``start_action``
starts a deploy or a stop on a service's deployment record; ``settle`` finishes those whose
time is up (lazily, on the store's next transaction: a finished deployment sets the
repository's ``deployed_commit_*``); ``render_status`` is the spec's ``Status`` of a record
at a time. Deployments go QUEUED, then DEPLOYING (or STOPPING), then done after their
``seconds``.

Neighbours: ``store`` (settles in every transaction), ``services`` and ``deploys`` (start
actions, render statuses), ``hierarchy`` (lookups).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.lifecycle import overlay
from reconciler.sandbox.problems import not_found
from reconciler.sandbox.service_index import index_of

JSONObject = dict[str, Any]


def iso(seconds: float) -> str:
    """An RFC 3339 timestamp in UTC, as Qovery writes them."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def get_or_404(state: JSONObject, table: str, ident: str, kind: str) -> JSONObject:
    found: JSONObject | None = state[table].get(ident)
    if found is None:
        raise not_found(kind, ident)
    return found  # the stored dict itself: callers may change it


def start_action(
    state: JSONObject,
    service_id: str,
    action: str,
    now: float,
    seconds: float,
    version: str | None = None,
    request_id: str | None = None,
) -> None:
    """Start a DEPLOY (of ``version``) or a STOP on a service's deployment record (which
    exists); ``request_id``: the deployment request it is part of (one per request by default)."""
    record = state["deployments"][service_id]
    index_of(state).note_due(service_id)
    record.update(request_id=request_id or str(uuid.uuid4()), requested_at=now, seconds=seconds)
    record.update(pending=True, action=action, failed=None)
    if action == "DEPLOY":
        record.update(count=record["count"] + 1, commit=version, out_of_date=False)


def settle(state: JSONObject, now: float) -> bool:
    """Finish the deployments and stops whose time is up; True when the state changed."""
    changed = False
    for service_id in index_of(state).due():
        record = state["deployments"][service_id]
        if record["pending"] and now >= record["requested_at"] + record["seconds"]:
            record["pending"] = False
            changed = True
            if record.get("action", "DEPLOY") == "STOP":
                continue
            record["failed"] = state["deploy_failures"].get(str(record["commit"]))
            if record["failed"]:  # the build of this version fails (sandbox.deploys)
                continue
            record["finished_date"] = iso(record["requested_at"] + record["seconds"])
            git = _deployed_repository(state, service_id)
            if git is not None:
                git["deployed_commit_id"] = record["commit"]
                git["deployed_commit_date"] = record["finished_date"]
    return changed


def _deployed_repository(state: JSONObject, service_id: str) -> JSONObject | None:
    """The git repository a deployment of the service builds from: an application's, or a
    job's built from a Dockerfile; None for images (containers, image jobs)."""
    app = state["applications"].get(service_id)
    if app is not None:
        git: JSONObject | None = app.get("git_repository")
        return git
    job = state["jobs"].get(service_id)
    docker = (job or {}).get("source", {}).get("docker")
    return None if docker is None else docker.get("git_repository")


def render_status(app_id: str, record: JSONObject, now: float) -> JSONObject:
    """The spec's ``Status`` of a service (any kind) at time ``now``."""
    count = record["count"]
    running = record["pending"] and now < record["requested_at"] + record["seconds"]
    queued = running and now < record["requested_at"] + record["seconds"] / 2
    if record.get("action", "DEPLOY") == "STOP":
        state = "STOP_QUEUED" if queued else "STOPPING" if running else "STOPPED"
        action_status = "QUEUED" if queued else "ONGOING" if running else "SUCCESS"
        deployment = "NEVER_DEPLOYED" if not record["finished_date"] else _freshness(record)
    elif count == 0:
        state, deployment, action_status = "READY", "NEVER_DEPLOYED", "NEVER"
    elif running:
        state, action_status = ("QUEUED", "QUEUED") if queued else ("DEPLOYING", "ONGOING")
        deployment = "OUT_OF_DATE" if record["finished_date"] else "NEVER_DEPLOYED"
    elif record.get("failed"):
        state, action_status = str(record["failed"]), "ERROR"
        deployment = "OUT_OF_DATE" if record["finished_date"] else "NEVER_DEPLOYED"
    else:
        state, action_status, deployment = "DEPLOYED", "SUCCESS", _freshness(record)
    status: JSONObject = {"id": app_id, "state": state, "service_deployment_status": deployment}
    finished = record["finished_date"] or (
        iso(record["requested_at"] + record["seconds"]) if state == "DEPLOYED" else None
    )
    if finished:
        status["last_deployment_date"] = finished
    status["is_part_last_deployment"] = count > 0
    status["status_details"] = {
        "action": record.get("action", "DEPLOY"),
        "status": action_status,
        "sub_action": "NONE",
    }
    status["deployment_request_id"] = record["request_id"]
    status["deployment_requests_count"] = count
    return overlay(status, record, now)


def _freshness(record: JSONObject) -> str:
    return "OUT_OF_DATE" if record["out_of_date"] else "UP_TO_DATE"
