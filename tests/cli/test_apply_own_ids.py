"""apply end to end: clones of one source listed with the same configuration but for the ids
of their ports share one normalised body (``core.derivations``, ``core.per_body``); each edit
body must still carry its own target's ids, so that no entry is recreated or refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.sandbox import RunningSandbox

ENVS = ("preview-101", "preview-102")


def _api(sandbox: RunningSandbox, env: str) -> dict[str, Any]:
    env_id = sandbox.environment_id(env)
    (found,) = [
        a
        for a in sandbox.state()["applications"].values()
        if a["environment"]["id"] == env_id and a["name"] == "api"
    ]
    return found


def _port_ids(app: dict[str, Any]) -> dict[int, str]:
    return {port["internal_port"]: port["id"] for port in app["ports"]}


@pytest.mark.parametrize(
    ("policy", "ignore"),
    [
        ("{}", None),
        ("{follow_source: false}", None),
        ("{}", "[max_running_instances]"),
        ("{}", '["ports[8080].name"]'),
        ("{follow_source: false}", '["ports[8080].name"]'),
    ],
)
def test_clones_sharing_a_listed_body_are_each_edited_with_their_own_port_ids(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, policy: str, ignore: str
) -> None:
    def manifest(cpu: int) -> str:
        text = demo_manifest(
            applications=("api",),
            overrides=f"cpu: {cpu}\nports:\n  - {{internal_port: 8080, publicly_accessible: true}}",
            policy=policy,
        )
        if ignore is not None:
            text += f"  ignore: {ignore}\n"
        return write_manifest(tmp_path, text)

    created = cli("apply", manifest(250), "--auto-approve")
    assert created.code == 0, created
    before = {env: _port_ids(_api(sandbox, env)) for env in ENVS}
    assert before[ENVS[0]] != before[ENVS[1]]  # each clone's port has an id of its own
    updated = cli("apply", manifest(300), "--auto-approve")
    assert updated.code == 0, updated
    assert "0 created, 2 updated" in updated.out, updated
    for env in ENVS:
        app = _api(sandbox, env)
        assert app["cpu"] == 300
        assert _port_ids(app) == before[env], env  # kept: not recreated, not another's
