"""Typed options of every command, built once from the parsed flags (Terraform's ``arguments``).

``cli`` parses the command line with argparse, then ``parse(namespace)`` turns it into one
frozen dataclass per command (``PlanOptions``, ``ApplyOptions``, ...); the commands read
only these, never the ``Namespace``. Every field takes the value of the flag of the same
name (``--detailed-exitcode`` → ``detailed_exitcode``; repeatable flags become tuples), so a
new flag is one ``add_argument`` in ``cli`` and one field here (with its default). A flag
the options of every API-facing command share goes on ``PlanningOptions``.

``view_type`` is the one place where the output flags (``--json``, ``--markdown``) become a
``ViewType``; ``rendering.views`` turns that into the command's view. Flag combinations
that make no sense are refused here (``UsageError``, exit 1).

Neighbours: ``cli`` (flags, dispatch), each ``commands.<name>.run(options, streams)``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from reconciler.core.errors import UsageError
from reconciler.rendering.view_types import ViewType


@dataclass(frozen=True)
class Options:
    """What every command has: its output and how talkative it is."""

    view_type: ViewType = ViewType.HUMAN
    verbose: bool = False
    no_color: bool = False


@dataclass(frozen=True)
class ValidateOptions(Options):
    paths: tuple[str, ...] = ()
    strict: bool = False  # warnings are errors


@dataclass(frozen=True)
class PlanningOptions(Options):
    """The manifests, the connection and the targets: every command that plans."""

    paths: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    api_url: str | None = None
    token_file: str | None = None
    sandbox: bool = False
    parallelism: int = 8
    allow_deletes: bool = False

    def __post_init__(self) -> None:
        if self.sandbox and self.api_url:
            raise UsageError("--sandbox and --api-url cannot be combined")


@dataclass(frozen=True)
class PlanOptions(PlanningOptions):
    out: str | None = None
    detailed_exitcode: bool = False
    strict: bool = False  # clone-safety warnings are errors


@dataclass(frozen=True)
class ApplyOptions(PlanningOptions):
    plan_file: str | None = None
    auto_approve: bool = False
    notify: tuple[str, ...] = ()
    deploy_timeout: float = 600.0
    correct: bool = False  # reported drift corrected for this run (on_drift: correct)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.plan_file and self.correct:
            raise UsageError(
                "--correct plans the manifests anew; a saved plan carries out only what it "
                "lists: apply PATH... --correct instead"
            )
        if self.plan_file and self.paths:
            raise UsageError("apply takes either PATH... or --plan FILE, not both")
        if not self.plan_file and not self.paths:
            raise UsageError("apply needs PATH... or --plan FILE")


@dataclass(frozen=True)
class DriftOptions(PlanningOptions):
    pass


@dataclass(frozen=True)
class ReconcileOptions(PlanningOptions):
    interval: float | None = None
    detailed_exitcode: bool = False
    notify: tuple[str, ...] = ()
    listen: str | None = None
    metrics_file: str | None = None
    max_requests_per_hour: int | None = None
    deploy_timeout: float = 600.0


@dataclass(frozen=True)
class LsOptions(PlanningOptions):
    pass


@dataclass(frozen=True)
class ShowOptions(Options):
    plan_file: str = ""


@dataclass(frozen=True)
class SandboxOptions(Options):
    seed: str | None = None
    port: int = 0
    state: str | None = None
    latency: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    ambiguous_clone_rate: float = 0.0
    fault_seed: int | None = None


OPTIONS: dict[str, type[Options]] = {
    "validate": ValidateOptions,
    "plan": PlanOptions,
    "apply": ApplyOptions,
    "drift": DriftOptions,
    "reconcile": ReconcileOptions,
    "show": ShowOptions,
    "ls": LsOptions,
    "sandbox": SandboxOptions,
}

OptionsT = TypeVar("OptionsT", bound=Options)


def view_type(namespace: argparse.Namespace) -> ViewType:
    """The output the flags ask for: ``--markdown``, ``--json``, else the human one."""
    if getattr(namespace, "markdown", False):
        return ViewType.MARKDOWN
    if getattr(namespace, "json", False):
        return ViewType.JSON
    return ViewType.HUMAN


def build(cls: type[OptionsT], namespace: argparse.Namespace) -> OptionsT:
    """``cls`` with every field taken from the flag of the same name (lists as tuples)."""
    values: dict[str, Any] = {"view_type": view_type(namespace)}
    for f in fields(cls):
        if f.name != "view_type" and hasattr(namespace, f.name):
            value = getattr(namespace, f.name)
            values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def parse(namespace: argparse.Namespace) -> Options:
    """The options of ``namespace.command``; a ``UsageError`` for a bad combination."""
    return build(OPTIONS[namespace.command], namespace)
