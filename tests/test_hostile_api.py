"""Hostile API responses end to end: the real CLI in-process against a sandbox whose answers
are HTML, truncated, of the wrong shape, full of unknown values, huge or slow.

Each case must end in one clear line and exit 1, or in a tolerant success when the data is
still sound; never a traceback or an "internal error", and never a write (POST, PUT,
DELETE) decided on a misread state: the sandbox's request log is the witness.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.ownership import read_marker
from reconciler.sandbox import RunningSandbox

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata:
  name: previews
spec:
  organization: Acme
  source:
    project: shop
    environment: staging
    applications: [api, web]
  targets:
    - environment: {match: "preview-10*"}
  overrides:
    cpu: 250
  policy: {on_drift: correct, prune: true, deploy: true}
"""
TARGETS = ("preview-101", "preview-102")
Cli = Callable[..., Any]


# -- helpers
def write(tmp_path: Path, text: str = MANIFEST) -> str:
    path = tmp_path / "previews.yaml"
    path.write_text(text)
    return str(path)


def respond(
    sandbox: RunningSandbox,
    path: str,
    body: str,
    *,
    status: int = 200,
    content_type: str = "application/json",
    method: str = "GET",
    times: int | None = None,
) -> None:
    """Answer ``method path`` with a canned body (the first matching rule wins)."""
    rule: dict[str, Any] = {
        "action": "respond",
        "method": method,
        "path": path,
        "status": status,
        "body": body,
        "content_type": content_type,
    }
    if times is not None:
        rule["times"] = times
    sandbox.set_faults(rules=[*sandbox.faults.describe()["rules"], rule])


def apps_path(sandbox: RunningSandbox, env: str) -> str:
    return f"/environment/{sandbox.environment_id(env)}/application"


def real_body(sandbox: RunningSandbox, path: str) -> dict[str, Any]:
    """What the sandbox really answers on ``path`` (read before any rule is set)."""
    headers = {"Authorization": sandbox.authorization}
    response = httpx.get(sandbox.url + path, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listing_with(sandbox: RunningSandbox, env: str, change: Callable[[dict[str, Any]], Any]) -> str:
    """The real application listing of ``env`` with ``change`` applied to every application."""
    body = real_body(sandbox, apps_path(sandbox, env))
    for app in body["results"]:
        change(app)
    return json.dumps(body)


def writes(sandbox: RunningSandbox) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests() if r["method"] != "GET"]


def assert_clean_failure(result: Any) -> None:
    """Exit 1, something said on stderr in one line, and no sign of a bug."""
    assert result.code == 1, result
    assert "Traceback" not in result.err and "Traceback" not in result.out, result
    assert "internal error" not in result.err, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result
    assert len(lines[0]) < 600, result


def owned_clones(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    found = []
    for env in TARGETS:
        for app in sandbox.applications(env):
            marker = read_marker(app.get("description"))
            if marker and marker.manifest == "previews":
                found.append(app)
    return found


@pytest.fixture
def drifted(cli: Cli, sandbox: RunningSandbox, tmp_path: Path) -> str:
    """Owned clones everywhere, one of them drifted: an apply would write (an update)."""
    manifest = write(tmp_path)
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 0, result
    assert len(owned_clones(sandbox)) == 4
    web = sandbox.application("preview-102", "web")
    assert web is not None
    sandbox.edit_out_of_band(web["id"], memory=999)
    plan = cli("plan", manifest, "--detailed-exitcode")
    assert plan.code == 2, plan  # the honest state asks for a write
    sandbox.clear_requests()
    return manifest


# -- hostile bodies of the target listing: no write, one clean line
NESTED = "[" * 100_000 + "]" * 100_000
HOSTILE_LISTINGS: dict[str, tuple[str, int, str]] = {
    "html page with 200": (
        "<!DOCTYPE html><html><head><style>h1{}</style></head>"
        "<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        200,
        "text/html",
    ),
    "html page with 500": ("<html><body><h1>Internal Error</h1></body></html>", 500, "text/html"),
    "truncated json": ('{"results": [{"id": "5f0c", "name": "ap', 200, "application/json"),
    "empty body": ("", 200, "application/json"),
    "results not a list": ('{"results": {"id": "x", "name": "api"}}', 200, "application/json"),
    "results null": ('{"results": null}', 200, "application/json"),
    "no results key": ('{"items": []}', 200, "application/json"),
    "a list, not an object": ('[{"id": "x", "name": "api"}]', 200, "application/json"),
    "a string, not an object": ('"results"', 200, "application/json"),
    "strings where objects belong": ('{"results": ["api", "web"]}', 200, "application/json"),
    "application without id": ('{"results": [{"name": "api"}]}', 200, "application/json"),
    "id not a string": ('{"results": [{"id": 7, "name": "api"}]}', 200, "application/json"),
    "deeply nested json": (NESTED, 200, "application/json"),
    "deeply nested results": ('{"results": ' + NESTED + "}", 200, "application/json"),
    "deeply nested error body": (NESTED, 500, "application/json"),
    "huge integer": (
        '{"results": [{"id": "x", "cpu": ' + "9" * 5000 + "}]}",
        200,
        "application/json",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTINGS))
def test_hostile_listing_stops_plan_with_one_line(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, case: str
) -> None:
    body, status, content_type = HOSTILE_LISTINGS[case]
    respond(
        sandbox, apps_path(sandbox, "preview-102"), body, status=status, content_type=content_type
    )
    result = cli("plan", write(tmp_path))
    assert_clean_failure(result)
    assert apps_path(sandbox, "preview-102") in result.err  # names the call that failed
    assert result.out == ""


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTINGS))
def test_hostile_listing_stops_apply_before_any_write(
    cli: Cli, sandbox: RunningSandbox, drifted: str, case: str
) -> None:
    body, status, content_type = HOSTILE_LISTINGS[case]
    respond(
        sandbox, apps_path(sandbox, "preview-102"), body, status=status, content_type=content_type
    )
    result = cli("apply", drifted, "--auto-approve")
    assert_clean_failure(result)
    assert writes(sandbox) == []
    assert len(owned_clones(sandbox)) == 4


# -- a sound-looking listing with one lie in it: still no write
def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda item: item.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda item: item.pop(key, None)


MISREAD_APPLICATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "application without name": _drop("name"),
    "application name null": _set("name", None),
    "application name an object": _set("name", {"value": "api"}),
    "cpu NaN": _set("cpu", float("nan")),
    "memory Infinity": _set("memory", float("inf")),
}


@pytest.mark.parametrize("case", sorted(MISREAD_APPLICATIONS))
def test_misread_applications_stop_apply_before_any_write(
    cli: Cli, sandbox: RunningSandbox, drifted: str, case: str
) -> None:
    body = listing_with(sandbox, "preview-101", MISREAD_APPLICATIONS[case])
    sandbox.clear_requests()
    respond(sandbox, apps_path(sandbox, "preview-101"), body)
    result = cli("apply", drifted, "--auto-approve")
    assert_clean_failure(result)
    assert writes(sandbox) == []
    assert len(owned_clones(sandbox)) == 4


def _environments(sandbox: RunningSandbox) -> tuple[str, dict[str, Any]]:
    org = real_body(sandbox, "/organization")["results"][0]["id"]
    path = f"/organization/{org}/environments"
    return path, real_body(sandbox, path)


MISREAD_ENVIRONMENTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "environment without name": _drop("name"),
    "environment name null": _set("name", None),
    "environment without project": _drop("project"),
    "environment project a string": _set("project", "shop"),
}


@pytest.mark.parametrize("case", sorted(MISREAD_ENVIRONMENTS))
def test_misread_environment_never_prunes(
    cli: Cli, sandbox: RunningSandbox, drifted: str, case: str
) -> None:
    path, body = _environments(sandbox)
    for env in body["results"]:
        if env["name"] == "preview-102":
            MISREAD_ENVIRONMENTS[case](env)
    sandbox.clear_requests()
    respond(sandbox, path, json.dumps(body))
    result = cli("apply", drifted, "--auto-approve")
    assert_clean_failure(result)
    assert writes(sandbox) == []
    assert len(owned_clones(sandbox)) == 4
