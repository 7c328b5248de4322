"""The sandbox's state: seeds, the state file shared by processes, the admin state API."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers_sandbox import app_named, client

from reconciler.sandbox import RunningSandbox, SandboxError, embedded, start

APP = {
    "git_repository": {"url": "https://github.com/acme/x.git", "provider": "GITHUB"},
    "healthchecks": {},
}


def test_state_persists_across_two_starts(tmp_path: Path) -> None:
    state = tmp_path / "state" / "sandbox.json"
    with start(state_path=state) as first, client(first) as http:
        api = app_named(first, "staging", "api")
        target = first.environment_id("preview-101")
        http.post(f"/application/{api['id']}/clone", json={"name": "api", "environment_id": target})
    with start(state_path=state) as second:
        assert [a["name"] for a in second.applications("preview-101")] == ["api"]
    assert json.loads(state.read_text())["version"] == 1


def test_a_seed_is_ignored_when_the_state_file_exists(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with start(state_path=state):
        pass
    other = {"organizations": [{"name": "Other"}]}
    with start(other, state_path=state) as sandbox:
        assert sandbox.application("staging", "api") is not None


def test_embedded_seeds_the_demo_once(tmp_path: Path) -> None:
    path = tmp_path / ".reconciler" / "sandbox.json"
    with embedded(path) as sandbox:
        sandbox.edit_out_of_band(app_named(sandbox, "qa", "legacy")["id"], cpu=999)
    with embedded(path) as sandbox:
        assert app_named(sandbox, "qa", "legacy")["cpu"] == 999


def test_two_sandboxes_on_one_file_lose_no_write(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with start(state_path=state) as one, start(state_path=state) as two:
        env = one.environment_id("analytics")

        def create(sandbox: RunningSandbox, prefix: str) -> None:
            with client(sandbox) as http:
                for i in range(15):
                    body = dict(APP, name=f"{prefix}-{i}")
                    assert (
                        http.post(f"/environment/{env}/application", json=body).status_code == 201
                    )

        threads = [
            threading.Thread(target=create, args=(s, p)) for s, p in ((one, "a"), (two, "b"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(one.applications("analytics")) == 30
        assert len(two.applications("analytics")) == 30


def test_two_processes_on_one_file_lose_no_write(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with start(state_path=state) as sandbox:
        env = sandbox.environment_id("analytics")
    script = (
        "import sys, json\n"
        "from reconciler.sandbox.store import Store\n"
        "from reconciler.sandbox.backends import FileBackend\n"
        "store = Store(FileBackend(sys.argv[1], dict))\n"
        "body = json.loads(sys.argv[3])\n"
        "for i in range(20):\n"
        "    store.create_application(sys.argv[2], dict(body, name=f'{sys.argv[4]}-{i}'))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(state), env, json.dumps(APP), p])
        for p in ("a", "b")
    ]
    assert [p.wait(timeout=30) for p in procs] == [0, 0]
    with start(state_path=state) as sandbox:
        assert len(sandbox.applications("analytics")) == 40


def test_a_corrupt_state_file_is_one_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    state.write_text("{not json")
    with pytest.raises(SandboxError, match="sandbox state"):
        start(state_path=state)


def test_state_is_read_and_replaced_through_the_admin_api(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        state = http.get("/_sandbox/state").json()
        legacy = next(a for a in state["applications"].values() if a["name"] == "legacy")
        legacy["cpu"] = 300
        assert http.put("/_sandbox/state", json=state).status_code == 204
        assert http.get(f"/application/{legacy['id']}").json()["cpu"] == 300
        assert http.put("/_sandbox/state", json={"nope": 1}).status_code == 400


def test_a_seed_dict_builds_an_organization() -> None:
    seed = {
        "organizations": [
            {
                "name": "Big",
                "projects": [
                    {
                        "name": "p",
                        "environments": [
                            {
                                "name": f"e{i}",
                                "applications": [{"name": "a"}, {"name": "b", "ports": []}],
                            }
                            for i in range(3)
                        ],
                    }
                ],
            }
        ]
    }
    with start(seed) as sandbox:
        app = app_named(sandbox, "e1", "a")
        bare = app_named(sandbox, "e1", "b")
    assert app["ports"][0]["internal_port"] == 8080
    assert app["healthchecks"]["readiness_probe"]["type"]["tcp"]["port"] == 8080
    assert app["git_repository"]["url"] == "https://github.com/big/a.git"
    assert bare["healthchecks"]["readiness_probe"] is None


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"organizations": "x"}, "must be a list"),
        ({"organizations": [{"projects": []}]}, "needs a 'name'"),
        (
            {
                "organizations": [
                    {
                        "name": "o",
                        "projects": [
                            {
                                "name": "p",
                                "environments": [
                                    {"name": "e", "applications": [{"name": "a", "cpu": "lots"}]}
                                ],
                            }
                        ],
                    }
                ]
            },
            r"applications\[0\] \(a\): cpu must be an integer",
        ),
        (
            {
                "organizations": [
                    {
                        "name": "o",
                        "projects": [
                            {"name": "p", "environments": [{"name": "e", "mode": "TEST"}]}
                        ],
                    }
                ]
            },
            "mode must be one of",
        ),
    ],
)
def test_a_bad_seed_names_the_faulty_place(seed: dict[str, object], message: str) -> None:
    with pytest.raises(SandboxError, match=message):
        start(seed)
