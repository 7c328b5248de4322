"""Test helper: the demo CloneSet manifest (organization Acme, source shop/staging, clones
into preview-101/102...) that many end-to-end and loader tests write, and its writer.

Each parameter is the YAML text of one section, so a test states only what it varies and
the text stays the layout a person would write (line numbers in diagnostics are stable).
Used by test_plan_e2e, test_reconcile, test_apply_e2e, test_apply_faults, test_hostile_api,
test_secrets and test_validating.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

PREVIEW_TARGETS = ("environment: preview-101", "environment: preview-102")


def _items(entries: Sequence[str], indent: int) -> str:
    """A block sequence: each entry's first line after ``- ``, its other lines under it."""
    dash, under = " " * indent + "- ", "\n" + " " * (indent + 2)
    return "".join(dash + entry.replace("\n", under) + "\n" for entry in entries)


def demo_manifest(
    *,
    name: str = "previews",
    organization: str = "Acme",
    environment: str = "staging",
    applications: Sequence[str] = ("api", "web"),
    targets: Sequence[str] = PREVIEW_TARGETS,
    template: str | None = None,
    overrides: str | None = "cpu: 250",
    policy: str | None = None,
) -> str:
    """The demo CloneSet's YAML. ``applications`` and ``targets`` are entries (YAML text, a
    mapping's lines separated by newlines); plain application names are written as a flow
    list. ``overrides`` is the block under ``overrides:``, ``policy`` a flow mapping."""
    if all(app.isidentifier() for app in applications):
        apps = f" [{', '.join(applications)}]\n"
    else:
        apps = "\n" + _items(applications, 6)
    text = (
        "apiVersion: reconciler/v1\nkind: CloneSet\nmetadata:\n"
        f"  name: {name}\nspec:\n  organization: {organization}\n"
        f"  source:\n    project: shop\n    environment: {environment}\n"
        f"    applications:{apps}"
    )
    text += "  targets:\n" + _items(targets, 4) if targets else "  targets: []\n"
    if template is not None:
        text += f'  name: "{template}"\n'
    if overrides is not None:
        text += "  overrides:\n" + "".join(f"    {line}\n" for line in overrides.splitlines())
    if policy is not None:
        text += f"  policy: {policy}\n"
    return text


def write_manifest(directory: Path, text: str, name: str = "previews.yaml") -> str:
    """Write ``text`` as ``directory/name`` atomically (a running reconcile loop may read it
    at any moment) and return the path."""
    path = directory / name
    temporary = directory / f".{name}.tmp"
    temporary.write_text(text)
    os.replace(temporary, path)
    return str(path)
