"""``normalising.clean_object`` in one pass is the composition of its rules that it replaced
(``drop_nulls``, ``drop_server_derived``, ``coerce_scalars``, then only the known fields),
over generated objects; ``is_mapping`` answers as ``isinstance(value, Mapping)``."""

from __future__ import annotations

from collections import OrderedDict, UserDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.normalising import (
    PORT_FIELDS,
    PROBE_FIELDS,
    STORAGE_FIELDS,
    clean_object,
    coerce_scalars,
    drop_nulls,
    drop_server_derived,
    is_mapping,
)

KEYS = sorted(
    {*PORT_FIELDS, *PROBE_FIELDS, *STORAGE_FIELDS, "id", "created_at", "service_id", "x_new"}
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 1 << 70),
    st.floats(allow_nan=False),
    st.sampled_from(["500", " 12 ", "1.5", "1e3", "true", " False ", "x", "", "nan"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "a"]), st.none() | st.integers(), max_size=2),
)
objects = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


def composed(value: Any, known: frozenset[str] | None) -> dict[str, Any]:
    """The rules as they were composed before ``clean_object`` did them in one pass."""
    if not isinstance(value, Mapping):
        return {}
    cleaned = coerce_scalars(drop_server_derived(drop_nulls(value)))
    return cleaned if known is None else {k: v for k, v in cleaned.items() if k in known}


@settings(max_examples=800, deadline=None)
@given(value=objects | values, known=st.sampled_from([None, PORT_FIELDS, PROBE_FIELDS]))
def test_clean_object_is_the_composition_of_its_rules(
    value: Any, known: frozenset[str] | None
) -> None:
    # as text: the same items in the same order, of the same types (and nan as nan)
    assert repr(clean_object(value, known)) == repr(composed(value, known))


class Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1},
        OrderedDict(a=1),
        MappingProxyType({"a": 1}),
        UserDict(a=1),
        None,
        True,
        0,
        1.5,
        "text",
        Text("text"),
        [1],
        (1,),
        {1, 2},
        b"bytes",
    ],
)
def test_is_mapping_answers_as_isinstance(value: object) -> None:
    assert is_mapping(value) is isinstance(value, Mapping)
