"""Variables end to end: the real CLI against the sandbox, checked through the sandbox's API.

Each preview's ``DATABASE_URL`` aliases its own environment's postgres (never staging's,
which the clone copied); a second plan is empty; a secret is written once, rewritten once
when it changes in the runner's environment and never otherwise (the sandbox's writes are
counted); observing costs one more request per existing clone, none without variables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CliResult
from helpers_manifests import demo_manifest, write_manifest
from helpers_sandbox import client

from reconciler.sandbox import RunningSandbox

PREVIEWS = ("preview-101", "preview-102")
VARIABLES = """  variables:
    DATABASE_URL: {alias: {service: postgres, builtin: DATABASE_URL_INTERNAL}}
    PUBLIC_URL: "https://{name}-{environment}.preview.acme.dev"
    STRIPE_KEY: {secret: {from_env: PREVIEW_STRIPE_KEY}}
    LOG_LEVEL: null
"""
Cli = Callable[..., CliResult]


def manifest(tmp_path: Path, variables: str = VARIABLES) -> str:
    return write_manifest(tmp_path, demo_manifest(applications=("api",)) + variables)


def own_variables(sandbox: RunningSandbox, environment: str) -> dict[str, dict[str, Any]]:
    clone = sandbox.application(environment, "api")
    assert clone is not None
    with client(sandbox) as http:
        answer = http.get("/variable", params={"parent_id": clone["id"], "scope": "APPLICATION"})
    return {v["key"]: v for v in answer.json()["results"] if v["scope"] == "APPLICATION"}


def variable_writes(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"])
        for r in sandbox.requests()
        if r["path"].startswith("/variable") and r["method"] != "GET"
    ]


@pytest.fixture
def stripe(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def set_key(value: str) -> None:
        monkeypatch.setenv("PREVIEW_STRIPE_KEY", value)

    set_key("sk_test_first")
    return set_key


def test_each_preview_aliases_its_own_database_and_a_second_plan_is_empty(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, stripe: Callable[[str], None]
) -> None:
    path = manifest(tmp_path)
    planned = cli("plan", path)
    assert planned.code == 0, planned.err
    assert "+ DATABASE_URL: alias of postgres's built-in DATABASE_URL_INTERNAL" in planned.out
    assert "+ STRIPE_KEY (secret)" in planned.out
    applied = cli("apply", "--auto-approve", path)
    assert applied.code == 0, applied.err
    with client(sandbox) as http:
        for environment in PREVIEWS:
            env_id = sandbox.environment_id(environment)
            (postgres,) = http.get(f"/environment/{env_id}/database").json()["results"]
            short = "Z" + postgres["id"].split("-")[0].upper()
            own = own_variables(sandbox, environment)
            aliased = own["DATABASE_URL"]["aliased_variable"]["key"]
            assert aliased == f"QOVERY_POSTGRESQL_{short}_DATABASE_URL_INTERNAL"
            assert own["PUBLIC_URL"]["value"] == f"https://api-{environment}.preview.acme.dev"
            assert own["STRIPE_KEY"]["is_secret"] and own["STRIPE_KEY"]["value"] is None
            assert "LOG_LEVEL" not in own  # copied from staging's api, declared null
    again = cli("plan", "--detailed-exitcode", path)
    assert again.code == 0 and "No changes" in again.out, again.out


def test_a_secret_is_rewritten_once_when_it_changes_and_never_otherwise(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, stripe: Callable[[str], None]
) -> None:
    path = manifest(tmp_path)
    assert cli("apply", "--auto-approve", path).code == 0
    sandbox.clear_requests()
    for _ in range(3):  # unchanged: never rewritten
        assert cli("apply", "--auto-approve", path).code == 0
    assert variable_writes(sandbox) == []
    stripe("sk_test_second")
    planned = cli("plan", path)
    assert planned.out.count("~ STRIPE_KEY (secret changed)") == len(PREVIEWS), planned.out
    assert "sk_test" not in planned.out + planned.err
    for _ in range(3):
        assert cli("apply", "--auto-approve", path).code == 0
    writes = variable_writes(sandbox)
    assert [method for method, _ in writes] == ["PUT"] * len(PREVIEWS), writes
    stored = sandbox.state()["variables"]
    for environment in PREVIEWS:
        secret = own_variables(sandbox, environment)["STRIPE_KEY"]
        assert stored[secret["id"]]["value"] == "sk_test_second"


def test_a_missing_alias_target_is_a_conflict_naming_what_exists(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, stripe: Callable[[str], None]
) -> None:
    path = manifest(tmp_path, "  variables: {LOG_LEVEL: debug}\n")
    assert cli("apply", "--auto-approve", path).code == 0
    wrong = "  variables: {DATABASE_URL: {alias: {service: mysql, builtin: DATABASE_URL}}}\n"
    path = manifest(tmp_path, wrong)
    sandbox.clear_requests()
    planned = cli("plan", path)
    assert "no service 'mysql' with built-in variables here" in planned.out
    assert "services: api, postgres" in planned.out
    applied = cli("apply", "--auto-approve", path)
    assert applied.code != 0 and variable_writes(sandbox) == []


def test_a_missing_secret_source_is_an_error_before_any_change(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREVIEW_STRIPE_KEY", raising=False)
    result = cli("apply", "--auto-approve", manifest(tmp_path))
    assert result.code != 0
    assert "PREVIEW_STRIPE_KEY is not set" in result.err
    assert all(r["method"] == "GET" for r in sandbox.requests())


def test_variables_cost_one_read_per_existing_clone_and_none_without(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, stripe: Callable[[str], None]
) -> None:
    plain = write_manifest(tmp_path, demo_manifest(applications=("api",)))
    assert cli("apply", "--auto-approve", plain).code == 0
    sandbox.clear_requests()
    assert cli("plan", plain).code == 0
    without = len(sandbox.requests())
    assert not [r for r in sandbox.requests() if r["path"] == "/variable"]
    path = manifest(tmp_path)
    assert cli("apply", "--auto-approve", path).code == 0  # both steady: nothing to write
    sandbox.clear_requests()
    assert cli("plan", path).code == 0
    reads = [r for r in sandbox.requests() if r["path"] == "/variable"]
    assert len(reads) == len(PREVIEWS)
    assert len(sandbox.requests()) == without + len(PREVIEWS)


def test_a_renamed_clone_keeps_its_variables_read_and_managed(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path, stripe: Callable[[str], None]
) -> None:
    assert cli("apply", "--auto-approve", manifest(tmp_path)).code == 0
    renamed = demo_manifest(applications=("api",), template="{app}-pr") + VARIABLES
    path = write_manifest(tmp_path, renamed)
    planned = cli("plan", path)
    assert planned.code == 0 and "renamed from 'api'" in planned.out, planned.out
    assert ", 0 conflicts" in planned.out
    assert cli("apply", "--auto-approve", path).code == 0
    assert "No changes" in cli("plan", path).out


def test_a_clone_to_make_whose_alias_has_no_target_is_a_conflict_and_never_made(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    wrong = "  variables: {CACHE_HOST: {alias: REDIS_HOST}}\n"
    path = manifest(tmp_path, wrong)
    planned = cli("plan", path)
    assert planned.out.count("no variable REDIS_HOST at environment or project scope") == 2
    reads = [r for r in sandbox.requests() if r["path"] == "/variable"]
    assert len(reads) == len(PREVIEWS)  # one per target environment, at environment scope
    applied = cli("apply", "--auto-approve", path)
    assert applied.code != 0
    assert not [r for r in sandbox.requests() if r["method"] != "GET"]


def test_a_container_clone_copies_its_sources_variables_and_they_are_managed(
    cli: Cli, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """As an application's, a container's clone copies its variables (QOVERY-NOTES): one
    declared with another value is overwritten, one declared null is deleted, no 409."""
    frontend = sandbox.service("container", "staging", "frontend")
    assert frontend is not None
    with client(sandbox) as http:
        for key in ("LOG_LEVEL", "THEME"):
            body = {"key": key, "value": "debug", "is_secret": False, "variable_scope": "CONTAINER"}
            answer = http.post("/variable", json={**body, "variable_parent_id": frontend["id"]})
            assert answer.status_code == 201, answer.text
    variables = '  variables:\n    LOG_LEVEL: "info"\n    THEME: null\n'
    text = demo_manifest(applications=("frontend",), targets=["environment: preview-101"])
    path = write_manifest(tmp_path, text + variables)
    sandbox.clear_requests()
    applied = cli("apply", "--auto-approve", path)
    assert applied.code == 0, applied
    methods = sorted(method for method, _ in variable_writes(sandbox))
    assert methods == ["DELETE", "PUT"], methods  # THEME deleted, LOG_LEVEL edited: copied
    clone = sandbox.service("container", "preview-101", "frontend")
    assert clone is not None
    with client(sandbox) as http:
        answer = http.get("/variable", params={"parent_id": clone["id"], "scope": "CONTAINER"})
    own = {v["key"]: v["value"] for v in answer.json()["results"] if v["scope"] == "CONTAINER"}
    assert own == {"LOG_LEVEL": "info"}
    again = cli("plan", "--detailed-exitcode", path)
    assert again.code == 0 and "No changes" in again.out, again.out
