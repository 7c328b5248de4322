"""One httpx importer: ``edges/http`` (import-linter holds the layers; this names the module).

The size rules of every module are held once, by ``tests/test_code_health.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler

PACKAGE = Path(reconciler.__file__).parent


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
