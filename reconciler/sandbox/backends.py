"""Where the sandbox's state lives: in this process, or in a JSON file shared by processes.

``MemoryBackend`` (tests, benchmarks) keeps it in memory under a lock; ``FileBackend``
(``--sandbox``, ``--state``): every transaction loads, changes and saves the JSON file under
an exclusive ``fcntl.flock`` on ``<file>.lock``, written atomically, so that two processes
sharing the file never lose each other's writes. ``check_state`` tells a state from anything
else.

The state::

    {"version": 1,
     "organizations": {id: Organization},
     "groups": {organization id: {"annotations_groups": {id: group}, "labels_groups": {...}}},
     "projects": {id: Project},  "environments": {id: Environment},
     "applications": {id: Application},
     "deployments": {service id: {count, request_id, requested_at, seconds, commit,
                                  finished_date, pending, out_of_date, action}},
     "containers": {id: ContainerResponse},  "jobs": {id: JobResponse},
     "registries": {organization id: {id: ContainerRegistryResponse}},
     "variables": {id: stored variable},   # optional (sandbox.variables); built-ins computed
     "databases": {id: Database}}          # optional: a seed's databases, with built-ins

A deployment's ``commit`` is the version deployed: a commit id, or an image tag; its
``action`` is DEPLOY (absent in older states) or STOP. The tables added after the first
version (``ADDED_KEYS``) read as empty from an older state file.

Both hold the state as a ``State``: the dict itself, which also carries the index of its
services (``service_index``); the ``FileBackend`` loads a new one, so a new index, in every
transaction.

Neighbours: ``store`` runs its operations in a ``transaction()`` here, ``seeding`` starts
from ``empty_state``, ``service_index`` indexes the services.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

from reconciler.sandbox.problems import bad_request

JSONObject = dict[str, Any]

STATE_VERSION = 1
STATE_KEYS = (
    "organizations",
    "groups",
    "projects",
    "environments",
    "applications",
    "deployments",
    "containers",
    "jobs",
    "registries",
    "branches",
    "deploy_failures",
)
ADDED_KEYS = ("containers", "jobs", "registries", "branches", "deploy_failures")
SERVICE_TABLES = ("applications", "containers", "jobs")
"""The tables of services, whose names are unique together in an environment."""


class State(dict[str, Any]):
    """A state as the backends hold it: to encoders and copies, the plain JSON object it is;
    it also carries its services' index (``service_index.index_of``), never saved."""

    __slots__ = ("index",)

    def __init__(self, state: JSONObject) -> None:
        super().__init__(state)
        self.index: Any = None  # a service_index.ServiceIndex, built on first use

    def __copy__(self) -> JSONObject:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> JSONObject:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (dict(self),)


def empty_state() -> JSONObject:
    return {"version": STATE_VERSION} | {key: {} for key in STATE_KEYS}


def check_state(state: Any, origin: str) -> JSONObject:
    """``state`` if it looks like a sandbox state, else ``ApiProblem(400)`` naming ``origin``."""
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise bad_request(f"{origin} is not a sandbox state (version {STATE_VERSION})")
    for key in ADDED_KEYS:
        state.setdefault(key, {})
    for key in STATE_KEYS:
        if not isinstance(state.get(key), dict):
            raise bad_request(f"{origin} is not a sandbox state: {key!r} must be an object")
    return state


class Transaction:
    """The state for the span of one operation; set ``dirty`` when it changed."""

    def __init__(self, state: JSONObject) -> None:
        self.state = state
        self.dirty = False


class MemoryBackend:
    """The state in this process only."""

    def __init__(self, state: JSONObject) -> None:
        self._state = State(state)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            yield Transaction(self._state)

    def replace(self, state: JSONObject) -> None:
        with self._lock:
            self._state = State(state)


class FileBackend:
    """The state in a JSON file, shared safely with other processes."""

    def __init__(self, path: str, initial: Callable[[], JSONObject]) -> None:
        self.path = os.path.abspath(path)
        self._lock = threading.Lock()
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with self._locked():
            if not os.path.exists(self.path):
                self._save(initial())
            else:
                self._load()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, open(self.path + ".lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _load(self) -> JSONObject:
        try:
            with open(self.path, encoding="utf-8") as handle:
                state = json.load(handle)
        except (OSError, ValueError) as exc:
            raise bad_request(f"cannot read the sandbox state {self.path}: {exc}") from None
        return State(check_state(state, f"the file {self.path}"))

    def _save(self, state: JSONObject) -> None:
        directory = os.path.dirname(self.path)
        fd, tmp = tempfile.mkstemp(prefix=".sandbox-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._locked():
            txn = Transaction(self._load())
            yield txn
            if txn.dirty:
                self._save(txn.state)

    def replace(self, state: JSONObject) -> None:
        with self._locked():
            self._save(state)


Backend = MemoryBackend | FileBackend
