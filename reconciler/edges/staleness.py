"""Staleness: is a saved plan still true of Qovery? (``apply --plan FILE``, contract section 5)

A plan records the fingerprint of every application it read (``plans.Change.fingerprints``)
and what every ``match:`` selector matched (``plans.Plan.selectors``). Before a saved plan
is applied, only what it touches is read again: the services of the target and source
environments of its changes (one list call per kind each) and, for its selectors, the environments
of their projects. A plan is stale when an application's fingerprint changed, when the set
of environments a selector matches changed, or when it was made against another API URL;
``check_fresh`` then raises ``StalePlanError`` naming every one of them. A plan without an
API URL is refused too.

A saved plan is a request, not a licence (contract section 18): ``replan_reasons`` compares
it with a fresh plan of the same manifests (made by the caller, ``savedplans``) and names
every change that writes and that the fresh plan would not make the same way.

The comparisons (``stale_reasons``, ``replan_reasons``) are pure; ``check_fresh`` does the
reads. Neighbours: ``plans`` (the saved plan), ``fingerprints`` (the same hash the planner
recorded), ``observing.fetch_all`` (parallel reads), ``savedplans`` (the caller).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.core.desired import glob_matches
from reconciler.core.errors import StalePlanError
from reconciler.core.expiry import timeless
from reconciler.core.fingerprints import fingerprint
from reconciler.core.kinds import KINDS, kind_named
from reconciler.core.model import SelectorMatch
from reconciler.core.plans import Change, Plan
from reconciler.edges.client import QoveryClient
from reconciler.edges.observing import fetch_all

Listing = Sequence[Mapping[str, Any]]


def listings_read(plan: Plan) -> tuple[tuple[str, str], ...]:
    """The (kind, environment id) listings the plan's changes were read from."""
    pairs: dict[tuple[str, str], None] = {}
    for change in plan.changes:
        for side in (change.target, change.source):
            if side.environment_id:
                pairs[(side.kind, side.environment_id)] = None
    return tuple(pairs)


def _find(listing: Listing, app_id: str | None, name: str | None) -> Mapping[str, Any] | None:
    for app in listing:
        if app_id and app.get("id") == app_id:
            return app
    if app_id is None and name:
        wanted = name.lower()
        return next((a for a in listing if str(a.get("name", "")).lower() == wanted), None)
    return None


def _changed_sides(change: Change, applications: Mapping[str, Listing]) -> list[str]:
    sides = []
    for side, endpoint in (("target", change.target), ("source", change.source)):
        if side not in change.fingerprints or not endpoint.environment_id:
            continue
        listing = applications.get(endpoint.environment_id, ())
        app = _find(listing, endpoint.application_id, endpoint.name if side == "target" else None)
        normaliser = kind_named(endpoint.kind, KINDS).normalise
        if fingerprint(app, normaliser=normaliser) != change.fingerprints[side]:
            sides.append(side)
    return sides


def _selector_reason(
    selector: SelectorMatch,
    environments: Listing,
    sources: set[str],
) -> str | None:
    names = {str(e.get("id")): str(e.get("name")) for e in environments}
    now = {
        env_id
        for env_id, name in names.items()
        if glob_matches(selector.pattern, name) and env_id not in sources
    }
    before = set(selector.environment_ids)
    if now == before:
        return None
    added = sorted(names.get(e, e) for e in now - before)
    removed = sorted(names.get(e, e) for e in before - now)
    parts = ([f"now matches {', '.join(added)}"] if added else []) + (
        [f"no longer matches {', '.join(removed)}"] if removed else []
    )
    return f"{selector.manifest}: selector {selector.pattern!r} " + "; ".join(parts)


def stale_reasons(
    plan: Plan,
    applications: Mapping[str, Listing],
    environments: Mapping[str, Listing],
) -> list[str]:
    """Why ``plan`` no longer holds, given the listings read again (empty: it holds).

    ``applications``: environment id → its applications; ``environments``: project id →
    its environments. The source environments of a manifest's changes are never counted as
    matched by its selectors (a selector never matches its source environment).
    """
    reasons = []
    for change in plan.changes:
        sides = _changed_sides(change, applications)
        if sides:
            reasons.append(f"{change.address}: the {' and the '.join(sides)} changed")
    for selector in plan.selectors:
        sources = {
            c.source.environment_id
            for c in plan.changes
            if c.manifest == selector.manifest and c.source.environment_id
        }
        if selector.source_environment_id:
            sources.add(selector.source_environment_id)
        listing = environments.get(selector.project_id, ())
        reason = _selector_reason(selector, listing, {s for s in sources if s})
        if reason:
            reasons.append(reason)
    return reasons


CARRIED = (
    "action",
    "manifest",
    "source",
    "target",
    "owned",
    "steps",
    "desired values",
    "desired_is_complete",
    "description",
    "deploy_commit",
)
"""The names of ``_carried``'s parts, for messages."""


def _carried(change: Change) -> tuple[object, ...]:
    """What the executor does for ``change``: everything but its display and fingerprints."""
    return (
        change.action,
        change.manifest,
        change.source,
        change.target,
        change.owned,
        change.steps,
        json.dumps(change.desired, sort_keys=True),
        change.desired_is_complete,
        timeless(change.description),  # the clocks of the two plans differ (core.expiry)
        change.deploy_commit,
    )


def _printable(address: str) -> str:
    return address if address.isprintable() else ascii(address)


def _replan_reason(saved: Change, fresh: Change | None) -> str | None:
    address = _printable(saved.address)
    if fresh is None:
        return f"{address}: no manifest the plan was made from declares this change"
    if fresh.action is not saved.action:
        return f"{address}: a fresh plan would {fresh.action.value} it, not {saved.action.value}"
    pairs = zip(CARRIED, _carried(saved), _carried(fresh), strict=True)
    differ = [name for name, before, now in pairs if before != now]
    if differ:
        return f"{address}: a fresh plan would make another change (its {', '.join(differ)} differ)"
    return None


def replan_reasons(saved: Plan, fresh: Plan) -> list[str]:
    """The changes of ``saved`` that write and that ``fresh`` would not make the same way.

    A saved plan is a request, not a licence (contract section 18): a change is carried out
    only when a fresh plan of the same manifests makes it with the same action, target,
    steps and desired values. Changes that write nothing are not carried out, so not checked.
    """
    now = {change.address: change for change in fresh.changes}
    reasons = []
    for change in saved.changes:
        if change.writes:
            reason = _replan_reason(change, now.get(change.address))
            if reason:
                reasons.append(reason)
    return reasons


def api_url_reason(plan: Plan, api_url: str) -> str | None:
    """Why ``plan`` may not be applied against ``api_url`` (None: it may)."""
    if not plan.api_url:
        return "the plan does not say which API it was made against (it has no api_url)"
    if plan.api_url != api_url:
        return f"the plan was made against {plan.api_url}, not {api_url}"
    return None


def check_fresh(plan: Plan, client: QoveryClient, *, api_url: str, parallelism: int = 8) -> None:
    """Raise ``StalePlanError`` unless ``plan`` still holds against ``client``'s Qovery."""
    wrong_api = api_url_reason(plan, api_url)
    if wrong_api:
        raise StalePlanError([wrong_api])
    listed = fetch_all(
        listings_read(plan),
        lambda pair: client.list_services(kind_named(pair[0]), pair[1]),
        parallelism=parallelism,
    )
    applications: dict[str, list[Any]] = {}
    for (_, env_id), services in listed.items():  # names are unique across kinds
        applications.setdefault(env_id, []).extend(services)
    projects = {selector.project_id for selector in plan.selectors}
    environments = fetch_all(projects, client.list_environments, parallelism=parallelism)
    reasons = stale_reasons(plan, applications, environments)
    if reasons:
        raise StalePlanError(reasons)
