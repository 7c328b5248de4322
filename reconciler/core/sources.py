"""Sources across kinds: which service a source entry names, and what must be listed. Pure.

Contract section 9: an entry's name is looked for among the source environment's
applications, containers and jobs; ``kind:`` in the entry settles it; a name held by two
kinds is an error that asks for ``kind``; a helm, database or terraform service is an error
"not supported yet". Each listing is read once (``edges.observing``), and only when a lookup
needs it, so that a manifest of applications costs what it did before kinds:

1. an entry that declares its kind needs that kind's listing of the source environment;
2. an entry that declares none needs the applications first (read with every target's, in
   one stage); only when its name is not among them are the containers and jobs listed
   (one more stage), and only when it is in none of the three are the helm charts,
   databases and terraform services listed, to say why it cannot be cloned;
3. a name is checked against every kind listed in the environment: found in two, it is
   ambiguous; an application found while the containers and jobs were not listed is taken
   as the application (the platform keeps names unique across kinds within an environment);
4. the kinds a manifest clones (declared, found, or ``application`` while an undeclared
   entry is unresolved) are listed in each of its target and prune environments;
5. under ``prune: true``, a kind it no longer clones is listed too in each prune environment
   where the organization's light listing (``GET /organization/{id}/services``, read with
   the environments) shows a service of that kind whose own marker names the manifest
   (``owned_listings``): a clone to prune, which rule 4 alone would never list again.

``needed`` says what the next stage reads; ``find_source`` what an entry names. The override
keys an entry may give are its resolved kind's (``override_problem``, with the closest key).
Neighbours: ``resolving`` (the caller), ``kinds`` (each kind's fields), ``edges.observing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reconciler.core.errors import Position
from reconciler.core.finding import Entry, find
from reconciler.core.kinds import KINDS
from reconciler.core.model import JSON, Config, EnvironmentRef, SourceApplication
from reconciler.core.ownership import owner_of
from reconciler.core.suggesting import did_you_mean

SEARCHED = ("application", "container", "job")
"""The kinds a source may be, in the order they are looked for."""
UNSUPPORTED = ("helm", "database", "terraform")
"""Kinds Qovery has that cannot be cloned yet: listed only to say so."""
LOOKUP_STAGES = (("application",), ("container", "job"), UNSUPPORTED)

Listing = Callable[[str], "tuple[JSON, ...] | None"]
"""A kind's listing of the source environment, or ``None`` while it is not read."""


@dataclass(frozen=True)
class Found:
    """The service an entry names, and its kind."""

    kind: str
    service: Entry


@dataclass(frozen=True)
class Needs:
    """The listings of the source environment that the lookup needs next."""

    kinds: tuple[str, ...]


def _within(env: EnvironmentRef) -> str:
    return f" in environment {env.project_name}/{env.name}"


def find_source(
    entry: SourceApplication, env: EnvironmentRef, listing: Listing
) -> Found | Needs | str:
    """What ``entry`` names in ``env`` (its source environment), what must be read first, or
    the message saying why it names nothing that can be cloned."""
    within = _within(env)
    if entry.kind is not None:
        listed = listing(entry.kind)
        if listed is None:
            return Needs((entry.kind,))
        found = find(entry.kind, entry.ref, listed, within)
        return found if isinstance(found, str) else Found(entry.kind, found)
    hits: list[Found] = []
    for kind in SEARCHED:
        listed = listing(kind)
        if listed is None:
            continue
        found = find(kind, entry.ref, listed, within)
        if isinstance(found, str) and " is ambiguous: " in found:
            return found
        if isinstance(found, Mapping):
            hits.append(Found(kind, found))
    if len(hits) > 1:
        kinds = " and ".join(("an " if hit.kind[0] in "aeiou" else "a ") + hit.kind for hit in hits)
        return (
            f"'{entry.ref}' names {kinds}{within}: say which with kind: "
            f"({', '.join(hit.kind for hit in hits)})"
        )
    if hits:
        return hits[0]
    return _not_found(entry, env, listing)


def _not_found(entry: SourceApplication, env: EnvironmentRef, listing: Listing) -> Needs | str:
    for stage in LOOKUP_STAGES:
        unread = tuple(kind for kind in stage if listing(kind) is None)
        if unread:
            return Needs(unread)
    within = _within(env)
    for kind in UNSUPPORTED:
        found = find(kind, entry.ref, listing(kind) or (), within)
        if isinstance(found, Mapping):
            return (
                f"'{entry.ref}'{within} is a {kind} service: {kind} services are not "
                f"supported yet (a source is an application, a container or a job)"
            )
    every = [s for kind in SEARCHED for s in listing(kind) or ()]
    message = find("application, container or job", entry.ref, every, within)
    return message if isinstance(message, str) else "unreachable"


@dataclass(frozen=True)
class Problem:
    """Why an entry resolves to nothing that can be cloned; ``unread``: its listings were
    not read (pinned to the source environment, not to the entry)."""

    message: str
    position: Position | None
    unread: bool = False


def resolve_source(
    entry: SourceApplication,
    env: EnvironmentRef,
    read: Callable[[str, str], tuple[JSON, ...] | None],
) -> Found | Problem:
    """What ``entry`` names once every listing it needs is read, its overrides checked
    against its kind's fields (``override_problem``)."""
    found = find_source(entry, env, lambda kind: read(kind, env.id))
    if isinstance(found, Needs):
        kinds = ", ".join(found.kinds)
        where = f"{env.project_name}/{env.name}"
        return Problem(f"the {kinds} services of environment {where} were not read", None, True)
    if isinstance(found, str):
        return Problem(found, entry.position)
    wrong = override_problem(entry.overrides, found.kind)
    if wrong is not None:
        key, message = wrong
        return Problem(f"{entry.ref}: {message}", entry.key_positions.get(key, entry.position))
    return found


# ── what the next stage reads ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Scope:
    """What ``needed`` asks of one resolved manifest: its entries and environments."""

    entries: tuple[SourceApplication, ...]
    source: EnvironmentRef
    targets: tuple[str, ...]  # environment ids: targets and prune scope
    owned: tuple[tuple[str, str], ...] = ()  # (kind, env id) to prune in: owned_listings


SERVICE_TYPES = {kind.api_type: name for name, kind in KINDS.items()}
"""A light listing's ``service_type`` of each kind a clone may be (a database, a helm chart,
a terraform service is never one)."""


def owned_listings(
    manifest: str, environments: Iterable[str], services: Iterable[JSON]
) -> tuple[tuple[str, str], ...]:
    """The (kind, environment id) listings a pruning manifest must read: where the light
    listing ``services`` (``ServiceLightResponse``) shows, in one of ``environments`` (its
    prune scope), a service of a kind a clone may be whose own marker (not a copy of
    another's: ``ownership.owner_of``) names ``manifest``, in the order they are shown. An
    owned entry without its (required) ``service_type`` may be of any such kind: every kind
    is listed in its environment, so that no clone of ours is left running for want of it."""
    within = set(environments)
    if not within:
        return ()
    pairs: dict[tuple[str, str], None] = {}
    for service in services:
        if not isinstance(service, Mapping):
            continue
        api_type = service.get("service_type")
        known = SERVICE_TYPES.get(api_type) if isinstance(api_type, str) else None
        kinds: tuple[str, ...] = (known,) if known is not None else ()
        if api_type is None:  # the required field left out: any kind a clone may be
            kinds = tuple(SERVICE_TYPES.values())
        env_id = service.get("environment_id")
        if not kinds or not isinstance(env_id, str) or env_id not in within:
            continue
        owner = owner_of(service)
        if owner is not None and owner.manifest == manifest:
            pairs.update(((kind, env_id), None) for kind in kinds)
    return tuple(pairs)


def cloned_kinds(
    entries: Iterable[SourceApplication], env: EnvironmentRef, listing: Listing
) -> set[str]:
    """The kinds a manifest clones, as far as is known: declared, found, and ``application``
    for an entry that declares none and is not resolved yet."""
    kinds: set[str] = set()
    for entry in entries:
        result = find_source(entry, env, listing)
        if isinstance(result, Found):
            kinds.add(result.kind)
        elif entry.kind is not None:
            kinds.add(entry.kind)
        elif isinstance(result, Needs):
            kinds.add("application")
    return kinds


def needed(
    scopes: Iterable[Scope], read: Callable[[str, str], tuple[JSON, ...] | None]
) -> tuple[tuple[str, str], ...]:
    """The (kind, environment id) listings the next stage must read; empty when done.

    ``read(kind, env_id)`` is a listing read so far, or ``None``.
    """
    wanted: list[tuple[str, str]] = []
    for scope in scopes:
        source_id = scope.source.id

        def listing(kind: str, env: str = source_id) -> tuple[JSON, ...] | None:
            return read(kind, env)

        for entry in scope.entries:
            result = find_source(entry, scope.source, listing)
            if isinstance(result, Needs):
                wanted.extend((kind, source_id) for kind in result.kinds)
        kinds = sorted(cloned_kinds(scope.entries, scope.source, listing))
        wanted.extend((kind, env) for env in scope.targets for kind in kinds)
        wanted.extend(scope.owned)
    return tuple(pair for pair in dict.fromkeys(wanted) if read(*pair) is None)


# ── override keys per kind ───────────────────────────────────────────────────────────────


def override_fields(kind: str) -> tuple[str, ...]:
    """The keys an override of a ``kind`` service may give: its compared fields."""
    return KINDS[kind].compared_fields


def shared_overrides(overrides: Config, kind: str) -> dict[str, JSON]:
    """The manifest's overrides (``spec.overrides``, laid on every clone) that are fields of
    ``kind``: a manifest of several kinds may set a field some of them lack."""
    fields = override_fields(kind)
    return {key: value for key, value in overrides.items() if key in fields}


def override_problem(keys: Iterable[str], kind: str) -> tuple[str, str] | None:
    """The first key that ``kind`` has no field for, and the message naming the closest key
    of that kind; ``None`` when every key is one of its fields."""
    fields = override_fields(kind)
    for key in keys:
        if key not in fields:
            return key, f"override '{key}' is not a field of a {kind}{did_you_mean(key, fields)}"
    return None
