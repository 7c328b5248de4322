"""Human text views of a plan and of drift, like Terraform's: ``+ ~ - !`` and a summary.

Neighbours: ``plans`` (what is shown), ``formatting`` (values, summary line); commands
``plan``, ``apply``, ``drift`` call these with ``Streams.out`` and ``Streams.color``.
"""

from __future__ import annotations

from typing import TextIO

from reconciler.core.plans import (
    Action,
    Change,
    Plan,
    conflicts,
    drifted,
    missing,
    reported_drift,
    shown,
)
from reconciler.rendering.formatting import (
    drift_line,
    expiry_suffix,
    format_value,
    has_nothing_to_show,
    no_changes_line,
    summary_line,
)
from reconciler.rendering.variable_lines import other_items, variable_lines

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.CONFLICT: "!",
    Action.NOOP: "#",
    Action.EXPIRE: "z",
}
COLOURS = {
    Action.CREATE: "32",  # green
    Action.UPDATE: "33",  # yellow
    Action.DELETE: "31",  # red
    Action.CONFLICT: "35",  # magenta
    Action.NOOP: "36",  # cyan: reported drift
    Action.EXPIRE: "34",  # blue: stopped, not deleted
}
BOLD = "1"


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def _label(change: Change) -> str:
    if change.action is Action.NOOP:  # shown only when it drifted
        return "drift reported, not corrected (on_drift: report)"
    label = f"{change.action.value}: {change.reason}" if change.reason else change.action.value
    if change.source and change.target.name.casefold() != change.source.name.casefold():
        label += f" [application {change.target.name!r}]"  # a name template is in play
    return label


def _change_lines(change: Change, paint: _Painter, now: str | None) -> list[str]:
    symbol = paint(SYMBOLS[change.action], COLOURS[change.action])
    label = _label(change) + expiry_suffix(change, now)
    lines = [f"  {symbol} {paint(change.address, BOLD)}  {label}"]
    fields = other_items(change)
    if fields:
        lines.append("      drift (expected → actual):")
    for item in fields:
        lines.append(
            f"        {item.path}: {format_value(item.expected)} → "
            f"{format_value(item.actual)} ({item.origin.value})"
        )
    variables = variable_lines(change)
    if variables:
        lines.append("      variables:")
        lines.extend(f"        {line}" for line in variables)
    return lines


def render_plan(plan: Plan, out: TextIO, *, color: bool = False) -> None:
    """The plan, for people: one block per change worth showing, then the summary."""
    paint = _Painter(color)
    for note in plan.notes:
        out.write(f"Note: {note}\n")
    if has_nothing_to_show(plan):
        out.write(no_changes_line(plan) + "\n")
        return
    out.write("Reconciler will perform the following actions:\n\n")
    for change in shown(plan):
        out.write("\n".join(_change_lines(change, paint, plan.now)) + "\n")
    out.write("\n" + summary_line(plan.summary) + "\n")
    reported = len(reported_drift(plan))
    if reported:
        clones, them = ("clone is", "it") if reported == 1 else ("clones are", "them")
        out.write(
            f"{reported} drifted {clones} only reported (on_drift: report): apply leaves "
            f"{them} unchanged; with on_drift: correct it restores {them}.\n"
        )


def render_drift(plan: Plan, out: TextIO, *, color: bool = False) -> None:
    """The drift report: drifted clones with their fields, missing clones, conflicts."""
    paint = _Painter(color)
    for note in plan.notes:
        out.write(f"Note: {note}\n")
    if not (drifted(plan) or missing(plan) or conflicts(plan)):
        out.write("No drift. Every declared clone exists and matches its manifest.\n")
        return
    for change in drifted(plan):
        out.write(f"  {paint('~', COLOURS[Action.UPDATE])} {paint(change.address, BOLD)}\n")
        for item in other_items(change):
            out.write(
                f"        {item.path}: {format_value(item.expected)} → "
                f"{format_value(item.actual)} ({item.origin.value})\n"
            )
        out.write("".join(f"        {line}\n" for line in variable_lines(change)))
    for change in missing(plan):
        out.write(
            f"  {paint('+', COLOURS[Action.CREATE])} {paint(change.address, BOLD)}  missing\n"
        )
    for change in conflicts(plan):  # why drift exits 1: the clone cannot be compared or managed
        out.write("\n".join(_change_lines(change, paint, None)) + "\n")
    out.write("\n" + drift_line(plan.summary) + "\n")
