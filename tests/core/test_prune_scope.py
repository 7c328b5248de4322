"""What a pruning manifest lists, on plain data: the kinds it clones, and the kinds it no
longer clones where the organization's light listing of services shows a clone it owns
(``core.sources.owned_listings``, ``Scopes.needed``); nothing more without ``prune: true``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from test_resolving import (
    ACME,
    ANALYTICS,
    PREVIEW_102,
    STAGING,
    catalog,
    cloneset,
)

from reconciler.core.model import EnvironmentRef, Policy, SourceApplication
from reconciler.core.ownership import Owner, make_marker
from reconciler.core.resolving import resolve_organizations, resolve_scopes
from reconciler.core.sources import Scope, needed, owned_listings

PRUNE = Policy(prune=True)


def light(
    ident: str,
    env: str,
    service_type: Any = "CONTAINER",
    manifest: str | None = "previews",
    **rest: Any,
) -> dict[str, Any]:
    """A ``ServiceLightResponse``, its description ending in ``manifest``'s marker on itself."""
    marker = make_marker(
        Owner(manifest or "", "frontend", "src", clone_id=rest.pop("marked", ident))
    )
    description = f"a clone\n{marker}" if manifest else "no marker"
    return {
        "id": ident,
        "name": "frontend",
        "description": description,
        "service_type": service_type,
        "environment_id": env,
    }


def test_an_owned_service_of_any_clonable_kind_in_the_prune_scope_is_listed() -> None:
    services = [
        light("c1", "e2"),
        light("j1", "e3", "JOB"),
        light("c2", "e2"),  # the same listing: once
        light("a1", "e3", "APPLICATION"),
    ]
    assert owned_listings("previews", ("e2", "e3"), services) == (
        ("container", "e2"),
        ("job", "e3"),
        ("application", "e3"),
    )


def test_what_the_light_listing_does_not_make_listed() -> None:
    services = [
        light("c1", "e2", manifest="other"),  # another manifest's
        light("c2", "e2", marked="c9"),  # a console copy of c9: its marker is not its own
        light("c3", "e9"),  # outside the prune scope
        light("d1", "e2", "DATABASE"),  # never a clone
        light("h1", "e2", "HELM"),
        light("c4", "e2", manifest=None),  # no marker
        {"id": "c5", "service_type": "CONTAINER"},  # no environment
        light("c6", "e2", ["CONTAINER"]),  # a type that is not a name: no known kind
        light("c7", "e2", "container"),  # nor is one in lower case
        "junk",
    ]
    assert owned_listings("previews", ("e2",), services) == ()
    assert owned_listings("previews", (), [light("c1", "e2")]) == ()  # no prune scope


def test_an_owned_service_whose_type_is_left_out_lists_every_clonable_kind_there() -> None:
    """``service_type`` is required, but an answer without it must not leave a clone of ours
    running: every kind a clone may be is listed in its environment (and only there)."""
    untyped = {k: v for k, v in light("x1", "e2").items() if k != "service_type"}
    stranger = {k: v for k, v in light("x2", "e3", manifest=None).items() if k != "service_type"}
    services = [light("j1", "e2", "JOB"), untyped, stranger]
    assert owned_listings("previews", ("e2", "e3"), services) == (
        ("job", "e2"),
        ("application", "e2"),
        ("container", "e2"),
    )


def test_the_owned_listings_are_read_in_the_first_stage_and_once() -> None:
    staging = EnvironmentRef("e1", "staging", "p1", "shop", "o1")
    scope = Scope((SourceApplication("api"),), staging, ("e2", "e3"), (("container", "e3"),))
    read: dict[tuple[str, str], tuple[Any, ...]] = {}

    def stage() -> tuple[tuple[str, str], ...]:
        wanted = needed([scope], lambda kind, env: read.get((kind, env)))
        read.update(dict.fromkeys(wanted, ()))
        read[("application", "e1")] = ({"id": "a1", "name": "api"},)
        return wanted

    assert stage() == (
        ("application", "e1"),
        ("application", "e2"),
        ("application", "e3"),
        ("container", "e3"),
    )
    assert stage() == ()


def needed_by(*sets: Any, services: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    listed = replace(catalog(), services={ACME: tuple(services)})
    organizations = resolve_organizations(sets, listed.organizations)
    return resolve_scopes(organizations, listed).needed(listed)


def test_scopes_need_the_kinds_a_pruning_manifest_owns_a_clone_of() -> None:
    services = [
        light("c1", PREVIEW_102),
        light("j1", ANALYTICS, "JOB"),
        light("c0", STAGING, manifest="other"),
    ]
    pruning = needed_by(cloneset(apps=("api",), policy=PRUNE), services=services)
    # the applications are listed already (the catalog holds them): only the owned kinds
    assert pruning == (("container", PREVIEW_102), ("job", ANALYTICS))
    assert needed_by(cloneset(apps=("api",)), services=services) == ()  # without prune


def test_the_organizations_read_for_pruning_are_those_of_the_pruning_manifests() -> None:
    sets = [cloneset("a"), cloneset("b", policy=PRUNE), cloneset("c", org="Globex", policy=PRUNE)]
    organizations = resolve_organizations(sets, catalog().organizations)
    assert organizations.prune_ids == (ACME, organizations.ids[1])
    assert resolve_organizations(sets[:1], catalog().organizations).prune_ids == ()
