"""Resolution through the real CLI and the sandbox: every problem of every manifest is
printed at once, each at its file:line:column, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers_manifests import demo_manifest, write_manifest

from reconciler.sandbox import RunningSandbox


def test_a_wrong_organization_does_not_hide_another_manifests_wrong_environment(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    a = write_manifest(tmp_path, demo_manifest(name="a", organization="Acmee"), "a.yaml")
    b = write_manifest(
        tmp_path, demo_manifest(name="b", targets=("environment: preview-1O1",)), "b.yaml"
    )
    sandbox.clear_requests()
    for command in (("plan",), ("apply", "--auto-approve"), ("reconcile",)):
        result = cli(*command, str(tmp_path))
        assert result.code == 1, (command, result)
        output = result.err if command[0] != "reconcile" else result.out
        assert f"{a}:6:17: no organization 'Acmee'; did you mean: Acme?" in output, command
        assert f"{b}:12:20: no environment 'preview-1O1' in project shop" in output, command
        assert "Traceback" not in result.err
    assert {r["method"] for r in sandbox.requests()} == {"GET"}
