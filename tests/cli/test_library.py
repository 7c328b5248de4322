"""The Python API: the same plan value the CLI renders, and apply through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reconciler
from reconciler.core.plans import Action, to_document
from reconciler.sandbox import RunningSandbox

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {name: lib}
spec:
  organization: Acme
  source: {project: shop, environment: staging, applications: [api]}
  targets: [{environment: preview-103}]
  overrides: {cpu: 250}
"""


def test_load_plan_apply_from_python(
    sandbox: RunningSandbox, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text(MANIFEST)
    clonesets = reconciler.load(str(path))
    assert [c.name for c in clonesets] == ["lib"]

    with reconciler.connect(environ=sandbox.env) as session:
        plan = reconciler.plan(clonesets, session)
        assert [(c.action, c.address) for c in plan.changes] == [
            (Action.CREATE, "lib.api[shop/preview-103]")
        ]
        # the same document the CLI prints
        assert json.loads(cli("plan", str(path), "--json").out) == json.loads(
            json.dumps(to_document(plan))
        )
        result = reconciler.apply(plan, session)
        assert result.ok and result.counts()["created"] == 1

        again = reconciler.plan(clonesets, session)
    assert not again.has_pending_changes
    clone = sandbox.application("preview-103", "api")
    assert clone is not None and clone["cpu"] == 250


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        reconciler.nothing_here  # noqa: B018
