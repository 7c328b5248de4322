"""Markdown views of a plan and of drift: fit for a pull-request comment or a CI summary.

Tables escape ``|`` (and newlines) in every cell; values are shown as inline code.
Neighbours: ``plans``, ``formatting``; commands ``plan`` and ``drift --markdown``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TextIO

from reconciler.core.plans import Action, Change, Plan, conflicts, drifted, missing, shown
from reconciler.rendering.formatting import (
    drift_line,
    expiry_suffix,
    format_value,
    has_nothing_to_show,
    no_changes_line,
    summary_line,
)
from reconciler.rendering.variable_lines import variable_lines

ICONS = {
    Action.CREATE: "➕ create",
    Action.UPDATE: "🔄 update",
    Action.DELETE: "🗑️ delete",
    Action.CONFLICT: "⛔ conflict",
    Action.NOOP: "⚠️ drifted",
    Action.EXPIRE: "💤 expire",
}


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def code(text: str) -> str:
    """Inline code safe inside a table cell (backticks cannot be escaped: doubled fences)."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    inner = text.replace("|", "\\|").replace("\n", " ")
    return f"{fence}{pad}{inner}{pad}{fence}"


def _table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    out.write("| " + " | ".join(header) + " |\n")
    out.write("|" + "|".join("---" for _ in header) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(row) + " |\n")


def _drift_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            code(change.address),
            code(item.path),
            code(format_value(item.expected)),
            code(format_value(item.actual)),
            item.origin.value,
        ]
        for change in changes
        for item in change.drift
    ]


DRIFT_HEADER = ("Clone", "Field", "Expected", "Actual", "Origin")


def render_plan(plan: Plan, out: TextIO) -> None:
    """The plan as a markdown section: a table of changes, then the drift per field."""
    out.write("## Reconciler plan\n\n")
    for note in plan.notes:
        out.write(f"> {cell(note)}\n")
    if plan.notes:
        out.write("\n")
    if has_nothing_to_show(plan):
        out.write(no_changes_line(plan) + "\n")
        return
    rows = [
        [ICONS[c.action], code(c.address), cell(c.reason + expiry_suffix(c, plan.now))]
        for c in shown(plan)
    ]
    _table(out, ("Action", "Clone", "Reason"), rows)
    drift_rows = _drift_rows(drifted(plan))
    if drift_rows:
        out.write("\n### Drift\n\n")
        _table(out, DRIFT_HEADER, drift_rows)
    variable_rows = [
        [code(c.address), code(line)] for c in shown(plan) for line in variable_lines(c)
    ]
    if variable_rows:
        out.write("\n### Variables\n\n")
        _table(out, ("Clone", "Variable"), variable_rows)
    out.write(f"\n**{summary_line(plan.summary)}**\n")


def render_drift(plan: Plan, out: TextIO) -> None:
    """The drift report as markdown: drifted fields, missing clones, conflicts."""
    out.write("## Reconciler drift\n\n")
    for note in plan.notes:
        out.write(f"> {cell(note)}\n")
    if plan.notes:
        out.write("\n")
    drifted_clones, missing_clones, conflicting = drifted(plan), missing(plan), conflicts(plan)
    if not (drifted_clones or missing_clones or conflicting):
        out.write("No drift. Every declared clone exists and matches its manifest.\n")
        return
    sections: list[str] = []
    if drifted_clones:
        table = io.StringIO()
        _table(table, DRIFT_HEADER, _drift_rows(drifted_clones))
        sections.append(table.getvalue())
    if missing_clones:
        sections.append(
            "**Missing clones:**\n\n" + "".join(f"- {code(c.address)}\n" for c in missing_clones)
        )
    if conflicting:  # why drift fails: these clones cannot be compared or managed
        sections.append(
            "**Conflicts:**\n\n"
            + "".join(f"- {code(c.address)}: {cell(c.reason)}\n" for c in conflicting)
        )
    sections.append(f"**{drift_line(plan.summary)}**\n")
    out.write("\n".join(sections))
