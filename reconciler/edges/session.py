"""A session: an open client to Qovery, or to the embedded sandbox, and where it points.

The CLI (``commands.common.connect``) and the Python API (``reconciler.connect``) both open
one here, so that ``--sandbox``, the token rules and the pool size live in one place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.edges.budget import RequestLedger
from reconciler.edges.client import QoveryClient
from reconciler.edges.connection import resolve_connection

SANDBOX_STATE = os.path.join(".reconciler", "sandbox.json")


@dataclass(frozen=True)
class Session:
    """An open connection: the client, and the API URL it talks to (recorded in plans)."""

    client: QoveryClient
    api_url: str
    parallelism: int


@contextmanager
def open_session(
    *,
    api_url: str | None = None,
    token_file: str | None = None,
    sandbox: bool = False,
    parallelism: int = 8,
    environ: Mapping[str, str] | None = None,
    ledger: RequestLedger | None = None,
) -> Iterator[Session]:
    """Open a client (pool sized for ``parallelism``); closed when the block ends.

    ``sandbox``: the embedded sandbox, its state in ``.reconciler/sandbox.json`` of the
    current directory (seeded with the demo organization on first use). Otherwise the URL
    and token come from ``api_url``/``token_file`` or ``environ`` (default ``os.environ``),
    per contract section 2. ``ledger``: where the client records its requests (a new one
    when not given; ``reconcile`` keeps one across its rounds).
    """
    if sandbox:
        from reconciler.sandbox import embedded

        with (
            embedded(SANDBOX_STATE) as running,
            QoveryClient(
                running.url, running.authorization, max_connections=parallelism, ledger=ledger
            ) as client,
        ):
            yield Session(client, f"sandbox:{os.path.abspath(SANDBOX_STATE)}", parallelism)
        return
    connection = resolve_connection(
        api_url=api_url,
        token_file=token_file,
        environ=os.environ if environ is None else environ,
    )
    with QoveryClient(
        connection.base_url, connection.authorization, max_connections=parallelism, ledger=ledger
    ) as client:
        yield Session(client, connection.base_url, parallelism)
