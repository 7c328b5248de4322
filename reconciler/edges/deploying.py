"""Deploying: one environment-wide deploy per environment, then the statuses until settled.

Contract section 12. ``executing`` carries out every change's writes first; each change
that plans a deploy and whose writes succeeded waits here (``Waiting``). Then, per target
environment:

1. each clone's version is made concrete: ``core.deploying.HEAD`` becomes the newest commit
   of ``GET /application/{id}/commit`` on the clone (its own branch); a clone whose version
   cannot be had fails alone;
2. ONE ``POST /environment/{id}/service/deploy`` (``core.deploying.request_body``) deploys
   them all, so that they share one Qovery deployment; after a lost answer the statuses say
   whether it took (every service deploying), else it is sent once more; a refused one fails
   that environment's clones, never another environment's. A run stopped before its deploys
   sends none;
3. ``GET /environment/{id}/statuses``, one per environment per poll, the first after
   ``DeployWait.first_delay``, then backing off to ``max_delay``, until each clone is
   ``deployed`` or ``failed: <state>`` (``writing.deployment_verdict``) or the timeout.

A clone whose deploy fails is marked failed; the others are not held back by it. The
environments are handled side by side (``parallelism`` at once: their deploy requests, then
each poll's status reads), never one after the other.
Neighbours: ``executing`` (the writes, and the outcomes this completes), ``client``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.core.deploying import HEAD, Deployment, head_of, request_body
from reconciler.core.errors import AmbiguousWriteError, ApiError
from reconciler.core.kinds import kind_named
from reconciler.core.outcomes import Phase
from reconciler.core.plans import Change
from reconciler.core.writing import deployment_verdict
from reconciler.edges.client import QoveryClient


@dataclass(frozen=True)
class DeployWait:
    """How long and how often to poll a deployment's status."""

    timeout: float = 600.0
    first_delay: float = 1.0  # the first status read comes this long after the request
    max_delay: float = 10.0
    factor: float = 1.5


@dataclass
class Waiting:
    """A change whose writes are done, waiting for its environment's deploy.

    ``clone``: the clone as it is deployed (what a container's or a job's body reads its tag
    from); ``done``: what its writes did (``created``, ``updated``, the variables'
    summary); ``verdict``: ``deployed``, ``failed: …``, or ``None`` while it is not settled."""

    change: Change
    service_id: str
    clone: Mapping[str, Any]
    done: list[str]
    verdict: str | None = None
    started: float = 0.0  # when its change started (time.monotonic)
    version: str | None = field(default=None, repr=False)

    @property
    def deployed(self) -> bool:
        """Deployed, or requested and not waited for (the run was stopped)."""
        return self.verdict is not None and not self.verdict.startswith("failed")


StepHook = Callable[[Change, Phase], None]
IN_PROGRESS = frozenset({"QUEUED", "DEPLOYMENT_QUEUED", "BUILDING", "DEPLOYING"})


def deploy_all(
    client: QoveryClient,
    waiting: Sequence[Waiting],
    wait: DeployWait,
    stop: threading.Event,
    step: StepHook,
    *,
    parallelism: int = 1,
) -> None:
    """Deploy every waiting clone, one request per environment, and settle each verdict;
    ``parallelism`` environments at once."""
    by_environment: dict[str, list[Waiting]] = {}
    for item in waiting:
        by_environment.setdefault(str(item.change.target.environment_id), []).append(item)
    if stop.is_set():
        return _settle_all(by_environment, "not deployed: the run was stopped")
    workers = max(1, min(parallelism, len(by_environment)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        envs = list(by_environment)
        sent = pool.map(lambda env: _request(client, env, by_environment[env], step), envs)
        requests = {env: request_id for env, (ok, request_id) in zip(envs, sent, strict=True) if ok}
        _poll(client, by_environment, requests, _Polling(wait, stop, step, pool))
    return None


@dataclass(frozen=True)
class _Polling:
    """How the statuses are polled: how long and how often, the stop, the step hook, and the
    pool the environments' reads run on."""

    wait: DeployWait
    stop: threading.Event
    step: StepHook
    pool: Executor


def _request(
    client: QoveryClient, env_id: str, items: list[Waiting], step: StepHook
) -> tuple[bool, str | None]:
    """Send one environment's deploy: whether it was sent, and its request id."""
    for item in items:
        item.version = _version(client, item)
    ready = [item for item in items if item.verdict is None]
    if not ready:
        return False, None
    for item in ready:
        step(item.change, Phase.DEPLOY)
    body: dict[str, Any] = dict(request_body([_deployment(item) for item in ready]))
    answer: Mapping[str, Any]
    try:
        try:
            answer = client.deploy_environment(env_id, body)
        except AmbiguousWriteError:
            answer = _after_lost_answer(client, env_id, ready, body)
    except ApiError as error:
        for item in ready:
            item.verdict = f"failed: the deploy request was refused: {error}"
        return False, None
    request_id = answer.get("deployment_request_id")
    return True, request_id if isinstance(request_id, str) else None


def _after_lost_answer(
    client: QoveryClient, env_id: str, ready: list[Waiting], body: dict[str, Any]
) -> Mapping[str, Any]:
    """A deploy whose answer was lost: taken as done when every service of it is deploying
    (its request id read off their statuses), else sent once more."""
    statuses = _statuses_by_id(client.environment_statuses(env_id))
    seen = [statuses.get(item.service_id) or {} for item in ready]
    if all(status.get("state") in IN_PROGRESS for status in seen):
        return {"deployment_request_id": seen[0].get("deployment_request_id")}
    return client.deploy_environment(env_id, body)


def _version(client: QoveryClient, item: Waiting) -> str | None:
    version = item.change.deploy_commit
    if version == HEAD:
        try:
            kind = kind_named(item.change.target.kind)
            version = head_of(client.list_commits(kind, item.service_id))
        except ApiError as error:
            item.verdict = f"failed: cannot read the head of its branch: {error}"
            return None
        if version is None:
            item.verdict = "failed: cannot deploy: its branch lists no commit"
    elif not version:
        item.verdict = "failed: cannot deploy: the source has no deployed version"
    return version


def _deployment(item: Waiting) -> Deployment:
    return Deployment(item.change.target.kind, item.service_id, str(item.version), item.clone)


def _poll(
    client: QoveryClient,
    by_environment: Mapping[str, list[Waiting]],
    requests: Mapping[str, str | None],
    polling: _Polling,
) -> None:
    wait = polling.wait
    pending = {env: [i for i in by_environment[env] if i.verdict is None] for env in requests}
    for item in (i for items in pending.values() for i in items):
        polling.step(item.change, Phase.WAIT)
    deadline = time.monotonic() + wait.timeout
    delay = wait.first_delay
    last: dict[str, str] = {}  # by service id: each environment's reads write their own
    while any(pending.values()):
        remaining = deadline - time.monotonic()
        if polling.stop.wait(max(0.0, min(delay, remaining))):
            return _settle_all(pending, "deploy requested (not waited for: the run was stopped)")
        envs = [env_id for env_id, items in pending.items() if items]
        read = polling.pool.map(
            lambda env: _read(client, env, pending[env], requests[env], last), envs
        )
        pending.update(zip(envs, read, strict=True))
        if deadline - time.monotonic() <= 0:
            for items in pending.values():
                for item in items:
                    item.verdict = (
                        f"failed: the deployment did not settle within {wait.timeout:g}s "
                        f"(last state {last.get(item.service_id)})"
                    )
            return None
        delay = min(delay * wait.factor, wait.max_delay)
    return None


def _read(
    client: QoveryClient,
    env_id: str,
    items: list[Waiting],
    request_id: str | None,
    last: dict[str, str],
) -> list[Waiting]:
    """One ``GET /environment/{id}/statuses``: the items still not settled."""
    try:
        statuses = _statuses_by_id(client.environment_statuses(env_id))
    except ApiError:
        return items  # read again at the next poll
    unsettled = []
    for item in items:
        status = statuses.get(item.service_id)
        if status is None:
            unsettled.append(item)
            continue
        last[item.service_id] = str(status.get("state"))
        item.verdict = deployment_verdict(status, request_id)
        if item.verdict is None:
            unsettled.append(item)
    return unsettled


def _statuses_by_id(answer: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every service's ``Status`` of an ``EnvironmentStatuses``, whatever its kind."""
    found: dict[str, Mapping[str, Any]] = {}
    for key, value in answer.items():
        if key == "environment" or not isinstance(value, list):
            continue
        for status in value:
            if isinstance(status, Mapping) and isinstance(status.get("id"), str):
                found[status["id"]] = status
    return found


def _settle_all(pending: Mapping[str, list[Waiting]], verdict: str) -> None:
    for items in pending.values():
        for item in items:
            item.verdict = verdict
