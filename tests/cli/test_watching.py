"""Contract 14 end to end: ``reconcile --interval --listen --notify`` over the sandbox, with a
drift, a failure and a conflict made along the way; the notifications a real loopback
receiver gets, ``/metrics`` read with prometheus_client's own parser, ``/healthz``, and
``--metrics-file``. The status page in a browser is test_status_page's."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers_loop import Loop, make_trouble, round_end
from helpers_manifests import demo_manifest, write_manifest
from helpers_receiver import Receiver
from helpers_sandbox import app_named
from prometheus_client.parser import text_string_to_metric_families

from reconciler.sandbox import RunningSandbox, start

TOKEN = "sbx_PLANTED-token-for-notifications-9d2e"
KEYS = {"event", "at", "manifest", "address", "action", "result", "message", "drift"}


@pytest.fixture
def sandbox() -> Any:
    with start(token=TOKEN) as running:
        yield running


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def metrics(base: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of ``/metrics``, parsed by prometheus_client: name → labels → value."""
    status, text = get(base + "metrics")
    assert status == 200
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_a_listening_loop_notifies_once_serves_metrics_and_health(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    make_trouble(sandbox)
    manifest = write_manifest(tmp_path, demo_manifest(policy="{on_drift: report}"))
    textfile = tmp_path / "reconciler.prom"
    with Receiver() as receiver:
        loop = Loop(
            sandbox, tmp_path, manifest, "--interval", "0.5", "--listen", "127.0.0.1:0",
            "--notify", receiver.url, "--metrics-file", str(textfile),
        )  # fmt: skip
        try:
            loop.until(lambda r: r["event"] == "listening")
            base = loop.records[-1]["url"]
            loop.until(lambda r: r["event"] == "round_end" and r["round"] == 3)
            assert get(base + "healthz") == (200, "ok\n")  # rounds run (with failed changes)
            api = app_named(sandbox, "preview-102", "api")
            sandbox.edit_out_of_band(api["id"], memory=999)
            loop.until(lambda r: r["event"] == "drift")
            drift_round = loop.records[-1]["round"]
            loop.until(lambda r: r["event"] == "round_end" and r["round"] == drift_round + 2)
            scraped = metrics(base)
            # the API goes away: rounds stop running, and health says so within 3 intervals
            sandbox.set_faults(
                rules=[
                    {"method": "GET", "path": "/organization", "action": "respond", "status": 501}
                ]
            )
            loop.until(lambda r: r["event"] == "error")
            failing_since = time.monotonic()
            while get(base + "healthz")[0] == 200:
                assert time.monotonic() - failing_since < 10, "healthz never went 503"
                time.sleep(0.1)
            status, reason = get(base + "healthz")
            loop.until(round_end(exit_code=1))
            loop.until(round_end(exit_code=1))  # two failed rounds: one round_failed event
            code, err = loop.stop(signal.SIGTERM)
        finally:
            loop.close()
        assert code == 0 and "Traceback" not in err, err
        assert status == 503 and "no round has run" in reason
        assert loop.records[-1]["event"] == "stopped"
        bodies, raw = receiver.events(), list(receiver.raw)

    # each event once, whatever the number of rounds that met it
    assert all(set(body) == KEYS for body in bodies), bodies
    assert Counter((b["event"], b["address"]) for b in bodies) == Counter(
        {
            ("created", "previews.api[shop/preview-102]"): 1,
            ("conflict", "previews.api[shop/preview-101]"): 1,
            ("failed", "previews.web[shop/preview-101]"): 1,
            ("failed", "previews.web[shop/preview-102]"): 1,
            ("drift", "previews.api[shop/preview-102]"): 1,
            ("round_failed", None): 1,
        }
    )
    (drift,) = [b for b in bodies if b["event"] == "drift"]
    assert drift["drift"] == [
        {"path": "memory", "expected": 512, "actual": 999, "origin": "source"}
    ]
    assert drift["manifest"] == "previews" and drift["at"].endswith("Z")
    failed = [b for b in bodies if b["event"] == "failed"]
    assert all("refused for the test" in b["message"] for b in failed)
    assert not any(TOKEN in text for text in raw)  # never the token, though the API echoed it

    # the metrics scraped agree with the log's first rounds, and are the contract's only
    assert not [name for name in scraped if name.endswith("_created")], sorted(scraped)
    rounds = int(sum(scraped["reconciler_rounds_total"].values()))
    ends = [r for r in loop.records if r["event"] == "round_end"][:rounds]
    assert rounds >= drift_round + 2 and len(ends) == rounds
    assert scraped["reconciler_rounds_total"][(("result", "changes_failed"),)] == rounds
    logged = Counter(
        (r["action"], r["result"])
        for r in loop.records
        if r["event"] == "change" and r["round"] <= rounds
    )
    changes = {
        dict(k)["action"] + "/" + dict(k)["result"]: v
        for k, v in scraped["reconciler_changes_total"].items()
    }
    assert changes == {f"{a}/{r}": float(n) for (a, r), n in logged.items()}
    clones = {dict(k)["state"]: v for k, v in scraped["reconciler_clones"].items()}
    assert clones == {"in_sync": 0, "drifted": 1, "missing": 2, "conflict": 1, "expired": 0}
    requests = scraped["reconciler_api_requests_total"]
    assert sum(requests.values()) == sum(e["requests"]["total"] for e in ends)
    assert scraped["reconciler_round_duration_seconds_count"][()] == rounds
    assert scraped["reconciler_last_success_timestamp_seconds"][()] > time.time() - 60

    # --metrics-file: the same metrics, written after the last round
    written = {f.name for f in text_string_to_metric_families(textfile.read_text())}
    assert {"reconciler_rounds", "reconciler_clones", "reconciler_api_requests"} <= written
    assert not list(tmp_path.glob("*.prom.*"))  # no temporary file left behind


def test_a_receiver_that_fails_first_gets_the_event_on_a_retry(cli, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest(targets=("environment: preview-101",)))
    with Receiver(statuses=(500,)) as receiver:
        result = cli("apply", manifest, "--auto-approve", "--notify", receiver.url)
        assert result.code == 0, result
        receiver.wait_for(3)
        accepted = receiver.events()
    assert receiver.answered[0] == 500
    assert sorted(b["address"] for b in accepted) == [
        "previews.api[shop/preview-101]",
        "previews.web[shop/preview-101]",
    ]
    assert {b["event"] for b in accepted} == {"created"}
    assert "warning" not in result.err


def test_a_receiver_that_hangs_never_stalls_the_rounds(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    monkeypatch.setenv("RECONCILER_NOTIFY_URL", "")  # the flag alone
    with Receiver(hang=True) as receiver:
        loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.3", "--notify", receiver.url)
        try:
            loop.until(round_end(exit_code=0, created=4))
            receiver.wait_for(1)  # a delivery is stuck in the receiver
            started = time.monotonic()
            loop.until(lambda r: r["event"] == "round_end" and r["round"] == 4)
            elapsed = time.monotonic() - started
            stopping = time.monotonic()
            code, err = loop.stop(signal.SIGTERM, timeout=20)
        finally:
            loop.close()
    assert elapsed < 3  # rounds 2 to 4 ran on time, every 0.3s, while the delivery hung
    assert code == 0, err
    assert time.monotonic() - stopping < 15  # bounded: the queue is given at most 10s at exit


def test_slack_gets_its_text_form_and_a_bad_notify_url_is_refused_before_any_change(
    cli, sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.core.events import Event, EventKind
    from reconciler.edges.notifying import body_for

    event = Event(EventKind.FAILED, "2026-08-20T12:00:00.000Z", "previews", "previews.api[x/y]",
                  "create", "failed", "HTTP 500")  # fmt: skip
    slack = body_for("https://hooks.slack.com/services/T0/B0/secret", event)
    assert slack == {"text": "reconciler failed: previews.api[x/y] (create: failed) HTTP 500"}
    assert set(body_for("https://example.com/hook", event)) == KEYS

    manifest = write_manifest(tmp_path, demo_manifest())
    monkeypatch.setenv("RECONCILER_NOTIFY_URL", "https://ok.example/hook,ftp://secret@bad")
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 1
    assert "notification URL #2" in result.err and "secret" not in result.err
    assert sandbox.application("preview-101", "api") is None  # nothing was done
    assert json.dumps(slack).count("secret") == 0  # the webhook URL never in the body


def test_a_delivery_given_up_is_reported_with_the_host_only() -> None:
    from reconciler.core.events import Event, EventKind
    from reconciler.edges.notifying import DeliveryFailure, Notifier

    failures: list[DeliveryFailure] = []
    with Receiver(statuses=(500,) * 100) as receiver:
        notifier = Notifier(
            [receiver.url + "?key=webhook-secret"],
            on_failure=failures.append,
            deadline=2.0,
            backoff=0.05,
        )
        started = time.monotonic()
        notifier.send([Event(EventKind.ROUND_FAILED, "2026-08-20T12:00:00.000Z", message="down")])
        notifier.close()
    assert time.monotonic() - started < 5  # bounded in time
    (failure,) = failures
    assert failure.host == "127.0.0.1" and failure.event == "round_failed"
    # retried with backoff; the last attempt, cut short by the deadline, may go unanswered on
    # a loaded machine (or not reach the receiver at all): then that is what is reported
    assert failure.attempts >= len(receiver.raw) >= 3
    problems = ("answered HTTP 500", "no answer from 127.0.0.1")
    assert failure.problem.startswith(problems), failure
    assert "webhook-secret" not in repr(failure)


@pytest.mark.parametrize(
    ("listen", "said"),
    [("nonsense", "--listen expects HOST:PORT"), ("127.0.0.1:99999", "--listen expects")],
)
def test_a_bad_listen_address_is_one_clear_error_before_any_round(
    cli, sandbox: RunningSandbox, tmp_path: Path, listen: str, said: str
) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    sandbox.clear_requests()
    result = cli("reconcile", manifest, "--listen", listen)
    assert result.code == 1 and said in result.err and "Traceback" not in result.err
    assert result.out == "" and sandbox.requests() == []


def test_a_port_in_use_is_one_clear_error(cli, sandbox: RunningSandbox, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    port = sandbox.url.rsplit(":", 1)[1]  # taken by the sandbox itself
    result = cli("reconcile", manifest, "--listen", f"127.0.0.1:{port}")
    assert result.code == 1 and f"--listen cannot listen on 127.0.0.1:{port}" in result.err
