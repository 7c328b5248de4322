"""The shared vocabulary: frozen values that flow from manifests to the plan.

Data flows one way (STYLE.md)::

    manifests (CloneSet) ──resolve──► DesiredClone ─┐
                                                    ├─pair/diff─► plans.Plan ─► executing
    Qovery lists ──observe──► ObservedState ────────┘

This module holds only the values; it does no I/O and imports nothing of the project but
``errors.Position`` and ``variables.Declared``. Configuration dictionaries are plain JSON-like
values (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) taken as read-only
by convention: nothing may mutate a dict once it is inside one of these dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from reconciler.core.errors import Position
from reconciler.core.variables import Declared

JSON = Any
"""A JSON-like value, as parsed from YAML or from an API response."""

Config = Mapping[str, JSON]
"""An application configuration, or a part of one (overrides), keyed by the spec's field names."""


# ── Manifests, as written ────────────────────────────────────────────────────────────────


class OnDrift(StrEnum):
    REPORT = "report"
    CORRECT = "correct"


class Deploy(StrEnum):
    """``policy.deploy`` (contract section 12; the decisions are ``deploying``'s)."""

    NEVER = "false"
    ON_CREATE = "on_create"  # ``true`` says the same
    ON_CHANGE = "on_change"

    @classmethod
    def of(cls, value: bool | str) -> Deploy:
        """``true``/``false`` as written in a manifest, or one of the names."""
        if isinstance(value, bool):
            return cls.ON_CREATE if value else cls.NEVER
        return cls(value)


@dataclass(frozen=True)
class Policy:
    """The ``spec.policy`` block of a CloneSet (contract sections 3 and 18)."""

    follow_source: bool = True
    on_drift: OnDrift = OnDrift.REPORT
    prune: bool = False
    adopt: bool = False
    deploy: Deploy = Deploy.NEVER
    max_deletes: int = 10  # more deletes in one run are refused (core.guarding)
    allow_empty: bool = False  # its selectors may match nothing (and it then retires)
    expire_after: int | None = None  # seconds: its clones are temporary (core.expiry)
    expiry_warning: int = 86400  # seconds: plan lists the clones expiring within it


@dataclass(frozen=True)
class SourceApplication:
    """One entry of ``spec.source.applications``: a name or UUID, with its own overrides.

    ``kind``: the service kind the entry declares (``core.kinds``), or ``None``: then the
    name is looked for among the source environment's applications, containers and jobs.
    """

    ref: str
    overrides: Config = field(default_factory=dict)
    position: Position | None = None
    variables: Config = field(default_factory=dict)  # raw declarations (core.variables)
    kind: str | None = None
    # where each of ``overrides``' keys is written, for a key its resolved kind lacks
    key_positions: Mapping[str, Position] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class TargetSelector:
    """One entry of ``spec.targets``.

    Exactly one of ``environment`` (a name or UUID) and ``match`` (a glob over environment
    names, case-insensitive, ``*`` and ``?`` only) is set. ``project`` is a name or UUID, or
    ``None`` for the source project.
    """

    project: str | None
    environment: str | None = None
    match: str | None = None
    position: Position | None = None
    overrides: Config = field(default_factory=dict)  # laid over the application's (section 11)
    until: str | None = None  # ISO 8601: from then on no longer declared (core.expiry)
    variables: Config = field(default_factory=dict)  # raw declarations, win over the others


@dataclass(frozen=True)
class CloneSet:
    """One validated manifest document (``kind: CloneSet``)."""

    name: str
    organization: str
    source_project: str
    source_environment: str
    applications: tuple[SourceApplication, ...]
    targets: tuple[TargetSelector, ...]
    name_template: str = "{app}"
    overrides: Config = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    policy: Policy = field(default_factory=Policy)
    variables: Config = field(default_factory=dict)  # spec.variables, raw (core.variables)
    position: Position | None = None  # of the document's first line
    # Where each field was written, by dotted path ("spec.organization", "spec.source.project",
    # "spec.source.environment", "metadata.name", "spec.name", ...), for resolution errors.
    positions: Mapping[str, Position] = field(default_factory=dict)

    def correcting_drift(self) -> CloneSet:
        """This manifest as if it said ``on_drift: correct``: ``apply --correct`` (contract
        section 17) corrects reported drift once, for one run, without editing the file."""
        return replace(self, policy=replace(self.policy, on_drift=OnDrift.CORRECT))


# ── Qovery's containers, once resolved ───────────────────────────────────────────────────


@dataclass(frozen=True)
class EnvironmentRef:
    """A resolved Qovery environment, with the names needed for addresses and messages."""

    id: str
    name: str
    project_id: str
    project_name: str
    organization_id: str
    mode: str | None = None  # DEVELOPMENT | PREVIEW | PRODUCTION | STAGING


@dataclass(frozen=True)
class SelectorMatch:
    """What one ``match:`` selector matched, for reporting and for stale-plan detection."""

    manifest: str
    project_id: str
    pattern: str
    environment_ids: tuple[str, ...]
    source_environment_id: str | None = None  # never matched by the selector


# ── Desired state ────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DesiredClone:
    """One clone that a manifest declares: a source application in one target environment.

    ``overrides`` is the merged result (application-level over manifest-level). ``address``
    is ``<manifest>.<source app name>[<target project>/<target environment>]``.
    ``position``: where the manifest declares it (its application entry, else the document),
    for plan-time refusals.
    """

    address: str
    manifest: str
    source_app_id: str
    source_app_name: str
    source_env: EnvironmentRef
    target_env: EnvironmentRef
    name: str
    overrides: Config
    ignore: tuple[str, ...]
    policy: Policy
    position: Position | None = field(default=None, compare=False)
    kind: str = "application"  # the source's service kind (core.kinds), and so the clone's
    # ``desired.overrides_key(overrides)``, made once per application by resolution
    overrides_key: str = field(default="", compare=False, repr=False)
    # the merged, rendered ``variables`` declarations (contract section 10), by key
    variables: tuple[Declared, ...] = ()


@dataclass(frozen=True)
class DesiredState:
    """Everything the manifests ask for, resolved against Qovery's names.

    ``managed_manifests`` names the manifests that resolved completely: prune only ever
    considers clones owned by one of these. ``prune_environments`` lists, per manifest with
    ``prune: true``, every environment of its organization in which owned clones are looked
    for. ``selectors`` records what every ``match:`` selector matched.
    """

    clones: tuple[DesiredClone, ...]
    managed_manifests: tuple[str, ...]
    policies: Mapping[str, Policy]
    prune_environments: Mapping[str, tuple[EnvironmentRef, ...]]
    selectors: tuple[SelectorMatch, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. "previews: selector 'pr-*' in shop matched no environment"
    # every source application of the run, declared clones or not: never written by it
    source_ids: tuple[str, ...] = ()


# ── Observed state ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ObservedApplication:
    """An application as Qovery's environment listing returned it.

    ``config`` is the raw ``Application`` object of the API, untouched; normalising happens
    in the planner. ``deployment_status`` is ``NEVER_DEPLOYED`` / ``OUT_OF_DATE`` /
    ``UP_TO_DATE`` when statuses were read, else ``None``.
    """

    id: str
    name: str
    environment_id: str
    config: Config
    deployment_status: str | None = None
    kind: str = "application"  # its service kind (core.kinds): the listing it came from
    state: str | None = None  # Qovery's ``state`` (DELETING, STOPPED…) when statuses were read
    # ``normalising.normalise(config)`` and ``fingerprints.fingerprint(config)``, when the
    # observer computed them already (it does so in the thread that waited for the listing,
    # so that the work overlaps the network).
    normalised: Config | None = field(default=None, compare=False, repr=False)
    fingerprint: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ObservedState:
    """What Qovery holds in every environment involved, read once per run.

    ``applications`` maps an environment id to the applications listed in it. An environment
    whose listing failed is absent from ``applications`` and present in ``failed``: nothing is
    ever created, updated or pruned there on the strength of an empty list.
    """

    applications: Mapping[str, tuple[ObservedApplication, ...]]
    failed: Mapping[str, str] = field(default_factory=dict)  # environment id → error message
    # clone id → the ``VariableResponse`` objects visible at its scope (read only for clones
    # of manifests that declare variables); environment id → those visible at environment
    # scope (read for clones still to be made that declare an alias)
    variables: Mapping[str, tuple[Config, ...]] = field(default_factory=dict)
