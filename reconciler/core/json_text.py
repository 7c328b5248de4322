"""JSON text fast: the plan document and saved plans are written with orjson when it can.

A plan of 10,000 clones is a document of tens of megabytes: the standard encoder, once asked
to indent, falls back to its pure-Python path and spends seconds on it. orjson writes the
same document (2-space indent, UTF-8 kept as it is, tuples as lists) in a fraction of that;
only a float's exponent may be spelled differently (``1e-7`` for ``1e-07``), both valid JSON.
What orjson refuses (a key that is not a string, an integer beyond 64 bits) goes through the
standard encoder, as before, so the output never depends on which one wrote it beyond that.

Neighbours: ``core.plans`` (``plain``), ``rendering.json_document`` and ``edges.savedplans``
(``indented``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def indented(value: Any) -> str:
    """``value`` as JSON text indented by two spaces, non-ASCII kept, no trailing newline."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, indent=2, ensure_ascii=False)


def indented_shared(shared: Any, copied: Callable[[], Any]) -> str:
    """``indented``, of a value that shares parts with the data it was made from (tuples
    where a document has lists), without the copy: orjson writes a tuple as a list, so the
    text is the copy's; when orjson refuses it, ``indented`` of the ``copied`` value, as
    before (the copy's own round trip settles what the standard encoder spells otherwise)."""
    encoded = indented_shared_encoded(shared, copied)
    return encoded.decode("utf-8") if isinstance(encoded, bytes) else encoded


def indented_shared_encoded(
    shared: Any, copied: Callable[[], Any], *, newline: bool = False
) -> bytes | str:
    """``indented_shared`` as orjson's UTF-8 bytes, never decoded (a document of 28 MB goes
    out as it is), or, when orjson refuses it, the text of ``indented`` (which may hold what
    UTF-8 cannot encode: a lone surrogate); ``newline``: ending with one."""
    option = orjson.OPT_INDENT_2 | (orjson.OPT_APPEND_NEWLINE if newline else 0)
    try:
        return orjson.dumps(shared, option=option)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return indented(copied()) + ("\n" if newline else "")


def plain(value: Any) -> Any:
    """A copy of ``value`` as plain JSON values (tuples become lists), as a round trip would."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return json.loads(json.dumps(value))
