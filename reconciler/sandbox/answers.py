"""Answers leaving the store: copied cheaply, encoded fast.

The store hands out copies of what it holds (a caller may change its answer; the state must
not change with it). ``copy.deepcopy`` of a listing of 20 applications cost more than the
rest of the request; a round trip through ``orjson`` makes the same copy of a JSON value in
a fraction of the time. ``encode`` is the bytes of an answer, with ``orjson`` as well.

Both take what the state holds: JSON values (dicts with string keys, lists, strings, numbers
up to 64 bits, booleans, None). Anything else ``orjson`` refuses (a bigger integer, another
type) goes the standard library's way, as before; a float that JSON cannot write (NaN,
infinity: no request body parsed from valid JSON holds one) becomes ``null``.

Neighbours: ``store``, ``services``, ``hierarchy`` and ``deploys`` copy with it, ``server``
encodes.
"""

from __future__ import annotations

import copy
import json
from typing import Any, TypeVar

import orjson

T = TypeVar("T")


def copy_json(value: T) -> T:
    """A deep copy of the JSON value ``value`` (a dict or a list: new all the way down)."""
    try:
        copied: T = orjson.loads(orjson.dumps(value))
    except TypeError:  # orjson.JSONEncodeError: not a plain JSON value
        return copy.deepcopy(value)
    return copied


def encode(payload: Any) -> bytes:
    """The JSON text of an answer, as bytes (UTF-8)."""
    try:
        return orjson.dumps(payload)
    except TypeError:  # orjson.JSONEncodeError: not a plain JSON value
        return json.dumps(payload).encode()
