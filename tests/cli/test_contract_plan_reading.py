"""Contract 16 and 17 end to end (the real CLI, the sandbox over loopback): the plan as a
reviewer reads it (a changed declaration is a change, ``before → after``; only what moved
behind the reconciler's back is drift), what a create lists, the footprint, the markdown
comment, the clone-safety warnings and ``--strict``, and ``--no-color`` / ``NO_COLOR``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.cli import main
from reconciler.sandbox import RunningSandbox

SAFE = "auto_preview: false\nauto_deploy: false"


def manifest(tmp_path: Path, overrides: str) -> str:
    return write_manifest(tmp_path, demo_manifest(applications=("api",), overrides=overrides))


def test_raising_an_override_reads_before_then_after_and_is_no_drift(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    """The new user's pull request: memory 128 → 192 (issue 14, item 8)."""
    assert cli("apply", manifest(tmp_path, f"memory: 128\n{SAFE}"), "--auto-approve").code == 0
    raised = manifest(tmp_path, f"memory: 192\n{SAFE}")
    result = cli("plan", raised)
    assert result.code == 0, result
    assert "memory: 128 → 192 (override)" in result.out
    assert "update: the manifest or its source changed since the last apply" in result.out
    assert "drifted;" not in result.out and "0 drifted" in result.out
    document = json.loads(cli("plan", raised, "--json").out)
    assert document["summary"]["drifted"] == 0
    change = document["changes"][0]
    assert change["drift"] == [] and change["reason_code"] == "declaration_changed"
    assert change["updates"] == [
        {"path": "memory", "before": 128, "after": 192, "origin": "override"}
    ]
    drift = cli("drift", raised)
    assert drift.code == 0, drift  # nothing moved behind the reconciler's back
    assert "memory: 128 → 192 (override)" in drift.out and "not drift" in drift.out


def test_an_edit_behind_the_reconcilers_back_is_drift_shown_as_actual_and_declared(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    path = manifest(tmp_path, f"memory: 256\n{SAFE}")
    assert cli("apply", path, "--auto-approve").code == 0
    (api,) = [a for a in sandbox.applications("preview-101") if a["name"] == "api"]
    sandbox.edit_out_of_band(api["id"], memory=1024)
    result = cli("plan", path)
    assert "memory: 1024, declared 256 (override)" in result.out
    assert "1 drifted" in result.out


def test_a_create_lists_its_overrides_and_with_v_every_field(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = manifest(tmp_path, f"memory: 128\n{SAFE}")
    plain = cli("plan", path, "--target", "previews.api[shop/preview-101]")
    block = plain.out.split("\n\n")[1]
    assert block.splitlines() == [
        "  + previews.api[shop/preview-101]  create: does not exist",
        "        memory: 128",
        "        auto_preview: false",
        "        auto_deploy: false",
    ]
    verbose = cli("plan", path, "-v", "--target", "previews.api[shop/preview-101]")
    assert "        cpu: 500 (source)" in verbose.out
    assert "        memory: 128\n" in verbose.out
    # the demo's api: 500 millicores, 128 MB, one instance
    assert "Footprint: +0.50 vCPU, +0.1 GiB, +1 instance\n" in plain.out


def test_plan_markdown_is_one_comment_with_its_marker_footprint_and_warnings(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli("plan", manifest(tmp_path, "memory: 128"), "--markdown")
    assert result.code == 0, result
    assert result.out.startswith("<!-- reconciler:plan -->\n## Reconciler plan\n")
    assert result.out.count("<!-- reconciler:plan -->") == 1
    assert "**Footprint: +1.00 vCPU, +0.3 GiB, +2 instances**" in result.out
    assert "### Warnings" in result.out and "auto_preview: true" in result.out
    assert result.err == ""  # the warnings are in the comment


def test_plan_warns_of_what_a_clone_inherits_and_strict_makes_it_an_error(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = manifest(tmp_path, "memory: 128")
    warned = cli("plan", path)
    assert warned.code == 0, warned
    lines = warned.err.splitlines()
    assert any(
        line.endswith(
            "previews: api: " + "auto_preview: true: each clone would make "
            "preview environments of its own (set auto_preview: false in the overrides)"
        )
        for line in lines
    )
    assert all(line.startswith(f"{path}:") and ": warning: " in line for line in lines)
    strict = cli("plan", path, "--strict", "--out", str(tmp_path / "plan.json"))
    assert strict.code == 1, strict
    assert strict.out == "" and not (tmp_path / "plan.json").exists()
    assert strict.err.startswith("error: ") and "warning:" not in strict.err
    assert cli("plan", manifest(tmp_path, f"memory: 128\n{SAFE}"), "--strict").code == 0


def test_validate_warns_at_the_line_of_an_unsafe_override_and_strict_fails(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    unsafe = "auto_preview: true\nauto_deploy: false\ngit_repository:\n  branch: staging-fix"
    path = manifest(tmp_path, unsafe)
    result = cli("validate", path)
    assert result.code == 0, result
    assert result.err.splitlines() == [
        f"{path}:15:19: warning: auto_preview: true: each clone would make preview "
        "environments of its own (set auto_preview: false in the overrides)",
        f"{path}:18:15: warning: override git_repository.branch holds the source "
        "environment's name or id ('staging'): it would point the clone at the source "
        "environment",
    ]
    strict = cli("validate", path, "--strict")
    assert strict.code == 1 and "warning:" not in strict.err
    assert f"{path}:15:19: auto_preview: true" in strict.err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _apply_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, sandbox_env: dict[str, str], path: str, *flags: str
) -> tuple[int, str, str]:
    """``apply`` with stdout, stderr and stdin on a terminal, streams made as the process
    makes them (so that ``NO_COLOR`` and ``--no-color`` are read where they are read)."""
    for key, value in sandbox_env.items():
        monkeypatch.setenv(key, value)
    out, err = _Terminal(), _Terminal()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr("sys.stdin", _Terminal())
    code = main(["apply", path, "--auto-approve", *flags])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("environ", "flags"), [({"NO_COLOR": "1"}, ()), ({}, ("--no-color",))])
def test_no_color_leaves_no_escape_code_at_all_in_apply(
    monkeypatch: pytest.MonkeyPatch,
    sandbox_env: dict[str, str],
    tmp_path: Path,
    environ: dict[str, str],
    flags: tuple[str, ...],
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    path = manifest(tmp_path, SAFE)
    code, out, err = _apply_on_a_terminal(monkeypatch, sandbox_env, path, *flags)
    assert code == 0, err
    assert "\x1b" not in out and "\x1b" not in err
    assert "previews.api[shop/preview-101]: created after" in err


def test_colour_on_a_terminal_does_use_escape_codes(
    monkeypatch: pytest.MonkeyPatch, sandbox_env: dict[str, str], tmp_path: Path
) -> None:
    """The control of the test above: without NO_COLOR the same run is styled."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = _apply_on_a_terminal(monkeypatch, sandbox_env, manifest(tmp_path, SAFE))
    assert code == 0, err
    assert "\x1b[" in out and "\x1b[" in err
