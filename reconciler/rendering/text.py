"""Human text views of a plan and of drift, like Terraform's: ``+ ~ - !`` and a summary.

Under each change, the fields as a reviewer reads them (contract section 17): what apply
sets as ``before → after``, a create's fields from the overrides (all with ``-v``), and drift
made behind the reconciler's back as ``actual, declared expected``.

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
    out_of_date,
    reported_drift,
    shown,
)
from reconciler.rendering.formatting import (
    CORRECTS_HEADING,
    DRIFT_HEADING,
    created_fields,
    created_text,
    drift_line,
    drift_text,
    expiry_suffix,
    footprint_line,
    has_nothing_to_show,
    no_changes_line,
    no_drift_line,
    pending_line,
    summary_line,
    update_text,
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
BATCH = 4096  # lines written at a time


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


def _field_lines(change: Change, *, verbose: bool) -> list[str]:
    """The fields under a change: a create's, what apply sets, or the drift it reports (the
    variables' own lines follow, from ``variable_lines``)."""
    if change.action is Action.CREATE:
        return [f"        {created_text(u)}" for u in created_fields(change, every=verbose)]
    drift = other_items(change)
    if drift and change.action is Action.NOOP:  # reported, left as it is
        return [f"      {DRIFT_HEADING}", *(f"        {drift_text(i)}" for i in drift)]
    lines = [f"      {CORRECTS_HEADING}"] if drift else []
    return lines + [f"        {update_text(u)}" for u in change.updates]


def _change_lines(
    change: Change, paint: _Painter, now: str | None = None, *, verbose: bool = False
) -> list[str]:
    symbol = paint(SYMBOLS[change.action], COLOURS[change.action])
    label = _label(change) + expiry_suffix(change, now)
    lines = [f"  {symbol} {paint(change.address, BOLD)}  {label}"]
    lines += _field_lines(change, verbose=verbose)
    variables = variable_lines(change)
    if variables:
        lines.append("      variables:")
        lines.extend(f"        {line}" for line in variables)
    return lines


def render_plan(plan: Plan, out: TextIO, *, color: bool = False, verbose: bool = False) -> None:
    """The plan, for people: one block per change worth showing, the summary, the footprint.

    ``verbose``: a create lists every field the clone gets, not only its overrides.
    """
    paint = _Painter(color)
    for note in plan.notes:
        out.write(f"Note: {note}\n")
    if has_nothing_to_show(plan):
        out.write(no_changes_line(plan) + "\n")
        return
    out.write("Reconciler will perform the following actions:\n\n")
    lines: list[str] = []
    for change in shown(plan):
        lines += _change_lines(change, paint, plan.now, verbose=verbose)
        if len(lines) >= BATCH:
            _write_lines(lines, out)
    _write_lines(lines, out)
    out.write("\n" + summary_line(plan.summary) + "\n")
    if plan.has_pending_changes:
        out.write(footprint_line(plan.footprint) + "\n")
    reported = len(reported_drift(plan))
    if reported:
        clones, them = ("clone is", "it") if reported == 1 else ("clones are", "them")
        out.write(
            f"{reported} drifted {clones} only reported (on_drift: report): apply leaves "
            f"{them} unchanged; with on_drift: correct it restores {them}.\n"
        )


def _write_lines(lines: list[str], out: TextIO) -> None:
    """Write ``lines`` to ``out`` at once, each ending with a newline, and empty the list (a
    large plan goes out a batch at a time, not a write per line nor one string of all)."""
    if lines:
        lines.append("")
        out.write("\n".join(lines))
        lines.clear()


def render_drift(plan: Plan, out: TextIO, *, color: bool = False) -> None:
    """The drift report: drifted clones with their fields, missing clones, conflicts; and,
    apart, clones whose changed declaration apply has not made yet (not drift)."""
    paint = _Painter(color)
    for note in plan.notes:
        out.write(f"Note: {note}\n")
    pending = out_of_date(plan)
    drifted_clones, missing_clones, conflicting = drifted(plan), missing(plan), conflicts(plan)
    if not (drifted_clones or missing_clones or conflicting):
        out.write(no_drift_line(pending=bool(pending)) + "\n")
        _pending(pending, out, paint)
        return
    lines: list[str] = []
    for change in drifted_clones:
        lines.append(f"  {paint('~', COLOURS[Action.UPDATE])} {paint(change.address, BOLD)}")
        lines += [f"        {drift_text(item)}" for item in other_items(change)]
        lines += [f"        {line}" for line in variable_lines(change)]
    for change in missing_clones:
        lines.append(
            f"  {paint('+', COLOURS[Action.CREATE])} {paint(change.address, BOLD)}  missing"
        )
    for change in conflicting:  # why drift exits 1: the clone cannot be compared or managed
        lines += _change_lines(change, paint, None)
    _write_lines(lines, out)
    out.write("\n" + drift_line(plan.summary) + "\n")
    _pending(pending, out, paint)


def _pending(changes: tuple[Change, ...], out: TextIO, paint: _Painter) -> None:
    if not changes:
        return
    out.write(f"\n{pending_line(len(changes))}\n")
    lines: list[str] = []
    for change in changes:
        lines.append(f"  {paint('~', COLOURS[Action.UPDATE])} {paint(change.address, BOLD)}")
        lines += [f"        {update_text(u)}" for u in change.updates]
    _write_lines(lines, out)
