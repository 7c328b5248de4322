"""Writing: the pure rules of what a write sends and what its answer means. Pure.

``edges.executing`` carries a plan out and calls these: which changes run in one task
(``group_changes``), the full edit body built over the application just read, with the
ignored paths and a kept description taken from that read (``written_body``), whether a
clone answer is the new clone at all (``is_the_clone``), whether a deployment settled
(``deployment_verdict``), the plan's sources, which no write may touch (``sources_of``), and
the change's service kind (``kind_of``).

Neighbours: ``plans`` (the changes), ``kinds`` (edit bodies, normalising), ``ownership``
(the marker), ``diffs`` (ignored paths), ``edits`` (what a kept description is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from reconciler.core.diffs import above_any, carry_ignored, project_onto
from reconciler.core.edits import keeps_description
from reconciler.core.kinds import ServiceKind, kind_named
from reconciler.core.ownership import (
    Owner,
    description_of,
    has_keep_line,
    name_key,
    read_marker,
    with_marker,
)
from reconciler.core.plans import Action, Change, Plan

DEPLOYED_STATES = frozenset({"DEPLOYED", "RUNNING"})
FAILED_STATES = frozenset(
    {"BUILD_ERROR", "DEPLOYMENT_ERROR", "CANCELED", "CANCELING", "DELETED", "DELETE_ERROR"}
    | {"STOP_ERROR", "RESTART_ERROR", "STOPPED", "UNAVAILABLE"}
)


def group_changes(changes: Iterable[Change]) -> list[list[Change]]:
    """The changes that write or conflict, grouped so that one application is one group.

    Two changes touch the same application when they target the same environment and name
    (case-insensitively); each group runs in one task, in plan order.
    """
    groups: dict[tuple[str | None, str], list[Change]] = {}
    for change in changes:
        if change.action is Action.NOOP:
            continue
        key = (change.target.environment_id, name_key(change.target.name))
        groups.setdefault(key, []).append(change)
    return list(groups.values())


def deployment_verdict(status: Mapping[str, Any], request_id: str | None) -> str | None:
    """``"deployed"``, ``"failed: <why>"``, or ``None`` while the deployment is not settled.

    A status read right after the deploy request can still describe the previous state
    (QOVERY-NOTES): when the deploy answered with a ``deployment_request_id``, a status of
    another request is not settled yet.
    """
    seen_request = status.get("deployment_request_id")
    if request_id and seen_request and seen_request != request_id:
        return None
    state = str(status.get("state") or "")
    details = status.get("status_details")
    action_status = details.get("status") if isinstance(details, Mapping) else None
    if state in FAILED_STATES or state.endswith("_ERROR") or action_status == "ERROR":
        return f"failed: the deployment ended in state {state or action_status}"
    if state in DEPLOYED_STATES:
        return "deployed"
    return None


def written_body(change: Change, current: Mapping[str, Any]) -> dict[str, Any]:
    """The full edit body of ``change`` over ``current``, the application just read.

    Ignored paths keep ``current``'s values and a kept description is ``current``'s, so that
    what someone else set between plan and apply stays; the marker names ``current``.
    """
    desired: Mapping[str, Any] = change.desired
    if change.ignore:
        desired = carried(change, current)
    planned = change.description
    owner = read_marker(planned) or Owner(
        change.manifest, change.source.name, str(change.source.application_id)
    )
    kept = planned is None or keeps_description(
        change.desired, complete=change.desired_is_complete, ignore=change.ignore
    )
    text = description_of(current) if kept else planned
    return kind_of(change).edit_body(
        current,
        desired,
        name=change.target.name,
        description=with_marker(
            text,
            replace(owner, clone_id=str(current["id"])),
            keep=has_keep_line(description_of(current)),  # a person's line stays
        ),
        complete=change.desired_is_complete,
    )


def carried(change: Change, current: Mapping[str, Any]) -> dict[str, Any]:
    """``change.desired`` with its ignored paths carried from ``current`` (``carry_ignored``,
    which walks only the fields the paths lie in), of ``current`` normalising only those
    fields (``ignored_fields``)."""
    actual: Mapping[str, Any] = ignored_fields(kind_of(change), current, change.ignore)
    if not change.desired_is_complete:  # a partial write touches only what it declares
        actual = project_onto(actual, change.desired)
    return carry_ignored(change.desired, actual, change.ignore)


def ignored_fields(
    kind: ServiceKind, current: Mapping[str, Any], ignore: tuple[str, ...]
) -> dict[str, Any]:
    """``current`` normalised, cut to the compared fields an ignored path lies in or under:
    all that ``carry_ignored`` reads of it (the other fields' values are the desired ones).

    Only those fields are normalised (with the fields the kind's ``normalise`` reads besides
    the compared ones, ``reads_also``), not the whole application: a kind normalises field by
    field, each field from itself (``tests/core/test_writing.py`` holds that premise)."""
    heads = _heads(kind.compared_fields, ignore)
    part = {key: current[key] for key in (*heads, *kind.reads_also) if key in current}
    return {key: value for key, value in kind.normalise(part).items() if key in heads}


@lru_cache(maxsize=256)
def _heads(fields: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """The ``fields`` at or above one of the ``ignore`` paths."""
    return frozenset(field for field in fields if above_any(field, ignore))


def is_the_clone(answer: Mapping[str, Any], change: Change) -> bool:
    """Whether a clone answer describes a new application of the target environment with
    the desired name (and not, say, the source)."""
    environment = answer.get("environment")
    env_id = environment.get("id") if isinstance(environment, Mapping) else None
    return (
        bool(answer.get("id"))
        and str(answer.get("id")) != change.source.application_id
        and env_id == change.target.environment_id
        and name_key(answer.get("name")) == name_key(change.target.name)
    )


def sources_of(plan: Plan) -> frozenset[str]:
    """The source applications the plan's declared clones are made from (a delete names the
    source its marker records, which is not one of them): never edited nor deleted."""
    return frozenset(
        str(c.source.application_id)
        for c in plan.changes
        if c.action is not Action.DELETE and c.source.application_id
    )


def kind_of(change: Change) -> ServiceKind:
    """The service kind (``core.kinds``) a change's calls and edit body are made for."""
    return kind_named(change.target.kind)
