"""Golden files: real manifests and raw API listings in, the text / JSON / markdown plan out.

One folder per case under ``tests/manifests/golden/<case>/``:

- ``manifests/*.yaml``: CloneSet manifests, as a user writes them;
- ``catalog.json``: what Qovery holds, in the shapes of the API's list responses:
  ``organizations`` (a list), ``projects`` and ``environments`` (organization id → list),
  ``applications`` (environment id → list) and, for cases that deploy, ``statuses``
  (environment id → the ``/application/status`` list);
- ``options.json`` (optional): keyword arguments of ``pipeline.plan_with`` for the case, as
  the CLI's flags would give them: ``{"allow_deletes": true}`` is ``--allow-deletes``;
- ``plan.txt``, ``plan.json``, ``plan.md``, ``drift.md``: the expected renderings (the
  manifests are loaded from the case's folder as ``manifests``, so that the positions of
  warnings read the same on every machine).

The test runs the one pipeline of the tool (``pipeline.load`` → ``pipeline.plan_with``) with
a ``reading.RecordedReader`` over the catalog in place of the network, then the renderers.
Only what a stage asks for is read from the catalog, as from the client; a listing the
catalog lacks fails the case.
Regenerate after an intended change with
``UPDATE_GOLDEN=1 pytest tests/manifests/test_golden.py`` and
review the diff by eye.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.core.errors import DeletionRefused
from reconciler.core.plan_documents import to_document
from reconciler.core.plans import Plan
from reconciler.edges.planfile import from_document, plan_schema
from reconciler.edges.reading import RecordedReader
from reconciler.pipeline import load, plan_with
from reconciler.rendering import json_document, markdown, text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "catalog.json").exists())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
API_URL = "https://api.qovery.com"


def options(case: str) -> dict[str, Any]:
    path = GOLDEN / case / "options.json"
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return found


def make_plan(case: str, **overriding: Any) -> Plan:
    folder = GOLDEN / case
    with contextlib.chdir(folder):  # positions (warnings) name the files as a user gives them
        clonesets = load(["manifests"])
    reader = RecordedReader.from_file(folder / "catalog.json")
    chosen = options(case) | overriding
    return plan_with(reader, clonesets, api_url=API_URL, **chosen).plan


def outputs(result: Plan) -> dict[str, str]:
    plan_txt, plan_md, drift_md = io.StringIO(), io.StringIO(), io.StringIO()
    text.render_plan(result, plan_txt)
    markdown.render_plan(result, plan_md)
    markdown.render_drift(result, drift_md)
    return {
        "plan.txt": plan_txt.getvalue(),
        "plan.md": plan_md.getvalue(),
        "plan.json": json_document.dumps(result),
        "drift.md": drift_md.getvalue(),
    }


def test_there_are_at_least_five_cases() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    result = make_plan(case)
    for name, produced in outputs(result).items():
        expected_file = GOLDEN / case / name
        if UPDATE:
            expected_file.write_text(produced, encoding="utf-8")
            continue
        assert expected_file.exists(), f"{expected_file} is missing: run with UPDATE_GOLDEN=1"
        assert produced == expected_file.read_text(encoding="utf-8"), f"{case}/{name} differs"


@pytest.mark.parametrize("case", CASES)
def test_golden_plan_document_validates_and_round_trips(case: str) -> None:
    document = json.loads((GOLDEN / case / "plan.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert to_document(from_document(document)) == document


def test_the_prune_case_deletes_two_of_three_owned_clones_only_with_allow_deletes() -> None:
    with pytest.raises(DeletionRefused) as refused:
        make_plan("prune", allow_deletes=False)
    (diagnostic,) = refused.value.diagnostics
    assert diagnostic.position is not None
    assert diagnostic.position.file == "manifests/previews.yaml"
    assert diagnostic.message == (
        "manifest previews: the plan deletes 2 of the 3 clones it owns, more than half"
    )
