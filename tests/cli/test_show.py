"""``reconciler show PLANFILE`` (contract 17): a saved plan rendered without calling the API."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import demo_manifest, write_manifest

from reconciler.cli import main
from reconciler.rendering.streams import Streams


def _saved(cli: Callable[..., Any], tmp_path: Path) -> tuple[str, str]:
    """A plan saved by ``plan --out``, and the text ``plan`` printed with it."""
    path = write_manifest(tmp_path, demo_manifest(overrides="memory: 128"))
    saved = str(tmp_path / "qovery.plan.json")
    made = cli("plan", path, "--out", saved)
    assert made.code == 0, made
    return saved, made.out


def _show(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["show", *argv], streams=Streams(out=out, err=err))
    return code, out.getvalue(), err.getvalue()


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No API to call from now on: any attempt would fail (a closed port) or want a token."""
    monkeypatch.setenv("QOVERY_API_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("QOVERY_API_TOKEN", raising=False)


def test_show_renders_a_saved_plan_as_plan_did_without_the_api(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved, printed = _saved(cli, tmp_path)
    _offline(monkeypatch)
    code, out, err = _show(saved)
    assert code == 0, err
    assert printed.startswith(out)  # plan printed the same, then how to apply the file
    assert "memory: 128" in out and "Footprint: " in out


def test_show_renders_markdown_and_json(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved, _ = _saved(cli, tmp_path)
    _offline(monkeypatch)
    code, markdown, _ = _show(saved, "--markdown")
    assert code == 0 and markdown.startswith("<!-- reconciler:plan -->\n")
    code, document, _ = _show(saved, "--json")
    assert code == 0
    assert json.loads(document)["summary"]["create"] == 4


def test_show_refuses_a_file_that_is_not_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline(monkeypatch)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"format_version": "1"}')
    code, out, err = _show(str(bogus), "--json")
    assert code == 1 and err.startswith("error: ")
    assert json.loads(out)["errors"][0]["summary"]
