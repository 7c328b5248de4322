"""JSON values of what the commands show: the plan document, and the outcome of a change.

One home for each: ``plans.to_document`` builds the plan document (contract section 6;
``plans.drift_document`` is the drift of one field, also used by reconcile's ``drift``
lines); ``outcome_document`` is one change's outcome, the ``finished`` line of
``apply --json`` and the ``change`` line of reconcile's log; ``errors_document`` is what
``plan --json`` and ``drift --json`` print instead of a plan when they fail.

Neighbours: commands ``plan --json``, ``plan --out`` and ``drift --json`` (through
``views``), ``progress`` and ``log`` (outcomes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from reconciler.core.errors import Diagnostic
from reconciler.core.json_text import indented_shared_encoded
from reconciler.core.outcomes import Outcome
from reconciler.core.plan_documents import to_document
from reconciler.core.plans import FORMAT_VERSION, Plan
from reconciler.rendering.streams import write_utf8


def _encoded(plan: Plan) -> bytes | str:
    """The plan document as indented JSON ending with a newline: orjson's UTF-8 of the
    document that shares the plan's values (``to_document(shared=True)``), or, when orjson
    refuses it, the text ``json_text.indented`` writes of its plain copy."""
    shared = to_document(plan, shared=True)
    return indented_shared_encoded(shared, lambda: to_document(plan), newline=True)


def dumps(plan: Plan) -> str:
    """The plan document as indented JSON text, ending with a newline."""
    encoded = _encoded(plan)
    return encoded.decode("utf-8") if isinstance(encoded, bytes) else encoded


def render_plan(plan: Plan, out: TextIO) -> None:
    """Write the plan document to ``out``, as it is encoded (``streams.write_utf8``)."""
    encoded = _encoded(plan)
    if isinstance(encoded, bytes):
        write_utf8(out, encoded)
    else:
        out.write(encoded)


def outcome_document(outcome: Outcome, *, for_log: bool = False) -> dict[str, Any]:
    """What happened to one change; ``for_log`` (reconcile): the duration to the millisecond,
    and ``application_id`` only when there is one."""
    document: dict[str, Any] = {
        "address": outcome.address,
        "action": outcome.action.value,
        "result": outcome.result,
        "message": outcome.message,
        "duration_s": round(float(outcome.duration_s), 3) if for_log else outcome.duration_s,
        "application_id": outcome.application_id,
    }
    if for_log and not outcome.application_id:
        del document["application_id"]
    return document


def errors_document(summary: str, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """What ``plan --json`` and ``drift --json`` print on an error (contract section 17):
    ``{"format_version", "errors": [{"summary", "file", "line", "column"}]}``, one entry per
    diagnostic, or one for the whole error when it has none."""
    entries = [
        {
            "summary": d.message,
            "file": d.position.file if d.position else None,
            "line": d.position.line if d.position else None,
            "column": d.position.column if d.position else None,
        }
        for d in diagnostics
    ] or [{"summary": summary, "file": None, "line": None, "column": None}]
    return {"format_version": FORMAT_VERSION, "errors": entries}
