"""A session: an open client to Qovery, or to the embedded sandbox, and where it points.

The CLI (``commands.common.connect``) and the Python API (``reconciler.connect``) both open
one here, so that ``--sandbox``, the token rules and the pool size live in one place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.core.secrets import digest_key
from reconciler.edges.budget import RequestLedger
from reconciler.edges.client import QoveryClient
from reconciler.edges.connection import resolve_connection
from reconciler.edges.secrets import SECRET_KEY_ENV, SecretReader

SANDBOX_STATE = os.path.join(".reconciler", "sandbox.json")


@dataclass(frozen=True)
class Session:
    """An open connection: the client, and the API URL it talks to (recorded in plans)."""

    client: QoveryClient
    api_url: str
    parallelism: int
    # reads declared secrets; digests keyed by RECONCILER_SECRET_KEY, else by the token
    secrets: SecretReader | None = None


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
            where = f"sandbox:{os.path.abspath(SANDBOX_STATE)}"
            # the embedded sandbox's token is new at every start: its digests are keyed by
            # where its state lives instead (a stand-in holds no real secret)
            yield Session(client, where, parallelism, _secrets(os.environ, where))
        return
    environ = os.environ if environ is None else environ
    connection = resolve_connection(api_url=api_url, token_file=token_file, environ=environ)
    with QoveryClient(
        connection.base_url, connection.authorization, max_connections=parallelism, ledger=ledger
    ) as client:
        secrets = _secrets(environ, connection.authorization)
        yield Session(client, connection.base_url, parallelism, secrets)


def _secrets(environ: Mapping[str, str], authorization: str) -> SecretReader:
    """The reader of declared secrets, its digests keyed per contract section 10."""
    return SecretReader(environ, digest_key(environ.get(SECRET_KEY_ENV), authorization))
