"""The Python API: the same plan value the CLI renders, and apply through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reconciler
from reconciler.core.errors import DeletionRefused, ResolutionError
from reconciler.core.plan_documents import to_document
from reconciler.core.plans import Action
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
        # the same document the CLI prints (which adds what its own observing cost)
        printed = json.loads(cli("plan", str(path), "--json").out)
        assert printed.pop("requests")["total"] > 0
        assert printed == json.loads(json.dumps(to_document(plan)))
        result = reconciler.apply(plan, session)
        assert result.ok and result.counts()["created"] == 1

        again = reconciler.plan(clonesets, session)
    assert not again.has_pending_changes
    clone = sandbox.application("preview-103", "api")
    assert clone is not None and clone["cpu"] == 250


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        reconciler.nothing_here  # noqa: B018


def test_the_python_api_goes_through_the_pipeline_and_its_guard(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text(
        MANIFEST.replace("[{environment: preview-103}]", '[{environment: {match: "preview-*"}}]')
    )
    with reconciler.connect(environ=sandbox.env) as session:
        clonesets = reconciler.load(str(path))
        assert reconciler.apply(reconciler.plan(clonesets, session), session).ok
        path.write_text(
            MANIFEST.replace("[{environment: preview-103}]", "[{environment: {match: pr-*}}]")
            + "  policy: {prune: true}\n"
        )
        typo = reconciler.load(str(path))
        with pytest.raises(DeletionRefused) as refused:
            reconciler.plan(typo, session)
        assert "manifest lib: selector 'pr-*' in shop matches no environment" in str(refused.value)
        allowed = reconciler.plan(typo, session, allow_deletes=True)
        assert allowed.summary.delete == 3
        wrong_org = tmp_path / "a.yaml"
        wrong_org.write_text(MANIFEST.replace("lib", "a").replace("Acme", "Acmee"))
        path.write_text(MANIFEST.replace("preview-103", "preview-1O3"))
        with pytest.raises(ResolutionError) as unresolved:
            reconciler.plan(reconciler.load(str(tmp_path)), session)
        assert [d.message.split(";")[0] for d in unresolved.value.diagnostics] == [
            "no organization 'Acmee'",
            "no environment 'preview-1O3' in project shop",
        ]
