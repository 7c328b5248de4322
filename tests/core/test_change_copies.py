"""``made`` is ``Change(...)`` and ``with_fields`` is ``dataclasses.replace`` for a Change,
without their cost."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from reconciler.core.change_copies import made, with_fields
from reconciler.core.plans import Action, Change, Endpoint, Footprint, Step


def _change() -> Change:
    endpoint = Endpoint("a-1", "api", "shop", "staging", "e-1")
    return Change("m.api[shop/p]", Action.NOOP, "m", endpoint, endpoint, owned=True)


def test_a_copy_with_fields_equals_what_replace_makes_and_leaves_the_original() -> None:
    change = _change()
    copied = with_fields(change, action=Action.UPDATE, reason="changed", steps=())
    assert copied == replace(change, action=Action.UPDATE, reason="changed", steps=())
    assert change.action is Action.NOOP and copied is not change


def test_an_unknown_field_is_refused_as_replace_refuses_it() -> None:
    with pytest.raises(TypeError, match="no field 'acton'"):
        with_fields(_change(), acton=Action.UPDATE)


def test_a_change_made_from_its_fields_equals_the_one_its_constructor_makes() -> None:
    endpoint = Endpoint("a-1", "api", "shop", "staging", "e-1")
    values: dict[str, Any] = {
        "address": "m.api[shop/p]",
        "action": Action.UPDATE,
        "manifest": "m",
        "source": endpoint,
        "target": endpoint,
        "owned": True,
        "steps": (Step.EDIT,),
        "footprint": Footprint(250, 256, 1),
    }
    change = made(values)
    assert change == Change(**values)
    assert repr(change) == repr(Change(**values))
    assert vars(change) == vars(Change(**values))


def test_a_made_change_gets_fresh_defaults_and_refuses_what_its_constructor_refuses() -> None:
    endpoint = Endpoint("a-1", "api", "shop", "staging", "e-1")
    values = {"address": "a", "action": Action.NOOP, "manifest": "m", "owned": False}
    first = made({**values, "source": endpoint, "target": endpoint})
    second = made({**values, "source": endpoint, "target": endpoint})
    assert first.desired == {} and first.desired is not second.desired
    assert first.fingerprints is not second.fingerprints
    with pytest.raises(TypeError, match="no field 'acton'"):
        made({**values, "source": endpoint, "target": endpoint, "acton": Action.NOOP})
    with pytest.raises(TypeError, match="needs the field 'source'"):
        made({**values, "target": endpoint})
