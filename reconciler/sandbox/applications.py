"""Building full ``Application`` objects from request bodies: defaults, validation, ids.

The sandbox's answer to ``POST /environment/{id}/application`` and ``PUT /application/{id}``
(a FULL replace, QOVERY-NOTES): every configuration field absent from the body returns to
its default; ports and storage entries with an id update that entry, entries without one are
created, entries left out are deleted. Invalid bodies raise ``ApiProblem(400)``.

Also: ``clone_of`` (a copy with fresh ids, not deployed). Pure functions over JSON dicts;
``store`` calls them under its lock, ``seeding`` calls them to build seeded applications.
The field order of the objects built here follows the spec's ``Application`` schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

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


# ── type checks ─────────────────────────────────────────────────────────────────────────


def _int(body: Mapping[str, Any], key: str, default: int | None, where: str = "") -> int | None:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{where}{key} must be an integer, got {value!r}")
    return value


def _str(
    body: Mapping[str, Any], key: str, default: str | None, where: str = "", nullable: bool = False
) -> str | None:
    """A string field; null counts as absent (``nullable`` only documents the spec's intent)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise bad_request(f"{where}{key} must be a string, got {value!r}")
    return value


def _bool(body: Mapping[str, Any], key: str, default: bool, where: str = "") -> bool:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"{where}{key} must be a boolean, got {value!r}")
    return value


def _enum(
    body: Mapping[str, Any],
    key: str,
    choices: tuple[str, ...],
    default: str | None,
    where: str = "",
) -> str | None:
    value = body.get(key, default)
    if value is None:
        return default
    if value not in choices:
        raise bad_request(f"{where}{key} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _list(body: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{where}{key} must be an array")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise bad_request(f"{where} must be an object")
    return value


# ── parts ───────────────────────────────────────────────────────────────────────────────


def _git_repository(body: Any, previous: Mapping[str, Any] | None) -> JSONObject:
    repo = _object(body, "git_repository")
    url = _str(repo, "url", None, "git_repository.")
    if not url:
        raise bad_request("git_repository.url is required")
    provider = _enum(repo, "provider", GIT_PROVIDERS, None, "git_repository.")
    if provider is None:
        raise bad_request("git_repository.provider is required")
    owner, name = _owner_and_name(url)
    token_id = _str(repo, "git_token_id", None, "git_repository.", nullable=True)
    result: JSONObject = {
        "has_access": True,
        "provider": provider,
        "owner": owner,
        "url": url,
        "name": name,
        "branch": _str(repo, "branch", "main", "git_repository."),
        "root_path": _str(repo, "root_path", "/", "git_repository."),
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


def _storage(
    body: list[Any], previous: list[JSONObject] | None, new_id: IdFactory
) -> list[JSONObject]:
    known = None if previous is None else {entry["id"]: entry for entry in previous}
    result: list[JSONObject] = []
    mounts: set[str] = set()
    for index, raw in enumerate(body):
        where = f"storage[{index}]."
        entry = _object(raw, f"storage[{index}]")
        size = _int(entry, "size", None, where)
        mount = _str(entry, "mount_point", None, where)
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
                "type": _enum(entry, "type", ("FAST_SSD",), "FAST_SSD", where),
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


def _ports(
    body: list[Any], previous: list[JSONObject] | None, new_id: IdFactory
) -> list[JSONObject]:
    known = None if previous is None else {entry["id"]: entry for entry in previous}
    result: list[JSONObject] = []
    seen: set[int] = set()
    for index, raw in enumerate(body):
        result.append(_port(_object(raw, f"ports[{index}]"), f"ports[{index}].", known, new_id))
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
    internal = _int(entry, "internal_port", None, where)
    if internal is None or not 1 <= internal <= 65535:
        raise bad_request(f"{where}internal_port must be a port number from 1 to 65535")
    if "publicly_accessible" not in entry:
        raise bad_request(f"{where}publicly_accessible is required")
    public = _bool(entry, "publicly_accessible", False, where)
    port: JSONObject = {
        "id": _known_id(entry, known, where) or new_id(f"port/{internal}"),
        "name": _str(entry, "name", f"p{internal}", where),
        "internal_port": internal,
    }
    external = _int(entry, "external_port", 443 if public else None, where)
    if external is not None:
        port["external_port"] = external
    port["publicly_accessible"] = public
    port["is_default"] = _bool(entry, "is_default", False, where)
    port["protocol"] = _enum(entry, "protocol", PORT_PROTOCOLS, "HTTP", where)
    for key in ("public_path", "public_path_rewrite"):
        text = _str(entry, key, None, where)
        if text is not None:
            port[key] = text
    return port


def _healthchecks(body: Any) -> JSONObject:
    if body is None:
        raise bad_request("healthchecks is required")
    checks = _object(body, "healthchecks")
    return {
        name: _probe(checks.get(name), f"healthchecks.{name}.")
        for name in ("readiness_probe", "liveness_probe")
    }


def _probe(body: Any, where: str) -> JSONObject | None:
    if body is None:
        return None
    probe = _object(body, where.rstrip("."))
    kinds = _object(probe.get("type"), f"{where}type")
    given = [kind for kind in PROBE_KINDS if kinds.get(kind) is not None]
    if len(given) != 1:
        raise bad_request(f"{where}type must hold exactly one of {', '.join(PROBE_KINDS)}")
    kind = given[0]
    settings = _object(kinds[kind], f"{where}type.{kind}")
    probe_type: JSONObject = dict.fromkeys(PROBE_KINDS)
    probe_type[kind] = _probe_settings(kind, settings, f"{where}type.{kind}.")
    result: JSONObject = {"type": probe_type}
    for key, default in PROBE_DEFAULTS.items():
        result[key] = _int(probe, key, default, where)
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
    port = _int(settings, "port", None, where)
    if port is None:
        raise bad_request(f"{where}port is required")
    if kind == "tcp":
        return {"port": port, "host": _str(settings, "host", None, where, nullable=True)}
    if kind == "http":
        return {
            "path": _str(settings, "path", "/", where),
            "scheme": _str(settings, "scheme", "HTTP", where),
            "port": port,
        }
    return {"service": _str(settings, "service", None, where, nullable=True), "port": port}


def _groups(body: list[Any], kind: str, catalog: Mapping[str, JSONObject]) -> list[JSONObject]:
    result = []
    for index, raw in enumerate(body):
        ident = _object(raw, f"{kind}[{index}]").get("id")
        if not isinstance(ident, str) or ident not in catalog:
            raise bad_request(f"{kind}[{index}].id {ident!r} is not a group of this organization")
        result.append(copy.deepcopy(catalog[ident]))
    return result


def _autoscaling(body: Any, app_id: str, now: str, new_id: IdFactory) -> JSONObject:
    policy = _object(body, "autoscaling")
    if policy.get("mode") != "KEDA":
        raise bad_request("autoscaling.mode must be KEDA")
    scalers = _list(policy, "scalers", "autoscaling.")
    if not scalers:
        raise bad_request("autoscaling.scalers must hold at least one scaler")
    return {
        "id": new_id("autoscaling"),
        "created_at": now,
        "updated_at": now,
        "service_id": app_id,
        "mode": "KEDA",
        "polling_interval_seconds": _int(policy, "polling_interval_seconds", 30, "autoscaling."),
        "cooldown_period_seconds": _int(policy, "cooldown_period_seconds", 300, "autoscaling."),
        "scalers": [
            _scaler(_object(raw, f"autoscaling.scalers[{i}]"), f"autoscaling.scalers[{i}].", now)
            | {"id": new_id(f"scaler/{i}")}
            for i, raw in enumerate(scalers)
        ],
    }


def _scaler(scaler: Mapping[str, Any], where: str, now: str) -> JSONObject:
    scaler_type = _str(scaler, "scaler_type", None, where)
    if not scaler_type:
        raise bad_request(f"{where}scaler_type is required")
    config_json = scaler.get("config_json")
    if config_json is not None and not isinstance(config_json, Mapping):
        raise bad_request(f"{where}config_json must be an object")
    return {
        "created_at": now,
        "updated_at": now,
        "scaler_type": scaler_type,
        "enabled": _bool(scaler, "enabled", True, where),
        "role": _enum(scaler, "role", ("PRIMARY", "SAFETY"), None, where)
        or _missing(where, "role"),
        "config_json": copy.deepcopy(config_json),
        "config_yaml": _str(scaler, "config_yaml", None, where, nullable=True),
    }


def _missing(where: str, key: str) -> str:
    raise bad_request(f"{where}{key} is required")


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
    app = _object(body, "the request body")
    prev = previous or {}
    name = _str(app, "name", prev.get("name"), "")
    if not name or not name.strip():
        raise bad_request("name is required")
    if app.get("git_repository") is not None:
        git = _git_repository(app["git_repository"], prev.get("git_repository"))
    elif prev.get("git_repository") is not None:
        git = copy.deepcopy(prev["git_repository"])
    else:
        raise bad_request("git_repository is required")
    result: JSONObject = {
        "id": app_id,
        "created_at": prev.get("created_at", now),
        "updated_at": now,
        "storage": _storage(_list(app, "storage"), _entries_of(previous, "storage"), new_id),
        "environment": {"id": environment_id},
        "git_repository": git,
        "maximum_cpu": MAXIMUM_CPU,
        "maximum_memory": MAXIMUM_MEMORY,
        "maximun_gpu": 0,
        "name": name,
        "description": _str(app, "description", "", "") or "",
        "build_mode": _enum(app, "build_mode", ("DOCKER",), "DOCKER"),
        "dockerfile_path": _str(app, "dockerfile_path", "Dockerfile", "", nullable=True),
        "cpu": _int(app, "cpu", 500),
        "memory": _int(app, "memory", 512),
        "gpu": _int(app, "gpu", 0),
    }
    ephemeral = _int(app, "ephemeral_storage_in_gib", None)
    if ephemeral is not None:
        result["ephemeral_storage_in_gib"] = ephemeral
    result.update(
        {
            "cpu_architecture": _enum(app, "cpu_architecture", CPU_ARCHITECTURES, "AMD64"),
            "min_running_instances": _int(app, "min_running_instances", 1),
            "max_running_instances": _int(app, "max_running_instances", 1),
            "healthchecks": _healthchecks(app.get("healthchecks")),
            "auto_preview": _bool(app, "auto_preview", True),
            "ports": _ports(_list(app, "ports"), _entries_of(previous, "ports"), new_id),
            "arguments": _arguments(app),
        }
    )
    entrypoint = _str(app, "entrypoint", None)
    if entrypoint is not None:
        result["entrypoint"] = entrypoint
    result["auto_deploy"] = _bool(app, "auto_deploy", True)
    for kind in ("annotations_groups", "labels_groups"):
        result[kind] = _groups(_list(app, kind), kind, groups.get(kind, {}))
    result["icon_uri"] = _str(app, "icon_uri", ICON_URI)
    result["service_type"] = "APPLICATION"
    result["docker_target_build_stage"] = _str(
        app, "docker_target_build_stage", None, "", nullable=True
    )
    if app.get("autoscaling") is not None:
        result["autoscaling"] = _autoscaling(app["autoscaling"], app_id, now, new_id)
    _check_ranges(result)
    return result


def _entries_of(previous: Mapping[str, Any] | None, key: str) -> list[JSONObject] | None:
    return None if previous is None else list(previous.get(key) or [])


def _arguments(app: Mapping[str, Any]) -> list[str]:
    arguments = _list(app, "arguments")
    if not all(isinstance(a, str) for a in arguments):
        raise bad_request("arguments must be an array of strings")
    return list(arguments)


def _check_ranges(app: Mapping[str, Any]) -> None:
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
