"""Sources across kinds (core.sources), on plain data: which service an entry names, what
must be listed first (applications only, unless the lookup needs more), and the override
keys of the resolved kind."""

from __future__ import annotations

from typing import Any

from reconciler.core.errors import Position
from reconciler.core.model import EnvironmentRef, SourceApplication
from reconciler.core.sources import (
    Found,
    Needs,
    Problem,
    Scope,
    find_source,
    needed,
    resolve_source,
    shared_overrides,
)

STAGING = EnvironmentRef("e1", "staging", "p1", "shop", "o1")
LISTED: dict[str, tuple[dict[str, Any], ...]] = {
    "application": ({"id": "a1", "name": "api"},),
    "container": ({"id": "c1", "name": "frontend"},),
    "job": ({"id": "j1", "name": "db-seed"}, {"id": "j2", "name": "twin"}),
    "helm": ({"id": "h1", "name": "redis"},),
    "database": (),
    "terraform": (),
}


def reader(*kinds: str) -> Any:
    return lambda kind: LISTED[kind] if kind in kinds else None


def entry(ref: str, kind: str | None = None, **overrides: Any) -> SourceApplication:
    return SourceApplication(ref, overrides, Position("m.yaml", 9, 7), kind=kind)


def test_an_application_needs_only_the_applications() -> None:
    assert find_source(entry("api"), STAGING, reader()) == Needs(("application",))
    assert find_source(entry("api"), STAGING, reader("application")) == Found(
        "application", LISTED["application"][0]
    )


def test_a_name_not_among_the_applications_needs_the_containers_and_jobs() -> None:
    assert find_source(entry("frontend"), STAGING, reader("application")) == Needs(
        ("container", "job")
    )
    found = find_source(entry("frontend"), STAGING, reader("application", "container", "job"))
    assert found == Found("container", LISTED["container"][0])


def test_a_declared_kind_needs_only_its_own_listing() -> None:
    assert find_source(entry("db-seed", "job"), STAGING, reader()) == Needs(("job",))
    found = find_source(entry("db-seed", "job"), STAGING, reader("job"))
    assert found == Found("job", LISTED["job"][0])
    missing = find_source(entry("api", "job"), STAGING, reader("job"))
    assert missing == "no job 'api' in environment shop/staging; existing: db-seed, twin"


def test_a_name_held_by_two_kinds_asks_for_kind() -> None:
    listed = {**LISTED, "application": ({"id": "a2", "name": "Twin"},)}
    message = find_source(entry("twin"), STAGING, lambda kind: listed.get(kind))
    assert message == (
        "'twin' names an application and a job in environment shop/staging: "
        "say which with kind: (application, job)"
    )
    declared = find_source(entry("twin", "job"), STAGING, lambda kind: listed.get(kind))
    assert declared == Found("job", LISTED["job"][1])


def test_an_unsupported_kind_is_named_and_listed_only_when_nothing_else_matches() -> None:
    three = reader("application", "container", "job")
    assert find_source(entry("redis"), STAGING, three) == Needs(("helm", "database", "terraform"))
    every = reader(*LISTED)
    assert find_source(entry("redis"), STAGING, every) == (
        "'redis' in environment shop/staging is a helm service: helm services are not "
        "supported yet (a source is an application, a container or a job)"
    )
    assert find_source(entry("frontnd"), STAGING, every) == (
        "no application, container or job 'frontnd' in environment shop/staging; "
        "did you mean: frontend?"
    )


def test_an_override_the_resolved_kind_lacks_is_pinned_to_its_key() -> None:
    job = SourceApplication(
        "db-seed",
        {"ports": []},
        Position("m.yaml", 9, 7),
        key_positions={"ports": Position("m.yaml", 11, 21)},
    )
    problem = resolve_source(job, STAGING, lambda kind, env: LISTED.get(kind))
    assert problem == Problem(
        "db-seed: override 'ports' is not a field of a job — did you mean 'port'?",
        Position("m.yaml", 11, 21),
    )
    fine = resolve_source(entry("frontend", tag="pr-1"), STAGING, lambda k, e: LISTED.get(k))
    assert isinstance(fine, Found) and fine.kind == "container"


def test_manifest_wide_overrides_keep_the_fields_of_each_kind() -> None:
    shared = {"cpu": 250, "min_running_instances": 0, "git_repository": {"branch": "x"}}
    assert shared_overrides(shared, "job") == {"cpu": 250}
    assert shared_overrides(shared, "container") == {"cpu": 250, "min_running_instances": 0}
    assert shared_overrides(shared, "application") == shared


def test_what_each_stage_reads() -> None:
    scope = Scope((entry("api"), entry("frontend")), STAGING, ("e2", "e3"))
    read: dict[tuple[str, str], tuple[Any, ...]] = {}

    def stage() -> tuple[tuple[str, str], ...]:
        wanted = needed([scope], lambda kind, env: read.get((kind, env)))
        for kind, env in wanted:
            read[(kind, env)] = LISTED[kind] if env == "e1" else ()
        return wanted

    assert stage() == (("application", "e1"), ("application", "e2"), ("application", "e3"))
    assert stage() == (("container", "e1"), ("job", "e1"))
    assert stage() == (("container", "e2"), ("container", "e3"))
    assert stage() == ()


def test_applications_only_cost_one_stage() -> None:
    scope = Scope((entry("api"),), STAGING, ("e2",))
    read = {("application", "e1"): LISTED["application"], ("application", "e2"): ()}
    assert needed([scope], lambda kind, env: read.get((kind, env))) == ()
