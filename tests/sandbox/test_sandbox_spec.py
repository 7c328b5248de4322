"""Every response of every endpoint the sandbox serves, checked against the real Qovery spec.

The status code must be one the spec declares for that path and method; a JSON body must
validate (OpenAPI 3.0 rules: ``nullable``, ``readOnly``, ``allOf``/``oneOf``) against the
declared schema. The spec is read from ``../shared/qovery-openapi.yaml`` beside the repository,
once per module; the test is skipped, saying so, when that file is absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from helpers_sandbox import app_named, client, container_body, edit_body, job_body, service_named
from helpers_spec import SPEC_PATH, qovery_spec

from reconciler.sandbox import RunningSandbox, start


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        pytest.skip(f"the Qovery OpenAPI spec is not at {SPEC_PATH.resolve()}")
    return qovery_spec()


class Checker:
    """Checks responses against the spec and remembers which operations it saw."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from openapi_schema_validator import OAS30ReadValidator

        self.spec = spec
        self.validator_class = OAS30ReadValidator
        self.seen: set[tuple[str, str, int]] = set()

    def check(self, template: str, response: httpx.Response) -> httpx.Response:
        method = response.request.method.lower()
        operation = self.spec["paths"][template][method]
        status = str(response.status_code)
        declared = operation["responses"]
        assert status in declared, (
            f"{method.upper()} {template}: {status} not in {sorted(declared)}"
        )
        answer = self._resolve(declared[status])
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            root = {**schema, "components": self.spec["components"]}
            errors = sorted(
                self.validator_class(root).iter_errors(response.json()), key=lambda e: list(e.path)
            )
            assert not errors, f"{method.upper()} {template} {status}: " + "; ".join(
                f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]
            )
        self.seen.add((method.upper(), template, response.status_code))
        return response

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            section, name = node["$ref"].split("/")[-2:]
            node = self.spec["components"][section][name]
        return node


@pytest.fixture
def checked(spec: dict[str, Any]) -> Iterator[tuple[RunningSandbox, httpx.Client, Checker]]:
    with start(deploy_seconds=0.1) as sandbox, client(sandbox) as http:
        yield sandbox, http, Checker(spec)


def test_every_endpoint_answers_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    orgs = c.check("/organization", http.get("/organization")).json()["results"]
    org = orgs[0]["id"]
    projects = c.check(
        "/organization/{organizationId}/project", http.get(f"/organization/{org}/project")
    )
    project = projects.json()["results"][0]["id"]
    c.check("/project/{projectId}/environment", http.get(f"/project/{project}/environment"))
    c.check(
        "/organization/{organizationId}/environments", http.get(f"/organization/{org}/environments")
    )
    staging = sandbox.environment_id("staging")
    target = sandbox.environment_id("preview-101")
    apps = "/environment/{environmentId}/application"
    for env in (staging, target):
        c.check(apps, http.get(f"/environment/{env}/application"))
        c.check(apps + "/status", http.get(f"/environment/{env}/application/status"))

    one = "/application/{applicationId}"
    for name in ("api", "web", "worker"):
        app = app_named(sandbox, "staging", name)
        c.check(one, http.get(f"/application/{app['id']}"))
        c.check(one + "/status", http.get(f"/application/{app['id']}/status"))
        clone = c.check(
            one + "/clone",
            http.post(
                f"/application/{app['id']}/clone", json={"name": name, "environment_id": target}
            ),
        ).json()
        c.check(one + "/status", http.get(f"/application/{clone['id']}/status"))
        c.check(one, http.put(f"/application/{clone['id']}", json=edit_body(clone, cpu=250)))
        c.check(
            one + "/deploy",
            http.post(f"/application/{clone['id']}/deploy", json={"git_commit_id": "abc"}),
        )
        c.check(one + "/status", http.get(f"/application/{clone['id']}/status"))
    time.sleep(0.15)
    c.check(apps + "/status", http.get(f"/environment/{target}/application/status"))
    c.check(apps, http.get(f"/environment/{target}/application"))

    api = app_named(sandbox, "staging", "api")
    scaler = {"scaler_type": "cpu", "role": "PRIMARY", "config_json": {"value": "60"}}
    label = next(iter(next(iter(sandbox.state()["groups"].values()))["labels_groups"]))
    c.check(
        one,
        http.put(
            f"/application/{api['id']}",
            json=edit_body(
                api,
                autoscaling={"mode": "KEDA", "scalers": [scaler]},
                labels_groups=[{"id": label}],
                healthchecks={"readiness_probe": {"type": {"exec": {"command": ["true"]}}}},
            ),
        ),
    )
    created = c.check(
        apps, http.post(f"/environment/{target}/application", json=edit_body(api, name="new"))
    )
    c.check(one, http.delete(f"/application/{created.json()['id']}"))


def test_error_answers_are_declared_by_the_spec(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    api = app_named(sandbox, "staging", "api")
    web = app_named(sandbox, "staging", "web")
    staging = sandbox.environment_id("staging")
    one = "/application/{applicationId}"
    c.check("/organization", http.get("/organization", headers={"Authorization": "Token wrong"}))
    c.check("/organization/{organizationId}/project", http.get("/organization/nope/project"))
    c.check("/project/{projectId}/environment", http.get("/project/nope/environment"))
    c.check("/environment/{environmentId}/application", http.get("/environment/nope/application"))
    c.check(
        "/environment/{environmentId}/application/status",
        http.get("/environment/x/application/status"),
    )
    c.check(
        "/environment/{environmentId}/application",
        http.post(f"/environment/{staging}/application", json=edit_body(api)),
    )
    c.check(
        "/environment/{environmentId}/application",
        http.post(f"/environment/{staging}/application", json={"name": "x"}),
    )
    for response in (
        http.get("/application/nope"),
        http.put("/application/nope", json=edit_body(api)),
        http.put(f"/application/{api['id']}", json=edit_body(api, cpu=99999)),
        http.put(f"/application/{api['id']}", json=edit_body(api, name="WEB")),
        http.delete("/application/nope"),
    ):
        c.check(one, response)
    clone = one + "/clone"
    c.check(
        clone,
        http.post(
            f"/application/{api['id']}/clone", json={"name": "Web", "environment_id": staging}
        ),
    )
    c.check(
        clone,
        http.post(f"/application/{api['id']}/clone", json={"name": "x", "environment_id": "nope"}),
    )
    c.check(
        clone, http.post("/application/nope/clone", json={"name": "x", "environment_id": staging})
    )
    deploy = one + "/deploy"
    c.check(deploy, http.post(f"/application/{web['id']}/deploy", json={}))
    c.check(deploy, http.post(f"/application/{web['id']}/deploy", json={"git_commit_id": "a"}))
    c.check(deploy, http.post(f"/application/{web['id']}/deploy", json={"git_commit_id": "a"}))
    c.check(deploy, http.post("/application/nope/deploy", json={"git_commit_id": "a"}))
    c.check(one + "/status", http.get("/application/nope/status"))
    assert {status for _, _, status in c.seen} == {400, 401, 404, 409, 202}


def test_the_plain_reads_answer_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    env = c.check(
        "/environment/{environmentId}", http.get(f"/environment/{sandbox.environment_id('qa')}")
    ).json()
    c.check("/project/{projectId}", http.get(f"/project/{env['project']['id']}"))
    org = env["organization"]["id"]
    c.check("/organization/{organizationId}", http.get(f"/organization/{org}"))
    registries = "/organization/{organizationId}/containerRegistry"
    c.check(registries, http.get(f"/organization/{org}/containerRegistry"))
    for template in ("/organization/{organizationId}", registries):
        c.check(template, http.get(template.replace("{organizationId}", "nope")))
    c.check("/project/{projectId}", http.get("/project/nope"))
    c.check("/environment/{environmentId}", http.get("/environment/nope"))
    assert {status for _, _, status in c.seen} == {200, 404}


def _demo_service(
    sandbox: RunningSandbox, kind: str
) -> tuple[dict[str, Any], Callable[..., dict[str, Any]]]:
    """The demo's service of ``kind`` in staging, and how a request body is made from one."""
    if kind == "container":
        return service_named(sandbox, kind, "staging", "frontend"), container_body
    return service_named(sandbox, kind, "staging", "db-seed"), job_body


@pytest.mark.parametrize("kind", ["container", "job"])
def test_container_and_job_endpoints_answer_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker], kind: str
) -> None:
    sandbox, http, c = checked
    source, body = _demo_service(sandbox, kind)
    target = sandbox.environment_id("preview-101")
    many, one = f"/environment/{{environmentId}}/{kind}", f"/{kind}/{{{kind}Id}}"
    for env in (sandbox.environment_id("staging"), target):
        c.check(many, http.get(f"/environment/{env}/{kind}"))
        c.check(many + "/status", http.get(f"/environment/{env}/{kind}/status"))
    c.check(one, http.get(f"/{kind}/{source['id']}"))
    clone = c.check(
        one + "/clone",
        http.post(f"/{kind}/{source['id']}/clone", json={"name": "copy", "environment_id": target}),
    ).json()
    url = f"/{kind}/{clone['id']}"
    c.check(one + "/status", http.get(f"{url}/status"))
    c.check(one, http.put(url, json=body(clone, cpu=250, description="edited")))
    c.check(one + "/deploy", http.post(f"{url}/deploy", json={"image_tag": "9.9"}))
    c.check(one + "/deploy", http.post(f"{url}/deploy", json={"image_tag": "9.9"}))  # 409
    time.sleep(0.15)
    c.check(one + "/status", http.get(f"{url}/status"))
    c.check(one + "/stop", http.post(f"{url}/stop"))
    c.check(one + "/stop", http.post(f"{url}/stop"))  # 409: in progress
    created = c.check(many, http.post(f"/environment/{target}/{kind}", json=body(source)))
    c.check(many, http.post(f"/environment/{target}/{kind}", json=body(source)))  # 409
    c.check(one, http.delete(f"/{kind}/{created.json()['id']}"))
    assert {status for _, _, status in c.seen} == {200, 201, 202, 204, 409}


def test_a_cron_job_built_from_git_answers_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    repo = {"url": "https://github.com/acme/cleaner.git", "provider": "GITHUB"}
    body = {
        "name": "cleaner",
        "healthchecks": {},
        "schedule": {"cronjob": {"scheduled_at": "0 3 * * *"}},
        "source": {"docker": {"git_repository": repo}},
    }
    env = sandbox.environment_id("analytics")
    job = c.check(
        "/environment/{environmentId}/job", http.post(f"/environment/{env}/job", json=body)
    )
    one = "/job/{jobId}"
    url = f"/job/{job.json()['id']}"
    c.check(one + "/deploy", http.post(f"{url}/deploy", json={"git_commit_id": "c0ffee"}))
    time.sleep(0.15)
    c.check(one, http.get(url))
    c.check("/environment/{environmentId}/job", http.get(f"/environment/{env}/job"))


@pytest.mark.parametrize("kind", ["container", "job"])
def test_container_and_job_errors_are_declared_by_the_spec(
    checked: tuple[RunningSandbox, httpx.Client, Checker], kind: str
) -> None:
    sandbox, http, c = checked
    source, body = _demo_service(sandbox, kind)
    staging = sandbox.environment_id("staging")
    many, one = f"/environment/{{environmentId}}/{kind}", f"/{kind}/{{{kind}Id}}"
    url = f"/{kind}/{source['id']}"
    c.check(many, http.get(f"/environment/nope/{kind}"))
    c.check(many + "/status", http.get(f"/environment/nope/{kind}/status"))
    c.check(many, http.post(f"/environment/{staging}/{kind}", json={"name": "x"}))
    c.check(many, http.post(f"/environment/{staging}/{kind}", json=body(source, name="API")))
    for response in (
        http.get(f"/{kind}/nope"),
        http.put(url, json=body(source, healthchecks=None)),
        http.put(url, json=body(source, name="web")),
        http.put(f"/{kind}/nope", json=body(source)),
        http.delete(f"/{kind}/nope"),
    ):
        c.check(one, response)
    clone = {"name": "Worker", "environment_id": staging}
    c.check(one + "/clone", http.post(f"{url}/clone", json=clone))
    c.check(one + "/clone", http.post(f"/{kind}/nope/clone", json=clone))
    c.check(one + "/deploy", http.post(f"{url}/deploy", json={}))
    c.check(one + "/deploy", http.post(f"/{kind}/nope/deploy", json={"image_tag": "1"}))
    c.check(one + "/stop", http.post(f"/{kind}/nope/stop"))
    c.check(one + "/status", http.get(f"/{kind}/nope/status"))
    assert {status for _, _, status in c.seen} == {400, 404, 409}


def test_an_application_stop_answers_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    api = app_named(sandbox, "staging", "api")
    stop = "/application/{applicationId}/stop"
    c.check(stop, http.post(f"/application/{api['id']}/stop"))
    c.check(stop, http.post(f"/application/{api['id']}/stop"))
    c.check(stop, http.post("/application/nope/stop"))
    assert {status for _, _, status in c.seen} == {202, 404, 409}


def test_the_checker_rejects_what_the_spec_forbids(spec: dict[str, Any]) -> None:
    checker = Checker(spec)
    request = httpx.Request("GET", "http://sandbox/application/x")
    wrong_type = httpx.Response(200, json={"id": "x", "cpu": "500"}, request=request)
    undeclared = httpx.Response(418, json={}, request=request)
    with pytest.raises(AssertionError, match="healthchecks"):
        checker.check("/application/{applicationId}", wrong_type)
    with pytest.raises(AssertionError, match="418 not in"):
        checker.check("/application/{applicationId}", undeclared)


def test_the_variable_endpoints_answer_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    api = app_named(sandbox, "staging", "api")
    staging = sandbox.environment_id("staging")
    listed = c.check(
        "/variable", http.get("/variable", params={"parent_id": api["id"], "scope": "APPLICATION"})
    ).json()["results"]
    assert any(v["variable_type"] == "BUILT_IN" for v in listed)
    assert any(v["variable_type"] == "ALIAS" for v in listed)
    c.check(
        "/variable", http.get("/variable", params={"parent_id": staging, "scope": "ENVIRONMENT"})
    )
    made = {"key": "REDIS_HOST", "value": "redis", "is_secret": False}
    env_var = c.check(
        "/variable",
        http.post(
            "/variable",
            json=made | {"variable_scope": "ENVIRONMENT", "variable_parent_id": staging},
        ),
    ).json()
    secret = {"key": "TOKEN", "value": "t", "is_secret": True, "variable_scope": "APPLICATION"}
    created = c.check(
        "/variable", http.post("/variable", json=secret | {"variable_parent_id": api["id"]})
    ).json()
    one = "/variable/{variableId}"
    c.check(one, http.put(f"/variable/{created['id']}", json={"key": "TOKEN", "value": "u"}))
    alias = {"key": "CACHE", "alias_scope": "APPLICATION", "alias_parent_id": api["id"]}
    c.check(one + "/alias", http.post(f"/variable/{env_var['id']}/alias", json=alias))
    override = {"value": "mine", "override_scope": "APPLICATION", "override_parent_id": api["id"]}
    c.check(one + "/override", http.post(f"/variable/{env_var['id']}/override", json=override))
    c.check(one, http.delete(f"/variable/{created['id']}"))
    c.check(one, http.delete(f"/variable/{env_var['id']}"))
    # errors the spec declares
    c.check("/variable", http.post("/variable", json={"key": "K"}))
    c.check("/variable", http.get("/variable", params={"parent_id": staging, "scope": "PROJECT"}))
    c.check(one, http.delete(f"/variable/{created['id']}"))
    c.check(one + "/alias", http.post(f"/variable/{created['id']}/alias", json=alias))
    statuses = {status for method, template, status in c.seen if template.startswith("/variable")}
    assert statuses == {200, 201, 204, 400, 404}


def test_commits_environment_deploys_and_statuses_answer_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    env = sandbox.environment_id("staging")
    api = app_named(sandbox, "staging", "api")
    frontend = service_named(sandbox, "container", "staging", "frontend")
    seed = service_named(sandbox, "job", "staging", "db-seed")
    commits = "/application/{applicationId}/commit"
    heads = c.check(commits, http.get(f"/application/{api['id']}/commit")).json()["results"]
    c.check(commits, http.get("/application/nope/commit"))
    deploy = "/environment/{environmentId}/service/deploy"
    body = {
        "applications": [{"application_id": api["id"], "git_commit_id": heads[0]["git_commit_id"]}],
        "containers": [{"id": frontend["id"], "image_tag": "9.9"}],
        "jobs": [{"id": seed["id"], "image_tag": "3.0"}],
    }
    answer = c.check(deploy, http.post(f"/environment/{env}/service/deploy", json=body)).json()
    c.check(deploy, http.post(f"/environment/{env}/service/deploy", json=body))  # 409
    other = sandbox.environment_id("preview-101")
    c.check(deploy, http.post(f"/environment/{other}/service/deploy", json=body))  # 400
    c.check(deploy, http.post(f"/environment/{env}/service/deploy", json={"applications": 1}))
    c.check(deploy, http.post("/environment/nope/service/deploy", json=body))  # 404
    statuses = "/environment/{environmentId}/statuses"
    seen = c.check(statuses, http.get(f"/environment/{env}/statuses")).json()
    listed = [*seen["applications"], *seen["containers"], *seen["jobs"]]
    ours = {s["id"]: s for s in listed if s["id"] in (api["id"], frontend["id"], seed["id"])}
    assert len(ours) == 3  # every kind, in one call
    assert {s["deployment_request_id"] for s in ours.values()} == {answer["deployment_request_id"]}
    assert {status for _, _, status in c.seen} == {200, 202, 400, 404, 409}


def test_the_organization_s_light_listing_of_services_answers_as_the_spec_says(
    checked: tuple[RunningSandbox, httpx.Client, Checker],
) -> None:
    sandbox, http, c = checked
    staging = sandbox.environment_id("staging")
    env = http.get(f"/environment/{staging}").json()
    org, project = env["organization"]["id"], env["project"]["id"]
    many = "/organization/{organizationId}/services"
    every = c.check(many, http.get(f"/organization/{org}/services")).json()["results"]
    types = {s["service_type"] for s in every}
    assert (
        {"APPLICATION", "CONTAINER", "JOB"}
        <= types
        <= {"APPLICATION", "CONTAINER", "JOB", "DATABASE"}
    )
    api = app_named(sandbox, "staging", "api")
    assert next(s for s in every if s["id"] == api["id"])["description"] == api["description"]
    assert all(s["job_type"] in ("CRON", "LIFECYCLE") for s in every if s["service_type"] == "JOB")
    filters = (
        {"environment_id": staging},
        {"project_id": project},
        {"project_id": project, "environment_id": staging, "cluster_id": env["cluster_id"]},
        {"environment_id": "nope"},
    )
    for query in filters:
        kept = c.check(many, http.get(f"/organization/{org}/services", params=query)).json()
        wanted = [s for s in every if all(s[k] == v for k, v in query.items())]
        assert kept["results"] == wanted, query
    assert {s["environment_id"] for s in every} > {staging}
    # the spec declares only its 200; an unknown organization and a bad token answer as the
    # organization's other routes do
    assert http.get("/organization/nope/services").status_code == 404
    wrong = {"Authorization": "Token wrong"}
    assert http.get(f"/organization/{org}/services", headers=wrong).status_code == 401
