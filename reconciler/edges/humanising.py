"""Humanising: the CloneSet JSON Schema, and its errors said in the manifest's words.

``schema_problems(document)`` runs the schema shipped inside the package
(``schemas/cloneset.schema.json`` as ``reconciler.schemas``) over one document and rewrites
each ``jsonschema`` error into one message pinned to the offending node ("spec.policy.prune
must be true or false, got 'yes'"). The wording helpers (``dotted``, ``show``, ``describe``)
live here too, for every check that names a field or a value.

Neighbours: ``validating`` above (runs this, then the checks a schema cannot make),
``loading`` below (documents and their positions), ``suggesting`` for "did you mean".
"""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from reconciler.core.errors import Diagnostic
from reconciler.core.suggesting import did_you_mean
from reconciler.edges.loading import Document, Path, yaml11_reading

# ── the schema ───────────────────────────────────────────────────────────────────────────


@functools.cache
def manifest_schema() -> dict[str, Any]:
    """The CloneSet JSON Schema, as shipped inside the package."""
    resource = files("reconciler.schemas") / "cloneset.schema.json"
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema())


def schema_problems(document: Document) -> list[Diagnostic]:
    """Every schema error of the document, as human messages at the offending node."""
    errors = list(_validator().iter_errors(document.value))
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    problems: list[Diagnostic] = []
    for error in errors:
        if error.validator != "type" and tuple(error.absolute_path) in mistyped:
            continue  # "must be an integer" says it all; "must be at least 1" would be noise
        problems.extend(humanise(error, document))
    return problems


def humanise(error: ValidationError, document: Document) -> list[Diagnostic]:
    """One schema error → diagnostics that say what is wrong in the manifest's words."""
    path: Path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        return unknown_keys(error, document, path)
    at = document.position_of(path)
    if error.validator == "required":  # pinned to the parent's key: "spec:" lacks "source"
        missing = _missing_key(error.message)
        at = document.key_position_of(path) if path else document.start
        return [Diagnostic(at, f"missing required key '{dotted((*path, missing))}'")]
    return [Diagnostic(at, f"{dotted(path) or 'the manifest'} {_complaint(error)}")]


def unknown_keys(error: ValidationError, document: Document, path: Path) -> list[Diagnostic]:
    allowed = list(error.schema.get("properties", {}))
    problems = []
    for key in error.instance:
        if key in allowed:
            continue
        hint = did_you_mean(key, allowed) or f" ({dotted(path) or 'a manifest'} takes: " + (
            ", ".join(allowed) + ")"
        )
        if key == "name" and path and path[-1] == "overrides":
            hint = ": a clone's name comes from the name template, spec.name"
        position = document.key_position_of((*path, key))
        problems.append(Diagnostic(position, f"unknown key '{key}'{hint}"))
    return problems


def _missing_key(message: str) -> str:
    quoted = message.removesuffix(" is a required property")
    try:
        return str(ast.literal_eval(quoted))
    except (ValueError, SyntaxError):
        return quoted


_PATTERN_MEANINGS = {
    "^[a-z0-9-]+$": "use only lower-case letters, digits and '-'",
    "^/": "start with '/'",
}
_TYPE_PHRASES = {
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _complaint(error: ValidationError) -> str:
    """What ``must`` hold, said after the field's dotted path."""
    rule, value, got = error.validator, error.validator_value, describe(error.instance)
    if rule == "type":
        kinds = value if isinstance(value, list) else [value]
        phrases = [_TYPE_PHRASES.get(str(k), str(k)) for k in kinds]
        return f"must be {' or '.join(phrases)}, got {got}{_yaml11_hint(error.instance, kinds)}"
    if rule == "enum":
        choices = ", ".join(show(v) for v in value)
        hint = did_you_mean(str(error.instance), [str(v) for v in value if v is not None])
        return f"must be one of {choices}, got {got}{hint}"
    if rule == "const":
        return f"must be {show(value)}, got {got}"
    if rule in ("minimum", "maximum"):
        bound = "at least" if rule == "minimum" else "at most"
        return f"must be {bound} {value}, got {got}"
    if rule in ("minLength", "minItems") and value == 1:
        return "must not be empty"
    if rule == "minItems":
        return f"must have at least {value} entries"
    if rule == "maxLength":
        return f"must be at most {value} characters long, got {len(error.instance)}"
    if rule == "pattern":
        meaning = _PATTERN_MEANINGS.get(value, "be a UUID" if "[0-9a-fA-F]{8}" in value else "")
        return f"must {meaning or 'match ' + value}, got {got}"
    if rule in ("minProperties", "maxProperties"):
        keys = ", ".join(error.schema.get("properties", {}))
        return f"must hold exactly one of: {keys}"
    if rule == "oneOf":
        return _one_of(error)
    return f"is not valid: {error.message}"


def _yaml11_hint(found: Any, kinds: Sequence[Any]) -> str:
    """Why a YAML 1.1 word or number (``yes``, ``0755``, ``4:10``) is text here, and the fix."""
    reading = yaml11_reading(found) if isinstance(found, str) else None
    if isinstance(reading, bool) and "boolean" in kinds:
        return (
            f": write true or false (YAML 1.1 reads {found} as {show(reading)}, YAML 1.2 as text)"
        )
    if reading is not None and not isinstance(reading, bool) and {"integer", "number"} & {*kinds}:
        as_12 = str(int(found)) if found.lstrip("+-").isdigit() else "text"
        return (
            f": YAML 1.1 reads {found} as {reading}, YAML 1.2 as {as_12}; "
            "write the number in plain decimal"
        )
    return ""


def _one_of(error: ValidationError) -> str:
    keys = [b["required"][0] for b in error.validator_value if "required" in b]
    present = [k for k in keys if isinstance(error.instance, dict) and k in error.instance]
    names = " and ".join(f"'{k}'" for k in keys)
    if present:
        return f"takes exactly one of {names}, not both"
    return f"needs one of {names}"


# ── wording ──────────────────────────────────────────────────────────────────────────────


def dotted(path: Sequence[str | int]) -> str:
    """``("spec", "targets", 0, "environment")`` → ``spec.targets[0].environment``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def show(value: Any) -> str:
    """A value as the manifest would spell it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def describe(value: Any) -> str:
    """A found value, briefly: ``'abc'``, ``12``, ``a list``, ``a mapping``."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and len(value) > 40:
        return show(value[:40] + "…")
    return show(value)
