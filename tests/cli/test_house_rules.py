"""The house rules, for the command layer: functions of at most 60 lines, modules of 500."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reconciler

ROOT = Path(reconciler.__file__).parent
FILES = [ROOT / "cli.py", *sorted((ROOT / "commands").glob("*.py"))]
FILES += sorted((ROOT / "rendering").glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_functions_and_modules_stay_short(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 500
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []
