"""Contract 5/6: ``apply --plan FILE`` on a file that is not a plan of this format: one clear
line, exit 1, no request. An empty file said "Expecting value: line 1 column 1"; a plan of
another ``format_version`` listed schema differences instead of naming the version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def test_an_empty_plan_file_says_it_is_empty(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("\n")
    result = cli("apply", "--plan", str(path))
    assert result.code == 1, result
    assert result.err == f"error: {path} is not a plan file: it is empty\n"


@pytest.mark.parametrize("version", ["2", 1, None])
def test_a_plan_of_another_format_version_names_it(
    cli: Callable[..., Any], sandbox: Any, tmp_path: Path, version: object
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": version, "changes": [], "summary": {}}))
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(path))
    assert result.code == 1, result
    assert f"is a plan of format_version {json.dumps(version)}" in result.err
    assert 'this reconciler reads format_version "1"' in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert sandbox.requests() == []


def test_a_plan_of_this_format_still_applies(cli: Callable[..., Any], tmp_path: Path) -> None:
    manifest = tmp_path / "previews.yaml"
    manifest.write_text(
        "apiVersion: reconciler/v1\nkind: CloneSet\nmetadata: {name: previews}\n"
        "spec:\n  organization: Acme\n"
        "  source: {project: shop, environment: staging, applications: [api]}\n"
        "  targets: [{environment: preview-101}]\n"
    )
    saved = tmp_path / "plan.json"
    assert cli("plan", str(manifest), "--out", str(saved)).code == 0
    result = cli("apply", "--plan", str(saved))
    assert result.code == 0, result
    assert "1 created" in result.out
