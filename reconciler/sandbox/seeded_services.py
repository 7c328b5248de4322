"""Seeding what ``seeding`` leaves to this module: container registries, containers, jobs.

Format, beside ``applications`` (see ``seeding``)::

    organizations:
      - name: Acme
        container_registries:        # optional; default: one registry, docker-hub (DOCKER_HUB)
          - {name: ghcr, kind: GITHUB_CR, url: "https://ghcr.io"}
        projects:
          - name: shop
            environments:
              - name: staging
                containers:
                  - name: frontend
                    registry: ghcr           # a registry by name (default: the first one);
                    image_name: acme/front   # or registry_id. Default image <org>/<name>,
                    tag: "1.4.2"             # tag "latest"
                    deployed: true           # default true: deployed at its tag
                    # ...any field of the spec's ContainerRequest...
                jobs:
                  - name: db-seed
                    source: {image: {image_name: acme/db-seed, tag: "2.0.1", registry: ghcr}}
                    # or {docker: {git_repository: {url, provider, branch}, dockerfile_path}};
                    # default: the image <org>/<name>:latest of the first registry
                    schedule: {on_start: {arguments: [seed]}}  # default: {on_start: {}}
                    deployed: true           # default true: at its tag, or a made-up commit
                    # ...any field of the spec's JobRequest...

Containers get the defaults of applications for ``ports`` (one public HTTP port 8080) and
``healthchecks`` (TCP probes on the first port); jobs get null probes. Names are unique per
environment across applications, containers and jobs. Ids are uuid5 of the names, as for
applications. Neighbours: ``seeding`` (calls ``add_services`` once the hierarchy and the
applications are built; its helpers are used here), ``containers`` and ``jobs`` (validation).
"""

from __future__ import annotations

import hashlib
from typing import Any

from reconciler.sandbox.applications import JSONObject
from reconciler.sandbox.seeding import (
    DEFAULT_PORT,
    SEED_TIME,
    SeedError,
    entries_of,
    finished_deployment,
    group_ref,
    nested_ids,
    refused_as_seed_error,
    seed_id,
    tcp_probes,
)
from reconciler.sandbox.services import CONTAINER, JOB, Kind, catalog_of, services_in

DEFAULT_REGISTRY = {"name": "docker-hub", "kind": "DOCKER_HUB", "url": "https://docker.io"}
REGISTRY_KINDS = (
    "ECR",
    "SCALEWAY_CR",
    "DOCKER_HUB",
    "GITHUB_CR",
    "GITHUB_ENTERPRISE_CR",
    "GITLAB_CR",
    "PUBLIC_ECR",
    "DOCR",
    "GENERIC_CR",
    "GCP_ARTIFACT_REGISTRY",
    "AZURE_CR",
)
SEED_KEYS = ("id", "deployed", "deployed_commit_id", "registry")


def add_services(state: JSONObject, data: JSONObject, origin: str) -> None:
    """Add the registries of every organization of the seed ``data``, then its containers
    and jobs, to ``state`` (which ``seeding`` built from the same ``data``)."""
    for i, org in enumerate(entries_of(data, "organizations", origin)):
        where = f"{origin}: organizations[{i}]"
        org_id = seed_id(org, "org", org["name"])
        state["registries"][org_id] = _registries(org, org_id, where)
        for j, project in enumerate(entries_of(org, "projects", where)):
            for k, env in enumerate(entries_of(project, "environments", f"{where}.projects[{j}]")):
                names = ("org", org["name"], "project", project["name"], "env", env["name"])
                env_id = seed_id(env, *names)
                env_where = f"{where}.projects[{j}].environments[{k}]"
                for kind in (CONTAINER, JOB):
                    for m, entry in enumerate(entries_of(env, kind.table, env_where)):
                        where_m = f"{env_where}.{kind.table}[{m}]"
                        _add(
                            state, kind, entry, (*names, kind.name, entry["name"]), env_id, where_m
                        )


def _registries(org: JSONObject, org_id: str, where: str) -> dict[str, JSONObject]:
    declared = entries_of(org, "container_registries", where) or [DEFAULT_REGISTRY]
    registries: dict[str, JSONObject] = {}
    for index, entry in enumerate(declared):
        kind = entry.get("kind", "GENERIC_CR")
        url = entry.get("url")
        if kind not in REGISTRY_KINDS or not isinstance(url, str) or not url:
            raise SeedError(
                f"{where}.container_registries[{index}]: needs a 'url' and a 'kind' among"
                f" {', '.join(REGISTRY_KINDS)}"
            )
        registry_id = seed_id(entry, "org", org["name"], "registry", entry["name"])
        registries[registry_id] = {
            "id": registry_id,
            "created_at": SEED_TIME,
            "updated_at": SEED_TIME,
            "name": entry["name"],
            "kind": kind,
            "description": entry.get("description", ""),
            "url": url,
            "config": {},
        }
    return registries


def _add(
    state: JSONObject,
    kind: Kind,
    entry: JSONObject,
    names: tuple[str, ...],
    env_id: str,
    where: str,
) -> None:
    service_id = seed_id(entry, *names)
    catalog = catalog_of(state, state["environments"][env_id])
    body = _with_defaults(kind, entry, names[1], catalog, where)
    with refused_as_seed_error(where, entry["name"]):
        built = kind.configure(
            body,
            previous=None,
            environment_id=env_id,
            service_id=service_id,
            now=SEED_TIME,
            new_id=nested_ids(service_id),
            catalog=catalog,
        )
    for table in ("applications", "containers", "jobs"):
        if any(
            s["name"].lower() == built["name"].lower() for s in services_in(state, table, env_id)
        ):
            raise SeedError(f"{where}: the name {entry['name']!r} is taken in its environment")
    if entry.get("deployed", True):
        version = _seeded_version(built, entry, names)
        state["deployments"][service_id] = finished_deployment(service_id, version)
    state[kind.table][service_id] = built


def _with_defaults(
    kind: Kind, entry: JSONObject, org_name: str, catalog: Any, where: str
) -> JSONObject:
    body = {k: v for k, v in entry.items() if k not in SEED_KEYS}
    registries = catalog["registries"]
    image = {
        "image_name": f"{org_name.lower()}/{entry['name'].lower()}",
        "tag": "latest",
        "registry_id": _registry_id(entry.get("registry"), registries, where),
    }
    if kind is CONTAINER:
        body = image | body
        body.setdefault("ports", [dict(DEFAULT_PORT)])
        body.setdefault("healthchecks", tcp_probes(body["ports"]))
    else:
        source = body.get("source") or {"image": {}}
        if not isinstance(source, dict):
            raise SeedError(f"{where}: source must be a mapping")
        if isinstance(source.get("image"), dict):
            given = dict(source["image"])
            ref = given.pop("registry", None)
            image["registry_id"] = _registry_id(ref, registries, where)
            source = {"image": image | given}
        body["source"] = source
        body.setdefault("schedule", {"on_start": {}})
        body.setdefault("healthchecks", {"readiness_probe": None, "liveness_probe": None})
    for key in ("annotations_groups", "labels_groups"):
        groups = catalog[key]
        body[key] = [group_ref(ref, groups, where) for ref in body.get(key) or []]
    return body


def _registry_id(ref: Any, registries: dict[str, JSONObject], where: str) -> str:
    if ref is None:
        if not registries:
            raise SeedError(f"{where}: the organization has no container registry")
        return next(iter(registries))
    for registry in registries.values():
        if ref in (registry["name"], registry["id"]):
            return str(registry["id"])
    raise SeedError(f"{where}: no container registry named {ref!r} in the organization")


def _seeded_version(built: JSONObject, entry: JSONObject, names: tuple[str, ...]) -> str:
    """The tag a seeded container or image job runs, or the commit a Git job was built at."""
    image = built.get("source", {}).get("image", built)
    if "tag" in image:
        return str(image["tag"])
    git = built["source"]["docker"]["git_repository"]
    commit = str(
        entry.get("deployed_commit_id")
        or hashlib.sha1("/".join(names).encode(), usedforsecurity=False).hexdigest()
    )
    git["deployed_commit_id"] = commit
    git["deployed_commit_date"] = SEED_TIME
    return commit
