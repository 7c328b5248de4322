"""Validating: loaded YAML documents → ``CloneSet``s, or every problem as a Diagnostic.

``load_manifests(paths)`` is the entry point of every command: it loads (``loading``),
checks each document against the project's JSON Schema (``humanising``: the schema's errors
as human messages pinned to the offending node), then checks what a schema cannot say (name
templates, globs, ignore paths in ``ignoring``, override values the API would refuse in
``override_values``, variable declarations in ``variable_values``, empty targets, unique
manifest names; clone-safety warnings in ``safety_warnings``) and builds the frozen
``CloneSet``s of ``model``. Every problem of every file is collected into one
``ManifestError``. No network.

Neighbours: ``loading`` below (files → documents with positions), ``humanising`` and
``ignoring`` beside, ``desired`` (the template and glob languages), ``commands.validate``
and ``pipeline`` above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.core.desired import (
    TemplateError,
    glob_problem,
    name_problem,
    placeholders,
    render_name,
)
from reconciler.core.errors import Diagnostic, ManifestError, Position
from reconciler.core.expiry import parse_duration
from reconciler.core.model import (
    CloneSet,
    Deploy,
    OnDrift,
    Policy,
    SourceApplication,
    TargetSelector,
)
from reconciler.edges.humanising import describe, dotted, schema_problems
from reconciler.edges.humanising import manifest_schema as manifest_schema  # re-exported
from reconciler.edges.ignoring import ignore_path_problem as ignore_path_problem  # re-exported
from reconciler.edges.ignoring import ignore_problems
from reconciler.edges.loading import Document, Path, read_documents
from reconciler.edges.override_values import override_value_problems
from reconciler.edges.preview_checks import placeholder_positions, preview_problems
from reconciler.edges.safety_warnings import safety_warnings
from reconciler.edges.variable_values import variable_problems

API_VERSION = "reconciler/v1"
KIND = "CloneSet"

# ── entry points ─────────────────────────────────────────────────────────────────────────


def load_manifests(paths: Sequence[str]) -> tuple[CloneSet, ...]:
    """The valid CloneSets under ``paths``; ``ManifestError`` with every problem otherwise."""
    return check_manifests(paths)[0]


def check_manifests(paths: Sequence[str]) -> tuple[tuple[CloneSet, ...], tuple[Diagnostic, ...]]:
    """The CloneSets under ``paths`` and their warnings; ``ManifestError`` on any error."""
    loaded = read_documents(paths)
    clonesets, problems = check_documents(loaded.documents)
    return settle(clonesets, sort_diagnostics([*loaded.diagnostics, *problems]))


def settle(
    clonesets: tuple[CloneSet, ...], diagnostics: Sequence[Diagnostic]
) -> tuple[tuple[CloneSet, ...], tuple[Diagnostic, ...]]:
    """The CloneSets and the warnings when no diagnostic is an error; else ``ManifestError``
    holding them all (warnings too, so that one run shows everything)."""
    if any(d.is_error for d in diagnostics):
        raise ManifestError(tuple(diagnostics))
    return clonesets, tuple(diagnostics)


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
    """One document's CloneSet (and its warnings), or its problems (schema first)."""
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
    problems = _schema_problems(document) + semantic_problems(document)
    if any(p.is_error for p in problems):
        return None, problems
    return build_cloneset(document), problems  # warnings only


def _schema_problems(document: Document) -> list[Diagnostic]:
    """The schema's problems, but where ``preview_checks`` says it better (a placeholder in
    a value that is not a string)."""
    spec = document.value.get("spec")
    spoken = placeholder_positions(document, spec) if isinstance(spec, dict) else set()
    return [p for p in schema_problems(document) if p.position not in spoken]


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics by file, line and column (those without a position first), deduplicated."""

    def key(d: Diagnostic) -> tuple[str, int, int, str]:
        p = d.position
        return (p.file, p.line, p.column, d.message) if p else ("", 0, 0, d.message)

    return sorted(dict.fromkeys(diagnostics), key=key)


# ── the kind ─────────────────────────────────────────────────────────────────────────────


def kind_problems(document: Document) -> list[Diagnostic]:
    """A document that is not a ``reconciler/v1`` CloneSet is reported for that alone."""
    problems = []
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if key in document.value and document.value[key] != expected:
            message = f"{key} must be '{expected}', got {describe(document.value[key])}"
            problems.append(Diagnostic(document.position_of((key,)), message))
    return problems


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
        *override_value_problems(document, spec),
        *preview_problems(document, spec),
        *variable_problems(document, spec),
        *safety_warnings(document, spec),
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
        variables=spec.get("variables", {}),
        policy=Policy(
            follow_source=policy.get("follow_source", True),
            on_drift=OnDrift(policy.get("on_drift", "report")),
            prune=policy.get("prune", False),
            adopt=policy.get("adopt", False),
            deploy=Deploy.of(policy.get("deploy", False)),
            max_deletes=policy.get("max_deletes", Policy.max_deletes),
            allow_empty=policy.get("allow_empty", False),
            **_expiry_policy(policy),
        ),
        position=document.start,
        positions={dotted(path): at for path, at in document.positions.items() if path},
    )


def _application(document: Document, i: int, item: Any) -> SourceApplication:
    path: Path = ("spec", "source", "applications", i)
    if isinstance(item, str):
        return SourceApplication(ref=item, position=document.position_of(path))
    overrides = item.get("overrides", {})
    return SourceApplication(
        ref=item["name"],
        overrides=overrides,
        position=document.position_of((*path, "name")),
        variables=item.get("variables", {}),
        kind=item.get("kind"),
        key_positions={
            key: document.key_position_of((*path, "overrides", key)) for key in overrides
        },
    )


def _target(document: Document, i: int, target: Mapping[str, Any]) -> TargetSelector:
    environment = target.get("environment")
    match = environment.get("match") if isinstance(environment, dict) else target.get("match")
    return TargetSelector(
        project=target.get("project"),
        environment=environment if isinstance(environment, str) else None,
        match=match,
        position=document.position_of(("spec", "targets", i)),
        overrides=target.get("overrides", {}),
        until=target.get("until"),
        variables=target.get("variables", {}),
    )


def _expiry_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """``expire_after`` and ``expiry_warning`` in seconds (checked by ``preview_checks``)."""
    found: dict[str, Any] = {}
    if "expire_after" in policy:
        found["expire_after"] = parse_duration(policy["expire_after"])
    if "expiry_warning" in policy:
        found["expiry_warning"] = parse_duration(policy["expiry_warning"])
    return found
