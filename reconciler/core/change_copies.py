"""A Change made from a dict of its fields, or copied with some replaced, without ``__init__``.

A frozen dataclass's ``__init__`` sets each of its 24 fields through ``object.__setattr__``,
and ``dataclasses.replace`` calls it with every field; at 10,000 clones the planner's
copies were a third of its time (issue 15). ``Change`` has no ``__post_init__`` to run, so
an instance whose ``__dict__`` is filled at once is the same value: ``made`` builds one from
the fields the planner gathered (the defaults for the others, a fresh one from each
``default_factory``), ``with_fields`` copies one with some replaced. An unknown field is
still refused, and ``made`` refuses a missing required one, as ``Change(...)`` would.

Neighbours: ``core.plans`` (``Change``), ``core.planning`` (the caller).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from typing import Any

from reconciler.core.plans import Change

_FIELDS = frozenset(f.name for f in fields(Change))
_REQUIRED = frozenset(
    f.name for f in fields(Change) if f.default is MISSING and f.default_factory is MISSING
)
# every field in its order (as ``__init__`` would set them), a required one held by ``None``
# until ``made`` sets it
_DEFAULTS = {f.name: None if f.default is MISSING else f.default for f in fields(Change)}
_FACTORIES: dict[str, Callable[[], Any]] = {
    f.name: f.default_factory for f in fields(Change) if f.default_factory is not MISSING
}


def made(values: Mapping[str, Any]) -> Change:
    """``Change(**values)``, without the cost of its ``__init__``."""
    keys = values.keys()
    if not keys <= _FIELDS:
        raise TypeError(f"Change has no field {sorted(keys - _FIELDS)[0]!r}")
    if not keys >= _REQUIRED:
        raise TypeError(f"Change needs the field {sorted(_REQUIRED - keys)[0]!r}")
    new = object.__new__(Change)
    state = new.__dict__
    state.update(_DEFAULTS)
    for name, factory in _FACTORIES.items():
        if name not in values:
            state[name] = factory()
    state.update(values)
    return new


def with_fields(change: Change, **changes: Any) -> Change:
    """``dataclasses.replace(change, **changes)``, without its cost."""
    unknown = changes.keys() - _FIELDS
    if unknown:
        raise TypeError(f"Change has no field {sorted(unknown)[0]!r}")
    new = object.__new__(type(change))
    new.__dict__.update(change.__dict__, **changes)
    return new
