"""``format_value``: a value as the standard encoder writes it (sorted keys, non-ASCII kept),
``(absent)`` for None, cut at 80 characters; the same text by whichever encoder writes it."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from reconciler.rendering.formatting import MAX_VALUE_LENGTH, format_value


def standard(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def test_every_code_point_in_a_string_reads_as_the_standard_encoder_writes_it() -> None:
    end = sys.maxunicode + 1
    for start in range(0, end, 40):
        codes = range(start, min(start + 40, end))
        text = "".join(chr(c) for c in codes if not 0xD800 <= c <= 0xDFFF)
        assert format_value(text) == standard(text), hex(start)


@pytest.mark.parametrize(
    "value",
    [
        "",
        'quote " backslash \\ newline \n tab \t nul \x00 del \x7f',
        "\u2028\u2029 é ✓ 🚀 </script>",
        "lone \ud800 surrogate",
        "x" * 200,
        "é" * 79,
        "é" * 80,
        0,
        -1,
        2**63,
        2**70,
        -(2**100),
        True,
        False,
        0.25,
        1e-07,
        1e16,
        float("nan"),
        float("inf"),
        [],
        {},
        {"b": [1, "é", None], "a": {"z": 1e-5, "y": True}},
        ["x" * 100],
    ],
)
def test_a_value_reads_as_the_standard_encoder_writes_it(value: Any) -> None:
    assert format_value(value) == standard(value)


def test_none_is_absent() -> None:
    assert format_value(None) == "(absent)"
