"""Prechecks: values the API would refuse, found before any clone is made. Pure.

Contract section 18: the cross-field rules Qovery applies to an edit are checked at plan
time, so that a clone is never made only to have its edit refused (leaving it half-made):
``min_running_instances`` at most ``max_running_instances`` (unless max is -1), ``cpu`` and
``memory`` at most the source's ``maximum_cpu`` / ``maximum_memory``; a container (or a job
run from an image) names its registry (``registry_id``: the request requires it) and a tag
that is not empty once rendered (its edit needs one, and a deploy runs the clone's own tag).

``planning`` calls ``refused_values`` with the desired configuration, the source as listed
and what a partial write lays its values over; a non-empty answer makes the clone's change a
``conflict`` that names it, with the manifest position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_LIMITS = (("cpu", "maximum_cpu"), ("memory", "maximum_memory"))

PRECHECKED_FIELDS = (
    "min_running_instances",
    "max_running_instances",
    "cpu",
    "memory",
    "image_name",
    "registry_id",
    "tag",
    "source",
)
"""Every field of the written configuration ``refused_values`` reads: where ``desired`` holds
them all or ``current`` none of those it lacks, the answer is the same for every ``current``
(the planner asks once per desired configuration)."""

_NUMBERS = (int, float)  # a tuple: ``int | float`` is a new union object at every call


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, _NUMBERS):
        return None
    return float(value)


def refused_values(
    desired: Mapping[str, Any], source: Mapping[str, Any], current: Mapping[str, Any]
) -> str:
    """Why the API would refuse a write of ``desired`` (``""`` when it would not).

    ``current`` supplies the fields ``desired`` does not hold (a partial configuration).
    """
    merged = {**current, **desired}
    problems = []
    low = _number(merged.get("min_running_instances"))
    high = _number(merged.get("max_running_instances"))
    if low is not None and high is not None and high != -1 and low > high:
        problems.append(
            f"min_running_instances ({merged['min_running_instances']}) is above "
            f"max_running_instances ({merged['max_running_instances']})"
        )
    for field, limit in _LIMITS:
        value, maximum = _number(merged.get(field)), _number(source.get(limit))
        if value is not None and maximum is not None and value > maximum:
            problems.append(
                f"{field} ({merged[field]}) is above the source's {limit} ({source[limit]})"
            )
    problems.extend(_registry_problems(merged))
    problems.extend(_tag_problems(merged))
    return "; ".join(problems)


def _registry_problems(merged: Mapping[str, Any]) -> list[str]:
    """An image with no registry: a ``ContainerRequest`` (or a job's image) needs one."""
    source = merged.get("source")
    image = source.get("image") if isinstance(source, Mapping) else None
    if "image_name" in merged and not merged.get("registry_id"):
        return ["the container names no registry (registry_id), which the API requires"]
    if isinstance(image, Mapping) and not image.get("registry_id"):
        return ["the job's image names no registry (source.image.registry_id)"]
    return []


def _tag_problems(merged: Mapping[str, Any]) -> list[str]:
    """A container's (or an image job's) tag that renders empty: nothing to run or deploy."""
    source = merged.get("source")
    image = source.get("image") if isinstance(source, Mapping) else None
    if "image_name" in merged and _blank(merged.get("tag")):
        return ["the container's tag is empty once rendered; a deploy needs the clone's own tag"]
    if isinstance(image, Mapping) and _blank(image.get("tag")):
        return ["the job's image tag is empty once rendered (source.image.tag)"]
    return []


def _blank(value: Any) -> bool:
    return not str(value if value is not None else "").strip()
