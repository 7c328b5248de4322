"""Fixtures of the client's tests. ``client``: a ``QoveryClient`` of the ``sandbox`` fixture
that retries with waits of a few milliseconds (``helpers_client.fast_client``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers_client import fast_client

from reconciler.edges.client import QoveryClient
from reconciler.sandbox import RunningSandbox


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[QoveryClient]:
    with fast_client(sandbox) as made:
        yield made
