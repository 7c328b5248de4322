"""apply end to end: the real CLI in-process, the real client and executor, the sandbox over
loopback. Creates, drift correction, prune, adopt, deploy, prompts, JSON lines, saved plans."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import PREVIEW_TARGETS, demo_manifest, write_manifest

from reconciler.cli import main
from reconciler.core.ownership import read_marker
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

APPLICATIONS = ("api", "name: web\noverrides: {memory: 384}")
ADDRESSES = [f"previews.{a}[shop/preview-{e}]" for a in ("api", "web") for e in (101, 102)]


def write(tmp_path: Path, policy: str = "{}", targets: Sequence[str] = PREVIEW_TARGETS) -> str:
    text = demo_manifest(applications=APPLICATIONS, targets=targets, policy=policy)
    return write_manifest(tmp_path, text)


def apps_named(sandbox: RunningSandbox, env: str, name: str) -> list[dict[str, Any]]:
    env_id = sandbox.environment_id(env)
    return [
        a
        for a in sandbox.state()["applications"].values()
        if a["environment"]["id"] == env_id and a["name"].lower() == name.lower()
    ]


def owner(app: dict[str, Any] | None) -> str | None:
    marker = read_marker((app or {}).get("description"))
    return marker.manifest if marker else None


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


def test_fresh_apply_creates_every_clone_and_a_second_plan_shows_no_changes(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path)
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    assert "+ previews.api[shop/preview-101]" in result.out
    assert "4 created, 0 updated, 0 deleted, 0 failed, 0 conflicts" in result.out
    for address in ADDRESSES:
        assert f"{address}: created" in result.err
    for env in ("preview-101", "preview-102"):
        (api,) = apps_named(sandbox, env, "api")
        (web,) = apps_named(sandbox, env, "web")
        assert (api["cpu"], api["memory"]) == (250, 512)
        assert (web["cpu"], web["memory"]) == (250, 384)
        assert owner(api) == owner(web) == "previews"
    again = cli("plan", manifest, "--detailed-exitcode")
    assert again.code == 0, again
    assert "No changes." in again.out
    nothing = cli("apply", manifest, "--auto-approve")
    assert nothing.code == 0 and "No changes." in nothing.out


def test_without_a_terminal_or_auto_approve_apply_refuses_before_any_call(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.clear_requests()
    result = cli("apply", write(tmp_path))
    assert result.code == 1
    assert "--auto-approve" in result.err and "Traceback" not in result.err
    assert sandbox.requests() == []


@pytest.mark.parametrize(("answer", "code", "created"), [("yes\n", 0, 1), ("y\n", 1, 0)])
def test_on_a_terminal_apply_asks_and_only_yes_goes_on(
    sandbox_env: dict[str, str],
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    answer: str,
    code: int,
    created: int,
) -> None:
    for key, value in sandbox_env.items():
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), io.StringIO()
    streams = Streams(out=out, err=err, inp=io.StringIO(answer), interactive=True)
    argv = ["apply", write(tmp_path), "--target", "previews.api[shop/preview-101]"]
    assert main(argv, streams=streams) == code
    assert "Only 'yes' will be accepted:" in out.getvalue()
    assert len(apps_named(sandbox, "preview-101", "api")) == created
    if not created:
        assert "cancelled" in err.getvalue()


def test_on_drift_correct_restores_and_report_leaves_an_out_of_band_edit(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path), "--auto-approve").code == 0
    (api,) = apps_named(sandbox, "preview-101", "api")
    sandbox.edit_out_of_band(api["id"], cpu=900)
    report = cli("apply", write(tmp_path, "{on_drift: report}"), "--auto-approve")
    assert report.code == 0, report
    assert "cpu: 900, declared 250 (override)" in report.out
    assert apps_named(sandbox, "preview-101", "api")[0]["cpu"] == 900
    correct = cli("apply", write(tmp_path, "{on_drift: correct}"), "--auto-approve")
    assert correct.code == 0, correct
    assert "corrects drift made outside the reconciler:" in correct.out
    assert "cpu: 900 → 250 (override)" in correct.out
    assert "0 created, 1 updated" in correct.out
    (fixed,) = apps_named(sandbox, "preview-101", "api")
    assert fixed["cpu"] == 250 and owner(fixed) == "previews"


def test_prune_deletes_an_owned_clone_no_longer_declared_never_an_unowned_one(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path), "--auto-approve").code == 0
    (web,) = apps_named(sandbox, "preview-102", "web")
    sandbox.edit_out_of_band(web["id"], description="mine now")  # marker removed: unowned
    retired = ("environment: preview-101",)
    result = cli("apply", write(tmp_path, "{prune: true}", retired), "--auto-approve")
    assert result.code == 0, result
    assert "- previews.api[shop/preview-102]" in result.out
    assert "0 created, 0 updated, 1 deleted" in result.out
    assert apps_named(sandbox, "preview-102", "api") == []
    assert len(apps_named(sandbox, "preview-102", "web")) == 1
    assert len(apps_named(sandbox, "preview-101", "api")) == 1
    assert len(apps_named(sandbox, "production", "api")) == 1


def test_adopt_takes_over_a_same_named_application(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = sandbox.environment_id("preview-101")
    sandbox.store.create_application(
        env,
        {
            "name": "API",
            "cpu": 1000,
            "git_repository": {"url": "https://github.com/acme/api.git", "provider": "GITHUB"},
            "healthchecks": {"readiness_probe": None, "liveness_probe": None},
        },
    )
    target = ["--target", "previews.api[shop/preview-101]"]
    refused = cli("apply", write(tmp_path), "--auto-approve", *target)
    assert refused.code == 1
    assert "0 failed, 1 conflicts" in refused.out
    adopted = cli("apply", write(tmp_path, "{adopt: true}"), "--auto-approve", *target)
    assert adopted.code == 0, adopted
    (api,) = apps_named(sandbox, "preview-101", "api")
    assert api["cpu"] == 250 and owner(api) == "previews" and api["name"] == "API"


def test_deploy_reaches_a_deployed_status(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.1
    target = ["--target", "previews.web[shop/preview-101]"]
    result = cli("apply", write(tmp_path, "{deploy: true}"), "--auto-approve", *target)
    assert result.code == 0, result
    assert "created, deployed" in result.err
    (web,) = apps_named(sandbox, "preview-101", "web")
    status = sandbox.store.get_application_status(web["id"])
    assert status["state"] == "DEPLOYED"
    source = sandbox.application("staging", "web")
    assert source is not None
    commit = source["git_repository"]["deployed_commit_id"]
    assert web["git_repository"]["deployed_commit_id"] == commit


def test_json_progress_is_json_lines_ending_with_a_summary(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli("apply", write(tmp_path), "--auto-approve", "--json")
    assert result.code == 0, result
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert lines[0]["event"] == "plan" and lines[0]["summary"]["create"] == 4
    finished = [e for e in lines if e["event"] == "finished"]
    assert sorted(e["address"] for e in finished) == ADDRESSES
    assert all(e["result"] == "ok" and e["application_id"] for e in finished)
    assert lines[-1]["event"] == "summary"
    assert lines[-1]["created"] == 4 and lines[-1]["ok"] is True


def test_a_failed_change_does_not_stop_the_others_and_exits_1(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = sandbox.application("staging", "api")
    assert api is not None
    sandbox.set_faults(
        rules=[
            {
                "action": "respond",
                "method": "POST",
                "path": f"/application/{api['id']}/clone",
                "status": 400,
                "body": '{"detail": "quota exceeded"}',
            }
        ]
    )
    result = cli("apply", write(tmp_path), "--auto-approve")
    assert result.code == 1
    assert "2 created, 0 updated, 0 deleted, 2 failed, 0 conflicts" in result.out
    assert "FAILED" in result.err and "quota exceeded" in result.err
    assert "Traceback" not in result.err
    assert len(apps_named(sandbox, "preview-102", "web")) == 1


# ── saved plans ─────────────────────────────────────────────────────────────────────────


def test_a_fresh_saved_plan_applies_without_asking(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved = str(tmp_path / "plan.json")
    assert cli("plan", write(tmp_path), "--out", saved).code == 0
    result = cli("apply", "--plan", saved)
    assert result.code == 0, result
    assert "4 created" in result.out
    assert len(apps_named(sandbox, "preview-101", "web")) == 1
    assert cli("plan", write(tmp_path), "--detailed-exitcode").code == 0


def test_a_stale_saved_plan_is_refused_naming_what_changed(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path), "--auto-approve").code == 0
    (api,) = apps_named(sandbox, "preview-101", "api")
    sandbox.edit_out_of_band(api["id"], cpu=900)
    manifest = write(tmp_path, "{on_drift: correct}")
    saved = str(tmp_path / "plan.json")
    assert cli("plan", manifest, "--out", saved).code == 0
    sandbox.edit_out_of_band(api["id"], cpu=901)  # changed again after the plan was made
    source = sandbox.application("staging", "web")
    assert source is not None
    sandbox.edit_out_of_band(source["id"], memory=4096)  # and a source it read
    sandbox.clear_requests()
    result = cli("apply", "--plan", saved)
    assert result.code == 1
    assert "stale" in result.err
    assert "previews.api[shop/preview-101]: the target changed" in result.err
    assert "previews.web[shop/preview-102]: the source changed" in result.err
    assert "previews.api[shop/preview-102]" not in result.err
    assert writes(sandbox) == []
    assert apps_named(sandbox, "preview-101", "api")[0]["cpu"] == 901


def test_a_saved_plan_whose_selector_matches_other_environments_is_stale(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    selector = ('environment: {match: "preview-*"}',)
    saved = str(tmp_path / "plan.json")
    assert cli("plan", write(tmp_path, targets=selector), "--out", saved).code == 0
    sandbox.add_environment("shop", "preview-104")
    result = cli("apply", "--plan", saved)
    assert result.code == 1
    assert "selector 'preview-*' now matches preview-104" in result.err
    assert apps_named(sandbox, "preview-101", "api") == []


def test_a_saved_plan_made_against_another_api_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", write(tmp_path), "--out", str(saved)).code == 0
    document = json.loads(saved.read_text())
    document["api_url"] = "https://api.qovery.com"
    saved.write_text(json.dumps(document))
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1
    assert "https://api.qovery.com" in result.err
    assert apps_named(sandbox, "preview-101", "api") == []


def test_a_plan_file_that_is_not_a_plan_is_one_clear_error(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    result = cli("apply", "--plan", str(bad))
    assert result.code == 1 and "not valid JSON" in result.err
    missing = cli("apply", "--plan", str(tmp_path / "nope.json"))
    assert missing.code == 1 and "cannot read the plan file" in missing.err
