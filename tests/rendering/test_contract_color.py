"""Contract 5: ``--no-color``, and ``NO_COLOR`` honoured as no-color.org defines it.

Colour is on only when stdout is a terminal; ``NO_COLOR`` set to a non-empty value or
``--no-color`` turns it off; an empty ``NO_COLOR`` does not (it used to).
"""

from __future__ import annotations

import io

import pytest

from reconciler.rendering.streams import Streams


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _on_a_terminal(monkeypatch: pytest.MonkeyPatch, **environ: str) -> None:
    """stdout and stdin are terminals (set in the test body: pytest's capture resets
    ``sys.stdout`` between fixture setup and the call)."""
    monkeypatch.setattr("sys.stdout", _Terminal())
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)


def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_a_terminal(monkeypatch)
    assert Streams.from_process().color


def test_no_color_set_turns_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_a_terminal(monkeypatch, NO_COLOR="1")
    assert not Streams.from_process().color


def test_an_empty_no_color_leaves_colour_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_a_terminal(monkeypatch, NO_COLOR="")
    assert Streams.from_process().color


def test_no_color_flag_turns_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_a_terminal(monkeypatch)
    assert not Streams.from_process(no_color=True).color


def test_no_colour_when_stdout_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not Streams.from_process().color
