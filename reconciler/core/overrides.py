"""Deep merge of configuration overrides (contract section 3), pure.

Objects merge key by key; lists (``ports``, ``storage``, ``arguments``, ...) and a probe's
``type`` replace whole; any other value replaces. Neither input is mutated.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Keys whose value replaces whole even though it is an object: a probe's ``type`` holds
# exactly one of tcp/http/exec/grpc, so merging two would yield a probe with two types.
REPLACE_WHOLE_KEYS = frozenset({"type"})


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``over`` laid on top of it, as a new dict."""
    merged: dict[str, Any] = {k: copy.deepcopy(v) for k, v in base.items()}
    for key, value in over.items():
        current = merged.get(key)
        if (
            key not in REPLACE_WHOLE_KEYS
            and isinstance(current, Mapping)
            and isinstance(value, Mapping)
        ):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
