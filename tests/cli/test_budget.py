"""Contract 15 end to end: the sandbox states a budget in ``X-RateLimit-*`` headers (and
answers 429 past it); a reconcile loop waits for the reset instead of meeting a 429, and
logs why; ``--max-requests-per-hour`` is a budget of the tool's own; ``plan --json`` and every
round count their requests."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
from helpers_loop import Loop
from helpers_manifests import demo_manifest, write_manifest

from reconciler.sandbox import RunningSandbox


def noop_round_requests(cli, manifest: str) -> int:
    """Create the clones, then count the requests of a round that has nothing to do."""
    assert cli("apply", manifest, "--auto-approve").code == 0
    result = cli("reconcile", manifest)
    (end,) = [json.loads(line) for line in result.out.splitlines() if '"round_end"' in line]
    total: int = end["requests"]["total"]
    assert end["requests"]["by_method"] == {"GET": total} and total > 0
    return total


def test_the_sandbox_states_its_budget_and_refuses_past_it(sandbox: RunningSandbox) -> None:
    sandbox.set_rate_limit(2, window=60)
    with httpx.Client(base_url=sandbox.url, headers={"Authorization": sandbox.authorization}) as h:
        answers = [h.get("/organization") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert float(answers[2].headers["X-RateLimit-Reset"]) > 0
    assert int(answers[2].headers["Retry-After"]) >= 1


def test_a_loop_waits_for_the_reset_and_never_meets_a_429(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    per_round = noop_round_requests(cli, manifest)
    sandbox.set_rate_limit(per_round * 2 + per_round // 2, window=3)  # two rounds and a half
    sandbox.clear_requests()
    loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.1")
    try:
        loop.until(lambda r: r["event"] == "budget_wait", timeout=15)
        wait = loop.records[-1]
        loop.until(lambda r: r["event"] == "round_end" and r["round"] == 5, timeout=20)
        code, err = loop.stop(signal.SIGTERM)
    finally:
        loop.close()
    assert code == 0, err
    assert wait["reason"] == "api_rate_limit" and wait["needed"] == per_round
    assert wait["remaining"] < per_round and 0 < wait["seconds"] <= 3
    assert wait["level"] == "info" and wait["reset"]
    statuses = {entry["status"] for entry in sandbox.requests()}
    assert statuses == {200}, statuses  # never a 429
    ends = [r for r in loop.records if r["event"] == "round_end"]
    assert all(e["requests"]["total"] == per_round for e in ends)


def test_the_tools_own_budget_makes_the_loop_wait_and_a_signal_ends_the_wait(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    per_round = noop_round_requests(cli, manifest)
    budget = str(per_round * 2)
    loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.1", "--max-requests-per-hour", budget)
    try:
        loop.until(lambda r: r["event"] == "budget_wait", timeout=15)
        wait = loop.records[-1]
        code, err = loop.stop(signal.SIGINT)
    finally:
        loop.close()
    assert code == 0, err
    assert wait["reason"] == "max_requests_per_hour" and wait["max_requests_per_hour"] == int(
        budget
    )
    assert 3500 < wait["seconds"] <= 3600  # the hour's first request must age out
    assert [r["round"] for r in loop.records if r["event"] == "round_end"] == [1, 2]
    assert loop.records[-1] == {**loop.records[-1], "event": "stopped", "rounds": 2}


def test_plan_json_counts_its_requests(cli, sandbox: RunningSandbox, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    sandbox.clear_requests()
    result = cli("plan", manifest, "--json")
    assert result.code == 0, result
    requests = json.loads(result.out)["requests"]
    assert requests["total"] == len(sandbox.requests()) > 0
    assert requests["by_status"] == {"200": requests["total"]}


def test_the_rate_limit_is_set_and_cleared_through_the_admin_api(sandbox: RunningSandbox) -> None:
    with httpx.Client(base_url=sandbox.url, headers={"Authorization": sandbox.authorization}) as h:
        assert h.put("/_sandbox/rate_limit", json={"limit": 5}).json()["limit"] == 5
        assert h.get("/organization").headers["X-RateLimit-Remaining"] == "4"
        assert h.put("/_sandbox/rate_limit", json={"limit": 0}).status_code == 400
        assert h.put("/_sandbox/rate_limit", json={"limt": 5}).status_code == 400
        assert h.delete("/_sandbox/rate_limit").json()["limit"] is None
        assert "X-RateLimit-Limit" not in h.get("/organization").headers
