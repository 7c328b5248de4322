"""``with_fields`` is ``dataclasses.replace`` for a Change, without its cost."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.core.change_copies import with_fields
from reconciler.core.plans import Action, Change, Endpoint


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
