"""reconcile end to end: the real CLI (in-process and as a subprocess), the real client and
executor, the sandbox over loopback; and the JSON-lines log writer on its own."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_loop import Loop, round_end
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named

from reconciler.rendering.log import EventLog
from reconciler.sandbox import RunningSandbox, start

TOKEN = "sbx_RECOGNISABLE-token-7f3a9c"

CLONES = [f"previews.{a}[shop/preview-{e}]" for a in ("api", "web") for e in (101, 102)]
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def write_previews(tmp_path: Path, on_drift: str = "report", overrides: str = "cpu: 250") -> str:
    """Write the demo manifest with this drift policy (atomically: a loop may be reading)."""
    text = demo_manifest(
        organization="ACME",
        environment="Staging",
        overrides=overrides,
        policy=f"{{on_drift: {on_drift}}}",
    )
    return write_manifest(tmp_path, text)


def events(out: str) -> list[dict[str, Any]]:
    """Every log line, parsed; fails the test on a line that is not one JSON object."""
    records = [json.loads(line) for line in out.splitlines()]
    assert all(isinstance(r, dict) and RFC3339_UTC.match(r["ts"]) for r in records), out
    return records


def of_kind(records: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [r for r in records if r["event"] == event]


@pytest.fixture
def recognisable_sandbox() -> Iterator[RunningSandbox]:
    with start(token=TOKEN) as running:
        yield running


# ── one round, in-process ─────────────────────────────────────────────────────────────────


def test_a_round_on_fresh_targets_creates_every_clone_then_is_all_noop(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_previews(tmp_path)
    first = cli("reconcile", manifest)
    assert first.code == 0, first
    assert first.err == ""
    records = events(first.out)
    assert records[0]["event"] == "round_start"
    assert records[-1]["event"] == "round_end"
    (plan,) = of_kind(records, "plan")
    assert plan["summary"]["create"] == 4
    changes = of_kind(records, "change")
    assert sorted(c["address"] for c in changes) == sorted(CLONES)
    assert {(c["action"], c["result"]) for c in changes} == {("create", "ok")}
    assert all(isinstance(c["duration_s"], float) and c["message"] is not None for c in changes)
    end = records[-1]
    assert end["exit_code"] == 0 and end["counts"]["created"] == 4 and end["counts"]["failed"] == 0
    for env in ("preview-101", "preview-102"):
        for app in ("api", "web"):
            clone = sandbox.application(env, app)
            assert clone is not None and clone["cpu"] == 250

    second = cli("reconcile", manifest, "--detailed-exitcode")
    assert second.code == 0, second
    again = events(second.out)
    assert of_kind(again, "plan")[0]["summary"]["noop"] == 4
    assert of_kind(again, "change") == []
    assert of_kind(again, "drift") == []
    assert again[-1]["counts"]["created"] == 0


def test_reported_drift_is_logged_and_exits_2_only_when_detailed(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_previews(tmp_path, "report")
    assert cli("reconcile", manifest).code == 0
    web = app_named(sandbox, "preview-102", "web")
    sandbox.edit_out_of_band(web["id"], memory=999)

    detailed = cli("reconcile", manifest, "--detailed-exitcode")
    assert detailed.code == 2, detailed
    records = events(detailed.out)
    (drift,) = of_kind(records, "drift")
    assert drift["address"] == "previews.web[shop/preview-102]"
    assert drift["drift"] == [
        {"path": "memory", "expected": 256, "actual": 999, "origin": "source"}
    ]
    assert of_kind(records, "change") == []
    assert records[-1]["exit_code"] == 2 and records[-1]["counts"]["drifted"] == 1

    plain = cli("reconcile", manifest)
    assert plain.code == 0, plain
    assert len(of_kind(events(plain.out), "drift")) == 1
    assert app_named(sandbox, "preview-102", "web")["memory"] == 999  # reported, not touched


def test_corrected_drift_is_a_change_and_the_field_is_restored(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_previews(tmp_path, "correct")
    assert cli("reconcile", manifest).code == 0
    api = app_named(sandbox, "preview-101", "api")
    sandbox.edit_out_of_band(api["id"], cpu=999)

    result = cli("reconcile", manifest, "--detailed-exitcode")
    assert result.code == 0, result
    records = events(result.out)
    (change,) = of_kind(records, "change")
    assert change["address"] == "previews.api[shop/preview-101]"
    assert (change["action"], change["result"]) == ("update", "ok")
    # what the correction wrote over: the field, the value it held, the declared one
    assert change["overwrote"] == [{"path": "cpu", "expected": 250, "actual": 999}]
    assert of_kind(records, "drift") == []
    assert records[-1]["counts"]["updated"] == 1
    assert app_named(sandbox, "preview-101", "api")["cpu"] == 250


def test_every_line_has_a_level_that_says_how_bad_it_is(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    manifest = write_previews(tmp_path, "report")
    created = events(cli("reconcile", manifest).out)
    assert {r["level"] for r in created} == {"info"}
    sandbox.edit_out_of_band(app_named(sandbox, "preview-102", "web")["id"], memory=999)
    drifted = events(cli("reconcile", manifest, "--detailed-exitcode").out)
    assert [(r["event"], r["level"]) for r in drifted if r["level"] != "info"] == [
        ("drift", "warning"),
        ("round_end", "warning"),  # exit code 2: drift remains
    ]
    failed = events(cli("reconcile", write_previews(tmp_path, overrides="cpus: 250")).out)
    assert [(r["event"], r["level"]) for r in failed] == [
        ("round_start", "info"),
        ("error", "error"),
        ("round_end", "warning"),
    ]


def test_a_conflict_is_logged_and_exits_1_while_the_others_are_created(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    import httpx

    source = sandbox.application("staging", "api")
    assert source is not None
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": sandbox.authorization}
    ) as http:
        response = http.post(
            f"/application/{source['id']}/clone",
            json={"name": "api", "environment_id": sandbox.environment_id("preview-101")},
        )
        assert response.status_code == 202, response.text
    stranger = response.json()
    sandbox.edit_out_of_band(stranger["id"], description="hand-made", cpu=999)

    result = cli("reconcile", write_previews(tmp_path))
    assert result.code == 1, result
    records = events(result.out)
    by_address = {c["address"]: c for c in of_kind(records, "change")}
    assert by_address["previews.api[shop/preview-101]"]["action"] == "conflict"
    assert by_address["previews.api[shop/preview-101]"]["result"] == "conflict"
    assert by_address["previews.api[shop/preview-101]"]["level"] == "warning"
    assert sum(c["action"] == "create" and c["result"] == "ok" for c in by_address.values()) == 3
    assert records[-1]["exit_code"] == 1 and records[-1]["counts"]["conflicts"] == 1
    assert app_named(sandbox, "preview-101", "api")["cpu"] == 999  # never touched


def test_a_round_that_cannot_run_logs_one_error_line_and_exits_1(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 501,  # not retried: the round fails at once
                "body": "<html>Internal Server Error</html>",
                "content_type": "text/html",
            }
        ]
    )
    result = cli("reconcile", write_previews(tmp_path))
    assert result.code == 1, result
    records = events(result.out)
    assert [r["event"] for r in records] == ["round_start", "error", "round_end"]
    assert "501" in records[1]["message"] and "Traceback" not in records[1]["message"]
    assert records[-1]["exit_code"] == 1
    assert "Traceback" not in result.err


def test_a_bad_manifest_is_an_error_line_not_a_traceback(cli, tmp_path: Path) -> None:
    manifest = write_previews(tmp_path, overrides="cpus: 250")
    result = cli("reconcile", manifest)
    assert result.code == 1, result
    (error,) = of_kind(events(result.out), "error")
    assert "cpus" in error["message"] and "Traceback" not in error["message"]


def test_the_token_never_reaches_the_log_even_when_the_api_echoes_it(
    recognisable_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.cli import main
    from reconciler.rendering.streams import Streams

    for key, value in recognisable_sandbox.env.items():
        monkeypatch.setenv(key, value)
    recognisable_sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 400,
                "body": json.dumps({"message": f"bad header: Token {TOKEN}"}),
            }
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["reconcile", write_previews(tmp_path)], Streams(out=out, err=err))
    assert code == 1
    assert TOKEN not in out.getvalue() and TOKEN not in err.getvalue()
    assert "400" in of_kind(events(out.getvalue()), "error")[0]["message"]


def test_a_stop_during_a_round_finishes_the_change_in_flight_and_skips_the_rest(
    cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox.set_faults(
        rules=[
            {"method": "POST", "path": "/application/*/clone", "action": "delay", "seconds": 0.6}
        ]
    )

    def signal_once_a_clone_is_in_flight() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            # the sandbox logs a request as it arrives; its status stays None until answered
            cloning = [
                r
                for r in sandbox.requests()
                if r["path"].endswith("/clone") and r["status"] is None
            ]
            if cloning:
                os.kill(os.getpid(), signal.SIGTERM)  # our own handler is installed by now
                return
            time.sleep(0.01)

    handler_before = signal.getsignal(signal.SIGTERM)
    watcher = threading.Thread(target=signal_once_a_clone_is_in_flight)
    watcher.start()
    try:
        result = cli("reconcile", write_previews(tmp_path), "--parallelism", "1")
    finally:
        watcher.join()
    assert result.code == 1, result
    records = events(result.out)
    results = sorted(c["result"] for c in of_kind(records, "change"))
    assert results == ["ok", "skipped", "skipped", "skipped"]
    end = records[-1]
    assert end["event"] == "round_end" and end["interrupted"] is True
    assert end["counts"]["created"] == 1 and end["counts"]["skipped"] == 3
    clones = [
        sandbox.application(e, a) for e in ("preview-101", "preview-102") for a in ("api", "web")
    ]
    assert sum(clone is not None for clone in clones) == 1
    assert signal.getsignal(signal.SIGTERM) is handler_before  # our handlers are gone


# ── the log writer ────────────────────────────────────────────────────────────────────────


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_each_line_is_one_flushed_json_object_with_ts_and_event() -> None:
    out = CountingStream()
    log = EventLog(out)
    log.write("round_start", round=1)
    log.write("error", round=1, message="line one\nline two")
    assert out.flushes == 2
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "round_start" and first["round"] == 1
    assert RFC3339_UTC.match(first["ts"])
    assert second["message"] == "line one\nline two"


def test_secrets_are_replaced_before_writing() -> None:
    out = io.StringIO()
    log = EventLog(out, secrets=["s3cr3t"])
    log.add_secrets(["Token tok-42", "tok-42", ""])
    log.write("error", message="Token tok-42 refused; s3cr3t leaked")
    assert json.loads(out.getvalue())["message"] == "*** refused; *** leaked"
    assert "s3cr3t" not in repr(log)


def test_lines_written_from_many_threads_never_interleave() -> None:
    out = io.StringIO()
    log = EventLog(out)

    def burst(n: int) -> None:
        for i in range(200):
            log.write("change", address=f"t{n}.{i}", message="x" * 500)

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(events(out.getvalue())) == 800


# ── the loop, as a subprocess ─────────────────────────────────────────────────────────────


def test_the_loop_survives_failed_rounds_rereads_manifests_and_stops_on_sigterm(
    recognisable_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox = recognisable_sandbox
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 501,  # not retried: the round fails at once
                "body": "{}",
                "times": 1,
            }
        ]
    )
    manifest = write_previews(tmp_path)
    loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.2")
    try:
        loop.until(round_end(exit_code=1))  # the API failed: logged, and the loop goes on
        assert of_kind(loop.records, "error")
        loop.until(round_end(exit_code=0, created=4))
        # a bad edit of the manifest: a failed round; fixed: the loop carries on
        write_previews(tmp_path, overrides="cpus: 250")
        loop.until(lambda r: r["event"] == "error" and "cpus" in r["message"])
        loop.until(round_end(exit_code=1))
        write_previews(tmp_path)
        loop.until(round_end(exit_code=0, created=0))
        stopped_at = time.monotonic()
        code, err = loop.stop(signal.SIGTERM)
    finally:
        loop.close()
    assert time.monotonic() - stopped_at < 3
    stopped, last_round = loop.records[-1], loop.records[-2]
    assert stopped["event"] == "stopped" and stopped["level"] == "info"  # the shutdown line
    assert stopped["rounds"] == last_round["round"]
    assert last_round["event"] == "round_end"
    assert code == last_round["exit_code"] == 0
    assert "Traceback" not in err and err == ""
    assert len(of_kind(loop.records, "round_start")) >= 4
    output = "".join(loop.raw)
    assert TOKEN not in output
    starts = [r["round"] for r in of_kind(loop.records, "round_start")]
    assert starts == list(range(1, len(starts) + 1))


def test_sigint_ends_the_loop_cleanly_with_0_whatever_the_last_round_did(
    recognisable_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sandbox = recognisable_sandbox
    sandbox.set_faults(
        rules=[
            {
                "method": "GET",
                "path": "/organization",
                "action": "respond",
                "status": 501,  # not retried: the round fails at once
                "body": "{}",
            }
        ]
    )
    loop = Loop(sandbox, tmp_path, write_previews(tmp_path), "--interval", "0.2")
    try:
        loop.until(round_end(exit_code=1))
        code, err = loop.stop(signal.SIGINT)
    finally:
        loop.close()
    assert code == 0  # contract section 18: the loop ends cleanly; round_end said how it went
    assert loop.records[-1]["event"] == "stopped"
    end = loop.records[-2]
    assert end["event"] == "round_end" and end["exit_code"] == 1 and end["level"] == "warning"
    assert "Traceback" not in err and "interrupted" not in err


def test_a_signal_during_a_rounds_writes_ends_the_loop_with_0_and_the_round_interrupted(
    recognisable_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    rules = [{"method": "POST", "path": "/application/*/clone", "action": "delay", "seconds": 1}]
    recognisable_sandbox.set_faults(rules=rules)
    manifest = write_previews(tmp_path)
    loop = Loop(recognisable_sandbox, tmp_path, manifest, "--interval", "60", "--parallelism", "1")
    try:
        loop.until(lambda r: r["event"] == "plan")  # the round is about to write
        code, err = loop.stop(signal.SIGTERM)
    finally:
        loop.close()
    assert code == 0, err
    assert loop.records[-1]["event"] == "stopped"
    end = loop.records[-2]
    assert end["event"] == "round_end" and end["interrupted"] is True and end["exit_code"] == 1
    assert "Traceback" not in err
