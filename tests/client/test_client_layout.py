"""The client's modules keep the house rules: at most 500 lines each, and one httpx importer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reconciler

PACKAGE = Path(reconciler.__file__).parent
CLIENT_MODULES = ("client", "http", "answers", "connection", "retrying", "session")


@pytest.mark.parametrize("name", CLIENT_MODULES)
def test_client_modules_are_at_most_500_lines(name: str) -> None:
    lines = (PACKAGE / "edges" / f"{name}.py").read_text().count("\n")
    assert lines <= 500, f"edges/{name}.py has {lines} lines"


def _imports_httpx(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] == "httpx" for name in names):
            return True
    return False


def test_only_the_http_module_imports_httpx() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.parts and _imports_httpx(path)
    )
    assert importers == ["edges/http.py"]
