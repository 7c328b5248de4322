"""One home for HTTP: ``edges/http`` and its pool, ``edges/http_pool`` (import-linter holds
the layers; this names the modules). ``http_pool`` alone imports ``http.client``, ``ssl`` and
certifi (the calls to the API); ``http`` alone imports httpx, and only inside a function
(``post_json``: webhook notifications), so that calling the API never loads it.

The size rules of every module are held once, by ``tests/test_code_health.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler

PACKAGE = Path(reconciler.__file__).parent


def _imports(path: Path, package: str, *, top_level_only: bool = False) -> bool:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name == package or name.startswith(package + ".") for name in names):
            return True
    return False


def _importers(package: str, *, top_level_only: bool = False) -> list[str]:
    return sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.parts and _imports(path, package, top_level_only=top_level_only)
    )


def test_only_the_http_module_imports_httpx_and_only_for_webhooks() -> None:
    assert _importers("httpx") == ["edges/http.py"]
    assert _importers("httpx", top_level_only=True) == []  # imported inside post_json


def test_only_the_pool_talks_to_the_api_on_the_wire() -> None:
    for package in ("http.client", "ssl", "certifi", "socket", "select"):
        assert _importers(package) == ["edges/http_pool.py"], package
