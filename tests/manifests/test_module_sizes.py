"""The house rule for the manifest modules: at most 500 lines a module, 60 lines a function
(a module that outgrows it is split by role, as validating was into humanising and ignoring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EDGES = Path(__file__).parents[2] / "reconciler" / "edges"
MANIFEST_MODULES = ("loading", "validating", "humanising", "ignoring", "override_values")


@pytest.mark.parametrize("name", MANIFEST_MODULES)
def test_a_manifest_module_keeps_to_the_house_sizes(name: str) -> None:
    text = (EDGES / f"{name}.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 500
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []
