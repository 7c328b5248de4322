"""The plan document of contract section 6: a ``plans.Plan`` to JSON and back. Pure.

``to_document`` writes what ``plan --json`` prints and ``plan --out`` saves (``format_version``
"1"); ``plan_of_document`` reads one back (a saved plan, ``apply --plan``, ``show``); the
``*_document`` helpers write one item of it (a drift item for the reconcile log and the
notifications, an update, a warning). ``edges.planfile`` checks a document against
``schemas/plan.schema.json``. A secret is never in it: a variable write carries its keyed
digest and where its value is read, never the value.

Neighbours: ``plans`` (the value), ``variables`` (a variable write's document).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.core.errors import Diagnostic, Position, Severity
from reconciler.core.json_text import plain
from reconciler.core.model import JSON, SelectorMatch
from reconciler.core.plans import (
    FORMAT_VERSION,
    Action,
    Change,
    DriftItem,
    Endpoint,
    FieldUpdate,
    Footprint,
    Origin,
    Plan,
    Step,
)
from reconciler.core.reasons import Because, Reason
from reconciler.core.variables import declared_of_document, write_document, write_of_document


def _endpoint_document(endpoint: Endpoint) -> dict[str, JSON]:
    return {
        "application_id": endpoint.application_id,
        "name": endpoint.name,
        "project": endpoint.project,
        "environment": endpoint.environment,
        "environment_id": endpoint.environment_id,
        "kind": endpoint.kind,
    }


def drift_document(item: DriftItem) -> dict[str, JSON]:
    """One drifted field as JSON: in the plan document and in reconcile's ``drift`` lines."""
    return {
        "path": item.path,
        "expected": item.expected,
        "actual": item.actual,
        "origin": item.origin.value,
    }


def update_document(update: FieldUpdate) -> dict[str, JSON]:
    """One field apply sets, as JSON: ``before`` and ``after`` (null: absent)."""
    return {
        "path": update.path,
        "before": update.before,
        "after": update.after,
        "origin": update.origin.value,
    }


def warning_document(warning: Diagnostic) -> dict[str, JSON]:
    where = warning.position
    return {
        "message": warning.message,
        "file": where.file if where else None,
        "line": where.line if where else None,
        "column": where.column if where else None,
    }


def _change_document(change: Change) -> dict[str, JSON]:
    """One change of the plan document; its keys in this order (``reason_code``,
    ``expires_at``, ``variables`` and ``declared_variables`` only when it has them)."""
    document: dict[str, JSON] = {
        "address": change.address,
        "action": change.action.value,
        "manifest": change.manifest,
        "source": _endpoint_document(change.source),
        "target": _endpoint_document(change.target),
        "owned": change.owned,
        "drift": [drift_document(item) for item in change.drift] if change.drift else [],
        "updates": [update_document(u) for u in change.updates] if change.updates else [],
        "footprint": change.footprint.as_dict(),
        "reason": change.reason,
    }
    if (code := change.reason_code) is not None:
        document["reason_code"] = code.value
    document["steps"] = [step.value for step in change.steps]
    document["desired"] = plain(change.desired)
    document["desired_is_complete"] = change.desired_is_complete
    document["description"] = change.description
    document["deploy_commit"] = change.deploy_commit
    document["fingerprints"] = dict(change.fingerprints)
    document["ignore"] = list(change.ignore)
    _add_the_optional_last(document, change)
    return document


def _shared_change_document(change: Change) -> dict[str, Any]:
    """``_change_document`` for orjson (``to_document(shared=True)``), in the same order,
    built faster: the plan's own values where orjson writes them as the copy would be
    written (a frozen dataclass as its fields in order, an enum as its value, a tuple as a
    list), not a dict made for each. ``tests/core/test_plan_documents_shared.py`` holds the
    two to the same text."""
    document: dict[str, Any] = {
        "address": change.address,
        "action": change.action,
        "manifest": change.manifest,
        "source": change.source,
        "target": change.target,
        "owned": change.owned,
        "drift": change.drift,
        "updates": change.updates,
        "footprint": change.footprint,
        "reason": change.reason,
    }
    if (code := change.reason_code) is not None:
        document["reason_code"] = code
    document["steps"] = change.steps
    document["desired"] = change.desired
    document["desired_is_complete"] = change.desired_is_complete
    document["description"] = change.description
    document["deploy_commit"] = change.deploy_commit
    document["fingerprints"] = change.fingerprints
    document["ignore"] = change.ignore
    _add_the_optional_last(document, change)
    return document


def _add_the_optional_last(document: dict[str, Any], change: Change) -> None:
    """A change document's last keys, each only when the change has it: ``expires_at``,
    ``variables``, ``declared_variables`` (older documents stay as they were)."""
    if change.expires_at:
        document["expires_at"] = change.expires_at
    if change.variables:
        document["variables"] = [write_document(write) for write in change.variables]
    if change.declared_variables:
        document["declared_variables"] = [d.as_document() for d in change.declared_variables]


def _selector_document(selector: SelectorMatch) -> dict[str, JSON]:
    return {
        "manifest": selector.manifest,
        "project_id": selector.project_id,
        "pattern": selector.pattern,
        "environment_ids": list(selector.environment_ids),
        "source_environment_id": selector.source_environment_id,
    }


def to_document(plan: Plan, *, shared: bool = False) -> dict[str, JSON]:
    """The plan document (contract section 6), as plain JSON values; ``shared``: for a
    document written out at once by orjson (``json_text.indented_shared``), each change
    holds the plan's own values, not copies (its ``desired``, tuples where it holds tuples,
    the plan's dataclasses and enums: ``_shared_change_document``)."""
    changes = (
        [_shared_change_document(change) for change in plan.changes]
        if shared
        else [_change_document(change) for change in plan.changes]
    )
    return {
        "format_version": FORMAT_VERSION,
        "api_url": plan.api_url,
        "changes": changes,
        "summary": plan.summary.as_dict(),
        "footprint": plan.footprint.as_dict(),
        "selectors": [_selector_document(selector) for selector in plan.selectors],
        "notes": list(plan.notes),
        **({"requests": dict(plan.requests)} if plan.requests is not None else {}),
        **({"now": plan.now} if plan.now and _temporary(plan) else {}),
        "warnings": [warning_document(warning) for warning in plan.warnings],
    }


def _temporary(plan: Plan) -> bool:
    """Whether a clone of the plan expires (only then does its document say when it was made)."""
    return any(change.expires_at for change in plan.changes)


def _endpoint(data: Mapping[str, Any]) -> Endpoint:
    return Endpoint(
        data["application_id"],
        data["name"],
        data.get("project"),
        data.get("environment"),
        data.get("environment_id"),
        data.get("kind", "application"),  # documents written before kinds
    )


def _change(data: Mapping[str, Any]) -> Change:
    return Change(
        address=data["address"],
        action=Action(data["action"]),
        manifest=data["manifest"],
        source=_endpoint(data["source"]),
        target=_endpoint(data["target"]),
        owned=data["owned"],
        drift=tuple(
            DriftItem(item["path"], item["expected"], item["actual"], Origin(item["origin"]))
            for item in data["drift"]
        ),
        updates=tuple(
            FieldUpdate(item["path"], item["before"], item["after"], Origin(item["origin"]))
            for item in data.get("updates", ())
        ),
        footprint=Footprint(**data.get("footprint", {})),
        reason=data["reason"],
        why=(Because(Reason(data["reason_code"])),) if data.get("reason_code") else (),
        steps=tuple(Step(step) for step in data.get("steps", ())),
        desired=data.get("desired", {}),
        desired_is_complete=data.get("desired_is_complete", False),
        description=data.get("description"),
        deploy_commit=data.get("deploy_commit"),
        fingerprints=data.get("fingerprints", {}),
        ignore=tuple(data.get("ignore", ())),
        expires_at=data.get("expires_at"),
        variables=tuple(write_of_document(item) for item in data.get("variables", ())),
        declared_variables=tuple(
            declared_of_document(item) for item in data.get("declared_variables", ())
        ),
    )


def _selector(data: Mapping[str, Any]) -> SelectorMatch:
    return SelectorMatch(
        data["manifest"],
        data["project_id"],
        data["pattern"],
        tuple(data["environment_ids"]),
        source_environment_id=data.get("source_environment_id"),
    )


def plan_of_document(document: Mapping[str, Any]) -> Plan:
    """The Plan a document describes, which ``edges.planfile`` has checked against the schema."""
    changes = [_change(item) for item in document["changes"]]
    return Plan.of(
        changes,
        api_url=document.get("api_url"),
        selectors=[_selector(item) for item in document.get("selectors", ())],
        notes=document.get("notes", ()),
        warnings=[_warning(item) for item in document.get("warnings", ())],
    ).with_now(document.get("now"))


def _warning(data: Mapping[str, Any]) -> Diagnostic:
    where = data.get("file")
    position = Position(where, data["line"], data["column"]) if where else None
    return Diagnostic(position, data["message"], Severity.WARNING)


# ── queries every view asks of a plan (one home: views and commands call these) ─────────
