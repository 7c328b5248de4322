"""The plan document: round trip, schema validity, clear errors on bad files, no secrets."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from helpers_planning import PREVIEW_2, application, desired, desired_clone, observed, observed_app

from reconciler.core.errors import ReconcilerError
from reconciler.core.model import SelectorMatch
from reconciler.core.plan_documents import to_document
from reconciler.core.planning import plan
from reconciler.core.plans import Plan
from reconciler.edges.planfile import from_document, plan_schema

SRC = application("app-src", "api", "env-staging")


def sample_plan() -> Plan:
    state = desired(desired_clone(SRC, overrides={"cpu": 250}), desired_clone(SRC, PREVIEW_2))
    state = type(state)(
        state.clones,
        state.managed_manifests,
        state.policies,
        state.prune_environments,
        selectors=(SelectorMatch("previews", "proj-shop", "preview-*", ("env-preview-1",)),),
        notes=("a note",),
    )
    return plan(state, observed(observed_app(SRC)), api_url="https://api.qovery.com")


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = plan_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("plan.schema.json")


def test_document_validates_and_round_trips() -> None:
    original = sample_plan()
    document = json.loads(json.dumps(to_document(original)))
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert document["format_version"] == "1"
    assert document["summary"] == {
        "create": 2,
        "update": 0,
        "delete": 0,
        "noop": 0,
        "conflict": 0,
        "drifted": 0,
        "missing": 2,
        "expire": 0,
    }
    assert from_document(document) == original


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.update(format_version="2"),
        lambda d: d.pop("changes"),
        lambda d: d["changes"][0].update(action="explode"),
        lambda d: d["changes"][0]["drift"].append({"path": "cpu"}),
    ],
)
def test_a_bad_document_is_a_clear_reconciler_error(breakage: Any) -> None:
    document = copy.deepcopy(to_document(sample_plan()))
    breakage(document)
    with pytest.raises(ReconcilerError, match="not a valid plan file"):
        from_document(document)


def test_not_even_an_object_is_a_clear_error() -> None:
    with pytest.raises(ReconcilerError, match="not a valid plan file"):
        from_document(["nope"])


def test_the_example_of_the_contract_validates() -> None:
    example = {
        "format_version": "1",
        "changes": [
            {
                "address": "previews.web[shop/preview-1]",
                "action": "update",
                "manifest": "previews",
                "source": {
                    "application_id": "a",
                    "name": "web",
                    "project": "shop",
                    "environment": "staging",
                    "environment_id": "e",
                },
                "target": {
                    "application_id": "b",
                    "name": "web",
                    "project": "shop",
                    "environment": "preview-1",
                    "environment_id": "f",
                },
                "owned": True,
                "drift": [{"path": "cpu", "expected": 250, "actual": 500, "origin": "override"}],
                "reason": "drifted; on_drift: correct",
            }
        ],
        "summary": {
            "create": 0,
            "update": 1,
            "delete": 0,
            "noop": 0,
            "conflict": 0,
            "drifted": 1,
            "missing": 0,
        },
    }
    assert from_document(example).summary.update == 1
