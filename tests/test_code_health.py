"""The house's size rules, checked on reconciler/ with ast: functions at most 60 lines,
modules at most 500 lines, a docstring at the top of every module. One test per rule, each
naming every offender, so that a failure says what to split."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500


def modules() -> Iterator[tuple[str, str, ast.Module]]:
    """(path relative to the project, source, tree) of every module of the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        yield str(path.relative_to(PACKAGE.parent)), source, ast.parse(source, str(path))


def test_the_package_has_modules() -> None:
    assert len(list(modules())) > 20, f"no modules found under {PACKAGE}"


def test_no_function_is_over_60_lines() -> None:
    long = [
        f"{name} {node.name} ({node.end_lineno - node.lineno + 1})"
        for name, _source, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_no_module_is_over_500_lines() -> None:
    long = [
        f"{name} ({len(source.splitlines())} lines)"
        for name, source, _tree in modules()
        if len(source.splitlines()) > MAX_MODULE_LINES
    ]
    assert long == [], f"modules over {MAX_MODULE_LINES} lines: {', '.join(long)}"


def test_every_module_starts_with_a_docstring() -> None:
    bare = [name for name, _source, tree in modules() if not ast.get_docstring(tree)]
    assert bare == [], f"modules without a docstring at the top: {', '.join(bare)}"
