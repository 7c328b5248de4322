"""Planning: desired state + observed state → the Plan. Pure, one pass, no I/O.

The chain of STYLE.md (Argo's gitops-engine): pair each desired clone with the live
application of the same name in its target environment (case-insensitive), then decide per
contract section 4:

- none there                        → ``create`` (clone, edit, [deploy])
- owned by this manifest and source → ``update`` when its declaration changed (a change,
                                      never drift), drifted and ``on_drift: correct``, or
                                      to deploy it as ``policy.deploy`` wants
                                      (``deploying``); else ``noop`` (reported drift: a
                                      non-empty ``drift``)
- owned by another manifest/source  → ``conflict``, always
- not owned                         → ``update`` when an untouched clone of its source (an
                                      interrupted create) or ``adopt: true``; else ``conflict``
- owned, not declared, ``prune``    → ``delete`` (only manifests in ``managed_manifests``)

Whether an application is owned, a copy, or an untouched clone is ``ownership``'s to say
(contract section 18: a marker naming another application is a copy, never owned). A source
of any clone of the run is never edited, renamed or deleted by it, whatever its marker
says; a clone whose values the API would refuse (``prechecks``) is a ``conflict`` planned
before any clone is made.

Desired configuration: ``follow_source: true`` → the source's configuration with the clone's
overrides deep-merged over it, normalised; ``false`` → the normalised overrides alone.
Neighbours: ``declaring`` (the desired configuration), ``ownership``, ``diffs``,
``fingerprints``, ``footprints``, ``prechecks``, ``reasons``, ``clone_safety`` (warnings),
``variable_plans`` (a clone's variables), ``expiry``; builds ``plans.Plan``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from reconciler.core import variable_plans
from reconciler.core.change_copies import with_fields as _with
from reconciler.core.clone_safety import plan_warnings
from reconciler.core.declaring import (
    DesiredConfig,
    compute_desired,
    declared_digest,
    fields_declared,
)
from reconciler.core.deploying import NEVER_DEPLOYED, deploys_existing, deploys_new, version_of
from reconciler.core.desired import overrides_key
from reconciler.core.diffs import (
    carry_ignored,
    drift,
    project_onto,
)
from reconciler.core.edits import keeps_description
from reconciler.core.expiry import active_for_write, decide, expiry_notes, iso
from reconciler.core.fingerprints import fingerprint
from reconciler.core.footprints import of_write
from reconciler.core.kinds import kind_named
from reconciler.core.model import (
    DesiredClone,
    DesiredState,
    EnvironmentRef,
    ObservedApplication,
    ObservedState,
    OnDrift,
)
from reconciler.core.observed_index import ObservedIndex
from reconciler.core.ownership import (
    Application,
    Owner,
    description_of,
    has_keep_line,
    is_copied_marker,
    is_untouched_clone,
    marker_of,
    name_key,
    owned_by,
    strip_marker,
    with_marker,
)
from reconciler.core.plans import (
    Action,
    Change,
    DriftItem,
    Endpoint,
    Plan,
    Step,
    updates_of,
)
from reconciler.core.prechecks import refused_values
from reconciler.core.pruning import BEING_DELETED, prunes
from reconciler.core.reasons import Because, Reason, text_of
from reconciler.core.variable_plans import VariablePlan
from reconciler.core.variables import VariableWrite


class Planner:
    """Plans one (desired, observed) pair; caches per source what every clone shares."""

    def __init__(
        self,
        desired: DesiredState,
        observed: ObservedState,
        now: datetime | None = None,
        secret_digests: Mapping[str, str] | None = None,
    ) -> None:
        self.desired = desired
        # the API's clock, passed in by ``pipeline``; the machine's only when none is given
        self.now = now if now is not None else datetime.now(UTC)
        self.seen, self.digests = observed.variables, secret_digests or {}  # variables
        self.observed = ObservedIndex(observed)
        self._desired_configs: dict[tuple[str, bool, str, str], DesiredConfig] = {}
        self._versions: dict[tuple[str, bool, str, str], str | None] = {}  # the same keys
        self._fingerprints: dict[str, str | None] = {}
        self._declared = {(c.target_env.id, name_key(c.name)) for c in desired.clones}
        self._renamed: set[str] = set()  # application ids a desired clone took over by rename
        # every source of the run, whether its manifest declares clones or not: never written
        self._sources = {c.source_app_id for c in desired.clones} | set(desired.source_ids)

    # ── desired configuration ──────────────────────────────────────────────────────────

    def desired_config(self, clone: DesiredClone, source: ObservedApplication) -> DesiredConfig:
        """The clone's desired configuration, computed once per (source, policy, overrides):
        keyed on values (the overrides' canonical text, made once per application by
        resolution), so equal declarations share one computation."""
        key = _config_key(clone, source)
        found = self._desired_configs.get(key)
        if found is None:
            found = self._desired_configs[key] = compute_desired(
                source.config,
                clone.overrides,
                follow_source=clone.policy.follow_source,
                kind=kind_named(clone.kind),
            )
            self._versions[key] = version_of(clone.kind, source.config, found.config)
        return found

    def version(self, clone: DesiredClone, source: ObservedApplication) -> str | None:
        """What a deploy of the clone runs (``deploying.version_of``), once per desired
        configuration, as ``desired_config`` computes it."""
        return self._versions[_config_key(clone, source)]

    def digest(self, clone: DesiredClone, desired: DesiredConfig) -> str:
        """``declared_digest`` of a clone's desired configuration, once per (config, ignore)."""
        found = desired.digests.get(clone.ignore)
        if found is None:
            found = desired.digests[clone.ignore] = declared_digest(desired, clone.ignore)
        return variable_plans.marker_digest(found, clone.variables, clone.ignore)

    def fingerprint(self, app: ObservedApplication | None) -> str | None:
        if app is None:
            return None
        if app.id not in self._fingerprints:
            known = app.fingerprint
            if known is None:
                known = fingerprint(app.config, normalised=self.observed.normalised(app))
            self._fingerprints[app.id] = known
        return self._fingerprints[app.id]

    # ── one desired clone ──────────────────────────────────────────────────────────────

    def change_for(self, clone: DesiredClone) -> Change:
        source = self.observed.by_id.get(clone.source_app_id)
        env_id = clone.target_env.id
        target = self.observed.find(env_id, clone.name)
        renamed_from = None
        if target is None:
            target = self._renamed_clone(clone)
            renamed_from = target.name if target is not None else None
        base = self._base_change(clone, source, target)
        if source is None:
            return _decided(base, Action.CONFLICT, Because.of(Reason.SOURCE_NOT_OBSERVED))
        if env_id in self.observed.failed or env_id not in self.observed.environments:
            # never "does not exist" on the strength of a listing that failed or never ran
            failure = self.observed.failed.get(env_id, "it was not listed")
            reason = Because.of(Reason.TARGET_NOT_LISTED, failure=failure)
            return _decided(base, Action.CONFLICT, reason)
        if target is not None and target.state in BEING_DELETED:
            reason = Because.of(Reason.BEING_DELETED, state=target.state)
            return _decided(base, Action.NOOP, reason)
        if target is not None and target.id in self._sources:
            reason = Because.of(Reason.IS_A_SOURCE)
            return _decided(base, Action.CONFLICT, reason)
        if target is not None and target.kind != clone.kind:
            return _decided(
                base, Action.CONFLICT, Because.of(Reason.ANOTHER_KIND, kind=_a(target.kind))
            )
        desired = self.desired_config(clone, source)
        refused = refused_values(desired.config, source.config, self._current(clone, target))
        if refused:
            where = f" ({clone.position})" if clone.position else ""
            refusal = Because.of(Reason.API_WOULD_REFUSE, refused=refused, where=where)
            return _decided(base, Action.CONFLICT, refusal)
        version = self.version(clone, source)
        base = _with(base, deploy_commit=version, **self._write(clone, source, target, desired))
        problem = variable_plans.unresolved(clone, target, self.seen, self.digests)
        if problem:
            unresolved = Because.of(Reason.VARIABLE_UNRESOLVED, problem=problem)
            return _decided(base, Action.CONFLICT, unresolved)
        if target is None:
            variables = (Step.VARIABLES,) if clone.variables else ()
            steps = (Step.CLONE, Step.EDIT, *variables, *_deploy_step(deploys_new(clone.policy)))
            why = _said(Because.of(Reason.DOES_NOT_EXIST))
            declared = {"declared_variables": clone.variables}
            updates = {"updates": fields_declared(desired)}
            created = _with(base, action=Action.CREATE, steps=steps, **why, **declared, **updates)
            return self._weighed(decide(created, clone.policy, None, "", self.now), source, None)
        change = self._existing(clone, source, target, desired, base)
        change = _as_rename(change, clone, renamed_from) if renamed_from else change
        digest = self.digest(clone, desired)
        decided = decide(change, clone.policy, target.config, digest, self.now)
        return self._weighed(decided, source, target)

    def _weighed(
        self, change: Change, source: ObservedApplication, target: ObservedApplication | None
    ) -> Change:
        """The change with its footprint: what its write adds to what the clone runs."""
        if Step.EDIT not in change.steps:
            return change
        current = self.observed.normalised(target if target is not None else source)
        return _with(change, footprint=of_write(change, current, exists=target is not None))

    def _current(self, clone: DesiredClone, target: ObservedApplication | None) -> Application:
        """What a partial write lays its values over: the target, or the source it clones."""
        if target is not None:
            return self.observed.normalised(target)
        source = self.observed.by_id.get(clone.source_app_id)
        return self.observed.normalised(source) if source is not None else {}

    def _write(
        self,
        clone: DesiredClone,
        source: ObservedApplication,
        target: ObservedApplication | None,
        desired: DesiredConfig,
    ) -> dict[str, Any]:
        """The Change fields of the write: configuration, description, ignored paths."""
        written, description = desired.config, desired.description
        if target is not None and clone.ignore:  # a write leaves what is ignored as it is
            actual: Mapping[str, Any] = self.observed.normalised(target)
            if not desired.complete:  # a partial write touches only what it declares
                actual = project_onto(actual, written)
            written = carry_ignored(written, actual, clone.ignore)
        if keeps_description(desired.config, complete=desired.complete, ignore=clone.ignore):
            # kept as it is found: the target's, or the source's that a clone copies
            description = strip_marker(description_of((target or source).config))
        digest, found = self.digest(clone, desired), _config(target)
        active = active_for_write(clone.policy, found, digest, self.now)
        owner = _owner(clone, digest, target.id if target else None, active)
        keep = has_keep_line(description_of(found))
        return {
            "desired": written,
            "desired_is_complete": desired.complete,
            "description": with_marker(description, owner, keep=keep),
            "ignore": clone.ignore,
        }

    def _renamed_clone(self, clone: DesiredClone) -> ObservedApplication | None:
        """This manifest's clone of the same source under another name no longer declared.

        A changed name template renames clones in place (one edit) rather than deleting them
        and cloning again, which would lose what was set on them by hand.
        """
        env_id = clone.target_env.id
        source = self.observed.by_id.get(clone.source_app_id)
        for app in sorted(self.observed.environments.get(env_id, ()), key=lambda a: a.name):
            if (
                owned_by(app.config, clone.manifest, clone.source_app_id, _config(source))
                and (env_id, name_key(app.name)) not in self._declared
                and app.id not in self._renamed
                and app.id not in self._sources
                and app.state not in BEING_DELETED
            ):
                self._renamed.add(app.id)
                return app
        return None

    def _existing(
        self,
        clone: DesiredClone,
        source: ObservedApplication,
        target: ObservedApplication,
        desired: DesiredConfig,
        base: Change,
    ) -> Change:
        owner = marker_of(target.config)
        found = variable_plans.for_clone(clone, self.seen.get(target.id), self.digests)
        items = self.drift_of(clone, target, desired)
        base = _with(base, variables=found.writes)
        copied = is_copied_marker(target.config, source.config)  # cloned with it, or copied
        if owner is not None and owner.manifest == clone.manifest and not copied:
            if owner.source_id == clone.source_app_id:
                changed = owner.applied is not None and owner.applied != self.digest(clone, desired)
                return _owned(_with(base, owned=True), items, clone, target, changed, found)
            reason = Because.of(Reason.OWNED_FOR_ANOTHER_SOURCE, source=owner.source_name)
            return _decided(base, Action.CONFLICT, reason)
        if owner is not None and not copied:
            reason = Because.of(
                Reason.OWNED_BY_ANOTHER_MANIFEST, manifest=owner.manifest, source=owner.source_name
            )
            return _decided(base, Action.CONFLICT, reason)
        status = target.deployment_status or NEVER_DEPLOYED
        wants_deploy = deploys_existing(clone.policy, status, target.state, wrote=True)
        steps = (Step.EDIT, *_variables_step(found.writes), *_deploy_step(wants_deploy))
        # not ours yet: nothing moved behind our back, every difference is a change to make
        updates = updates_of(items)
        if is_untouched_clone(target.config, source.config, self.observed.compared):
            why = _said(Because.of(Reason.INTERRUPTED_CREATE))
            return _with(base, action=Action.UPDATE, steps=steps, updates=updates, **why)
        if clone.policy.adopt and not copied:
            why = _said(Because.of(Reason.ADOPTING))
            return _with(base, action=Action.UPDATE, steps=steps, updates=updates, **why)
        reason = Because.of(Reason.NOT_MANAGED)
        return _decided(base, Action.CONFLICT, reason)

    def drift_of(
        self, clone: DesiredClone, target: ObservedApplication, desired: DesiredConfig
    ) -> tuple[DriftItem, ...]:
        actual: Mapping[str, Any] = self.observed.normalised(target)
        if not desired.complete:
            actual = project_onto(actual, desired.config)
        return drift(
            desired.config, actual, ignore=clone.ignore, override_paths=desired.override_paths
        )

    def _base_change(
        self,
        clone: DesiredClone,
        source: ObservedApplication | None,
        target: ObservedApplication | None,
    ) -> Change:
        return Change(
            address=clone.address,
            action=Action.NOOP,
            manifest=clone.manifest,
            source=_endpoint(
                source.id if source else clone.source_app_id,
                clone.source_app_name,
                clone.source_env,
                clone.kind,
            ),
            target=_endpoint(
                target.id if target else None,
                target.name if target else clone.name,
                clone.target_env,
                clone.kind,
            ),
            owned=False,
            fingerprints={"source": self.fingerprint(source), "target": self.fingerprint(target)},
        )

    # ── prune, and the plan ────────────────────────────────────────────────────────────

    def prunes(self) -> list[Change]:
        """The deletes of owned clones no longer declared (``pruning``)."""
        return prunes(self.desired, self.observed, self._renamed | self._sources, self.fingerprint)

    def finish(self, changes: list[Change], api_url: str | None) -> Plan:
        """The plan of ``changes`` (one per desired clone), once every clone is planned:
        with the deletes, the warnings and the notes."""
        changes.extend(self.prunes())
        desired = self.desired
        warnings = plan_warnings(desired.clones, self.observed.by_id)
        notes = (*desired.notes, *expiry_notes(changes, desired.policies, self.now))
        made = Plan.of(
            changes, api_url=api_url, selectors=desired.selectors, notes=notes, warnings=warnings
        )
        return made.with_now(iso(self.now))


# ── helpers ─────────────────────────────────────────────────────────────────────────────


def _owned(
    base: Change,
    differences: tuple[DriftItem, ...],
    clone: DesiredClone,
    target: ObservedApplication,
    declared_changed: bool,
    variables: VariablePlan,
) -> Change:
    """An owned clone: where it differs, a changed declaration is a change apply makes (never
    drift); otherwise the difference moved behind the reconciler's back, and is drift that
    ``on_drift`` corrects or reports (contract section 17)."""
    # A changed declaration the clone already matches needs no write: its marker keeps the
    # older digest, and the next difference is applied as the latest declaration.
    everything = differences + variables.drift  # the configuration's, then the variables'
    applies = declared_changed and bool(everything)
    drift = () if applies else everything
    corrects = bool(drift) and clone.policy.on_drift is OnDrift.CORRECT
    writes = variable_plans.applied(variables, everything=corrects or applies)
    edits = (corrects or applies) and (bool(differences) or declared_changed)
    status, state = target.deployment_status, target.state
    deploys = deploys_existing(clone.policy, status, state, wrote=edits or bool(writes))
    steps = (*((Step.EDIT,) if edits else ()), *_variables_step(writes), *_deploy_step(deploys))
    reasons = []
    if variables.secrets_changed and not (corrects or applies):
        reasons.append(Because.of(Reason.SECRET_CHANGED, keys=", ".join(variables.secrets_changed)))
    if applies:
        reasons.append(Because.of(Reason.DECLARATION_CHANGED))
    elif len(drift) > len(variables.secrets_changed):  # more than the secrets to rewrite
        reasons.append(Because.of(Reason.DRIFTED, on_drift=clone.policy.on_drift.value))
    if deploys and status == NEVER_DEPLOYED:
        reasons.append(Because.of(Reason.NEVER_DEPLOYED))
    elif deploys and not (edits or writes):
        reasons.append(Because.of(Reason.OUT_OF_DATE))
    # the variables' own writes show as variables (+ KEY, ~ KEY …), not as field updates
    updates = updates_of(differences) if corrects or applies else ()
    base = _with(base, drift=drift, updates=updates, variables=writes)
    if steps:
        return _with(base, action=Action.UPDATE, steps=steps, **_said(*reasons))
    return _with(base, action=Action.NOOP, **_said(*(reasons or [Because.of(Reason.UP_TO_DATE)])))


def _as_rename(change: Change, clone: DesiredClone, old_name: str) -> Change:
    """An owned clone found under its old name: one edit renames it (and does the rest)."""
    renamed = Because.of(Reason.RENAMED, old_name=old_name)
    if change.action is Action.NOOP or change.action is Action.UPDATE:
        steps = change.steps if Step.EDIT in change.steps else (Step.EDIT, *change.steps)
        detail = change.why if change.action is Action.UPDATE else ()
        return _with(
            change,
            action=Action.UPDATE,
            **_said(renamed, *detail),
            steps=steps,
            target=replace(change.target, name=clone.name),
        )
    return change


def _decided(base: Change, action: Action, why: Because) -> Change:
    """A change that writes nothing: no desired config, no steps, no description."""
    return _with(base, action=action, steps=(), desired={}, description=None, **_said(why))


def _said(*why: Because) -> dict[str, Any]:
    """The Change fields of its reasons: the data, and the text people read."""
    return {"why": why, "reason": text_of(why)}


def _variables_step(writes: tuple[VariableWrite, ...]) -> tuple[Step, ...]:
    return (Step.VARIABLES,) if writes else ()


def _deploy_step(wanted: bool) -> tuple[Step, ...]:
    return (Step.DEPLOY,) if wanted else ()


def _owner(
    clone: DesiredClone, applied: str | None, clone_id: str | None, active: str | None = None
) -> Owner:
    return Owner(
        clone.manifest, clone.source_app_name, clone.source_app_id, applied, clone_id, active
    )


def _config_key(clone: DesiredClone, source: ObservedApplication) -> tuple[str, bool, str, str]:
    """What a clone's desired configuration depends on: its source, ``follow_source``, its
    kind and its overrides (their canonical text, made once per application by resolution)."""
    overrides = clone.overrides_key or overrides_key(clone.overrides)
    return (source.id, clone.policy.follow_source, clone.kind, overrides)


def _config(app: ObservedApplication | None) -> Application | None:
    return app.config if app is not None else None


def _a(kind: str) -> str:
    """``an application``, ``a container``, ``a job``."""
    return ("an " if kind[:1] in ("a", "e", "i", "o", "u") else "a ") + kind


def _endpoint(app_id: str | None, name: str, env: EnvironmentRef, kind: str) -> Endpoint:
    return Endpoint.at(app_id, name, env, kind)


def plan(
    desired: DesiredState,
    observed: ObservedState,
    *,
    api_url: str | None = None,
    now: datetime | None = None,
    secret_digests: Mapping[str, str] | None = None,
) -> Plan:
    """The plan that brings ``observed`` to ``desired`` under the manifests' policies, at
    ``now`` (the API's clock: temporary clones expire by it, ``core.expiry``);
    ``secret_digests``: each declared secret's keyed digest (``variable_plans.secret_ref``)."""
    planner = Planner(desired, observed, now, secret_digests)
    return planner.finish([planner.change_for(clone) for clone in desired.clones], api_url)
