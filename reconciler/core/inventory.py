"""Inventory: the clones that manifests own, from their markers (``reconciler ls``). Pure.

Contract section 17: every service of every environment of the manifests' organizations
whose ownership marker (``ownership.owner_of``: its own, not a console copy's) names one of
the manifests is listed with its address (as plan writes it), kind, id, state, deployment
status and expiry. No manifest's declaration is consulted beyond its name and its policy:
a clone that a manifest no longer declares is still its own, and listed.

Neighbours: ``edges.inventory`` reads what is listed here, ``rendering.inventory`` shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.core.expiry import activity_of, due_after, expires_text, iso
from reconciler.core.model import EnvironmentRef, Policy
from reconciler.core.ownership import description_of, has_keep_line, marker_of, owner_of

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class Listed:
    """One service as an environment's listing returned it."""

    environment: EnvironmentRef
    kind: str
    service: JSON


@dataclass(frozen=True)
class Status:
    """A service's ``state`` and ``service_deployment_status`` (``GET .../statuses``)."""

    state: str | None = None
    deployment: str | None = None


@dataclass(frozen=True)
class OwnedClone:
    """One clone a manifest owns, as ``ls`` lists it."""

    address: str
    manifest: str
    kind: str
    id: str
    name: str
    project: str
    environment: str
    environment_id: str
    state: str | None
    deployment_status: str | None
    expires_at: str | None  # when a temporary clone expires (or expired: ``expired``)
    expired: bool = False
    kept: bool = False  # ``[reconciler: keep]``: never expires


def owned_clones(
    listed: Iterable[Listed],
    policies: Mapping[str, Policy],
    statuses: Mapping[str, Status],
) -> tuple[OwnedClone, ...]:
    """The clones of ``listed`` owned by a manifest of ``policies`` (name → policy), sorted
    by address; ``statuses`` by service id (a service it lacks has no state)."""
    every = list(listed)
    by_id = {str(item.service.get("id")): item.service for item in every}
    owned = []
    for item in every:
        marker = marker_of(item.service)
        source = by_id.get(marker.source_id) if marker is not None else None
        owner = owner_of(item.service, source)
        if owner is None or owner.manifest not in policies:
            continue
        owned.append(
            _clone(item, owner.manifest, owner.source_name, policies[owner.manifest], statuses)
        )
    return tuple(sorted(owned, key=lambda clone: (clone.address, clone.id)))


def _clone(
    item: Listed, manifest: str, source_name: str, policy: Policy, statuses: Mapping[str, Status]
) -> OwnedClone:
    env, service = item.environment, item.service
    ident = str(service.get("id", ""))
    status = statuses.get(ident, Status())
    kept = has_keep_line(description_of(service))
    expires_at, expired = _expiry(service, policy, kept=kept)
    return OwnedClone(
        address=f"{manifest}.{source_name}[{env.project_name}/{env.name}]",
        manifest=manifest,
        kind=item.kind,
        id=ident,
        name=str(service.get("name", "")),
        project=env.project_name,
        environment=env.name,
        environment_id=env.id,
        state=status.state,
        deployment_status=status.deployment,
        expires_at=expires_at,
        expired=expired,
        kept=kept,
    )


def _expiry(service: JSON, policy: Policy, *, kept: bool) -> tuple[str | None, bool]:
    """When a temporary clone expires (``expiry.decide``'s rule, without the clock), and
    whether its marker says it has: ``(None, False)`` for one that never does."""
    owner = marker_of(service)
    if policy.expire_after is None or kept or owner is None:
        return None, False
    if owner.expired:
        return owner.expired, True
    activity = activity_of(owner, service)
    due = due_after(activity, policy.expire_after) if activity is not None else None
    return (iso(due) if due is not None else None), False


def expiry_text(clone: OwnedClone, now: datetime) -> str:
    """``expires in 6d 23h``, ``expired 2026-12-07T06:00:00Z``, ``kept`` or ``-``."""
    if clone.kept:
        return "kept"
    if clone.expired:
        return f"expired {clone.expires_at}"
    return expires_text(clone.expires_at, now) or "-"
