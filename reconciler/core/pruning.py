"""Pruning: the deletes of the clones a manifest owns and no longer declares. Pure.

Under ``policy.prune: true``, an application (of any kind) in a pruned environment whose
ownership marker names the manifest, that no declared clone claims by name and that is not
a source of the run, renamed by a declared clone or already being deleted, is deleted.
A copy of an owned clone (a marker naming another service) is never pruned
(``ownership.owner_of``).

Neighbours: ``planning`` (its only caller: ``Planner.prunes``), ``observed_index``,
``ownership``, ``footprints`` (what a delete removes).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from reconciler.core.footprints import change_of
from reconciler.core.model import DesiredState, EnvironmentRef, ObservedApplication
from reconciler.core.observed_index import ObservedIndex
from reconciler.core.ownership import Owner, marker_of, name_key, owner_of
from reconciler.core.plans import Action, Change, Endpoint, Step
from reconciler.core.reasons import Because, Reason, text_of

BEING_DELETED = frozenset({"DELETE_QUEUED", "DELETING", "WAITING_DELETING"})
"""Qovery states of a service whose delete is under way: neither a conflict nor missing."""

Fingerprint = Callable[[ObservedApplication | None], str | None]


def prunes(
    desired: DesiredState,
    observed: ObservedIndex,
    spared: Collection[str],
    fingerprint: Fingerprint,
) -> list[Change]:
    """The deletes of owned clones no longer declared; ``spared``: ids never deleted (the
    run's sources, and clones a declared clone takes over by rename)."""
    declared = {
        (clone.manifest, clone.target_env.id, name_key(clone.name)) for clone in desired.clones
    }
    changes: list[Change] = []
    seen: set[str] = set()
    for manifest, environments in sorted(desired.prune_environments.items()):
        policy = desired.policies.get(manifest)
        if manifest not in desired.managed_manifests or policy is None or not policy.prune:
            continue
        for env in environments:
            for app in observed.environments.get(env.id, ()):
                owner = _owner_of(app, observed)
                if owner is None or owner.manifest != manifest or app.id in seen:
                    continue
                if app.id in spared or app.state in BEING_DELETED:
                    continue  # a source is sacred; renamed; going away already
                if (manifest, env.id, name_key(app.name)) in declared:
                    continue
                seen.add(app.id)
                changes.append(_delete(manifest, owner, env, app, observed, fingerprint))
    return changes


def _owner_of(app: ObservedApplication, observed: ObservedIndex) -> Owner | None:
    """``ownership.owner_of`` with the source that the marker names, when listed."""
    marker = marker_of(app.config)
    source = observed.by_id.get(marker.source_id) if marker is not None else None
    return owner_of(app.config, source.config if source is not None else None)


def _delete(
    manifest: str,
    owner: Owner,
    env: EnvironmentRef,
    app: ObservedApplication,
    observed: ObservedIndex,
    fingerprint: Fingerprint,
) -> Change:
    source_app = observed.by_id.get(owner.source_id)
    why = (Because.of(Reason.NO_LONGER_DECLARED),)
    return Change(
        address=f"{manifest}.{owner.source_name}[{env.project_name}/{env.name}]",
        action=Action.DELETE,
        manifest=manifest,
        source=Endpoint(
            owner.source_id,
            owner.source_name,
            None,
            None,
            source_app.environment_id if source_app else None,
            app.kind,
        ),
        target=Endpoint.at(app.id, app.name, env, app.kind),
        owned=True,
        why=why,
        reason=text_of(why),
        steps=(Step.DELETE,),
        fingerprints={"source": fingerprint(source_app), "target": fingerprint(app)},
        footprint=change_of(observed.normalised(app), None),
    )
