"""Reasons as data: every Reason has a text, and each golden plan's text is one Reason's."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reconciler.core.plan_documents import plan_of_document, to_document
from reconciler.core.reasons import TEMPLATES, Because, Reason, text_of

GOLDEN = Path(__file__).parents[1] / "manifests" / "golden"


def _pattern(reason: Reason) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+(?:!r)?\}", TEMPLATES[reason])
    return re.compile(".+".join(re.escape(part) for part in parts))


def test_every_reason_renders_a_non_empty_text() -> None:
    for reason in Reason:
        details = dict.fromkeys(re.findall(r"\{([a-z_]+)", TEMPLATES[reason]), "x")
        assert text_of((Because.of(reason, **details),)).strip()


def test_each_golden_reason_text_maps_back_to_exactly_one_reason() -> None:
    seen = 0
    for path in sorted(GOLDEN.glob("*/plan.json")):
        for change in json.loads(path.read_text())["changes"]:
            matching = [r for r in Reason if _pattern(r).match(change["reason"])]
            assert matching == [Reason(change["reason_code"])], (path, change["reason"])
            seen += 1
    assert seen > 10


def test_a_saved_plan_without_reason_code_is_read_and_written_without_it() -> None:
    document = json.loads(next(iter(sorted(GOLDEN.glob("*/plan.json")))).read_text())
    for change in document["changes"]:
        del change["reason_code"]
    plan = plan_of_document(document)
    assert all(c.reason_code is None and c.reason for c in plan.changes)
    assert all("reason_code" not in c for c in to_document(plan)["changes"])


def test_a_remembered_text_is_each_reason_s_own_with_its_own_details() -> None:
    first = (Because.of(Reason.RENAMED, old_name="api-1"),)
    other = (Because.of(Reason.RENAMED, old_name="api-2"),)
    both = (Because.of(Reason.DRIFTED, on_drift="report"), Because.of(Reason.NEVER_DEPLOYED))
    for _ in range(2):  # asked again: the same answers
        assert text_of(first) == "renamed from 'api-1' (the name template changed)"
        assert text_of(other) == "renamed from 'api-2' (the name template changed)"
        assert text_of(list(both)) == "drifted; on_drift: report; never deployed; deploy: true"


def test_a_detail_that_cannot_be_remembered_is_still_written() -> None:
    odd = Because(Reason.SECRET_CHANGED, (("keys", ["A", "B"]),))  # type: ignore[arg-type]
    assert text_of((odd,)) == "secret changed: ['A', 'B']"
