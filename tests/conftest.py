"""Shared fixtures. ``sandbox``: a fresh demo sandbox per test (in memory, cheap to start);
``sandbox_env``: the environment variables that point the CLI at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sandbox import RunningSandbox, start


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start() as running:
        yield running


@pytest.fixture
def sandbox_env(sandbox: RunningSandbox) -> dict[str, str]:
    """``QOVERY_API_URL`` and ``QOVERY_API_TOKEN`` of the ``sandbox`` fixture."""
    return dict(sandbox.env)
