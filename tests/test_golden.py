"""Golden files: plan inputs as plain JSON, the text / JSON / markdown outputs pinned.

One folder per case under ``tests/golden/<case>/``: ``desired.json`` and ``observed.json``
(see ``helpers_planning.desired_from_json``) → ``plan.txt``, ``plan.json``, ``drift.md``.
Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import jsonschema
import pytest
from helpers_planning import desired_from_json, observed_from_json

from reconciler.planning import plan
from reconciler.plans import Plan, from_document, plan_schema, to_document
from reconciler.rendering import json_document, markdown, text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "desired.json").exists())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def make_plan(case: str) -> Plan:
    folder = GOLDEN / case
    desired = desired_from_json(json.loads((folder / "desired.json").read_text()))
    observed = observed_from_json(json.loads((folder / "observed.json").read_text()))
    return plan(desired, observed, api_url="https://api.qovery.com")


def outputs(result: Plan) -> dict[str, str]:
    plan_txt, drift_md = io.StringIO(), io.StringIO()
    text.render_plan(result, plan_txt)
    markdown.render_drift(result, drift_md)
    return {
        "plan.txt": plan_txt.getvalue(),
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
    document = json.loads((GOLDEN / case / "plan.json").read_text())
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert to_document(from_document(document)) == document
