"""``reconciler plan``: resolve, observe, and show what apply would change. Read only.

Exit codes (contract section 5): 1 when a change is a conflict (or on any error); with
``--detailed-exitcode``, 2 when apply would write something; else 0. Reported drift alone
is not a pending change. The plan is shown by its view (``rendering.views``: the text plan,
or with ``--json`` the plan document, with the ``requests`` observing made: ``total``,
``by_method``, ``by_status``); ``--out FILE`` also saves the document.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.commands import exits
from reconciler.commands.arguments import PlanOptions
from reconciler.commands.common import connect, plan_for
from reconciler.core.errors import ConfigError
from reconciler.edges.files import write_atomically
from reconciler.edges.savedplans import saved_document
from reconciler.pipeline import load
from reconciler.rendering.streams import Streams
from reconciler.rendering.views import new_plan_view


def run(options: PlanOptions, streams: Streams) -> int:
    view = new_plan_view(options.view_type, streams)
    clonesets = load(options.paths)
    with connect(options) as session:
        planned = plan_for(session, options, clonesets)
        requests = session.client.ledger.document()
    plan = replace(planned.plan, requests=requests)
    if options.out:
        try:
            write_atomically(options.out, saved_document(plan, options.paths))
        except OSError as exc:
            raise ConfigError(f"cannot write the plan to {options.out}: {exc.strerror}") from None
    view.plan(plan)
    if options.out:
        view.saved(options.out, sandbox=options.sandbox)
    return exits.of_plan(plan, detailed=options.detailed_exitcode)
