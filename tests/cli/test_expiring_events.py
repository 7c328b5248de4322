"""Contract 14's ``expiring`` event: a temporary clone that expires within its manifest's
``policy.expiry_warning`` is announced to ``--notify`` receivers, by ``apply`` and, once per
clone while the loop runs, by ``reconcile``; an expired clone is ``expired``, not
``expiring``. Over the sandbox (its clock moved forward) and a real loopback receiver."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from helpers_loop import Loop, round_end
from helpers_manifests import demo_manifest, write_manifest
from helpers_receiver import Receiver

from reconciler.sandbox import RunningSandbox

MINUTE = 60
CLONES = {f"previews.{app}[shop/preview-{n}]" for app in ("api", "web") for n in (101, 102)}


def events(receiver: Receiver) -> Counter[tuple[str, str]]:
    return Counter((body["event"], body["address"]) for body in receiver.events())


def test_apply_announces_the_clones_that_expire_within_the_warning(
    cli: Any, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    policy = "{expire_after: 2h, expiry_warning: 1h}"
    manifest = write_manifest(tmp_path, demo_manifest(policy=policy))
    with Receiver() as receiver:
        created = cli("apply", manifest, "--auto-approve", "--notify", receiver.url)
        assert created.code == 0, created
        assert events(receiver) == Counter(("created", a) for a in CLONES)  # 2h: not yet

    now = sandbox.advance_clock(70 * MINUTE)  # 50 minutes left: within the hour of warning
    with Receiver() as receiver:
        quiet = cli("apply", manifest, "--auto-approve", "--notify", receiver.url)
        assert quiet.code == 0 and "No changes." in quiet.out, quiet
        bodies = receiver.events()
    assert Counter((b["event"], b["address"]) for b in bodies) == Counter(
        ("expiring", a) for a in CLONES
    )
    for body in bodies:
        assert body["action"] == "noop" and body["result"] == "expiring"
        assert body["manifest"] == "previews"
        ends = datetime.fromisoformat(body["message"].removeprefix("expires at "))
        left = ends - datetime.fromtimestamp(now, UTC)  # the API's clock judges expiry
        assert timedelta(minutes=45) < left <= timedelta(minutes=50), body

    sandbox.advance_clock(MINUTE * 60)  # past the end: expired, no longer expiring
    with Receiver() as receiver:
        stopped = cli("apply", manifest, "--auto-approve", "--notify", receiver.url)
        assert stopped.code == 0, stopped
        assert events(receiver) == Counter(("expired", a) for a in CLONES)


def test_a_loop_announces_each_expiring_clone_once(sandbox: RunningSandbox, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest(policy="{expire_after: 2h}"))
    with Receiver() as receiver:  # the default warning (24h) holds the 2h of every clone
        loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.2", "--notify", receiver.url)
        try:
            loop.until(round_end(exit_code=0, created=4))
            loop.until(lambda r: r["event"] == "round_end" and r["round"] == 4)
            code, err = loop.stop(signal.SIGTERM, timeout=20)
        finally:
            loop.close()
        assert code == 0, err
        sent = events(receiver)
    assert sent == Counter([*(("created", a) for a in CLONES), *(("expiring", a) for a in CLONES)])
