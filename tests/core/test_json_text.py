"""``json_text``: orjson's text is the standard encoder's, and what orjson refuses still works."""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.json_text import indented, indented_shared, plain

DOCUMENT: dict[str, Any] = {
    "changes": [{"address": "m.api[shop/préview]", "steps": ("clone", "edit"), "cpu": 0.25}],
    "empty": {},
    "none": [],
    "flag": None,
}


def test_indented_is_the_standard_encoders_text() -> None:
    assert indented(DOCUMENT) == json.dumps(DOCUMENT, indent=2, ensure_ascii=False)


def test_what_orjson_refuses_goes_through_the_standard_encoder() -> None:
    odd = {1: "an integer key", "big": 2**70}
    assert indented(odd) == json.dumps(odd, indent=2, ensure_ascii=False)
    assert plain(odd) == {"1": "an integer key", "big": 2**70}


def test_plain_is_a_json_round_trip() -> None:
    copied = plain(DOCUMENT)
    assert copied == json.loads(json.dumps(DOCUMENT))
    assert copied["changes"][0]["steps"] == ["clone", "edit"]


def test_a_shared_value_is_written_as_its_copy_would_be() -> None:
    assert indented_shared(DOCUMENT, lambda: plain(DOCUMENT)) == indented(plain(DOCUMENT))
    odd = {"desired": {1: "an integer key", "cpu": 1e-7}}  # refused by orjson: the copy
    assert indented_shared(odd, lambda: plain(odd)) == indented(plain(odd))
    assert '"cpu": 1e-7' in indented(plain(odd))  # the copy's spelling, not json's 1e-07
