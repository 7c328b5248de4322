"""Test helper: the CLI run in this process (``run_cli``), what it printed and returned
(``CliResult``), and ``point_at``, the environment that aims it at a sandbox. The ``cli``
fixture of ``conftest`` is these three; a module-scoped fixture calls them directly."""

from __future__ import annotations

import io

import pytest

from reconciler.cli import main
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox


class CliResult:
    """What one in-process run of the CLI printed and returned."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


def point_at(monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox) -> None:
    """``QOVERY_API_URL`` and ``QOVERY_API_TOKEN`` of ``sandbox``, no ``QOVERY_TOKEN_TYPE``."""
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("QOVERY_TOKEN_TYPE", raising=False)


def run_cli(*argv: str, stdin: str = "") -> CliResult:
    """``reconciler ARGV...`` in this process; nothing is a TTY, no colour."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), streams=Streams(out=out, err=err, inp=io.StringIO(stdin)))
    return CliResult(code, out.getvalue(), err.getvalue())
