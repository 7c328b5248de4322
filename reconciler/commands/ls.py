"""``reconciler ls PATH... [--json]``: the clones the manifests own, wherever they are.

Contract section 17. The manifests are loaded (offline checks first, as every command), then
every environment of their organizations is listed (``edges.inventory``): a clone is the
manifest's when its ownership marker names it, whether the manifest still declares it or
not (a clone left behind by a removed target is listed too). Exit 0, or 1 on an error. It
writes nothing.
"""

from __future__ import annotations

from reconciler.commands.arguments import LsOptions
from reconciler.commands.common import connect
from reconciler.core.errors import ExitCode
from reconciler.edges.inventory import read_inventory
from reconciler.pipeline import clock_of, load
from reconciler.rendering.inventory import render_document, render_table
from reconciler.rendering.streams import Streams
from reconciler.rendering.view_types import ViewType


def run(options: LsOptions, streams: Streams) -> int:
    clonesets = load(options.paths)
    with connect(options) as session:
        clones = read_inventory(session.client, clonesets, parallelism=session.parallelism)
        now = clock_of(session.client)
    if options.view_type is ViewType.JSON:
        render_document(clones, streams.out)
    else:
        render_table(clones, now, streams.out)
    return int(ExitCode.OK)
