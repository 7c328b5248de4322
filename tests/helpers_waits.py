"""Test helper: the waits of a CLI run in the test process, shortened (``shorten_waits``;
``conftest`` calls it for every test). The sandbox answers in milliseconds and its deploys
last 0.3 s, so the product's pauses (status reads of a deploy from 1 s apart backing off to
10 s; retries from 0.2 s apart, doubling) would make the suite wait for nothing. What is waited
FOR is unchanged: the same deploy timeout, the same number of retries, a ``Retry-After``
honoured up to the same cap. A CLI run as a child process keeps the product's waits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from reconciler.edges import executing, session
from reconciler.edges.client import QoveryClient
from reconciler.edges.deploying import DeployWait


@dataclass(frozen=True)
class QuickDeployWait(DeployWait):
    """Status reads 50 ms after the deploy request, then backing off to 200 ms apart."""

    first_delay: float = 0.05
    max_delay: float = 0.2


class QuickRetryClient(QoveryClient):
    """A QoveryClient whose retries start 10 ms apart (then double, as the product's do)."""

    def __init__(self, *args: Any, backoff_base: float = 0.01, **options: Any) -> None:
        super().__init__(*args, backoff_base=backoff_base, **options)


def shorten_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """``execute`` waits for deploys with ``QuickDeployWait``; a command's session opens a
    ``QuickRetryClient``."""
    monkeypatch.setattr(executing, "DeployWait", QuickDeployWait)
    monkeypatch.setattr(session, "QoveryClient", QuickRetryClient)
