"""What an API answer must be before it is believed: JSON, and of the shape each call expects.

Pure checks over parsed bodies (no HTTP here): ``parse_json`` reads a body as strict JSON,
and the shape checks refuse a listing whose entries do not identify themselves (no string
id or name, no parent) or an object without its id, with a ``BadResponseError`` that names
the call. A listing of environments or services must name each entry, once; and a
number JSON cannot hold (``NaN``, ``Infinity``, ``1e400``) makes the whole answer unreadable.

Neighbours: ``client`` calls these on every answer; ``http`` uses ``parse_json`` to read
error bodies; ``errors`` holds ``BadResponseError``.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import orjson

from reconciler.core.errors import BadResponseError

JSONObject = dict[str, Any]
ORJSON_MAX_BODY = 1 << 20  # bytes (or characters): a listing of 20 services is ~60 KB


def parse_json(data: str | bytes) -> Any:
    """Parse a body as JSON; ``ValueError`` for anything that is not, nesting too deep included.

    The json module raises ``RecursionError`` for deeply nested arrays or objects (a hostile
    or broken body), and accepts ``NaN`` and ``Infinity``, which JSON does not have, and
    ``1e400``, which it reads as infinity (a NaN ``cpu`` would differ from every value, and be
    "corrected" on every run; printed back, it makes invalid JSON): all are a
    ``NonFiniteNumber`` or unreadable JSON like any other, not a value to act upon.
    orjson reads every answer up to ``ORJSON_MAX_BODY`` first (a listing of 20 services is
    parsed several times faster); it refuses all of the above, and then the json module reads
    the body again, to accept what orjson alone refuses (a lone surrogate) and to say why it
    is refused. A bigger body goes to the json module only: orjson's peak memory is about 13
    times a body made of long strings, the json module's about its size.
    """
    if len(data) <= ORJSON_MAX_BODY:
        try:
            return orjson.loads(data)  # strict and fast: what it refuses, json says why below
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class NonFiniteNumber(ValueError):
    """A number JSON cannot hold: ``NaN``, ``Infinity``, or one beyond a float's range."""

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 20 else text[:19] + "…"
        super().__init__(f"a non-finite number ({shown}), which JSON does not have")


def _no_constant(name: str) -> NoReturn:
    raise NonFiniteNumber(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFiniteNumber(text)
    return value


def listed(
    body: JSONObject,
    path: str,
    strings: tuple[str, ...],
    parents: tuple[str, ...],
    *,
    named: bool = False,
) -> list[JSONObject]:
    """``body["results"]``, each entry checked for what identifies and places it.

    An entry without its name, or an environment without its project, would be taken for
    another or for none (a clone pruned as undeclared): the whole listing is refused. With
    ``named`` (environments, services), a name must also be non-empty and unique, ignoring
    case, among its siblings (the entries of the same parents): two entries of one name
    would leave it to chance which one is edited.
    """
    results = body.get("results")
    if not isinstance(results, list) or not all(
        _identifies(item, strings, parents) for item in results
    ):
        wanted = " and ".join(f"a string '{key}'" for key in strings)
        wanted += "".join(f" and a '{key}' object with a string 'id'" for key in parents)
        raise BadResponseError(
            "unexpected response shape: expected an object whose 'results' is a list "
            f"of objects that each have {wanted}",
            method="GET",
            path=path,
        )
    if named:
        _check_names(results, path, parents)
    return results


def _check_names(results: list[JSONObject], path: str, parents: tuple[str, ...]) -> None:
    """Refuse a listing with an empty name, or two siblings of one name."""
    seen: set[tuple[str, ...]] = set()
    for item in results:
        name = item["name"]
        if not name.strip():
            problem = "an entry has an empty 'name'"
        else:
            key = (*(item[parent]["id"] for parent in parents), name.strip().casefold())
            if key not in seen:
                seen.add(key)
                continue
            problem = f"two entries are named {name.strip()!r}"
        raise BadResponseError(
            f"malformed answer: {problem}; names must be unique and non-empty",
            method="GET",
            path=path,
        )


def _identifies(item: object, strings: tuple[str, ...], parents: tuple[str, ...]) -> bool:
    """Whether a listed entry has its identifying strings and its parents' ids."""
    if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in strings):
        return False
    return all(
        isinstance(item.get(key), dict) and isinstance(item[key].get("id"), str) for key in parents
    )


def with_id(body: JSONObject, method: str, path: str) -> JSONObject:
    """``body``, if it has a string ``id``."""
    if not isinstance(body.get("id"), str):
        raise BadResponseError(
            "unexpected response shape: the object has no string 'id'",
            method=method,
            path=path,
        )
    return body


def kind(value: object) -> str:
    """``a list``, ``a string``...: what a value is, for a message."""
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")
