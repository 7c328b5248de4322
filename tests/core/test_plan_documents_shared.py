"""The plan document written at once (``to_document(shared=True)``, orjson) is the text of
its plain copy, key for key, with every optional key and hostile values; what orjson refuses
still reads as the standard encoder writes it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import orjson
from helpers_planning import SOURCE_ENV, application, desired, desired_clone, observed
from helpers_planning import observed_app as obs

from reconciler.core.plan_documents import to_document
from reconciler.core.planning import plan
from reconciler.core.plans import (
    DriftItem,
    Endpoint,
    FieldUpdate,
    Footprint,
    Origin,
    Plan,
    Step,
)
from reconciler.core.reasons import Because, Reason
from reconciler.core.variables import Declared, Op, Sort, VariableWrite
from reconciler.rendering import json_document

HOSTILE = 'é ✓ 🚀 "quoted" \\ back\x00\x1f\x7f \u2028\u2029 \t\n\r\x08\x0c </script>'


def _hostile_plan(**desired_values: Any) -> Plan:
    """One plan whose change has every optional key of the document, and hostile values."""
    source = application("src-api", "api", SOURCE_ENV.id)
    made = plan(desired(desired_clone(source)), observed(obs(source)))
    (change,) = made.changes
    rich = replace(
        change,
        address=f"previews.api[{HOSTILE}]",
        source=Endpoint(None, HOSTILE, None, None, None, "container"),
        drift=(DriftItem("cpu", 2**63 - 1, -(2**63), Origin.SOURCE),),
        updates=(
            FieldUpdate("memory", None, {"b": [1, 0.25, True], "a": HOSTILE}, Origin.OVERRIDE),
        ),
        footprint=Footprint(250, -512, 1),
        reason=HOSTILE,
        why=(Because(Reason.UP_TO_DATE),),
        steps=(Step.CLONE, Step.EDIT, Step.VARIABLES),
        desired={"name": HOSTILE, "ports": ({"n": 1.5},), "empty": {}, "none": []} | desired_values,
        description=HOSTILE,
        deploy_commit="abc",
        fingerprints={"source": "f1", "target": None},
        ignore=("healthchecks", HOSTILE),
        expires_at="2026-12-07T12:00:00Z",
        variables=(VariableWrite("K", Op.CREATE, Declared("K", Sort.PLAIN, HOSTILE)),),
        declared_variables=(Declared("S", Sort.SECRET, from_env="S_ENV"),),
    )
    return made.with_changes([rich]).with_now("2026-12-07T06:48:00Z")


def _standard(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_the_shared_document_is_written_as_its_plain_copy() -> None:
    made = _hostile_plan()
    shared = orjson.dumps(to_document(made, shared=True), option=orjson.OPT_INDENT_2)
    assert shared == orjson.dumps(to_document(made), option=orjson.OPT_INDENT_2)
    (change,) = to_document(made)["changes"]
    assert {"reason_code", "expires_at", "variables", "declared_variables"} <= change.keys()


def test_the_plan_document_is_the_standard_encoders_text() -> None:
    made = _hostile_plan()
    assert json_document.dumps(made) == _standard(to_document(made))


def test_what_orjson_refuses_reads_as_the_standard_encoder_writes_it() -> None:
    made = _hostile_plan(big=2**64, small=-(2**63) - 1)  # beyond 64 bits: refused
    assert json_document.dumps(made) == _standard(to_document(made))
