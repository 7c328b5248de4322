"""Seeds: the YAML (or dict) that says what the sandbox holds when it starts.

Format (only names are required; ids default to uuid5 of the names, so that runs are
reproducible)::

    organizations:
      - name: Acme
        id: 5f0c...                  # optional, any UUID
        plan: ENTERPRISE             # optional
        annotations_groups:          # optional groups of the organization, referred to by
          - {name: team, annotations: [{key: team, value: shop}], scopes: [DEPLOYMENTS]}
        labels_groups:               # applications as [name] or [{id}]
          - {name: cost, labels: [{key: cost-center, value: "42"}]}
        projects:
          - name: shop
            environments:
              - name: staging
                mode: STAGING        # DEVELOPMENT (default) | PREVIEW | PRODUCTION | STAGING
                applications:
                  - name: api
                    deployed: true   # default true: a deployed commit, status DEPLOYED
                    # ...any field of the spec's ApplicationRequest...
                    variables:       # optional: its own variables (APPLICATION scope)
                      LOG_LEVEL: info
                      DATABASE_URL: {alias: {service: postgres, builtin: DATABASE_URL_INTERNAL}}
                databases:           # optional: managed databases, with their built-ins
                  - {name: postgres, type: POSTGRESQL}   # type default POSTGRESQL
                containers: [...]    # and container_registries on the organization:
                jobs: [...]          # see ``seeded_services``

Defaults for applications (besides those of ``applications.configure``: cpu 500, memory
512, min 1, max 1, build_mode DOCKER, dockerfile_path "Dockerfile", auto_preview and
auto_deploy true, description ""...): without ``ports``, one public HTTP port 8080; without
``healthchecks``, TCP readiness and liveness probes on the first port (null probes when there
is no port); ``git_repository`` is laid over ``https://github.com/<org>/<app>.git``, GITHUB,
branch main. Every seeded object is created at ``SEED_TIME``.

A seed may be a path to a YAML file, a dict of that shape (benchmarks build big
organizations in code), or None for the shipped demo seed (``demo-seed.yaml``).
Neighbours: ``store`` (the state built here), ``applications`` (validation of each app).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import yaml

from reconciler.sandbox.applications import JSONObject, configure
from reconciler.sandbox.backends import empty_state
from reconciler.sandbox.problems import ApiProblem, SandboxError
from reconciler.sandbox.store import new_environment
from reconciler.sandbox.variable_writes import create_alias, create_variable
from reconciler.sandbox.variables import builtins_of

SEED_TIME = "2026-01-01T00:00:00.000Z"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reconciler.invalid/sandbox")
ENVIRONMENT_MODES = ("DEVELOPMENT", "PREVIEW", "PRODUCTION", "STAGING")
DEFAULT_PORT = {
    "internal_port": 8080,
    "protocol": "HTTP",
    "publicly_accessible": True,
    "is_default": True,
}


def nested_ids(owner_id: str) -> Callable[[str], str]:
    """The ids of a seeded service's nested objects (ports, storage), derived from its own:
    the same seed makes the same ids."""
    return lambda key: str(uuid.uuid5(uuid.UUID(owner_id), key))


@contextlib.contextmanager
def refused_as_seed_error(where: str, name: str) -> Iterator[None]:
    """An entry the API would refuse is a ``SeedError`` naming its place in the seed."""
    try:
        yield
    except ApiProblem as problem:
        raise SeedError(f"{where} ({name}): {problem.detail}") from None


class SeedError(SandboxError):
    """A seed that cannot be read or does not describe a valid organization."""


def read_seed(seed: str | os.PathLike[str] | JSONObject | None) -> tuple[JSONObject, str]:
    """The seed as a dict, and a name for it in messages."""
    if isinstance(seed, dict):
        return seed, "the seed"
    if seed is None:
        text = resources.files("reconciler.sandbox").joinpath("demo-seed.yaml").read_text("utf-8")
        origin = "the demo seed"
    else:
        origin = f"seed file {os.fspath(seed)}"
        try:
            with open(seed, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise SeedError(f"cannot read {origin}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise SeedError(
                f"{origin} is not UTF-8 text (byte {exc.object[exc.start]:#04x})"
            ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeedError(f"{origin} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "organizations" not in data:
        raise SeedError(f"{origin} must be a mapping with an 'organizations' list")
    return data, origin


def build_state(seed: str | os.PathLike[str] | JSONObject | None) -> JSONObject:
    """The store state a seed describes; ``SeedError`` names the faulty place."""
    data, origin = read_seed(seed)
    state = empty_state()
    for i, org in enumerate(entries_of(data, "organizations", origin)):
        _add_organization(state, org, f"{origin}: organizations[{i}]")
    from reconciler.sandbox.seeded_services import add_services  # it uses this module's parts

    add_services(state, data, origin)
    return state


def entries_of(parent: Any, key: str, where: str) -> list[JSONObject]:
    value = parent.get(key) or []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise SeedError(f"{where}: {key!r} must be a list of mappings")
    for index, entry in enumerate(value):
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise SeedError(f"{where}: {key}[{index}] needs a 'name'")
    return value


def seed_id(entry: JSONObject, *names: str) -> str:
    given = entry.get("id")
    if given is not None:
        try:
            return str(uuid.UUID(str(given)))
        except ValueError:
            raise SeedError(f"{'/'.join(names)}: id {given!r} is not a UUID") from None
    return str(uuid.uuid5(NAMESPACE, "/".join(n.lower() for n in names)))


def _add_organization(state: JSONObject, org: JSONObject, where: str) -> None:
    org_id = seed_id(org, "org", org["name"])
    state["organizations"][org_id] = {
        "id": org_id,
        "created_at": SEED_TIME,
        "updated_at": SEED_TIME,
        "name": org["name"],
        "description": org.get("description"),
        "plan": org.get("plan", "ENTERPRISE"),
        "website_url": None,
        "repository": None,
        "logo_url": None,
        "icon_url": None,
        "admin_emails": None,
        "owner": str(uuid.uuid5(NAMESPACE, f"owner/{org['name'].lower()}")),
        "billing_deployment_restriction": None,
        "organization_plan": {"plan": org.get("plan", "ENTERPRISE")},
    }
    state["groups"][org_id] = {
        "annotations_groups": _groups(org, "annotations_groups", org_id, where),
        "labels_groups": _groups(org, "labels_groups", org_id, where),
    }
    for j, project in enumerate(entries_of(org, "projects", where)):
        _add_project(state, project, org, org_id, f"{where}.projects[{j}]")


def _groups(org: JSONObject, kind: str, org_id: str, where: str) -> dict[str, JSONObject]:
    groups: dict[str, JSONObject] = {}
    for group in entries_of(org, kind, where):
        group_id = seed_id(group, "org", org["name"], kind, group["name"])
        body: JSONObject = {"id": group_id, "created_at": SEED_TIME, "updated_at": SEED_TIME}
        if kind == "annotations_groups":
            body |= {
                "name": group["name"],
                "annotations": group.get("annotations", []),
                "scopes": group.get("scopes", ["DEPLOYMENTS"]),
            }
        else:
            labels = [
                {"propagate_to_cloud_provider": False} | dict(label)
                for label in group.get("labels", [])
            ]
            body |= {"name": group["name"], "labels": labels}
        groups[group_id] = body
    return groups


def _add_project(
    state: JSONObject, project: JSONObject, org: JSONObject, org_id: str, where: str
) -> None:
    project_id = seed_id(project, "org", org["name"], "project", project["name"])
    state["projects"][project_id] = {
        "id": project_id,
        "created_at": SEED_TIME,
        "updated_at": SEED_TIME,
        "name": project["name"],
        "description": project.get("description", ""),
        "associated_environments_count": 0,
        "organization": {"id": org_id},
    }
    for k, env in enumerate(entries_of(project, "environments", where)):
        names = ("org", org["name"], "project", project["name"], "env", env["name"])
        env_id = seed_id(env, *names)
        mode = env.get("mode", "DEVELOPMENT")
        if mode not in ENVIRONMENT_MODES:
            raise SeedError(f"{where}.environments[{k}]: mode must be one of {ENVIRONMENT_MODES}")
        state["environments"][env_id] = new_environment(
            env_id, env["name"], mode, org_id, project_id, SEED_TIME
        )
        env_where = f"{where}.environments[{k}]"
        for database in entries_of(env, "databases", env_where):
            _add_database(state, database, (*names, "db", database["name"]), env_id)
        for m, app in enumerate(entries_of(env, "applications", env_where)):
            _add_application(
                state,
                app,
                (*names, "app", app["name"]),
                env_id,
                org_id,
                f"{env_where}.applications[{m}]",
            )


def _add_database(
    state: JSONObject, database: JSONObject, names: tuple[str, ...], env_id: str
) -> None:
    """A managed database: listed by ``GET /environment/{id}/database``, with built-ins."""
    db_id = seed_id(database, *names)
    state.setdefault("databases", {})[db_id] = {
        "id": db_id,
        "created_at": SEED_TIME,
        "updated_at": SEED_TIME,
        "name": database["name"],
        "type": database.get("type", "POSTGRESQL"),
        "version": str(database.get("version", "16")),
        "mode": database.get("mode", "CONTAINER"),
        "accessibility": "PRIVATE",
        "environment": {"id": env_id},
    }


def _add_application(
    state: JSONObject,
    app: JSONObject,
    names: tuple[str, ...],
    env_id: str,
    org_id: str,
    where: str,
) -> None:
    app_id = seed_id(app, *names)
    groups = state["groups"][org_id]
    body = _with_defaults(app, org_name=names[1], groups=groups, where=where)
    with refused_as_seed_error(where, app["name"]):
        built = configure(
            body,
            previous=None,
            environment_id=env_id,
            app_id=app_id,
            now=SEED_TIME,
            new_id=nested_ids(app_id),
            groups=groups,
        )
    if any(
        a["name"].lower() == built["name"].lower() and a["environment"]["id"] == env_id
        for a in state["applications"].values()
    ):
        raise SeedError(f"{where}: a second application named {app['name']!r}")
    if app.get("deployed", True):
        commit = (
            app.get("deployed_commit_id")
            or hashlib.sha1("/".join(names).encode(), usedforsecurity=False).hexdigest()
        )
        built["git_repository"]["deployed_commit_id"] = commit
        built["git_repository"]["deployed_commit_date"] = SEED_TIME
        state["deployments"][app_id] = finished_deployment(app_id, commit)
    state["applications"][app_id] = built
    _add_variables(state, app.get("variables") or {}, app_id, where)


def _add_variables(state: JSONObject, variables: Any, app_id: str, where: str) -> None:
    """An application's own variables: text, or ``{alias: {service, builtin}}`` of a built-in
    of its environment."""
    if not isinstance(variables, dict):
        raise SeedError(f"{where}: 'variables' must be a mapping")
    env_id = state["applications"][app_id]["environment"]["id"]
    for key, value in variables.items():
        try:
            if isinstance(value, dict):
                target = _builtin_id(state, env_id, value.get("alias"), f"{where}.variables.{key}")
                body = {"key": key, "alias_scope": "APPLICATION", "alias_parent_id": app_id}
                create_alias(state, target, body, SEED_TIME, _variable_id(app_id, key))
            else:
                body = {"key": key, "value": str(value), "is_secret": False}
                body |= {"variable_scope": "APPLICATION", "variable_parent_id": app_id}
                create_variable(state, body, SEED_TIME, _variable_id(app_id, key))
        except ApiProblem as problem:
            raise SeedError(f"{where}.variables.{key}: {problem.detail}") from None


def _variable_id(app_id: str, key: str) -> str:
    return str(uuid.uuid5(uuid.UUID(app_id), f"variable/{key}"))


def _builtin_id(state: JSONObject, env_id: str, alias: Any, where: str) -> str:
    service = alias.get("service") if isinstance(alias, dict) else None
    suffix = alias.get("builtin") if isinstance(alias, dict) else None
    for builtin in builtins_of(state, env_id):
        if builtin["service"]["name"] == service and builtin["key"].endswith(f"_{suffix}"):
            return str(builtin["id"])
    raise SeedError(f"{where}: no built-in {suffix!r} of a service {service!r} in its environment")


def _with_defaults(app: JSONObject, *, org_name: str, groups: JSONObject, where: str) -> JSONObject:
    skipped = ("id", "deployed", "deployed_commit_id", "variables")
    body = {k: v for k, v in app.items() if k not in skipped}
    body.setdefault("ports", [dict(DEFAULT_PORT)])
    if "healthchecks" not in body:
        body["healthchecks"] = tcp_probes(body["ports"])
    repo = {
        "url": f"https://github.com/{org_name.lower()}/{app['name'].lower()}.git",
        "provider": "GITHUB",
        "branch": "main",
    }
    given = body.get("git_repository") or {}
    if not isinstance(given, dict):
        raise SeedError(f"{where}: git_repository must be a mapping")
    body["git_repository"] = repo | given
    for kind in ("annotations_groups", "labels_groups"):
        body[kind] = [group_ref(ref, groups[kind], where) for ref in body.get(kind) or []]
    return body


def group_ref(ref: Any, groups: dict[str, JSONObject], where: str) -> JSONObject:
    if isinstance(ref, dict):
        return ref
    for group in groups.values():
        if group["name"] == ref:
            return {"id": group["id"]}
    raise SeedError(f"{where}: no group named {ref!r} in the organization")


def tcp_probes(ports: Any) -> JSONObject:
    if not isinstance(ports, list) or not ports or not isinstance(ports[0], dict):
        return {"readiness_probe": None, "liveness_probe": None}
    probe = {"type": {"tcp": {"port": ports[0].get("internal_port")}}}
    return {"readiness_probe": probe, "liveness_probe": probe}


def finished_deployment(app_id: str, commit: str) -> JSONObject:
    return {
        "count": 1,
        "request_id": str(uuid.uuid5(uuid.UUID(app_id), "deployment/1")),
        "requested_at": 0.0,
        "seconds": 0.0,
        "commit": commit,
        "finished_date": SEED_TIME,
        "pending": False,
        "out_of_date": False,
    }
