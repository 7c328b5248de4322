"""core.inventory: which listed services a manifest owns, and their expiry (plain data)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reconciler.core.inventory import Listed, OwnedClone, Status, expiry_text, owned_clones
from reconciler.core.model import EnvironmentRef, Policy
from reconciler.core.ownership import KEEP_LINE, Owner, make_marker

ENV = EnvironmentRef("env-1", "preview-1", "proj-1", "shop", "org-1")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WEEK = Policy(expire_after=7 * 86400)


def service(ident: str, *, clone_id: str | None = None, extra: str = "", **marks: Any) -> Listed:
    owner = Owner("previews", "api", "src-1", clone_id=clone_id or ident, **marks)
    description = f"an api\n{make_marker(owner)}{extra}"
    return Listed(ENV, "application", {"id": ident, "name": "api", "description": description})


def only(listed: list[Listed], policy: Policy = WEEK, **statuses: Status) -> OwnedClone:
    (clone,) = owned_clones(listed, {"previews": policy}, statuses)
    return clone


def test_an_owned_clone_gets_its_address_status_and_expiry() -> None:
    clone = only([service("a", active="2026-12-06T12:00:00Z")], a=Status("DEPLOYED", "UP_TO_DATE"))
    assert clone.address == "previews.api[shop/preview-1]"
    assert (clone.state, clone.deployment_status) == ("DEPLOYED", "UP_TO_DATE")
    assert clone.expires_at == "2026-12-13T12:00:00Z"
    assert expiry_text(clone, NOW) == "expires in 6d"


def test_an_expired_kept_or_permanent_clone_says_so() -> None:
    expired = only([service("a", expired="2026-12-01T00:00:00Z")])
    assert expiry_text(expired, NOW) == "expired 2026-12-01T00:00:00Z"
    kept = only([service("a", active="2026-01-01T00:00:00Z", extra=f"\n{KEEP_LINE}")])
    assert (kept.kept, expiry_text(kept, NOW)) == (True, "kept")
    permanent = only([service("a", active="2026-12-06T12:00:00Z")], policy=Policy())
    assert (permanent.expires_at, expiry_text(permanent, NOW)) == (None, "-")


def test_a_far_future_activity_edited_by_hand_is_listed_as_never_expiring() -> None:
    clone = only([service("a", active="9999-12-31T23:00:00Z")])
    assert (clone.expires_at, expiry_text(clone, NOW)) == (None, "-")


def test_a_console_copy_and_another_manifests_clone_are_not_listed() -> None:
    copy = service("b", clone_id="a")  # its marker names the clone it was copied from
    assert owned_clones([copy], {"previews": WEEK}, {}) == ()
    assert owned_clones([service("a")], {"other": WEEK}, {}) == ()
