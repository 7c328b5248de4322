"""Planning ahead (``core.plan_ahead``): a plan made an environment at a time, in any order
the listings arrive, is the plan ``planning.plan`` makes over the whole observed state."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from typing import Any

from helpers_planning import (
    PREVIEW_1,
    PREVIEW_2,
    SOURCE_ENV,
    application,
    desired,
    desired_clone,
    fresh_clone,
    observed,
    observed_app,
)

from reconciler.core.model import DesiredState, ObservedState, OnDrift, Policy
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.plan_ahead import PlanAhead
from reconciler.core.planning import plan
from reconciler.core.plans import Action, Plan
from reconciler.core.variables import Declared, Sort

NOW = datetime(2026, 8, 3, 12, 0, tzinfo=UTC)
API = "https://api.qovery.com"
API_SRC: dict[str, Any] = application("app-src", "api", SOURCE_ENV.id)
WEB_SRC: dict[str, Any] = application("app-web", "web", SOURCE_ENV.id)
POLICY = Policy(prune=True, on_drift=OnDrift.CORRECT)


def owned(source: dict[str, Any], name: str, env: str, **fields: Any) -> dict[str, Any]:
    clone = fresh_clone(source, f"app-{name}-{env}", name, env)
    owner = Owner("previews", source["name"], source["id"])
    clone["description"] = with_marker(clone["description"], owner)
    clone.update(fields)
    return clone


def fleet() -> tuple[DesiredState, ObservedState]:
    """Changes of every sort over two environments: an update, a rename, a conflict, a
    delete, and a clone whose variables are read after the listings."""
    variable = Declared("LOG_LEVEL", Sort.PLAIN, "debug")
    clones = [
        desired_clone(API_SRC, PREVIEW_1, name="api-pr", policy=POLICY),  # renamed from api
        desired_clone(WEB_SRC, PREVIEW_1, policy=POLICY, overrides={"cpu": 300}),
        dataclasses.replace(
            desired_clone(API_SRC, PREVIEW_2, policy=POLICY), variables=(variable,)
        ),
        desired_clone(WEB_SRC, PREVIEW_2, policy=POLICY),  # a stranger holds the name
    ]
    clones.sort(key=lambda c: c.address)
    state = desired(*clones, prune={"previews": (PREVIEW_1, PREVIEW_2)})
    apps = [
        API_SRC,
        WEB_SRC,
        owned(API_SRC, "api", PREVIEW_1.id),
        owned(WEB_SRC, "web", PREVIEW_1.id, cpu=900),
        owned(API_SRC, "api", PREVIEW_2.id),
        application("app-stranger", "web", PREVIEW_2.id, description="made by hand"),
        owned(WEB_SRC, "web-old", PREVIEW_2.id),  # owned, no longer declared: pruned
    ]
    seen = {"app-api-env-preview-2": ()}
    found = dataclasses.replace(observed(*map(observed_app, apps)), variables=seen)
    return state, found


def ahead_of(state: DesiredState, found: ObservedState, order: tuple[str, ...]) -> Plan:
    """The plan made ahead: the sources known first, the others listed in ``order``."""
    known = ObservedState({SOURCE_ENV.id: found.applications[SOURCE_ENV.id]})
    ahead = PlanAhead(state, known, NOW)
    for env_id in order:
        ahead.listed(env_id, found.applications[env_id])
    return ahead.plan(found, api_url=API)


def test_a_plan_made_ahead_in_any_order_is_the_whole_plan() -> None:
    state, found = fleet()
    whole = plan(state, found, api_url=API, now=NOW)
    actions = [c.action for c in whole.changes]
    assert set(actions) == {Action.UPDATE, Action.CONFLICT, Action.DELETE}, actions
    assert any(c.reason.startswith("renamed from") for c in whole.changes)
    for order in itertools.permutations((PREVIEW_1.id, PREVIEW_2.id)):
        assert ahead_of(state, found, order) == whole
    assert ahead_of(state, found, ()) == whole  # nothing listed ahead: all at the end


def test_a_clone_with_variables_waits_for_them() -> None:
    state, found = fleet()
    without = dataclasses.replace(found, variables={})
    ahead = PlanAhead(state, ObservedState({}), NOW)
    for env_id, services in without.applications.items():
        ahead.listed(env_id, services)  # the variables are not read yet
    made = ahead.plan(found, api_url=API)  # they are now
    assert made == plan(state, found, api_url=API, now=NOW)
    change = next(c for c in made.changes if c.address.endswith("api[shop/preview-2]"))
    assert [w.key for w in change.variables] == ["LOG_LEVEL"]
