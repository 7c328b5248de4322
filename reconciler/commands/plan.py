"""``reconciler plan``: resolve, observe, and show what apply would change. Read only.

Exit codes (contract section 5): 1 when a change is a conflict (or on any error); with
``--detailed-exitcode``, 2 when apply would write something; else 0. Reported drift alone
is not a pending change.
"""

from __future__ import annotations

import argparse

from reconciler.commands.common import connect, exit_code_for
from reconciler.core.errors import ConfigError
from reconciler.edges.files import write_atomically
from reconciler.edges.savedplans import saved_document
from reconciler.pipeline import load, plan_manifests
from reconciler.rendering import json_document, text
from reconciler.rendering.streams import Streams


def run(args: argparse.Namespace, streams: Streams) -> int:
    clonesets = load(args.paths)
    with connect(args) as session:
        planned = plan_manifests(session, clonesets, args.target)
    plan = planned.plan
    if args.out:
        try:
            write_atomically(args.out, saved_document(plan, args.paths))
        except OSError as exc:
            raise ConfigError(f"cannot write the plan to {args.out}: {exc.strerror}") from None
    if args.json:
        json_document.render_plan(plan, streams.out)
    else:
        text.render_plan(plan, streams.out, color=streams.color)
        if args.out:
            where = " --sandbox" if args.sandbox else ""
            streams.out.write(
                f"\nSaved the plan to {args.out}. To apply exactly these changes:\n"
                f"    reconciler apply --plan {args.out}{where}\n"
            )
    return exit_code_for(plan, detailed=args.detailed_exitcode)
