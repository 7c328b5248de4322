"""Building full ``Application`` objects from request bodies: defaults, validation, ids.

The sandbox's answer to ``POST /environment/{id}/application`` and ``PUT /application/{id}``
(a FULL replace, QOVERY-NOTES): every configuration field absent from the body returns to
its default; ports and storage entries with an id update that entry, entries without one are
created, entries left out are deleted. Invalid bodies raise ``ApiProblem(400)``.

Also: ``clone_of`` (a copy with fresh ids, not deployed). The parts (``port_entries``,
``storage_entries``, ``healthchecks_of``, ``groups_of``, ``autoscaling_of``...) are shared
with ``containers`` and ``jobs``, which build the other kinds of service the same way.
Pure functions over JSON dicts, reading each field with ``fields``; ``services`` calls them
under the store's lock, ``seeding`` calls them to build seeded applications.
The field order of the objects built here follows the spec's ``Application`` schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from reconciler.sandbox.fields import (
    bool_field,
    enum_field,
    int_field,
    list_field,
    object_field,
    str_field,
)
from reconciler.sandbox.problems import bad_request

JSONObject = dict[str, Any]
IdFactory = Callable[[str], str]
"""Gives a fresh id for a sub-object; its argument names the sub-object (e.g. ``port/8080``)."""

MAXIMUM_CPU = 16000
MAXIMUM_MEMORY = 16384
MINIMUM_STORAGE_GIB = 4
ICON_URI = "app://qovery-console/application"
PORT_PROTOCOLS = ("HTTP", "GRPC", "TCP", "UDP")
GIT_PROVIDERS = ("BITBUCKET", "GITHUB", "GITLAB")
CPU_ARCHITECTURES = ("AMD64", "ARM64")
PROBE_KINDS = ("tcp", "http", "exec", "grpc")
PROBE_DEFAULTS = {
    "initial_delay_seconds": 30,
    "period_seconds": 10,
    "timeout_seconds": 5,
    "success_threshold": 1,
    "failure_threshold": 9,
}


# ── parts ───────────────────────────────────────────────────────────────────────────────


def git_repository_of(body: Any, previous: Mapping[str, Any] | None) -> JSONObject:
    repo = object_field(body, "git_repository")
    url = str_field(repo, "url", None, "git_repository.")
    if not url:
        raise bad_request("git_repository.url is required")
    provider = enum_field(repo, "provider", GIT_PROVIDERS, None, "git_repository.")
    if provider is None:
        raise bad_request("git_repository.provider is required")
    owner, name = _owner_and_name(url)
    token_id = str_field(repo, "git_token_id", None, "git_repository.", nullable=True)
    result: JSONObject = {
        "has_access": True,
        "provider": provider,
        "owner": owner,
        "url": url,
        "name": name,
        "branch": str_field(repo, "branch", "main", "git_repository."),
        "root_path": str_field(repo, "root_path", "/", "git_repository."),
    }
    for key in ("deployed_commit_id", "deployed_commit_date", "deployed_commit_contributor"):
        if previous and key in previous:
            result[key] = previous[key]
    result["git_token_id"] = token_id
    result["git_token_name"] = f"token-{token_id[:8]}" if token_id else None
    return result


def _owner_and_name(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.scheme not in ("http", "https") or len(parts) < 2:
        raise bad_request(f"git_repository.url must be https://host/owner/repository, got {url!r}")
    name = parts[-1].removesuffix(".git")
    return parts[-2], name


def storage_entries(
    body: list[Any], previous: list[JSONObject] | None, new_id: IdFactory
) -> list[JSONObject]:
    known = None if previous is None else {entry["id"]: entry for entry in previous}
    result: list[JSONObject] = []
    mounts: set[str] = set()
    for index, raw in enumerate(body):
        where = f"storage[{index}]."
        entry = object_field(raw, f"storage[{index}]")
        size = int_field(entry, "size", None, where)
        mount = str_field(entry, "mount_point", None, where)
        if size is None or not mount:
            raise bad_request(f"{where}size and {where}mount_point are required")
        if size < MINIMUM_STORAGE_GIB:
            raise bad_request(f"{where}size must be at least {MINIMUM_STORAGE_GIB} GiB, got {size}")
        if not mount.startswith("/"):
            raise bad_request(f"{where}mount_point must be an absolute path, got {mount!r}")
        if mount in mounts:
            raise bad_request(f"{where}mount_point {mount} appears twice")
        mounts.add(mount)
        ident = _known_id(entry, known, where)
        result.append(
            {
                "id": ident or new_id(f"storage{mount}"),
                "type": enum_field(entry, "type", ("FAST_SSD",), "FAST_SSD", where),
                "size": size,
                "mount_point": mount,
            }
        )
    return result


def _known_id(entry: Mapping[str, Any], known: Mapping[str, Any] | None, where: str) -> str | None:
    """The entry's id when it names an entry of the application; on create (``known`` None),
    ids are ignored; an unknown id on edit is a 400."""
    ident = entry.get("id")
    if ident is None or known is None:
        return None
    if ident not in known:
        raise bad_request(f"{where}id {ident!r} is not an entry of this application")
    return str(ident)


def port_entries(
    body: list[Any], previous: list[JSONObject] | None, new_id: IdFactory
) -> list[JSONObject]:
    known = None if previous is None else {entry["id"]: entry for entry in previous}
    result: list[JSONObject] = []
    seen: set[int] = set()
    for index, raw in enumerate(body):
        result.append(
            _port(object_field(raw, f"ports[{index}]"), f"ports[{index}].", known, new_id)
        )
        internal = result[-1]["internal_port"]
        if internal in seen:
            raise bad_request(f"ports[{index}].internal_port {internal} appears twice")
        seen.add(internal)
    defaults = [p for p in result if p["is_default"]]
    if len(defaults) > 1:
        raise bad_request("only one port may be is_default")
    if result and not defaults:
        result[0]["is_default"] = True
    return result


def _port(
    entry: Mapping[str, Any], where: str, known: Mapping[str, Any] | None, new_id: IdFactory
) -> JSONObject:
    internal = int_field(entry, "internal_port", None, where)
    if internal is None or not 1 <= internal <= 65535:
        raise bad_request(f"{where}internal_port must be a port number from 1 to 65535")
    if "publicly_accessible" not in entry:
        raise bad_request(f"{where}publicly_accessible is required")
    public = bool_field(entry, "publicly_accessible", False, where)
    port: JSONObject = {
        "id": _known_id(entry, known, where) or new_id(f"port/{internal}"),
        "name": str_field(entry, "name", f"p{internal}", where),
        "internal_port": internal,
    }
    external = int_field(entry, "external_port", 443 if public else None, where)
    if external is not None:
        port["external_port"] = external
    port["publicly_accessible"] = public
    port["is_default"] = bool_field(entry, "is_default", False, where)
    port["protocol"] = enum_field(entry, "protocol", PORT_PROTOCOLS, "HTTP", where)
    for key in ("public_path", "public_path_rewrite"):
        text = str_field(entry, key, None, where)
        if text is not None:
            port[key] = text
    return port


def healthchecks_of(body: Any) -> JSONObject:
    if body is None:
        raise bad_request("healthchecks is required")
    checks = object_field(body, "healthchecks")
    return {
        name: _probe(checks.get(name), f"healthchecks.{name}.")
        for name in ("readiness_probe", "liveness_probe")
    }


def _probe(body: Any, where: str) -> JSONObject | None:
    if body is None:
        return None
    probe = object_field(body, where.rstrip("."))
    kinds = object_field(probe.get("type"), f"{where}type")
    given = [kind for kind in PROBE_KINDS if kinds.get(kind) is not None]
    if len(given) != 1:
        raise bad_request(f"{where}type must hold exactly one of {', '.join(PROBE_KINDS)}")
    kind = given[0]
    settings = object_field(kinds[kind], f"{where}type.{kind}")
    probe_type: JSONObject = dict.fromkeys(PROBE_KINDS)
    probe_type[kind] = _probe_settings(kind, settings, f"{where}type.{kind}.")
    result: JSONObject = {"type": probe_type}
    for key, default in PROBE_DEFAULTS.items():
        result[key] = int_field(probe, key, default, where)
    return result


def _probe_settings(kind: str, settings: Mapping[str, Any], where: str) -> JSONObject:
    if kind == "exec":
        command = settings.get("command")
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(c, str) for c in command)
        ):
            raise bad_request(f"{where}command must be a non-empty array of strings")
        return {"command": list(command)}
    port = int_field(settings, "port", None, where)
    if port is None:
        raise bad_request(f"{where}port is required")
    if kind == "tcp":
        return {"port": port, "host": str_field(settings, "host", None, where, nullable=True)}
    if kind == "http":
        return {
            "path": str_field(settings, "path", "/", where),
            "scheme": str_field(settings, "scheme", "HTTP", where),
            "port": port,
        }
    return {"service": str_field(settings, "service", None, where, nullable=True), "port": port}


def groups_of(body: list[Any], kind: str, catalog: Mapping[str, JSONObject]) -> list[JSONObject]:
    result = []
    for index, raw in enumerate(body):
        ident = object_field(raw, f"{kind}[{index}]").get("id")
        if not isinstance(ident, str) or ident not in catalog:
            raise bad_request(f"{kind}[{index}].id {ident!r} is not a group of this organization")
        result.append(copy.deepcopy(catalog[ident]))
    return result


def autoscaling_of(body: Any, app_id: str, now: str, new_id: IdFactory) -> JSONObject:
    policy = object_field(body, "autoscaling")
    if policy.get("mode") != "KEDA":
        raise bad_request("autoscaling.mode must be KEDA")
    scalers = list_field(policy, "scalers", "autoscaling.")
    if not scalers:
        raise bad_request("autoscaling.scalers must hold at least one scaler")
    return {
        "id": new_id("autoscaling"),
        "created_at": now,
        "updated_at": now,
        "service_id": app_id,
        "mode": "KEDA",
        "polling_interval_seconds": int_field(
            policy, "polling_interval_seconds", 30, "autoscaling."
        ),
        "cooldown_period_seconds": int_field(
            policy, "cooldown_period_seconds", 300, "autoscaling."
        ),
        "scalers": [
            _scaler(
                object_field(raw, f"autoscaling.scalers[{i}]"), f"autoscaling.scalers[{i}].", now
            )
            | {"id": new_id(f"scaler/{i}")}
            for i, raw in enumerate(scalers)
        ],
    }


def _scaler(scaler: Mapping[str, Any], where: str, now: str) -> JSONObject:
    scaler_type = str_field(scaler, "scaler_type", None, where)
    if not scaler_type:
        raise bad_request(f"{where}scaler_type is required")
    config_json = scaler.get("config_json")
    if config_json is not None and not isinstance(config_json, Mapping):
        raise bad_request(f"{where}config_json must be an object")
    return {
        "created_at": now,
        "updated_at": now,
        "scaler_type": scaler_type,
        "enabled": bool_field(scaler, "enabled", True, where),
        "role": enum_field(scaler, "role", ("PRIMARY", "SAFETY"), None, where)
        or _missing(where, "role"),
        "config_json": copy.deepcopy(config_json),
        "config_yaml": str_field(scaler, "config_yaml", None, where, nullable=True),
    }


def _missing(where: str, key: str) -> str:
    raise bad_request(f"{where}{key} is required")


def resources_of(body: Mapping[str, Any]) -> JSONObject:
    """``cpu``, ``memory``, ``gpu``, then ``ephemeral_storage_in_gib`` when given: every kind's."""
    result: JSONObject = {
        "cpu": int_field(body, "cpu", 500),
        "memory": int_field(body, "memory", 512),
        "gpu": int_field(body, "gpu", 0),
    }
    ephemeral = int_field(body, "ephemeral_storage_in_gib", None)
    if ephemeral is not None:
        result["ephemeral_storage_in_gib"] = ephemeral
    return result


def service_extras(
    body: Mapping[str, Any], groups: Mapping[str, Mapping[str, JSONObject]], icon_uri: str
) -> JSONObject:
    """``auto_deploy``, the annotations and labels groups (of the organization's, by id in
    ``groups``) and ``icon_uri``: what every kind shares."""
    result: JSONObject = {"auto_deploy": bool_field(body, "auto_deploy", True)}
    for kind in ("annotations_groups", "labels_groups"):
        result[kind] = groups_of(list_field(body, kind), kind, groups.get(kind, {}))
    result["icon_uri"] = str_field(body, "icon_uri", icon_uri)
    return result


# ── the whole object ────────────────────────────────────────────────────────────────────


def configure(
    body: Any,
    *,
    previous: Mapping[str, Any] | None,
    environment_id: str,
    app_id: str,
    now: str,
    new_id: IdFactory,
    groups: Mapping[str, Mapping[str, JSONObject]],
) -> JSONObject:
    """The full Application that ``body`` (an ApplicationRequest / ApplicationEditRequest) makes.

    ``previous`` is the application being edited (None on create): it keeps the ids, the
    creation time, the name when the body has none, the repository when the body has none,
    and the ids of ports and storage entries the body refers to. ``groups`` maps
    ``"annotations_groups"`` and ``"labels_groups"`` to the organization's groups by id.
    """
    app = object_field(body, "the request body")
    result = _identity_and_build(app, previous, environment_id, app_id, now, new_id)
    result.update(_runtime(app, previous, app_id, now, new_id, groups))
    _check_ranges(result)
    return result


def _identity_and_build(
    app: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    environment_id: str,
    app_id: str,
    now: str,
    new_id: IdFactory,
) -> JSONObject:
    """The fields of ``configure`` from ``id`` to ``ephemeral_storage_in_gib``, in order."""
    prev = previous or {}
    name = str_field(app, "name", prev.get("name"), "")
    if not name or not name.strip():
        raise bad_request("name is required")
    if app.get("git_repository") is not None:
        git = git_repository_of(app["git_repository"], prev.get("git_repository"))
    elif prev.get("git_repository") is not None:
        git = copy.deepcopy(prev["git_repository"])
    else:
        raise bad_request("git_repository is required")
    result: JSONObject = {
        "id": app_id,
        "created_at": prev.get("created_at", now),
        "updated_at": now,
        "storage": storage_entries(
            list_field(app, "storage"), entries_of(previous, "storage"), new_id
        ),
        "environment": {"id": environment_id},
        "git_repository": git,
        "maximum_cpu": MAXIMUM_CPU,
        "maximum_memory": MAXIMUM_MEMORY,
        "maximun_gpu": 0,
        "name": name,
        "description": str_field(app, "description", "", "") or "",
        "build_mode": enum_field(app, "build_mode", ("DOCKER",), "DOCKER"),
        "dockerfile_path": str_field(app, "dockerfile_path", "Dockerfile", "", nullable=True),
    }
    return result | resources_of(app)


def _runtime(
    app: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    app_id: str,
    now: str,
    new_id: IdFactory,
    groups: Mapping[str, Mapping[str, JSONObject]],
) -> JSONObject:
    """The fields of ``configure`` from ``cpu_architecture`` to ``autoscaling``, in order."""
    result: JSONObject = {
        "cpu_architecture": enum_field(app, "cpu_architecture", CPU_ARCHITECTURES, "AMD64"),
        "min_running_instances": int_field(app, "min_running_instances", 1),
        "max_running_instances": int_field(app, "max_running_instances", 1),
        "healthchecks": healthchecks_of(app.get("healthchecks")),
        "auto_preview": bool_field(app, "auto_preview", True),
        "ports": port_entries(list_field(app, "ports"), entries_of(previous, "ports"), new_id),
        "arguments": arguments_of(app),
    }
    entrypoint = str_field(app, "entrypoint", None)
    if entrypoint is not None:
        result["entrypoint"] = entrypoint
    result |= service_extras(app, groups, ICON_URI)
    result["service_type"] = "APPLICATION"
    result["docker_target_build_stage"] = str_field(
        app, "docker_target_build_stage", None, "", nullable=True
    )
    if app.get("autoscaling") is not None:
        result["autoscaling"] = autoscaling_of(app["autoscaling"], app_id, now, new_id)
    return result


def entries_of(previous: Mapping[str, Any] | None, key: str) -> list[JSONObject] | None:
    return None if previous is None else list(previous.get(key) or [])


def arguments_of(app: Mapping[str, Any]) -> list[str]:
    arguments = list_field(app, "arguments")
    if not all(isinstance(a, str) for a in arguments):
        raise bad_request("arguments must be an array of strings")
    return list(arguments)


def _check_ranges(app: Mapping[str, Any]) -> None:
    check_resources(app)
    check_instances(app)


def check_resources(app: Mapping[str, Any]) -> None:
    """cpu, memory, gpu and ephemeral storage of a built service within their ranges."""
    cpu, memory = app["cpu"], app["memory"]
    if not 0 < cpu <= app["maximum_cpu"]:
        raise bad_request(f"cpu must be from 1 to maximum_cpu ({app['maximum_cpu']}), got {cpu}")
    if not 0 < memory <= app["maximum_memory"]:
        raise bad_request(
            f"memory must be from 1 to maximum_memory ({app['maximum_memory']}), got {memory}"
        )
    if app["gpu"] < 0:
        raise bad_request(f"gpu must be at least 0, got {app['gpu']}")
    if app.get("ephemeral_storage_in_gib", 0) < 0:
        raise bad_request("ephemeral_storage_in_gib must be at least 0")


def check_instances(app: Mapping[str, Any]) -> None:
    """min and max running instances of a built service: 0 <= min <= max, or max -1."""
    low, high = app["min_running_instances"], app["max_running_instances"]
    if low < 0:
        raise bad_request(f"min_running_instances must be at least 0, got {low}")
    if high != -1 and high < low:
        raise bad_request(
            f"max_running_instances ({high}) must be at least min_running_instances ({low}),"
            " or -1 for no limit"
        )


def clone_of(
    source: Mapping[str, Any],
    *,
    app_id: str,
    name: str,
    environment_id: str,
    now: str,
    new_id: IdFactory,
) -> JSONObject:
    """A copy of ``source``: the whole configuration, fresh ids, not deployed."""
    clone = copy.deepcopy(dict(source))
    clone.update(id=app_id, created_at=now, updated_at=now, name=name)
    clone["environment"] = {"id": environment_id}
    for entry in clone.get("storage", []):
        entry["id"] = new_id(f"storage{entry['mount_point']}")
    for port in clone.get("ports", []):
        port["id"] = new_id(f"port/{port['internal_port']}")
    for key in list(clone.get("git_repository", {})):
        if key.startswith("deployed_commit_"):
            del clone["git_repository"][key]
    autoscaling = clone.get("autoscaling")
    if autoscaling:
        autoscaling.update(id=new_id("autoscaling"), service_id=app_id, created_at=now)
        autoscaling["updated_at"] = now
        for index, scaler in enumerate(autoscaling.get("scalers", [])):
            scaler.update(id=new_id(f"scaler/{index}"), created_at=now, updated_at=now)
    return clone
