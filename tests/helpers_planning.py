"""Plain-data builders for the pure core's tests: API-shaped applications and desired clones.

``application`` builds a full ``Application`` as the API returns it (ids, timestamps,
server-derived fields); ``fresh_clone`` copies one the way Qovery's clone does (all the
configuration, fresh ids, not deployed). The golden cases (``test_golden``) use none of this:
their inputs are manifests and raw API listings.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any

from reconciler.core.model import (
    DesiredClone,
    DesiredState,
    EnvironmentRef,
    ObservedApplication,
    ObservedState,
    Policy,
)
from reconciler.core.plans import Action, Change, DriftItem, Endpoint

_ids = itertools.count(1)


def new_id(prefix: str = "0000") -> str:
    return f"{prefix}-{next(_ids):04d}-4000-8000-000000000000"


SOURCE_ENV = EnvironmentRef("env-staging", "staging", "proj-shop", "shop", "org-acme")
PREVIEW_1 = EnvironmentRef("env-preview-1", "preview-1", "proj-shop", "shop", "org-acme")
PREVIEW_2 = EnvironmentRef("env-preview-2", "preview-2", "proj-shop", "shop", "org-acme")


def application(app_id: str, name: str, env_id: str, **fields: Any) -> dict[str, Any]:
    """A full Application, as the API returns it; ``fields`` replace the defaults."""
    app: dict[str, Any] = {
        "id": app_id,
        "created_at": "2026-08-01T10:00:00Z",
        "updated_at": "2026-08-02T10:00:00Z",
        "environment": {"id": env_id},
        "git_repository": {
            "has_access": True,
            "provider": "GITHUB",
            "owner": "acme",
            "url": "https://github.com/acme/api.git",
            "name": "api",
            "branch": "main",
            "root_path": "/",
            "deployed_commit_id": "c0ffee",
            "deployed_commit_date": "2026-08-02T09:00:00Z",
            "git_token_id": None,
            "git_token_name": None,
        },
        "maximum_cpu": 16000,
        "maximum_memory": 16384,
        "maximun_gpu": 0,
        "name": name,
        "description": "the API",
        "build_mode": "DOCKER",
        "dockerfile_path": "Dockerfile",
        "cpu": 500,
        "memory": 512,
        "gpu": 0,
        "min_running_instances": 1,
        "max_running_instances": 2,
        "healthchecks": {
            "readiness_probe": {
                "type": {
                    "tcp": None,
                    "http": {"path": "/ready", "scheme": "HTTP", "port": 8080},
                    "exec": None,
                    "grpc": None,
                },
                "initial_delay_seconds": 30,
                "period_seconds": 10,
                "timeout_seconds": 5,
                "success_threshold": 1,
                "failure_threshold": 9,
            },
            "liveness_probe": None,
        },
        "auto_preview": True,
        "ports": [
            {
                "id": new_id("port"),
                "internal_port": 8080,
                "external_port": 443,
                "publicly_accessible": True,
                "is_default": True,
                "protocol": "HTTP",
                "name": "p8080",
            },
            {
                "id": new_id("port"),
                "internal_port": 9090,
                "publicly_accessible": False,
                "is_default": False,
                "protocol": "GRPC",
                "name": "p9090",
            },
        ],
        "storage": [
            {"id": new_id("stor"), "type": "FAST_SSD", "size": 10, "mount_point": "/mnt/data"},
        ],
        "arguments": ["--port", "8080"],
        "auto_deploy": True,
        "annotations_groups": [
            {
                "id": "ag-1",
                "created_at": "2026-01-01T00:00:00Z",
                "name": "team",
                "annotations": [{"key": "team", "value": "core"}],
                "scopes": ["PODS"],
            },
        ],
        "labels_groups": [],
        "icon_uri": "app://qovery-console/application",
        "service_type": "APPLICATION",
    }
    app.update(fields)
    return app


def fresh_clone(source: Mapping[str, Any], app_id: str, name: str, env_id: str) -> dict[str, Any]:
    """What Qovery's clone makes of ``source``: the configuration, fresh ids, not deployed."""
    clone = copy.deepcopy(dict(source))
    clone.update(
        id=app_id,
        name=name,
        environment={"id": env_id},
        created_at="2026-08-03T10:00:00Z",
        updated_at="2026-08-03T10:00:00Z",
    )
    for port in clone.get("ports", []):
        port["id"] = new_id("port")
    for entry in clone.get("storage", []):
        entry["id"] = new_id("stor")
    repo = clone.get("git_repository") or {}
    for key in [k for k in repo if k.startswith("deployed_commit_")]:
        del repo[key]
    return clone


def observed_app(config: Mapping[str, Any], status: str | None = None) -> ObservedApplication:
    return ObservedApplication(
        config["id"], config["name"], config["environment"]["id"], config, status
    )


def observed(
    *apps: ObservedApplication,
    failed: Mapping[str, str] | None = None,
    envs: tuple[EnvironmentRef, ...] = (SOURCE_ENV, PREVIEW_1, PREVIEW_2),
) -> ObservedState:
    by_env: dict[str, list[ObservedApplication]] = {env.id: [] for env in envs}
    for app in apps:
        by_env.setdefault(app.environment_id, []).append(app)
    for env_id in failed or {}:
        by_env.pop(env_id, None)
    return ObservedState({k: tuple(v) for k, v in by_env.items()}, dict(failed or {}))


def desired_clone(
    source: Mapping[str, Any],
    target_env: EnvironmentRef = PREVIEW_1,
    *,
    manifest: str = "previews",
    name: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    ignore: tuple[str, ...] = (),
    policy: Policy | None = None,
) -> DesiredClone:
    source_name = source["name"]
    return DesiredClone(
        address=f"{manifest}.{source_name}[{target_env.project_name}/{target_env.name}]",
        manifest=manifest,
        source_app_id=source["id"],
        source_app_name=source_name,
        source_env=SOURCE_ENV,
        target_env=target_env,
        name=name or source_name,
        overrides=dict(overrides or {}),
        ignore=ignore,
        policy=policy or Policy(),
    )


def desired(
    *clones: DesiredClone,
    prune: Mapping[str, tuple[EnvironmentRef, ...]] | None = None,
    policies: Mapping[str, Policy] | None = None,
    managed: tuple[str, ...] | None = None,
) -> DesiredState:
    all_policies = {c.manifest: c.policy for c in clones}
    all_policies.update(policies or {})
    return DesiredState(
        clones=clones,
        managed_manifests=managed if managed is not None else tuple(sorted(all_policies)),
        policies=all_policies,
        prune_environments=dict(prune or {}),
    )


def plan_change(name: str, action: Action, drift: tuple[DriftItem, ...] = ()) -> Change:
    """A ``Change`` of manifest ``m`` for a clone ``name`` in shop/preview-1 (owned); used by
    test_plan_queries and test_events."""
    side = Endpoint(None, name, "shop", "preview-1", "e1")
    return Change(f"m.{name}[shop/preview-1]", action, "m", side, side, owned=True, drift=drift)
