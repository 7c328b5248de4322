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
Neighbours: ``declarations`` (a declaration's desired configuration and what its clones
share: version, prechecks, digest), ``ownership``, ``diffs``,
``fingerprints``, ``footprints``, ``prechecks``, ``reasons``, ``clone_safety`` (warnings),
``variable_plans`` (a clone's variables), ``expiry``; builds ``plans.Plan``. Each change is
gathered as a dict of its fields (``change_fields`` decides an owned clone's into it) and
made once (``change_copies.made``); what every clone of one declaration shares (its
``Declaration``, its source endpoint) is computed once for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from reconciler.core import variable_plans
from reconciler.core.change_copies import made
from reconciler.core.change_copies import with_fields as _with
from reconciler.core.change_fields import (
    Fields,
    as_rename,
    decided,
    deploy_step,
    owned,
    said,
    variables_step,
)
from reconciler.core.clone_safety import plan_warnings
from reconciler.core.declarations import Declaration
from reconciler.core.declaring import (
    DesiredConfig,
    fields_declared,
)
from reconciler.core.deploying import NEVER_DEPLOYED, deploys_existing, deploys_new
from reconciler.core.desired import overrides_key
from reconciler.core.expiry import active_for_write, decide, expiry_notes, iso
from reconciler.core.fingerprints import fingerprint
from reconciler.core.footprints import of_edit
from reconciler.core.model import (
    DesiredClone,
    DesiredState,
    EnvironmentRef,
    ObservedApplication,
    ObservedState,
)
from reconciler.core.observed_index import ObservedIndex
from reconciler.core.ownership import (
    Application,
    Owner,
    description_of,
    has_keep_line,
    is_copy,
    is_untouched_clone,
    marker_of,
    name_key,
    owned_by,
    strip_marker,
    with_marker,
)
from reconciler.core.per_body import PerBody
from reconciler.core.plans import (
    Action,
    Change,
    DriftItem,
    Endpoint,
    Footprint,
    Plan,
    Step,
    updates_of,
)
from reconciler.core.pruning import BEING_DELETED, prunes
from reconciler.core.reasons import Because, Reason
from reconciler.core.variable_plans import VariablePlan


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
        # never evicted: ``per_body`` keys on their configurations' identity, held alive here
        self._declarations: dict[tuple[str, bool, str, str], Declaration] = {}
        self._fingerprints: dict[str, str | None] = {}
        self._declared = {(c.target_env.id, name_key(c.name)) for c in desired.clones}
        self._renamed: set[str] = set()  # application ids a desired clone took over by rename
        # every source of the run, whether its manifest declares clones or not: never written
        self._sources = {c.source_app_id for c in desired.clones} | set(desired.source_ids)
        self._source_endpoints: dict[tuple[str, ...], Endpoint] = {}
        self._per_body = PerBody()  # drift and write per (declaration, listed body, ignore)

    # ── desired configuration ──────────────────────────────────────────────────────────

    def declaration(self, clone: DesiredClone, source: ObservedApplication) -> Declaration:
        """The clone's declaration, made once per (source, policy, kind, overrides)
        (``_config_key``, on values, so that equal declarations share one)."""
        key = _config_key(clone, source)
        found = self._declarations.get(key)
        if found is None:
            found = self._declarations[key] = Declaration(clone, source.config)
        return found

    @staticmethod
    def digest(clone: DesiredClone, declaration: Declaration) -> str:
        """What the clone's marker records of its declaration (and its variables)."""
        declared = declaration.digest(clone.ignore)
        return variable_plans.marker_digest(declared, clone.variables, clone.ignore)

    def fingerprint(self, app: ObservedApplication | None) -> str | None:
        if app is None:
            return None
        known = self._fingerprints.get(app.id)
        if known is None:
            known = app.fingerprint
            if known is None:
                known = fingerprint(app.config, normalised=self.observed.normalised(app))
            self._fingerprints[app.id] = known
        return known

    # ── one desired clone ──────────────────────────────────────────────────────────────

    def change_for(self, clone: DesiredClone) -> Change:
        """The change of one desired clone: its fields gathered in one dict as it is decided
        (``change_fields``), the Change made once from them."""
        source = self.observed.by_id.get(clone.source_app_id)
        env_id = clone.target_env.id
        target = self.observed.find(env_id, clone.name)
        renamed_from = None
        if target is None:
            target = self._renamed_clone(clone)
            renamed_from = target.name if target is not None else None
        base = self._base_fields(clone, source, target)
        if source is None:
            return made(decided(base, Action.CONFLICT, Because.of(Reason.SOURCE_NOT_OBSERVED)))
        if env_id in self.observed.failed or env_id not in self.observed.environments:
            # never "does not exist" on the strength of a listing that failed or never ran
            failure = self.observed.failed.get(env_id, "it was not listed")
            reason = Because.of(Reason.TARGET_NOT_LISTED, failure=failure)
            return made(decided(base, Action.CONFLICT, reason))
        if target is not None and target.state in BEING_DELETED:
            reason = Because.of(Reason.BEING_DELETED, state=target.state)
            return made(decided(base, Action.NOOP, reason))
        if target is not None and target.id in self._sources:
            return made(decided(base, Action.CONFLICT, Because.of(Reason.IS_A_SOURCE)))
        if target is not None and target.kind != clone.kind:
            reason = Because.of(Reason.ANOTHER_KIND, kind=_a(target.kind))
            return made(decided(base, Action.CONFLICT, reason))
        declaration = self.declaration(clone, source)
        refused = declaration.refused(self._current(clone, target))
        if refused:
            where = f" ({clone.position})" if clone.position else ""
            refusal = Because.of(Reason.API_WOULD_REFUSE, refused=refused, where=where)
            return made(decided(base, Action.CONFLICT, refusal))
        base["deploy_commit"] = declaration.version
        digest = self.digest(clone, declaration)
        desired = declaration.config
        base.update(self._write(clone, source, target, declaration, digest))
        variables = variable_plans.of_clone(clone, target, self.seen, self.digests)
        if variables.problems:
            problem = "; ".join(variables.problems)
            unresolved = Because.of(Reason.VARIABLE_UNRESOLVED, problem=problem)
            return made(decided(base, Action.CONFLICT, unresolved))
        if target is None:
            writes = (Step.VARIABLES,) if clone.variables else ()
            steps = (Step.CLONE, Step.EDIT, *writes, *deploy_step(deploys_new(clone.policy)))
            why = said(Because.of(Reason.DOES_NOT_EXIST))
            declared = {"declared_variables": clone.variables}
            base.update(action=Action.CREATE, steps=steps, updates=fields_declared(desired))
            base.update(**why, **declared)
            return self._finished(base, clone, source, None, "")
        self._existing(clone, source, target, desired, base, digest, variables)
        if renamed_from:
            as_rename(base, clone, renamed_from)
        return self._finished(base, clone, source, target, digest)

    def _finished(
        self,
        fields: Fields,
        clone: DesiredClone,
        source: ObservedApplication,
        target: ObservedApplication | None,
        digest: str,
    ) -> Change:
        """The change made from its ``fields``, expiry applied (``expiry.decide``, which
        changes nothing of a clone that does not expire) and weighed (its footprint)."""
        if clone.policy.expire_after is not None:
            change = decide(made(fields), clone.policy, _config(target), digest, self.now)
            steps, desired, complete = change.steps, change.desired, change.desired_is_complete
            if Step.EDIT not in steps:
                return change
            return _with(change, footprint=self._weight(desired, complete, source, target))
        if Step.EDIT in fields.get("steps", ()):
            desired, complete = fields["desired"], fields["desired_is_complete"]
            fields["footprint"] = self._weight(desired, complete, source, target)
        return made(fields)

    def _weight(
        self,
        desired: Application,
        complete: bool,
        source: ObservedApplication,
        target: ObservedApplication | None,
    ) -> Footprint:
        """What a write of ``desired`` adds to what the clone runs (its footprint): laid over
        the target, or, for a clone yet to be made, the source it copies."""
        current = self.observed.normalised(target if target is not None else source)
        return of_edit(desired, current, complete, exists=target is not None)

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
        declaration: Declaration,
        digest: str,
    ) -> Fields:
        """The Change fields of the write: configuration, description, ignored paths;
        ``digest``: the clone's (``digest``), which its marker records."""
        desired = declaration.config
        written, description = desired.config, desired.description
        if target is not None and clone.ignore:  # a write leaves what is ignored as it is
            body = self.observed.normalised(target)
            written = self._per_body.written(desired, body, clone.ignore)
        if declaration.keeps_description(clone.ignore):
            # kept as it is found: the target's, or the source's that a clone copies
            description = strip_marker(description_of((target or source).config))
        found = _config(target)
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
        fields: Fields,
        digest: str,
        found: VariablePlan,
    ) -> None:
        """Decides, into ``fields``, what becomes of an existing application (``digest``:
        the clone's, to tell a changed declaration; ``found``: its variables compared)."""
        owner = marker_of(target.config)
        copied = is_copy(owner, target.config, source.config)  # cloned with it, or copied
        items = self.drift_of(clone, target, desired)
        fields["variables"] = found.writes
        if owner is not None and owner.manifest == clone.manifest and not copied:
            if owner.source_id == clone.source_app_id:
                changed = owner.applied is not None and owner.applied != digest
                fields["owned"] = True
                owned(fields, items, clone, target, changed, found)
                return
            reason = Because.of(Reason.OWNED_FOR_ANOTHER_SOURCE, source=owner.source_name)
            decided(fields, Action.CONFLICT, reason)
            return
        if owner is not None and not copied:
            reason = Because.of(
                Reason.OWNED_BY_ANOTHER_MANIFEST, manifest=owner.manifest, source=owner.source_name
            )
            decided(fields, Action.CONFLICT, reason)
            return
        status = target.deployment_status or NEVER_DEPLOYED
        wants_deploy = deploys_existing(clone.policy, status, target.state, wrote=True)
        steps = (Step.EDIT, *variables_step(found.writes), *deploy_step(wants_deploy))
        # not ours yet: nothing moved behind our back, every difference is a change to make
        if is_untouched_clone(target.config, source.config, self.observed.compared):
            why = said(Because.of(Reason.INTERRUPTED_CREATE))
        elif clone.policy.adopt and not copied:
            why = said(Because.of(Reason.ADOPTING))
        else:
            decided(fields, Action.CONFLICT, Because.of(Reason.NOT_MANAGED))
            return
        fields.update(action=Action.UPDATE, steps=steps, updates=updates_of(items), **why)

    def drift_of(
        self, clone: DesiredClone, target: ObservedApplication, desired: DesiredConfig
    ) -> tuple[DriftItem, ...]:
        """Where the target differs from ``desired`` (once per listed body: ``per_body``)."""
        return self._per_body.drift(desired, self.observed.normalised(target), clone.ignore)

    def _base_fields(
        self,
        clone: DesiredClone,
        source: ObservedApplication | None,
        target: ObservedApplication | None,
    ) -> Fields:
        """The fields every change of ``clone`` has: what it is, where, and the
        fingerprints of what it was planned from."""
        source_id = source.id if source else clone.source_app_id
        env = clone.source_env  # what its endpoint reads of it, as the key
        key = (source_id, clone.source_app_name, clone.kind, env.id, env.name, env.project_name)
        source_end = self._source_endpoints.get(key)
        if source_end is None:
            source_end = _endpoint(source_id, clone.source_app_name, env, clone.kind)
            self._source_endpoints[key] = source_end
        return {
            "address": clone.address,
            "action": Action.NOOP,
            "manifest": clone.manifest,
            "source": source_end,
            "target": _endpoint(
                target.id if target else None,
                target.name if target else clone.name,
                clone.target_env,
                clone.kind,
            ),
            "owned": False,
            "fingerprints": {
                "source": self.fingerprint(source),
                "target": self.fingerprint(target),
            },
        }

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
