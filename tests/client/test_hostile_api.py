"""Hostile API responses end to end: the real CLI in-process against a sandbox whose answers
are HTML, truncated, of the wrong shape, full of unknown values, huge or slow.

Each case must end in one clear line and exit 1, or in a tolerant success when the data is
still sound; never a traceback or an "internal error", and never a write (POST, PUT,
DELETE) decided on a misread state: the sandbox's request log is the witness.
"""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers_cli import point_at, run_cli
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import app_named
from helpers_waits import shorten_waits

from reconciler.core.ownership import read_marker
from reconciler.sandbox import RunningSandbox, start

MANIFEST = demo_manifest(
    targets=('environment: {match: "preview-10*"}',),
    policy="{on_drift: correct, prune: true, deploy: true}",
)
TARGETS = ("preview-101", "preview-102")
Cli = Callable[..., Any]


# -- helpers
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


@pytest.fixture(scope="module")
def drifted_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The state of a sandbox where MANIFEST was applied, then one clone drifted: made once
    per module (an apply that deploys, and a plan), put into each test's own sandbox."""
    manifest = write_manifest(tmp_path_factory.mktemp("drifted"), MANIFEST)
    with start(deploy_seconds=0.0) as sandbox, pytest.MonkeyPatch.context() as patch:
        shorten_waits(patch)
        point_at(patch, sandbox)
        result = run_cli("apply", manifest, "--auto-approve")
        assert result.code == 0, result
        assert len(owned_clones(sandbox)) == 4
        web = sandbox.application("preview-102", "web")
        assert web is not None
        sandbox.edit_out_of_band(web["id"], memory=999)
        plan = run_cli("plan", manifest, "--detailed-exitcode")
        assert plan.code == 2, plan  # the honest state asks for a write
        return sandbox.state()


@pytest.fixture
def drifted(sandbox: RunningSandbox, drifted_state: dict[str, Any], tmp_path: Path) -> str:
    """Owned clones everywhere, one of them drifted: an apply would write (an update)."""
    sandbox.replace_state(drifted_state)
    sandbox.deploy_seconds = 0.0
    sandbox.clear_requests()
    return write_manifest(tmp_path, MANIFEST)


# -- hostile bodies of the target listing: no write, one clean line
NESTED = "[" * 100_000 + "]" * 100_000
HOSTILE_LISTINGS: dict[str, tuple[str, int, str]] = {
    "html page with 200": (
        "<!DOCTYPE html><html><head><style>h1{}</style></head>"
        "<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        200,
        "text/html",
    ),
    "html page with 501": ("<html><body><h1>Not Implemented</h1></body></html>", 501, "text/html"),
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
    "deeply nested error body": (NESTED, 501, "application/json"),
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
    result = cli("plan", write_manifest(tmp_path, MANIFEST))
    assert_clean_failure(result)
    assert apps_path(sandbox, "preview-102") in result.err  # names the call that failed
    assert result.out == ""


APPLY_CASES = (
    "html page with 200",
    "truncated json",
    "results null",
    "application without id",
    "deeply nested results",
)


@pytest.mark.parametrize("case", APPLY_CASES)
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
    "application name empty": _set("name", ""),
    "application name blank": _set("name", "  "),
    "application names duplicated": _set("name", "web"),
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
    "environment name empty": _set("name", ""),
    "environment name duplicated": _set("name", "preview-101"),
    "environment name duplicated but for case": _set("name", "Preview-101"),
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


NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400")


@pytest.mark.parametrize("number", NON_FINITE)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_non_finite_number_is_a_malformed_answer_and_json_stays_json(
    cli: Cli, sandbox: RunningSandbox, drifted: str, number: str, command: str
) -> None:
    path = apps_path(sandbox, "preview-101")
    body = real_body(sandbox, path)
    body["results"][0]["x_ratio"] = "__NUMBER__"  # anywhere in the answer, even unknown keys
    text = json.dumps(body).replace('"__NUMBER__"', number)
    assert number in text
    respond(sandbox, path, text)
    sandbox.clear_requests()
    flags = ["--json"] if command == "plan" else ["--auto-approve", "--json"]
    result = cli(command, drifted, *flags)
    assert_clean_failure(result)
    assert "non-finite number" in result.err, result
    for line in result.out.splitlines():  # whatever was printed is JSON (no NaN, no Infinity)
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} printed"))
    assert writes(sandbox) == []


# -- what a newer API may add is tolerated: the plan is the same
def _decorated(value: Any, extra: Callable[[dict[str, Any]], None]) -> Any:
    if isinstance(value, dict):
        out = {k: _decorated(v, extra) for k, v in value.items()}
        extra(out)
        return out
    if isinstance(value, list):
        return [_decorated(v, extra) for v in value]
    return value


def _add_unknowns(item: dict[str, Any]) -> None:
    item["x_new_field"] = {"nested": [1, "two", None], "flag": True}
    item["x_rollout_percentage"] = 42
    if "mode" in item:
        item["mode"] = "EPHEMERAL_NEXT"  # a new environment mode
    if "service_deployment_status" in item:
        item["state"] = "HIBERNATING_SOON"  # a new state beside a known status


def _drop_optional(item: dict[str, Any]) -> None:
    for key in ("icon_uri", "created_at", "updated_at", "service_type", "cloud_provider"):
        item.pop(key, None)


def _decisions(plan_json: str) -> Any:
    """What the plan does, and to which fields. Not whether a difference is drift or a changed
    declaration: an answer without an optional compared field (``icon_uri``) is, to the
    reconciler, a source whose declaration changed since the marker's digest, so drift it
    would correct reads as a change it makes (contract 17); the write is the same."""
    document = json.loads(plan_json)
    kept = ("address", "action", "owned", "source", "target")
    summary = {k: v for k, v in document["summary"].items() if k != "drifted"}
    return summary, [
        {k: c.get(k) for k in kept}
        | {"fields": sorted({i["path"] for i in [*c["drift"], *c["updates"]]})}
        for c in document["changes"]
    ]


def _replay_reads(
    sandbox: RunningSandbox, change: Callable[[dict[str, Any]], None]
) -> dict[str, str]:
    """Serve every listing the last run read, as it is now, with ``change`` on each object."""
    paths = sorted({r["path"] for r in sandbox.requests() if r["method"] == "GET"})
    sandbox.clear_faults()
    bodies = {path: json.dumps(_decorated(real_body(sandbox, path), change)) for path in paths}
    for path, body in bodies.items():
        respond(sandbox, path, body)
    return bodies


@pytest.mark.parametrize("change", [_add_unknowns, _drop_optional], ids=["unknowns", "optional"])
def test_unknown_fields_and_values_and_absent_optional_fields_are_tolerated(
    cli: Cli, sandbox: RunningSandbox, drifted: str, change: Callable[[dict[str, Any]], None]
) -> None:
    baseline = cli("plan", drifted, "--json")
    assert baseline.code == 0, baseline
    served = _replay_reads(sandbox, change)
    sandbox.clear_requests()
    result = cli("plan", drifted, "--json")
    assert result.code == 0, result
    # the same decisions; the recorded source config and fingerprints follow the raw bodies
    assert _decisions(result.out) == _decisions(baseline.out)
    # the altered bodies were the ones read: every read was one of the replayed paths, but
    # for the listings of other kinds where a light item lost its (required) service_type:
    # there, every kind a clone may be is listed (``sources.owned_listings``)
    read = {r["path"] for r in sandbox.requests()}
    listings = re.compile(r"/environment/[^/]+/(application|container|job)(/status)?")
    extra = read - set(served)
    assert read and all(listings.fullmatch(path) for path in extra), extra
    if change is _add_unknowns:
        assert not extra  # nothing lost: exactly the replayed reads
    else:  # the owned clones' light items lost their type: every kind listed where they are
        assert {path.split("/")[3] for path in extra} >= {"container", "job"}, extra
    altered = "x_new_field" if change is _add_unknowns else "icon_uri"
    assert all((altered in body) == (change is _add_unknowns) for body in served.values())
    assert all(r["status"] == 200 for r in sandbox.requests())


def test_unknown_deployment_status_deploys_nothing(
    cli: Cli, sandbox: RunningSandbox, drifted: str
) -> None:
    """A status the tool does not know is not NEVER_DEPLOYED: no deploy is planned for it."""
    sandbox.edit_out_of_band(app_named(sandbox, "preview-102", "web")["id"], memory=384)
    cli("plan", drifted)  # records the reads

    def new_status(item: dict[str, Any]) -> None:
        if "service_deployment_status" in item:
            item["service_deployment_status"] = "PARTIALLY_ROLLED_OUT"

    _replay_reads(sandbox, new_status)
    sandbox.clear_requests()
    result = cli("apply", drifted, "--auto-approve", "--json")
    assert result.code == 0, result
    assert [w for w in writes(sandbox) if w.endswith("/deploy")] == []


# -- huge and slow bodies
HUGE = 20 * 1024 * 1024


def test_huge_html_body_is_one_short_line(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    page = "<html><body>" + "<p>lorem ipsum</p>" * (HUGE // 18) + "</body></html>"
    respond(sandbox, apps_path(sandbox, "preview-101"), page, content_type="text/html")
    result = cli("plan", write_manifest(tmp_path, MANIFEST))
    assert_clean_failure(result)
    assert "lorem ipsum" in result.err and len(result.err) < 600


def test_huge_valid_body_is_parsed_with_bounded_memory(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """20 MB of JSON (a newer API's bulky field) plans fine, in a few times its size."""
    body = listing_with(sandbox, "staging", _set("x_changelog", "z" * HUGE))
    respond(sandbox, apps_path(sandbox, "staging"), body)
    manifest = write_manifest(tmp_path, MANIFEST)
    creates = json.loads(cli("plan", manifest, "--json").out)["summary"]["create"]
    assert creates >= 4
    tracemalloc.start()
    try:
        result = cli("plan", manifest, "--json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code == 0, result.err
    assert json.loads(result.out)["summary"]["create"] == creates
    assert peak < 12 * len(body), peak


def test_slow_trickled_listing_is_waited_for(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """A body that drips in over a second is still one sound answer: the plan is the same."""
    manifest = write_manifest(tmp_path, MANIFEST)
    baseline = cli("plan", manifest, "--json")
    sandbox.set_faults(
        rules=[
            {
                "action": "trickle",
                "method": "GET",
                "path": apps_path(sandbox, "staging"),
                "seconds": 1,
            }
        ]
    )
    started = time.monotonic()
    result = cli("plan", manifest, "--json")
    assert time.monotonic() - started >= 0.9
    assert result.code == 0, result
    assert _decisions(result.out) == _decisions(baseline.out)


# -- hostile reads on the other paths of apply and reconcile
def test_hostile_read_while_checking_a_saved_plan_refuses_it_without_writing(
    cli: Cli, sandbox: RunningSandbox, drifted: str, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", drifted, "--out", str(saved)).code == 0
    respond(sandbox, apps_path(sandbox, "preview-102"), '{"results": [{"id": "x"}]}')
    sandbox.clear_requests()
    result = cli("apply", "--plan", str(saved))
    assert_clean_failure(result)
    assert writes(sandbox) == []


def test_hostile_status_listing_stops_apply_before_any_write(
    cli: Cli, sandbox: RunningSandbox, drifted: str
) -> None:
    path = apps_path(sandbox, "preview-101") + "/status"
    respond(
        sandbox, path, '{"results": [{"id": 1, "service_deployment_status": "NEVER_DEPLOYED"}]}'
    )
    result = cli("apply", drifted, "--auto-approve")
    assert_clean_failure(result)
    assert writes(sandbox) == []


def test_reconcile_round_with_a_hostile_listing_logs_one_error_and_writes_nothing(
    cli: Cli, sandbox: RunningSandbox, drifted: str
) -> None:
    respond(
        sandbox, apps_path(sandbox, "preview-101"), "<html>oops</html>", content_type="text/html"
    )
    result = cli("reconcile", drifted)
    assert result.code == 1, result
    assert "Traceback" not in result.err + result.out
    records = [json.loads(line) for line in result.out.splitlines()]
    errors = [r for r in records if r["event"] == "error"]
    assert len(errors) == 1 and "not valid JSON" in errors[0]["message"], records
    assert "internal error" not in result.out
    assert writes(sandbox) == []


# -- hostile answers to writes: a recorded failure or a read-back, never a duplicate
CLONE_ANSWERS = {
    # carried out, then the connection closed: read back and finished, never sent again
    "answer lost": {"action": "drop_after", "method": "POST", "path": "*/clone"},
    # a proxy's page, nothing done: read back, found absent, sent once more
    "html page, not carried out": {
        "action": "respond",
        "method": "POST",
        "path": "*/clone",
        "status": 202,
        "body": "<html><body>Accepted?</body></html>",
        "content_type": "text/html",
        "times": 2,
    },
}


@pytest.mark.parametrize("case", sorted(CLONE_ANSWERS))
def test_unclear_clone_answers_are_read_back_and_make_no_duplicate(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, case: str
) -> None:
    manifest = write_manifest(tmp_path, MANIFEST)
    creates = json.loads(cli("plan", manifest, "--json").out)["summary"]["create"]
    sandbox.set_faults(rules=[CLONE_ANSWERS[case]])
    sandbox.clear_requests()
    result = cli("apply", manifest, "--auto-approve")
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert result.code == 0, result
    assert f"{creates} created" in result.out
    clones = [w for w in writes(sandbox) if w.endswith("/clone")]
    assert len(clones) == creates + (2 if case.startswith("html") else 0)
    for env in TARGETS:
        names = sorted(a["name"] for a in sandbox.applications(env))
        assert names.count("api") == names.count("web") == 1, names


def test_edit_answered_with_the_wrong_shape_fails_that_change_only(
    cli: Cli, sandbox: RunningSandbox, drifted: str
) -> None:
    web = app_named(sandbox, "preview-102", "web")
    respond(sandbox, f"/application/{web['id']}", '"ok"', method="PUT")
    result = cli("apply", drifted, "--auto-approve")
    assert result.code == 1, result
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert "1 failed" in result.out
    assert "expected a JSON object" in result.err
    assert [w for w in writes(sandbox) if w.startswith("DELETE")] == []


def test_answers_orjson_reads_are_the_json_modules_and_its_refusals_are_too() -> None:
    """orjson reads small answers; what it refuses is read (or refused) by the json module."""
    from reconciler.edges.answers import NonFiniteNumber, parse_json

    body = '{"results": [{"id": "a", "cpu": 1.5, "name": "caf\\u00e9", "x": [true, null]}]}'
    assert parse_json(body) == json.loads(body) == parse_json(body.encode())
    assert parse_json('"\\ud800"') == "\ud800"  # a lone surrogate: json accepts it
    for bad in ("[1e400]", "[NaN]", '{"cpu": Infinity}'):
        with pytest.raises(NonFiniteNumber):
            parse_json(bad)
    with pytest.raises(ValueError):
        parse_json('{"id": ')
