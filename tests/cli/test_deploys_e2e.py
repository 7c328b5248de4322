"""Deploys end to end (contract section 12): ``policy.deploy: on_create | on_change``, each
clone at the right build, ONE ``POST /environment/{id}/service/deploy`` per environment and
apply, the statuses read per environment, and a failed build that fails only its clone.
The real CLI in-process, the real client, the sandbox over loopback; the sandbox's branch
heads and failing builds are seeded in its store (``sandbox.deploys``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import client

from reconciler.sandbox import RunningSandbox
from reconciler.sandbox.deploys import branch_head, fail_deploys_of, seed_branch

Cli = Callable[..., Any]
PREVIEWS = ("preview-101", "preview-102", "preview-103")
TARGETS = tuple(f"environment: {env}" for env in PREVIEWS)
BRANCH = 'cpu: 250\ngit_repository: {branch: "{environment}"}'
ENV_DEPLOY = "/environment/{id}/service/deploy"


def write(
    tmp_path: Path,
    policy: str,
    *,
    targets: Sequence[str] = TARGETS,
    overrides: str = BRANCH,
) -> str:
    text = demo_manifest(targets=targets, policy=policy, overrides=overrides)
    return write_manifest(tmp_path, text)


def deploy_requests(sandbox: RunningSandbox) -> Counter[str]:
    """How many environment-wide deploys each environment got; fails on any other deploy."""
    posts = [r["path"] for r in sandbox.requests() if r["method"] == "POST"]
    assert not [p for p in posts if p.endswith("/deploy") and "/service/" not in p], posts
    ids = {sandbox.environment_id(env): env for env in PREVIEWS}
    return Counter(ids[p.split("/")[2]] for p in posts if p.endswith("/service/deploy"))


def deployed_commit(sandbox: RunningSandbox, env: str, name: str) -> str | None:
    app = sandbox.application(env, name)
    assert app is not None, f"no {name} in {env}"
    commit = app["git_repository"].get("deployed_commit_id")
    return str(commit) if commit else None


def head(sandbox: RunningSandbox, url: str, branch: str) -> str:
    return branch_head(sandbox.state(), url, branch)


def test_on_create_deploys_each_preview_at_its_own_branch_head_in_one_request_per_environment(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.0
    seed_branch(sandbox.store, "https://github.com/acme/api.git", "preview-101", "a" * 40)
    staging_commit = deployed_commit(sandbox, "staging", "api")
    sandbox.clear_requests()
    result = cli("apply", write(tmp_path, "{deploy: on_create}"), "--auto-approve")
    assert result.code == 0, result
    assert deploy_requests(sandbox) == Counter(dict.fromkeys(PREVIEWS, 1))
    assert deployed_commit(sandbox, "preview-101", "api") == "a" * 40  # the seeded head
    for env in PREVIEWS:
        for name in ("api", "web"):
            url = f"https://github.com/acme/{name}.git"
            assert deployed_commit(sandbox, env, name) == head(sandbox, url, env)
            assert deployed_commit(sandbox, env, name) != staging_commit
    assert (result.out + result.err).count(", deployed") == 6, result.out
    sandbox.clear_requests()
    again = cli("apply", write(tmp_path, "{deploy: on_create}"), "--auto-approve")
    assert again.code == 0 and deploy_requests(sandbox) == Counter(), again


def test_without_a_branch_override_a_clone_runs_the_source_commit(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.0
    staging_commit = deployed_commit(sandbox, "staging", "api")
    manifest = write(tmp_path, "{deploy: true}", overrides="cpu: 250")
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert staging_commit and deployed_commit(sandbox, "preview-102", "api") == staging_commit


def test_on_change_redeploys_exactly_the_clones_an_edited_override_touches_once(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.0

    def targets(memory: int) -> tuple[str, ...]:
        return (
            "environment: preview-101",
            f"environment: preview-102\noverrides: {{memory: {memory}}}",
            "environment: preview-103",
        )

    first = write(tmp_path, "{deploy: on_change}", targets=targets(768))
    assert cli("apply", first, "--auto-approve").code == 0
    before = sandbox.state()["deployments"]
    sandbox.clear_requests()
    edited = write(tmp_path, "{deploy: on_change}", targets=targets(1024))
    result = cli("apply", edited, "--auto-approve")
    assert result.code == 0, result
    assert deploy_requests(sandbox) == Counter({"preview-102": 1})
    assert (result.out + result.err).count("updated, deployed") == 2, result.out
    after = sandbox.state()["deployments"]
    for env in ("preview-101", "preview-103"):
        for name in ("api", "web"):
            app = sandbox.application(env, name)
            assert app is not None and after[app["id"]] == before[app["id"]]
    for name in ("api", "web"):
        app = sandbox.application("preview-102", name)
        assert app is not None and app["memory"] == 1024
        assert after[app["id"]]["count"] == 2  # deployed at its creation, then once more
    sandbox.clear_requests()
    assert cli("apply", edited, "--auto-approve").code == 0
    assert deploy_requests(sandbox) == Counter()


def test_on_change_redeploys_a_clone_that_qovery_reports_out_of_date(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.0
    manifest = write(tmp_path, "{deploy: on_change}")
    assert cli("apply", manifest, "--auto-approve").code == 0
    app = sandbox.application("preview-103", "web")
    assert app is not None
    state = sandbox.state()
    state["deployments"][app["id"]]["out_of_date"] = True  # e.g. a variable set by hand
    sandbox.replace_state(state)
    plan = cli("plan", manifest)
    assert "out of date" in plan.out, plan
    sandbox.clear_requests()
    assert cli("apply", manifest, "--auto-approve").code == 0
    assert deploy_requests(sandbox) == Counter({"preview-103": 1})


def test_a_failed_build_fails_its_clone_and_the_others_deploy(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 0.0
    seed_branch(sandbox.store, "https://github.com/acme/api.git", "preview-102", "b" * 40)
    fail_deploys_of(sandbox.store, "b" * 40, "BUILD_ERROR")
    sandbox.clear_requests()
    result = cli("apply", write(tmp_path, "{deploy: on_create}"), "--auto-approve")
    assert result.code == 1, result
    assert deploy_requests(sandbox) == Counter(dict.fromkeys(PREVIEWS, 1))
    assert "BUILD_ERROR" in result.err, result
    assert (result.out + result.err).count(", deployed") == 5, result.out
    assert deployed_commit(sandbox, "preview-102", "api") is None
    assert deployed_commit(sandbox, "preview-102", "web") is not None


def test_a_deploy_that_does_not_settle_fails_after_the_deploy_timeout(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.deploy_seconds = 3600.0  # the sandbox's clock is not moved: it never settles
    manifest = write(tmp_path, "{deploy: true}", targets=("environment: preview-101",))
    result = cli("apply", manifest, "--auto-approve", "--deploy-timeout", "0.5")
    assert result.code == 1, result
    assert (result.out + result.err).count("did not settle within 0.5s") == 2, result.out


def test_a_container_whose_rendered_tag_is_empty_is_refused_before_any_write(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    text = demo_manifest(
        applications=("name: frontend\noverrides: {tag: ' '}",),
        targets=("environment: preview-101",),
        policy="{deploy: true}",
        overrides=None,
    )
    sandbox.clear_requests()
    result = cli("apply", write_manifest(tmp_path, text), "--auto-approve")
    assert result.code != 0, result
    assert "tag is empty once rendered" in result.out + result.err, result
    assert [r for r in sandbox.requests() if r["method"] != "GET"] == []


def test_a_job_built_from_its_own_branch_deploys_that_branch_head(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Contract 12: a clone built from another branch than its source is never deployed at
    the source's commit; for a job built from a Dockerfile as for an application."""
    sandbox.deploy_seconds = 0.0
    url = "https://github.com/acme/cleaner.git"
    docker = {"git_repository": {"url": url, "provider": "GITHUB"}, "dockerfile_path": "Dockerfile"}
    body = {"name": "cleaner", "healthchecks": {}, "source": {"docker": docker}}
    body["schedule"] = {"cronjob": {"scheduled_at": "0 3 * * *"}}
    with client(sandbox) as http:
        job = http.post(f"/environment/{sandbox.environment_id('staging')}/job", json=body)
        assert job.status_code == 201, job.text
        deployed = http.post(f"/job/{job.json()['id']}/deploy", json={"git_commit_id": "5" * 40})
        assert deployed.status_code == 202, deployed.text
    seed_branch(sandbox.store, url, "preview-101", "b" * 40)
    entry = (
        "name: cleaner\nkind: job\n"
        'overrides: {source: {docker: {git_repository: {branch: "{environment}"}}}}'
    )
    text = demo_manifest(applications=[entry], targets=TARGETS[:2], overrides=None)
    manifest = write_manifest(
        tmp_path, text.replace("targets:", "policy: {deploy: on_create}\n  targets:")
    )
    sandbox.clear_requests()
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    commits = {}
    for env in PREVIEWS[:2]:
        clone = sandbox.service("job", env, "cleaner")
        assert clone is not None
        git = clone["source"]["docker"]["git_repository"]
        assert git["branch"] == env
        commits[env] = git.get("deployed_commit_id")
    assert commits == {"preview-101": "b" * 40, "preview-102": head(sandbox, url, "preview-102")}
    paths = [r["path"] for r in sandbox.requests() if r["path"].endswith("/commit")]
    assert len(paths) == 2 and all(p.startswith("/job/") for p in paths), paths
