"""Every fault the sandbox injects, the request log and the in-flight counters."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from helpers_sandbox import app_named, client

from reconciler.sandbox import RunningSandbox, start
from reconciler.sandbox.faults import Decision, Faults


def _clone(http: httpx.Client, sandbox: RunningSandbox, name: str = "api") -> httpx.Response:
    api = app_named(sandbox, "staging", "api")
    body = {"name": name, "environment_id": sandbox.environment_id("preview-101")}
    return http.post(f"/application/{api['id']}/clone", json=body)


def test_rate_limit_sends_429_with_retry_after_before_acting(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rate_limit_rate=1.0, retry_after=0.05)
    with client(sandbox) as http:
        response = _clone(http, sandbox)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "0.05"
    assert sandbox.applications("preview-101") == []


def test_error_rate_sends_5xx_before_acting(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(error_rate=1.0, seed=3)
    with client(sandbox) as http:
        responses = [_clone(http, sandbox) for _ in range(5)]
    assert all(r.status_code in (500, 502, 503, 504) for r in responses)
    assert responses[0].json()["status"] == responses[0].status_code
    assert sandbox.applications("preview-101") == []


def test_random_faults_are_reproducible_with_a_seed() -> None:
    outcomes = []
    for _ in range(2):
        with start(faults={"error_rate": 0.5, "seed": 42}) as sandbox, client(sandbox) as http:
            outcomes.append([http.get("/organization").status_code for _ in range(20)])
    assert outcomes[0] == outcomes[1]
    assert {200} < set(outcomes[0])


def test_a_routes_random_faults_do_not_depend_on_other_requests() -> None:
    settings = {"error_rate": 0.5, "rate_limit_rate": 0.2, "ambiguous_clone_rate": 0.5, "seed": 9}

    def clone_decisions(faults: Faults, others: int) -> list[Decision]:
        decisions = []
        for i in range(12):
            for _ in range(others):  # other routes' requests in between: they draw nothing here
                faults.decide(
                    "GET", f"/environment/e{i}/application", "/environment/{id}/application"
                )
            path = f"/application/a{i}/clone"  # another id each time, the same route
            decisions.append(faults.decide("POST", path, "/application/{id}/clone"))
        return decisions

    alone = clone_decisions(Faults(**settings), 0)
    assert clone_decisions(Faults(**settings), 3) == alone
    assert any(d.lose_clone for d in alone) and any(d.fail_status for d in alone)


def test_seeded_faults_of_a_route_are_the_same_whatever_other_routes_get() -> None:
    outcomes = []
    for others in (0, 2):
        with start(faults={"error_rate": 0.5, "seed": 42}) as sandbox, client(sandbox) as http:
            staging = sandbox.environment_id("staging")
            statuses = []
            for _ in range(20):
                for _ in range(others):  # another route's calls in between
                    http.get(f"/environment/{staging}/application")
                statuses.append(http.get("/organization").status_code)
            outcomes.append(statuses)
    assert outcomes[0] == outcomes[1]
    assert {200} < set(outcomes[0])


def test_ambiguous_clone_is_performed_and_its_answer_lost(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(ambiguous_clone_rate=1.0)
    with client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            _clone(http, sandbox)
        assert http.get("/organization").status_code == 200  # only clones are lost
    assert [a["name"] for a in sandbox.applications("preview-101")] == ["api"]
    deadline = time.monotonic() + 5
    while sandbox.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)  # the log holds a request from its arrival; let it be finished
    (lost, _) = sandbox.requests()
    assert lost["status"] is None and lost["duration_ms"] is not None  # finished, unanswered


def test_latency_delays_qovery_paths(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(latency=0.2)
    with client(sandbox) as http:
        began = time.perf_counter()
        http.get("/organization")
        slow = time.perf_counter() - began
        began = time.perf_counter()
        http.get("/_sandbox/stats")
        fast = time.perf_counter() - began
    assert slow >= 0.2 > fast


def test_respond_rule_answers_with_the_canned_body_then_is_spent(sandbox: RunningSandbox) -> None:
    html = "<html><body>502 Bad Gateway</body></html>"
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 502,
                "body": html,
                "content_type": "text/html",
                "headers": {"X-Proxy": "yes"},
                "times": 1,
            }
        ]
    )
    with client(sandbox) as http:
        first = http.get("/organization")
        second = http.get("/organization")
    assert (first.status_code, first.text, first.headers["X-Proxy"]) == (502, html, "yes")
    assert first.headers["Content-Type"] == "text/html"
    assert second.status_code == 200


def test_rules_match_path_globs_and_first_match_wins(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(
        rules=[
            {
                "path": "/environment/*/application",
                "action": "respond",
                "status": 418,
                "body": "{}",
            },
            {"path": "*", "action": "respond", "status": 503, "body": "{}"},
        ]
    )
    staging = sandbox.environment_id("staging")
    with client(sandbox) as http:
        assert http.get(f"/environment/{staging}/application").status_code == 418
        assert http.get(f"/environment/{staging}/application/status").status_code == 503
    sandbox.clear_faults()
    with client(sandbox) as http:
        assert http.get("/organization").status_code == 200


def test_drop_closes_before_acting(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rules=[{"method": "POST", "path": "/application/*/clone", "action": "drop"}])
    with client(sandbox) as http, pytest.raises(httpx.RemoteProtocolError):
        _clone(http, sandbox)
    assert sandbox.applications("preview-101") == []


def test_drop_after_acts_then_closes(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(
        rules=[{"method": "POST", "path": "/application/*/clone", "action": "drop_after"}]
    )
    with client(sandbox) as http, pytest.raises(httpx.RemoteProtocolError):
        _clone(http, sandbox)
    assert len(sandbox.applications("preview-101")) == 1


def test_truncate_sends_half_the_body(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rules=[{"path": "/organization", "action": "truncate", "times": 1}])
    with client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/organization")
        assert http.get("/organization").status_code == 200


def test_delay_rule_waits_then_answers(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rules=[{"path": "/organization", "action": "delay", "seconds": 0.2}])
    with client(sandbox) as http:
        began = time.perf_counter()
        response = http.get("/organization")
    assert response.status_code == 200 and time.perf_counter() - began >= 0.2


def test_trickle_sends_the_body_slowly(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rules=[{"path": "/organization", "action": "trickle", "seconds": 0.3}])
    with client(sandbox) as http:
        began = time.perf_counter()
        with http.stream("GET", "/organization") as response:
            chunks = list(response.iter_raw())
        elapsed = time.perf_counter() - began
    assert len(chunks) > 3
    assert b"Acme" in b"".join(chunks)
    assert elapsed >= 0.25


def test_faults_are_set_through_the_admin_api(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        bad = http.put("/_sandbox/faults", json={"error_rate": 2})
        unknown = http.put("/_sandbox/faults", json={"nonsense": 1})
        assert (bad.status_code, unknown.status_code) == (400, 400)
        assert http.put("/_sandbox/faults", json={"rate_limit_rate": 1}).status_code == 200
        assert http.get("/organization").status_code == 429
        assert http.delete("/_sandbox/faults").status_code == 200
        assert http.get("/organization").status_code == 200


def test_request_log_and_stats(sandbox: RunningSandbox) -> None:
    with client(sandbox) as http:
        http.get("/organization")
        http.get("/application/nope")
        http.get("/_sandbox/stats")  # admin calls are not logged
        log = http.get("/_sandbox/requests").json()
        assert [(e["method"], e["path"], e["status"]) for e in log] == [
            ("GET", "/organization", 200),
            ("GET", "/application/nope", 404),
        ]
        assert all(e["duration_ms"] >= 0 and e["started"] > 0 for e in log)
        assert http.get("/_sandbox/stats").json() == {
            "requests": 2,
            "peak_in_flight": 1,
            "in_flight": 0,
        }
        assert http.delete("/_sandbox/requests").status_code == 204
    assert sandbox.requests() == []
    assert sandbox.stats()["requests"] == 0


def test_peak_in_flight_counts_concurrent_slow_requests(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(latency=0.3)
    barrier = threading.Barrier(4)

    def call() -> None:
        with client(sandbox) as http:
            barrier.wait()
            http.get("/organization")

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The server counts a request out after its answer is written: give it a moment.
    deadline = time.monotonic() + 2.0
    while sandbox.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    stats = sandbox.stats()
    assert stats["peak_in_flight"] == 4 and stats["in_flight"] == 0
    sandbox.clear_requests()
    assert sandbox.stats()["peak_in_flight"] == 0


def test_a_raw_dropped_connection_gets_no_byte(sandbox: RunningSandbox) -> None:
    sandbox.set_faults(rules=[{"path": "/organization", "action": "drop"}])
    port = int(sandbox.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        request = (
            f"GET /organization HTTP/1.1\r\nHost: x\r\nAuthorization: Token {sandbox.token}\r\n\r\n"
        )
        sock.sendall(request.encode())
        assert sock.recv(100) == b""
