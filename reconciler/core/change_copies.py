"""A Change with some fields replaced, at the cost of a dict copy.

``dataclasses.replace`` calls ``__init__`` with every field; the planner replaces fields of
each change five times or so, and at 10,000 clones that was a third of its time (issue 15).
``Change`` has no ``__post_init__`` to run, so a copy of the instance's fields, updated, is
the same value; an unknown field is still refused, as ``replace`` would.

Neighbours: ``core.plans`` (``Change``), ``core.planning`` (the caller).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from reconciler.core.plans import Change

_FIELDS = frozenset(f.name for f in fields(Change))


def with_fields(change: Change, **changes: Any) -> Change:
    """``dataclasses.replace(change, **changes)``, without its cost."""
    unknown = changes.keys() - _FIELDS
    if unknown:
        raise TypeError(f"Change has no field {sorted(unknown)[0]!r}")
    new = object.__new__(type(change))
    new.__dict__.update(change.__dict__, **changes)
    return new
