"""Progress views of an apply: what each change is doing while the executor works.

Three views of the same events (``executing.Progress``: ``started``, ``step``, ``finished``),
each safe to call from the executor's worker threads:

- ``LineProgress``: one line per event (``address: Creating...``, ``address: clone``,
  ``address: created after 1.2s``), for logs and pipes;
- ``LiveProgress``: on a terminal, a live ``rich`` table of the changes in flight, each
  finished change printed above it once (never under ``--no-color`` / ``NO_COLOR``, which
  get ``LineProgress``: no escape code at all);
- ``JsonProgress``: one JSON object per line (``event``: ``started`` / ``step`` /
  ``finished``), ending with a ``summary`` object (``--json``).

Apply's views (``ApplyView``: the plan before asking, the progress, the summary) are here
too: ``ApplyHuman`` (the text plan, then lines or the live display on stderr) and
``ApplyJSON`` (JSON lines on stdout); ``views.new_apply_view`` picks one. Rendering never
calls the API: the outcomes are the values of ``outcomes``, never imported from
``executing``. Neighbours: ``commands.apply`` uses them; ``plans`` gives ``Change``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

from reconciler.core.outcomes import ApplyResult, Outcome, Phase
from reconciler.core.plans import Action, Change, Plan
from reconciler.rendering import text
from reconciler.rendering.json_document import outcome_document
from reconciler.rendering.streams import Streams

ING = {
    Action.CREATE: "Creating",
    Action.UPDATE: "Updating",
    Action.DELETE: "Deleting",
    Action.NOOP: "Checking",
    Action.CONFLICT: "Checking",
    Action.EXPIRE: "Stopping",
}


def outcome_line(outcome: Outcome) -> str:
    """``address: <message> after 1.2s [id=…]`` or ``address: FAILED: <message>``."""
    if outcome.result == "ok":
        ident = f" [id={outcome.application_id}]" if outcome.application_id else ""
        return f"{outcome.address}: {outcome.message} after {outcome.duration_s:.1f}s{ident}"
    label = {"failed": "FAILED", "conflict": "CONFLICT", "skipped": "skipped"}.get(
        outcome.result, outcome.result
    )
    return f"{outcome.address}: {label}: {outcome.message}"


class LineProgress:
    """One line per event, on ``err``."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        with self._lock:
            self._err.write(line + "\n")
            self._err.flush()

    def started(self, change: Change) -> None:
        self._write(f"{change.address}: {ING[change.action]}...")

    def step(self, change: Change, step: Phase) -> None:
        pass  # two lines a change are enough in a log; --json and the live view show steps

    def finished(self, outcome: Outcome) -> None:
        self._write(outcome_line(outcome))

    def close(self) -> None:
        pass


class JsonProgress:
    """One JSON object per line on ``out``; ``summary`` writes the closing object."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def emit(self, document: Mapping[str, Any]) -> None:
        text = json.dumps(document, ensure_ascii=False, default=str)
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()

    def started(self, change: Change) -> None:
        self.emit({"event": "started", "address": change.address, "action": change.action.value})

    def step(self, change: Change, step: Phase) -> None:
        self.emit({"event": "step", "address": change.address, "step": step})

    def finished(self, outcome: Outcome) -> None:
        self.emit({"event": "finished", **outcome_document(outcome)})

    def summary(self, counts: Mapping[str, int], *, ok: bool, line: str) -> None:
        self.emit({"event": "summary", **counts, "ok": ok, "summary": line})

    def close(self) -> None:
        pass


class LiveProgress:
    """A live table of the changes in flight (rich), finished changes printed above it."""

    def __init__(self, err: TextIO, *, color: bool = True) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=err, force_terminal=True, no_color=not color)
        self._lock = threading.Lock()
        self._active: dict[str, tuple[str, float]] = {}  # address → (step, started)
        self._live = Live(
            console=self._console, refresh_per_second=8, transient=True, get_renderable=self._table
        )
        self._live.start()

    def _table(self) -> Any:
        from rich.markup import escape
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        now = time.monotonic()
        with self._lock:
            active = sorted(self._active.items())
        for address, (step, started) in active:
            table.add_row(f"[bold]{escape(address)}[/bold]", escape(step), f"{now - started:.0f}s")
        return table

    def started(self, change: Change) -> None:
        with self._lock:
            self._active[change.address] = (ING[change.action] + "...", time.monotonic())

    def step(self, change: Change, step: Phase) -> None:
        with self._lock:
            _, started = self._active.get(change.address, ("", time.monotonic()))
            self._active[change.address] = (step, started)

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            self._active.pop(outcome.address, None)
        style = {"ok": "green", "failed": "red", "conflict": "magenta"}.get(outcome.result, "")
        from rich.markup import escape

        line = escape(outcome_line(outcome))
        self._live.console.print(
            f"[{style}]{line}[/{style}]" if style else line, markup=True, highlight=False
        )

    def close(self) -> None:
        self._live.stop()


class ProgressView(Protocol):
    """The executor's progress hook (``executing.Progress``), closed when the apply ends."""

    def started(self, change: Change) -> None: ...

    def step(self, change: Change, step: Phase) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...

    def close(self) -> None: ...


class ApplyView(Protocol):
    """What ``reconciler apply`` shows, from the plan to the summary."""

    def plan(self, plan: Plan) -> None: ...  # before asking (apply PATH...)

    def progress(self) -> ProgressView: ...

    def stopping(self) -> None: ...  # a signal: the calls in flight finish

    def cancelled(self) -> None: ...  # the answer was not "yes"

    def summary(self, result: ApplyResult, *, ok: bool) -> None: ...


class _ApplyMessages:
    """Messages on stderr, whatever the output: they are never part of a result."""

    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def stopping(self) -> None:
        self._streams.err.write("Stopping: the calls in flight finish, nothing new starts.\n")

    def cancelled(self) -> None:
        self._streams.err.write("Apply cancelled.\n")


class ApplyHuman(_ApplyMessages):
    """The text plan on stdout, progress on stderr, ``Apply complete: ...`` on stdout."""

    def plan(self, plan: Plan) -> None:
        text.render_plan(plan, self._streams.out, color=self._streams.color)

    def progress(self) -> ProgressView:
        """The live display on a terminal; plain lines in a log, or when colour is off
        (``--no-color``, ``NO_COLOR``): a redrawn display is escape codes too."""
        if self._streams.live and not self._streams.no_color:
            return LiveProgress(self._streams.err, color=True)
        return LineProgress(self._streams.err)

    def summary(self, result: ApplyResult, *, ok: bool) -> None:
        line = result.summary_line()
        done = "complete" if ok else "ended"
        self._streams.out.write(f"\nApply {done}: {line}.\n")


class ApplyJSON(_ApplyMessages):
    """JSON lines on stdout: the plan's summary, every event, a closing ``summary`` object."""

    def __init__(self, streams: Streams) -> None:
        super().__init__(streams)
        self._lines = JsonProgress(streams.out)

    def plan(self, plan: Plan) -> None:
        self._lines.emit({"event": "plan", "summary": plan.summary.as_dict()})

    def progress(self) -> ProgressView:
        return self._lines

    def summary(self, result: ApplyResult, *, ok: bool) -> None:
        self._lines.summary(result.counts(), ok=ok, line=result.summary_line())
