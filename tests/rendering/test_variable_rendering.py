"""How variables read in plans: ``+ KEY``, ``~ KEY: "a" → "b"``, ``- KEY``, a secret only as
``(secret)`` / ``(secret changed)``, in text, markdown and the plan document (schema-valid,
read back whole)."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from helpers_planning import PREVIEW_1, application, desired, desired_clone, fresh_clone, observed
from helpers_planning import observed_app as obs

from reconciler.core.model import ObservedState, OnDrift, Policy
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.plan_documents import plan_of_document, to_document
from reconciler.core.planning import plan
from reconciler.core.plans import Plan
from reconciler.core.variable_plans import secret_ref
from reconciler.core.variables import declare
from reconciler.edges.planfile import validate_document
from reconciler.rendering import markdown, text

SRC = application("app-src", "api", "env-staging")
DECLARED = {
    "LOG_LEVEL": "debug",
    "NEW_KEY": "{environment}",
    "OLD_KEY": None,
    "STRIPE": {"secret": {"from_env": "STRIPE_KEY"}},
    "DB": {"alias": {"service": "postgres", "builtin": "URL"}},
}
VALUES = {"app": "api", "name": "api", "environment": "preview-1", "project": "shop"}


def var(key: str, value: Any, **extra: Any) -> dict[str, Any]:
    return (
        {"id": f"v-{key}", "key": key, "value": value, "scope": "APPLICATION"}
        | {
            "variable_type": "VALUE",
            "is_secret": False,
            "description": "",
        }
        | extra
    )


def planned(on_drift: OnDrift = OnDrift.CORRECT) -> Plan:
    clone = fresh_clone(SRC, "app-c", "api", PREVIEW_1.id)
    clone["description"] = with_marker("", Owner("previews", "api", "app-src"))
    declared = declare(DECLARED, VALUES)
    wanted = replace(desired_clone(SRC, policy=Policy(on_drift=on_drift)), variables=declared)
    visible = (
        var("LOG_LEVEL", "info"),
        var("OLD_KEY", "1"),
        var("STRIPE", None, is_secret=True),
        {"id": "b", "key": "Q_Z1_URL", "scope": "BUILT_IN", "service_name": "postgres"},
    )
    base = observed(obs(SRC), obs(clone))
    seen = ObservedState(base.applications, variables={"app-c": visible})
    digests = {secret_ref(d): "0" * 32 for d in declared if d.key == "STRIPE"}
    return plan(desired(wanted), seen, secret_digests=digests)


def test_text_shows_each_variable_change_and_a_secret_only_as_changed() -> None:
    out = io.StringIO()
    text.render_plan(planned(), out)
    shown = out.getvalue()
    assert "      variables:" in shown
    for line in (
        '~ LOG_LEVEL: "info" → "debug"',
        '+ NEW_KEY: "preview-1"',
        "- OLD_KEY",
        "~ STRIPE (secret changed)",
        "+ DB: alias of Q_Z1_URL",
    ):
        assert f"        {line}\n" in shown, line


def test_markdown_lists_the_variable_changes() -> None:
    out = io.StringIO()
    markdown.render_plan(planned(), out)
    assert "### Variables" in out.getvalue()
    assert "`~ STRIPE (secret changed)`" in out.getvalue()


def test_the_plan_document_holds_the_writes_validly_and_reads_back_whole() -> None:
    whole = planned()
    document = to_document(whole)
    validate_document(document)
    (change,) = document["changes"]
    assert {w["key"] for w in change["variables"]} == set(DECLARED)
    assert "variables" in change["steps"]
    (read,) = plan_of_document(document).changes
    assert (read.variables, read.drift, read.steps) == (
        whole.changes[0].variables,
        whole.changes[0].drift,
        whole.changes[0].steps,
    )


def test_reported_drift_writes_only_the_secrets_to_rewrite() -> None:
    (change,) = planned(OnDrift.REPORT).changes
    assert [w.key for w in change.variables] == ["STRIPE"]
    assert change.reason.startswith("secret changed: STRIPE")
