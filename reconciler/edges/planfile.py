"""Plan files: the plan document checked against its JSON Schema, read from and written to disk.

``plan --out FILE`` writes ``core.plans.to_document`` here (atomically, ``files``);
``apply --plan FILE`` and ``show`` read it back through ``read_plan_file``: a file that is
not a regular file (a FIFO, a device: refused unread, ``inputs``), is nested deeper than any
plan, is not a plan, is of another ``format_version`` or breaks ``schemas/plan.schema.json``
is one clear ``ReconcilerError``, never a traceback (nor a hang).

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

from reconciler.core.errors import ReconcilerError
from reconciler.core.plan_documents import plan_of_document
from reconciler.core.plans import FORMAT_VERSION, Plan
from reconciler.edges.inputs import read_regular_file

PLAN_SCHEMA = "plan.schema.json"
MAX_PLAN_BYTES = 64 * 1024 * 1024
"""A plan file larger than this is refused unread (plans are kilobytes, at most megabytes)."""
MAX_DEPTH = 64
"""Lists and mappings nest at most this deep in a plan document (a plan needs about 10)."""


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
    """The plan document saved in ``path``, checked against the schema.

    A path that is not a regular file is refused unread (``inputs``); a document nested
    deeper than any plan (``MAX_DEPTH``) is refused before the schema sees it.
    """
    data = read_regular_file(path, what="plan file", limit=MAX_PLAN_BYTES)
    try:
        content = data.decode("utf-8-sig")
        if not content.strip():
            raise ReconcilerError(f"{path} is not a plan file: it is empty")
        document = json.loads(content)
    except RecursionError:
        raise ReconcilerError(_too_deep(path)) from None
    except ValueError as exc:
        raise ReconcilerError(f"{path} is not a plan file: not valid JSON ({exc})") from None
    if _deeper_than(document, MAX_DEPTH):
        raise ReconcilerError(_too_deep(path))
    _check_format_version(path, document)
    try:
        validate_document(document)
    except ReconcilerError as exc:
        raise ReconcilerError(f"{path}: {exc}") from None
    assert isinstance(document, dict)  # the schema says so
    return document


def _too_deep(path: str) -> str:
    return (
        f"{path} is not a plan file: it is nested more than {MAX_DEPTH} levels deep, "
        "deeper than any plan"
    )


def _deeper_than(value: object, limit: int) -> bool:
    """Whether lists and mappings in ``value`` nest more than ``limit`` levels (no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


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
