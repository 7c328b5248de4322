"""Why a change is what it is, as data: a closed ``Reason`` and its details (``Because``).

The STYLE.md model is Terraform's ``plans.ActionReason``: the reason is for the UI, never
for decisions. ``planning`` (and ``plans.Change``) carries ``Because`` values; ``text_of``
is the one place that turns them into the English a person reads (the plan document's
``reason``, the text and markdown views), and the document's ``reason_code`` is the first
reason's value. Pure: no I/O. Neighbours: ``planning`` builds them, ``plans`` stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Reason(StrEnum):
    """Every reason a planned change can have."""

    SOURCE_NOT_OBSERVED = "source_not_observed"
    TARGET_NOT_LISTED = "target_not_listed"
    IS_A_SOURCE = "is_a_source"
    ANOTHER_KIND = "another_kind"
    API_WOULD_REFUSE = "api_would_refuse"
    DOES_NOT_EXIST = "does_not_exist"
    OWNED_FOR_ANOTHER_SOURCE = "owned_for_another_source"
    OWNED_BY_ANOTHER_MANIFEST = "owned_by_another_manifest"
    INTERRUPTED_CREATE = "interrupted_create"
    ADOPTING = "adopting"
    NOT_MANAGED = "not_managed"
    NO_LONGER_DECLARED = "no_longer_declared"
    DECLARATION_CHANGED = "declaration_changed"
    DRIFTED = "drifted"
    NEVER_DEPLOYED = "never_deployed"
    OUT_OF_DATE = "out_of_date"
    UP_TO_DATE = "up_to_date"
    RENAMED = "renamed"
    EXPIRED = "expired"
    EXPIRED_STAYS = "expired_stays"
    BEING_DELETED = "being_deleted"
    VARIABLE_UNRESOLVED = "variable_unresolved"
    SECRET_CHANGED = "secret_changed"


# The text of each reason; ``{…}`` names a detail of ``Because.details``.
TEMPLATES: dict[Reason, str] = {
    Reason.SOURCE_NOT_OBSERVED: "the source application was not observed",
    Reason.TARGET_NOT_LISTED: "the target environment could not be listed: {failure}",
    Reason.IS_A_SOURCE: "a source of this run (sources are never edited by the run)",
    Reason.ANOTHER_KIND: "the name is taken by {kind} (one name per environment, all kinds)",
    Reason.API_WOULD_REFUSE: "the API would refuse it: {refused}{where}",
    Reason.DOES_NOT_EXIST: "does not exist",
    Reason.OWNED_FOR_ANOTHER_SOURCE: "owned by this manifest for another source ({source})",
    Reason.OWNED_BY_ANOTHER_MANIFEST: "owned by manifest {manifest!r} (source {source})",
    Reason.INTERRUPTED_CREATE: "finishing an interrupted create",
    Reason.ADOPTING: "adopting",
    Reason.NOT_MANAGED: "exists and is not managed by the reconciler (adopt: true takes it over)",
    Reason.NO_LONGER_DECLARED: "no longer declared; prune: true",
    Reason.DECLARATION_CHANGED: "the manifest or its source changed since the last apply",
    Reason.DRIFTED: "drifted; on_drift: {on_drift}",
    Reason.NEVER_DEPLOYED: "never deployed; deploy: true",
    Reason.OUT_OF_DATE: "out of date (changed since its last deploy); deploy: on_change",
    Reason.UP_TO_DATE: "up to date",
    Reason.RENAMED: "renamed from {old_name!r} (the name template changed)",
    Reason.EXPIRED: "expired: no activity for {after} (policy.expire_after); stopped, not deleted",
    Reason.EXPIRED_STAYS: ("expired at {expired}: stays stopped until its declaration changes"),
    Reason.BEING_DELETED: "being deleted ({state}): waiting until it is gone",
    Reason.VARIABLE_UNRESOLVED: "its variables cannot be resolved: {problem}",
    Reason.SECRET_CHANGED: "secret changed: {keys}",
}


@dataclass(frozen=True)
class Because:
    """One reason and its details (the other manifest's name, the old name, the error…)."""

    reason: Reason
    details: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, reason: Reason, **details: str) -> Because:
        return cls(reason, tuple(sorted(details.items())))


def text_of(why: Sequence[Because]) -> str:
    """The one text a person reads for a change's reasons, joined by ``"; "``.

    Remembered: a fleet's changes give the same few reasons again and again.
    """
    try:
        return _remembered_text(tuple(why))
    except TypeError:  # a detail that cannot be a key: written without the memory
        return _text(why)


def _text(why: Sequence[Because]) -> str:
    return "; ".join(TEMPLATES[b.reason].format(**dict(b.details)) for b in why)


_remembered_text = lru_cache(maxsize=1024)(_text)
