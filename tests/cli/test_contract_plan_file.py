"""Contract 5/6/18: ``apply --plan FILE`` on a file that is not a plan of this format: one
clear line, exit 1, no request. An empty file said "Expecting value: line 1 column 1"; a plan
of another ``format_version`` listed schema differences instead of naming the version.

Section 18, "a saved plan is a request, not a licence": a saved plan edited by hand (its
``api_url`` removed, a change added or retargeted at an application no manifest declares,
its desired values changed) is refused with the address, nothing written; so is a plan
whose manifests changed or vanished since it was made, or that records none.

"Inputs are files, not streams": a plan file (or a manifest a plan records) that is a FIFO
or a device is refused at once, never read (a FIFO hung the tool, /dev/zero filled memory);
a plan nested 100000 lists deep is a clean error, not an internal RecursionError.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_client import fast_client
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named

from reconciler.core.fingerprints import fingerprint
from reconciler.sandbox import RunningSandbox


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


# ── a saved plan is a request, not a licence ────────────────────────────────────────────


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


def save_plan(cli: Callable[..., Any], tmp_path: Path, policy: str = "{}") -> tuple[Path, str]:
    manifest = write_manifest(tmp_path, demo_manifest(applications=("api",), policy=policy))
    saved = tmp_path / "plan.json"
    result = cli("plan", manifest, "--out", str(saved))
    assert result.code == 0, result
    return saved, manifest


def edit(saved: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(saved.read_text())
    change(document)
    saved.write_text(json.dumps(document))


def test_a_saved_plan_records_the_manifests_it_was_made_from(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_manifest(tmp_path, demo_manifest(applications=("api",)))
    assert cli("plan", "previews.yaml", "--out", "plan.json").code == 0
    (recorded,) = json.loads((tmp_path / "plan.json").read_text())["manifests"]
    assert recorded["path"] == "previews.yaml"
    assert len(recorded["sha256"]) == 64
    assert "manifests" not in json.loads(cli("plan", "previews.yaml", "--json").out)


def test_a_saved_plan_without_its_api_url_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved, _ = save_plan(cli, tmp_path)
    edit(saved, lambda document: document.update(api_url=None))
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert "does not say which API it was made against" in result.err
    assert writes(sandbox) == []
    assert sandbox.application("preview-101", "api") is None


def drifted_update_plan(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> tuple[Path, dict[str, Any]]:
    """A saved plan whose one writing change is an update of preview-101's api clone."""
    manifest = write_manifest(
        tmp_path, demo_manifest(applications=("api",), policy="{on_drift: correct}")
    )
    assert cli("apply", manifest, "--auto-approve").code == 0
    clone = sandbox.application("preview-101", "api")
    assert clone is not None
    sandbox.edit_out_of_band(clone["id"], cpu=900)
    saved = tmp_path / "plan.json"
    assert cli("plan", manifest, "--out", str(saved)).code == 0
    (update,) = [c for c in json.loads(saved.read_text())["changes"] if c["action"] == "update"]
    return saved, update


def undeclared_update(sandbox: RunningSandbox, update: dict[str, Any]) -> dict[str, Any]:
    """``update`` aimed at production's api, which no manifest declares, fingerprint right."""
    env_id = sandbox.environment_id("production")
    with fast_client(sandbox) as client:
        (target,) = [a for a in client.list_applications(env_id) if a["name"] == "api"]
    change = copy.deepcopy(update)
    change["address"] = "previews.api[shop/production]"
    change["target"] = {
        "application_id": target["id"],
        "name": "api",
        "project": "shop",
        "environment": "production",
        "environment_id": env_id,
    }
    change["owned"] = False
    change["fingerprints"]["target"] = fingerprint(target)
    change["desired"] = {"cpu": 3000}
    return change


@pytest.mark.parametrize("how", ["added", "retargeted"])
def test_a_saved_plan_edited_to_update_an_undeclared_application_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, how: str
) -> None:
    saved, update = drifted_update_plan(cli, sandbox, tmp_path)
    tampered = undeclared_update(sandbox, update)

    def tamper(document: dict[str, Any]) -> None:
        if how == "added":
            document["changes"].append(tampered)
        else:
            document["changes"] = [tampered]

    edit(saved, tamper)
    production_api = sandbox.application("production", "api")
    assert production_api is not None
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert "stale" in result.err
    assert "previews.api[shop/production]: no manifest" in result.err
    assert writes(sandbox) == []
    with fast_client(sandbox) as client:
        after = client.get_application(production_api["id"])
    assert after["cpu"] == production_api["cpu"] == 500
    assert after["description"] == production_api["description"]


def test_a_saved_plan_whose_desired_values_were_edited_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved, _ = save_plan(cli, tmp_path)

    def tamper(document: dict[str, Any]) -> None:
        (create,) = [c for c in document["changes"] if c["target"]["environment"] == "preview-101"]
        create["desired"]["cpu"] = 3000

    edit(saved, tamper)
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert "previews.api[shop/preview-101]: a fresh plan would make another change" in result.err
    assert "desired values" in result.err
    assert "previews.api[shop/preview-102]" not in result.err
    assert writes(sandbox) == []
    assert sandbox.application("preview-101", "api") is None


def test_a_saved_plan_whose_action_was_edited_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved, update = drifted_update_plan(cli, sandbox, tmp_path)

    def tamper(document: dict[str, Any]) -> None:
        for change in document["changes"]:
            if change["address"] == update["address"]:
                change.update(action="delete", steps=["delete"])

    edit(saved, tamper)
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert f"{update['address']}: a fresh plan would update it, not delete" in result.err
    assert writes(sandbox) == []


@pytest.mark.parametrize("how", ["changed", "vanished"])
def test_a_saved_plan_whose_manifest_changed_or_vanished_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, how: str
) -> None:
    saved, manifest = save_plan(cli, tmp_path)
    if how == "changed":
        write_manifest(tmp_path, demo_manifest(applications=("api",), overrides="cpu: 300"))
    else:
        Path(manifest).unlink()
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    expected = "changed since the plan was made" if how == "changed" else "has vanished since"
    assert f"manifest {manifest} {expected}" in result.err
    assert sandbox.requests() == []


def test_a_plan_that_records_no_manifests_is_refused(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest(applications=("api",)))
    saved = tmp_path / "plan.json"
    saved.write_text(cli("plan", manifest, "--json").out)  # plan --json, not plan --out
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert "does not record the manifests it was made from" in result.err
    assert sandbox.requests() == []


# ── inputs are files, not streams ──────────────────────────────────────────────────────


def run_with_timeout(cli: Callable[..., Any], fifo: Path, *argv: str) -> Any:
    """Run the CLI in a thread; if it is still blocked on ``fifo`` after 10 s, unblock it
    (a writer that closes at once gives the reader end-of-file) and fail."""
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(cli(*argv)), daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail(f"reconciler {' '.join(argv)} blocked reading the FIFO {fifo}")
    return results[0]


def test_a_plan_file_that_is_a_fifo_is_refused_unread(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    sandbox.clear_requests()
    result = run_with_timeout(cli, fifo, "apply", "--plan", str(fifo))
    assert result.code == 1, result
    assert result.err == (
        f"error: the plan file {fifo} is a FIFO (named pipe), not a regular file: not read\n"
    )
    assert sandbox.requests() == []


def test_a_manifest_a_saved_plan_records_that_is_a_fifo_is_refused_unread(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved, _ = save_plan(cli, tmp_path)
    fifo = tmp_path / "manifest.yaml"
    os.mkfifo(fifo)
    edit(saved, lambda document: document["manifests"][0].update(path=str(fifo)))
    sandbox.clear_requests()
    result = run_with_timeout(cli, fifo, "apply", "--plan", str(saved))
    assert result.code == 1, result
    assert f"manifest {fifo} cannot be read again" in result.err
    assert "is a FIFO (named pipe), not a regular file: not read" in result.err
    assert sandbox.requests() == []


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a device"), (".", "a directory")])
def test_a_plan_file_that_is_a_device_or_a_directory_is_refused_unread(
    cli: Callable[..., Any], path: str, kind: str
) -> None:
    result = cli("apply", "--plan", path)
    assert result.code == 1, result
    assert result.err == f"error: the plan file {path} is {kind}, not a regular file: not read\n"


@pytest.mark.parametrize("depth", [100_000, 500])
def test_a_plan_nested_deeper_than_any_plan_is_a_clean_error(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, depth: int
) -> None:
    saved, _ = save_plan(cli, tmp_path)
    document = saved.read_text()
    if depth > 1000:  # beyond what the JSON parser itself can nest
        saved.write_text("[" * depth + "]" * depth)
    else:  # within what the parser can nest, in a value the schema does not look into
        nested = "[" * depth + "]" * depth
        saved.write_text(document.replace('"desired": {', f'"desired": {{"x": {nested}, ', 1))
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert result.code == 1, result
    assert result.err == (
        f"error: {saved} is not a plan file: it is nested more than 64 levels deep, "
        "deeper than any plan\n"
    )
    assert sandbox.requests() == []


# ── apply --plan --target checks only what it carries out ───────────────────────────────


def test_a_targeted_saved_plan_is_checked_only_for_the_changes_it_carries_out(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_manifest(
        tmp_path, demo_manifest(applications=("api",), policy="{on_drift: correct}")
    )
    assert cli("apply", manifest, "--auto-approve").code == 0
    clones = {env: app_named(sandbox, env, "api") for env in ("preview-101", "preview-102")}
    for clone in clones.values():
        assert clone is not None
        sandbox.edit_out_of_band(clone["id"], cpu=900)
    saved = tmp_path / "plan.json"
    assert cli("plan", manifest, "--out", str(saved)).code == 0
    sandbox.edit_out_of_band(clones["preview-101"]["id"], cpu=901)  # stale for 101 only

    refused = cli("apply", "--plan", str(saved), "--target", "previews.api[*]")
    assert refused.code == 1, refused
    assert "previews.api[shop/preview-101]: the target changed" in refused.err
    assert "preview-102" not in refused.err

    result = cli("apply", "--plan", str(saved), "--target", "previews.api[shop/preview-102]")
    assert result.code == 0, result
    assert "0 created, 1 updated" in result.out
    with fast_client(sandbox) as client:
        assert client.get_application(clones["preview-102"]["id"])["cpu"] == 250
        assert client.get_application(clones["preview-101"]["id"])["cpu"] == 901
