"""`reconciler validate PATH... [--json]`: check manifests offline, with no API call.

Prints "N manifests valid" (exit 0), or every diagnostic on stderr, one per line as
``file:line:column: message`` (exit 1). With ``--json`` the outcome is one JSON object on
stdout: ``{"valid": bool, "manifests": [names], "diagnostics": [{file, line, column,
message}]}`` (``rendering.views``: ``ValidateHuman``, ``ValidateJSON``). Neighbours:
``validating.load_manifests`` does the work; ``cli`` dispatches here.
"""

from __future__ import annotations

from reconciler.commands import exits
from reconciler.commands.arguments import ValidateOptions
from reconciler.core.errors import ManifestError
from reconciler.edges.validating import load_manifests
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_validate_view


def run(options: ValidateOptions, streams: Streams) -> int:
    view = new_validate_view(options.view_type, streams)
    try:
        clonesets = load_manifests(options.paths)
    except ManifestError as exc:
        view.invalid(exc.diagnostics)
        return exits.of_validation(False)
    view.valid(clonesets)
    return exits.of_validation(True)
