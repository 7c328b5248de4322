"""``reconciler show PLANFILE [--json | --markdown]``: render a saved plan, calling no API.

Contract section 17. The plan file (``plan --out``, or ``plan --json`` output) is read and
checked against the plan schema (``edges.planfile``), then shown by the views of ``plan``
(``rendering.views``: the text plan, the plan document, or one pull-request comment), so a
plan reviewed in CI reads as it did when it was made. Exit 0; 1 when the file cannot be read
or is not a plan (with ``--json``, a JSON errors document on stdout too).
"""

from __future__ import annotations

from reconciler.commands.arguments import ShowOptions
from reconciler.core.errors import ExitCode, ReconcilerError
from reconciler.edges.planfile import read_plan_file
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_plan_view


def run(options: ShowOptions, streams: Streams) -> int:
    view = new_plan_view(options.view_type, streams, verbose=options.verbose)
    view.plan(read_plan_file(options.plan_file))
    return int(ExitCode.OK)


def failed(options: ShowOptions, streams: Streams, message: str, error: ReconcilerError) -> None:
    """An error as the view shows one (``--json``: the JSON errors document on stdout)."""
    diagnostics = getattr(error, "diagnostics", ())
    new_plan_view(options.view_type, streams).failed(message, diagnostics)
