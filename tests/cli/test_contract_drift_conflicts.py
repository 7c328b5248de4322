"""Contract 5: ``drift`` exits 1 on a conflict, so its report must show the conflict.

Before, a conflicting clone appeared nowhere in ``drift`` (text or markdown): the report read
"No drift" or listed only other clones, and the command exited 1 without saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPLATE = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {{name: {name}}}
spec:
  organization: Acme
  source: {{project: shop, environment: staging, applications: [api]}}
  targets: [{{environment: preview-101}}]
"""


def _two_manifests_one_clone(cli: Callable[..., Any], tmp_path: Path) -> str:
    """``first`` owns previews' api clone; ``second`` declares the same clone."""
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(TEMPLATE.format(name="first"))
    second.write_text(TEMPLATE.format(name="second"))
    applied = cli("apply", str(first), "--auto-approve")
    assert applied.code == 0, applied
    return str(second)


def test_drift_text_shows_the_conflict_it_fails_on(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("drift", _two_manifests_one_clone(cli, tmp_path))
    assert result.code == 1, result
    assert "No drift" not in result.out
    assert "! second.api[shop/preview-101]  conflict: owned by manifest 'first'" in result.out
    assert "Drift: 0 drifted, 0 missing; 1 conflict." in result.out


def test_drift_markdown_shows_the_conflict_it_fails_on(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = cli("drift", "--markdown", _two_manifests_one_clone(cli, tmp_path))
    assert result.code == 1, result
    assert "No drift" not in result.out
    assert "**Conflicts:**" in result.out
    assert "- `second.api[shop/preview-101]`: owned by manifest 'first'" in result.out
    assert "**Drift: 0 drifted, 0 missing; 1 conflict.**" in result.out


def test_drift_without_conflicts_keeps_its_summary(cli: Callable[..., Any], tmp_path: Path) -> None:
    manifest = tmp_path / "first.yaml"
    manifest.write_text(TEMPLATE.format(name="first"))
    result = cli("drift", str(manifest))
    assert result.code == 2, result
    assert "Drift: 0 drifted, 1 missing.\n" in result.out
