"""``reconciler ls`` (contract 17): the clones the manifests own, from their markers, in every
environment of their organizations; the real CLI and client against the sandbox."""

from __future__ import annotations

import json

import httpx
from helpers_manifests import demo_manifest, write_manifest

from reconciler.sandbox import RunningSandbox


def _console_copy(sandbox: RunningSandbox, clone_id: str, env: str) -> str:
    """Clone an owned clone in the console (its description, marker included, is copied)."""
    headers = {"Authorization": sandbox.authorization}
    with httpx.Client(base_url=sandbox.url, headers=headers) as http:
        response = http.post(
            f"/application/{clone_id}/clone",
            json={"name": "api-copy", "environment_id": sandbox.environment_id(env)},
        )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_ls_lists_every_owned_clone_with_its_state_and_expiry(cli, sandbox, tmp_path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest(policy="{expire_after: 7d}"))
    assert cli("apply", manifest, "--auto-approve").code == 0
    api_101 = sandbox.application("preview-101", "api")
    _console_copy(sandbox, api_101["id"], "preview-102")  # a copy: not the manifest's
    sandbox.clear_requests()

    listed = cli("ls", manifest, "--json")
    assert listed.code == 0, listed
    clones = json.loads(listed.out)["clones"]
    assert [c["address"] for c in clones] == [
        "previews.api[shop/preview-101]",
        "previews.api[shop/preview-102]",
        "previews.web[shop/preview-101]",
        "previews.web[shop/preview-102]",
    ]
    first = clones[0]
    assert (first["id"], first["kind"], first["name"]) == (api_101["id"], "application", "api")
    assert (first["state"], first["deployment_status"]) == ("READY", "NEVER_DEPLOYED")
    assert first["expires_at"] is not None and not first["expired"]
    statuses = sorted(r["path"] for r in sandbox.requests() if r["path"].endswith("/statuses"))
    assert statuses == sorted(
        f"/environment/{sandbox.environment_id(e)}/statuses" for e in ("preview-101", "preview-102")
    )
    assert all(r["method"] == "GET" for r in sandbox.requests())

    sandbox.advance_clock(90 * 60)  # the API's clock: 7 days less 90 minutes remain
    table = cli("ls", manifest)
    assert table.code == 0, table
    assert "ADDRESS" in table.out and "EXPIRY" in table.out
    assert "expires in 6d 22h" in table.out
    assert "api-copy" not in table.out
    assert "4 clones owned by 1 manifest in 2 environments." in table.out


def test_ls_lists_a_clone_its_manifest_no_longer_declares(cli, sandbox, tmp_path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest())
    assert cli("apply", manifest, "--auto-approve").code == 0
    write_manifest(tmp_path, demo_manifest(targets=["environment: preview-101"]))  # no prune
    listed = cli("ls", manifest)
    assert listed.code == 0, listed
    assert "previews.api[shop/preview-102]" in listed.out
    assert "4 clones owned by 1 manifest in 2 environments." in listed.out


def test_ls_of_manifests_that_own_nothing_says_so(cli, tmp_path) -> None:
    listed = cli("ls", write_manifest(tmp_path, demo_manifest(name="nobody")))
    assert (listed.code, listed.out) == (0, "No clone owned by these manifests.\n")


def test_ls_with_an_unknown_organization_is_one_clear_error(cli, sandbox, tmp_path) -> None:
    manifest = write_manifest(tmp_path, demo_manifest(organization="Nowhere"))
    listed = cli("ls", manifest)
    assert listed.code == 1, listed
    assert "Nowhere" in listed.err and "Traceback" not in listed.err
    assert listed.out == ""
