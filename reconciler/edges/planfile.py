"""Plan files: the plan document checked against its JSON Schema, read from and written to disk.

``plan --out FILE`` writes ``core.plans.to_document`` here (atomically, ``files``);
``apply --plan FILE`` and ``show`` read it back through ``read_plan_file``: a file that is
not a plan, is of another ``format_version`` or breaks ``schemas/plan.schema.json`` is one
clear ``ReconcilerError``, never a traceback.

Neighbours: ``core.plans`` (the value and its document), ``files`` (atomic writes),
``savedplans`` (what ``apply --plan`` checks beyond the document).
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import jsonschema

from reconciler.core.errors import ConfigError, ReconcilerError
from reconciler.core.plans import FORMAT_VERSION, Plan, plan_of_document

PLAN_SCHEMA = "plan.schema.json"


@cache
def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan document, shipped as package data."""
    try:
        root = importlib.resources.files("reconciler.schemas")
    except ModuleNotFoundError:  # an editable install without schemas/__init__.py
        root = importlib.resources.files("reconciler").joinpath("..", "schemas")
    schema: dict[str, Any] = json.loads(root.joinpath(PLAN_SCHEMA).read_text(encoding="utf-8"))
    return schema


def validate_document(document: Any) -> None:
    """Raise ``ReconcilerError`` naming every problem when ``document`` is not a plan."""
    validator = jsonschema.Draft202012Validator(plan_schema())
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    if errors:
        lines = [f"  - {_where(error.path)}: {error.message}" for error in errors[:10]]
        raise ReconcilerError("this is not a valid plan file:\n" + "\n".join(lines))


def _where(path: Sequence[Any]) -> str:
    return "/".join(str(part) for part in path) or "(document)"


def from_document(document: Any) -> Plan:
    """The Plan a document describes; ``ReconcilerError`` when it is not a valid plan."""
    validate_document(document)
    return plan_of_document(document)


def read_plan_file(path: str) -> Plan:
    """The plan saved in ``path`` (``plan --out``); one clear error when it is not one."""
    return plan_of_document(read_plan_document(path))


def read_plan_document(path: str) -> dict[str, Any]:
    """The plan document saved in ``path``, checked against the schema."""
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read()
        if not content.strip():
            raise ReconcilerError(f"{path} is not a plan file: it is empty")
        document = json.loads(content)
    except OSError as exc:
        raise ConfigError(f"cannot read the plan file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ReconcilerError(f"{path} is not a plan file: not valid JSON ({exc})") from None
    _check_format_version(path, document)
    try:
        validate_document(document)
    except ReconcilerError as exc:
        raise ReconcilerError(f"{path}: {exc}") from None
    assert isinstance(document, dict)  # the schema says so
    return document


def _check_format_version(path: str, document: object) -> None:
    """A plan of another format says so, rather than listing every schema difference."""
    if not isinstance(document, dict) or "format_version" not in document:
        return
    version = document["format_version"]
    if version != FORMAT_VERSION:
        raise ReconcilerError(
            f"{path} is a plan of format_version {json.dumps(version)}; this reconciler reads "
            f"format_version {json.dumps(FORMAT_VERSION)}: make the plan again with this version"
        )
