"""Resolution: manifests' names and UUIDs → Qovery ids, and the desired state. Pure.

The pipeline reads the lists in three stages (``edges.observing``, each stage's calls in
parallel) and resolves in between, each manifest's part once, handing it to the next stage:

1. ``GET /organization``                       → ``resolve_organizations(clonesets, orgs)``
   (each manifest's organization; ``.ids`` are the organizations to read)
2. per needed organization: projects and its environments (``GET /organization/{id}/project``,
   ``GET /organization/{id}/environments``)    → ``resolve_scopes(organizations, catalog)``
   (each manifest's source, targets and prune scope; ``.environment_ids`` to read)
3. per needed (kind, environment): its services, in as many reads as ``Scopes.needed``
   asks (``core.sources``: applications first)  → ``resolve_clones(scopes, catalog)``
   → ``DesiredState``

Names match case-insensitively (as in Qovery); a UUID-shaped reference matches by id. A name
that matches nothing lists the closest existing names; two matches name both. A problem in
one manifest never hides another's: the stages carry every diagnostic found so far (each
pinned to the manifest's ``file:line:column``) and go on with the manifests that resolved,
and ``resolve_clones`` raises one ``ResolutionError`` holding them all. ``resolve`` runs the
three stages over a catalog read in full.

Neighbours: ``desired`` (templates, globs, DesiredClone), ``finding`` (one entry by name or id),
``model`` (the values), ``pipeline`` (the caller, between ``observing``'s reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.core import sources
from reconciler.core.catalog import Catalog, environments_of, projects_of
from reconciler.core.desired import (
    TemplateError,
    desired_clone,
    glob_matches,
    name_problem,
    overrides_key,
    with_variables,
)
from reconciler.core.duplicate_clones import duplicate_clones
from reconciler.core.errors import Diagnostic, Position, ResolutionError
from reconciler.core.finding import Entry, find
from reconciler.core.finding import entry_id as _id
from reconciler.core.finding import entry_name as _name
from reconciler.core.model import (
    JSON,
    CloneSet,
    Deploy,
    DesiredClone,
    DesiredState,
    EnvironmentRef,
    SelectorMatch,
    SourceApplication,
    TargetSelector,
)
from reconciler.core.overrides import deep_merge
from reconciler.core.templating import is_templated
from reconciler.core.variables import merge_layers


@dataclass(frozen=True)
class Organizations:
    """Stage 1 → 2: each manifest's organization (``None`` where it resolved to nothing)."""

    clonesets: tuple[CloneSet, ...]
    entries: tuple[Entry | None, ...]
    problems: tuple[Diagnostic, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The organizations whose projects and environments must be read, in order."""
        return tuple(dict.fromkeys(_id(entry) for entry in self.entries if entry is not None))

    @property
    def prune_ids(self) -> tuple[str, ...]:
        """The organizations of the manifests with ``prune: true``: their services' light
        listing is read with their environments (``Scopes.needed``'s pruned kinds)."""
        pairs = zip(self.clonesets, self.entries, strict=True)
        return tuple(dict.fromkeys(_id(e) for c, e in pairs if e is not None and c.policy.prune))


@dataclass(frozen=True)
class Scopes:
    """Stage 2 → 3: each manifest's resolved scope (``None`` where it did not resolve)."""

    clonesets: tuple[CloneSet, ...]
    scopes: tuple[_Scope | None, ...]
    problems: tuple[Diagnostic, ...] = ()

    @property
    def environment_ids(self) -> tuple[str, ...]:
        """The environments whose applications must be listed (stage 2 → 3).

        Source environments, every resolved target environment (selectors included), and,
        for manifests with ``prune: true``, every environment of their organization.
        """
        ids: list[str] = []
        for scope in self.resolved:
            ids.append(scope.source.id)
            ids.extend(env.id for env in _environments_of(scope))
        return tuple(dict.fromkeys(ids))

    def needed(self, catalog: Catalog) -> tuple[tuple[str, str], ...]:
        """The (kind, environment id) listings still to read (``core.sources.needed``); a
        manifest that prunes adds the kinds it owns a clone of in its prune scope, by its
        organization's light listing of services (``sources.owned_listings``)."""
        scopes = [
            sources.Scope(
                s.cloneset.applications,
                s.source,
                tuple(dict.fromkeys(e.id for e in _environments_of(s))),
                sources.owned_listings(
                    s.cloneset.name,
                    (e.id for e in s.prune_environments),
                    catalog.services.get(s.source.organization_id, ()),
                ),
            )
            for s in self.resolved
        ]
        return sources.needed(scopes, catalog.listing)

    @property
    def statuses_needed(self) -> bool:
        """Whether the applications' deployment statuses are read too (a manifest deploys)."""
        return any(c.policy.deploy is not Deploy.NEVER for c in self.clonesets)

    @property
    def resolved(self) -> tuple[_Scope, ...]:
        return tuple(scope for scope in self.scopes if scope is not None)


def _environments_of(scope: _Scope) -> list[EnvironmentRef]:
    """A manifest's target environments, then its prune scope."""
    targets = [env for target in scope.targets for env in target.environments]
    return targets + list(scope.prune_environments)


# ── public functions ─────────────────────────────────────────────────────────────────────


def resolve_organizations(
    clonesets: Sequence[CloneSet], organizations: Sequence[JSON]
) -> Organizations:
    """Stage 1: the organization each manifest names, among ``GET /organization``'s."""
    problems = _Problems()
    entries = tuple(_organization(c, organizations, problems) for c in clonesets)
    return Organizations(tuple(clonesets), entries, tuple(problems.items))


def resolve_scopes(organizations: Organizations, catalog: Catalog) -> Scopes:
    """Stage 2: each manifest's source environment, targets and prune scope.

    ``catalog`` holds the projects and environments of ``organizations.ids``; a manifest
    whose organization did not resolve has no scope, and its problem is carried on.
    """
    problems = _Problems(organizations.problems)
    known: dict[str, _Organization] = {}  # one index per organization, for all its manifests
    scopes: list[_Scope | None] = []
    for cloneset, entry in zip(organizations.clonesets, organizations.entries, strict=True):
        if entry is None:
            scopes.append(None)
            continue
        org = known.get(_id(entry))
        if org is None:
            org = known[_id(entry)] = _Organization(entry, catalog)
        scopes.append(_resolve_scope(cloneset, org, problems))
    return Scopes(organizations.clonesets, tuple(scopes), tuple(problems.items))


def resolve_clones(scopes: Scopes, catalog: Catalog) -> DesiredState:
    """Stage 3: one DesiredClone per (manifest, source application, target).

    ``catalog.applications`` holds the listings of ``scopes.environment_ids``. Raises one
    ``ResolutionError`` with every problem of every stage, if there is any.
    """
    problems = _Problems(scopes.problems)
    clones: list[DesiredClone] = []
    source_ids: set[str] = set()
    for scope in scopes.resolved:
        clones.extend(_clones_of(scope, catalog, problems, source_ids))
    _check_duplicates(clones, {s.cloneset.name: s for s in scopes.resolved}, problems)
    problems.raise_if_any()
    resolved = scopes.resolved
    return DesiredState(
        clones=tuple(sorted(clones, key=lambda c: c.address)),
        managed_manifests=tuple(sorted(c.name for c in scopes.clonesets)),
        policies={c.name: c.policy for c in scopes.clonesets},
        prune_environments={
            s.cloneset.name: s.prune_environments for s in resolved if s.cloneset.policy.prune
        },
        selectors=tuple(t.match for s in resolved for t in s.targets if t.match is not None),
        notes=(*(note for s in resolved for note in s.notes), *_unlisted(resolved, catalog)),
        source_ids=tuple(sorted(source_ids)),
    )


def _unlisted(resolved: Sequence[_Scope], catalog: Catalog) -> tuple[str, ...]:
    """A note for each pruning manifest whose organization's light listing of services the
    token may not read (403): its clones of a kind it no longer clones are not looked for."""
    refused = set(catalog.services_refused)
    return tuple(
        f"{s.cloneset.name}: the token may not list the organization's services "
        f"(GET /organization/{s.source.organization_id}/services: 403), so clones of a kind "
        "this manifest no longer clones are not looked for, nor pruned"
        for s in resolved
        if s.cloneset.policy.prune and s.source.organization_id in refused
    )


def resolve(clonesets: Sequence[CloneSet], catalog: Catalog) -> DesiredState:
    """The three stages over a catalog that holds every list already (of a kind it lacks,
    an environment has none)."""
    catalog = replace(catalog, complete=True)
    organizations = resolve_organizations(clonesets, catalog.organizations)
    return resolve_clones(resolve_scopes(organizations, catalog), catalog)


# ── the problems of one resolution ───────────────────────────────────────────────────────


class _Problems:
    """Diagnostics collected over one resolution, after those of the earlier stages."""

    def __init__(self, earlier: Iterable[Diagnostic] = ()) -> None:
        self.items: list[Diagnostic] = list(earlier)

    def add(self, position: Position | None, message: str) -> None:
        self.items.append(Diagnostic(position, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ResolutionError(list(dict.fromkeys(self.items)))


# ── one manifest's organization, source and targets ──────────────────────────────────────


@dataclass(frozen=True)
class _Target:
    """One target selector, resolved to the environments it names or matches."""

    selector: TargetSelector
    index: int
    environments: tuple[EnvironmentRef, ...]
    match: SelectorMatch | None = None


@dataclass(frozen=True)
class _Scope:
    """A manifest's containers, resolved: source environment, targets, prune scope."""

    cloneset: CloneSet
    source: EnvironmentRef
    targets: tuple[_Target, ...]
    prune_environments: tuple[EnvironmentRef, ...]
    notes: tuple[str, ...]


class _Organization:
    """One organization's projects and environments, as ``EnvironmentRef``s."""

    def __init__(self, org: Entry, catalog: Catalog) -> None:
        self.id = _id(org)
        self.name = _name(org)
        self.projects = projects_of(org, catalog)
        self.environments = environments_of(org, catalog)

    def environments_of(self, project: Entry) -> list[EnvironmentRef]:
        return [e for e in self.environments if e.project_id == _id(project)]


def _organization(
    cloneset: CloneSet, organizations: Sequence[JSON], problems: _Problems
) -> Entry | None:
    found = find("organization", cloneset.organization, organizations)
    if isinstance(found, str):
        problems.add(_at(cloneset, "spec.organization"), found)
        return None
    return found


def _at(cloneset: CloneSet, *paths: str) -> Position | None:
    """The position of the first of ``paths`` that the manifest wrote, else the document's."""
    for path in paths:
        if path in cloneset.positions:
            return cloneset.positions[path]
    return cloneset.position


def _resolve_scope(cloneset: CloneSet, org: _Organization, problems: _Problems) -> _Scope | None:
    project = _project(cloneset, org, cloneset.source_project, "spec.source.project", problems)
    if project is None:
        return None
    source = _environment(
        cloneset, org, project, cloneset.source_environment, "spec.source.environment", problems
    )
    if source is None:
        return None
    targets = []
    for index, selector in enumerate(cloneset.targets):
        target = _target(cloneset, org, project, source, index, selector, problems)
        if target is not None:
            targets.append(target)
    notes = tuple(
        f"{cloneset.name}: selector '{t.selector.match}' in "
        f"{_project_name(org, t.match.project_id)} matched no environment"
        for t in targets
        if t.match is not None and not t.match.environment_ids
    )
    prune = tuple(org.environments) if cloneset.policy.prune else ()
    return _Scope(cloneset, source, tuple(targets), prune, notes)


def _project_name(org: _Organization, project_id: str) -> str:
    return next((_name(p) for p in org.projects if _id(p) == project_id), project_id)


def _project(
    cloneset: CloneSet, org: _Organization, ref: str, path: str, problems: _Problems
) -> Entry | None:
    found = find("project", ref, org.projects, f" in organization {org.name}")
    if isinstance(found, str):
        problems.add(_at(cloneset, path), found)
        return None
    return found


def _environment(
    cloneset: CloneSet,
    org: _Organization,
    project: Entry,
    ref: str,
    path: str,
    problems: _Problems,
) -> EnvironmentRef | None:
    candidates = org.environments_of(project)
    entries = [{"id": e.id, "name": e.name} for e in candidates]
    found = find("environment", ref, entries, f" in project {_name(project)}")
    if isinstance(found, str):
        problems.add(_at(cloneset, path), found)
        return None
    return next(e for e in candidates if e.id == _id(found))


def _target(
    cloneset: CloneSet,
    org: _Organization,
    source_project: Entry,
    source: EnvironmentRef,
    index: int,
    selector: TargetSelector,
    problems: _Problems,
) -> _Target | None:
    prefix = f"spec.targets[{index}]"
    project = source_project
    if selector.project is not None:
        found = _project(cloneset, org, selector.project, f"{prefix}.project", problems)
        if found is None:
            return None
        project = found
    if selector.match is not None:
        matched = tuple(
            env
            for env in org.environments_of(project)
            if env.id != source.id and glob_matches(selector.match, env.name)
        )
        match = SelectorMatch(
            cloneset.name,
            _id(project),
            selector.match,
            tuple(e.id for e in matched),
            source_environment_id=source.id,
        )
        return _Target(selector, index, matched, match)
    ref = selector.environment or ""
    env = _environment(cloneset, org, project, ref, f"{prefix}.environment", problems)
    return None if env is None else _Target(selector, index, (env,))


# ── clones ───────────────────────────────────────────────────────────────────────────────


def _clones_of(
    scope: _Scope, catalog: Catalog, problems: _Problems, sources_seen: set[str]
) -> list[DesiredClone]:
    """The manifest's desired clones; each source it names goes into ``sources``."""
    cloneset = scope.cloneset
    clones = []
    for application in cloneset.applications:
        found = _source_of(scope, application, catalog, problems)
        if found is None:
            continue
        sources_seen.add(_id(found.service))
        shared = sources.shared_overrides(cloneset.overrides, found.kind)
        merged = deep_merge(shared, application.overrides)  # one for every target
        made = _Overrides(merged, overrides_key(merged), is_templated(merged), found.kind)
        for target in scope.targets:
            for env in target.environments:
                clone = _clone(scope, target, application, found.service, env, problems, made)
                if clone is not None:
                    clones.append(clone)
    return clones


@dataclass(frozen=True)
class _Overrides:
    """An entry's merged overrides, made once for all its targets: their canonical text,
    whether they hold a placeholder, and the kind of the source they apply to."""

    merged: Mapping[str, Any]
    key: str
    templated: bool
    kind: str


def _source_of(
    scope: _Scope, application: SourceApplication, catalog: Catalog, problems: _Problems
) -> sources.Found | None:
    """The service an entry names, of a kind whose fields its overrides are; else a problem."""
    found = sources.resolve_source(application, scope.source, catalog.listing)
    if isinstance(found, sources.Problem):
        where = _at(scope.cloneset, "spec.source.environment") if found.unread else None
        problems.add(where or found.position or scope.cloneset.position, found.message)
        return None
    return found


def _clone(
    scope: _Scope,
    target: _Target,
    application: SourceApplication,
    source_app: Entry,
    env: EnvironmentRef,
    problems: _Problems,
    overrides: _Overrides,
) -> DesiredClone | None:
    cloneset = scope.cloneset
    try:
        clone = desired_clone(
            cloneset,
            application,
            source_app,
            scope.source,
            env,
            overrides.merged,
            overrides.key,
            target_overrides=target.selector.overrides,
            kind=overrides.kind,
            templated=overrides.templated,
        )
    except TemplateError as exc:
        problems.add(_at(cloneset, "spec.name"), str(exc))
        return None
    raw = merge_layers(cloneset.variables, application.variables, target.selector.variables)
    clone = with_variables(clone, raw)
    problem = name_problem(clone.name)
    if problem:
        problems.add(_at(cloneset, "spec.name"), f"{clone.address}: {problem}")
        return None
    if env.id == scope.source.id and clone.name.casefold() == clone.source_app_name.casefold():
        problems.add(
            _target_position(cloneset, target),
            f"{clone.address} would clone '{clone.source_app_name}' onto itself: the target is "
            "the source environment and the name template gives the same name",
        )
        return None
    return clone


def _target_position(cloneset: CloneSet, target: _Target) -> Position | None:
    prefix = f"spec.targets[{target.index}]"
    return _at(cloneset, f"{prefix}.environment", f"{prefix}.match", prefix)


def _check_duplicates(
    clones: Sequence[DesiredClone], scopes: Mapping[str, _Scope], problems: _Problems
) -> None:
    """Two desired clones with the same name in one environment, from any manifests."""
    for clone, message in duplicate_clones(clones):
        problems.add(_first_target_position(scopes[clone.manifest], clone.target_env.id), message)


def _first_target_position(scope: _Scope, env_id: str) -> Position | None:
    for target in reversed(scope.targets):
        if any(e.id == env_id for e in target.environments):
            return _target_position(scope.cloneset, target)
    return scope.cloneset.position
