"""The outcome of an apply, as values: one ``Outcome`` per change, rolled up in ``ApplyResult``.

``executing`` produces them; the views (``rendering.progress``, ``rendering.log``) and the
commands read them. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler.core.plans import Action


class Phase(StrEnum):
    """A step of a change under way, as the progress views show it (a closed set; each
    compares equal to its text, which the ``--json`` progress lines carry)."""

    CLONE = "clone"
    READ_BACK = "read back"
    EDIT = "edit"
    VARIABLES = "variables"
    DEPLOY = "deploy"
    WAIT = "wait"
    DELETE = "delete"
    STOP = "stop"


class Result(StrEnum):
    """What became of one change (a closed set; each compares equal to its text)."""

    OK = "ok"
    FAILED = "failed"
    CONFLICT = "conflict"
    SKIPPED = "skipped"


RESULTS = tuple(result.value for result in Result)


@dataclass(frozen=True)
class Outcome:
    """What happened to one change."""

    address: str
    action: Action
    result: Result  # also given as its text ("ok", ...) by older callers
    message: str  # for people: what happened, or why it failed (never a token)
    duration_s: float
    application_id: str | None = None


@dataclass(frozen=True)
class ApplyResult:
    """Every outcome of one apply, in the plan's (address) order."""

    outcomes: tuple[Outcome, ...]

    def counts(self) -> dict[str, int]:
        """``created``, ``updated``, ``deleted`` (done), ``failed``, ``conflicts``."""
        done = [o.action for o in self.outcomes if o.result == Result.OK]
        return {
            "created": done.count(Action.CREATE),
            "updated": done.count(Action.UPDATE),
            "deleted": done.count(Action.DELETE),
            "failed": self._count(Result.FAILED),
            "conflicts": self._count(Result.CONFLICT),
            # only when some clone expired: outputs of runs without expiry stay as they were
            **({"expired": done.count(Action.EXPIRE)} if Action.EXPIRE in done else {}),
        }

    @property
    def skipped(self) -> int:
        """Changes left undone because the run was asked to stop (nothing of theirs written)."""
        return self._count(Result.SKIPPED)

    @property
    def ok(self) -> bool:
        """No change failed and none met a conflict."""
        counts = self.counts()
        return counts["failed"] == 0 and counts["conflicts"] == 0

    def summary_line(self) -> str:
        """``N created, N updated, N deleted, N failed, N conflicts`` (``, N expired``,
        ``, N skipped``)."""
        c = self.counts()
        line = (
            f"{c['created']} created, {c['updated']} updated, {c['deleted']} deleted, "
            f"{c['failed']} failed, {c['conflicts']} conflicts"
        )
        line += f", {c['expired']} expired" if "expired" in c else ""
        return f"{line}, {self.skipped} skipped" if self.skipped else line

    def _count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result == result)
