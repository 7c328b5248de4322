"""How a change's variables read in a plan: ``+ KEY``, ``~ KEY: "a" → "b"``, ``- KEY``.

One line per declared variable that differs (from the change's drift items of
``origin: variable``) or, for a clone still to be made, per declaration. A secret reads only
as ``(secret)`` or ``(secret changed)``: its value is never in a plan, and a plain variable
that must become a secret shows no value either. Shared by the text and markdown views.

Neighbours: ``core.variable_plans`` (the drift items), ``formatting`` (values).
"""

from __future__ import annotations

from reconciler.core.plans import Change, DriftItem, Origin
from reconciler.core.variables import Declared, Sort
from reconciler.rendering.formatting import format_value

SECRET_SHOWN = ("(secret)", "(secret changed)")
ALIAS = "alias of "  # how ``variable_plans.shown`` reads an alias
PREFIX = "variables."


def variable_items(change: Change) -> tuple[DriftItem, ...]:
    """The change's drift items that are variables."""
    if not change.drift:
        return ()
    return tuple(item for item in change.drift if item.origin is Origin.VARIABLE)


def other_items(change: Change) -> tuple[DriftItem, ...]:
    """The change's drift items that are configuration fields."""
    if not change.drift:
        return ()
    return tuple(item for item in change.drift if item.origin is not Origin.VARIABLE)


def variable_lines(change: Change) -> list[str]:
    """``+``/``~``/``-`` lines, one per differing (or, to create, declared) variable."""
    if not (change.drift or change.declared_variables):
        return []
    lines = [_declared(d) for d in change.declared_variables if d.sort is not Sort.ABSENT]
    return lines + [_differing(item) for item in variable_items(change)]


def _declared(declared: Declared) -> str:
    if declared.sort is Sort.SECRET:
        return f"+ {declared.key} (secret)"
    if declared.sort is Sort.ALIAS:
        return f"+ {declared.key}: alias of {declared.value}"
    if declared.sort is Sort.BUILTIN:
        return f"+ {declared.key}: alias of {declared.service}'s built-in {declared.value}"
    return f"+ {declared.key}: {format_value(declared.value)}"


def _differing(item: DriftItem) -> str:
    key = item.path.removeprefix(PREFIX)
    secret = item.expected in SECRET_SHOWN
    if item.expected is None:
        return f"- {key}"
    if item.actual is None:
        return f"+ {key} (secret)" if secret else f"+ {key}: {_value(item.expected)}"
    if secret:
        return f"~ {key} {item.expected}"
    return f"~ {key}: {_value(item.actual)} → {_value(item.expected)}"


def _value(shown: object) -> str:
    """A value as text (quoted), an alias as what it points at."""
    if isinstance(shown, str) and shown.startswith(ALIAS):
        return shown
    return format_value(shown)
