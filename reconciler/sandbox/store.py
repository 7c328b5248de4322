"""Every operation of the Qovery API the sandbox serves, each one atomic.

``Store`` holds a state (a JSON-able dict, described in ``backends``) in a backend:
``MemoryBackend`` or ``FileBackend``; each operation runs in one of its transactions.

Deployments advance lazily from timestamps: QUEUED, then DEPLOYING, then DEPLOYED after
``seconds``; a finished deployment sets ``git_repository.deployed_commit_*`` the next time
the store is touched. Neighbours: ``backends`` keeps the state, ``applications`` builds the
objects, ``seeding`` makes the first state, ``server`` maps HTTP requests onto the methods
here.
"""

from __future__ import annotations

import contextlib
import copy
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.answers import copy_json
from reconciler.sandbox.applications import JSONObject, clone_of, configure
from reconciler.sandbox.backends import Backend, Transaction, check_state
from reconciler.sandbox.lifecycle import (
    check_writable,
    finish_deletes,
    overlay,
    start_delete,
)
from reconciler.sandbox.lifecycle import never_deployed as _never_deployed
from reconciler.sandbox.problems import bad_request, conflict, not_found
from reconciler.sandbox.service_index import index_of, reindex
from reconciler.sandbox.variable_writes import copy_service_variables
from reconciler.sandbox.variables import tables


def iso(seconds: float) -> str:
    """An RFC 3339 timestamp in UTC, as Qovery writes them."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ── the store ───────────────────────────────────────────────────────────────────────────


class Store:
    """Every operation of the sandbox's API; each one is atomic."""

    def __init__(
        self,
        backend: Backend,
        *,
        deploy_seconds: float = 0.3,
        clock: Callable[[], float] = time.time,
        delete_seconds: float = 0.0,
    ) -> None:
        self.backend = backend
        self.deploy_seconds = deploy_seconds
        self.delete_seconds = delete_seconds  # how long a delete stays under way (lifecycle)
        self._clock = clock

    @contextlib.contextmanager
    def _txn(self) -> Iterator[Transaction]:
        with self.backend.transaction() as txn:
            now = self._clock()
            if index_of(txn.state).due() and (
                _settle(txn.state, now) | finish_deletes(txn.state, now)
            ):
                txn.dirty = True
            yield txn

    def transaction(self) -> contextlib.AbstractContextManager[Transaction]:
        """One atomic operation on the state, deployments settled (for ``services``)."""
        return self._txn()

    def now(self) -> float:
        """The store's clock, in seconds since the epoch."""
        return self._clock()

    # -- the hierarchy
    def list_organizations(self) -> list[JSONObject]:
        with self._txn() as txn:
            return copy_json(list(txn.state["organizations"].values()))

    def list_projects(self, organization_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            state = txn.state
            _get(state, "organizations", organization_id, "organization")
            envs = list(state["environments"].values())
            return [
                copy_json(p) | {"associated_environments_count": _count_envs(envs, p["id"])}
                for p in state["projects"].values()
                if p["organization"]["id"] == organization_id
            ]

    def list_environments(self, project_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            _get(txn.state, "projects", project_id, "project")
            return copy_json(
                [e for e in txn.state["environments"].values() if e["project"]["id"] == project_id]
            )

    def list_organization_environments(self, organization_id: str) -> list[JSONObject]:
        keys = ("id", "created_at", "updated_at", "name", "organization", "project", "mode")
        with self._txn() as txn:
            _get(txn.state, "organizations", organization_id, "organization")
            return copy_json(
                [
                    {key: e[key] for key in keys if key in e}
                    for e in txn.state["environments"].values()
                    if e["organization"]["id"] == organization_id
                ]
            )

    # -- applications
    def list_applications(self, environment_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            _get(txn.state, "environments", environment_id, "environment")
            return copy_json(_apps_in(txn.state, environment_id))

    def get_application(self, application_id: str) -> JSONObject:
        with self._txn() as txn:
            return copy_json(_get(txn.state, "applications", application_id, "application"))

    def create_application(self, environment_id: str, body: Any) -> JSONObject:
        with self._txn() as txn:
            state = txn.state
            env = _get(state, "environments", environment_id, "environment")
            app_id = str(uuid.uuid4())
            app = configure(
                body,
                previous=None,
                environment_id=environment_id,
                app_id=app_id,
                now=iso(self._clock()),
                new_id=_fresh_id,
                groups=_groups_of(state, env),
            )
            _check_name_free(state, environment_id, app["name"], app_id)
            index_of(state).add("applications", app)
            txn.dirty = True
            return copy_json(app)

    def edit_application(self, application_id: str, body: Any) -> JSONObject:
        with self._txn() as txn:
            state = txn.state
            old = _get(state, "applications", application_id, "application")
            check_writable(state, application_id, self._clock())
            env_id = old["environment"]["id"]
            app = configure(
                body,
                previous=old,
                environment_id=env_id,
                app_id=application_id,
                now=iso(self._clock()),
                new_id=_fresh_id,
                groups=_groups_of(state, state["environments"][env_id]),
            )
            _check_name_free(state, env_id, app["name"], application_id)
            state["applications"][application_id] = app
            record = state["deployments"].get(application_id)
            if record and record["count"]:
                record["out_of_date"] = True
            txn.dirty = True
            return copy_json(app)

    def delete_application(self, application_id: str) -> None:
        with self._txn() as txn:
            _get(txn.state, "applications", application_id, "application")
            start_delete(txn.state, application_id, self._clock(), self.delete_seconds)
            txn.dirty = True

    def clone_application(self, application_id: str, body: Any) -> JSONObject:
        with self._txn() as txn:
            state = txn.state
            source = _get(state, "applications", application_id, "application")
            name, env_id = _clone_request(body)
            target = _get(state, "environments", env_id, "environment")
            source_env = state["environments"][source["environment"]["id"]]
            if target["organization"]["id"] != source_env["organization"]["id"]:
                raise bad_request("cannot clone into an environment of another organization")
            new_id = str(uuid.uuid4())
            _check_name_free(state, env_id, name, new_id)
            app = clone_of(
                source,
                app_id=new_id,
                name=name,
                environment_id=env_id,
                now=iso(self._clock()),
                new_id=_fresh_id,
            )
            index_of(state).add("applications", app)
            same_env = env_id == source_env["id"]
            now = iso(self._clock())
            copy_service_variables(state, source["id"], new_id, same_environment=same_env, now=now)
            txn.dirty = True
            return copy_json(app)

    # -- variables (sandbox.variables, sandbox.variable_writes) and databases
    def read_variables(self, operation: Callable[..., Any], *args: Any) -> Any:
        """``operation(state, *args)`` in one transaction; its answer, copied."""
        with self._txn() as txn:
            return copy_json(operation(txn.state, *args))

    def write_variables(self, operation: Callable[..., Any], *args: Any) -> Any:
        """``operation(state, *args, now)`` in one transaction that saves; its answer, copied."""
        with self._txn() as txn:
            answer = operation(txn.state, *args, iso(self._clock()))
            txn.dirty = True
            return copy_json(answer)

    def list_databases(self, environment_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            _get(txn.state, "environments", environment_id, "environment")
            _, databases = tables(txn.state)
            found = [d for d in databases.values() if d["environment"]["id"] == environment_id]
            return copy_json(found)

    # -- deployments
    def deploy_application(self, application_id: str, body: Any) -> JSONObject:
        commit = body.get("git_commit_id") if isinstance(body, dict) else None
        if not isinstance(commit, str) or not commit.strip():
            raise bad_request("git_commit_id is required and must be a non-empty string")
        with self._txn() as txn:
            state = txn.state
            _get(state, "applications", application_id, "application")
            now = self._clock()
            check_writable(state, application_id, now)
            record = state["deployments"].setdefault(application_id, _never_deployed())
            record.pop("stopped", None)  # a deploy starts it again
            if record["pending"]:
                raise conflict("a deployment of this application is already in progress")
            start_action(state, application_id, "DEPLOY", now, self.deploy_seconds, commit)
            txn.dirty = True
            return render_status(application_id, record, now)

    def get_application_status(self, application_id: str) -> JSONObject:
        with self._txn() as txn:
            _get(txn.state, "applications", application_id, "application")
            record = txn.state["deployments"].get(application_id, _never_deployed())
            return render_status(application_id, record, self._clock())

    def list_application_statuses(self, environment_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            state = txn.state
            _get(state, "environments", environment_id, "environment")
            now = self._clock()
            return [
                render_status(a["id"], state["deployments"].get(a["id"], _never_deployed()), now)
                for a in _apps_in(state, environment_id)
            ]

    # -- for tests and the admin API
    def snapshot(self) -> JSONObject:
        with self._txn() as txn:
            return copy_json(txn.state)

    def replace(self, state: Any) -> None:
        self.backend.replace(copy.deepcopy(check_state(state, "the new state")))

    def find_application(
        self, environment: str, name: str, *, project: str | None = None
    ) -> JSONObject | None:
        """The application named ``name`` (any case) in the environment named ``environment``."""
        with self._txn() as txn:
            env_id = _find_environment(txn.state, environment, project)
            for app in _apps_in(txn.state, env_id):
                if app["name"].lower() == name.lower():
                    return copy_json(app)
            return None

    def environment_id(self, environment: str, *, project: str | None = None) -> str:
        with self._txn() as txn:
            return _find_environment(txn.state, environment, project)

    def patch_application(self, application_id: str, changes: JSONObject) -> JSONObject:
        """An out-of-band change: top-level fields replaced as given, without any check."""
        with self._txn() as txn:
            app = _get(txn.state, "applications", application_id, "application")
            app.update(copy.deepcopy(changes))
            app["updated_at"] = iso(self._clock())
            if "environment" in changes:  # moved: the index is built again
                reindex(txn.state)
            txn.dirty = True
            return copy_json(app)

    def add_environment(self, project: str, name: str, mode: str = "PREVIEW") -> JSONObject:
        """A new empty environment in the project named ``project`` (any case)."""
        with self._txn() as txn:
            state = txn.state
            matches = [
                p for p in state["projects"].values() if p["name"].lower() == project.lower()
            ]
            if len(matches) != 1:
                raise not_found("project", project)
            proj = matches[0]
            env_id = str(uuid.uuid4())
            org_id = proj["organization"]["id"]
            env = new_environment(env_id, name, mode, org_id, proj["id"], iso(self._clock()))
            state["environments"][env_id] = env
            txn.dirty = True
            return copy_json(env)


# ── helpers ─────────────────────────────────────────────────────────────────────────────


def new_environment(
    env_id: str, name: str, mode: str, org_id: str, project_id: str, now: str
) -> JSONObject:
    cluster_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-cluster/{org_id}"))
    return {
        "id": env_id,
        "created_at": now,
        "updated_at": now,
        "name": name,
        "organization": {"id": org_id},
        "project": {"id": project_id},
        "cloud_provider": {"provider": "AWS", "cluster": "sandbox"},
        "mode": mode,
        "cluster_id": cluster_id,
        "cluster_name": "sandbox",
        "expires_at": None,
    }


def _fresh_id(_key: str) -> str:
    return str(uuid.uuid4())


def _get(state: JSONObject, table: str, ident: str, kind: str) -> JSONObject:
    found: JSONObject | None = state[table].get(ident)
    if found is None:
        raise not_found(kind, ident)
    return found  # the stored dict itself: callers may change it


def _apps_in(state: JSONObject, environment_id: str) -> list[JSONObject]:
    return index_of(state).services_in("applications", environment_id)


def _count_envs(environments: list[JSONObject], project_id: str) -> int:
    return sum(1 for e in environments if e["project"]["id"] == project_id)


def _groups_of(state: JSONObject, environment: JSONObject) -> dict[str, dict[str, JSONObject]]:
    groups: dict[str, dict[str, JSONObject]] = state["groups"].get(
        environment["organization"]["id"], {}
    )
    return groups


def _check_name_free(state: JSONObject, environment_id: str, name: str, own_id: str) -> None:
    """409 when another service of any kind in the environment has this name (any case)."""
    for table, service in index_of(state).all_in(environment_id):
        if service["id"] != own_id and service["name"].lower() == name.lower():
            kind = "an application" if table == "applications" else f"a {table[:-1]}"
            raise conflict(f"{kind} named {service['name']!r} already exists in this environment")


def _clone_request(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise bad_request("the request body must be an object {name, environment_id}")
    name, env_id = body.get("name"), body.get("environment_id")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name is required")
    if not isinstance(env_id, str) or not env_id:
        raise bad_request("environment_id is required")
    return name, env_id


def _find_environment(state: JSONObject, environment: str, project: str | None) -> str:
    projects = {p["id"]: p["name"].lower() for p in state["projects"].values()}
    matches = [
        e["id"]
        for e in state["environments"].values()
        if e["name"].lower() == environment.lower()
        and (project is None or projects.get(e["project"]["id"]) == project.lower())
    ]
    if len(matches) != 1:
        raise not_found(
            "environment", environment if project is None else f"{project}/{environment}"
        )
    return str(matches[0])


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


def _settle(state: JSONObject, now: float) -> bool:
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
