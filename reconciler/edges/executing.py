"""Executing: carry out a Plan's changes against Qovery, one recorded Outcome per change.

Like Terraform's apply and Argo CD's sync, this module consumes the plan and never plans
again. Each change runs its planned ``steps`` (``plans.Step``):

- ``create``: clone the source into the target environment, GET the clone, ONE full edit
  (``writing.written_body``: desired configuration + ownership marker), its variables, then,
  when planned, a deploy (below);
- ``update``: GET the target, check that it is still this manifest's (or, when the plan
  adopts or finishes it, that it is still exactly what was planned: same fingerprint),
  then the full edit, the variables and/or the deploy;
- ``delete``: GET the target, check that it is still this manifest's, DELETE (404 = done);
- ``noop``: no call, no outcome; ``conflict``: no call, its outcome ``conflict``.

A clone whose answer is lost (``AmbiguousWriteError``), that meets a 409, or whose answer
is not an application of the target environment with the desired name (contract section
18) is never sent again blindly (contract section 7): the target environment is listed
again, and an application there with the desired name is ours only when it carries this
manifest's marker for this source, or is an untouched clone of the source (``ownership``,
the source read again). Anything else there is a conflict; nothing there means the clone
did not happen, and it is sent again (``MAX_CLONE_ATTEMPTS``). When the edit after a clone
fails, the marker is written alone (a minimal edit), so that the clone stays ours.

The edit body is built from the GET just before it (ignored paths, a kept description:
``edits.keeps_description``); its marker names the application it is written on
(``Owner.clone_id``). Deploys wait until every change has run (``deploying.deploy_all``:
one request per environment, then its statuses): ``…, deployed`` or ``failed``.

Changes run on a thread pool with spare workers (``slots``): at most ``parallelism`` calls
in flight, a change's calls in the one slot it starts in, no slot idle while a change is
ready; changes that touch the same application run one after the other in one task. A
failing change is an ``Outcome`` (``failed``, with the ``ApiError`` message), never an
exception that stops the others. ``stop`` set: no new change starts, the calls in flight
finish, the rest are ``skipped``, and so is a clone not sent again after an unclear answer.

Neighbours: ``plans`` (the input), ``client`` (the calls), ``writing`` (a write's pure rules),
``ownership``; ``commands.apply`` and ``reconcile`` call it; ``rendering.progress`` shows it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from reconciler.core.errors import AmbiguousWriteError, ApiError, ConflictError, NotFoundError
from reconciler.core.fingerprints import fingerprint
from reconciler.core.outcomes import RESULTS, ApplyResult, Outcome, Phase, Result
from reconciler.core.ownership import (
    UNFINISHED,
    Owner,
    describe_owner,
    description_of,
    find_named,
    has_keep_line,
    is_untouched_clone,
    marker_of,
    owned_by,
    read_marker,
    with_marker,
)
from reconciler.core.plans import Action, Change, Plan, Step
from reconciler.core.writing import (
    deployment_verdict,
    group_changes,
    is_the_clone,
    kind_of,
    sources_of,
    written_body,
)
from reconciler.edges.client import QoveryClient
from reconciler.edges.deploying import DeployWait, Waiting, deploy_all
from reconciler.edges.secrets import SecretError, SecretReader
from reconciler.edges.slots import Slotted, run_all, worker_count
from reconciler.edges.variable_writing import write_variables

__all__ = [
    "RESULTS",
    "ApplyResult",
    "DeployWait",
    "Outcome",
    "Progress",
    "deployment_verdict",
    "execute",
    "group_changes",
]

MAX_CLONE_ATTEMPTS = 3
CONFLICT_PAUSE = 0.2  # seconds before a clone that met a 409 is sent again
STOPPED_BEFORE_A_RETRY = "not sent again after an unclear answer (no clone found): run stopped"


class Progress(Protocol):
    """Hooks through which a view follows the execution; called from worker threads."""

    def started(self, change: Change) -> None: ...

    def step(self, change: Change, step: Phase) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...


class _Silent:
    def started(self, change: Change) -> None:
        pass

    def step(self, change: Change, step: Phase) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass


class _Refused(Exception):
    """The target is not what the plan expected: a conflict, nothing written."""


class _Failed(Exception):
    """A change that cannot be carried out, for a reason that is not an ApiError."""


class _Stopped(Exception):
    """The run was stopped before the change's next call: it is ``skipped``, nothing more sent."""


# ── the execution ───────────────────────────────────────────────────────────────────────


def execute(
    plan: Plan,
    client: QoveryClient,
    *,
    parallelism: int = 8,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    deploy_timeout: float = 600.0,
    deploy_wait: DeployWait | None = None,
    secrets: SecretReader | None = None,
) -> ApplyResult:
    """Carry out every change of ``plan``; one Outcome per change that is not a noop.

    ``secrets`` reads the declared secrets the variable writes need (``variable_writing``).
    """
    wait = deploy_wait or DeployWait(timeout=deploy_timeout)
    slots = Slotted(client, parallelism)
    runner = _Runner(slots.client, progress or _Silent(), stop or threading.Event(), wait)
    runner.secrets = secrets
    runner.slots, runner.parallelism = slots, parallelism
    runner.sources = sources_of(plan)
    groups = group_changes(plan.changes)
    outcomes: list[Outcome] = []
    if groups:
        workers = worker_count(parallelism, len(groups))
        for group_outcomes in run_all(groups, runner.run_group, workers):
            outcomes.extend(group_outcomes)
    deployed = runner.deploy_waiting()
    outcomes = [deployed.get(outcome.address, outcome) for outcome in outcomes]
    order = {change.address: index for index, change in enumerate(plan.changes)}
    outcomes.sort(key=lambda outcome: order.get(outcome.address, len(order)))
    return ApplyResult(tuple(outcomes))


class _Runner:
    """Runs changes; shared by the worker threads (holds no per-change state)."""

    def __init__(
        self, client: QoveryClient, progress: Progress, stop: threading.Event, wait: DeployWait
    ) -> None:
        self.client = client
        self.progress = progress
        self.stop = stop
        self.wait = wait
        self.sources: frozenset[str] = frozenset()  # the plan's sources: never written
        self.secrets: SecretReader | None = None
        self.slots: Slotted | None = None  # the calls' slots: a change starts in one
        self.parallelism = 1  # calls in flight at once
        self.lock = threading.Lock()
        self.waiting: dict[str, Waiting] = {}  # by address: written, to be deployed

    def run_group(self, group: Sequence[Change]) -> list[Outcome]:
        return [self.run_in_a_slot(change) for change in group]

    def run_in_a_slot(self, change: Change) -> Outcome:
        """A change starts once a slot is free, so that one that waited for it while the run
        was stopped is skipped; its calls run in it, given back before its outcome (``slots``)."""
        if self.slots is None or change.action is Action.CONFLICT or self.stop.is_set():
            return self.run_change(change)
        self.slots.reserve()
        try:
            return self.run_change(change)
        finally:
            self._give_back_the_slot()

    def _give_back_the_slot(self) -> None:
        """This thread's change is done with its calls (or pauses): its slot is free."""
        if self.slots is not None:
            self.slots.unreserve()

    def run_change(self, change: Change) -> Outcome:
        if change.action is Action.CONFLICT:
            return self._finish(change, Result.CONFLICT, change.reason or "conflict", 0.0)
        if self.stop.is_set():
            return self._finish(change, Result.SKIPPED, "not started: the run was stopped", 0.0)
        self.progress.started(change)
        started = time.monotonic()
        app_id = change.target.application_id
        try:
            app_id, message = self._carry_out(change)
            result = Result.OK
        except _Refused as refused:
            result, message = Result.CONFLICT, str(refused)
        except _Stopped as stopped:
            result, message = Result.SKIPPED, str(stopped)
        except (ApiError, _Failed) as error:
            result, message = Result.FAILED, str(error)
        except Exception as bug:  # a bug must not stop the other changes
            result, message = Result.FAILED, f"internal error: {type(bug).__name__}: {bug}"
        self._give_back_the_slot()
        waiting = self.waiting.get(change.address)
        if waiting is not None and result is Result.OK:
            waiting.started = started  # finished once its environment's deploy settled
            return Outcome(change.address, change.action, result, message, 0.0, app_id)
        with self.lock:
            self.waiting.pop(change.address, None)
        return self._finish(change, result, message, time.monotonic() - started, app_id)

    def _finish(
        self,
        change: Change,
        result: Result,
        message: str,
        duration: float,
        app_id: str | None = None,
    ) -> Outcome:
        outcome = Outcome(
            change.address,
            change.action,
            result,
            message,
            round(duration, 3),
            app_id or change.target.application_id,
        )
        self.progress.finished(outcome)
        return outcome

    def _carry_out(self, change: Change) -> tuple[str | None, str]:
        handlers: dict[Action, Callable[[Change], tuple[str | None, str]]] = {
            Action.CREATE: self._create,
            Action.UPDATE: self._update,
            Action.DELETE: self._delete,
            Action.EXPIRE: self._expire,
        }
        return handlers[change.action](change)

    # ── create ─────────────────────────────────────────────────────────────────────────

    def _create(self, change: Change) -> tuple[str | None, str]:
        app_id = self._clone(change)
        self.progress.step(change, Phase.EDIT)
        current: Mapping[str, Any] | None = None
        try:
            current = self.client.get_service(kind_of(change), app_id)
            self._edit(change, current)
        except ApiError as error:
            raise _Failed(self._mark_alone(change, app_id, current, error)) from None
        done = ["created", *self._variables(change, app_id)]
        if Step.DEPLOY in change.steps:
            self._wait_for_deploy(change, app_id, current, done)
        return app_id, ", ".join(done)

    def _clone(self, change: Change) -> str:
        source_id, env_id = change.source.application_id, change.target.environment_id
        if not source_id or not env_id:
            raise _Failed("the plan names no source application or target environment")
        error: Exception | None = None
        for attempt in range(MAX_CLONE_ATTEMPTS):
            if attempt and self.stop.is_set():  # no call after the one in flight (contract 5)
                raise _Stopped(STOPPED_BEFORE_A_RETRY)
            self.progress.step(change, Phase.CLONE)
            try:
                answer = self.client.clone_service(
                    kind_of(change), source_id, change.target.name, env_id
                )
                if is_the_clone(answer, change):
                    return str(answer["id"])
                error = _Failed(
                    f"the clone answer names application {answer.get('id')!r}, not a new "
                    f"{change.target.name!r} in the target environment"
                )
            except (AmbiguousWriteError, ConflictError) as unclear:
                error = unclear
            self.progress.step(change, Phase.READ_BACK)
            found = self._read_back(change, env_id)
            if found is not None:
                return found
            if isinstance(error, ConflictError):  # "operation in progress": give it a moment
                self._give_back_the_slot()  # no slot idle while it waits
                self.stop.wait(CONFLICT_PAUSE)  # which a stop ends
        raise _Failed(
            f"the clone did not happen after {MAX_CLONE_ATTEMPTS} attempts; last error: {error}"
        )

    def _read_back(self, change: Change, env_id: str) -> str | None:
        """After a clone with no clear answer: the id of our clone, None if there is none."""
        found = find_named(self.client.list_services(kind_of(change), env_id), change.target.name)
        if found is None:
            return None
        source_id = str(change.source.application_id)
        if str(found.get("id")) != source_id:
            source = self.client.get_service(kind_of(change), source_id)
            if owned_by(found, change.manifest, source_id, source):
                return str(found["id"])
            if is_untouched_clone(found, source, kind_of(change).normalise):
                return str(found["id"])
        raise _Refused(
            f"an application named {found.get('name')!r} appeared in the target environment "
            "and is neither ours nor an untouched clone of the source "
            f"({describe_owner(found)}); nothing written"
        )

    def _mark_alone(
        self, change: Change, app_id: str, current: Mapping[str, Any] | None, error: ApiError
    ) -> str:
        """After the edit of a fresh clone failed: write the marker alone (the current body,
        only the description changed), so that a later run finishes, prunes or retires it."""
        owner = Owner(
            change.manifest, change.source.name, str(change.source.application_id), UNFINISHED
        )
        try:
            kind = kind_of(change)
            current = current if current is not None else self.client.get_service(kind, app_id)
            marked = with_marker(description_of(current), replace(owner, clone_id=app_id))
            name = str(current.get("name") or change.target.name)
            self.client.edit_service(
                kind, app_id, kind.edit_body(current, {}, name=name, description=marked)
            )
        except ApiError as second:
            return (
                f"{error}; the clone {change.target.name!r} ({app_id}) is left without an "
                f"ownership marker, so it is not owned: delete it, or take it over with "
                f"adopt: true (marking it failed too: {second})"
            )
        return f"{error}; the clone ({app_id}) is marked as ours: the next apply finishes it"

    # ── update ─────────────────────────────────────────────────────────────────────────

    def _update(self, change: Change) -> tuple[str | None, str]:
        app_id = self._target_id(change)
        if app_id in self.sources or app_id == change.source.application_id:
            raise _Refused("the target is a source application; sources are never edited")
        current = self._get_target(change, app_id)
        self._check_still_expected(change, current)
        done = []
        if Step.EDIT in change.steps:
            self.progress.step(change, Phase.EDIT)
            self._edit(change, current)
            done.append("updated")
        done.extend(self._variables(change, app_id))
        if Step.DEPLOY in change.steps:
            self._wait_for_deploy(change, app_id, current, done)
        return app_id, ", ".join(done) or "nothing to do"

    def _variables(self, change: Change, app_id: str) -> list[str]:
        """The variables step, when planned: before any deploy (contract section 10)."""
        if Step.VARIABLES not in change.steps:
            return []
        self.progress.step(change, Phase.VARIABLES)
        try:
            return [write_variables(self.client, change, app_id, self.secrets)]
        except SecretError as error:
            raise _Failed(str(error)) from None

    def _check_still_expected(self, change: Change, current: Mapping[str, Any]) -> None:
        """Owned: still this manifest's. Adopting or finishing: still what was planned."""
        source = self._source_to_compare(change, current)
        if owned_by(current, change.manifest, change.source.application_id, source):
            return
        owner = describe_owner(current)
        if change.owned:
            raise _Refused(f"no longer owned by this manifest ({owner}); nothing written")
        if fingerprint(current, normaliser=kind_of(change).normalise) != change.fingerprints.get(
            "target"
        ):
            raise _Refused(f"changed since it was planned ({owner}); nothing written; plan again")

    def _source_to_compare(
        self, change: Change, current: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """The source, read again only when ``current``'s marker names no id: then only its
        source's marker tells a copy from the clone itself (``ownership.is_copied_marker``)."""
        marker = marker_of(current)
        source_id = change.source.application_id
        if marker is None or marker.clone_id is not None or not source_id:
            return None
        try:
            return self.client.get_service(kind_of(change), str(source_id))
        except NotFoundError:
            return None

    def _edit(self, change: Change, current: Mapping[str, Any]) -> None:
        """ONE full PUT: the desired configuration and the ownership marker."""
        self.client.edit_service(kind_of(change), str(current["id"]), written_body(change, current))

    # ── delete ─────────────────────────────────────────────────────────────────────────

    def _delete(self, change: Change) -> tuple[str | None, str]:
        app_id = self._target_id(change)
        try:
            current = self.client.get_service(kind_of(change), app_id)
        except NotFoundError:
            return app_id, "already gone"
        if app_id in self.sources:
            raise _Refused("it is a source application of this run; sources are never deleted")
        source = self._source_to_compare(change, current)
        if not owned_by(current, change.manifest, change.source.application_id, source):
            raise _Refused(
                f"no longer owned by this manifest ({describe_owner(current)}); not deleted"
            )
        self.progress.step(change, Phase.DELETE)
        try:
            self.client.delete_service(kind_of(change), app_id)
        except NotFoundError:
            return app_id, "already gone"
        return app_id, "deleted"

    # ── expire ─────────────────────────────────────────────────────────────────────────

    def _expire(self, change: Change) -> tuple[str | None, str]:
        """Stop a temporary clone past its time, then mark it expired (core.expiry): stopped
        first, so that a failure leaves it unmarked and the next run stops it again."""
        app_id = self._target_id(change)
        if app_id in self.sources or app_id == change.source.application_id:
            raise _Refused("the target is a source application; sources are never stopped")
        current = self._get_target(change, app_id)
        self._check_still_expected(change, current)
        if has_keep_line(description_of(current)):
            raise _Refused("marked [reconciler: keep] since the plan; not stopped")
        self.progress.step(change, Phase.STOP)
        kind = kind_of(change)
        self.client.stop_service(kind, app_id)
        owner = read_marker(change.description)
        if owner is None:
            raise _Failed("stopped, but the plan holds no marker to record the expiry in")
        marked = with_marker(description_of(current), replace(owner, clone_id=app_id))
        name = str(current.get("name") or change.target.name)
        self.client.edit_service(
            kind, app_id, kind.edit_body(current, {}, name=name, description=marked)
        )
        return app_id, "stopped (expired)"

    # ── deploy ─────────────────────────────────────────────────────────────────────────

    def _wait_for_deploy(
        self, change: Change, app_id: str, current: Mapping[str, Any] | None, done: list[str]
    ) -> None:
        """After its writes: the clone waits for its environment's one deploy (``deploying``)."""
        clone = {**(current or {}), **(change.desired or {})}
        with self.lock:
            self.waiting[change.address] = Waiting(change, app_id, clone, done)

    def deploy_waiting(self) -> dict[str, Outcome]:
        """Deploy every clone whose writes succeeded, one request per environment; their
        outcomes, written once the deploy settled (or failed, or timed out)."""
        items = list(self.waiting.values())
        if not items:
            return {}
        deploy_all(
            self.client,
            items,
            self.wait,
            self.stop,
            self.progress.step,
            parallelism=self.parallelism,
        )
        finished = {}
        for item in items:
            result = Result.OK if item.deployed else Result.FAILED
            message = ", ".join([*item.done, str(item.verdict)])
            duration = time.monotonic() - item.started
            finished[item.change.address] = self._finish(
                item.change, result, message, duration, item.service_id
            )
        return finished

    # ── shared ─────────────────────────────────────────────────────────────────────────

    def _target_id(self, change: Change) -> str:
        if not change.target.application_id:
            raise _Failed("the plan names no target application")
        return change.target.application_id

    def _get_target(self, change: Change, app_id: str) -> Mapping[str, Any]:
        try:
            return self.client.get_service(kind_of(change), app_id)
        except NotFoundError:
            raise _Refused(
                "the application no longer exists; nothing written; plan again"
            ) from None
