"""The operations of every kind of service (applications, containers, jobs), each atomic.

A ``Kind`` says what differs between the kinds (its table, how a request body becomes a
full object, how a clone is made, which version a deploy body asks for); the operations are
the same for all: list, get, create, full-replace edit, delete (under way for the store's
delay, then gone with its variables: ``lifecycle``), clone, deploy, stop, status. Names are
unique per environment across the kinds (``check_name_free``). Deployments and stops share
the store's records (``records``) and its lazy clock: a deploy or stop goes QUEUED, then
ongoing, then done after the store's ``deploy_seconds``; a container (or an image job)
deployed at another tag takes that tag at once (inferred from the console's "deploy another
version"). Two differences stay with applications, as they were: a clone copies the
application's own variables (``copy_service_variables``), and a deploy body without its
commit is refused before anything else.

Neighbours: ``applications``, ``containers`` and ``jobs`` build the objects, ``store`` keeps
the state (its application methods are these operations), ``server`` routes requests here
(``service_routes``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.answers import copy_json
from reconciler.sandbox.applications import JSONObject, clone_of, configure
from reconciler.sandbox.containers import configure_container
from reconciler.sandbox.jobs import configure_job, job_clone_of
from reconciler.sandbox.lifecycle import check_writable, start_delete
from reconciler.sandbox.lifecycle import never_deployed as _never_deployed
from reconciler.sandbox.problems import bad_request, conflict
from reconciler.sandbox.records import get_or_404, iso, render_status, start_action
from reconciler.sandbox.service_index import index_of, reindex
from reconciler.sandbox.variable_writes import copy_service_variables

if TYPE_CHECKING:
    from reconciler.sandbox.store import Store

Operation = Callable[["Store", str, Any], tuple[int, Any]]


@dataclass(frozen=True)
class Kind:
    """What differs between the kinds of service the operations below serve."""

    name: str  # as in paths: "container"
    table: str  # the state's table: "containers"
    configure: Callable[..., JSONObject]  # a request body -> the full object
    clone: Callable[..., JSONObject]  # a source object -> its copy
    deploy_version: Callable[[JSONObject, Any], str]  # (service, deploy body) -> version
    deploy_body: Callable[[Any], object] = lambda body: None  # checked before anything else


def _configure_application(body: Any, *, service_id: str, catalog: Any, **rest: Any) -> JSONObject:
    return configure(body, app_id=service_id, groups=catalog, **rest)


def _plain_clone(source: JSONObject, *, service_id: str, **rest: Any) -> JSONObject:
    return clone_of(source, app_id=service_id, **rest)


def _commit(body: Any) -> str:
    commit = body.get("git_commit_id") if isinstance(body, dict) else None
    if not isinstance(commit, str) or not commit.strip():
        raise bad_request("git_commit_id is required and must be a non-empty string")
    return commit


def _container_version(container: JSONObject, body: Any) -> str:
    tag = _text(body, "image_tag")
    if tag is None:
        raise bad_request("image_tag is required and must be a non-empty string")
    container["tag"] = tag
    return tag


def _job_version(job: JSONObject, body: Any) -> str:
    tag, commit = _text(body, "image_tag"), _text(body, "git_commit_id")
    if tag is not None and commit is not None:
        raise bad_request("give image_tag or git_commit_id, not both")
    image = job["source"].get("image")
    if image is not None:
        if tag is None:
            raise bad_request("this job runs an image: image_tag is required")
        image["tag"] = tag
        return tag
    if commit is None:
        raise bad_request("this job is built from Git: git_commit_id is required")
    return commit


def _text(body: Any, key: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{key} must be a non-empty string")
    return value


APPLICATION = Kind(
    "application",
    "applications",
    _configure_application,
    _plain_clone,
    lambda _app, body: _commit(body),
    deploy_body=_commit,
)
CONTAINER = Kind("container", "containers", configure_container, _plain_clone, _container_version)
JOB = Kind("job", "jobs", configure_job, job_clone_of, _job_version)
KINDS = (APPLICATION, CONTAINER, JOB)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def catalog_of(state: JSONObject, environment: JSONObject) -> dict[str, dict[str, JSONObject]]:
    """The groups and container registries of the environment's organization, by id."""
    org_id = environment["organization"]["id"]
    groups = state["groups"].get(org_id, {})
    return {
        "annotations_groups": groups.get("annotations_groups", {}),
        "labels_groups": groups.get("labels_groups", {}),
        "registries": state["registries"].get(org_id, {}),
    }


def services_in(state: JSONObject, table: str, environment_id: str) -> list[JSONObject]:
    return index_of(state).services_in(table, environment_id)


def check_name_free(state: JSONObject, environment_id: str, name: str, own_id: str) -> None:
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


def _fresh_id(_key: str) -> str:
    return str(uuid.uuid4())


# ── reads ───────────────────────────────────────────────────────────────────────────────


def list_services(store: Store, kind: Kind, environment_id: str) -> list[JSONObject]:
    with store.transaction() as txn:
        get_or_404(txn.state, "environments", environment_id, "environment")
        return copy_json(services_in(txn.state, kind.table, environment_id))


def get_service(store: Store, kind: Kind, ident: str) -> JSONObject:
    with store.transaction() as txn:
        return copy_json(get_or_404(txn.state, kind.table, ident, kind.name))


def service_status(store: Store, kind: Kind, ident: str) -> JSONObject:
    with store.transaction() as txn:
        get_or_404(txn.state, kind.table, ident, kind.name)
        record = txn.state["deployments"].get(ident, _never_deployed())
        return render_status(ident, record, store.now())


def service_statuses(store: Store, kind: Kind, environment_id: str) -> list[JSONObject]:
    with store.transaction() as txn:
        state = txn.state
        get_or_404(state, "environments", environment_id, "environment")
        now = store.now()
        return [
            render_status(s["id"], state["deployments"].get(s["id"], _never_deployed()), now)
            for s in services_in(state, kind.table, environment_id)
        ]


def find_service(
    store: Store, kind: Kind, environment: str, name: str, project: str | None = None
) -> JSONObject | None:
    """The service of ``kind`` named ``name`` (any case) in the environment named so."""
    env_id = store.environment_id(environment, project=project)
    for service in list_services(store, kind, env_id):
        if service["name"].lower() == name.lower():
            return service
    return None


# ── writes ──────────────────────────────────────────────────────────────────────────────


def _configured(
    store: Store, state: JSONObject, kind: Kind, body: Any, previous: JSONObject | None, **at: str
) -> JSONObject:
    """The full object ``body`` makes (``at``: its ``environment_id`` and ``service_id``),
    on create (``previous`` None) and on a full-replace edit alike."""
    env = get_or_404(state, "environments", at["environment_id"], "environment")
    return kind.configure(
        body,
        previous=previous,
        now=iso(store.now()),
        new_id=_fresh_id,
        catalog=catalog_of(state, env),
        **at,
    )


def create_service(store: Store, kind: Kind, environment_id: str, body: Any) -> JSONObject:
    with store.transaction() as txn:
        state = txn.state
        service_id = str(uuid.uuid4())
        service = _configured(
            store, state, kind, body, None, environment_id=environment_id, service_id=service_id
        )
        check_name_free(state, environment_id, service["name"], service_id)
        index_of(state).add(kind.table, service)
        txn.dirty = True
        return copy_json(service)


def edit_service(store: Store, kind: Kind, ident: str, body: Any) -> JSONObject:
    """A FULL replace of the service's configuration by ``body``."""
    with store.transaction() as txn:
        state = txn.state
        old = get_or_404(state, kind.table, ident, kind.name)
        check_writable(state, ident, store.now())  # 409 while it is being deleted
        env_id = old["environment"]["id"]
        service = _configured(
            store, state, kind, body, old, environment_id=env_id, service_id=ident
        )
        check_name_free(state, env_id, service["name"], ident)
        state[kind.table][ident] = service
        record = state["deployments"].get(ident)
        if record and record["count"]:
            record["out_of_date"] = True
        txn.dirty = True
        return copy_json(service)


def delete_service(store: Store, kind: Kind, ident: str) -> None:
    with store.transaction() as txn:
        get_or_404(txn.state, kind.table, ident, kind.name)
        # under way for the store's delay, then gone with its variables
        start_delete(txn.state, ident, store.now(), store.delete_seconds)
        txn.dirty = True


def clone_service(store: Store, kind: Kind, ident: str, body: Any) -> JSONObject:
    with store.transaction() as txn:
        state = txn.state
        source = get_or_404(state, kind.table, ident, kind.name)
        name, env_id = _clone_request(body)
        target = get_or_404(state, "environments", env_id, "environment")
        source_env = state["environments"][source["environment"]["id"]]
        if target["organization"]["id"] != source_env["organization"]["id"]:
            raise bad_request("cannot clone into an environment of another organization")
        new_id = str(uuid.uuid4())
        check_name_free(state, env_id, name, new_id)
        now = iso(store.now())
        clone = kind.clone(
            source, service_id=new_id, name=name, environment_id=env_id, now=now, new_id=_fresh_id
        )
        index_of(state).add(kind.table, clone)
        same = env_id == source_env["id"]  # every kind's clone copies its own variables
        copy_service_variables(state, ident, new_id, same_environment=same, now=now)
        txn.dirty = True
        return copy_json(clone)


def deploy_service(store: Store, kind: Kind, ident: str, body: Any) -> JSONObject:
    kind.deploy_body(body)
    with store.transaction() as txn:
        state = txn.state
        service = get_or_404(state, kind.table, ident, kind.name)
        now = store.now()
        check_writable(state, ident, now)  # 409 while it is being deleted
        record = state["deployments"].setdefault(ident, _never_deployed())
        record.pop("stopped", None)  # a deploy starts it again
        if record["pending"]:
            raise conflict(f"an operation on this {kind.name} is already in progress")
        version = kind.deploy_version(service, body)
        start_action(state, ident, "DEPLOY", now, store.deploy_seconds, version)
        txn.dirty = True
        return render_status(ident, record, now)


def stop_service(store: Store, kind: Kind, ident: str) -> JSONObject:
    """``POST /{kind}/{id}/stop``: 202 and STOPPED after the store's delay; 409 when an
    operation is in progress or the service is already stopped, as the spec declares."""
    with store.transaction() as txn:
        state = txn.state
        get_or_404(state, kind.table, ident, kind.name)
        now = store.now()
        check_writable(state, ident, now)  # 409 while it is being deleted
        record = state["deployments"].setdefault(ident, _never_deployed())
        if record["pending"]:
            raise conflict(f"an operation on this {kind.name} is already in progress")
        if record.get("action") == "STOP":
            raise conflict(f"this {kind.name} is already stopped")
        start_action(state, ident, "STOP", now, store.deploy_seconds)
        txn.dirty = True
        return render_status(ident, record, now)


def patch_service(store: Store, kind: Kind, ident: str, changes: JSONObject) -> JSONObject:
    """An out-of-band change: top-level fields replaced as given, without any check."""
    with store.transaction() as txn:
        service = get_or_404(txn.state, kind.table, ident, kind.name)
        service.update(copy.deepcopy(changes))
        service["updated_at"] = iso(store.now())
        if "environment" in changes:  # moved: the index is built again
            reindex(txn.state)
        txn.dirty = True
        return copy_json(service)


# ── routes ──────────────────────────────────────────────────────────────────────────────


def service_routes() -> list[tuple[str, str, Operation]]:
    """The routes of every kind of service, for ``server``."""
    return [route for kind in KINDS for route in _kind_routes(kind)]


def _kind_routes(k: Kind) -> list[tuple[str, str, Operation]]:
    env, one = rf"/environment/([^/]+)/{k.name}", rf"/{k.name}/([^/]+)"
    return [
        ("GET", env, lambda s, i, b: (200, {"results": list_services(s, k, i)})),
        ("POST", env, lambda s, i, b: (201, create_service(s, k, i, b))),
        ("GET", env + "/status", lambda s, i, b: (200, {"results": service_statuses(s, k, i)})),
        ("GET", one, lambda s, i, b: (200, get_service(s, k, i))),
        ("PUT", one, lambda s, i, b: (200, edit_service(s, k, i, b))),
        ("DELETE", one, lambda s, i, b: _deleted(s, k, i)),
        ("POST", one + "/clone", lambda s, i, b: (202, clone_service(s, k, i, b))),
        ("POST", one + "/deploy", lambda s, i, b: (202, deploy_service(s, k, i, b))),
        ("POST", one + "/stop", lambda s, i, b: (202, stop_service(s, k, i))),
        ("GET", one + "/status", lambda s, i, b: (200, service_status(s, k, i))),
    ]


def _deleted(store: Store, kind: Kind, ident: str) -> tuple[int, None]:
    delete_service(store, kind, ident)
    return 204, None
