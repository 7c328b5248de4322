"""Pruning a kind the manifest no longer clones, end to end (the real CLI, client and
executor, the sandbox over loopback): a manifest that drops its only container still finds its
container clones, through the organization's light listing of services read with the
environments, and deletes them, sparing a console copy; without ``prune: true`` nothing more
is read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_manifests import PREVIEW_TARGETS, demo_manifest, write_manifest
from helpers_sandbox import client, service_named

from reconciler.core.ownership import owner_of
from reconciler.sandbox import RunningSandbox


def write(tmp_path: Path, sources: tuple[str, ...], policy: str = "{prune: true}") -> str:
    text = demo_manifest(applications=sources, targets=PREVIEW_TARGETS, policy=policy)
    return write_manifest(tmp_path, text)


def paths(sandbox: RunningSandbox, method: str = "GET") -> list[str]:
    return [r["path"] for r in sandbox.requests() if r["method"] == method]


def org_of(sandbox: RunningSandbox) -> str:
    environment = sandbox.state()["environments"][sandbox.environment_id("staging")]
    return str(environment["organization"]["id"])


def console_copy(sandbox: RunningSandbox, kind: str, clone: dict[str, Any]) -> dict[str, Any]:
    """A person clones an owned clone in the console: the copy has its marker."""
    env_id = sandbox.environment_id("preview-101")
    with client(sandbox) as http:
        body = {"name": f"{clone['name']}-copy", "environment_id": env_id}
        answer = http.post(f"/{kind}/{clone['id']}/clone", json=body)
    assert answer.status_code == 202, answer.text
    copy: dict[str, Any] = answer.json()
    return copy


@pytest.mark.parametrize(
    ("kind", "entry", "name"),
    [("container", "frontend", "frontend"), ("job", "name: db-seed\nkind: job", "db-seed")],
)
def test_a_kind_dropped_from_a_pruning_manifest_is_pruned_and_a_copy_spared(
    cli: Callable[..., Any],
    sandbox: RunningSandbox,
    tmp_path: Path,
    kind: str,
    entry: str,
    name: str,
) -> None:
    created = cli("apply", write(tmp_path, ("api", entry)), "--auto-approve")
    assert created.code == 0, created
    assert "4 created, 0 updated, 0 deleted" in created.out
    clones = [service_named(sandbox, kind, e, name) for e in ("preview-101", "preview-102")]
    copy = console_copy(sandbox, kind, clones[0])
    assert owner_of(copy) is None and "manifest: previews" in copy["description"]

    manifest = write(tmp_path, ("api",))
    sandbox.clear_requests()
    plan = cli("plan", manifest, "--json")
    assert plan.code == 0, plan
    deletes = [c for c in json.loads(plan.out)["changes"] if c["action"] == "delete"]
    planned = sorted((c["target"]["kind"], c["target"]["application_id"]) for c in deletes)
    assert planned == sorted((kind, clone["id"]) for clone in clones)
    listed = paths(sandbox)
    assert len(listed) == len(set(listed)), "a listing was read twice"
    assert [p for p in listed if p.endswith("/services")] == [
        f"/organization/{org_of(sandbox)}/services"
    ]
    for env in ("preview-101", "preview-102"):
        assert f"/environment/{sandbox.environment_id(env)}/{kind}" in listed

    sandbox.delete_seconds = 60  # a delete stays under way for a minute
    sandbox.clear_requests()
    applied = cli("apply", manifest, "--auto-approve")
    assert applied.code == 0, applied
    assert "0 created, 0 updated, 2 deleted" in applied.out
    assert sorted(paths(sandbox, "DELETE")) == sorted(f"/{kind}/{c['id']}" for c in clones)
    sandbox.clear_requests()
    again = cli("apply", manifest, "--auto-approve")  # still listed, being deleted
    assert again.code == 0, again
    assert paths(sandbox, "DELETE") == []
    assert sandbox.service(kind, "preview-102", name) is not None  # listed until it is gone
    sandbox.advance_clock(61)
    assert sandbox.service(kind, "preview-102", name) is None
    assert sandbox.service(kind, "preview-101", name) is None
    assert sandbox.service(kind, "preview-101", f"{name}-copy") is not None
    assert sandbox.service(kind, "staging", name) is not None  # the source
    assert "No changes." in cli("plan", manifest).out


def test_the_mass_deletion_guard_holds_the_pruned_kind_s_deletes(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path, ("api", "frontend")), "--auto-approve").code == 0
    manifest = write(tmp_path, ("api",), "{prune: true, max_deletes: 1}")
    sandbox.clear_requests()
    refused = cli("apply", manifest, "--auto-approve")
    assert refused.code == 1, refused
    assert "manifest previews" in refused.err and "--allow-deletes" in refused.err
    assert paths(sandbox, "DELETE") == []
    assert sandbox.service("container", "preview-102", "frontend") is not None


def test_without_prune_the_light_listing_is_never_read(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path, ("api", "frontend"), "{}"), "--auto-approve").code == 0
    sandbox.clear_requests()
    plan = cli("plan", write(tmp_path, ("api",), "{}"), "--detailed-exitcode")
    assert plan.code == 0, plan  # nothing to change: the container clones are not pruned
    assert not [p for p in paths(sandbox) if p.endswith("/services")]
    assert not [p for p in paths(sandbox) if p.endswith("/container")]


def test_a_token_refused_the_light_listing_plans_as_before_and_says_so(
    cli: Callable[..., Any], sandbox: RunningSandbox, tmp_path: Path
) -> None:
    assert cli("apply", write(tmp_path, ("api", "frontend")), "--auto-approve").code == 0
    refused = {"method": "GET", "path": "/organization/*/services", "action": "respond"}
    sandbox.set_faults(rules=[{**refused, "status": 403}])
    manifest = write(tmp_path, ("api",))
    plan = cli("plan", manifest, "--json")
    assert plan.code == 0, plan  # not a failed plan: pruning by kind goes without the listing
    document = json.loads(plan.out)
    assert [c for c in document["changes"] if c["action"] == "delete"] == []
    (note,) = [n for n in document["notes"] if "services" in n]
    assert note.startswith("previews: the token may not list the organization's services")
    assert f"/organization/{org_of(sandbox)}/services: 403" in note
    shown = cli("plan", manifest)
    assert shown.code == 0 and "not looked for, nor pruned" in shown.out, shown

    sandbox.set_faults(rules=[{**refused, "status": 500}])  # any other failure still fails
    failed = cli("plan", manifest)
    assert failed.code == 1 and "Traceback" not in failed.err, failed
    assert "/services" in failed.err
