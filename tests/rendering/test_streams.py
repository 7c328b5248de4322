"""Streams: what the process's terminals allow (prompt, live view, colour); a large UTF-8 text
written as it reads (``write_utf8``)."""

from __future__ import annotations

import io
import sys

import pytest

from reconciler.rendering import streams
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


def test_a_large_text_is_written_a_slice_at_a_time_as_it_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(streams, "SLICE", 7)  # cuts fall after newlines, never in a character
    text = "".join(f'{{"é✓🚀 {n}": "\u2028"}}\n' for n in range(50)) + "no newline at the end"
    written: list[str] = []

    class Parts(io.StringIO):
        def write(self, part: str) -> int:
            written.append(part)
            return len(part)

    streams.write_utf8(Parts(), text.encode("utf-8"))
    assert "".join(written) == text
    assert len(written) > 10 and all(part.endswith("\n") for part in written[:-1])


class CountedWrites(io.TextIOWrapper):
    """A stdout over a buffered binary stream that counts its text writes."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_stdout_gets_the_bytes_themselves_after_what_was_written_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = io.BytesIO()
    stdout = CountedWrites(io.BufferedWriter(raw), encoding="utf-8", line_buffering=True)
    monkeypatch.setattr(sys, "stdout", stdout)
    stdout.write("before ")
    streams.write_utf8(stdout, "é✓ document\n".encode())
    assert stdout.writes == 1  # the document went to the buffer as it was
    assert raw.getvalue().decode("utf-8") == "before é✓ document\n"  # a terminal: out at once
    stdout.write("after\n")
    assert raw.getvalue().decode("utf-8") == "before é✓ document\nafter\n"


def test_a_stream_that_may_refuse_a_character_gets_the_whole_at_once() -> None:
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    with pytest.raises(UnicodeEncodeError):
        streams.write_utf8(ascii_out, ("a\n" * streams.SLICE + "é\n").encode())
    ascii_out.flush()
    assert raw.getvalue() == b""  # nothing written: as a write of the whole text would be
