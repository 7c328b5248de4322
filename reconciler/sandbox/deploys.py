"""Environment-wide deploys, branch heads and environment statuses of every kind.

- ``GET /application/{id}/commit`` and ``GET /job/{id}/commit``: the last commits (spec
  ``Commit``) of the service's own repository and branch (a job's Dockerfile source), newest
  first. The head of a branch is seeded in the state's
  ``branches`` (``"<url>#<branch>"`` → commit id, ``seed_branch``); an unseeded branch has a
  head all the same, derived from its url and name, so that every branch can be deployed.
- ``POST /environment/{id}/service/deploy``: a ``DeployAllRequest`` (applications with
  ``git_commit_id``, containers with ``image_tag``, jobs with either): every listed service
  must belong to the environment and be of the listed kind (else 400); they all start ONE
  deployment, sharing one ``deployment_request_id``, answered as an ``EnvironmentStatus``
  (202). A service with an operation in progress makes it 409, as the spec declares.
- ``GET /environment/{id}/statuses``: the ``EnvironmentStatuses`` of applications,
  containers and jobs together.

A deployment of a version named in the state's ``deploy_failures`` (version → end state,
e.g. ``BUILD_ERROR``; ``fail_deploys_of``) ends in that state: the build failure tests need.
Durations follow the store's clock (``deploy_seconds``), which tests move.

Neighbours: ``store`` (records, ``start_action``, ``render_status``), ``services`` (the
kinds' deploy bodies, reused per item), ``server`` (``deploy_routes``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from reconciler.sandbox.answers import copy_json
from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.lifecycle import check_writable, environment_statuses
from reconciler.sandbox.lifecycle import never_deployed as _never_deployed
from reconciler.sandbox.problems import bad_request, conflict
from reconciler.sandbox.records import get_or_404, iso, render_status, start_action
from reconciler.sandbox.services import KINDS_BY_NAME, Operation, services_in
from reconciler.sandbox.store import Store

SECTIONS = {"applications": "application_id", "containers": "id", "jobs": "id"}
IGNORED_SECTIONS = ("databases", "helms", "terraforms")
COMMITS_LISTED = 3


def branch_key(url: str, branch: str) -> str:
    return f"{url.strip().lower().removesuffix('.git')}#{branch}"


def branch_head(state: JSONObject, url: str, branch: str) -> str:
    """The head commit of a branch: seeded, else derived from its url and name."""
    key = branch_key(url, branch)
    seeded = state["branches"].get(key)
    return str(seeded) if seeded else hashlib.sha1(key.encode()).hexdigest()


def seed_branch(store: Store, url: str, branch: str, commit: str) -> None:
    """Make ``commit`` the head of the branch (a push, as tests and seeds see it)."""
    with store.transaction() as txn:
        txn.state["branches"][branch_key(url, branch)] = commit
        txn.dirty = True


def fail_deploys_of(store: Store, version: str, state: str = "BUILD_ERROR") -> None:
    """Every later deployment of ``version`` (a commit or an image tag) ends in ``state``."""
    with store.transaction() as txn:
        txn.state["deploy_failures"][version] = state
        txn.dirty = True


def list_commits(store: Store, table: str, service_id: str) -> list[JSONObject]:
    """The last commits of the branch an application, or a job built from a Dockerfile, is
    built from; 400 for a job run from an image (it has no branch)."""
    with store.transaction() as txn:
        service = get_or_404(txn.state, table, service_id, table[:-1])
        if table == "jobs":
            docker = (service.get("source") or {}).get("docker")
            if not isinstance(docker, dict):
                raise bad_request("this job runs an image: it is not built from a Git branch")
            repo = docker.get("git_repository") or {}
        else:
            repo = service.get("git_repository") or {}
        head = branch_head(txn.state, str(repo.get("url", "")), str(repo.get("branch", "")))
        now = store.now()
    commits, commit = [], head
    for age in range(COMMITS_LISTED):
        commits.append(
            {
                "git_commit_id": commit,
                "created_at": iso(now - 3600 * (age + 1)),
                "author_name": "sandbox",
                "message": f"commit {commit[:7]} of {repo.get('branch')}",
                "tag": "",
            }
        )
        commit = hashlib.sha1(commit.encode()).hexdigest()  # its parent
    return commits


def deploy_environment(store: Store, environment_id: str, body: Any) -> JSONObject:
    """One deployment of the listed services of one environment (see the module doc)."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a DeployAllRequest object")
    with store.transaction() as txn:
        state = txn.state
        get_or_404(state, "environments", environment_id, "environment")
        items = [(s, i) for s, listed in _sections(body) for i in listed]
        if not items:
            raise bad_request("the request lists no service to deploy")
        services = [
            (section, _service(state, environment_id, section, i), i) for section, i in items
        ]
        now, request_id = store.now(), str(uuid.uuid4())
        for section, service, item in services:
            _version(section, copy_json(service), item)  # refused before anything starts
            check_writable(state, service["id"], now)
            record = state["deployments"].get(service["id"])
            if record and record["pending"]:
                raise conflict("an operation on a service of this environment is in progress")
        for section, service, item in services:
            version = _version(section, service, item)
            record = state["deployments"].setdefault(service["id"], _never_deployed())
            record.pop("stopped", None)  # a deploy starts it again
            start_action(
                state, service["id"], "DEPLOY", now, store.deploy_seconds, version, request_id
            )
        txn.dirty = True
        return {
            "id": environment_id,
            "state": "DEPLOYMENT_QUEUED",
            "last_deployment_state": "DEPLOYMENT_QUEUED",
            "deployment_request_id": request_id,
        }


def _sections(body: JSONObject) -> list[tuple[str, list[Any]]]:
    unknown = set(body) - set(SECTIONS) - set(IGNORED_SECTIONS)
    if unknown:
        raise bad_request(f"unknown fields in DeployAllRequest: {', '.join(sorted(unknown))}")
    found = []
    for section in SECTIONS:
        listed = body.get(section, [])
        if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
            raise bad_request(f"{section} must be a list of objects")
        found.append((section, listed))
    for section in IGNORED_SECTIONS:
        if body.get(section):
            raise bad_request(f"the sandbox deploys no {section}")
    return found


def _service(state: JSONObject, environment_id: str, section: str, item: JSONObject) -> JSONObject:
    key = SECTIONS[section]
    ident = item.get(key)
    if not isinstance(ident, str) or not ident:
        raise bad_request(f"{section}[].{key} is required")
    service: JSONObject | None = state[section].get(ident)
    if service is None or service["environment"]["id"] != environment_id:
        raise bad_request(f"{section}[]: {ident} is not a {section[:-1]} of this environment")
    return service


def _version(section: str, service: JSONObject, item: JSONObject) -> str:
    """The version the item deploys; an image's tag is taken at once (``services``)."""
    if section != "applications":
        body = {k: v for k, v in item.items() if k != "id"}
        return KINDS_BY_NAME[section[:-1]].deploy_version(service, body)
    commit = item.get("git_commit_id")
    if not isinstance(commit, str) or not commit.strip():
        raise bad_request("applications[].git_commit_id is required (a non-empty string)")
    return commit


def environment_statuses_of(store: Store, environment_id: str) -> JSONObject:
    """``GET /environment/{id}/statuses``: applications, containers and jobs."""
    with store.transaction() as txn:
        state = txn.state
        get_or_404(state, "environments", environment_id, "environment")
        now = store.now()

        def statuses(table: str) -> list[JSONObject]:
            return [
                render_status(s["id"], state["deployments"].get(s["id"], _never_deployed()), now)
                for s in services_in(state, table, environment_id)
            ]

        others = {"containers": statuses("containers"), "jobs": statuses("jobs")}
        return copy_json(environment_statuses(environment_id, statuses("applications"), others))


def deploy_routes() -> list[tuple[str, str, Operation]]:
    """The routes of this module, for ``server``."""
    return [
        (
            "GET",
            r"/application/([^/]+)/commit",
            lambda s, i, b: (200, _commits(s, "applications", i)),
        ),
        ("GET", r"/job/([^/]+)/commit", lambda s, i, b: (200, _commits(s, "jobs", i))),
        (
            "POST",
            r"/environment/([^/]+)/service/deploy",
            lambda s, i, b: (202, deploy_environment(s, i, b)),
        ),
        (
            "GET",
            r"/environment/([^/]+)/statuses",
            lambda s, i, b: (200, environment_statuses_of(s, i)),
        ),
    ]


def _commits(store: Store, table: str, service_id: str) -> JSONObject:
    return {"results": list_commits(store, table, service_id)}
