"""``apply --correct`` (contract 17): reported drift corrected once, the manifest untouched.

A manifest with ``on_drift: report`` (the default) leaves drift made in the console as it is;
``apply --correct`` restores it for this run only, narrowed by ``--target``, and the next
plain apply reports again.
"""

from __future__ import annotations

from pathlib import Path

from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named

from reconciler.sandbox import RunningSandbox

API_101 = "previews.api[shop/preview-101]"


def _drifted(cli, sandbox: RunningSandbox, tmp_path: Path) -> str:
    """The demo manifest applied, then api and web of preview-101 edited in the console."""
    manifest = write_manifest(tmp_path, demo_manifest())
    assert cli("apply", manifest, "--auto-approve").code == 0
    for app in ("api", "web"):
        sandbox.edit_out_of_band(app_named(sandbox, "preview-101", app)["id"], cpu=999)
    return manifest


def test_apply_correct_restores_reported_drift_once(cli, sandbox, tmp_path) -> None:
    manifest = _drifted(cli, sandbox, tmp_path)
    plain = cli("apply", manifest, "--auto-approve")
    assert plain.code == 0 and "0 updated" in plain.out, plain
    assert sandbox.application("preview-101", "api")["cpu"] == 999

    corrected = cli("apply", manifest, "--auto-approve", "--correct")
    assert corrected.code == 0, corrected
    assert "update: drifted; on_drift: correct" in corrected.out
    assert "2 updated" in corrected.out
    assert sandbox.application("preview-101", "api")["cpu"] != 999
    assert sandbox.application("preview-101", "web")["cpu"] != 999

    sandbox.edit_out_of_band(sandbox.application("preview-101", "api")["id"], cpu=777)
    again = cli("apply", manifest, "--auto-approve")  # the manifest still says report
    assert again.code == 0 and "drift reported, not corrected" in again.out, again
    assert sandbox.application("preview-101", "api")["cpu"] == 777


def test_apply_correct_with_a_target_corrects_only_that_clone(cli, sandbox, tmp_path) -> None:
    manifest = _drifted(cli, sandbox, tmp_path)
    result = cli("apply", manifest, "--auto-approve", "--correct", "--target", API_101)
    assert result.code == 0 and "1 updated" in result.out, result
    assert sandbox.application("preview-101", "api")["cpu"] != 999
    assert sandbox.application("preview-101", "web")["cpu"] == 999


def test_apply_correct_refuses_a_saved_plan_and_changes_nothing(cli, sandbox, tmp_path) -> None:
    manifest = _drifted(cli, sandbox, tmp_path)
    saved = str(tmp_path / "plan.json")
    assert cli("plan", manifest, "--out", saved).code == 0
    sandbox.clear_requests()
    result = cli("apply", "--plan", saved, "--correct", "--auto-approve")
    assert result.code == 1, result
    assert "--correct plans the manifests anew" in result.err
    assert "Traceback" not in result.err
    assert sandbox.requests() == []
