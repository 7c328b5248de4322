"""Test helper: the real Qovery OpenAPI spec (``../shared/qovery-openapi.yaml`` beside the
repository), parsed once per test run with libyaml's loader when there is one (the
pure-Python loader takes seconds on its megabyte). Used by test_sandbox_spec and
test_validating, which are skipped, saying so, when the file is absent."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = (Path(__file__).parents[1] / ".." / "shared" / "qovery-openapi.yaml").resolve()


@functools.cache
def qovery_spec() -> dict[str, Any]:
    """The whole spec as data (one parse, shared: callers must not change it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=loader)
    return loaded
