"""``reconciler apply``: make the changes a plan lists (clone, edit, deploy, delete).

Two ways in (contract section 5):

- ``apply PATH...``: load, observe and plan (``common``), print the plan, ask
  "Do you want to perform these actions?" on a terminal (only ``yes`` goes on), refuse when
  there is no terminal and no ``--auto-approve``;
- ``apply --plan FILE``: load a saved plan document and the manifests it records, refuse it
  when it was made against another API URL (or none), when what it read has changed or when
  a fresh plan of those manifests would not make its changes (``savedplans``), else apply it
  without asking: it was reviewed when it was made.

Then ``executing.execute`` runs the changes, progress goes to the apply view
(``rendering.progress``: a live display on a terminal, a line per event otherwise, JSON
lines on stdout with ``--json``), and the summary ``N created, N updated, N deleted,
N failed, N conflicts`` ends the output. Exit 1 when a change failed, met a conflict or was
skipped, else 0. SIGINT/SIGTERM (``commands.signals``): before the execution they interrupt
(no change made, exit 1); during it they stop the run after the calls in flight (the rest
are skipped) and the apply ends with ``Apply ended: ...`` and exit 1.

``--notify URL`` (and ``RECONCILER_NOTIFY_URL``): once the changes are done, each event
(``created``, ``updated``, ``deleted``, ``expired``, ``failed``, ``conflict``, and
``expiring`` for a clone within its manifest's warning) is POSTed to every URL
(``commands.announcing.notify_apply``); an undelivered one is a warning, never a failure.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence

from reconciler.commands import exits
from reconciler.commands.announcing import expiring_of, notify_apply, token_strings
from reconciler.commands.arguments import ApplyOptions
from reconciler.commands.common import Session, connect, plan_for
from reconciler.commands.signals import stopping_on_signals
from reconciler.core.errors import UsageError
from reconciler.core.model import CloneSet
from reconciler.core.outcomes import ApplyResult
from reconciler.core.plans import Plan
from reconciler.edges.executing import execute
from reconciler.edges.notifying import notify_urls
from reconciler.edges.savedplans import read_saved_plan
from reconciler.edges.states import BEFORE_WRITING
from reconciler.pipeline import Planned, guard_deletes, load, plan_manifests
from reconciler.rendering.progress import ApplyView
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_apply_view

PROMPT = "Do you want to perform these actions? Only 'yes' will be accepted: "
NO_TTY = (
    "refusing to apply without confirmation: there is no terminal to ask on. "
    "Review the plan with 'reconciler plan', then run apply with --auto-approve "
    "(or save it with 'plan --out FILE' and run 'apply --plan FILE')."
)


def run(options: ApplyOptions, streams: Streams) -> int:
    view = new_apply_view(options.view_type, streams)
    notify = _notifying(options, streams)  # a bad URL is refused before anything is read
    if options.plan_file:
        return _apply_saved(options.plan_file, options, view, notify)
    if not options.auto_approve and not streams.interactive:
        raise UsageError(NO_TTY)
    clonesets = load(options.paths)
    if options.correct:
        clonesets = tuple(cloneset.correcting_drift() for cloneset in clonesets)
    with connect(options) as session:
        plan = plan_for(session, options, clonesets, read_states_for=BEFORE_WRITING).plan
        view.plan(plan)
        if plan.has_pending_changes and not options.auto_approve and not _approved(streams):
            view.cancelled()
            return exits.CANCELLED
        return _apply(
            plan, session, view, notify, deploy_timeout=options.deploy_timeout, clonesets=clonesets
        )


Notify = Callable[[Plan, ApplyResult, Sequence[CloneSet]], None]


def _notifying(options: ApplyOptions, streams: Streams) -> Notify:
    """``--notify`` / ``RECONCILER_NOTIFY_URL``: the events of this apply, sent once it ends
    (a receiver that fails is a warning on stderr, never a failed apply); the manifests give
    the warning window of the ``expiring`` ones."""

    urls = notify_urls(options.notify, os.environ)

    def send(plan: Plan, result: ApplyResult, clonesets: Sequence[CloneSet]) -> None:
        if not urls:
            return
        warn = functools.partial(print, file=streams.err)
        expiring = expiring_of(plan, clonesets)
        notify_apply(urls, plan, result, token_strings(options), warn, expiring)

    return send


def _apply_saved(path: str, options: ApplyOptions, view: ApplyView, notify: Notify) -> int:
    """``apply --plan FILE``: carried out only where a fresh plan agrees, without asking.

    The fresh plan is made unguarded, for comparison; the saved changes to be carried out
    then meet the mass-deletion guard against it, unless this run passes --allow-deletes.
    """
    saved = read_saved_plan(path)
    with connect(options) as session:
        fresh: list[Planned] = []

        def fresh_plan(clonesets: Sequence[CloneSet]) -> Plan:
            fresh.append(
                plan_manifests(
                    session, clonesets, allow_deletes=True, read_states_for=BEFORE_WRITING
                )
            )
            return fresh[-1].plan

        plan = saved.check(session, fresh_plan, options.target)
        if not options.allow_deletes and fresh:
            guard_deletes(plan, fresh[-1])
        clonesets = fresh[-1].clonesets if fresh else ()
        return _apply(
            plan, session, view, notify, deploy_timeout=options.deploy_timeout, clonesets=clonesets
        )


def _approved(streams: Streams) -> bool:
    streams.out.write("\n" + PROMPT)
    streams.out.flush()
    answer = streams.inp.readline()
    streams.out.write("\n")
    return answer.strip() == "yes"


def _apply(
    plan: Plan,
    session: Session,
    view: ApplyView,
    notify: Notify | None = None,
    *,
    deploy_timeout: float = 600.0,
    clonesets: Sequence[CloneSet] = (),
) -> int:
    stop = threading.Event()
    progress = view.progress()
    try:
        with stopping_on_signals(stop, on_stop=view.stopping):
            result = execute(
                plan,
                session.client,
                parallelism=session.parallelism,
                secrets=session.secrets,
                progress=progress,
                stop=stop,
                deploy_timeout=deploy_timeout,
            )
    finally:
        progress.close()
    stopped = stop.is_set()
    view.summary(result, ok=exits.apply_succeeded(result, stopped=stopped))
    if notify is not None:
        notify(plan, result, clonesets)
    return exits.of_apply(result, stopped=stopped)
