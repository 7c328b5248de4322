"""What ``reconciler ls`` prints: the owned clones as a table, or as one JSON document.

The table has one row per clone (address, kind, id, state, deployment status, expiry), then
a summary line; ``--json`` prints ``{"format_version": "1", "clones": [...]}`` with every
field of ``core.inventory.OwnedClone`` and the expiry as an instant (``expires_at``).

Neighbours: ``commands.ls`` (the caller), ``core.inventory`` (the rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TextIO

from reconciler.core.inventory import OwnedClone, expiry_text
from reconciler.core.json_text import indented
from reconciler.core.plans import FORMAT_VERSION

HEADERS = ("ADDRESS", "KIND", "ID", "STATE", "DEPLOYMENT", "EXPIRY")


def render_table(clones: Sequence[OwnedClone], now: datetime, out: TextIO) -> None:
    """The clones, one row each, columns aligned, and a summary line."""
    if not clones:
        out.write("No clone owned by these manifests.\n")
        return
    rows = [HEADERS] + [
        (
            c.address,
            c.kind,
            c.id,
            c.state or "-",
            c.deployment_status or "-",
            expiry_text(c, now),
        )
        for c in clones
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]) + "\n")
    manifests = len({c.manifest for c in clones})
    environments = len({c.environment_id for c in clones})
    out.write(
        f"\n{_count(len(clones), 'clone')} owned by {_count(manifests, 'manifest')} "
        f"in {_count(environments, 'environment')}.\n"
    )


def render_document(clones: Sequence[OwnedClone], out: TextIO) -> None:
    """``--json``: the clones as one document."""
    document = {"format_version": FORMAT_VERSION, "clones": [asdict(c) for c in clones]}
    out.write(indented(document) + "\n")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
