"""``reconciler plan``: resolve, observe, and show what apply would change. Read only.

Exit codes (contract section 5): 1 when a change is a conflict (or on any error); with
``--detailed-exitcode``, 2 when apply would write something; else 0. Reported drift alone
is not a pending change; ``--strict`` turns the plan's clone-safety warnings (contract
section 16) into errors (exit 1, nothing shown or saved). The plan is shown by its view
(``rendering.views``: the text plan, with ``--json`` the plan document, with the ``requests``
observing made: ``total``, ``by_method``, ``by_status``; with ``--markdown`` one pull-request
comment); ``--out FILE`` also saves the document. On an error, ``failed`` lets the view show
it too: with ``--json``, a JSON errors document on stdout.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.commands import exits
from reconciler.commands.arguments import PlanOptions
from reconciler.commands.common import connect, plan_for
from reconciler.core.errors import ConfigError, ManifestError, ReconcilerError
from reconciler.edges.files import write_atomically
from reconciler.edges.savedplans import saved_document
from reconciler.edges.states import CONFLICTS_AND_DELETES
from reconciler.pipeline import collecting_cycles_after, load
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_plan_view


@collecting_cycles_after()  # through the rendering too
def run(options: PlanOptions, streams: Streams) -> int:
    view = new_plan_view(options.view_type, streams, verbose=options.verbose)
    clonesets = load(options.paths)
    with connect(options) as session:
        planned = plan_for(session, options, clonesets, read_states_for=CONFLICTS_AND_DELETES)
        requests = session.client.ledger.document()
    plan = replace(planned.plan, requests=requests)
    if options.strict and plan.warnings:  # nothing shown, nothing saved: fix them first
        raise ManifestError([warning.as_error() for warning in plan.warnings])
    if options.out:
        try:
            write_atomically(options.out, saved_document(plan, options.paths))
        except OSError as exc:
            raise ConfigError(f"cannot write the plan to {options.out}: {exc.strerror}") from None
    view.plan(plan)
    if options.out:
        view.saved(options.out, sandbox=options.sandbox)
    return exits.of_plan(plan, detailed=options.detailed_exitcode)


def failed(options: PlanOptions, streams: Streams, message: str, error: ReconcilerError) -> None:
    """An error as the view shows one, beside the CLI's ``error:`` line on stderr: with
    ``--json``, a JSON document on stdout (``{"format_version", "errors": [...]}``)."""
    diagnostics = getattr(error, "diagnostics", ())
    new_plan_view(options.view_type, streams).failed(message, diagnostics)
