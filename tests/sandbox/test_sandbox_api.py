"""The sandbox's Qovery semantics, over real sockets: lists, CRUD, clone, deploy, auth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named, client, edit_body

from reconciler.core.ownership import read_marker
from reconciler.sandbox import RunningSandbox


def test_the_demo_hierarchy_is_listed_by_name(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        orgs = http.get("/organization").json()["results"]
        assert [o["name"] for o in orgs] == ["Acme", "Globex"]
        acme = orgs[0]["id"]
        projects = http.get(f"/organization/{acme}/project").json()["results"]
        assert {p["name"]: p["associated_environments_count"] for p in projects} == {
            "shop": 5,
            "data": 2,
        }
        shop = next(p["id"] for p in projects if p["name"] == "shop")
        envs = http.get(f"/project/{shop}/environment").json()["results"]
        assert [(e["name"], e["mode"]) for e in envs] == [
            ("staging", "STAGING"),
            ("production", "PRODUCTION"),
            ("preview-101", "PREVIEW"),
            ("preview-102", "PREVIEW"),
            ("preview-103", "PREVIEW"),
        ]
        all_envs = http.get(f"/organization/{acme}/environments").json()["results"]
        assert len(all_envs) == 7
        assert {e["project"]["id"] for e in all_envs} == {p["id"] for p in projects}


def test_demo_applications_have_their_documented_configuration(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        staging = sandbox.environment_id("staging")
        apps = {
            a["name"]: a for a in http.get(f"/environment/{staging}/application").json()["results"]
        }
    api, web, worker = apps["api"], apps["web"], apps["worker"]
    assert (
        api["cpu"],
        api["memory"],
        api["min_running_instances"],
        api["max_running_instances"],
    ) == (500, 512, 1, 3)
    assert [
        (p["internal_port"], p["is_default"], p["publicly_accessible"]) for p in api["ports"]
    ] == [(8080, True, True)]
    assert api["healthchecks"]["readiness_probe"]["type"]["http"]["path"] == "/health"
    assert api["git_repository"]["branch"] == "main" and api["git_repository"]["deployed_commit_id"]
    assert (web["cpu"], web["memory"], web["arguments"]) == (250, 256, ["--production"])
    assert web["healthchecks"]["liveness_probe"]["type"]["tcp"]["port"] == 3000
    assert worker["ports"] == [] and worker["entrypoint"] == "/app/worker"
    assert worker["healthchecks"] == {"readiness_probe": None, "liveness_probe": None}
    assert [(s["size"], s["mount_point"]) for s in worker["storage"]] == [(10, "/mnt/data")]
    assert "autoscaling" not in worker
    assert sandbox.application("production", "API") is not None
    assert sandbox.applications("preview-101") == []
    assert [a["name"] for a in sandbox.applications("qa")] == ["legacy"]


def test_the_demo_seed_is_reproducible() -> None:
    from reconciler.sandbox import start

    with start() as one, start() as two:
        assert one.state() == two.state()


def test_unknown_ids_and_paths_are_404_json(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        for path in (
            "/application/nope",
            "/environment/nope/application",
            "/project/x/environment",
            "/nothing",
        ):
            response = http.get(path)
            assert response.status_code == 404, path
            assert response.json()["status"] == 404 and response.json()["detail"]
        assert http.delete("/application/nope").status_code == 404


@pytest.mark.parametrize("header", ["Token {t}", "Bearer {t}"])
def test_token_and_bearer_are_accepted(sandbox: RunningSandbox, header: str) -> None:
    with client(sandbox) as http:
        response = http.get(
            "/organization", headers={"Authorization": header.format(t=sandbox.token)}
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Token wrong"}, {"Authorization": "Basic x"}]
)
def test_missing_or_wrong_token_is_401(sandbox: RunningSandbox, headers: dict[str, str]) -> None:
    with client(sandbox) as http:
        http.headers.pop("Authorization")
        response = http.get("/organization", headers=headers)
        admin = http.get("/_sandbox/state", headers=headers)
    assert response.status_code == 401 and response.json()["status"] == 401
    assert sandbox.token not in response.text
    assert admin.status_code == 401


def test_create_get_edit_delete(sandbox: RunningSandbox) -> None:
    env = sandbox.environment_id("analytics")
    body = {
        "name": "fresh",
        "git_repository": {"url": "https://github.com/acme/fresh.git", "provider": "GITHUB"},
        "healthchecks": {},
    }
    with client(sandbox) as http:
        created = http.post(f"/environment/{env}/application", json=body)
        assert created.status_code == 201
        app = created.json()
        assert (app["cpu"], app["memory"], app["environment"]["id"]) == (500, 512, env)
        assert app["git_repository"]["owner"] == "acme" and app["git_repository"]["name"] == "fresh"
        assert "deployed_commit_id" not in app["git_repository"]
        assert http.get(f"/application/{app['id']}").json() == app
        edited = http.put(f"/application/{app['id']}", json=edit_body(app, cpu=750))
        assert edited.status_code == 200 and edited.json()["cpu"] == 750
        assert edited.json()["updated_at"] >= app["updated_at"]
        assert http.delete(f"/application/{app['id']}").status_code == 204
        assert http.get(f"/application/{app['id']}").status_code == 404


@pytest.mark.parametrize("name", ["api", "API", "Api"])
def test_duplicate_names_are_409_in_any_case(sandbox: RunningSandbox, name: str) -> None:
    staging = sandbox.environment_id("staging")
    web = app_named(sandbox, "staging", "web")
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        create = http.post(
            f"/environment/{staging}/application",
            json=edit_body(api, name=name),
        )
        clone = http.post(
            f"/application/{web['id']}/clone", json={"name": name, "environment_id": staging}
        )
        edit = http.put(f"/application/{web['id']}", json=edit_body(web, name=name))
    for response in (create, clone, edit):
        assert response.status_code == 409
        assert response.json()["status"] == 409
    assert len(sandbox.applications("staging")) == 3


def test_clone_copies_the_configuration_with_fresh_ids(sandbox: RunningSandbox) -> None:
    worker = app_named(sandbox, "staging", "worker")
    api = app_named(sandbox, "staging", "api")
    target = sandbox.environment_id("preview-101")
    with client(sandbox) as http:
        sandbox.edit_out_of_band(api["id"], description="the api")
        api = app_named(sandbox, "staging", "api")
        response = http.post(
            f"/application/{api['id']}/clone", json={"name": "api-copy", "environment_id": target}
        )
        assert response.status_code == 202
        clone = response.json()
        status = http.get(f"/application/{clone['id']}/status").json()
        worker_clone = http.post(
            f"/application/{worker['id']}/clone", json={"name": "worker", "environment_id": target}
        ).json()
    assert clone["id"] != api["id"] and clone["name"] == "api-copy"
    assert clone["environment"]["id"] == target
    assert clone["created_at"] != api["created_at"]
    assert clone["description"] == "the api"
    assert clone["ports"][0]["id"] != api["ports"][0]["id"]
    assert "deployed_commit_id" not in clone["git_repository"]
    ignored = {"id", "created_at", "updated_at", "environment", "name", "ports", "git_repository"}
    assert {k: v for k, v in clone.items() if k not in ignored} == {
        k: v for k, v in api.items() if k not in ignored
    }
    assert [{**p, "id": None} for p in clone["ports"]] == [{**p, "id": None} for p in api["ports"]]
    assert status["service_deployment_status"] == "NEVER_DEPLOYED"
    assert worker_clone["storage"][0]["id"] != worker["storage"][0]["id"]
    assert worker_clone["storage"][0]["mount_point"] == "/mnt/data"


def test_clone_into_an_unknown_environment_is_404(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        response = http.post(
            f"/application/{api['id']}/clone", json={"name": "x", "environment_id": "nope"}
        )
    assert response.status_code == 404


def test_clone_copies_autoscaling_with_fresh_ids(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    scaler = {"scaler_type": "cpu", "role": "PRIMARY", "config_json": {"value": "60"}}
    with client(sandbox) as http:
        edited = http.put(
            f"/application/{api['id']}",
            json=edit_body(api, autoscaling={"mode": "KEDA", "scalers": [scaler]}),
        ).json()
        clone = http.post(
            f"/application/{api['id']}/clone",
            json={"name": "api", "environment_id": sandbox.environment_id("preview-102")},
        ).json()
    assert edited["autoscaling"]["service_id"] == api["id"]
    assert clone["autoscaling"]["service_id"] == clone["id"]
    assert clone["autoscaling"]["id"] != edited["autoscaling"]["id"]
    assert clone["autoscaling"]["scalers"][0]["id"] != edited["autoscaling"]["scalers"][0]["id"]
    assert clone["autoscaling"]["scalers"][0]["config_json"] == {"value": "60"}


def test_edit_is_a_full_replace(sandbox: RunningSandbox) -> None:
    web = app_named(sandbox, "staging", "web")
    minimal = {"healthchecks": {"readiness_probe": None, "liveness_probe": None}}
    with client(sandbox) as http:
        edited = http.put(f"/application/{web['id']}", json=minimal).json()
    assert edited["name"] == "web"  # a name cannot return to a default
    assert (edited["cpu"], edited["memory"]) == (500, 512)
    assert edited["arguments"] == [] and edited["ports"] == []
    assert edited["git_repository"]["url"] == web["git_repository"]["url"]
    assert edited["healthchecks"]["readiness_probe"] is None


def test_ports_and_storage_follow_the_id_rules(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    kept = dict(api["ports"][0], publicly_accessible=False)
    added = {"internal_port": 9090, "publicly_accessible": False, "protocol": "TCP"}
    storage = [{"type": "FAST_SSD", "size": 8, "mount_point": "/data"}]
    with client(sandbox) as http:
        first = http.put(
            f"/application/{api['id']}", json=edit_body(api, ports=[kept, added], storage=storage)
        ).json()
        second_storage = [dict(first["storage"][0], size=20)]
        second = http.put(
            f"/application/{api['id']}",
            json=edit_body(first, ports=[first["ports"][1]], storage=second_storage),
        ).json()
        unknown = http.put(
            f"/application/{api['id']}",
            json=edit_body(first, storage=[dict(storage[0], id="nope")]),
        )
    assert first["ports"][0]["id"] == api["ports"][0]["id"]
    assert first["ports"][0]["publicly_accessible"] is False
    assert first["ports"][1]["id"] not in (None, api["ports"][0]["id"])
    assert [p["internal_port"] for p in second["ports"]] == [9090]
    assert second["ports"][0]["id"] == first["ports"][1]["id"]
    assert second["ports"][0]["is_default"] is True  # the API forces one default port
    assert second["storage"][0]["id"] == first["storage"][0]["id"]
    assert second["storage"][0]["size"] == 20
    assert unknown.status_code == 400


def test_groups_are_referred_to_by_id(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    groups = sandbox.state()["groups"]
    label_id = next(iter(next(iter(groups.values()))["labels_groups"]))
    with client(sandbox) as http:
        edited = http.put(
            f"/application/{api['id']}", json=edit_body(api, labels_groups=[{"id": label_id}])
        )
        unknown = http.put(
            f"/application/{api['id']}", json=edit_body(api, labels_groups=[{"id": "nope"}])
        )
    assert edited.json()["labels_groups"][0]["name"] == "cost-center"
    assert unknown.status_code == 400


@pytest.mark.parametrize(
    "changes",
    [
        {"healthchecks": None},
        {"cpu": 16001},
        {"memory": 20000},
        {"cpu": "500"},
        {"memory": 1.5},
        {"auto_preview": "yes"},
        {"min_running_instances": -1},
        {"min_running_instances": 3, "max_running_instances": 2},
        {"storage": [{"type": "FAST_SSD", "size": 3, "mount_point": "/x"}]},
        {"ports": [{"internal_port": 80}]},
        {"ports": [{"internal_port": "80", "publicly_accessible": True}]},
        {"git_repository": {"url": "https://github.com/a/b.git"}},
        {"healthchecks": {"readiness_probe": {"type": {}}}},
        {"arguments": [1]},
    ],
)
def test_invalid_edits_are_400_with_a_json_detail(
    sandbox: RunningSandbox, changes: dict[str, object]
) -> None:
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        response = http.put(f"/application/{api['id']}", json=edit_body(api, **changes))
    assert response.status_code == 400
    assert response.json()["status"] == 400 and response.json()["detail"]
    assert sandbox.application("staging", "api") == api  # nothing changed


def test_unlimited_max_instances_is_accepted(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        response = http.put(
            f"/application/{api['id']}",
            json=edit_body(api, min_running_instances=0, max_running_instances=-1),
        )
    assert response.status_code == 200 and response.json()["max_running_instances"] == -1


def test_deploy_goes_queued_deploying_deployed(sandbox: RunningSandbox) -> None:
    sandbox.deploy_seconds = 30  # stepped through by the sandbox's clock, not by sleeping
    api = app_named(sandbox, "staging", "api")
    target = sandbox.environment_id("preview-101")
    with client(sandbox) as http:
        clone = http.post(
            f"/application/{api['id']}/clone", json={"name": "api", "environment_id": target}
        ).json()
        url = f"/application/{clone['id']}"
        assert http.post(f"{url}/deploy", json={}).status_code == 400
        assert http.post(f"{url}/deploy", json={"git_commit_id": ""}).status_code == 400
        started = http.post(f"{url}/deploy", json={"git_commit_id": "abc123"})
        assert started.status_code == 202 and started.json()["state"] == "QUEUED"
        assert http.post(f"{url}/deploy", json={"git_commit_id": "abc123"}).status_code == 409
        seen = [started.json()["state"], http.get(f"{url}/status").json()["state"]]
        for _ in range(2):  # half the deploy queued, the other half deploying
            sandbox.advance_clock(16)
            seen.append(http.get(f"{url}/status").json()["state"])
        assert seen == ["QUEUED", "QUEUED", "DEPLOYING", "DEPLOYED"]
        statuses = http.get(f"/environment/{target}/application/status").json()["results"]
        assert statuses[0]["service_deployment_status"] == "UP_TO_DATE"
        assert http.get(url).json()["git_repository"]["deployed_commit_id"] == "abc123"
        app = http.get(url).json()
        http.put(url, json=edit_body(app, cpu=300))
        assert http.get(f"{url}/status").json()["service_deployment_status"] == "OUT_OF_DATE"


def test_seeded_applications_are_deployed(sandbox: RunningSandbox) -> None:
    staging = sandbox.environment_id("staging")
    with client(sandbox) as http:
        statuses = http.get(f"/environment/{staging}/application/status").json()["results"]
    assert len(statuses) == 3
    assert {(s["state"], s["service_deployment_status"]) for s in statuses} == {
        ("DEPLOYED", "UP_TO_DATE")
    }


def test_a_console_copy_of_an_owned_clone_keeps_its_description_verbatim(
    sandbox: RunningSandbox, cli: Callable[..., Any], tmp_path: Path
) -> None:
    # A person copies an owned clone through the console's clone endpoint: the description
    # (marker line included) is copied as it is, into another project's environment.
    manifest = write_manifest(tmp_path, demo_manifest(applications=("api",)))
    assert cli("apply", manifest, "--auto-approve").code == 0
    owned = app_named(sandbox, "preview-101", "api")
    assert read_marker(owned["description"]) is not None
    qa = sandbox.environment_id("qa", project="data")
    with client(sandbox) as http:
        response = http.post(
            f"/application/{owned['id']}/clone", json={"name": "api-copy", "environment_id": qa}
        )
    assert response.status_code == 202, response.text
    copy = app_named(sandbox, "qa", "api-copy")
    assert copy["id"] != owned["id"] and copy["environment"]["id"] == qa
    assert copy["description"] == owned["description"]
    assert app_named(sandbox, "preview-101", "api")["description"] == owned["description"]
