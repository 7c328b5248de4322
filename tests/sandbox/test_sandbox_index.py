"""The sandbox's index of services by environment never goes stale (``service_index``).

Each test changes the state the ways it can change (create, clone, a delete at once or
finishing later by the clock, an out-of-band move, the admin API's replace, another
sandbox or a hand edit of the shared state file) and then checks every listing over real
sockets against the old definition: the services of the table whose environment is the
one listed, in the table's order. Names stay unique across kinds (409) through the same
changes.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_sandbox import app_named, client, container_body, service_named

from reconciler.sandbox import RunningSandbox, start
from reconciler.sandbox.backends import State
from reconciler.sandbox.seeding import build_state
from reconciler.sandbox.service_index import index_of

APP = {
    "git_repository": {"url": "https://github.com/acme/x.git", "provider": "GITHUB"},
    "healthchecks": {},
}
KINDS = {"applications": "application", "containers": "container", "jobs": "job"}


@pytest.fixture
def slow_deletes() -> Iterator[tuple[RunningSandbox, httpx.Client]]:
    with start(deploy_seconds=0.1, delete_seconds=60) as sandbox, client(sandbox) as http:
        yield sandbox, http


def listed(http: httpx.Client, env_id: str, kind: str) -> list[str]:
    answer = http.get(f"/environment/{env_id}/{kind}")
    assert answer.status_code == 200, answer.text
    return [s["id"] for s in answer.json()["results"]]


def check_listings(
    sandbox: RunningSandbox, http: httpx.Client, envs: list[str] | None = None
) -> dict[str, Any]:
    """Each environment's listing of every kind (and its statuses) is the table filtered."""
    state = sandbox.state()
    for env_id in envs or state["environments"]:
        for table, kind in KINDS.items():
            expected = [i for i, s in state[table].items() if s["environment"]["id"] == env_id]
            assert listed(http, env_id, kind) == expected, (env_id, kind)
            statuses = http.get(f"/environment/{env_id}/{kind}/status").json()["results"]
            assert [s["id"] for s in statuses] == expected
    return state


def test_a_clone_is_listed_in_its_environment_and_its_name_is_taken_there(
    slow_deletes: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = slow_deletes
    api = app_named(sandbox, "staging", "api")
    qa = sandbox.environment_id("qa")
    cloned = http.post(
        f"/application/{api['id']}/clone", json={"name": "api-2", "environment_id": qa}
    )
    assert cloned.status_code == 202
    assert cloned.json()["id"] in listed(http, qa, "application")
    assert cloned.json()["id"] not in listed(http, sandbox.environment_id("staging"), "application")
    frontend = service_named(sandbox, "container", "staging", "frontend")
    taken = http.post(
        f"/container/{frontend['id']}/clone", json={"name": "API-2", "environment_id": qa}
    )
    assert taken.status_code == 409 and "an application named 'api-2'" in taken.text
    check_listings(sandbox, http)


def test_a_delete_finishing_later_leaves_every_listing_and_frees_the_name(
    slow_deletes: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = slow_deletes
    staging = sandbox.environment_id("staging")
    web = app_named(sandbox, "staging", "web")
    frontend = service_named(sandbox, "container", "staging", "frontend")
    assert http.delete(f"/application/{web['id']}").status_code == 204
    assert http.delete(f"/container/{frontend['id']}").status_code == 204
    assert web["id"] in listed(http, staging, "application")  # under way: still listed
    body = container_body(frontend, name="web")
    assert http.post(f"/environment/{staging}/container", json=body).status_code == 409
    check_listings(sandbox, http)
    sandbox.advance_clock(61)
    assert web["id"] not in listed(http, staging, "application")
    assert frontend["id"] not in listed(http, staging, "container")
    environment = http.get(f"/environment/{staging}/statuses").json()
    assert web["id"] not in {s["id"] for s in environment["applications"]}
    assert frontend["id"] not in {s["id"] for s in environment["containers"]}
    again = http.post(f"/environment/{staging}/container", json=body)  # the name is free
    assert again.status_code == 201
    assert listed(http, staging, "container")[-1] == again.json()["id"]
    check_listings(sandbox, http)


def test_an_immediate_delete_and_a_new_service_keep_the_tables_order(
    sandbox: RunningSandbox,
) -> None:
    env = sandbox.environment_id("analytics")
    with client(sandbox) as http:
        made = [
            http.post(f"/environment/{env}/application", json=dict(APP, name=f"a{n}")).json()["id"]
            for n in range(4)
        ]
        assert http.delete(f"/application/{made[1]}").status_code == 204
        later = http.post(f"/environment/{env}/application", json=dict(APP, name="a1"))
        assert later.status_code == 201  # the deleted one's name, free at once
        assert listed(http, env, "application") == [made[0], made[2], made[3], later.json()["id"]]
        check_listings(sandbox, http)


def test_an_out_of_band_move_and_a_replaced_state_are_listed_as_they_are(
    sandbox: RunningSandbox,
) -> None:
    qa, staging = sandbox.environment_id("qa"), sandbox.environment_id("staging")
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        sandbox.edit_out_of_band(api["id"], environment={"id": qa})
        assert api["id"] in listed(http, qa, "application")
        assert api["id"] not in listed(http, staging, "application")
        state = check_listings(sandbox, http)
        state["applications"] = {
            i: a for i, a in state["applications"].items() if a["environment"]["id"] != qa
        }
        assert http.put("/_sandbox/state", json=state).status_code == 204
        assert listed(http, qa, "application") == []
        check_listings(sandbox, http)


def test_a_state_file_changed_by_another_sandbox_or_by_hand_is_listed_as_it_is(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox.json"
    with start(state_path=path) as one, start(state_path=path) as two:
        env = one.environment_id("analytics")
        with client(one) as first, client(two) as second:
            made = first.post(f"/environment/{env}/application", json=dict(APP, name="shared"))
            assert listed(second, env, "application") == [made.json()["id"]]
            taken = second.post(f"/environment/{env}/application", json=dict(APP, name="SHARED"))
            assert taken.status_code == 409
            state = json.loads(path.read_text())
            copied = dict(state["applications"][made.json()["id"]], id="hand-made", name="by-hand")
            state["applications"]["hand-made"] = copied
            path.write_text(json.dumps(state))
            assert listed(first, env, "application") == [made.json()["id"], "hand-made"]
            again = first.post(f"/environment/{env}/application", json=dict(APP, name="by-hand"))
            assert again.status_code == 409
            assert second.delete("/application/hand-made").status_code == 204
            assert listed(first, env, "application") == [made.json()["id"]]
            check_listings(one, first)


def test_a_random_run_of_changes_never_leaves_a_listing_stale(
    slow_deletes: tuple[RunningSandbox, httpx.Client],
) -> None:
    sandbox, http = slow_deletes
    rng = random.Random(15)
    envs = list(sandbox.state()["environments"])[:4]
    for step in range(30):
        apps = [a for a in sandbox.state()["applications"].values()]
        choice = rng.choice(("create", "clone", "delete", "clock", "deploy"))
        env = rng.choice(envs)
        if choice == "create":
            body = dict(APP, name=f"s{step}")
            assert http.post(f"/environment/{env}/application", json=body).status_code == 201
        elif choice == "clone" and apps:
            body = {"name": f"c{step}", "environment_id": env}
            http.post(f"/application/{rng.choice(apps)['id']}/clone", json=body)
        elif choice == "delete" and apps:
            http.delete(f"/application/{rng.choice(apps)['id']}")
        elif choice == "deploy" and apps:
            http.post(f"/application/{rng.choice(apps)['id']}/deploy", json={"git_commit_id": "c"})
        else:
            sandbox.advance_clock(rng.choice((0.05, 1, 30, 61)))
        check_listings(sandbox, http, envs)


def test_an_index_is_built_again_when_a_table_changed_behind_its_back() -> None:
    state = State(build_state(None))
    staging = next(i for i, e in state["environments"].items() if e["name"] == "staging")
    before = [a["id"] for a in index_of(state).services_in("applications", staging)]
    added = dict(state["applications"][before[0]], id="added-directly")
    state["applications"]["added-directly"] = added  # not through ServiceIndex.add
    listed = [a["id"] for a in index_of(state).services_in("applications", staging)]
    assert listed == [*before, "added-directly"]
    state["containers"] = {}  # a table replaced
    assert index_of(state).services_in("containers", staging) == []
    assert copy.deepcopy(state) == dict(state) and type(copy.deepcopy(state)) is dict
