"""Seeds with container registries, containers and jobs: defaults, references by name,
one clear ``SeedError`` for each mistake, and state files written before these kinds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers_sandbox import service_named

from reconciler.sandbox import SeedError, start
from reconciler.sandbox.seeding import build_state


def _seed(environment: dict[str, Any], **organization: Any) -> dict[str, Any]:
    env = {"name": "dev"} | environment
    org = {"name": "Initech", "projects": [{"name": "core", "environments": [env]}]}
    return {"organizations": [org | organization]}


def test_containers_and_jobs_take_their_defaults() -> None:
    git = {"url": "https://github.com/initech/report.git", "provider": "GITHUB"}
    seed = _seed(
        {
            "containers": [{"name": "Front"}, {"name": "idle", "deployed": False}],
            "jobs": [
                {"name": "tidy"},
                {"name": "report", "source": {"docker": {"git_repository": git}}},
            ],
        }
    )
    with start(seed) as sandbox:
        front = service_named(sandbox, "container", "dev", "front")
        tidy = service_named(sandbox, "job", "dev", "tidy")
        report = service_named(sandbox, "job", "dev", "report")
        deployments = sandbox.state()["deployments"]
        idle = service_named(sandbox, "container", "dev", "idle")
    versions = {
        name: deployments[service["id"]]["commit"]
        for name, service in (("front", front), ("tidy", tidy), ("report", report))
    }
    assert (front["image_name"], front["tag"], front["registry"]["name"]) == (
        "initech/front",
        "latest",
        "docker-hub",
    )
    assert [p["internal_port"] for p in front["ports"]] == [8080]
    assert front["healthchecks"]["readiness_probe"]["type"]["tcp"]["port"] == 8080
    assert tidy["schedule"] == {"on_start": {"arguments": []}, "lifecycle_type": "GENERIC"}
    assert tidy["source"]["image"]["image_name"] == "initech/tidy"
    assert report["source"]["docker"]["git_repository"]["deployed_commit_id"] == versions["report"]
    assert versions["front"] == versions["tidy"] == "latest"
    assert idle["id"] not in deployments


def test_registries_are_referred_to_by_name() -> None:
    registries = [
        {"name": "hub", "kind": "DOCKER_HUB", "url": "https://docker.io"},
        {"name": "ecr", "kind": "ECR", "url": "https://1234.dkr.ecr.eu-west-3.amazonaws.com"},
    ]
    job = {"name": "j", "source": {"image": {"registry": "ecr", "image_name": "j", "tag": "1"}}}
    seed = _seed(
        {"containers": [{"name": "c", "registry": "ecr"}], "jobs": [job]},
        container_registries=registries,
    )
    state = build_state(seed)
    [container] = state["containers"].values()
    [seeded_job] = state["jobs"].values()
    assert (
        container["registry"]["name"] == seeded_job["source"]["image"]["registry"]["name"] == "ecr"
    )
    assert [r["name"] for r in next(iter(state["registries"].values())).values()] == ["hub", "ecr"]


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            _seed({"containers": [{"name": "c", "registry": "quay"}]}),
            "no container registry named 'quay'",
        ),
        (
            _seed({"applications": [{"name": "api"}], "jobs": [{"name": "API"}]}),
            "jobs[0]: the name 'API' is taken in its environment",
        ),
        (
            _seed({"jobs": [{"name": "j", "ports": [{"internal_port": 80}]}]}),
            "jobs[0] (j): a job has no ports",
        ),
        (
            _seed(
                {}, container_registries=[{"name": "r", "kind": "QUAY", "url": "https://quay.io"}]
            ),
            "container_registries[0]: needs a 'url' and a 'kind'",
        ),
        (_seed({"containers": [{"name": "c", "cpu": 0}]}), "containers[0] (c): cpu must be"),
    ],
)
def test_a_bad_service_in_a_seed_is_one_clear_error(seed: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError, match=r"organizations\[0\]") as caught:
        build_state(seed)
    assert message in str(caught.value)


def test_a_state_file_from_before_containers_and_jobs_is_still_served(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    state = build_state(None)
    for key in ("containers", "jobs", "registries"):
        del state[key]
    path.write_text(json.dumps(state))
    with start(state_path=path) as sandbox:
        assert sandbox.services("container", "staging") == []
        assert [a["name"] for a in sandbox.applications("staging")] == ["api", "web", "worker"]
