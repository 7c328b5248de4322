"""Helpers of the sandbox's tests: an httpx client on a running sandbox, demo ids."""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.sandbox import RunningSandbox


def client(sandbox: RunningSandbox, token: str | None = None) -> httpx.Client:
    auth = f"Token {sandbox.token if token is None else token}"
    return httpx.Client(base_url=sandbox.url, headers={"Authorization": auth}, timeout=10)


def app_named(sandbox: RunningSandbox, environment: str, name: str) -> dict[str, Any]:
    app = sandbox.application(environment, name)
    assert app is not None, f"no {name} in {environment}"
    return app


def edit_body(app: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An ApplicationEditRequest made from an Application, as a careful client would send it."""
    keys = (
        "name",
        "description",
        "build_mode",
        "dockerfile_path",
        "cpu",
        "memory",
        "gpu",
        "min_running_instances",
        "max_running_instances",
        "healthchecks",
        "auto_preview",
        "ports",
        "storage",
        "arguments",
        "entrypoint",
        "auto_deploy",
        "icon_uri",
        "docker_target_build_stage",
        "cpu_architecture",
    )
    body = {k: app[k] for k in keys if k in app}
    repo = app["git_repository"]
    body["git_repository"] = {
        k: repo[k] for k in ("url", "provider", "branch", "root_path", "git_token_id")
    }
    body["annotations_groups"] = [{"id": g["id"]} for g in app["annotations_groups"]]
    body["labels_groups"] = [{"id": g["id"]} for g in app["labels_groups"]]
    body.update(changes)
    return body
