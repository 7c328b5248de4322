"""The sandbox's unified variable API over real sockets: scopes, built-ins, aliases,
overrides, secrets never returned, full-replace edits, cascades, what a clone copies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers_sandbox import app_named, client, service_named

from reconciler.sandbox import RunningSandbox


def visible(http: httpx.Client, parent: str, scope: str = "APPLICATION") -> list[dict[str, Any]]:
    answer = http.get("/variable", params={"parent_id": parent, "scope": scope})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def by_key(variables: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(v for v in variables if v["key"] == key)


def create(http: httpx.Client, key: str, value: str, scope: str, parent: str, **extra: Any) -> Any:
    body = {"key": key, "value": value, "is_secret": False, "variable_scope": scope}
    return http.post("/variable", json=body | {"variable_parent_id": parent} | extra)


def test_a_service_sees_higher_scopes_and_its_environments_built_ins(
    sandbox: RunningSandbox,
) -> None:
    staging = sandbox.environment_id("staging")
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        project = sandbox.store.snapshot()["environments"][staging]["project"]["id"]
        assert create(http, "REGION", "eu", "PROJECT", project).status_code == 201
        assert create(http, "REDIS_HOST", "redis", "ENVIRONMENT", staging).status_code == 201
        seen = visible(http, api["id"])
        scopes = {v["key"]: v["scope"] for v in seen}
        assert scopes["REGION"] == "PROJECT" and scopes["REDIS_HOST"] == "ENVIRONMENT"
        assert scopes["LOG_LEVEL"] == "APPLICATION"
        builtin = next(v for v in seen if v["key"].endswith("_DATABASE_URL_INTERNAL"))
        assert builtin["scope"] == "BUILT_IN" and builtin["service_name"] == "postgres"
        assert builtin["value"] is None  # a secret built-in
        short = "Z" + builtin["service_id"].split("-")[0].upper()
        assert builtin["key"] == f"QOVERY_POSTGRESQL_{short}_DATABASE_URL_INTERNAL"
        assert http.put(f"/variable/{builtin['id']}", json={"key": "X"}).status_code == 400
        assert http.delete(f"/variable/{builtin['id']}").status_code == 400
        env_only = {v["key"] for v in visible(http, staging, "ENVIRONMENT")}
        assert "LOG_LEVEL" not in env_only and "REDIS_HOST" in env_only


def test_a_key_of_a_higher_scope_is_a_409_and_an_override_instead(
    sandbox: RunningSandbox,
) -> None:
    staging = sandbox.environment_id("staging")
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        parent = create(http, "REDIS_HOST", "redis", "ENVIRONMENT", staging).json()
        assert create(http, "REDIS_HOST", "mine", "APPLICATION", api["id"]).status_code == 409
        body = {"value": "mine", "override_scope": "APPLICATION", "override_parent_id": api["id"]}
        override = http.post(f"/variable/{parent['id']}/override", json=body)
        assert override.status_code == 201, override.text
        made = override.json()
        assert (
            made["variable_type"] == "OVERRIDE"
            and made["overridden_variable"]["key"] == "REDIS_HOST"
        )
        renamed = http.put(f"/variable/{made['id']}", json={"key": "OTHER", "value": "x"})
        assert renamed.status_code == 400  # an override's key cannot be edited
        wrong_way = {"value": "v", "override_scope": "ENVIRONMENT", "override_parent_id": staging}
        assert http.post(f"/variable/{made['id']}/override", json=wrong_way).status_code == 400
        assert http.delete(f"/variable/{parent['id']}").status_code == 204
        assert "REDIS_HOST" not in {v["key"] for v in visible(http, api["id"])}  # cascaded
        assert http.delete(f"/variable/{made['id']}").status_code == 404


def test_secrets_are_stored_never_returned_and_edits_replace_the_whole_variable(
    sandbox: RunningSandbox,
) -> None:
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        secret = create(
            http,
            "STRIPE_KEY",
            "sk_test_planted",
            "APPLICATION",
            api["id"],
            is_secret=True,
            description="digest",
        )
        assert secret.status_code == 201 and secret.json()["value"] is None
        assert (
            "sk_test_planted"
            not in http.get(
                "/variable", params={"parent_id": api["id"], "scope": "APPLICATION"}
            ).text
        )
        stored = sandbox.store.snapshot()["variables"][secret.json()["id"]]
        assert stored["value"] == "sk_test_planted"
        edited = http.put(
            f"/variable/{secret.json()['id']}", json={"key": "STRIPE_KEY", "value": "n"}
        )
        assert edited.status_code == 200 and edited.json()["description"] == ""  # cleared
        assert (
            http.put(f"/variable/{secret.json()['id']}", json={"key": "STRIPE_KEY"}).status_code
            == 400
        )


def test_an_alias_points_down_never_at_an_alias_and_goes_with_its_parent(
    sandbox: RunningSandbox,
) -> None:
    api = app_named(sandbox, "staging", "api")
    web = app_named(sandbox, "staging", "web")
    with client(sandbox) as http:
        staging = sandbox.environment_id("staging")
        host = create(http, "REDIS_HOST", "redis", "ENVIRONMENT", staging).json()
        body = {"key": "CACHE", "alias_scope": "APPLICATION", "alias_parent_id": web["id"]}
        alias = http.post(f"/variable/{host['id']}/alias", json=body)
        assert alias.status_code == 201 and alias.json()["value"] == "redis"
        assert alias.json()["aliased_variable"]["key"] == "REDIS_HOST"
        again = {"key": "AGAIN", "alias_scope": "APPLICATION", "alias_parent_id": web["id"]}
        assert http.post(f"/variable/{alias.json()['id']}/alias", json=again).status_code == 400
        other = by_key(visible(http, api["id"]), "LOG_LEVEL")  # another service's: not seen
        assert http.post(f"/variable/{other['id']}/alias", json=again).status_code == 400
        http.delete(f"/variable/{host['id']}")
        assert "CACHE" not in {v["key"] for v in visible(http, web["id"])}


def test_a_clone_across_environments_copies_values_and_drops_environment_aliases(
    sandbox: RunningSandbox,
) -> None:
    staging = sandbox.environment_id("staging")
    preview = sandbox.environment_id("preview-101")
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        host = create(http, "REDIS_HOST", "redis", "ENVIRONMENT", staging).json()
        body = {"key": "CACHE", "alias_scope": "APPLICATION", "alias_parent_id": api["id"]}
        assert http.post(f"/variable/{host['id']}/alias", json=body).status_code == 201
        secret = {"is_secret": True}
        assert create(http, "TOKEN", "t0k", "APPLICATION", api["id"], **secret).status_code == 201
        clone = http.post(
            f"/application/{api['id']}/clone", json={"name": "api", "environment_id": preview}
        ).json()
        seen = visible(http, clone["id"])
        own = {v["key"] for v in seen if v["scope"] == "APPLICATION"}
        assert own == {"LOG_LEVEL", "DATABASE_URL", "TOKEN"}  # CACHE dropped
        copied_alias = by_key(seen, "DATABASE_URL")["aliased_variable"]["key"]
        staging_builtin = by_key(visible(http, api["id"]), "DATABASE_URL")["aliased_variable"]
        assert copied_alias == staging_builtin["key"]  # still staging's database: the danger
        http.delete(f"/application/{clone['id']}")
        assert all(
            v["parent_id"] != clone["id"] for v in sandbox.store.snapshot()["variables"].values()
        )


@pytest.mark.parametrize(("kind", "name"), [("container", "frontend"), ("job", "db-seed")])
def test_a_container_or_job_clone_copies_its_own_variables_as_an_application_does(
    sandbox: RunningSandbox, kind: str, name: str
) -> None:
    """QOVERY-NOTES, "What a clone drops": service-scope plain variables and secrets are
    copied, whatever the kind."""
    source = service_named(sandbox, kind, "staging", name)
    scope = kind.upper()
    with client(sandbox) as http:
        assert create(http, "LOG_LEVEL", "debug", scope, source["id"]).status_code == 201
        secret = {"is_secret": True}
        assert create(http, "TOKEN", "t0k", scope, source["id"], **secret).status_code == 201
        body = {"name": name, "environment_id": sandbox.environment_id("preview-101")}
        clone = http.post(f"/{kind}/{source['id']}/clone", json=body).json()
        seen = visible(http, clone["id"], scope)
    own = {v["key"]: v["value"] for v in seen if v["scope"] == scope}
    assert own == {"LOG_LEVEL": "debug", "TOKEN": None}  # the secret copied, never returned


def test_bad_variable_requests_are_refused_plainly(sandbox: RunningSandbox) -> None:
    api = app_named(sandbox, "staging", "api")
    with client(sandbox) as http:
        assert http.get("/variable").status_code == 400
        assert (
            http.get("/variable", params={"parent_id": api["id"], "scope": "HELM"}).status_code
            == 400
        )
        unknown = "00000000-0000-0000-0000-000000000000"
        assert (
            http.get("/variable", params={"parent_id": unknown, "scope": "APPLICATION"}).status_code
            == 404
        )
        assert http.post("/variable", json={"key": "K"}).status_code == 400
        assert create(http, "LOG_LEVEL", "x", "APPLICATION", api["id"]).status_code == 400
        long = "x" * 256
        assert create(http, "K", "v", "APPLICATION", api["id"], description=long).status_code == 400


def test_an_alias_of_a_built_in_is_resolved_and_goes_with_the_service_it_names(
    sandbox: RunningSandbox,
) -> None:
    api_id = app_named(sandbox, "staging", "api")["id"]
    web_id = app_named(sandbox, "staging", "web")["id"]
    host_key = f"QOVERY_APPLICATION_Z{web_id[:8].upper()}_HOST_INTERNAL"  # web's built-in
    with client(sandbox) as http:
        host = by_key(visible(http, api_id), host_key)
        body = {"key": "WEB_HOST", "alias_scope": "APPLICATION", "alias_parent_id": api_id}
        alias = http.post(f"/variable/{host['id']}/alias", json=body)
        assert alias.status_code == 201 and alias.json()["value"] == host["value"]
        assert by_key(visible(http, api_id), "WEB_HOST")["aliased_variable"]["id"] == host["id"]
        assert http.delete(f"/application/{web_id}").status_code == 204
        assert "WEB_HOST" not in {v["key"] for v in visible(http, api_id)}
