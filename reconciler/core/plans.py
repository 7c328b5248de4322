"""The plan: a frozen value computed once by ``planning`` and consumed by ``executing``. Pure.

Like Terraform's ``plans`` package: a closed set of actions (``Action``) kept apart from a
display-only ``reason``; drift listed per change; everything the executor needs so that it
never plans again (``desired``, ``steps``, ``description``, ``deploy_commit``) and the
``fingerprints`` of what the plan was read from, so that ``apply --plan`` can tell a stale
plan. ``plan_documents`` converts to and from the plan document of contract section 6
(``format_version`` "1"); ``edges.planfile`` checks a document against
``schemas/plan.schema.json`` and reads and writes plan files.

Neighbours: ``planning`` builds a Plan, ``diffs`` yields DriftItems, ``rendering`` shows it,
``executing`` applies it, ``targeting`` narrows it (``with_changes``). No token, no secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from reconciler.core.errors import Diagnostic
from reconciler.core.model import JSON, Config, EnvironmentRef, SelectorMatch
from reconciler.core.reasons import Because, Reason
from reconciler.core.variables import (
    Declared,
    VariableWrite,
)

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "noop"
    CONFLICT = "conflict"
    EXPIRE = "expire"  # stop a temporary clone past its time (core.expiry)


class Origin(StrEnum):
    """Where a drifted field's desired value comes from."""

    SOURCE = "source"
    OVERRIDE = "override"
    VARIABLE = "variable"  # a declared variable (``path: variables.KEY``)


class Step(StrEnum):
    """What the executor does for a change, in order."""

    CLONE = "clone"
    EDIT = "edit"
    VARIABLES = "variables"  # the clone's declared variables (core.variable_plans)
    DEPLOY = "deploy"
    DELETE = "delete"
    STOP = "stop"  # stop the service, then mark it expired (core.expiry)


@dataclass(frozen=True)
class DriftItem:
    """One compared field whose observed value differs from the desired one."""

    path: str
    expected: JSON
    actual: JSON
    origin: Origin


@dataclass(frozen=True)
class FieldUpdate:
    """One compared field that apply sets: its value ``before`` (``None``: absent, or a
    clone not made yet) and ``after`` (Terraform's ``before → after``)."""

    path: str
    before: JSON
    after: JSON
    origin: Origin


def updates_of(items: Sequence[DriftItem]) -> tuple[FieldUpdate, ...]:
    """What apply sets where the clone differs: each field from ``actual`` to ``expected``."""
    return tuple(FieldUpdate(i.path, i.actual, i.expected, i.origin) for i in items)


@dataclass(frozen=True)
class Footprint:
    """Resources a change adds (positive) or removes (negative), at ``min_running_instances``."""

    cpu_millicores: int = 0
    memory_mb: int = 0
    instances: int = 0

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(
            self.cpu_millicores + other.cpu_millicores,
            self.memory_mb + other.memory_mb,
            self.instances + other.instances,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "cpu_millicores": self.cpu_millicores,
            "memory_mb": self.memory_mb,
            "instances": self.instances,
        }


@dataclass(frozen=True)
class Endpoint:
    """One side of a change: the source application, or the target (clone)."""

    application_id: str | None
    name: str
    project: str | None
    environment: str | None
    environment_id: str | None
    kind: str = "application"  # the service kind (core.kinds) of both sides

    @classmethod
    def at(cls, service_id: str | None, name: str, env: EnvironmentRef, kind: str) -> Endpoint:
        """The endpoint of service ``name`` (``service_id`` once it exists) in ``env``."""
        return cls(service_id, name, env.project_name, env.name, env.id, kind)


@dataclass(frozen=True)
class Change:
    """What the plan does about one desired clone, or one prunable owned clone.

    ``desired`` is the compared configuration to lay on the target (``edits.edit_request``);
    ``desired_is_complete`` says it holds every compared field (``follow_source: true``:
    absent means "back to default") rather than only the overridden ones. ``description`` is
    the whole description to write, marker included. ``ignore`` holds the manifest's ignored
    paths: the executor carries them from the application it reads just before the write,
    so that a field someone else changed since the plan stays as they set it.
    ``fingerprints`` holds ``source`` and ``target`` (``None`` where there is no such
    application).

    ``drift`` is only what moved behind the reconciler's back (contract section 17): a
    changed declaration is a change, listed in ``updates`` (every field apply sets, as
    ``before → after``; for a create, every field the clone gets, ``before`` absent), never
    drift. Corrected drift is in both. ``footprint`` is what the change adds or removes.
    """

    address: str
    action: Action
    manifest: str
    source: Endpoint
    target: Endpoint
    owned: bool
    drift: tuple[DriftItem, ...] = ()  # what moved behind the reconciler's back, only
    updates: tuple[FieldUpdate, ...] = ()  # what apply sets, before → after (a create: all)
    footprint: Footprint = Footprint()  # frozen: one shared by every change that edits nothing
    reason: str = ""  # for people: ``reasons.text_of(why)``, or as a saved plan read it
    steps: tuple[Step, ...] = ()
    desired: Config = field(default_factory=dict)
    desired_is_complete: bool = False
    description: str | None = None
    deploy_commit: str | None = None
    fingerprints: Mapping[str, str | None] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    why: tuple[Because, ...] = ()  # the reasons as data; the first one is ``reason_code``
    expires_at: str | None = None  # a temporary clone's end (core.expiry), ISO 8601 UTC
    # the variable writes planned for an existing clone, and (for a clone still to be made,
    # whose writes are decided once it exists) the declarations they come from
    variables: tuple[VariableWrite, ...] = ()
    declared_variables: tuple[Declared, ...] = ()

    @property
    def reason_code(self) -> Reason | None:
        """The first reason, as data (``None``: a saved plan that did not record it)."""
        return self.why[0].reason if self.why else None

    @property
    def missing(self) -> bool:
        """A declared clone that does not exist."""
        return self.action is Action.CREATE

    @property
    def writes(self) -> bool:
        """Whether applying this change writes anything."""
        return self.action in (Action.CREATE, Action.UPDATE, Action.DELETE, Action.EXPIRE)


@dataclass(frozen=True)
class Summary:
    """The counts of contract section 6."""

    create: int = 0
    update: int = 0
    delete: int = 0
    noop: int = 0
    conflict: int = 0
    drifted: int = 0
    missing: int = 0
    expire: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "create": self.create,
            "update": self.update,
            "delete": self.delete,
            "noop": self.noop,
            "conflict": self.conflict,
            "expire": self.expire,
            "drifted": self.drifted,
            "missing": self.missing,
        }


def summarise(changes: Sequence[Change]) -> Summary:
    """Count actions; ``drifted`` counts existing clones with drift, ``missing`` absent ones."""
    counts = {action.value: 0 for action in Action}
    drifted = missing = 0
    for change in changes:
        counts[change.action.value] += 1
        if is_drifted(change):
            drifted += 1
        if change.missing:
            missing += 1
    return Summary(**counts, drifted=drifted, missing=missing)


def _address_order(change: Change) -> tuple[str, str]:
    """Addresses in reading order, whatever the case of Qovery's names."""
    return change.address.casefold(), change.address


@dataclass(frozen=True)
class Plan:
    """Every change, in address order, with where the plan came from."""

    changes: tuple[Change, ...]
    summary: Summary
    api_url: str | None = None
    selectors: tuple[SelectorMatch, ...] = ()
    notes: tuple[str, ...] = ()
    requests: Mapping[str, JSON] | None = None  # what observing cost (``plan --json``)
    # the clock it was planned at (ISO 8601 UTC), for "expires in"; not what it does
    now: str | None = field(default=None, compare=False)
    warnings: tuple[Diagnostic, ...] = ()  # clone-safety warnings (contract section 16)

    @classmethod
    def of(
        cls,
        changes: Sequence[Change],
        *,
        api_url: str | None = None,
        selectors: Sequence[SelectorMatch] = (),
        notes: Sequence[str] = (),
        warnings: Sequence[Diagnostic] = (),
    ) -> Plan:
        """A plan over ``changes`` (sorted by address), its summary computed."""
        ordered = tuple(sorted(changes, key=_address_order))
        return cls(
            ordered,
            summarise(ordered),
            api_url,
            tuple(selectors),
            tuple(notes),
            warnings=tuple(warnings),
        )

    def with_now(self, now: str | None) -> Plan:
        """The same plan, made at ``now``."""
        return replace(self, now=now)

    def with_changes(self, changes: Sequence[Change]) -> Plan:
        """The same plan over other changes (``--target``), its summary recomputed."""
        ordered = tuple(sorted(changes, key=_address_order))
        return replace(self, changes=ordered, summary=summarise(ordered))

    @property
    def has_pending_changes(self) -> bool:
        """Whether apply would write something (reported drift is not pending)."""
        return any(change.writes for change in self.changes)

    @property
    def footprint(self) -> Footprint:
        """What every change together adds and removes (contract section 16)."""
        return sum((change.footprint for change in self.changes), Footprint())

    @property
    def has_drift(self) -> bool:
        """Drifted or missing clones (``reconciler drift`` exits 2)."""
        return self.summary.drifted > 0 or self.summary.missing > 0


# ── the plan document ───────────────────────────────────────────────────────────────────


def is_drifted(change: Change) -> bool:
    """An existing clone whose compared fields differ (a clone to delete is not "drifted")."""
    return bool(change.drift) and change.action is not Action.DELETE


def is_shown(change: Change) -> bool:
    """Worth showing in a plan: every change but a noop without drift."""
    return change.action is not Action.NOOP or bool(change.drift)


def drifted(plan: Plan) -> tuple[Change, ...]:
    """The existing clones that drifted (``summary.drifted`` counts them)."""
    return tuple(change for change in plan.changes if is_drifted(change))


def reported_drift(plan: Plan) -> tuple[Change, ...]:
    """The drifted clones left as they are (``on_drift: report``): noops with drift."""
    return tuple(c for c in plan.changes if c.action is Action.NOOP and c.drift)


def out_of_date(plan: Plan) -> tuple[Change, ...]:
    """Owned clones whose declaration changed and that apply will update: not drift, but not
    yet what the manifests say either (``drift`` lists them apart)."""
    return tuple(
        c
        for c in plan.changes
        if c.owned and c.action is Action.UPDATE and c.updates and not c.drift
    )


def missing(plan: Plan) -> tuple[Change, ...]:
    """The declared clones that do not exist (``summary.missing`` counts them)."""
    return tuple(change for change in plan.changes if change.missing)


def conflicts(plan: Plan) -> tuple[Change, ...]:
    """The changes that cannot be made: an unowned application in the way, and the like."""
    return tuple(change for change in plan.changes if change.action is Action.CONFLICT)


def shown(plan: Plan) -> tuple[Change, ...]:
    """The changes a plan view lists."""
    return tuple(change for change in plan.changes if is_shown(change))
