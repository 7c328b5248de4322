"""``reconciler apply``: make the changes a plan lists (clone, edit, deploy, delete).

Two ways in (contract section 5):

- ``apply PATH...``: load, observe and plan (``common``), print the plan, ask
  "Do you want to perform these actions?" on a terminal (only ``yes`` goes on), refuse when
  there is no terminal and no ``--auto-approve``;
- ``apply --plan FILE``: load a saved plan document and the manifests it records, refuse it
  when it was made against another API URL (or none), when what it read has changed or when
  a fresh plan of those manifests would not make its changes (``savedplans``), else apply it
  without asking: it was reviewed when it was made.

Then ``executing.execute`` runs the changes, progress goes to ``rendering.progress``
(a live display on a terminal, a line per event otherwise, JSON lines on stdout with
``--json``), and the summary ``N created, N updated, N deleted, N failed, N conflicts``
ends the output. Exit 1 when a change failed, met a conflict or was skipped, else 0.
SIGINT/SIGTERM stop the run after the calls in flight.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from reconciler.commands.common import Session, connect
from reconciler.core.errors import ExitCode, UsageError
from reconciler.core.plans import Plan
from reconciler.edges.executing import ApplyResult, execute
from reconciler.edges.savedplans import read_saved_plan
from reconciler.pipeline import load, plan_manifests
from reconciler.rendering import text
from reconciler.rendering.progress import JsonProgress, progress_view
from reconciler.rendering.streams import Streams

PROMPT = "Do you want to perform these actions? Only 'yes' will be accepted: "
NO_TTY = (
    "refusing to apply without confirmation: there is no terminal to ask on. "
    "Review the plan with 'reconciler plan', then run apply with --auto-approve "
    "(or save it with 'plan --out FILE' and run 'apply --plan FILE')."
)


def run(args: argparse.Namespace, streams: Streams) -> int:
    if args.plan_file:
        saved = read_saved_plan(args.plan_file)
        with connect(args) as session:
            plan = saved.check(session, lambda cs: plan_manifests(session, cs).plan, args.target)
            return _apply(plan, session, args, streams)
    if not args.auto_approve and not streams.interactive:
        raise UsageError(NO_TTY)
    clonesets = load(args.paths)
    with connect(args) as session:
        plan = plan_manifests(session, clonesets, args.target).plan
        _show_plan(plan, args, streams)
        if plan.has_pending_changes and not args.auto_approve and not _approved(streams):
            streams.err.write("Apply cancelled.\n")
            return int(ExitCode.ERROR)
        return _apply(plan, session, args, streams)


def _show_plan(plan: Plan, args: argparse.Namespace, streams: Streams) -> None:
    if args.json:
        JsonProgress(streams.out).emit({"event": "plan", "summary": plan.summary.as_dict()})
    else:
        text.render_plan(plan, streams.out, color=streams.color)


def _approved(streams: Streams) -> bool:
    streams.out.write("\n" + PROMPT)
    streams.out.flush()
    answer = streams.inp.readline()
    streams.out.write("\n")
    return answer.strip() == "yes"


def _apply(plan: Plan, session: Session, args: argparse.Namespace, streams: Streams) -> int:
    stop = threading.Event()
    view = progress_view(streams, json_lines=args.json)
    try:
        with _stopping_on_signals(stop, streams):
            result = execute(
                plan,
                session.client,
                parallelism=session.parallelism,
                progress=view,
                stop=stop,
            )
    finally:
        view.close()
    _show_summary(result, view, streams)
    return int(ExitCode.OK if result.ok and not result.skipped else ExitCode.ERROR)


def _show_summary(result: ApplyResult, view: object, streams: Streams) -> None:
    line = result.summary_line()
    if isinstance(view, JsonProgress):
        view.summary(result.counts(), ok=result.ok and not result.skipped, line=line)
        return
    streams.out.write(f"\nApply complete: {line}.\n" if result.ok else f"\nApply ended: {line}.\n")


@contextlib.contextmanager
def _stopping_on_signals(stop: threading.Event, streams: Streams) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop`` (the calls in flight finish); a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        streams.err.write("Stopping: the calls in flight finish, nothing new starts.\n")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
