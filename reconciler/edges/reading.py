"""Reading: the list calls that observing needs, behind one protocol, and a recorded stand-in.

``Reader`` names the read-only list calls of a run (contract section 7): organizations,
the projects and the environments of an organization, the services of one kind
(``core.kinds``) of an environment and their deployment statuses (the applications' calls
under their familiar names too), and the variables a clone sees (contract section 10).
``edges.client.QoveryClient`` is a Reader (it talks to Qovery or to the sandbox);
``RecordedReader`` answers from a recorded catalog instead, so that the whole pipeline runs
offline on what Qovery once held (the golden tests do).

A recorded catalog is one JSON object in the shapes of the API's list responses
(``tests/manifests/golden/*/catalog.json``)::

    {"organizations": [...],                       # GET /organization
     "projects":      {"<org id>": [...]},         # GET /organization/{id}/project
     "environments":  {"<org id>": [...]},         # GET /organization/{id}/environments
     "services":      {"<org id>": [...]},         # GET /organization/{id}/services
     "applications":  {"<environment id>": [...]}, # GET /environment/{id}/application
     "statuses":      {"<environment id>": [...]}, # GET /environment/{id}/application/status
     "containers":    {"<environment id>": [...]}, # GET /environment/{id}/container
     "jobs":          {"<environment id>": [...]}, # GET /environment/{id}/job
     "variables":     {"<service id>": [...]},     # GET /variable?parent_id=&scope=
     ...}   # "container_statuses", "job_statuses"; "helms", "databases", "terraforms"

A listing the recording lacks is a ``MissingRecording``: never taken for an empty list. The
light listing of an organization's services (read only where a manifest prunes), when the
recording has no ``services``, is made from what it holds: the recorded applications,
containers, jobs and databases of the organization's environments, as
``ServiceLightResponse`` items (the recording then answers as one consistent API would).

Neighbours: ``client`` (the live reader), ``observing`` (the caller), ``pipeline`` (chooses
the reader).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from reconciler.core.kinds import KINDS, ServiceKind
from reconciler.core.light_services import light_service

__all__ = ["MissingRecording", "Reader", "RecordedReader"]

Listing = list[dict[str, Any]]
"""One list call's answer: the API's objects, as plain dicts."""


class Reader(Protocol):
    """The list calls a run reads Qovery through; each returns every page, in order."""

    def list_organizations(self) -> Listing: ...

    def list_projects(self, organization_id: str) -> Listing: ...

    def list_organization_environments(self, organization_id: str) -> Listing: ...

    def list_organization_services(self, organization_id: str) -> Listing: ...

    def list_applications(self, environment_id: str) -> Listing: ...

    def list_application_statuses(self, environment_id: str) -> Listing: ...

    def list_services(self, kind: ServiceKind, environment_id: str) -> Listing: ...

    def list_variables(self, parent_id: str, scope: str) -> Listing: ...
    def list_service_statuses(self, kind: ServiceKind, environment_id: str) -> Listing: ...


class MissingRecording(LookupError):
    """A list call that the recorded catalog holds no answer for."""


class RecordedReader:
    """A Reader over a recorded catalog; ``calls`` lists every call made, in order.

    Every answer is a fresh copy, as a new response would be, so that nothing a caller does
    to one answer shows in the next. Safe to call from several threads at once.
    """

    def __init__(self, catalog: Mapping[str, Any]) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str | None]] = []

    @classmethod
    def from_file(cls, path: str | Path) -> RecordedReader:
        """The reader of a ``catalog.json`` file."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def list_organizations(self) -> Listing:
        return self._answer("organizations", None)

    def list_projects(self, organization_id: str) -> Listing:
        return self._answer("projects", organization_id)

    def list_organization_environments(self, organization_id: str) -> Listing:
        return self._answer("environments", organization_id)

    def list_organization_services(self, organization_id: str) -> Listing:
        if "services" in self._catalog:
            return self._answer("services", organization_id)
        call = ("services", organization_id)
        environments = self._answer("environments", organization_id, call=call)
        return [
            light_service(service, kind, environment)
            for environment in environments
            for kind, listing in _LIGHT_KINDS
            for service in self._catalog.get(listing, {}).get(environment["id"], ())
        ]

    def list_applications(self, environment_id: str) -> Listing:
        return self._answer("applications", environment_id)

    def list_application_statuses(self, environment_id: str) -> Listing:
        return self._answer("statuses", environment_id)

    def list_services(self, kind: ServiceKind, environment_id: str) -> Listing:
        return self._answer(kind.listing, environment_id)

    def list_variables(self, parent_id: str, scope: str) -> Listing:
        return self._answer("variables", parent_id)

    def list_service_statuses(self, kind: ServiceKind, environment_id: str) -> Listing:
        return self._answer(kind.statuses, environment_id)

    def _answer(
        self, kind: str, key: str | None, *, call: tuple[str, str | None] | None = None
    ) -> Listing:
        """The recorded ``kind`` listing of ``key``; ``call``: the call it is recorded as
        (itself, unless the answer is made from it)."""
        with self._lock:
            self.calls.append(call or (kind, key))
        recorded = self._catalog.get(kind)
        if key is not None:
            recorded = recorded.get(key) if isinstance(recorded, Mapping) else None
        if not isinstance(recorded, list):
            where = f" for {key}" if key is not None else ""
            raise MissingRecording(f"the recorded catalog has no {kind} listing{where}")
        return copy.deepcopy(recorded)


_LIGHT_KINDS = (
    *((kind.api_type, kind.listing) for kind in KINDS.values()),
    ("DATABASE", "databases"),
)
"""The ``service_type`` of each recorded listing the organization's light listing holds."""
