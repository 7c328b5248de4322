"""`reconciler validate PATH... [--json]`: check manifests offline, with no API call.

Prints "N manifests valid" (exit 0), or every diagnostic on stderr, one per line as
``file:line:column: message`` (exit 1). With ``--json`` the outcome is one JSON object on
stdout: ``{"valid": bool, "manifests": [names], "diagnostics": [{file, line, column,
message}]}`` (``rendering.views``: ``ValidateHuman``, ``ValidateJSON``). Warnings
(``file:line:column: warning: message``; in JSON a diagnostic with ``"severity":
"warning"``) are printed too and leave the exit code as it is, unless ``--strict``
makes them errors (exit 1). Neighbours:
``validating.check_manifests`` does the work; ``cli`` dispatches here.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.commands import exits
from reconciler.commands.arguments import ValidateOptions
from reconciler.core.errors import Diagnostic, ManifestError
from reconciler.core.model import CloneSet
from reconciler.edges.validating import check_manifests
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import ViewType, new_validate_view


def run(options: ValidateOptions, streams: Streams) -> int:
    view = new_validate_view(options.view_type, streams)
    try:
        clonesets, warnings = check_manifests(options.paths)
    except ManifestError as exc:
        view.invalid(exc.diagnostics)
        return exits.of_validation(False)
    if options.strict and warnings:
        view.invalid([warning.as_error() for warning in warnings])
        return exits.of_validation(False)
    view.valid(clonesets, warnings)
    return exits.of_validation(True)


def report(
    streams: Streams,
    clonesets: Sequence[CloneSet],
    warnings: Sequence[Diagnostic],
    *,
    as_json: bool,
) -> int:
    """Valid manifests: their count (or JSON), and their warnings, which leave the exit 0."""
    view = new_validate_view(ViewType.JSON if as_json else ViewType.HUMAN, streams)
    view.valid(clonesets, warnings)
    return exits.of_validation(True)
