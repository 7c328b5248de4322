"""plan and drift end to end: the real CLI, the real client, the sandbox over loopback."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
from helpers_manifests import demo_manifest, write_manifest

from reconciler.core.ownership import Owner, with_marker
from reconciler.edges.planfile import plan_schema
from reconciler.sandbox import RunningSandbox


def previews(**sections: Any) -> str:
    """The demo manifest as these tests write it (organization and source spelt loosely)."""
    return demo_manifest(organization="ACME", environment="Staging", **sections)


PREVIEWS = previews()


def write(tmp_path: Path, text: str = PREVIEWS) -> str:
    return write_manifest(tmp_path, text)


def clone_out_of_band(
    sandbox: RunningSandbox, app: str, env: str, *, owner: str | None = None, **edits: Any
) -> dict[str, Any]:
    """Clone staging's ``app`` into ``env`` behind the reconciler's back, as a person would."""
    import httpx

    source = sandbox.application("staging", app)
    assert source is not None
    headers = {"Authorization": sandbox.authorization}
    with httpx.Client(base_url=sandbox.url, headers=headers) as http:
        response = http.post(
            f"/application/{source['id']}/clone",
            json={"name": app, "environment_id": sandbox.environment_id(env)},
        )
        assert response.status_code == 202, response.text
        clone: dict[str, Any] = response.json()
    if owner:
        description = with_marker(clone.get("description"), Owner(owner, app, source["id"]))
        clone = sandbox.edit_out_of_band(clone["id"], description=description, **edits)
    elif edits:
        clone = sandbox.edit_out_of_band(clone["id"], **edits)
    return clone


def test_plan_on_fresh_targets_shows_one_create_per_declared_clone(cli, tmp_path) -> None:
    result = cli("plan", write(tmp_path), "--detailed-exitcode")
    assert result.code == 2, result
    for address in (
        "previews.api[shop/preview-101]",
        "previews.api[shop/preview-102]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
    ):
        assert f"+ {address}" in result.out
    assert "4 to create" in result.out
    # the demo seed's sources have Qovery's defaults, auto_preview and auto_deploy on
    assert result.err and all(": warning: " in line for line in result.err.splitlines())


def test_plan_json_is_a_valid_plan_document(cli, tmp_path) -> None:
    result = cli("plan", write(tmp_path), "--json")
    assert result.code == 0, result
    document = json.loads(result.out)
    jsonschema.validate(document, plan_schema())
    assert document["summary"]["create"] == 4
    assert document["summary"]["missing"] == 4
    actions = {c["address"]: c["action"] for c in document["changes"]}
    assert set(actions.values()) == {"create"}
    first = document["changes"][0]
    assert first["source"]["environment"] == "staging"
    assert first["target"]["application_id"] is None


def test_plan_reads_one_list_per_environment_and_writes_nothing(
    cli, sandbox: RunningSandbox, tmp_path
) -> None:
    sandbox.clear_requests()
    assert cli("plan", write(tmp_path)).code == 0
    log = sandbox.requests()
    assert {entry["method"] for entry in log} == {"GET"}
    paths = Counter(entry["path"] for entry in log)
    envs = [sandbox.environment_id(e) for e in ("staging", "preview-101", "preview-102")]
    expected = {"/organization"} | {f"/environment/{e}/application" for e in envs}
    assert expected <= set(paths)
    assert all(count == 1 for count in paths.values()), paths
    assert not any(p.startswith("/application/") for p in paths)
    # organizations, projects and environments of Acme, then one list per environment
    assert len(log) == 3 + len(envs)


def test_untouched_out_of_band_clones_show_no_drift(cli, sandbox, tmp_path) -> None:
    manifest = write(tmp_path, previews(overrides=None))
    for env in ("preview-101", "preview-102"):
        for app in ("api", "web"):
            clone_out_of_band(sandbox, app, env)
    drift = cli("drift", manifest)
    assert drift.code == 0, drift
    assert "No drift" in drift.out
    plan = json.loads(cli("plan", manifest, "--json").out)
    assert all(c["drift"] == [] for c in plan["changes"])
    # unowned but exactly a clone of the source: finished (marked), never a conflict
    assert {c["action"] for c in plan["changes"]} == {"update"}


def test_owned_clones_in_sync_plan_noop(cli, sandbox, tmp_path) -> None:
    for env in ("preview-101", "preview-102"):
        for app in ("api", "web"):
            clone_out_of_band(sandbox, app, env, owner="previews", cpu=250)
    result = cli("plan", write(tmp_path), "--detailed-exitcode")
    assert result.code == 0, result
    assert "No changes" in result.out


def test_drift_names_exactly_the_field_edited_out_of_band(cli, sandbox, tmp_path) -> None:
    for env in ("preview-101", "preview-102"):
        for app in ("api", "web"):
            clone_out_of_band(sandbox, app, env, owner="previews", cpu=250)
    web = sandbox.application("preview-102", "web")
    sandbox.edit_out_of_band(web["id"], memory=999)

    result = cli("drift", write(tmp_path), "--json")
    assert result.code == 2, result
    document = json.loads(result.out)
    drifted = [c for c in document["changes"] if c["drift"]]
    assert [c["address"] for c in drifted] == ["previews.web[shop/preview-102]"]
    assert drifted[0]["drift"] == [
        {"path": "memory", "expected": 256, "actual": 999, "origin": "source"}
    ]
    assert document["summary"]["drifted"] == 1

    text = cli("drift", write(tmp_path))
    assert text.code == 2
    assert "memory" in text.out and "256" in text.out and "999" in text.out

    markdown = cli("drift", write(tmp_path), "--markdown")
    assert markdown.code == 2
    assert "|" in markdown.out and "previews.web[shop/preview-102]" in markdown.out


def test_override_drift_has_override_origin_and_report_is_not_pending(
    cli, sandbox, tmp_path
) -> None:
    clone_out_of_band(sandbox, "api", "preview-101", owner="previews", cpu=400)
    result = cli("plan", write(tmp_path), "--json", "--target", "previews.api[shop/preview-101]")
    document = json.loads(result.out)
    assert [c["address"] for c in document["changes"]] == ["previews.api[shop/preview-101]"]
    (change,) = document["changes"]
    assert change["action"] == "noop"  # on_drift: report (the default)
    assert change["drift"] == [
        {"path": "cpu", "expected": 250, "actual": 400, "origin": "override"}
    ]
    detailed = cli("plan", write(tmp_path), "--detailed-exitcode", "--target", "*api*101*")
    assert detailed.code == 0, detailed  # reported drift is not a pending change


def test_a_stranger_with_the_desired_name_is_a_conflict(cli, sandbox, tmp_path) -> None:
    clone_out_of_band(sandbox, "api", "preview-101", cpu=999, description="hand-made")
    result = cli("plan", write(tmp_path))
    assert result.code == 1, result
    assert "! previews.api[shop/preview-101]" in result.out


def test_a_bad_manifest_makes_no_request(cli, sandbox, tmp_path) -> None:
    sandbox.clear_requests()
    result = cli("plan", write(tmp_path, previews(overrides="cpus: 250")))
    assert result.code == 1
    assert "cpus" in result.err and "Traceback" not in result.err
    assert sandbox.requests() == []


def test_a_failing_listing_stops_the_plan(cli, sandbox, tmp_path) -> None:
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/environment/*/application",
                "action": "respond",
                "status": 503,
                "body": "<html><body>Service Unavailable</body></html>",
                "content_type": "text/html",
            }
        ]
    )
    result = cli("plan", write(tmp_path))
    assert result.code == 1
    assert result.out == ""
    assert "503" in result.err and "Traceback" not in result.err


def test_plan_out_saves_a_document_that_holds_no_token(cli, sandbox, tmp_path) -> None:
    out = tmp_path / "plan.json"
    result = cli("plan", write(tmp_path), "--out", str(out))
    assert result.code == 0, result
    saved = out.read_text()
    jsonschema.validate(json.loads(saved), plan_schema())
    assert sandbox.token not in saved
    assert "reconciler apply --plan" in result.out


def test_apply_with_nothing_to_do_still_ends_with_its_summary(cli, tmp_path) -> None:
    manifest = write(tmp_path)
    assert cli("apply", manifest, "--auto-approve").code == 0
    text = cli("apply", manifest, "--auto-approve")
    assert text.code == 0, text
    assert "No changes" in text.out
    assert "0 created, 0 updated, 0 deleted, 0 failed, 0 conflicts" in text.out
    lines = [
        json.loads(line)
        for line in cli("apply", manifest, "--auto-approve", "--json").out.splitlines()
    ]
    assert lines[-1]["event"] == "summary" and lines[-1]["ok"] is True


def test_verbose_logs_one_line_per_request_and_never_the_token(cli, sandbox, tmp_path) -> None:
    result = cli("plan", write(tmp_path), "-v")
    assert result.code == 0, result
    debug = [line for line in result.err.splitlines() if line.startswith("debug: ")]
    assert debug[0].startswith("debug: GET /organization -> 200")
    assert len(debug) == len(sandbox.requests())
    assert sandbox.token not in result.err + result.out
    quiet = cli("plan", write(tmp_path))
    assert "debug:" not in quiet.err


def test_plan_out_with_sandbox_hints_the_apply_command_that_works(
    cli, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("plan", write(tmp_path), "--sandbox", "--out", "p.json")
    assert result.code == 0, result
    assert "reconciler apply --plan p.json --sandbox" in result.out
    applied = cli("apply", "--plan", "p.json", "--sandbox")
    assert applied.code == 0, applied
    again = cli("apply", "--plan", "p.json", "--sandbox")
    assert again.code == 1
    assert "stale" in again.err and "applied already" in again.err


def test_an_override_changed_in_the_manifest_is_applied_drift_behind_its_back_is_reported(
    cli, sandbox, tmp_path
) -> None:
    manifest = write(tmp_path)  # on_drift: report (the default)
    assert cli("apply", manifest, "--auto-approve").code == 0

    # the team edits the manifest: that is a change to apply, not drift to report
    write(tmp_path, previews(overrides="cpu: 300"))
    planned = cli("plan", manifest, "--detailed-exitcode")
    assert planned.code == 2, planned
    assert "4 to update" in planned.out
    assert "the manifest or its source changed since the last apply" in planned.out
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert sandbox.application("preview-101", "api")["cpu"] == 300
    assert cli("plan", manifest, "--detailed-exitcode").code == 0

    # someone edits a clone in the console: reported, left as it is
    sandbox.edit_out_of_band(sandbox.application("preview-101", "api")["id"], cpu=999)
    reported = cli("plan", manifest, "--detailed-exitcode")
    assert reported.code == 0, reported
    assert "drift reported, not corrected" in reported.out
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert sandbox.application("preview-101", "api")["cpu"] == 999


def test_a_changed_name_template_renames_clones_in_place(cli, sandbox, tmp_path) -> None:
    manifest = write(tmp_path, previews(policy="{prune: true}"))
    assert cli("apply", manifest, "--auto-approve").code == 0
    before = sandbox.application("preview-101", "api")["id"]

    write(tmp_path, previews(template="{app}-pr", policy="{prune: true}"))
    planned = cli("plan", manifest, "--json")
    document = json.loads(planned.out)
    assert document["summary"] | {"noop": 0} == {
        "create": 0,
        "update": 4,
        "delete": 0,
        "noop": 0,
        "conflict": 0,
        "drifted": 0,
        "missing": 0,
        "expire": 0,
    }
    assert all(c["reason"].startswith("renamed from") for c in document["changes"])

    assert cli("apply", manifest, "--auto-approve").code == 0
    renamed = sandbox.application("preview-101", "api-pr")
    assert renamed is not None and renamed["id"] == before  # the same application, renamed
    assert sandbox.application("preview-101", "api") is None
    assert cli("plan", manifest, "--detailed-exitcode").code == 0
