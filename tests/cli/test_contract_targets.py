"""Contract 5 and 17: ``--target`` globs; a pattern that matches no address is an error
(exit 1) naming the closest addresses, sorted.

Before, a mistyped ``--target`` narrowed the plan to nothing and it read "No changes", as if
every clone matched its manifest; then it was only a note, and the run exited 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: previews}
spec:
  organization: Acme
  source: {project: shop, environment: staging, applications: [api, web]}
  targets: [{environment: {match: "preview-*"}}]
"""


def _manifest(tmp_path: Path) -> str:
    path = tmp_path / "previews.yaml"
    path.write_text(MANIFEST)
    return str(path)


def test_a_target_matching_nothing_is_an_error_naming_the_closest_addresses(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli("plan", _manifest(tmp_path), "--target", "previews.apy[shop/preview-101]")
    assert (result.code, result.out) == (1, ""), result
    assert result.err == (
        "error: --target 'previews.apy[shop/preview-101]' matches no address; the closest: "
        "previews.api[shop/preview-101], previews.api[shop/preview-102], "
        "previews.api[shop/preview-103]\n"
    )


def test_a_target_like_no_address_lists_the_plans_addresses(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli("apply", _manifest(tmp_path), "--auto-approve", "--target", "nope*")
    assert result.code == 1, result
    assert result.err.startswith("error: --target 'nope*' matches no address; the plan's ")
    assert "previews.api[shop/preview-101], previews.api[shop/preview-102]" in result.err
    assert "(and 1 more)" in result.err
    assert "Apply" not in result.out  # nothing applied


def test_globs_select(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("plan", _manifest(tmp_path), "--json", "--target", "*.api[*-10?]")
    document = json.loads(result.out)
    assert sorted(c["address"] for c in document["changes"]) == [
        "previews.api[shop/preview-101]",
        "previews.api[shop/preview-102]",
        "previews.api[shop/preview-103]",
    ]


def test_brackets_in_a_target_stay_literal(cli: Callable[..., Any], tmp_path: Path) -> None:
    address = "previews.web[shop/preview-102]"
    result = cli("plan", _manifest(tmp_path), "--json", "--target", address)
    document = json.loads(result.out)
    assert [c["address"] for c in document["changes"]] == [address]
    assert document["notes"] == []


def test_plan_and_drift_json_print_a_json_errors_document_on_an_error(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    """Contract 17: a CI step that parses stdout gets JSON either way."""
    for command in ("plan", "drift"):
        result = cli(command, _manifest(tmp_path), "--json", "--target", "nope*")
        assert result.code == 1, result
        document = json.loads(result.out)
        assert document["format_version"] == "1"
        (error,) = document["errors"]
        assert error["summary"].startswith("--target 'nope*' matches no address")
        assert (error["file"], error["line"], error["column"]) == (None, None, None)
        assert result.err.startswith("error: --target 'nope*'")


def test_a_manifest_error_in_plan_json_names_its_position(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "previews.yaml"
    path.write_text(MANIFEST.replace("environment: staging", "environment: stagin"))
    result = cli("plan", str(path), "--json")
    assert result.code == 1, result
    (error,) = json.loads(result.out)["errors"]
    assert (error["file"], error["line"]) == (str(path), 6)
    assert "stagin" in error["summary"]
