"""Streams.from_process: what the process's terminals allow (prompt, live view, colour)."""

from __future__ import annotations

import io
import sys

import pytest

from reconciler.rendering.streams import Streams


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_apply_piped_to_tee_can_still_ask_but_not_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # | tee log
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    streams = Streams.from_process()
    assert streams.interactive and streams.live and not streams.color


def test_no_terminal_no_prompt_no_live_view(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("stdin", "stdout", "stderr"):
        monkeypatch.setattr(sys, name, io.StringIO())
    streams = Streams.from_process()
    assert not (streams.interactive or streams.live or streams.color)
