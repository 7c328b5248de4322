"""Validating: loaded YAML documents → ``CloneSet``s, or every problem as a Diagnostic.

``load_manifests(paths)`` is the entry point of every command: it loads (``loading``),
checks each document against the project's JSON Schema (``schemas/cloneset.schema.json``,
shipped as ``reconciler.schemas``), rewrites each schema error into one human message pinned
to the offending node, then checks what a schema cannot say (name templates, globs, ignore
paths, empty targets, unique manifest names) and builds the frozen ``CloneSet``s of
``model``. Every problem of every file is collected into one ``ManifestError``. No network.

Neighbours: ``loading`` below (files → documents with positions), ``desired`` beside (the
template and glob languages), ``suggesting`` for "did you mean", ``commands.validate`` and
``commands.common`` above.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from reconciler.core.desired import (
    TemplateError,
    glob_problem,
    name_problem,
    placeholders,
    render_name,
)
from reconciler.core.errors import Diagnostic, ManifestError, Position
from reconciler.core.model import CloneSet, OnDrift, Policy, SourceApplication, TargetSelector
from reconciler.core.normalising import KEYED_LISTS
from reconciler.core.suggesting import did_you_mean
from reconciler.edges.loading import Document, Path, read_documents

API_VERSION = "reconciler/v1"
KIND = "CloneSet"

# ── entry points ─────────────────────────────────────────────────────────────────────────


def load_manifests(paths: Sequence[str]) -> tuple[CloneSet, ...]:
    """The valid CloneSets under ``paths``; ``ManifestError`` with every problem otherwise."""
    loaded = read_documents(paths)
    clonesets, problems = check_documents(loaded.documents)
    diagnostics = sort_diagnostics([*loaded.diagnostics, *problems])
    if diagnostics:
        raise ManifestError(diagnostics)
    return clonesets


def check_documents(documents: Sequence[Document]) -> tuple[tuple[CloneSet, ...], list[Diagnostic]]:
    """Check every document and the set of them; the CloneSets of the valid ones."""
    clonesets: list[CloneSet] = []
    diagnostics: list[Diagnostic] = []
    for document in documents:
        cloneset, problems = check_document(document)
        diagnostics.extend(problems)
        if cloneset is not None:
            clonesets.append(cloneset)
    diagnostics.extend(duplicate_names(documents))
    return tuple(clonesets), diagnostics


def check_document(document: Document) -> tuple[CloneSet | None, list[Diagnostic]]:
    """One document's CloneSet, or its problems (schema first, then the rest)."""
    value = document.value
    if not isinstance(value, dict):
        message = (
            "a manifest must be a mapping with apiVersion, kind, metadata and spec; "
            f"got {describe(value)}"
        )
        return None, [Diagnostic(document.start, message)]
    wrong_kind = kind_problems(document)
    if wrong_kind:
        return None, wrong_kind
    problems = schema_problems(document) + semantic_problems(document)
    if problems:
        return None, problems
    return build_cloneset(document), []


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file, line and column (those without a position first), deduplicated."""

    def key(d: Diagnostic) -> tuple[str, int, int, str]:
        p = d.position
        return (p.file, p.line, p.column, d.message) if p else ("", 0, 0, d.message)

    return sorted(dict.fromkeys(diagnostics), key=key)


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


def kind_problems(document: Document) -> list[Diagnostic]:
    """A document that is not a ``reconciler/v1`` CloneSet is reported for that alone."""
    problems = []
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if key in document.value and document.value[key] != expected:
            message = f"{key} must be '{expected}', got {describe(document.value[key])}"
            problems.append(Diagnostic(document.position_of((key,)), message))
    return problems


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
        return f"must be {' or '.join(phrases)}, got {got}"
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


def _one_of(error: ValidationError) -> str:
    keys = [b["required"][0] for b in error.validator_value if "required" in b]
    present = [k for k in keys if isinstance(error.instance, dict) and k in error.instance]
    names = " and ".join(f"'{k}'" for k in keys)
    if present:
        return f"takes exactly one of {names}, not both"
    return f"needs one of {names}"


# ── beyond the schema ────────────────────────────────────────────────────────────────────


def semantic_problems(document: Document) -> list[Diagnostic]:
    """What the schema cannot check; each check skips parts that are of the wrong type."""
    spec = document.value.get("spec")
    if not isinstance(spec, dict):
        return []
    return [
        *template_problems(document, spec),
        *application_problems(document, spec),
        *target_problems(document, spec),
        *ignore_problems(document, spec),
    ]


def _applications(spec: Mapping[str, Any]) -> list[tuple[int, str]]:
    source = spec.get("source")
    apps = source.get("applications") if isinstance(source, dict) else None
    found = []
    for i, item in enumerate(apps if isinstance(apps, list) else []):
        ref = item.get("name") if isinstance(item, dict) else item
        if isinstance(ref, str) and ref:
            found.append((i, ref))
    return found


def template_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    template = spec.get("name", "{app}")
    if not isinstance(template, str) or not template:
        return []
    at = document.position_of(("spec", "name"))
    try:
        used = placeholders(template)
    except TemplateError as exc:
        return [Diagnostic(at, str(exc))]
    problem = name_problem(render_name(template, app="a", environment="e", project="p"))
    if problem:
        return [Diagnostic(at, f"name template {template!r} cannot give a valid name: {problem}")]
    if "app" not in used and len(_applications(spec)) > 1:
        message = (
            f"name template {template!r} gives every application the same name in an "
            "environment; put {app} in it"
        )
        return [Diagnostic(at, message)]
    return []


def application_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    seen: dict[str, int] = {}
    problems = []
    for i, ref in _applications(spec):
        first = seen.setdefault(ref.casefold(), i)
        if first != i:
            where = document.position_of(("spec", "source", "applications", first))
            message = f"application '{ref}' is listed twice (also at line {where.line})"
            problems.append(
                Diagnostic(document.position_of(("spec", "source", "applications", i)), message)
            )
    return problems


def target_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    targets = spec.get("targets")
    if not isinstance(targets, list):
        return []
    problems = []
    policy = spec.get("policy")
    prune = isinstance(policy, dict) and policy.get("prune") is True
    if not targets and not prune:
        message = (
            "spec.targets is empty: add a target, or set policy.prune: true to retire "
            "every clone of this manifest"
        )
        problems.append(Diagnostic(document.position_of(("spec", "targets")), message))
    for i, target in enumerate(targets):
        for path, pattern in _globs(target, ("spec", "targets", i)):
            problem = glob_problem(pattern) if pattern else None  # empty: the schema says so
            if problem:
                problems.append(Diagnostic(document.position_of(path), problem))
    return problems


def _globs(target: Any, path: Path) -> list[tuple[Path, str]]:
    if not isinstance(target, dict):
        return []
    found = []
    if isinstance(target.get("match"), str):
        found.append(((*path, "match"), target["match"]))
    env = target.get("environment")
    if isinstance(env, dict) and isinstance(env.get("match"), str):
        found.append(((*path, "environment", "match"), env["match"]))
    return found


def ignore_problems(document: Document, spec: Mapping[str, Any]) -> list[Diagnostic]:
    ignore = spec.get("ignore")
    problems = []
    for i, entry in enumerate(ignore if isinstance(ignore, list) else []):
        if isinstance(entry, str) and entry:
            problem = ignore_path_problem(entry)
            if problem:
                at = document.position_of(("spec", "ignore", i))
                problems.append(Diagnostic(at, problem))
    return problems


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]+)\])?(\.|$)")


def ignore_path_problem(path: str) -> str | None:
    """Why an ``ignore`` entry can match no compared field, or ``None`` when it can."""
    segments = _segments(path)
    if segments is None:
        return (
            f"ignore path '{path}' is not a field path "
            "(e.g. git_repository.branch, ports[8080].external_port, storage[/mnt/data].size)"
        )
    return _walk_ignore_path(path, segments)


def _segments(path: str) -> list[tuple[str, str | None]] | None:
    """``ports[8080].protocol`` → ``[("ports", "8080"), ("protocol", None)]``; None if bad."""
    segments: list[tuple[str, str | None]] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None or (match.group(3) == "." and match.end() == len(path)):
            return None
        segments.append((match.group(1), match.group(2)))
        position = match.end()
    return segments or None


def _walk_ignore_path(path: str, segments: list[tuple[str, str | None]]) -> str | None:
    node: Mapping[str, Any] = _resolve(manifest_schema()["$defs"]["overrides"])
    done: list[str] = []
    for i, (name, key) in enumerate(segments):
        properties = node.get("properties", {})
        if name not in properties:
            where = f" under '{'.'.join(done)}'" if done else ""
            hint = did_you_mean(name, properties)
            return f"ignore path '{path}' matches no compared field: no '{name}'{where}{hint}"
        node = _resolve(properties[name])
        done.append(name)
        is_list = node.get("type") == "array"
        last = i == len(segments) - 1
        if key is not None:
            problem = _entry_key_problem(path, name, key)
            if problem:
                return problem
            node = _resolve(node["items"])
        elif is_list and not last:
            keyed = f" (name an entry: {name}[…])" if name in KEYED_LISTS else ""
            return f"ignore path '{path}' matches no compared field: '{name}' is a list{keyed}"
    return None


def _entry_key_problem(path: str, name: str, key: str) -> str | None:
    if name not in KEYED_LISTS:
        return (
            f"ignore path '{path}' matches no compared field: only ports[<internal port>] and "
            "storage[<mount point>] take a [key]"
        )
    if name == "ports" and not (key.isdigit() and 1 <= int(key) <= 65535):
        return f"ignore path '{path}': ports[…] takes an internal port number, got '{key}'"
    if name == "storage" and not key.startswith("/"):
        return f"ignore path '{path}': storage[…] takes a mount point starting with '/'"
    return None


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = manifest_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def duplicate_names(documents: Sequence[Document]) -> list[Diagnostic]:
    """Every manifest name used twice, at the later place, naming the first."""
    first: dict[str, Position] = {}
    problems = []
    for document in documents:
        metadata = document.value.get("metadata") if isinstance(document.value, dict) else None
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not isinstance(name, str):
            continue
        at = document.position_of(("metadata", "name"))
        if name in first:
            message = f"manifest name '{name}' is already used at {first[name]}"
            problems.append(Diagnostic(at, message))
        else:
            first[name] = at
    return problems


# ── building the CloneSet ────────────────────────────────────────────────────────────────


def build_cloneset(document: Document) -> CloneSet:
    """The CloneSet of a document that passed every check."""
    value = document.value
    spec = value["spec"]
    source = spec["source"]
    policy = spec.get("policy", {})
    return CloneSet(
        name=value["metadata"]["name"],
        organization=spec["organization"],
        source_project=source["project"],
        source_environment=source["environment"],
        applications=tuple(
            _application(document, i, item) for i, item in enumerate(source["applications"])
        ),
        targets=tuple(_target(document, i, t) for i, t in enumerate(spec["targets"])),
        name_template=spec.get("name", "{app}"),
        overrides=spec.get("overrides", {}),
        ignore=tuple(spec.get("ignore", ())),
        policy=Policy(
            follow_source=policy.get("follow_source", True),
            on_drift=OnDrift(policy.get("on_drift", "report")),
            prune=policy.get("prune", False),
            adopt=policy.get("adopt", False),
            deploy=policy.get("deploy", False),
            max_deletes=policy.get("max_deletes", Policy.max_deletes),
            allow_empty=policy.get("allow_empty", False),
        ),
        position=document.start,
        positions={dotted(path): at for path, at in document.positions.items() if path},
    )


def _application(document: Document, i: int, item: Any) -> SourceApplication:
    path: Path = ("spec", "source", "applications", i)
    if isinstance(item, str):
        return SourceApplication(ref=item, position=document.position_of(path))
    return SourceApplication(
        ref=item["name"],
        overrides=item.get("overrides", {}),
        position=document.position_of((*path, "name")),
    )


def _target(document: Document, i: int, target: Mapping[str, Any]) -> TargetSelector:
    environment = target.get("environment")
    match = environment.get("match") if isinstance(environment, dict) else target.get("match")
    return TargetSelector(
        project=target.get("project"),
        environment=environment if isinstance(environment, str) else None,
        match=match,
        position=document.position_of(("spec", "targets", i)),
    )


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
