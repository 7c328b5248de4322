"""The mass-deletion guard (contract section 18): no mass deletion by accident. Pure.

After planning, each manifest's deletes are weighed against the clones it owns (the plan's
changes of that manifest marked ``owned``: the ones it keeps and the ones it deletes). A
manifest's deletes are refused, before any change and whatever the command, when:

1. a ``match`` selector of it matches no environment while the plan deletes clones it owns
   in that selector's project (a typo in a selector under ``prune: true`` would otherwise
   retire every clone), unless ``policy.allow_empty: true``;
2. they are more than ``policy.max_deletes`` (default 10);
3. they are more than half of the clones it owns, unless the manifest means to be empty:
   it declares no clone at all and has no target (``targets: []``, a retirement), or
   ``policy.allow_empty: true`` (its selectors may match nothing, and then it retires).

A run that passes ``--allow-deletes`` skips the guard (the pipeline does not call it). With
``--target``, only the deletes that will be carried out are counted, and only manifests
that still delete something can be refused; the owned clones are counted in the whole plan.
``prune: false`` never deletes, so an empty selector there stays a note.

Neighbours: ``plans`` (the Plan weighed), ``model`` (DesiredState, Policy),
``pipeline`` (the caller, after planning and targeting); raises ``errors.DeletionRefused``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.core.errors import DeletionRefused, Diagnostic, Position
from reconciler.core.model import CloneSet, DesiredState, Policy, SelectorMatch
from reconciler.core.plans import Action, Change, Plan

__all__ = ["Refusal", "check", "refusals"]


@dataclass(frozen=True)
class Refusal:
    """One rule a manifest's deletes break; ``selector`` for the empty-selector rule."""

    manifest: str
    message: str
    selector: SelectorMatch | None = None


def refusals(
    plan: Plan, desired: DesiredState, *, whole: Plan | None = None
) -> tuple[Refusal, ...]:
    """Every rule broken by ``plan``'s deletes, manifest by manifest (none: go ahead).

    ``whole`` is the plan before ``--target`` narrowed it to ``plan`` (default: ``plan``);
    the clones each manifest owns are counted there.
    """
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    owned = Counter(c.manifest for c in (whole or plan).changes if c.owned)
    found: list[Refusal] = []
    for manifest in sorted({c.manifest for c in deletes}):
        policy = desired.policies.get(manifest, Policy())
        own = [c for c in deletes if c.manifest == manifest]
        found.extend(_empty_selectors(manifest, own, desired, policy))
        count, total = len(own), max(owned[manifest], len(own))
        clones = f"{count} of the {total} clone{'' if total == 1 else 's'} it owns"
        if count > policy.max_deletes:
            limit = f"policy.max_deletes ({policy.max_deletes})"
            found.append(Refusal(manifest, f"the plan deletes {clones}, more than {limit}"))
        if 2 * count > total and not _means_to_be_empty(manifest, desired, policy):
            found.append(Refusal(manifest, f"the plan deletes {clones}, more than half"))
    return tuple(found)


def check(
    plan: Plan,
    desired: DesiredState,
    clonesets: Sequence[CloneSet],
    *,
    whole: Plan | None = None,
) -> None:
    """Raise ``DeletionRefused`` naming every refused manifest (at its place in its file)."""
    found = refusals(plan, desired, whole=whole)
    if found:
        by_name = {c.name: c for c in clonesets}
        raise DeletionRefused(
            [Diagnostic(_position(by_name.get(r.manifest), r), _message(r)) for r in found]
        )


def _empty_selectors(
    manifest: str, deletes: Sequence[Change], desired: DesiredState, policy: Policy
) -> list[Refusal]:
    if policy.allow_empty:
        return []
    environments = {env.id: env for env in desired.prune_environments.get(manifest, ())}
    found = []
    for selector in desired.selectors:
        if selector.manifest != manifest or selector.environment_ids:
            continue
        there = [
            env
            for env in (environments.get(c.target.environment_id or "") for c in deletes)
            if env is not None and env.project_id == selector.project_id
        ]
        if there:
            message = (
                f"selector '{selector.pattern}' in {there[0].project_name} matches no "
                f"environment, and the plan deletes {len(there)} "
                f"clone{'' if len(there) == 1 else 's'} it owns there "
                "(set policy.allow_empty: true if the selector may match nothing)"
            )
            found.append(Refusal(manifest, message, selector))
    return found


def _means_to_be_empty(manifest: str, desired: DesiredState, policy: Policy) -> bool:
    """The manifest declares no clone, and says so: no target at all, or ``allow_empty``."""
    if any(c.manifest == manifest for c in desired.clones):
        return False
    return policy.allow_empty or not any(s.manifest == manifest for s in desired.selectors)


def _message(refusal: Refusal) -> str:
    return f"manifest {refusal.manifest}: {refusal.message}"


def _position(cloneset: CloneSet | None, refusal: Refusal) -> Position | None:
    if cloneset is None:
        return None
    if refusal.selector is not None:
        for index, target in enumerate(cloneset.targets):
            if target.match == refusal.selector.pattern:
                prefix = f"spec.targets[{index}]"
                for path in (f"{prefix}.environment.match", f"{prefix}.match"):
                    if path in cloneset.positions:
                        return cloneset.positions[path]
                return target.position or cloneset.position
    return cloneset.positions.get("metadata.name", cloneset.position)
