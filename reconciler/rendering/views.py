"""The views of the commands: what each command shows, one class per output (Terraform's views).

A command says *what* happened (``view.plan(plan)``, ``view.summary(result)``); its view
decides how it looks. Each command has a Protocol of what its view must do
(``ValidateView``, ``PlanView``, ``DriftView``, ``ApplyView``, ``ReconcileView``,
``SandboxView``) and a table of the classes that do it, one per ``ViewType``. The view is
chosen once, from the flags (``commands.arguments.view_type``), by ``new_<command>_view``:
adding an output is one class and one entry in its table.

The classes draw with the renderers beside this module (``text``, ``markdown``,
``json_document``, ``progress``, ``log``); they compute nothing and call no API.
Apply's views live in ``progress``, reconcile's in ``log``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from reconciler.core.errors import Diagnostic
from reconciler.core.model import CloneSet
from reconciler.core.plans import Plan
from reconciler.rendering import json_document, markdown, text
from reconciler.rendering.log import ReconcileJSON, ReconcileView
from reconciler.rendering.progress import ApplyHuman, ApplyJSON, ApplyView
from reconciler.rendering.streams import Streams
from reconciler.rendering.view_types import ViewType

__all__ = ["ApplyView", "ReconcileView", "ViewType"]


V = TypeVar("V", covariant=True)


def _choose(
    table: Mapping[ViewType, Callable[[Streams], V]], kind: ViewType, streams: Streams
) -> V:
    """The view of ``table`` for ``kind`` (the flags offer only the kinds a command has)."""
    return table[kind](streams)


# ── validate ──────────────────────────────────────────────────────────────────────────────


class ValidateView(Protocol):
    def valid(self, clonesets: Sequence[CloneSet], warnings: Sequence[Diagnostic] = ()) -> None: ...

    def invalid(self, diagnostics: Sequence[Diagnostic]) -> None: ...


class ValidateHuman:
    """``N manifests valid`` on stdout, or one diagnostic per line on stderr."""

    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def valid(self, clonesets: Sequence[CloneSet], warnings: Sequence[Diagnostic] = ()) -> None:
        for warning in warnings:
            print(warning, file=self._streams.err)
        count = len(clonesets)
        print(f"{count} manifest{'' if count == 1 else 's'} valid", file=self._streams.out)

    def invalid(self, diagnostics: Sequence[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            print(diagnostic, file=self._streams.err)


class ValidateJSON:
    """One object on stdout: ``{"valid", "manifests", "diagnostics"}``."""

    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def valid(self, clonesets: Sequence[CloneSet], warnings: Sequence[Diagnostic] = ()) -> None:
        self._print(clonesets, warnings)

    def invalid(self, diagnostics: Sequence[Diagnostic]) -> None:
        self._print((), diagnostics)

    def _print(self, clonesets: Sequence[CloneSet], diagnostics: Sequence[Diagnostic]) -> None:
        document = {
            "valid": not any(d.is_error for d in diagnostics),
            "manifests": [c.name for c in clonesets],
            "diagnostics": [_diagnostic(d) for d in diagnostics],
        }
        print(json.dumps(document, indent=2), file=self._streams.out)


def _diagnostic(diagnostic: Diagnostic) -> dict[str, object]:
    where = diagnostic.position
    entry: dict[str, object] = {
        "file": where.file if where else None,
        "line": where.line if where else None,
        "column": where.column if where else None,
        "message": diagnostic.message,
    }
    if not diagnostic.is_error:  # errors print as they always did
        entry["severity"] = diagnostic.severity.value
    return entry


# ── plan ──────────────────────────────────────────────────────────────────────────────────


class PlanView(Protocol):
    def plan(self, plan: Plan) -> None: ...

    def saved(self, path: str, *, sandbox: bool) -> None: ...  # after ``plan``, with --out

    def failed(self, summary: str, diagnostics: Sequence[Diagnostic]) -> None: ...


class _ErrorsOnStderr:
    """An error is the CLI's to print on stderr (``error: ...``); nothing more on stdout."""

    def failed(self, summary: str, diagnostics: Sequence[Diagnostic]) -> None:
        pass


class _ErrorsAsJSON:
    """An error as a JSON document on stdout too (one line, as JSON lines readers want it),
    so that a CI step that parses stdout gets JSON either way (contract section 17)."""

    _streams: Streams

    def failed(self, summary: str, diagnostics: Sequence[Diagnostic]) -> None:
        document = json_document.errors_document(summary, diagnostics)
        print(json.dumps(document, ensure_ascii=False), file=self._streams.out)  # one line


class PlanHuman(_ErrorsOnStderr):
    """The text plan on stdout (``-v``: a create lists every field); warnings on stderr."""

    def __init__(self, streams: Streams, *, verbose: bool = False) -> None:
        self._streams = streams
        self._verbose = verbose

    def plan(self, plan: Plan) -> None:
        for warning in plan.warnings:
            print(warning, file=self._streams.err)
        text.render_plan(plan, self._streams.out, color=self._streams.color, verbose=self._verbose)

    def saved(self, path: str, *, sandbox: bool) -> None:
        where = " --sandbox" if sandbox else ""
        self._streams.out.write(
            f"\nSaved the plan to {path}. To apply exactly these changes:\n"
            f"    reconciler apply --plan {path}{where}\n"
        )


class PlanJSON(_ErrorsAsJSON):
    """The plan document on stdout (its warnings inside it), or the errors document."""

    def __init__(self, streams: Streams, *, verbose: bool = False) -> None:
        self._streams = streams

    def plan(self, plan: Plan) -> None:
        json_document.render_plan(plan, self._streams.out)

    def saved(self, path: str, *, sandbox: bool) -> None:
        pass  # stdout holds the plan document only


class PlanMarkdown(_ErrorsOnStderr):
    """One pull-request comment on stdout, behind its hidden marker (``--markdown``)."""

    def __init__(self, streams: Streams, *, verbose: bool = False) -> None:
        self._streams = streams

    def plan(self, plan: Plan) -> None:
        markdown.render_plan(plan, self._streams.out)

    def saved(self, path: str, *, sandbox: bool) -> None:
        pass  # stdout holds the comment only


# ── drift ─────────────────────────────────────────────────────────────────────────────────


class DriftView(Protocol):
    def drift(self, plan: Plan) -> None: ...

    def failed(self, summary: str, diagnostics: Sequence[Diagnostic]) -> None: ...


class DriftHuman(_ErrorsOnStderr):
    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def drift(self, plan: Plan) -> None:
        text.render_drift(plan, self._streams.out, color=self._streams.color)


class DriftJSON(_ErrorsAsJSON):
    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def drift(self, plan: Plan) -> None:
        json_document.render_plan(plan, self._streams.out)


class DriftMarkdown(_ErrorsOnStderr):
    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def drift(self, plan: Plan) -> None:
        markdown.render_drift(plan, self._streams.out)


# ── sandbox ───────────────────────────────────────────────────────────────────────────────


class SandboxView(Protocol):
    def serving(self, url: str, token: str, state: str | None) -> None: ...

    def note(self, message: str) -> None: ...

    def stopped(self) -> None: ...


class SandboxHuman:
    """The URL, the sandbox's throwaway token and an ``export`` line; notes on stderr."""

    def __init__(self, streams: Streams) -> None:
        self._streams = streams

    def serving(self, url: str, token: str, state: str | None) -> None:
        out = self._streams.out
        print(f"sandbox listening on {url}", file=out)
        print(f"token: {token}", file=out)
        if state:
            print(f"state: {state}", file=out)
        print(f"export QOVERY_API_URL={url} QOVERY_API_TOKEN={token}", file=out)
        print("(Ctrl-C or SIGTERM stops it)", file=out)
        out.flush()

    def note(self, message: str) -> None:
        print(f"note: {message}", file=self._streams.err)

    def stopped(self) -> None:
        print("sandbox stopped", file=self._streams.err)


# ── the tables: which class shows which output ────────────────────────────────────────────

VALIDATE: Mapping[ViewType, Callable[[Streams], ValidateView]] = {
    ViewType.HUMAN: ValidateHuman,
    ViewType.JSON: ValidateJSON,
}
PLAN: Mapping[ViewType, Callable[..., PlanView]] = {
    ViewType.HUMAN: PlanHuman,
    ViewType.JSON: PlanJSON,
    ViewType.MARKDOWN: PlanMarkdown,
}
DRIFT: Mapping[ViewType, Callable[[Streams], DriftView]] = {
    ViewType.HUMAN: DriftHuman,
    ViewType.JSON: DriftJSON,
    ViewType.MARKDOWN: DriftMarkdown,
}
APPLY: Mapping[ViewType, Callable[[Streams], ApplyView]] = {
    ViewType.HUMAN: ApplyHuman,
    ViewType.JSON: ApplyJSON,
}
RECONCILE: Mapping[ViewType, Callable[[Streams], ReconcileView]] = {
    ViewType.HUMAN: ReconcileJSON,  # the log is always JSON lines; --json is accepted
    ViewType.JSON: ReconcileJSON,
}
SANDBOX: Mapping[ViewType, Callable[[Streams], SandboxView]] = {ViewType.HUMAN: SandboxHuman}


def new_validate_view(kind: ViewType, streams: Streams) -> ValidateView:
    return _choose(VALIDATE, kind, streams)


def new_plan_view(kind: ViewType, streams: Streams, *, verbose: bool = False) -> PlanView:
    return PLAN[kind](streams, verbose=verbose)


def new_drift_view(kind: ViewType, streams: Streams) -> DriftView:
    return _choose(DRIFT, kind, streams)


def new_apply_view(kind: ViewType, streams: Streams) -> ApplyView:
    return _choose(APPLY, kind, streams)


def new_reconcile_view(kind: ViewType, streams: Streams) -> ReconcileView:
    return _choose(RECONCILE, kind, streams)


def new_sandbox_view(kind: ViewType, streams: Streams) -> SandboxView:
    return _choose(SANDBOX, kind, streams)
