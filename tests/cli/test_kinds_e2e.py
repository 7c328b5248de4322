"""Containers and jobs end to end: the real CLI in-process, the real client and executor, the
sandbox over loopback. A manifest naming an application, a container and a job (with and
without ``kind:``) clones all three and the next plan is empty; drift, prune, adopt, a name
taken by another kind, and overrides the resolved kind lacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import PREVIEW_TARGETS, demo_manifest, write_manifest
from helpers_sandbox import client, service_named

from reconciler.core.ownership import read_marker
from reconciler.sandbox import RunningSandbox

SOURCES = ("api", "frontend", "name: db-seed\nkind: job\noverrides: {max_duration_seconds: 900}")


def write(tmp_path: Path, sources: tuple[str, ...] = SOURCES, policy: str = "{}") -> str:
    text = demo_manifest(applications=sources, targets=PREVIEW_TARGETS, policy=policy)
    return write_manifest(tmp_path, text)


def owner(service: dict[str, Any]) -> str | None:
    marker = read_marker(service.get("description"))
    return marker.manifest if marker else None


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


def test_an_application_a_container_and_a_job_are_cloned_and_the_next_plan_is_empty(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path)
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    assert "6 created, 0 updated, 0 deleted, 0 failed, 0 conflicts" in result.out
    for env in ("preview-101", "preview-102"):
        frontend = service_named(sandbox, "container", env, "frontend")
        seed = service_named(sandbox, "job", env, "db-seed")
        assert owner(frontend) == owner(seed) == "previews"
        assert frontend["cpu"] == 250 and frontend["tag"] == "1.4.2"
        assert seed["cpu"] == 250 and seed["max_duration_seconds"] == 900
        assert sandbox.application(env, "api") is not None
    sandbox.clear_requests()
    again = cli("plan", manifest, "--detailed-exitcode", "--json")
    assert again.code == 0, again
    changes = json.loads(again.out)["changes"]
    kinds = {(c["source"]["kind"], c["target"]["kind"]) for c in changes}
    assert kinds == {("application", "application"), ("container", "container"), ("job", "job")}
    listed = [r["path"] for r in sandbox.requests() if r["path"].startswith("/environment/")]
    assert sorted(listed) == sorted(set(listed)), "a listing was read twice"


def test_container_and_job_drift_is_reported_then_corrected(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write(tmp_path)
    assert cli("apply", manifest, "--auto-approve").code == 0
    frontend = service_named(sandbox, "container", "preview-101", "frontend")
    seed = service_named(sandbox, "job", "preview-101", "db-seed")
    sandbox.edit_service_out_of_band("container", frontend["id"], tag="hotfix", memory=999)
    sandbox.edit_service_out_of_band("job", seed["id"], max_nb_restart=3)
    report = cli("plan", manifest, "--detailed-exitcode")
    assert report.code == 0, report  # drift only reported: nothing to change
    assert 'tag: "hotfix", declared "1.4.2"' in report.out
    assert "max_nb_restart: 3, declared 0" in report.out
    corrected = write(tmp_path, policy="{on_drift: correct}")
    result = cli("apply", corrected, "--auto-approve")
    assert result.code == 0, result
    assert service_named(sandbox, "container", "preview-101", "frontend")["tag"] == "1.4.2"
    assert service_named(sandbox, "job", "preview-101", "db-seed")["max_nb_restart"] == 0
    assert "No changes." in cli("plan", corrected).out


def test_clones_no_longer_declared_are_pruned_per_kind(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path), "--auto-approve").code == 0
    sandbox.clear_requests()
    text = demo_manifest(
        applications=SOURCES, targets=("environment: preview-101",), policy="{prune: true}"
    )
    result = cli("apply", write_manifest(tmp_path, text), "--auto-approve", "--allow-deletes")
    assert result.code == 0, result
    assert "0 created, 0 updated, 3 deleted" in result.out
    deleted = sorted(w.split("/")[1] for w in writes(sandbox) if w.startswith("DELETE"))
    assert deleted == ["application", "container", "job"]
    assert sandbox.service("job", "preview-102", "db-seed") is None
    assert sandbox.service("container", "preview-102", "frontend") is None
    assert sandbox.service("job", "preview-101", "db-seed") is not None


def test_an_unowned_container_is_a_conflict_until_adopted(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env_id = sandbox.environment_id("preview-101")
    source = service_named(sandbox, "container", "staging", "frontend")
    answer = sandbox_post(sandbox, f"/container/{source['id']}/clone", env_id)
    assert answer.status_code == 202, answer.text
    sandbox.edit_service_out_of_band("container", answer.json()["id"], tag="someone-elses")
    manifest = write(tmp_path, sources=("frontend",))
    sandbox.clear_requests()
    conflict = cli("apply", manifest, "--auto-approve")
    assert conflict.code == 1, conflict
    assert "previews.frontend[shop/preview-101]" in conflict.out and "not managed" in conflict.out
    assert owner(service_named(sandbox, "container", "preview-101", "frontend")) is None
    adopted = cli("apply", write(tmp_path, ("frontend",), "{adopt: true}"), "--auto-approve")
    assert adopted.code == 0, adopted
    assert owner(service_named(sandbox, "container", "preview-101", "frontend")) == "previews"


def sandbox_post(sandbox: RunningSandbox, path: str, env_id: str) -> Any:
    with client(sandbox) as http:
        return http.post(path, json={"name": "frontend", "environment_id": env_id})


def test_a_name_taken_by_another_kind_in_the_target_is_a_conflict(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert sandbox.application("preview-101", "web") is None
    assert cli("apply", write(tmp_path, sources=("web",)), "--auto-approve").code == 0
    text = demo_manifest(
        name="fronts", applications=("frontend",), targets=PREVIEW_TARGETS, template="web"
    )
    sandbox.clear_requests()
    result = cli("apply", write_manifest(tmp_path, text, "fronts.yaml"), "--auto-approve")
    assert result.code == 1, result
    assert "the name is taken by an application" in result.out
    assert not [w for w in writes(sandbox) if "/container/" in w]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "name: db-seed\noverrides: {ports: []}",
            "db-seed: override 'ports' is not a field of a job — did you mean 'port'?",
        ),
        (
            "name: frontend\noverrides: {git_repository: {branch: x}}",
            "frontend: override 'git_repository' is not a field of a container",
        ),
        (
            "name: redis",
            "no application, container or job 'redis' in environment shop/staging",
        ),
    ],
)
def test_an_override_the_resolved_kind_lacks_is_refused_before_any_write(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, entry: str, message: str
) -> None:
    manifest = write(tmp_path, sources=(entry,))
    sandbox.clear_requests()
    result = cli("plan", manifest)
    assert result.code == 1, result
    assert message in result.err and "Traceback" not in result.err
    assert f"{manifest}:" in result.err
    assert writes(sandbox) == []


def test_a_saved_plan_of_containers_and_jobs_applies_and_is_stale_when_one_changed(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    saved = str(tmp_path / "plan.json")
    manifest = write(tmp_path)
    assert cli("plan", manifest, "--out", saved).code == 0
    result = cli("apply", "--plan", saved)
    assert result.code == 0, result
    assert "6 created" in result.out
    frontend = service_named(sandbox, "container", "preview-101", "frontend")
    sandbox.edit_service_out_of_band("container", frontend["id"], tag="hotfix")
    corrected = write(tmp_path, policy="{on_drift: correct}")
    assert cli("plan", corrected, "--out", saved).code == 0
    sandbox.edit_service_out_of_band("container", frontend["id"], tag="hotfix-2")
    seed = service_named(sandbox, "job", "staging", "db-seed")
    sandbox.edit_service_out_of_band("job", seed["id"], max_nb_restart=2)  # a source it read
    sandbox.clear_requests()
    stale = cli("apply", "--plan", saved)
    assert stale.code == 1 and "stale" in stale.err, stale
    assert "previews.frontend[shop/preview-101]: the target changed" in stale.err
    assert "previews.db-seed[shop/preview-101]: the source changed" in stale.err
    assert writes(sandbox) == []


def test_a_container_and_a_job_are_renamed_in_place_and_deployed_per_kind(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path, policy="{deploy: true}"), "--auto-approve").code == 0
    first = service_named(sandbox, "container", "preview-101", "frontend")
    assert sandbox.service("container", "preview-101", "frontend") is not None
    text = demo_manifest(
        applications=SOURCES, targets=PREVIEW_TARGETS, template="{app}-pr", policy="{deploy: true}"
    )
    result = cli("apply", write_manifest(tmp_path, text), "--auto-approve")
    assert result.code == 0, result
    assert "0 created, 6 updated, 0 deleted" in result.out
    renamed = service_named(sandbox, "container", "preview-101", "frontend-pr")
    assert renamed["id"] == first["id"]
    assert service_named(sandbox, "job", "preview-101", "db-seed-pr")["max_duration_seconds"] == 900
    deploys = [w for w in writes(sandbox) if w.endswith("/deploy")]
    assert deploys and all(w.endswith("/service/deploy") for w in deploys)  # per environment
    for kind, name in (("container", "frontend-pr"), ("job", "db-seed-pr")):
        deployed = service_named(sandbox, kind, "preview-101", name)["id"]
        assert sandbox.state()["deployments"][deployed]["count"] >= 1
