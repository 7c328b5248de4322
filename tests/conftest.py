"""Shared fixtures. ``sandbox``: a fresh demo sandbox per test (in memory, cheap to start);
``sandbox_env``: the environment variables that point the CLI at it; ``cli``: the CLI run
in-process against it, its output captured. ``quick_waits``, for every test: a CLI run in
this process waits less between a deploy's status reads and between retries
(``helpers_waits``)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from helpers_waits import QuickDeployWait, QuickRetryClient

from reconciler.cli import main
from reconciler.edges import executing, session
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox, start


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """``execute`` waits for deploys with ``QuickDeployWait``; a command's session opens a
    ``QuickRetryClient``."""
    monkeypatch.setattr(executing, "DeployWait", QuickDeployWait)
    monkeypatch.setattr(session, "QoveryClient", QuickRetryClient)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start() as running:
        yield running


@pytest.fixture
def sandbox_env(sandbox: RunningSandbox) -> dict[str, str]:
    """``QOVERY_API_URL`` and ``QOVERY_API_TOKEN`` of the ``sandbox`` fixture."""
    return dict(sandbox.env)


class CliResult:
    """What one in-process run of the CLI printed and returned."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def cli(sandbox_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``reconciler ARGS...`` in-process against the ``sandbox`` fixture.

    ``cli("plan", "manifests/")`` → CliResult(code, out, err); nothing is a TTY, no colour.
    """
    for key, value in sandbox_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("QOVERY_TOKEN_TYPE", raising=False)

    def run(*argv: str, stdin: str = "") -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        streams = Streams(out=out, err=err, inp=io.StringIO(stdin))
        code = main(list(argv), streams=streams)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run
