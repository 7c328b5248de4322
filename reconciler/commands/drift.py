"""``reconciler drift``: where existing clones differ from the manifests, and which are missing.

Read only. Exit 2 when a clone drifted or a declared clone is missing, 1 on an error or a
conflict (1 wins), else 0. ``--json`` prints the plan document; ``--markdown`` a report fit
for a pull-request comment or ``$GITHUB_STEP_SUMMARY`` (``rendering.views``: ``DriftHuman``,
``DriftJSON``, ``DriftMarkdown``). On an error, ``failed`` lets the view show it too: with
``--json``, a JSON errors document on stdout.
"""

from __future__ import annotations

from reconciler.commands import exits
from reconciler.commands.arguments import DriftOptions
from reconciler.commands.common import connect, plan_for
from reconciler.core.errors import ReconcilerError
from reconciler.edges.states import CONFLICTS_AND_DELETES
from reconciler.pipeline import collecting_cycles_after, load
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_drift_view


@collecting_cycles_after()  # through the rendering too
def run(options: DriftOptions, streams: Streams) -> int:
    view = new_drift_view(options.view_type, streams)
    clonesets = load(options.paths)
    with connect(options) as session:
        plan = plan_for(session, options, clonesets, read_states_for=CONFLICTS_AND_DELETES).plan
    view.drift(plan)
    return exits.of_drift(plan)


def failed(options: DriftOptions, streams: Streams, message: str, error: ReconcilerError) -> None:
    """An error as the view shows one, beside the CLI's ``error:`` line on stderr: with
    ``--json``, a JSON document on stdout (``{"format_version", "errors": [...]}``)."""
    diagnostics = getattr(error, "diagnostics", ())
    new_drift_view(options.view_type, streams).failed(message, diagnostics)
