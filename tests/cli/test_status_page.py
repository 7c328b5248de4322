"""The status page of ``reconcile --listen``, as a person sees it: loaded by a real headless
browser (Debian's ``chromium-headless-shell`` or ``chromium``) from a running loop, its DOM
read back after rendering, and a screenshot taken. Without a browser the test is skipped on a
workstation, and fails in CI (``CI=true``; ``.ci/run`` installs one).

Also, with plain data: everything from outside is escaped, the console links are built from
the ids, failures come first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers_loop import Loop, make_trouble
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named

from reconciler.core.events import CloneRow, CloneState
from reconciler.core.plans import Action, Change, DriftItem, Endpoint, Origin
from reconciler.rendering.status_page import LoopStatus, render_status
from reconciler.sandbox import RunningSandbox

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"no headless browser in CI (looked for {', '.join(BROWSERS)})")
    pytest.skip(
        f"no headless browser here (looked for {', '.join(BROWSERS)}); "
        "apt-get install chromium-headless-shell to run it"
    )


def headless(binary: str, *args: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


class Rows(HTMLParser):
    """The clone rows of the rendered DOM: each row's classes and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, list[str]]] = []  # address, classes, cell texts
        self.banner: list[str] = []
        self._in_row = self._in_banner = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "clone" in (found.get("class") or ""):
            self.rows.append((found.get("data-address") or "", found.get("class") or "", []))
            self._in_row = True
        elif tag == "td" and self._in_row:
            self.rows[-1][2].append("")
        elif tag == "div" and "error" in (found.get("class") or "").split():
            self._in_banner = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._in_row = False
        elif tag == "div" and self._in_banner:
            self._in_banner = False

    def handle_data(self, data: str) -> None:
        if self._in_row and self.rows[-1][2]:
            cells = self.rows[-1][2]
            cells[-1] = (cells[-1] + " " + data.strip()).strip()
        if self._in_banner:
            self.banner.append(data.strip())


def test_a_browser_shows_a_row_per_clone_the_drifted_one_marked_and_the_failures_first(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    binary = browser()
    make_trouble(sandbox)
    manifest = write_manifest(tmp_path, demo_manifest(policy="{on_drift: report}"))
    loop = Loop(sandbox, tmp_path, manifest, "--interval", "0.5", "--listen", "127.0.0.1:0")
    try:
        loop.until(lambda r: r["event"] == "listening")
        url = loop.records[-1]["url"]
        loop.until(lambda r: r["event"] == "round_end")
        sandbox.edit_out_of_band(app_named(sandbox, "preview-102", "api")["id"], memory=999)
        loop.until(lambda r: r["event"] == "drift")
        loop.until(lambda r: r["event"] == "round_end")
        dom = headless(binary, "--dump-dom", url)
        shot = tmp_path / "status.png"
        headless(binary, "--window-size=1400,900", f"--screenshot={shot}", url)
        code, err = loop.stop(signal.SIGTERM)
    finally:
        loop.close()
    assert code == 0, err
    page = Rows()
    page.feed(dom)
    rows = {address: (classes, cells) for address, classes, cells in page.rows}
    assert sorted(rows) == [
        "previews.api[shop/preview-101]",
        "previews.api[shop/preview-102]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
    ]  # a row per clone
    classes, cells = rows["previews.api[shop/preview-102]"]
    assert "state-drifted" in classes and cells[2] == "drifted"  # marked, and says so
    assert "memory" in cells[5] and "999" in cells[5] and "declared 512" in cells[5]
    for failed in ("previews.web[shop/preview-101]", "previews.web[shop/preview-102]"):
        classes, cells = rows[failed]
        assert "result-failed" in classes and cells[4].startswith("failed")
        assert "refused for the test" in cells[4]  # the failure's reason is shown
    assert rows["previews.api[shop/preview-101]"][1][2] == "conflict"
    # failures first: the conflict and the failed creates, then the drift
    assert [address for address, _, _ in page.rows] == [
        "previews.api[shop/preview-101]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
        "previews.api[shop/preview-102]",
    ]
    links = rows["previews.api[shop/preview-102]"][1][7]
    assert links == "service environment"
    assert "https://console.qovery.com/organization/" in dom
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


# ── plain data ────────────────────────────────────────────────────────────────────────────


def row(name: str, state: CloneState, result: str, message: str = "") -> CloneRow:
    target = Endpoint("app-1", name, "shop", "preview-1", "env-1")
    drift = (DriftItem("cpu", 250, 900, Origin.OVERRIDE),) if state is CloneState.DRIFTED else ()
    address = f"m.{name}[shop/preview-1]"
    change = Change(address, Action.NOOP, "m", target, target, owned=True, drift=drift)
    return CloneRow(address, "m", change, state, "noop", result, message)


def test_everything_from_outside_is_escaped_and_links_are_built_from_ids() -> None:
    status = LoopStatus(
        round=3,
        ended_at="2026-08-20T12:00:00.123Z",
        duration_s=1.25,
        result="error",
        error='<script>alert("x")</script>',
        rows=(
            row("ok", CloneState.IN_SYNC, "ok"),
            row("<b>bold</b>", CloneState.DRIFTED, "ok"),
            row("broken", CloneState.MISSING, "failed", "HTTP 500 & <worse>"),
        ),
        places={"env-1": ("org-9", "proj-8")},
    )
    page = render_status(status)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page and "HTTP 500 &amp; &lt;worse&gt;" in page
    console = "https://console.qovery.com/organization/org-9/project/proj-8/environment/env-1"
    assert f'href="{console}/application/app-1/general"' in page
    assert f'href="{console}/services/general"' in page
    order = [page.index(f"m.{n}[shop") for n in ("broken", "&lt;b&gt;bold&lt;/b&gt;", "ok")]
    assert order == sorted(order)  # the failure first, then the drift, then the rest
    assert "Round 3 ended 2026-08-20 12:00:00 UTC after 1.2s" in page
    assert "<script" not in page.split("<style>")[0] and "src=" not in page  # no JS, no assets
    empty = render_status(LoopStatus())
    assert "No round has finished yet." in empty
