"""Observing variables: one read per existing clone of a manifest that declares variables.

After the environments are listed and the clones resolved, ``read_variables`` reads
``GET /variable?parent_id=<clone id>&scope=<KIND>`` for each existing clone (found by name in
its target environment, as the planner pairs them, or by its marker, for a clone the planner
renames) whose manifest declares variables: no request at all for manifests that declare
none, and one per clone otherwise, in parallel (contract section 10, "Reading"). A clone
still to be made that declares an alias costs one read of its target environment
(``scope=ENVIRONMENT``: the environment's and project's variables and the built-ins), once
per environment, so that an alias with no target there is a conflict before the clone is
made, not a failure after. A read that fails stops the run, as a listing does.

Neighbours: ``observing`` (``fetch_all``), ``pipeline`` (the caller), ``core.variable_plans``
(what the planner does with the answers).
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.core.model import DesiredClone, DesiredState, ObservedState
from reconciler.core.ownership import marker_of, name_key
from reconciler.core.variables import Sort, scope_of
from reconciler.edges.observing import fetch_all
from reconciler.edges.reading import Reader

ALIASES = (Sort.ALIAS, Sort.BUILTIN)
ENVIRONMENT = "ENVIRONMENT"


def clones_to_read(desired: DesiredState, observed: ObservedState) -> dict[str, str]:
    """The id and variable scope of every existing clone that declares variables."""
    wanted: dict[str, str] = {}
    for clone in desired.clones:
        if not clone.variables:
            continue
        if not _exists(clone, observed) and any(d.sort in ALIASES for d in clone.variables):
            wanted[clone.target_env.id] = ENVIRONMENT  # where its aliases must resolve
        for app in observed.applications.get(clone.target_env.id, ()):
            owner = marker_of(app.config)
            ours = owner is not None and (owner.manifest, owner.source_id) == (
                clone.manifest,
                clone.source_app_id,
            )
            if ours or name_key(app.name) == name_key(clone.name):  # ours: renamed maybe
                wanted[app.id] = scope_of(clone.kind)
    return wanted


def _exists(clone: DesiredClone, observed: ObservedState) -> bool:
    names = {name_key(app.name) for app in observed.applications.get(clone.target_env.id, ())}
    return name_key(clone.name) in names


def read_variables(
    reader: Reader, desired: DesiredState, observed: ObservedState, *, parallelism: int = 8
) -> ObservedState:
    """``observed`` with the variables each existing, variable-declaring clone sees."""
    wanted = clones_to_read(desired, observed)
    if not wanted:
        return observed
    found = fetch_all(
        wanted,
        lambda clone_id: reader.list_variables(clone_id, wanted[clone_id]),
        parallelism=parallelism,
    )
    return replace(observed, variables={key: tuple(value) for key, value in found.items()})
