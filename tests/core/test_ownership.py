"""The ownership marker: made, read back, stripped, replaced."""

from __future__ import annotations

import pytest

from reconciler.core.ownership import Owner, make_marker, read_marker, strip_marker, with_marker

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
