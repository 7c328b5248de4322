"""The sandbox's store: its state in a backend, every operation in one atomic transaction.

``Store`` holds a state (a JSON-able dict, described in ``backends``) in a backend:
``MemoryBackend`` or ``FileBackend``; each operation runs in one of its transactions, which
first settles what is due (deployments and stops whose time is up, deletes that are over:
``records``, ``lifecycle``). Here: the lists of the hierarchy, databases, variables (their
operations: ``variables``, ``variable_writes``), the state for tests and the admin API, and
the applications' operations the tests and ``RunningSandbox`` call (the operations
themselves, of every kind of service, are in ``services``).

Neighbours: ``backends`` keeps the state, ``seeding`` makes the first state, ``server`` maps
HTTP requests onto the operations (``routes``).
"""

from __future__ import annotations

import contextlib
import copy
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from reconciler.sandbox.answers import copy_json
from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.backends import Backend, Transaction, check_state
from reconciler.sandbox.lifecycle import finish_deletes
from reconciler.sandbox.problems import not_found
from reconciler.sandbox.records import get_or_404, iso, settle
from reconciler.sandbox.service_index import index_of
from reconciler.sandbox.services import (
    APPLICATION,
    create_service,
    find_service,
    get_service,
    list_services,
    patch_service,
    service_status,
)
from reconciler.sandbox.variables import tables


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
                settle(txn.state, now) | finish_deletes(txn.state, now)
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
            get_or_404(state, "organizations", organization_id, "organization")
            envs = list(state["environments"].values())
            return [
                copy_json(p) | {"associated_environments_count": _count_envs(envs, p["id"])}
                for p in state["projects"].values()
                if p["organization"]["id"] == organization_id
            ]

    def list_environments(self, project_id: str) -> list[JSONObject]:
        with self._txn() as txn:
            get_or_404(txn.state, "projects", project_id, "project")
            return copy_json(
                [e for e in txn.state["environments"].values() if e["project"]["id"] == project_id]
            )

    def list_organization_environments(self, organization_id: str) -> list[JSONObject]:
        keys = ("id", "created_at", "updated_at", "name", "organization", "project", "mode")
        with self._txn() as txn:
            get_or_404(txn.state, "organizations", organization_id, "organization")
            return copy_json(
                [
                    {key: e[key] for key in keys if key in e}
                    for e in txn.state["environments"].values()
                    if e["organization"]["id"] == organization_id
                ]
            )

    # -- applications (the operations of every kind: ``services``)
    def list_applications(self, environment_id: str) -> list[JSONObject]:
        return list_services(self, APPLICATION, environment_id)

    def get_application(self, application_id: str) -> JSONObject:
        return get_service(self, APPLICATION, application_id)

    def create_application(self, environment_id: str, body: Any) -> JSONObject:
        return create_service(self, APPLICATION, environment_id, body)

    def get_application_status(self, application_id: str) -> JSONObject:
        return service_status(self, APPLICATION, application_id)

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
            get_or_404(txn.state, "environments", environment_id, "environment")
            _, databases = tables(txn.state)
            found = [d for d in databases.values() if d["environment"]["id"] == environment_id]
            return copy_json(found)

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
        return find_service(self, APPLICATION, environment, name, project)

    def environment_id(self, environment: str, *, project: str | None = None) -> str:
        with self._txn() as txn:
            return _find_environment(txn.state, environment, project)

    def patch_application(self, application_id: str, changes: JSONObject) -> JSONObject:
        """An out-of-band change: top-level fields replaced as given, without any check."""
        return patch_service(self, APPLICATION, application_id, changes)

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


def _count_envs(environments: list[JSONObject], project_id: str) -> int:
    return sum(1 for e in environments if e["project"]["id"] == project_id)


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
