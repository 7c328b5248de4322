"""Helpers of the sandbox's tests: the demo seed read once (``demo_seed``), an httpx client on
a running sandbox, demo ids, and the edit bodies a careful client makes from what it read
(applications, containers, jobs)."""

from __future__ import annotations

import copy
import functools
from importlib import resources
from typing import Any

import httpx
import yaml

from reconciler.sandbox import RunningSandbox


@functools.cache
def _demo_seed() -> dict[str, Any]:
    text = resources.files("reconciler.sandbox").joinpath("demo-seed.yaml").read_text("utf-8")
    seed: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return seed


def demo_seed() -> dict[str, Any]:
    """The sandbox's demo seed as data, parsed once per run (``start()`` parses the YAML at
    every start, which is most of its cost); a copy of its own for each caller."""
    return copy.deepcopy(_demo_seed())


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


def service_named(
    sandbox: RunningSandbox, kind: str, environment: str, name: str
) -> dict[str, Any]:
    """The container or job (``kind``) named ``name`` in ``environment``."""
    service = sandbox.service(kind, environment, name)
    assert service is not None, f"no {kind} {name} in {environment}"
    return service


def _groups_and_rest(service: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    body = {k: service[k] for k in keys if k in service}
    body["annotations_groups"] = [{"id": g["id"]} for g in service["annotations_groups"]]
    body["labels_groups"] = [{"id": g["id"]} for g in service["labels_groups"]]
    return body


def container_body(container: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A ContainerRequest made from a ContainerResponse, as a careful client would send it."""
    keys = (
        "name",
        "description",
        "registry_id",
        "image_name",
        "tag",
        "arguments",
        "entrypoint",
        "cpu",
        "memory",
        "gpu",
        "ephemeral_storage_in_gib",
        "cpu_architecture",
        "min_running_instances",
        "max_running_instances",
        "healthchecks",
        "auto_preview",
        "ports",
        "storage",
        "auto_deploy",
        "icon_uri",
    )
    return _groups_and_rest(container, keys) | changes


def job_body(job: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A JobRequest made from a JobResponse, as a careful client would send it."""
    keys = (
        "name",
        "description",
        "cpu",
        "memory",
        "gpu",
        "ephemeral_storage_in_gib",
        "max_nb_restart",
        "max_duration_seconds",
        "auto_preview",
        "port",
        "cpu_architecture",
        "healthchecks",
        "schedule",
        "auto_deploy",
        "icon_uri",
    )
    body = _groups_and_rest(job, keys)
    source = job["source"]
    if "image" in source:
        image = source["image"]
        body["source"] = {"image": {k: image[k] for k in ("image_name", "tag", "registry_id")}}
    else:
        docker = dict(source["docker"])
        repo = docker["git_repository"]
        docker["git_repository"] = {
            k: repo[k] for k in ("url", "provider", "branch", "root_path", "git_token_id")
        }
        body["source"] = {"docker": docker}
    return body | changes
