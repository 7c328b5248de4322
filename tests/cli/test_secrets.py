"""Secrets: the user's API token never leaves the process in any output, file or log record.

The whole CLI surface runs in-process, with ``-v``, against a sandbox that accepts a
recognisable token (a plain one and a JWT-shaped one, given by ``QOVERY_API_TOKEN`` or by
``--token-file``), on success and failure paths; then every byte of stdout, stderr, every
file written (saved plans, logs) and every logging record captured at DEBUG is searched for
the token, its base64 and urlsafe-base64 forms and (for a JWT) its signature. Beside that:
``http://`` to a host that is not loopback is refused before any connection, and a prune
whose listing fails deletes nothing.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest
from helpers_sandbox import app_named

from reconciler.cli import main
from reconciler.core.ownership import read_marker
from reconciler.rendering.streams import Streams
from reconciler.sandbox import RunningSandbox, start


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


PLAIN = "tok_SECRET_9f8e7d6c5b4a"
JWT = ".".join(
    (
        _b64url(b'{"alg":"HS256","typ":"JWT"}'),
        _b64url(b'{"sub":"robot-SECRET-7e6d","exp":4102444800}'),
        _b64url(b"SIGNATURE-SECRET-0a1b2c3d4e5f"),
    )
)
WRONG = "tok_WRONG_SECRET_1234abcd"

POLICY = "{on_drift: correct, prune: true}"
MANIFEST = demo_manifest(targets=("environment: preview-101",), policy=POLICY)


def forms(token: str) -> list[bytes]:
    """The token as it could leak: raw, in base64 and urlsafe base64, with its header."""
    raw = token.encode()
    found = [raw]
    for value in (raw, b"Token " + raw, b"Bearer " + raw):
        found += [base64.b64encode(value), base64.urlsafe_b64encode(value)]
        found += [v.rstrip(b"=") for v in found[-2:]]
    if token.count(".") == 2:  # a JWT: its payload and signature are secret on their own
        found += [part.encode() for part in token.split(".")[1:]]
    return found


class Run:
    """The CLI in-process, everything it prints kept for the final search."""

    def __init__(self, token_args: list[str], workdir: Path) -> None:
        self.token_args = token_args
        self.workdir = workdir
        self.outputs: list[str] = []

    def __call__(self, *argv: str, token: bool = True) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        args = [*argv, "-v", *(self.token_args if token else [])]
        code = main(args, streams=Streams(out=out, err=err, inp=io.StringIO("")))
        self.outputs += [out.getvalue(), err.getvalue()]
        assert "Traceback" not in err.getvalue(), err.getvalue()
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(params=["plain-env", "plain-file", "jwt-env", "jwt-file"])
def secret(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str, RunningSandbox]]:
    """(token, how it is given, a sandbox accepting only it); cwd is a fresh directory."""
    kind, via = request.param.split("-")
    token = PLAIN if kind == "plain" else JWT
    with start(token=token) as sandbox:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("QOVERY_API_URL", sandbox.url)
        monkeypatch.delenv("QOVERY_TOKEN_TYPE", raising=False)
        monkeypatch.delenv("QOVERY_API_TOKEN", raising=False)
        if via == "env":
            monkeypatch.setenv("QOVERY_API_TOKEN", token)
        yield token, via, sandbox


def _token_args(token: str, via: str, secrets_dir: Path, name: str = "token") -> list[str]:
    if via == "env":
        return []
    path = secrets_dir / name
    path.write_text(token + "\n")
    return ["--token-file", str(path)]


def test_no_command_leaks_the_token(
    secret: tuple[str, str, RunningSandbox],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token, via, sandbox = secret
    caplog.set_level(logging.DEBUG)
    secrets_dir = tmp_path_factory.mktemp("secrets")  # the token files: inputs, not outputs
    run = Run(_token_args(token, via, secrets_dir), tmp_path)
    manifest = tmp_path / "previews.yaml"
    manifest.write_text(MANIFEST)
    m = str(manifest)

    # success paths
    assert run("validate", m, token=False)[0] == 0
    assert run("validate", m, "--json", token=False)[0] == 0
    assert run("plan", m)[0] == 0
    assert run("plan", m, "--json")[0] == 0
    assert run("plan", m, "--out", "plan.json")[0] == 0
    assert run("drift", m)[0] == 2
    assert run("drift", m, "--json")[0] == 2
    assert run("drift", m, "--markdown")[0] == 2
    assert run("apply", "--plan", "plan.json")[0] == 0
    assert run("apply", "--plan", "plan.json")[0] == 1  # stale now: refused
    api = app_named(sandbox, "preview-101", "api")
    sandbox.edit_out_of_band(api["id"], memory=999)
    assert run("apply", m, "--auto-approve", "--json")[0] == 0
    sandbox.edit_out_of_band(api["id"], memory=998)
    assert run("apply", m, "--auto-approve")[0] == 0
    assert run("reconcile", m)[0] == 0
    assert run("plan", m, "--detailed-exitcode")[0] == 0

    # failure paths: a server that echoes the Authorization header back, 5xx, bad input
    echo = json.dumps({"status": 501, "detail": f"bad header Token {token} / Bearer {token}"})
    for method, path in (("GET", "/organization"), ("PUT", "/application/*")):
        sandbox.set_faults(
            rules=[
                {"action": "respond", "method": method, "path": path, "status": 501, "body": echo}
            ]
        )
        sandbox.edit_out_of_band(api["id"], memory=997)
        assert run("plan", m)[0] == (1 if method == "GET" else 0)
        assert run("apply", m, "--auto-approve")[0] == 1
        assert run("apply", m, "--auto-approve", "--json")[0] == 1
        assert run("reconcile", m)[0] == 1
        assert run("drift", m, "--markdown")[0] in (1, 2)
    sandbox.clear_faults()
    (tmp_path / "bad.yaml").write_text(MANIFEST.replace("cpu: 250", "cpus: 250"))
    assert run("validate", str(tmp_path / "bad.yaml"), token=False)[0] == 1
    assert run("plan", str(tmp_path / "bad.yaml"))[0] == 1
    assert run("plan", m, "--no-such-flag")[0] == 1
    assert run("apply", m)[0] == 1  # no terminal, no --auto-approve

    # a wrong token: 401, and the wrong token is a secret too
    wrong = Run(_token_args(WRONG, via, secrets_dir, "wrong"), tmp_path)
    if via == "env":
        monkeypatch.setenv("QOVERY_API_TOKEN", WRONG)
    code, _, err = wrong("plan", m)
    assert code == 1 and "401" in err
    assert wrong("apply", m, "--auto-approve")[0] == 1
    assert wrong("reconcile", m)[0] == 1

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "plan.json" for p in written)
    haystacks = [s.encode() for s in run.outputs + wrong.outputs]
    haystacks += [p.read_bytes() for p in written]
    haystacks += [_record_text(r).encode() for r in caplog.records]
    assert caplog.records, "the client logs its requests at DEBUG"
    for needle in forms(token) + forms(WRONG):
        for haystack in haystacks:
            assert needle not in haystack, needle


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_plain_http_to_a_non_loopback_host_is_refused_before_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to listen on")
    manifest = tmp_path / "previews.yaml"
    manifest.write_text(MANIFEST)
    with socket.socket() as listener:
        listener.bind((address, 0))
        listener.listen(1)
        listener.setblocking(False)
        monkeypatch.setenv("QOVERY_API_TOKEN", PLAIN)
        url = f"http://{address}:{listener.getsockname()[1]}"
        for flags in (["--api-url", url], []):
            monkeypatch.setenv("QOVERY_API_URL", url)
            out, err = io.StringIO(), io.StringIO()
            code = main(["plan", str(manifest), *flags], streams=Streams(out, err, io.StringIO()))
            assert code == 1
            assert "plain http://" in err.getvalue(), err.getvalue()
            assert PLAIN not in err.getvalue() + out.getvalue()
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected


# -- prune never acts on a failed listing
RETIRED = demo_manifest(targets=(), policy=POLICY)


@pytest.mark.parametrize("listing", ["organization environments", "environment applications"])
def test_prune_whose_listing_fails_deletes_nothing(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path, listing: str
) -> None:
    manifest = tmp_path / "previews.yaml"
    manifest.write_text(MANIFEST)
    assert cli("apply", str(manifest), "--auto-approve").code == 0
    clone = sandbox.application("preview-101", "api")
    assert clone is not None and read_marker(clone.get("description")) is not None
    manifest.write_text(RETIRED)
    plan = cli("plan", str(manifest), "--json")
    assert json.loads(plan.out)["summary"]["delete"] == 2  # the honest listing prunes both

    if listing == "organization environments":
        path = "/organization/*/environments"
    else:
        path = f"/environment/{sandbox.environment_id('preview-101')}/application"
    rule = {
        "action": "respond",
        "method": "GET",
        "path": path,
        "status": 503,
        "headers": {"Retry-After": "0"},  # retried at once, and still failing
        "body": '{"status": 503, "detail": "unavailable"}',
    }
    sandbox.set_faults(rules=[rule])
    sandbox.clear_requests()
    result = cli("apply", str(manifest), "--auto-approve")
    assert result.code == 1, result
    assert "503" in result.err and "Traceback" not in result.err
    assert [r for r in sandbox.requests() if r["method"] == "DELETE"] == []
    assert [r for r in sandbox.requests() if r["method"] != "GET"] == []
    assert sandbox.application("preview-101", "api") is not None
    assert sandbox.application("preview-101", "web") is not None
    reconcile = cli("reconcile", str(manifest))
    assert reconcile.code == 1
    assert [r for r in sandbox.requests() if r["method"] != "GET"] == []
