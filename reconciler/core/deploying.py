"""Deploying: which clones an apply deploys, at what version, in which request. Pure.

Contract section 12 (``policy.deploy``, ``model.Deploy``):

- ``on_create`` (``true``): a new clone, and an owned clone never deployed;
- ``on_change``: also every clone the apply writes (configuration or variables) and every
  clone Qovery reports ``OUT_OF_DATE``; never a stopped clone (an expired one is stopped).

What is deployed (``version_of``): a service built from Git (an application, a job built
from a Dockerfile) at the head commit of ITS OWN branch when its repository or branch
differs from the source's (``HEAD``: the executor reads it on the clone, ``GET
/{application|job}/{id}/commit``), else at the source's deployed commit; a container at its
own tag; a job run from an image at its own image tag. A rendered tag that is empty is
refused at plan time (``prechecks``).

The clones of one environment go in ONE ``POST /environment/{id}/service/deploy``, whose
body ``request_body`` builds from each kind's own deploy body (``ServiceKind.deploy_body``).

Neighbours: ``planning`` asks ``deploys_new``/``deploys_existing``/``version_of``;
``edges.deploying`` sends the requests and waits for the statuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.core.kinds import kind_named
from reconciler.core.model import JSON, Config, Deploy, Policy

NEVER_DEPLOYED = "NEVER_DEPLOYED"
OUT_OF_DATE = "OUT_OF_DATE"
STOPPED_STATES = frozenset({"STOPPED", "STOP_QUEUED", "STOPPING"})
HEAD = "@head"  # a plan's deploy version: the head commit of the clone's own branch
REPOSITORY_KEYS = ("url", "branch")


def deploys_new(policy: Policy) -> bool:
    """Whether a clone this apply creates is deployed after its writes."""
    return policy.deploy is not Deploy.NEVER


def deploys_existing(
    policy: Policy, deployment_status: str | None, state: str | None, *, wrote: bool
) -> bool:
    """Whether an existing clone is deployed after this apply's writes (``wrote``: it writes
    the clone's configuration or variables)."""
    if policy.deploy is Deploy.NEVER:
        return False
    if deployment_status in (None, NEVER_DEPLOYED):
        return True
    if policy.deploy is not Deploy.ON_CHANGE or state in STOPPED_STATES:
        return False
    return wrote or deployment_status == OUT_OF_DATE


def version_of(kind: str, source: Config | None, desired: Config) -> str | None:
    """What a deploy of the clone runs (see the module doc); ``None``: nothing to deploy."""
    service_kind = kind_named(kind)
    repository = service_kind.git_repository
    if _own_branch(repository(source or {}), repository(desired)):
        return HEAD
    return service_kind.deploy_version(source) if source is not None else None


def _own_branch(theirs: Mapping[str, Any] | None, wanted: Mapping[str, Any] | None) -> bool:
    """Whether the clone is built from another repository or branch than its source."""
    if wanted is None:
        return False
    theirs = theirs or {}
    return any(
        key in wanted and _plain(wanted[key]) != _plain(theirs.get(key)) for key in REPOSITORY_KEYS
    )


def _plain(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text.removesuffix(".git").rstrip("/")


@dataclass(frozen=True)
class Deployment:
    """One clone of one environment-wide deploy: its kind, id and version, and the clone
    as it is deployed (what a container's or a job's deploy body reads its tag from)."""

    kind: str
    service_id: str
    version: str
    clone: Config


def request_body(deployments: Sequence[Deployment]) -> dict[str, list[dict[str, JSON]]]:
    """The ``DeployAllRequest`` of one environment's deployments."""
    body: dict[str, list[dict[str, JSON]]] = {}
    for item in deployments:
        kind = kind_named(item.kind)
        key = "application_id" if item.kind == "application" else "id"
        entry = {key: item.service_id, **kind.deploy_body(item.version, item.clone)}
        body.setdefault(kind.listing, []).append(entry)
    return body


def head_of(commits: Sequence[Mapping[str, Any]]) -> str | None:
    """The newest commit of a ``GET /application/{id}/commit`` listing (newest first)."""
    for commit in commits:
        found = commit.get("git_commit_id")
        if isinstance(found, str) and found:
            return found
    return None
