"""Previews end to end (contract sections 11 and 13): per-target overrides with placeholders,
expiry on a moved clock, ``until``, and services being deleted. The real CLI in-process,
the real client, the sandbox over loopback; time moves with ``POST /_sandbox/clock``
(``RunningSandbox.advance_clock``), never by sleeping."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import client

from reconciler.core.ownership import KEEP_LINE, read_marker
from reconciler.sandbox import RunningSandbox

Cli = Callable[..., Any]
HOUR = 3600


def write(
    tmp_path: Path,
    *,
    policy: str = "{}",
    targets: Sequence[str] = ("environment: preview-101", "environment: preview-102"),
    overrides: str = "cpu: 250",
    applications: Sequence[str] = ("api", "web"),
) -> str:
    text = demo_manifest(
        applications=applications, targets=targets, policy=policy, overrides=overrides
    )
    return write_manifest(tmp_path, text)


def clone(sandbox: RunningSandbox, env: str, name: str) -> dict[str, Any]:
    app = sandbox.application(env, name)
    assert app is not None, f"no {name} in {env}"
    return app


def state_of(sandbox: RunningSandbox, app_id: str) -> str:
    with client(sandbox) as http:
        return str(http.get(f"/application/{app_id}/status").json()["state"])


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


def plan_json(cli: Cli, manifest: str, code: int = 0) -> dict[str, Any]:
    result = cli("plan", manifest, "--json")
    assert result.code == code, result
    document: dict[str, Any] = json.loads(result.out)
    return document


def actions(document: dict[str, Any]) -> dict[str, str]:
    return {c["address"]: c["action"] for c in document["changes"]}


# ── per-target overrides ────────────────────────────────────────────────────────────────


def test_a_templated_branch_builds_each_preview_from_its_own_branch(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    targets = (
        "environment: preview-101",
        "environment: preview-102\n"
        "overrides: {memory: 768, description: 'preview of {app} as {name}'}",
        "environment: preview-103",
    )
    overrides = 'cpu: 250\ngit_repository: {branch: "{environment}"}'
    manifest = write(tmp_path, targets=targets, overrides=overrides, applications=["api"])
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    for env in ("preview-101", "preview-102", "preview-103"):
        assert clone(sandbox, env, "api")["git_repository"]["branch"] == env
    assert clone(sandbox, "preview-102", "api")["memory"] == 768  # the target wins
    assert clone(sandbox, "preview-101", "api")["memory"] != 768
    description = clone(sandbox, "preview-102", "api")["description"]
    assert description.startswith("preview of api as api\n")
    again = cli("plan", manifest, "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again


# ── expiry ──────────────────────────────────────────────────────────────────────────────


def test_clones_expire_stay_stopped_and_wake_when_their_declaration_changes(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path, policy="{expire_after: 2h, on_drift: correct}")
    assert cli("apply", manifest, "--auto-approve").code == 0
    fresh = plan_json(cli, manifest)
    assert {c["action"] for c in fresh["changes"]} == {"noop"}
    assert all(c["expires_at"] for c in fresh["changes"])
    assert "expire within 24h" in " ".join(fresh["notes"])  # inside the default warning

    sandbox.advance_clock(2 * HOUR + 60)
    shown = cli("plan", manifest)
    assert "4 to expire" in shown.out and "expired: no activity for 2h" in shown.out, shown
    due = plan_json(cli, manifest)
    assert due["summary"]["expire"] == 4 and set(actions(due).values()) == {"expire"}
    assert cli("plan", manifest, "--detailed-exitcode").code == 2  # a pending change

    sandbox.deploy_seconds = 30  # a stop outlasts the run, however loaded the machine
    stopped = cli("apply", manifest, "--auto-approve")
    assert stopped.code == 0 and "0 conflicts, 4 expired" in stopped.out, stopped
    assert "previews.api[shop/preview-101]: stopped (expired)" in stopped.err
    api = clone(sandbox, "preview-101", "api")
    assert state_of(sandbox, api["id"]) in ("STOP_QUEUED", "STOPPING")  # Qovery stops slowly
    sandbox.advance_clock(60)
    sandbox.deploy_seconds = 0.3
    assert state_of(sandbox, api["id"]) == "STOPPED"
    marker = read_marker(api["description"])
    assert marker is not None and marker.expired and marker.clone_id == api["id"]

    for _ in range(3):  # stays stopped: not edited, not re-created, not deployed
        sandbox.advance_clock(HOUR)
        sandbox.clear_requests()
        again = cli("apply", manifest, "--auto-approve")
        assert again.code == 0 and "No changes." in again.out, again
        assert writes(sandbox) == []

    woken = write(tmp_path, policy="{expire_after: 2h, on_drift: correct}", overrides="cpu: 300")
    shown = cli("plan", woken)
    assert "~ previews.api[shop/preview-101]" in shown.out and "(expires in 2h)" in shown.out
    result = cli("apply", woken, "--auto-approve")
    assert result.code == 0 and "4 updated" in result.out, result
    api = clone(sandbox, "preview-101", "api")
    marker = read_marker(api["description"])
    assert api["cpu"] == 300 and marker is not None and marker.expired is None
    later = plan_json(cli, woken)
    assert set(actions(later).values()) == {"noop"}
    expires = datetime.fromisoformat(later["changes"][0]["expires_at"])
    assert expires - datetime.fromisoformat(later["now"]) > timedelta(hours=1, minutes=58)


def test_a_keep_clone_and_an_unowned_application_are_never_stopped(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path, policy="{expire_after: 90m}")
    assert cli("apply", manifest, "--auto-approve").code == 0
    kept = clone(sandbox, "preview-101", "api")
    sandbox.edit_out_of_band(kept["id"], description=f"{kept['description']}\n{KEEP_LINE}")
    unowned = clone(sandbox, "preview-102", "api")
    sandbox.edit_out_of_band(unowned["id"], description="made by hand")
    sandbox.advance_clock(2 * HOUR)
    document = plan_json(cli, manifest, code=1)  # a conflict
    found = actions(document)
    assert found["previews.api[shop/preview-101]"] == "noop"  # kept, and no drift for it
    assert found["previews.api[shop/preview-102]"] == "conflict"
    assert found["previews.web[shop/preview-101]"] == "expire"
    sandbox.clear_requests()
    cli("apply", manifest, "--auto-approve")
    stopped = {w for w in writes(sandbox) if w.endswith("/stop")}
    assert stopped == {
        f"POST /application/{clone(sandbox, env, 'web')['id']}/stop"
        for env in ("preview-101", "preview-102")
    }
    assert state_of(sandbox, kept["id"]) != "STOPPED"
    assert state_of(sandbox, unowned["id"]) != "STOPPED"
    assert KEEP_LINE in clone(sandbox, "preview-101", "api")["description"]


# ── until ───────────────────────────────────────────────────────────────────────────────


def test_a_target_past_its_until_is_no_longer_declared_and_pruned(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    targets = ("environment: preview-101", f"environment: preview-102\nuntil: '{tomorrow}'")
    manifest = write(tmp_path, policy="{prune: true}", targets=targets)
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert sandbox.application("preview-102", "api") is not None
    sandbox.advance_clock(2 * 24 * HOUR)
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    assert "preview-102 is past its until" in result.out
    assert sandbox.application("preview-102", "api") is None
    assert sandbox.application("preview-102", "web") is None
    assert sandbox.application("preview-101", "api") is not None


# ── services being deleted ──────────────────────────────────────────────────────────────


def statuses_read(sandbox: RunningSandbox) -> list[str]:
    return sorted(r["path"] for r in sandbox.requests() if r["path"].endswith("/statuses"))


def statuses_of(sandbox: RunningSandbox, *envs: str) -> list[str]:
    return sorted(f"/environment/{sandbox.environment_id(e)}/statuses" for e in envs)


def test_a_clone_being_deleted_is_neither_a_conflict_nor_a_create(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    both = write(tmp_path, policy="{prune: true}", applications=["api"])
    assert cli("apply", both, "--auto-approve").code == 0
    sandbox.delete_seconds = 60
    one = write(
        tmp_path, policy="{prune: true}", targets=["environment: preview-101"], applications=["api"]
    )
    assert cli("apply", one, "--auto-approve").code == 0
    being_deleted = clone(sandbox, "preview-102", "api")  # still listed: DELETING
    # declared again, with another cpu: plan (read only) reads no state for an update
    back = write(tmp_path, policy="{prune: true}", applications=["api"], overrides="cpu: 300")
    sandbox.clear_requests()
    assert actions(plan_json(cli, back)) == {
        "previews.api[shop/preview-101]": "update",
        "previews.api[shop/preview-102]": "update",
    }
    assert statuses_read(sandbox) == []
    # apply, which writes, reads the state of each environment it would write to, once
    sandbox.clear_requests()
    result = cli("apply", back, "--auto-approve", "--json")
    assert result.code == 0, result
    assert statuses_read(sandbox) == statuses_of(sandbox, "preview-101", "preview-102")
    assert not [w for w in writes(sandbox) if being_deleted["id"] in w]
    assert [w for w in writes(sandbox) if w.startswith("PUT /application/")] == [
        f"PUT /application/{clone(sandbox, 'preview-101', 'api')['id']}"
    ]
    planned = json.loads(result.out.splitlines()[0])  # the clone being deleted: a noop
    assert (planned["event"], planned["summary"]["update"]) == ("plan", 1), planned
    assert planned["summary"]["create"] == planned["summary"]["conflict"] == 0
    sandbox.advance_clock(61)
    assert actions(plan_json(cli, back))["previews.api[shop/preview-102]"] == "create"


def test_a_conflict_with_a_service_being_deleted_is_no_conflict(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path, applications=["api"])
    assert cli("apply", manifest, "--auto-approve").code == 0
    unowned = clone(sandbox, "preview-102", "api")
    sandbox.edit_out_of_band(unowned["id"], description="made by hand")
    changed = write(tmp_path, applications=["api"], overrides="cpu: 300")
    assert actions(plan_json(cli, changed, code=1))["previews.api[shop/preview-102]"] == "conflict"
    sandbox.delete_seconds = 60
    with client(sandbox) as http:
        assert http.delete(f"/application/{unowned['id']}").status_code == 204
    sandbox.clear_requests()
    document = plan_json(cli, changed)  # exit 0: no conflict
    change = next(c for c in document["changes"] if "preview-102" in c["address"])
    assert (change["action"], change["reason_code"]) == ("noop", "being_deleted")
    assert actions(document)["previews.api[shop/preview-101]"] == "update"
    assert document["summary"]["conflict"] == 0
    assert statuses_read(sandbox) == statuses_of(sandbox, "preview-102")  # the conflict's only


def test_a_plan_with_nothing_to_write_reads_no_statuses(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path)
    assert cli("apply", manifest, "--auto-approve").code == 0
    sandbox.clear_requests()
    assert cli("plan", manifest).code == 0
    assert not [r for r in sandbox.requests() if "status" in r["path"]]


def test_a_saved_plan_of_temporary_clones_is_not_stale_a_few_minutes_later(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path, policy="{expire_after: 7d}")
    saved = str(tmp_path / "plan.json")
    assert cli("plan", manifest, "--out", saved).code == 0
    sandbox.advance_clock(600)  # the fresh plan's activity time is ten minutes later
    result = cli("apply", "--plan", saved, "--auto-approve")
    assert result.code == 0 and "4 created" in result.out, result
    marker = read_marker(clone(sandbox, "preview-101", "api")["description"])
    assert marker is not None and marker.active is not None


def test_plan_and_apply_agree_on_deletes_already_under_way(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """A read-only plan reads the statuses where it deletes: clones already being deleted are
    neither deleted again nor counted by the mass-deletion guard (found in review: plan
    refused what apply carried out)."""
    three = ("environment: preview-101", "environment: preview-102", "environment: preview-103")
    manifest = write(tmp_path, policy="{prune: true}", targets=three, applications=["api"])
    assert cli("apply", manifest, "--auto-approve").code == 0
    sandbox.delete_seconds = 600
    one = write(tmp_path, policy="{prune: true}", targets=three[:1], applications=["api"])
    assert cli("apply", one, "--auto-approve", "--allow-deletes").code == 0
    planned = cli("plan", one, "--detailed-exitcode")
    applied = cli("apply", one, "--auto-approve")
    assert (planned.code, applied.code) == (0, 0), (planned, applied)
    assert "No changes" in planned.out and "0 deleted" in applied.out
