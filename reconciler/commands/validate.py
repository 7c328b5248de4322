"""`reconciler validate PATH... [--json]`: check manifests offline, with no API call.

Prints "N manifests valid" (exit 0), or every diagnostic on stderr, one per line as
``file:line:column: message`` (exit 1). With ``--json`` the outcome is one JSON object on
stdout: ``{"valid": bool, "manifests": [names], "diagnostics": [{file, line, column,
message}]}``. Warnings (``file:line:column: warning: message``; in JSON a diagnostic with
``"severity": "warning"``) are printed too and leave the exit code as it is. Neighbours:
``validating.check_manifests`` does the work; ``cli`` dispatches here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from reconciler.core.errors import Diagnostic, ExitCode, ManifestError
from reconciler.core.model import CloneSet
from reconciler.edges.validating import check_manifests
from reconciler.rendering.streams import Streams


def run(args: argparse.Namespace, streams: Streams) -> int:
    try:
        clonesets, warnings = check_manifests(args.paths)
    except ManifestError as exc:
        if args.json:
            _print_json(streams, (), exc.diagnostics)
        else:
            for diagnostic in exc.diagnostics:
                print(diagnostic, file=streams.err)
        return ExitCode.ERROR
    return report(streams, clonesets, warnings, as_json=args.json)


def report(
    streams: Streams,
    clonesets: Sequence[CloneSet],
    warnings: Sequence[Diagnostic],
    *,
    as_json: bool,
) -> int:
    """Valid manifests: their count (or JSON), and their warnings, which leave the exit 0."""
    if as_json:
        _print_json(streams, clonesets, warnings)
    else:
        for warning in warnings:
            print(warning, file=streams.err)
        count = len(clonesets)
        print(f"{count} manifest{'' if count == 1 else 's'} valid", file=streams.out)
    return ExitCode.OK


def _print_json(
    streams: Streams, clonesets: Sequence[CloneSet], diagnostics: Sequence[Diagnostic]
) -> None:
    document = {
        "valid": not any(d.is_error for d in diagnostics),
        "manifests": [c.name for c in clonesets],
        "diagnostics": [_diagnostic(d) for d in diagnostics],
    }
    print(json.dumps(document, indent=2), file=streams.out)


def _diagnostic(diagnostic: Diagnostic) -> dict[str, object]:
    where = diagnostic.position
    entry: dict[str, object] = {
        "file": where.file if where else None,
        "line": where.line if where else None,
        "column": where.column if where else None,
        "message": diagnostic.message,
    }
    if not diagnostic.is_error:
        entry["severity"] = diagnostic.severity.value
    return entry
