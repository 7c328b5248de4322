"""The status page of ``reconcile --listen`` (``/``): server-rendered HTML, no JavaScript.

``render_status(status)`` turns a ``LoopStatus`` (the last round, and every declared clone
as that round left it) into one self-contained page: inline CSS, no external asset, readable
in any browser and in a terminal browser. Failures come first: manifests with a failed,
conflicting, drifted or missing clone before the others, and within a manifest the clones in
that order. Each clone shows its last action and result, its drift (``path: actual,
declared expected``), its expiry when it has one, and its links in the Qovery console.
Everything that comes from outside (names, messages, values) is HTML-escaped.

Neighbours: ``core.events`` (``CloneRow``), ``commands.watching`` (builds the status, serves
the page through ``edges.serving``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from reconciler.core.events import CloneRow, CloneState

CONSOLE = "https://console.qovery.com"
_RANK = {
    CloneState.CONFLICT: 0,
    CloneState.MISSING: 1,
    CloneState.DRIFTED: 2,
    CloneState.EXPIRED: 3,
    CloneState.IN_SYNC: 4,
}
_BAD_RESULTS = ("failed", "conflict")


@dataclass(frozen=True)
class LoopStatus:
    """What the page shows: the last round, and the clones as it left them."""

    round: int = 0
    ended_at: str | None = None  # RFC 3339
    duration_s: float | None = None
    result: str | None = None  # ok | changes_failed | error
    error: str | None = None  # why the round could not run
    interval_s: float | None = None
    rows: tuple[CloneRow, ...] = ()
    places: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # env id → org, project


def console_links(row: CloneRow, places: Mapping[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, URL) of the clone's service and environment in the Qovery console, when its
    organization and project are known."""
    target = row.change.target
    place = places.get(target.environment_id or "")
    if place is None or target.environment_id is None:
        return []
    organization, project = place
    environment = (
        f"{CONSOLE}/organization/{organization}/project/{project}"
        f"/environment/{target.environment_id}"
    )
    links = [("environment", f"{environment}/services/general")]
    if target.application_id:
        service = "job" if target.kind == "job" else "application"
        links.insert(0, ("service", f"{environment}/{service}/{target.application_id}/general"))
    return links


def _row_rank(row: CloneRow) -> tuple[int, int, str]:
    return (0 if row.result in _BAD_RESULTS else 1, _RANK[row.state], row.address.casefold())


def _ordered(rows: Sequence[CloneRow]) -> list[tuple[str, list[CloneRow]]]:
    """Manifests (those in trouble first), each with its clones (failures first)."""
    groups: dict[str, list[CloneRow]] = {}
    for row in sorted(rows, key=_row_rank):
        groups.setdefault(row.manifest, []).append(row)
    return sorted(groups.items(), key=lambda item: (_row_rank(item[1][0])[:2], item[0]))


def _value(value: object) -> str:
    return escape(json.dumps(value, ensure_ascii=False, default=str))


def _drift_cell(row: CloneRow) -> str:
    if not row.change.drift:
        return '<span class="muted">none</span>'
    items = "".join(
        f"<li><code>{escape(item.path)}</code>: {_value(item.actual)}, "
        f"declared {_value(item.expected)}</li>"
        for item in row.change.drift
    )
    return f'<ul class="drift">{items}</ul>'


def _row_html(row: CloneRow, places: Mapping[str, tuple[str, str]]) -> str:
    target = row.change.target
    where = f"{target.project or '?'} / {target.environment or '?'}"
    links = " ".join(
        f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in console_links(row, places)
    )
    state = row.state.value.replace("_", " ")
    result_class = "bad" if row.result in _BAD_RESULTS else "fine"
    return (
        f'<tr class="clone state-{row.state.value} result-{escape(row.result)}" '
        f'data-address="{escape(row.address)}">'
        f'<td><strong>{escape(target.name)}</strong><div class="muted">{escape(row.address)}'
        f"</div></td><td>{escape(where)}</td>"
        f'<td><span class="badge {row.state.value}">{escape(state)}</span></td>'
        f"<td>{escape(row.action)}</td>"
        f'<td><span class="result {result_class}">{escape(row.result)}</span>'
        f'<div class="message">{escape(row.message)}</div></td>'
        f"<td>{_drift_cell(row)}</td>"
        f"<td>{escape(row.expires_at) if row.expires_at else '—'}</td>"
        f'<td class="links">{links or "—"}</td></tr>'
    )


_HEAD = (
    "<tr><th>clone</th><th>where</th><th>state</th><th>last action</th><th>result</th>"
    "<th>drift</th><th>expires</th><th>Qovery</th></tr>"
)


def _manifest_html(name: str, rows: list[CloneRow], places: Mapping[str, tuple[str, str]]) -> str:
    body = "".join(_row_html(row, places) for row in rows)
    return (
        f'<section><h2>{escape(name)} <span class="muted">{len(rows)} clones</span></h2>'
        f"<table><thead>{_HEAD}</thead><tbody>{body}</tbody></table></section>"
    )


def _summary_html(status: LoopStatus) -> str:
    if status.round == 0:
        return '<p class="summary">No round has finished yet.</p>'
    counts: dict[str, int] = {}
    for row in status.rows:
        counts[row.state.value] = counts.get(row.state.value, 0) + 1
    chips = "".join(
        f'<span class="badge {escape(state)}">{n} {escape(state.replace("_", " "))}</span> '
        for state, n in sorted(counts.items())
    )
    duration = f"{status.duration_s:.1f}s" if status.duration_s is not None else "?"
    ended = (status.ended_at or "?").replace("T", " ").rsplit(".", 1)[0] + " UTC"
    every = f", every {status.interval_s:g}s" if status.interval_s else ""
    result = escape(status.result or "?")
    said = result.replace("_", " ")
    return (
        f'<p class="summary">Round {status.round} ended {escape(ended)} '
        f'after {duration}{every}: <span class="round {result}">{said}</span></p>'
        f"<p>{chips}</p>"
    )


def render_status(status: LoopStatus) -> str:
    """The whole page."""
    error = (
        f'<div class="error"><strong>The last round could not run:</strong> '
        f"{escape(status.error)}</div>"
        if status.error
        else ""
    )
    sections = "".join(_manifest_html(n, rows, status.places) for n, rows in _ordered(status.rows))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>reconciler status</title><style>{_CSS}</style></head><body>"
        f"<header><h1>reconciler</h1>{_summary_html(status)}</header>{error}"
        f"<main>{sections}</main></body></html>\n"
    )


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
margin:0;background:#f6f7f9;color:#1f2430}
header{background:#1f2430;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px;font-size:22px;letter-spacing:.5px}
header .summary{margin:0 0 8px;color:#cfd5e1}
main{padding:12px 32px 32px}
section{background:#fff;border:1px solid #e2e5eb;border-radius:8px;margin:18px 0;
overflow:hidden}
h2{font-size:17px;margin:0;padding:12px 16px;border-bottom:1px solid #e2e5eb}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th:nth-child(1){width:18%}th:nth-child(2){width:12%}th:nth-child(3){width:9%}
th:nth-child(4){width:8%}th:nth-child(5){width:22%}th:nth-child(6){width:15%}
th:nth-child(7){width:6%}th:nth-child(8){width:10%}
td{overflow-wrap:break-word}
th{text-align:left;font-weight:600;font-size:12px;text-transform:uppercase;color:#687082;
padding:8px 12px;background:#fafbfc}
td{padding:10px 12px;border-top:1px solid #eef0f3;vertical-align:top}
.muted{color:#8a91a0;font-size:12px;font-weight:normal}
.message{color:#4a5162;font-size:13px;max-width:28em}
.badge{display:inline-block;padding:2px 9px;border-radius:10px;font-size:12px;
font-weight:600;background:#e7f6ec;color:#1d7a3e}
.badge.drifted{background:#fff3d6;color:#8a5a00}
.badge.missing{background:#e8efff;color:#2a53b5}
.badge.conflict{background:#fde4e4;color:#a11d1d}
.badge.expired{background:#eceef2;color:#565d6b}
.result.bad,.round.error,.round.changes_failed{color:#a11d1d;font-weight:700}
.round.ok{color:#7fe0a1;font-weight:700}
tr.result-failed,tr.result-conflict{background:#fff6f6}
tr.state-drifted{background:#fffbf0}
ul.drift{margin:0;padding-left:18px;font-size:13px}
code{background:#f0f2f5;padding:1px 4px;border-radius:4px}
.links a{color:#2a53b5;display:block;white-space:nowrap}
.error{margin:18px 32px 0;padding:12px 16px;border-radius:8px;background:#fde4e4;
color:#7d1212;border:1px solid #f3b7b7}
"""
