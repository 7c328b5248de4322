"""The ownership marker: made, read back, stripped, replaced."""

from __future__ import annotations

import pytest

from reconciler.core.normalising import normalise
from reconciler.core.ownership import (
    Owner,
    find_named,
    is_copied_marker,
    is_untouched_clone,
    make_marker,
    owned_by,
    owner_of,
    read_marker,
    strip_marker,
    with_marker,
)

OWNER = Owner("previews", "api", "6f1c2a9e-0000-4000-8000-000000000001")
OTHER = Owner("qa-clones", "web", "6f1c2a9e-0000-4000-8000-000000000002")


def test_marker_round_trips() -> None:
    assert read_marker(make_marker(OWNER)) == OWNER


def test_marker_is_the_last_line_of_the_description() -> None:
    description = with_marker("The API.\nServes /v1.", OWNER)
    assert description == f"The API.\nServes /v1.\n{make_marker(OWNER)}"
    assert read_marker(description) == OWNER
    assert strip_marker(description) == "The API.\nServes /v1."


@pytest.mark.parametrize("description", [None, "", "plain text", "[managed-by: someone-else]"])
def test_no_marker_reads_as_no_owner(description: str | None) -> None:
    assert read_marker(description) is None


def test_a_marker_not_on_the_last_line_is_not_ownership() -> None:
    assert read_marker(f"{make_marker(OWNER)}\nedited by hand afterwards") is None


def test_trailing_blank_space_is_tolerated() -> None:
    assert read_marker(f"text\n{make_marker(OWNER)}  \n\n") == OWNER


def test_a_source_name_with_parentheses_parses() -> None:
    owner = Owner("m", "api (legacy)", "id-1")
    assert read_marker(make_marker(owner)) == owner


def test_a_marker_copied_from_an_owned_source_is_replaced_not_kept() -> None:
    copied = with_marker("the API", OTHER)
    rewritten = with_marker(copied, OWNER)
    assert rewritten == f"the API\n{make_marker(OWNER)}"
    assert make_marker(OTHER) not in rewritten


def test_several_stacked_markers_all_go() -> None:
    stacked = f"body\n{make_marker(OTHER)}\n{make_marker(OWNER)}"
    assert strip_marker(stacked) == "body"


def test_empty_description_gets_only_the_marker() -> None:
    assert with_marker(None, OWNER) == make_marker(OWNER)


# ── the rules on applications (one home, used by planning and executing) ────────────────


def _app(app_id: str, description: str, **fields: object) -> dict[str, object]:
    return {"id": app_id, "name": "api", "description": description, "cpu": 250, **fields}


def test_a_marker_records_the_id_of_its_clone_and_round_trips() -> None:
    owner = Owner("previews", "api", "src-1", "0123456789ab", "clone-1")
    assert read_marker(make_marker(owner)) == owner
    assert "; id: clone-1; applied: 0123456789ab]" in make_marker(owner)


def test_a_marker_naming_another_application_is_a_copy_and_not_owned() -> None:
    marker = with_marker("the API", Owner("previews", "api", "src-1", clone_id="clone-1"))
    original, copy = _app("clone-1", marker), _app("bob-copy", marker)
    assert owner_of(original) is not None and owned_by(original, "previews", "src-1")
    assert is_copied_marker(copy)
    assert owner_of(copy) is None and not owned_by(copy, "previews", "src-1")


def test_a_marker_without_an_id_is_trusted() -> None:
    legacy = _app("clone-1", with_marker("", Owner("previews", "api", "src-1")))
    assert owned_by(legacy, "previews", "src-1")
    assert not owned_by(legacy, "previews", "src-2")
    assert not owned_by(legacy, "other", "src-1")


def test_the_sources_own_marker_on_a_clone_is_a_copy() -> None:
    marker = with_marker("the API", Owner("upstream", "core", "core-1"))
    source, clone = _app("src-1", marker), _app("clone-1", marker)
    assert is_copied_marker(clone, source) and owner_of(clone, source) is None


def test_an_untouched_clone_has_the_sources_configuration_and_description() -> None:
    source = _app("src-1", "the API")
    assert is_untouched_clone(_app("c-1", "the API"), source, normalise)
    assert not is_untouched_clone(_app("c-1", "hand-made, DO NOT TOUCH"), source, normalise)
    assert not is_untouched_clone(_app("c-1", "the API", cpu=500), source, normalise)
    assert not is_untouched_clone(source, source, normalise)  # the source is no clone


def test_find_named_is_case_insensitive_and_takes_the_first() -> None:
    apps = [{"id": "1", "name": "Web"}, {"id": "2", "name": "API"}, {"id": "3", "name": "api"}]
    assert find_named(apps, "api") == {"id": "2", "name": "API"}
    assert find_named(apps, "nope") is None
