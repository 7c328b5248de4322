"""Footprints: the vCPU, memory and running instances a change adds or removes. Pure.

Contract section 16: a create adds what its clone will run, a delete removes what the clone
runs, an update changes it by the difference; everything is counted at
``min_running_instances`` (the instances Qovery keeps running whatever the load), so a clone
of 250 millicores and 256 MB with two instances weighs 500 millicores, 512 MB and 2.

``running(config)`` is one configuration's weight; ``change_of(before, after)`` the
difference between two (``None``: no application). ``applied(desired, current, complete=…)``
is what a clone looks like once a write of ``desired`` lands on ``current``. Neighbours:
``planning`` records each change's ``plans.Footprint``; ``rendering`` shows the sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.core.plans import Footprint

RESOURCE_FIELDS = ("cpu", "memory", "min_running_instances")

_NUMBERS = (int, float)  # a tuple: ``int | float`` is a new union object at every call


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, _NUMBERS):
        return 0
    return int(value)


def running(config: Mapping[str, Any] | None) -> Footprint:
    """What one application keeps running: cpu and memory times its minimum instances."""
    return Footprint(*_weights(config))


def change_of(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Footprint:
    """``after``'s weight less ``before``'s (``None`` on either side weighs nothing)."""
    old_cpu, old_memory, old_instances = _weights(before)
    new_cpu, new_memory, new_instances = _weights(after)
    return Footprint(new_cpu - old_cpu, new_memory - old_memory, new_instances - old_instances)


def _weights(config: Mapping[str, Any] | None) -> tuple[int, int, int]:
    """``running(config)``'s three figures, without making a Footprint of them."""
    if config is None:
        return 0, 0, 0
    instances = max(_number(config.get("min_running_instances")), 0)
    return (
        _number(config.get("cpu")) * instances,
        _number(config.get("memory")) * instances,
        instances,
    )


def applied(
    desired: Mapping[str, Any], current: Mapping[str, Any], *, complete: bool
) -> dict[str, Any]:
    """The resource fields once ``desired`` is written over ``current``: a complete write
    sets every field; a partial one (``follow_source: false``) only those it holds."""
    return {
        key: desired.get(key) if complete or key in desired else current.get(key)
        for key in RESOURCE_FIELDS
    }


def of_edit(
    desired: Mapping[str, Any], current: Mapping[str, Any], complete: bool, *, exists: bool
) -> Footprint:
    """What an edit writing ``desired`` (``complete`` or not) over ``current`` adds: the
    weight of a change that edits, from its fields."""
    after = applied(desired, current, complete=complete)
    return change_of(current if exists else None, after)
