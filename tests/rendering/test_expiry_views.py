"""How plan views show a temporary clone: ``expires in …`` in text and markdown, and the
clones expiring within the warning as a note (contract section 13)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from helpers_planning import SOURCE_ENV, application, desired, desired_clone, observed
from helpers_planning import observed_app as obs

from reconciler.core.model import Policy
from reconciler.core.plan_documents import to_document
from reconciler.core.planning import plan
from reconciler.core.plans import Plan
from reconciler.rendering import markdown, text

NOW = datetime(2026, 12, 7, 6, 48, tzinfo=UTC)


def _plan() -> Plan:
    source = application("src-api", "api", SOURCE_ENV.id)
    policy = Policy(expire_after=5 * 3600 + 12 * 60, expiry_warning=6 * 3600)
    clone = desired_clone(source, policy=policy)
    return plan(desired(clone), observed(obs(source)), now=NOW)


def test_text_and_markdown_say_when_a_new_temporary_clone_expires() -> None:
    made = _plan()
    shown, table = io.StringIO(), io.StringIO()
    text.render_plan(made, shown)
    markdown.render_plan(made, table)
    assert "+ previews.api[shop/preview-1]  create: does not exist (expires in 5h 12m)" in (
        shown.getvalue()
    )
    assert "does not exist (expires in 5h 12m)" in table.getvalue()
    assert "1 clone expire within 6h (policy.expiry_warning)" in shown.getvalue()


def test_the_document_says_when_it_expires_and_when_the_plan_was_made() -> None:
    document = json.loads(json.dumps(to_document(_plan())))
    (change,) = document["changes"]
    assert change["expires_at"] == "2026-12-07T12:00:00Z"
    assert document["now"] == "2026-12-07T06:48:00Z"
    assert document["summary"]["expire"] == 0
