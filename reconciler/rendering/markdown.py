"""Markdown views of a plan and of drift: fit for a pull-request comment or a CI summary.

Each starts with a hidden marker (``<!-- reconciler:plan -->``, ``<!-- reconciler:drift -->``)
that CI looks for to update its one comment in place rather than add one per push
(``examples/ci``). Fields read as in the text view: ``before → after`` for what apply sets,
actual and declared for drift. Tables escape ``|`` (and newlines) in every cell; values are
shown as inline code. Neighbours: ``plans``, ``formatting``; ``plan --markdown`` and
``drift --markdown`` (through ``views``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TextIO

from reconciler.core.plans import (
    Action,
    Change,
    Plan,
    conflicts,
    drifted,
    missing,
    out_of_date,
    shown,
)
from reconciler.rendering.formatting import (
    created_fields,
    drift_line,
    expiry_suffix,
    footprint_line,
    format_value,
    has_nothing_to_show,
    no_changes_line,
    no_drift_line,
    pending_line,
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
    inner = text.replace("|", "\\|").replace("\n", " ")
    return f"`` {inner} ``" if "`" in text else f"`{inner}`"


def _table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    out.write("| " + " | ".join(header) + " |\n")
    out.write("|" + "|".join("---" for _ in header) + "|\n")
    out.write("".join([f"| {' | '.join(row)} |\n" for row in rows]))


def _drift_rows(changes: Sequence[Change]) -> list[list[str]]:
    return [
        [
            code(change.address),
            code(item.path),
            code(format_value(item.actual)),
            code(format_value(item.expected)),
            item.origin.value,
        ]
        for change in changes
        for item in change.drift
    ]


def _update_rows(changes: Sequence[Change]) -> list[list[str]]:
    """What apply sets, ``before → after``; a create's fields from its overrides."""
    return [
        [
            code(change.address),
            code(update.path),
            "" if change.action is Action.CREATE else code(format_value(update.before)),
            code(format_value(update.after)),
            update.origin.value,
        ]
        for change in changes
        for update in (
            created_fields(change, every=False)
            if change.action is Action.CREATE
            else change.updates
        )
    ]


DRIFT_HEADER = ("Clone", "Field", "Actual", "Declared", "Origin")
UPDATE_HEADER = ("Clone", "Field", "Before", "After", "Origin")
PLAN_MARKER = "<!-- reconciler:plan -->"
DRIFT_MARKER = "<!-- reconciler:drift -->"


def _notes(plan: Plan, out: TextIO) -> None:
    for note in plan.notes:
        out.write(f"> {cell(note)}\n")
    if plan.notes:
        out.write("\n")


def _warnings(plan: Plan, out: TextIO) -> None:
    if not plan.warnings:
        return
    out.write("\n### Warnings\n\n")
    for warning in plan.warnings:
        where = f"{code(str(warning.position))}: " if warning.position else ""
        out.write(f"- ⚠️ {where}{cell(warning.message)}\n")


def render_plan(plan: Plan, out: TextIO) -> None:
    """The plan as one pull-request comment: a hidden marker (so that CI finds and updates
    its one comment), the changes, the fields apply sets, drift, the summary, the footprint
    and the clone-safety warnings."""
    out.write(f"{PLAN_MARKER}\n## Reconciler plan\n\n")
    _notes(plan, out)
    if has_nothing_to_show(plan):
        out.write(no_changes_line(plan) + "\n")
        _warnings(plan, out)
        return
    listed = shown(plan)
    rows = [
        [ICONS[c.action], code(c.address), cell(c.reason + expiry_suffix(c, plan.now))]
        for c in listed
    ]
    _table(out, ("Action", "Clone", "Reason"), rows)
    update_rows = _update_rows(listed)
    if update_rows:
        out.write("\n### Changes\n\n")
        _table(out, UPDATE_HEADER, update_rows)
    drift_rows = _drift_rows(drifted(plan))
    if drift_rows:
        out.write("\n### Drift (changed outside the reconciler)\n\n")
        _table(out, DRIFT_HEADER, drift_rows)
    variable_rows = [[code(c.address), code(line)] for c in listed for line in variable_lines(c)]
    if variable_rows:
        out.write("\n### Variables\n\n")
        _table(out, ("Clone", "Variable"), variable_rows)
    out.write(f"\n**{summary_line(plan.summary)}**\n")
    if plan.has_pending_changes:
        out.write(f"\n**{footprint_line(plan.footprint)}**\n")
    _warnings(plan, out)


def render_drift(plan: Plan, out: TextIO) -> None:
    """The drift report as markdown: drifted fields, missing clones, conflicts."""
    out.write(f"{DRIFT_MARKER}\n## Reconciler drift\n\n")
    _notes(plan, out)
    drifted_clones, missing_clones, conflicting = drifted(plan), missing(plan), conflicts(plan)
    if not (drifted_clones or missing_clones or conflicting):
        out.write(no_drift_line(pending=bool(out_of_date(plan))) + "\n")
        _pending(plan, out)
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
    _pending(plan, out)


def _pending(plan: Plan, out: TextIO) -> None:
    rows = _update_rows(out_of_date(plan))
    if rows:
        out.write(f"\n{pending_line(len(out_of_date(plan)))}\n\n")
        _table(out, UPDATE_HEADER, rows)
