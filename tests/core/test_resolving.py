"""Resolution over plain-data catalogs (no network): names in any case, UUIDs, suggestions,
ambiguity, selectors, self-clones, duplicate clones, prune scope, determinism."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from reconciler.core.catalog import Catalog
from reconciler.core.desired import name_problem, overrides_key
from reconciler.core.errors import Position, ResolutionError
from reconciler.core.model import CloneSet, Deploy, Policy, SourceApplication, TargetSelector
from reconciler.core.resolving import resolve, resolve_clones, resolve_organizations, resolve_scopes


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


ACME, GLOBEX = uid(1), uid(2)
SHOP, DATA, INTERNAL = uid(11), uid(12), uid(13)
ENVS = {  # id: (name, project, mode)
    uid(21): ("staging", SHOP, "STAGING"),
    uid(22): ("production", SHOP, "PRODUCTION"),
    uid(23): ("preview-101", SHOP, "PREVIEW"),
    uid(24): ("Preview-102", SHOP, "PREVIEW"),
    uid(25): ("qa", DATA, "DEVELOPMENT"),
    uid(26): ("analytics", DATA, "DEVELOPMENT"),
    uid(27): ("dev", INTERNAL, "DEVELOPMENT"),
}
STAGING, PRODUCTION, PREVIEW_101, PREVIEW_102, QA, ANALYTICS, DEV = sorted(ENVS)
APPS = {STAGING: ["api", "web", "worker"], PRODUCTION: ["api"], QA: ["legacy"]}
APP_IDS = {
    (env, name): uid(100 + 10 * e + a)
    for e, (env, names) in enumerate(APPS.items())
    for a, name in enumerate(names)
}


def catalog(extra_envs: dict[str, tuple[str, str, str]] | None = None) -> Catalog:
    envs = {**ENVS, **(extra_envs or {})}
    project_org = {SHOP: ACME, DATA: ACME, INTERNAL: GLOBEX}
    return Catalog(
        organizations=({"id": ACME, "name": "Acme"}, {"id": GLOBEX, "name": "Globex"}),
        projects={
            ACME: ({"id": SHOP, "name": "shop"}, {"id": DATA, "name": "data"}),
            GLOBEX: ({"id": INTERNAL, "name": "internal"},),
        },
        environments={
            org: tuple(
                {"id": i, "name": n, "project": {"id": p}, "organization": {"id": org}, "mode": m}
                for i, (n, p, m) in envs.items()
                if project_org[p] == org
            )
            for org in (ACME, GLOBEX)
        },
        applications={
            env: tuple({"id": APP_IDS[env, name], "name": name} for name in APPS.get(env, []))
            for env in envs
        },
    )


def cloneset(
    name: str = "previews",
    *,
    org: str = "Acme",
    project: str = "shop",
    env: str = "staging",
    apps: tuple[Any, ...] = ("api",),
    targets: tuple[TargetSelector, ...] = (TargetSelector(None, "preview-101"),),
    template: str = "{app}",
    overrides: dict[str, Any] | None = None,
    policy: Policy | None = None,
) -> CloneSet:
    def at(line: int) -> Position:
        return Position(f"{name}.yaml", line, 3)

    return CloneSet(
        name=name,
        organization=org,
        source_project=project,
        source_environment=env,
        applications=tuple(
            a if isinstance(a, SourceApplication) else SourceApplication(a, position=at(10 + i))
            for i, a in enumerate(apps)
        ),
        targets=tuple(
            TargetSelector(t.project, t.environment, t.match, at(20 + i))
            for i, t in enumerate(targets)
        ),
        name_template=template,
        overrides=overrides or {},
        policy=policy or Policy(),
        position=at(1),
        positions={
            "spec.organization": at(2),
            "spec.source.project": at(3),
            "spec.source.environment": at(4),
            "spec.name": at(5),
            **{f"spec.targets[{i}].environment": at(20 + i) for i in range(len(targets))},
        },
    )


def match(pattern: str, project: str | None = None) -> TargetSelector:
    return TargetSelector(project, None, pattern)


def environments_needed(sets: list[CloneSet]) -> tuple[str, ...]:
    return resolve_scopes(
        resolve_organizations(sets, catalog().organizations), catalog()
    ).environment_ids


def errors(call: Any) -> list[str]:
    with pytest.raises(ResolutionError) as caught:
        call()
    return [str(d) for d in caught.value.diagnostics]


# ── names and ids ─────────────────────────────────────────────────────────────────────────


def test_names_match_in_any_case_and_uuids_by_id() -> None:
    sets = [
        cloneset(org="ACME", project="Shop", env="STAGING", apps=("API",)),
        cloneset("b", org=ACME, project=SHOP, env=STAGING, apps=(APP_IDS[STAGING, "web"],)),
    ]
    assert resolve_organizations(sets, catalog().organizations).ids == (ACME,)
    state = resolve(sets, catalog())
    assert [c.address for c in state.clones] == [
        "b.web[shop/preview-101]",
        "previews.api[shop/preview-101]",
    ]
    api = state.clones[1]
    assert (api.source_app_id, api.source_app_name, api.name) == (
        APP_IDS[STAGING, "api"],
        "api",
        "api",
    )
    assert (api.source_env.id, api.target_env.id, api.target_env.project_name) == (
        STAGING,
        PREVIEW_101,
        "shop",
    )


def test_a_name_that_matches_nothing_lists_the_closest_names() -> None:
    assert errors(lambda: resolve([cloneset(org="acmee")], catalog())) == [
        "previews.yaml:2:3: no organization 'acmee'; did you mean: Acme?"
    ]
    assert errors(lambda: resolve([cloneset(env="stagng")], catalog())) == [
        "previews.yaml:4:3: no environment 'stagng' in project shop; did you mean: staging?"
    ]
    assert errors(lambda: resolve([cloneset(project="zzz")], catalog())) == [
        "previews.yaml:3:3: no project 'zzz' in organization Acme; existing: data, shop"
    ]


def test_a_uuid_that_does_not_exist_is_an_error() -> None:
    missing = uid(999)
    assert errors(lambda: resolve([cloneset(env=missing)], catalog())) == [
        f"previews.yaml:4:3: no environment with id {missing} in project shop"
    ]
    # an environment of another project is not found by its id either
    assert errors(lambda: resolve([cloneset(env=QA)], catalog())) == [
        f"previews.yaml:4:3: no environment with id {QA} in project shop"
    ]


def test_two_case_insensitive_matches_are_an_error_naming_both() -> None:
    twin = uid(30)
    (message,) = errors(
        lambda: resolve(
            [cloneset(targets=(TargetSelector(None, "PREVIEW-101"),))],
            catalog({twin: ("PREVIEW-101", SHOP, "PREVIEW")}),
        )
    )
    assert message.startswith("previews.yaml:20:3: environment 'PREVIEW-101' in project shop")
    assert f"'preview-101' (id {PREVIEW_101})" in message
    assert f"'PREVIEW-101' (id {twin})" in message


def test_source_applications_that_do_not_exist_are_named() -> None:
    assert errors(lambda: resolve([cloneset(apps=("api", "wbe"))], catalog())) == [
        "previews.yaml:11:3: no application, container or job 'wbe' in environment "
        "shop/staging; did you mean: web?"
    ]


def test_every_problem_is_reported_at_once() -> None:
    sets = [cloneset(env="nope"), cloneset("b", targets=(TargetSelector("data", "qaa"),))]
    found = errors(lambda: resolve(sets, catalog()))
    assert len(found) == 2
    assert found[1] == "b.yaml:20:3: no environment 'qaa' in project data; did you mean: qa?"


# ── targets and selectors ─────────────────────────────────────────────────────────────────


def test_the_target_project_defaults_to_the_source_project() -> None:
    sets = [cloneset(targets=(TargetSelector(None, "qa"),))]
    assert errors(lambda: resolve(sets, catalog())) == [
        "previews.yaml:20:3: no environment 'qa' in project shop; existing: preview-101, "
        "Preview-102, production, staging"
    ]
    state = resolve([cloneset(targets=(TargetSelector("DATA", "QA"),))], catalog())
    assert [c.address for c in state.clones] == ["previews.api[data/qa]"]


def test_a_selector_matches_preview_environments_case_insensitively_never_the_source() -> None:
    previews = resolve([cloneset(targets=(match("PREVIEW-*"),))], catalog())
    everything = resolve([cloneset(targets=(match("*"),))], catalog())
    by_pattern = {s.pattern: s for s in previews.selectors + everything.selectors}
    assert by_pattern["PREVIEW-*"].environment_ids == (PREVIEW_101, PREVIEW_102)
    assert STAGING not in by_pattern["*"].environment_ids
    assert set(by_pattern["*"].environment_ids) == {PREVIEW_101, PREVIEW_102, PRODUCTION}
    assert by_pattern["*"].project_id == SHOP and by_pattern["*"].manifest == "previews"


def test_question_mark_matches_one_character() -> None:
    state = resolve([cloneset(targets=(match("preview-1?"), match("preview-10?")))], catalog())
    assert [len(s.environment_ids) for s in state.selectors] == [0, 2]


def test_a_selector_matching_nothing_yields_no_clone_and_a_note() -> None:
    state = resolve([cloneset(targets=(match("pr-*"),))], catalog())
    assert state.clones == ()
    (selector,) = state.selectors
    assert selector.environment_ids == ()
    assert state.notes == ("previews: selector 'pr-*' in shop matched no environment",)
    # its sources are still the run's sources: never written, though no clone names them
    assert set(state.source_ids) >= {APP_IDS[(STAGING, "api")]}


def test_cloning_onto_itself_is_an_error_but_a_renamed_copy_is_not() -> None:
    sets = [cloneset(targets=(TargetSelector(None, "Staging"),))]
    (message,) = errors(lambda: resolve(sets, catalog()))
    assert message.startswith("previews.yaml:20:3: previews.api[shop/staging] would clone 'api'")
    assert "onto itself" in message
    copy = cloneset(targets=(TargetSelector(None, "staging"),), template="{app}-copy")
    assert [c.name for c in resolve([copy], catalog()).clones] == ["api-copy"]


def test_duplicate_desired_clones_from_two_manifests_name_both_addresses() -> None:
    sets = [cloneset("a"), cloneset("b", apps=("API",))]
    assert errors(lambda: resolve(sets, catalog())) == [
        "b.yaml:20:3: two clones would be named 'api' in shop/preview-101: "
        "a.api[shop/preview-101] and b.api[shop/preview-101]"
    ]


def test_a_selector_overlapping_an_explicit_target_duplicates_clones() -> None:
    sets = [cloneset(targets=(TargetSelector(None, "preview-101"), match("preview-*")))]
    (message,) = errors(lambda: resolve(sets, catalog()))
    assert message == (
        "previews.yaml:21:3: previews.api[shop/preview-101] is declared twice: "
        "two targets of manifest previews reach shop/preview-101"
    )


# ── the desired clones ────────────────────────────────────────────────────────────────────


def test_templates_render_and_overrides_merge_with_the_application_winning() -> None:
    app = SourceApplication("web", {"cpu": 100, "git_repository": {"url": "u"}})
    sets = [
        cloneset(
            apps=("api", app),
            targets=(TargetSelector("data", "qa"),),
            template="{app}-{environment}-{project}",
            overrides={"cpu": 250, "memory": 256, "git_repository": {"branch": "develop"}},
            policy=Policy(deploy=Deploy.ON_CREATE),
        )
    ]
    api, web = resolve(sets, catalog()).clones
    assert (api.name, web.name) == ("api-qa-data", "web-qa-data")
    assert api.overrides == {"cpu": 250, "memory": 256, "git_repository": {"branch": "develop"}}
    assert web.overrides == {
        "cpu": 100,
        "memory": 256,
        "git_repository": {"branch": "develop", "url": "u"},
    }
    assert web.policy == Policy(deploy=Deploy.ON_CREATE)
    assert web.manifest == "previews"


def test_a_rendered_name_must_be_a_valid_qovery_name() -> None:
    sets = [cloneset(template="{app}" + "x" * 260)]
    (message,) = errors(lambda: resolve(sets, catalog()))
    assert message.startswith("previews.yaml:5:3: previews.api[shop/preview-101]: name")
    assert "longer than 255 characters" in message


def test_prune_scope_is_every_environment_of_the_organization() -> None:
    sets = [cloneset(targets=(), policy=Policy(prune=True)), cloneset("other")]
    needed = environments_needed(sets)
    assert set(needed) == {STAGING, PRODUCTION, PREVIEW_101, PREVIEW_102, QA, ANALYTICS}
    assert DEV not in needed
    state = resolve(sets, catalog())
    assert set(state.prune_environments) == {"previews"}
    assert {e.id for e in state.prune_environments["previews"]} == set(needed)
    assert state.managed_manifests == ("other", "previews")
    assert state.policies["previews"] == Policy(prune=True)


def test_environments_needed_are_sources_and_targets_only_without_prune() -> None:
    sets = [cloneset(targets=(match("preview-*"), TargetSelector("data", "qa")))]
    assert environments_needed(sets) == (STAGING, PREVIEW_101, PREVIEW_102, QA)


def test_the_desired_state_does_not_depend_on_manifest_order() -> None:
    sets = [
        cloneset("b", apps=("worker", "api"), targets=(match("*"),), template="{app}-b"),
        cloneset("a", apps=("web",), targets=(TargetSelector("data", "analytics"),)),
    ]
    forward, backward = resolve(sets, catalog()), resolve(sets[::-1], catalog())
    assert forward.clones == backward.clones
    assert [c.address for c in forward.clones] == sorted(c.address for c in forward.clones)
    assert len(forward.clones) == 7


# ── every problem of every manifest, each stage resolved once ────────────────────────────


def test_a_wrong_organization_in_one_manifest_does_not_hide_another_manifests_problems() -> None:
    sets = [
        cloneset("a", org="Acmee"),
        cloneset("b", targets=(TargetSelector("data", "qaa"),)),
        cloneset("c", apps=("wbe",)),
    ]
    assert errors(lambda: resolve(sets, catalog())) == [
        "a.yaml:2:3: no organization 'Acmee'; did you mean: Acme?",
        "b.yaml:20:3: no environment 'qaa' in project data; did you mean: qa?",
        "c.yaml:10:3: no application, container or job 'wbe' in environment shop/staging; "
        "did you mean: web?",
    ]


def test_the_stages_read_on_for_the_manifests_that_resolved() -> None:
    sets = [cloneset("a", org="Acmee"), cloneset("b", targets=(TargetSelector("data", "qa"),))]
    organizations = resolve_organizations(sets, catalog().organizations)
    assert organizations.ids == (ACME,)
    assert [str(d) for d in organizations.problems] == [
        "a.yaml:2:3: no organization 'Acmee'; did you mean: Acme?"
    ]
    scopes = resolve_scopes(organizations, catalog())
    assert scopes.environment_ids == (STAGING, QA)  # b's environments are still read
    assert len(scopes.problems) == 1
    (message,) = errors(lambda: resolve_clones(scopes, catalog()))
    assert message.startswith("a.yaml:2:3")


# ── overrides made once per entry, rendered per clone ────────────────────────────────────


def test_overrides_with_placeholders_render_per_target_and_never_share_a_body() -> None:
    sets = [
        cloneset(
            apps=("api", "web"),
            targets=(match("preview-*"),),
            overrides={"description": "{app} in {environment}", "cpu": 250},
        )
    ]
    clones = resolve(sets, catalog()).clones
    rendered = {(c.source_app_name, c.target_env.name): c.overrides for c in clones}
    assert rendered == {
        (app, env): {"description": f"{app} in {env}", "cpu": 250}
        for app in ("api", "web")
        for env in ("preview-101", "Preview-102")
    }
    keys = {c.overrides_key for c in clones}
    assert len(keys) == 4  # each clone's own text, so its own desired configuration
    assert all(c.overrides_key == overrides_key(c.overrides) for c in clones)


def test_plain_overrides_share_one_text_and_a_target_s_own_placeholders_still_render() -> None:
    made = cloneset(targets=(match("preview-101"), match("Preview-102")), overrides={"cpu": 250})
    plain, other = made.targets
    own = replace(other, overrides={"description": "{environment}"})
    sets = [replace(made, targets=(plain, own))]
    by_env = {c.target_env.name: c for c in resolve(sets, catalog()).clones}
    first, second = by_env["preview-101"], by_env["Preview-102"]
    assert first.overrides == {"cpu": 250}
    assert second.overrides == {"cpu": 250, "description": "Preview-102"}
    assert first.overrides_key == overrides_key({"cpu": 250})
    assert second.overrides_key == overrides_key(second.overrides)


def test_each_clone_has_the_kind_of_its_source() -> None:
    (clone,) = resolve([cloneset()], catalog()).clones
    assert clone.kind == "application"


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("api-preview", False),
        ("Ünïcödé ✓ api", False),
        ("api\tpreview", True),
        ("api\u200bpreview", True),  # a format character (Cf), unprintable
        ("api\u0378", True),  # unassigned (Cn)
        ("api\x7f", True),
    ],
)
def test_a_name_with_a_control_format_or_unassigned_character_is_refused(
    name: str, refused: bool
) -> None:
    problem = name_problem(name)
    assert (problem is not None and "control character" in problem) is refused
