"""Saved plans: a request, not a licence (contract section 18, ``plan --out``/``apply --plan``).

``plan --out FILE`` saves the plan document with one more key, ``manifests``: the manifest
files the plan was made from (their paths as loading found them, relative to the working
directory when given so) and the SHA-256 digest of each one's content (``saved_document``).

``apply --plan FILE`` reads it back (``read_saved_plan``, offline): a plan that records no
manifests (``plan --json`` output, or an older plan) is refused, and so is one whose
manifests changed or vanished since (stale); the manifests are then loaded again. Once
connected, ``SavedPlan.check`` refuses a plan without an API URL or for another one, runs
the fingerprint and selector checks (``staleness.check_fresh``), makes a fresh plan of the
same manifests through the caller's ``replan`` (``pipeline.plan_manifests``, a layer above)
and refuses every change that writes and that the fresh plan would not make the same way
(``staleness.replan_reasons``). So a change edited in the file, added to it or made for
another API is never carried out. With ``--target``, only the changes it selects (and the
selectors of their manifests) are checked: a stale change left out does not stop the rest.

Neighbours: ``planfile`` (the document and its schema), ``staleness`` (the comparisons),
``inputs`` (regular files only), ``loading``/``validating`` (the manifests),
``commands.apply`` and ``commands.plan`` (the callers).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.core.errors import ManifestError, ReconcilerError, StalePlanError
from reconciler.core.json_text import indented_shared
from reconciler.core.model import CloneSet
from reconciler.core.plan_documents import plan_of_document, to_document
from reconciler.core.plans import Plan
from reconciler.core.targeting import select
from reconciler.edges.inputs import read_regular_file
from reconciler.edges.loading import MAX_FILE_BYTES, find_manifest_files
from reconciler.edges.planfile import read_plan_document
from reconciler.edges.session import Session
from reconciler.edges.staleness import check_fresh, replan_reasons
from reconciler.edges.validating import load_manifests

MANIFESTS = "manifests"
"""The key of the plan document that records the manifests (saved plans only)."""

Replan = Callable[[Sequence[CloneSet]], Plan]
"""Makes a fresh plan of these manifests (``pipeline.plan_manifests``), untargeted."""

REMAKE = "make the plan again with 'reconciler plan PATH... --out FILE'"


@dataclass(frozen=True)
class ManifestFile:
    """One manifest file a saved plan was made from, and the digest of its content."""

    path: str
    sha256: str


def digest(path: str) -> str:
    """The SHA-256 of the manifest file ``path`` (a regular file; refused otherwise)."""
    data = read_regular_file(path, what="manifest", limit=MAX_FILE_BYTES)
    return hashlib.sha256(data).hexdigest()


def manifest_files(paths: Sequence[str]) -> tuple[ManifestFile, ...]:
    """The manifest files under ``paths`` (as ``loading`` finds them), with their digests."""
    files, diagnostics = find_manifest_files(paths)
    if diagnostics:
        raise ManifestError(diagnostics)
    return tuple(ManifestFile(file, digest(file)) for file in files)


def saved_document(plan: Plan, paths: Sequence[str]) -> str:
    """The text ``plan --out`` saves: the plan document and the manifests it was made from."""
    manifests = [{"path": file.path, "sha256": file.sha256} for file in manifest_files(paths)]
    document: dict[str, Any] = {**to_document(plan, shared=True), MANIFESTS: manifests}
    return indented_shared(document, lambda: {**to_document(plan), MANIFESTS: manifests}) + "\n"


def _changed_manifests(files: Sequence[ManifestFile]) -> list[str]:
    reasons = []
    for file in files:
        if not os.path.lexists(file.path):
            reasons.append(
                f"manifest {file.path} has vanished since the plan was made "
                "(apply --plan reads it from the directory plan --out ran in)"
            )
            continue
        try:
            now = digest(file.path)
        except ReconcilerError as exc:
            reasons.append(f"manifest {file.path} cannot be read again: {exc}")
            continue
        if now != file.sha256:
            reasons.append(f"manifest {file.path} changed since the plan was made")
    return reasons


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan and the manifests it was made from, loaded again and unchanged."""

    plan: Plan
    clonesets: tuple[CloneSet, ...]

    def check(self, session: Session, replan: Replan, targets: Sequence[str] = ()) -> Plan:
        """The plan to carry out (narrowed by ``targets``); ``StalePlanError`` when stale."""
        plan = _narrowed(self.plan, targets)
        check_fresh(plan, session.client, api_url=session.api_url, parallelism=session.parallelism)
        reasons = replan_reasons(plan, replan(self.clonesets))
        if reasons:
            raise StalePlanError(reasons)
        return plan


def _narrowed(plan: Plan, targets: Sequence[str]) -> Plan:
    """The changes ``--target`` selects, with the selectors of their manifests only: only
    what will be carried out is checked (a stale change left out does not stop the rest)."""
    if not targets:
        return plan
    selected = select(plan, targets)
    manifests = {change.manifest for change in selected.changes}
    return replace(selected, selectors=tuple(s for s in plan.selectors if s.manifest in manifests))


def read_saved_plan(path: str) -> SavedPlan:
    """The plan saved in ``path`` with its manifests loaded again; refused when they changed."""
    document = read_plan_document(path)
    plan = plan_of_document(document)
    recorded = document.get(MANIFESTS)
    if not recorded:
        raise ReconcilerError(
            f"{path}: the plan does not record the manifests it was made from, so it cannot "
            f"be checked against them: {REMAKE}"
        )
    files = tuple(ManifestFile(item["path"], item["sha256"]) for item in recorded)
    changed = _changed_manifests(files)
    if changed:
        raise StalePlanError(changed)
    return SavedPlan(plan, load_manifests([file.path for file in files]))
