"""Where a state's services are: each environment's services of each kind, and the
deployment records that are due (a deploy or a stop pending, a delete under way).

Every request used to scan every service of every table (a listing, a name check) and every
deployment record twice (to settle deployments and finish deletes): at 10,000 services, most
of the sandbox's time. With this index a request's work follows what it touches: the
services of one environment, the records still due.

``index_of(state)`` is the one way to the index. A ``backends.State`` carries its own, built
on first use and kept up to date by the operations that change what it knows:

- a new service goes in with ``add``, a removed one out with ``remove`` (``lifecycle``);
  an edit that replaces a service under its id needs nothing (the index holds ids);
- a record that becomes due is noted with ``note_due`` (``store.start_action``,
  ``lifecycle.start_delete``); records no longer due leave ``due()`` by themselves;
- an out-of-band change of a service's environment calls ``reindex``.

As a guard, an index whose tables are no longer the state's, or whose count of services
differs from a table's (a service added or removed behind its back), is built again. A
plain dict (a seed being built, a test's state) gets an index for the one call. The
``FileBackend`` loads a new ``State`` in every transaction, so a state file changed by
another process or by hand is indexed afresh.

Neighbours: ``backends`` (``State``), ``store``, ``services``, ``lifecycle``, ``deploys``
and ``variables`` (its readers and writers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.sandbox.backends import SERVICE_TABLES, State

JSONObject = dict[str, Any]


def index_of(state: JSONObject) -> ServiceIndex:
    """The index of ``state``'s services (built if it has none or it is out of date)."""
    if not isinstance(state, State):
        return ServiceIndex(state)
    index = state.index
    if not isinstance(index, ServiceIndex) or not index.matches(state):
        index = state.index = ServiceIndex(state)
    return index


def reindex(state: JSONObject) -> None:
    """Forget the index: the next ``index_of`` builds it again (a service moved)."""
    if isinstance(state, State):
        state.index = None


def _is_due(record: JSONObject) -> bool:
    return bool(record.get("pending")) or record.get("deleting_at") is not None


class ServiceIndex:
    """The services of each environment, by table, in the table's order; the due records."""

    def __init__(self, state: JSONObject) -> None:
        self._tables: dict[str, JSONObject] = {t: state.get(t, {}) for t in SERVICE_TABLES}
        self._deployments: JSONObject = state["deployments"]
        self._by_env: dict[str, dict[str, dict[str, None]]] = {t: {} for t in SERVICE_TABLES}
        self._home: dict[str, tuple[str, str]] = {}  # service id -> (table, environment id)
        self._counts = dict.fromkeys(SERVICE_TABLES, 0)
        for table, services in self._tables.items():
            for service in services.values():
                self._place(table, service)
        self._due = {i: None for i, record in self._deployments.items() if _is_due(record)}

    def matches(self, state: JSONObject) -> bool:
        """Whether this index still describes ``state`` (same tables, same counts)."""
        return state["deployments"] is self._deployments and all(
            state.get(table) is services and len(services) == self._counts[table]
            for table, services in self._tables.items()
        )

    def _place(self, table: str, service: JSONObject) -> None:
        env_id = service["environment"]["id"]
        self._by_env[table].setdefault(env_id, {})[service["id"]] = None
        self._home[service["id"]] = (table, env_id)
        self._counts[table] += 1

    # -- reads
    def services_in(self, table: str, environment_id: str) -> list[JSONObject]:
        """The services of ``table`` in the environment, in the table's order."""
        services = self._tables[table]
        return [services[i] for i in self._by_env[table].get(environment_id, ())]

    def all_in(self, environment_id: str) -> Iterator[tuple[str, JSONObject]]:
        """(table, service) of every kind in the environment, tables in ``SERVICE_TABLES``
        order."""
        for table in SERVICE_TABLES:
            for service in self.services_in(table, environment_id):
                yield table, service

    def due(self) -> list[str]:
        """The ids of the records pending or being deleted (others leave the list here)."""
        for ident in list(self._due):
            record = self._deployments.get(ident)
            if record is None or not _is_due(record):
                del self._due[ident]
        return list(self._due)

    # -- writes
    def add(self, table: str, service: JSONObject) -> None:
        """A new service (a fresh id) into its table and the index."""
        self._tables[table][service["id"]] = service
        self._place(table, service)

    def remove(self, service_id: str) -> None:
        """The service out of its table and the index (nothing when there is none)."""
        home = self._home.pop(service_id, None)
        if home is None:
            return
        table, env_id = home
        self._tables[table].pop(service_id, None)
        in_env = self._by_env[table][env_id]
        del in_env[service_id]
        if not in_env:
            del self._by_env[table][env_id]
        self._counts[table] -= 1

    def note_due(self, service_id: str) -> None:
        """The service's record is pending, or its delete under way."""
        self._due[service_id] = None
