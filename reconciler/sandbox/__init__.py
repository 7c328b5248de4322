"""The sandbox: a local Qovery-compatible API on 127.0.0.1, for the quickstart and the tests.

``start()`` seeds a store, serves it in a background thread and returns a
``RunningSandbox``; ``embedded()`` is what ``--sandbox`` uses (demo seed, state kept in
``.reconciler/sandbox.json`` so that successive commands see each other's effects).

Inside: ``seeding`` (seed YAML/dict → state; ``seeded_services`` for registries, containers
and jobs), ``applications``, ``containers``, ``jobs`` (full objects of each kind of service,
validation, with ``fields``), ``services`` (the operations of every kind of service),
``hierarchy`` (plain reads of organizations, projects, environments, registries),
``backends`` (the state: in memory, or a JSON file under ``flock``), ``service_index``
(each environment's services, what is due), ``records`` (deployment records, lookups),
``answers`` (copies, encoding), ``store`` (transactions, the hierarchy's lists), ``faults``
(what to break), ``server`` (HTTP: routes, auth, log, admin API under ``/_sandbox/``).
Outside: ``commands.sandbox`` (the CLI), ``commands.common`` (``--sandbox``) and the tests.
This package never imports httpx and never reads ``../shared``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from typing import Any

from reconciler.sandbox.backends import FileBackend, MemoryBackend
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.problems import ApiProblem, SandboxError
from reconciler.sandbox.seeding import SeedError, build_state
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.services import KINDS_BY_NAME, find_service, list_services, patch_service
from reconciler.sandbox.store import Store

__all__ = ["RunningSandbox", "SandboxError", "SeedError", "embedded", "start"]

JSONObject = dict[str, Any]


class RunningSandbox:
    """A sandbox serving in a background thread; a context manager that stops it on exit."""

    def __init__(self, server: SandboxServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self._port = int(server.server_address[1])
        self.url = f"http://127.0.0.1:{self._port}"
        self.token = server.token
        self.store: Store = server.store
        self.faults: Faults = server.faults

    def __repr__(self) -> str:  # never the token
        return f"RunningSandbox(url={self.url!r})"

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and cut open connections; idempotent."""
        if self._thread.is_alive():
            stopper = threading.Thread(target=self._server.shutdown)
            stopper.start()
            with contextlib.suppress(OSError):  # wake the server's select() at once
                socket.create_connection(("127.0.0.1", self._port), timeout=1).close()
            stopper.join()
            self._thread.join()
            self._server.close_connections()
            self._server.server_close()

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that point the CLI at this sandbox."""
        return {"QOVERY_API_URL": self.url, "QOVERY_API_TOKEN": self.token}

    @property
    def authorization(self) -> str:
        return f"Token {self.token}"

    # -- the request log and the faults
    def requests(self) -> list[JSONObject]:
        return self._server.monitor.requests()

    def clear_requests(self) -> None:
        self._server.monitor.clear()

    def stats(self) -> dict[str, int]:
        return self._server.monitor.stats()

    def set_faults(self, **faults: Any) -> None:
        """Replace the fault settings (keys of ``PUT /_sandbox/faults``)."""
        self.faults.set(**faults)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_rate_limit(self, limit: int | None, window: float = 3600.0) -> None:
        """Answer with ``X-RateLimit-*`` headers, and 429 past ``limit`` requests per
        ``window`` seconds (``None``: no limit, no headers)."""
        self._server.rate_limit.set(limit, window)

    @property
    def deploy_seconds(self) -> float:
        return self.store.deploy_seconds

    @deploy_seconds.setter
    def deploy_seconds(self, seconds: float) -> None:
        self.store.deploy_seconds = seconds

    @property
    def delete_seconds(self) -> float:
        """How long a delete stays under way (DELETE_QUEUED, DELETING) by the clock."""
        return self.store.delete_seconds

    @delete_seconds.setter
    def delete_seconds(self, seconds: float) -> None:
        self.store.delete_seconds = seconds

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox's clock forward (``POST /_sandbox/clock``); the new time."""
        return self._server.clock.advance(seconds)

    # -- the state
    def state(self) -> JSONObject:
        return self.store.snapshot()

    def replace_state(self, state: JSONObject) -> None:
        self.store.replace(state)

    def environment_id(self, environment: str, *, project: str | None = None) -> str:
        """The id of the environment named so (any case); 404 ``ApiProblem`` when not one."""
        return self.store.environment_id(environment, project=project)

    def application(
        self, environment: str, name: str, *, project: str | None = None
    ) -> JSONObject | None:
        """The application named ``name`` in ``environment`` (any case), or None."""
        return self.store.find_application(environment, name, project=project)

    def applications(self, environment: str, *, project: str | None = None) -> list[JSONObject]:
        return self.store.list_applications(self.environment_id(environment, project=project))

    def edit_out_of_band(self, application_id: str, **changes: Any) -> JSONObject:
        """Change top-level fields as someone in the console would, without validation."""
        return self.store.patch_application(application_id, changes)

    def add_environment(self, project: str, name: str, mode: str = "PREVIEW") -> JSONObject:
        return self.store.add_environment(project, name, mode)

    # -- containers and jobs (``kind``: "container" or "job")
    def service(
        self, kind: str, environment: str, name: str, *, project: str | None = None
    ) -> JSONObject | None:
        """The container or job named ``name`` in ``environment`` (any case), or None."""
        return find_service(self.store, KINDS_BY_NAME[kind], environment, name, project)

    def services(
        self, kind: str, environment: str, *, project: str | None = None
    ) -> list[JSONObject]:
        env_id = self.environment_id(environment, project=project)
        return list_services(self.store, KINDS_BY_NAME[kind], env_id)

    def edit_service_out_of_band(self, kind: str, service_id: str, **changes: Any) -> JSONObject:
        """Change top-level fields of a container or job without validation (the console)."""
        return patch_service(self.store, KINDS_BY_NAME[kind], service_id, changes)


def start(
    seed: str | os.PathLike[str] | JSONObject | None = None,
    *,
    port: int = 0,
    state_path: str | os.PathLike[str] | None = None,
    token: str | None = None,
    faults: JSONObject | None = None,
    deploy_seconds: float = 0.3,
    delete_seconds: float = 0.0,
) -> RunningSandbox:
    """Seed a sandbox and serve it on 127.0.0.1 in a background thread.

    ``seed``: a seed YAML path, a seed dict, or None for the demo seed. ``state_path``: keep
    the state in that JSON file (seeded only when the file does not exist yet). ``faults``:
    the keys of ``PUT /_sandbox/faults``. Raises ``SandboxError`` (a ``ReconcilerError``)
    when the seed, the state file or the port is unusable.
    """
    try:
        if state_path is not None:
            backend: FileBackend | MemoryBackend = FileBackend(
                os.fspath(state_path), lambda: build_state(seed)
            )
        else:
            backend = MemoryBackend(build_state(seed))
        fault_settings = Faults(**(faults or {}))
    except ApiProblem as problem:
        raise SandboxError(problem.detail) from None
    clock = SandboxClock()
    store = Store(
        backend, deploy_seconds=deploy_seconds, clock=clock.now, delete_seconds=delete_seconds
    )
    token = token or "sbx_" + secrets.token_urlsafe(24)
    try:
        server = SandboxServer(port, store, fault_settings, token, clock)
    except OSError as exc:
        raise SandboxError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        daemon=True,
        name=f"sandbox:{server.server_address[1]}",
    )
    thread.start()
    return RunningSandbox(server, thread)


@contextlib.contextmanager
def embedded(
    state_path: str | os.PathLike[str] = ".reconciler/sandbox.json",
) -> Iterator[RunningSandbox]:
    """The sandbox of ``--sandbox``: demo seed on first use, state in ``state_path``."""
    sandbox = start(None, state_path=state_path)
    try:
        yield sandbox
    finally:
        sandbox.stop()
