"""Reading one typed field of a request body: its value, its default, or ``ApiProblem(400)``.

``int_field``, ``str_field``, ``bool_field``, ``enum_field``, ``list_field`` and
``object_field`` take the body (a JSON object), the key, the default and ``where`` (the
prefix that locates the field in the message, e.g. ``ports[0].``). Pure; ``applications``
builds whole objects with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.problems import bad_request


def int_field(
    body: Mapping[str, Any], key: str, default: int | None, where: str = ""
) -> int | None:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{where}{key} must be an integer, got {value!r}")
    return value


def str_field(
    body: Mapping[str, Any], key: str, default: str | None, where: str = "", nullable: bool = False
) -> str | None:
    """A string field; null counts as absent (``nullable`` only documents the spec's intent)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise bad_request(f"{where}{key} must be a string, got {value!r}")
    return value


def bool_field(body: Mapping[str, Any], key: str, default: bool, where: str = "") -> bool:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"{where}{key} must be a boolean, got {value!r}")
    return value


def enum_field(
    body: Mapping[str, Any],
    key: str,
    choices: tuple[str, ...],
    default: str | None,
    where: str = "",
) -> str | None:
    value = body.get(key, default)
    if value is None:
        return default
    if value not in choices:
        raise bad_request(f"{where}{key} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def list_field(body: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{where}{key} must be an array")
    return value


def object_field(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise bad_request(f"{where} must be an object")
    return value
