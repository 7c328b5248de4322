"""Edit requests: the FULL ``PUT /application/{id}`` body, built from what is there. Pure.

Qovery treats an edit as a full replace (QOVERY-NOTES): a field left out returns to its
default, a port or storage entry left out is deleted. So the body is read-modify-write: the
current ``Application`` reduced to the ``ApplicationEditRequest`` shape, with the desired
compared fields (``normalising`` form, from ``plans.Change.desired``) laid on top.

- ``complete=True`` (``follow_source``): every compared field comes from ``desired``; one
  absent there is left out (back to its default).
- ``complete=False`` (only overrides): ``desired`` is laid over the current body; objects
  merge key by key (``overrides.deep_merge``), lists replace whole.
- Ports and storage are matched by ``internal_port`` / ``mount_point`` to KEEP the target's
  ids; an entry without a match goes without id (created); one absent is left out (deleted).
- ``git_repository`` is reduced to ``{url, provider, branch, root_path, git_token_id}``,
  groups to ``[{id}]``; ``healthchecks`` is always there.
- ``keeps_description``: the description a write leaves as it is (only the marker renewed):
  an ignored one, or one a partial configuration (``follow_source: false``) does not declare.

Neighbour: ``executing`` sends the result with ``client.edit_application``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from reconciler.core.diffs import is_at_or_under
from reconciler.core.model import JSON, Config
from reconciler.core.normalising import COMPARED_FIELDS, GIT_FIELDS, KEYED_LISTS
from reconciler.core.overrides import deep_merge

GROUP_FIELDS = ("annotations_groups", "labels_groups")
SCALER_FIELDS = ("scaler_type", "enabled", "role", "config_json", "config_yaml")
AUTOSCALING_FIELDS = ("mode", "polling_interval_seconds", "cooldown_period_seconds")
PROBE_NAMES = ("readiness_probe", "liveness_probe")


def request_git_repository(value: JSON) -> JSON:
    """A git repository in the edit request's shape."""
    if not isinstance(value, Mapping):
        return None
    return {key: value[key] for key in GIT_FIELDS if value.get(key) is not None}


def request_groups(value: JSON) -> JSON:
    """Groups (full objects, ``{id}`` objects or bare ids) as ``[{id}]``."""
    if not isinstance(value, list):
        return None
    return [{"id": g["id"] if isinstance(g, Mapping) else g} for g in value]


def request_scaler(value: Mapping[str, Any]) -> dict[str, JSON]:
    scaler = {key: value[key] for key in SCALER_FIELDS if value.get(key) is not None}
    auth = value.get("trigger_authentication")
    if isinstance(auth, Mapping):
        scaler["trigger_authentication"] = {
            key: auth[key] for key in ("name", "config_yaml") if auth.get(key) is not None
        }
    return scaler


def request_autoscaling(value: JSON) -> JSON:
    """An autoscaling policy without ids, timestamps or service id."""
    if not isinstance(value, Mapping):
        return None
    policy = {key: value[key] for key in AUTOSCALING_FIELDS if value.get(key) is not None}
    scalers = value.get("scalers")
    if isinstance(scalers, list):
        policy["scalers"] = [request_scaler(s) for s in scalers if isinstance(s, Mapping)]
    return policy


def request_healthchecks(value: JSON) -> dict[str, JSON]:
    """Both probes (``None`` for no probe): the field the edit request requires."""
    checks = value if isinstance(value, Mapping) else {}
    return {name: checks.get(name) for name in PROBE_NAMES}


def with_ids(field: str, desired: JSON, current: JSON) -> JSON:
    """Desired port/storage entries, each carrying the id of the current entry it matches."""
    if not isinstance(desired, list):
        return desired
    key = KEYED_LISTS[field]
    ids = {
        entry.get(key): entry["id"]
        for entry in (current if isinstance(current, list) else [])
        if isinstance(entry, Mapping) and entry.get("id") is not None
    }
    result = []
    for entry in desired:
        fresh = {k: v for k, v in entry.items() if k != "id"}
        if entry.get(key) in ids:
            fresh = {"id": ids[entry.get(key)], **fresh}
        result.append(fresh)
    return result


REQUEST_SHAPES: Mapping[str, Callable[[JSON], JSON]] = {
    "git_repository": request_git_repository,
    "annotations_groups": request_groups,
    "labels_groups": request_groups,
    "autoscaling": request_autoscaling,
}
"""How a compared field's value is put in the edit request's shape (others: as they are)."""


def _shaped(key: str, value: JSON, shapes: Mapping[str, Callable[[JSON], JSON]]) -> JSON:
    shape = shapes.get(key)
    return shape(value) if shape is not None else value


def current_body(
    current: Config,
    fields: tuple[str, ...] = COMPARED_FIELDS,
    shapes: Mapping[str, Callable[[JSON], JSON]] = REQUEST_SHAPES,
) -> dict[str, JSON]:
    """The current service in the edit request's shape (every compared field)."""
    body: dict[str, JSON] = {}
    for key in fields:
        if key not in current:
            continue
        value = _shaped(key, current[key], shapes)
        if value is not None:
            body[key] = value
    return body


def lay_desired(
    body: dict[str, JSON],
    desired: Config,
    *,
    complete: bool,
    fields: tuple[str, ...] = COMPARED_FIELDS,
    shapes: Mapping[str, Callable[[JSON], JSON]] = REQUEST_SHAPES,
) -> dict[str, JSON]:
    """``body`` with the desired compared fields on top."""
    result = {} if complete else dict(body)
    for key, value in desired.items():
        if key not in fields or key in KEYED_LISTS:
            continue
        value = _shaped(key, value, shapes)
        current = result.get(key)
        if not complete and isinstance(current, Mapping) and isinstance(value, Mapping):
            value = deep_merge(current, value)
        result[key] = value
    for field in KEYED_LISTS:
        if field not in fields:
            continue
        if field in desired:
            result[field] = with_ids(field, desired[field], body.get(field))
        elif not complete and field in body:
            result[field] = body[field]
    return result


def keeps_description(desired: Config, *, complete: bool, ignore: Iterable[str]) -> bool:
    """Whether a write keeps the description it finds (renewing only the marker in it)."""
    if any(is_at_or_under("description", path) for path in ignore):
        return True
    return not complete and "description" not in desired


@lru_cache(maxsize=64)
def _keyed_lists(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(field for field in fields if field in KEYED_LISTS)


def edit_request(
    current: Config,
    desired: Config,
    *,
    name: str,
    description: str,
    complete: bool = False,
    fields: tuple[str, ...] = COMPARED_FIELDS,
    shapes: Mapping[str, Callable[[JSON], JSON]] = REQUEST_SHAPES,
) -> dict[str, JSON]:
    """The whole edit body (``ApplicationEditRequest`` by default) from ``current`` to
    ``desired``; ``fields`` and ``shapes`` are another kind's (``kinds.container``, ...).
    A ``complete`` body takes nothing from ``current`` but its ports' and storage's ids."""
    kept = _keyed_lists(fields) if complete else fields
    body = current_body(current, kept, shapes)
    body = lay_desired(body, desired, complete=complete, fields=fields, shapes=shapes)
    body["name"] = name
    body["description"] = description
    body["healthchecks"] = request_healthchecks(body.get("healthchecks"))
    return {key: value for key, value in body.items() if value is not None}
