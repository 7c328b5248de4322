"""``reconciler drift``: where existing clones differ from the manifests, and which are missing.

Read only. Exit 2 when a clone drifted or a declared clone is missing, 1 on an error or a
conflict (1 wins), else 0. ``--json`` prints the plan document; ``--markdown`` a report fit
for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import argparse

from reconciler.commands.common import connect
from reconciler.core.errors import ExitCode
from reconciler.pipeline import load, plan_manifests
from reconciler.rendering import json_document, markdown, text
from reconciler.rendering.streams import Streams


def run(args: argparse.Namespace, streams: Streams) -> int:
    clonesets = load(args.paths)
    with connect(args) as session:
        plan = plan_manifests(
            session, clonesets, args.target, allow_deletes=args.allow_deletes
        ).plan
    if args.json:
        json_document.render_plan(plan, streams.out)
    elif args.markdown:
        markdown.render_drift(plan, streams.out)
    else:
        text.render_drift(plan, streams.out, color=streams.color)
    if plan.summary.conflict:
        return int(ExitCode.ERROR)
    return int(ExitCode.CHANGES if plan.has_drift else ExitCode.OK)
