"""Contract 5: ``--target`` globs; a pattern that matches no address is said, not silent.

Before, a mistyped ``--target`` narrowed the plan to nothing and it read "No changes", as if
every clone matched its manifest.
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


def test_a_target_matching_nothing_is_noted(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("plan", _manifest(tmp_path), "--target", "previwes.*")
    assert result.code == 0, result
    assert "Note: --target 'previwes.*' matched no address" in result.out


def test_only_the_unmatched_target_is_noted_and_globs_select(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli(
        "plan", _manifest(tmp_path), "--json", "--target", "nope*", "--target", "*.api[*-10?]"
    )
    document = json.loads(result.out)
    assert document["notes"] == ["--target 'nope*' matched no address"]
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
