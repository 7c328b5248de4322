"""Secrets of variables never leak: a recognisable secret value, given by the runner's
environment and by a file, is searched for in everything the CLI prints (stdout, stderr, at
``-v``), every file it writes (saved plans), every log record and the sandbox's request log,
across plan, apply, drift and reconcile, on success and on failure paths: an unreadable
secret file, a changed secret, and an API that echoes the secret back or answers garbage."""

from __future__ import annotations

import base64
import io
import json
import logging
from pathlib import Path

import pytest
from helpers_manifests import demo_manifest

from reconciler.cli import main
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox

FROM_ENV = "sk_live_PLANTED_7f3e9a1b5c"
FROM_FILE = "pk_live_PLANTED_FILE_0d2c4e"
CHANGED = "sk_live_PLANTED_CHANGED_91ab"
VARIABLES = """  variables:
    STRIPE_KEY: {secret: {from_env: PREVIEW_STRIPE_KEY}}
    SIGNING_KEY: {secret: {from_file: signing.key}}
    LOG_LEVEL: debug
"""


class Run:
    """The CLI in-process at ``-v``, everything it prints kept for the final search."""

    def __init__(self) -> None:
        self.outputs: list[str] = []
        self.last = ""

    def __call__(self, *argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        code = main([*argv, "-v"], streams=Streams(out=out, err=err, inp=io.StringIO("")))
        self.outputs += [out.getvalue(), err.getvalue()]
        assert "Traceback" not in err.getvalue(), err.getvalue()
        self.last = out.getvalue() + err.getvalue()
        return code


def needles() -> list[bytes]:
    found = []
    for value in (FROM_ENV, FROM_FILE, CHANGED):
        raw = value.encode()
        found += [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"=")]
    return found


def test_no_command_leaks_a_secret_variable(
    cli: object,  # points the CLI at the sandbox
    sandbox: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREVIEW_STRIPE_KEY", FROM_ENV)
    (tmp_path / "signing.key").write_text(FROM_FILE + "\n")
    m = str(tmp_path / "previews.yaml")
    Path(m).write_text(demo_manifest(policy="{on_drift: correct}") + VARIABLES)
    run = Run()

    assert run("plan", m) == 0
    assert run("plan", m, "--json") == 0
    assert run("plan", m, "--out", "plan.json") == 0
    assert run("apply", "--plan", "plan.json") == 0
    assert run("drift", m) == 0
    assert run("drift", m, "--json") == 0
    assert run("reconcile", m) == 0
    monkeypatch.setenv("PREVIEW_STRIPE_KEY", CHANGED)
    assert run("drift", m, "--markdown") == 2
    assert run("plan", m, "--out", "changed.json") == 0
    monkeypatch.setenv("PREVIEW_STRIPE_KEY", FROM_ENV)
    assert run("apply", "--plan", "changed.json") == 1  # the secret changed since the plan
    monkeypatch.setenv("PREVIEW_STRIPE_KEY", CHANGED)
    assert run("apply", m, "--auto-approve", "--json") == 0

    # failure paths: an unreadable secret file, an API echoing the value, garbage answers
    (tmp_path / "signing.key").unlink()
    assert run("plan", m) == 1
    assert "variables.SIGNING_KEY: cannot read signing.key" in run.last
    (tmp_path / "signing.key").mkdir()
    assert run("apply", m, "--auto-approve") == 1
    (tmp_path / "signing.key").rmdir()
    (tmp_path / "signing.key").write_bytes(b"\xff\xfe" + FROM_FILE.encode())
    assert run("reconcile", m) == 1
    (tmp_path / "signing.key").write_text(FROM_FILE)
    monkeypatch.setenv("PREVIEW_STRIPE_KEY", FROM_ENV)  # changed again: one rewrite each
    echo = json.dumps({"status": 400, "detail": f"value {FROM_ENV} / {FROM_FILE} refused"})
    for status, body in ((400, echo), (201, f"<html>{FROM_ENV}"), (200, f"{FROM_ENV}")):
        rule = {"action": "respond", "path": "/variable/*", "status": status, "body": body}
        sandbox.set_faults(rules=[rule | {"method": "PUT"}, rule | {"method": "POST"}])
        assert run("apply", m, "--auto-approve") == 1
        assert run("apply", m, "--auto-approve", "--json") == 1
        assert run("reconcile", m) == 1
    garbage = {"action": "respond", "method": "GET", "path": "/variable", "body": "<html>oops"}
    sandbox.set_faults(rules=[garbage | {"status": 200}])
    assert run("plan", m) == 1
    assert run("drift", m, "--json") == 1
    sandbox.clear_faults()

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "signing.key"]
    assert any(p.name == "plan.json" for p in written)
    haystacks = [s.encode() for s in run.outputs]
    haystacks += [p.read_bytes() for p in written]
    haystacks += [(r.getMessage() + repr(r.__dict__)).encode() for r in caplog.records]
    haystacks.append(json.dumps(sandbox.requests()).encode())
    assert caplog.records, "the client logs its requests at DEBUG"
    for needle in needles():
        for haystack in haystacks:
            assert needle not in haystack, needle
