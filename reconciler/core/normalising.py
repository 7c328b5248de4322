"""Normalising: a raw ``Application`` (or overrides) → the "compared configuration". Pure.

Contract section 4 and QOVERY-NOTES "Configuration fields and their quirks". Each rule is
one small named function; ``normalise`` composes them. The result is a plain JSON value in
which two configurations that Qovery treats as the same compare equal with ``==``:

- only the compared fields (``ApplicationEditRequest`` fields but ``name``) are kept;
- server-derived data goes: ids of ports, storage, autoscaling and scalers, timestamps,
  ``git_repository.{has_access, owner, name, deployed_*, git_token_name}``, groups' names;
- ``null`` counts as absent, and absent as the server default (gpu 0, min/max 1, probe
  timings, http path "/", port protocol HTTP, ...), so ``partial=False`` fills defaults in;
- numbers sent as strings ("500") become numbers;
- ``ports`` are sorted by ``internal_port`` and ``storage`` by ``mount_point`` (lists without
  ids: ``diffs`` matches their entries by those keys); groups become sorted id lists;
- the ownership marker is stripped from ``description``.

``partial=True`` normalises overrides (or anything that is not a whole application): the
same rules, but no top-level default is filled in, so only the fields given stay.
Neighbours: ``planning`` calls it, ``diffs`` compares its results, ``edits`` turns them back
into an edit request, ``ownership`` supplies ``strip_marker``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from reconciler.core.model import JSON, Config
from reconciler.core.ownership import strip_marker

COMPARED_FIELDS = (
    "description",
    "git_repository",
    "build_mode",
    "dockerfile_path",
    "docker_target_build_stage",
    "cpu",
    "memory",
    "gpu",
    "ephemeral_storage_in_gib",
    "cpu_architecture",
    "min_running_instances",
    "max_running_instances",
    "autoscaling",
    "healthchecks",
    "auto_preview",
    "auto_deploy",
    "ports",
    "storage",
    "arguments",
    "entrypoint",
    "annotations_groups",
    "labels_groups",
    "icon_uri",
)
"""The configuration fields compared between a clone and its desired configuration."""

KEYED_LISTS = {"ports": "internal_port", "storage": "mount_point"}
"""Lists whose entries are matched by a key, never by position or id."""

TOP_LEVEL_DEFAULTS: Mapping[str, JSON] = {
    "build_mode": "DOCKER",
    "cpu": 500,
    "memory": 512,
    "gpu": 0,
    "min_running_instances": 1,
    "max_running_instances": 1,
    "auto_preview": True,
    # null means "the cluster default"; responses name it (inferred), the sandbox says AMD64
    "cpu_architecture": "AMD64",
}
PROBE_DEFAULTS: Mapping[str, int] = {
    "initial_delay_seconds": 30,
    "period_seconds": 10,
    "timeout_seconds": 5,
    "success_threshold": 1,
    "failure_threshold": 9,
}
PROBE_KIND_DEFAULTS: Mapping[str, Mapping[str, JSON]] = {
    "http": {"path": "/", "scheme": "HTTP"},
    "tcp": {},
    "grpc": {},
    "exec": {},
}
GIT_FIELDS = ("url", "provider", "branch", "root_path", "git_token_id")
# The fields of the entries of ports, storage and probes that the spec knows: a field the API
# adds later is not compared (as at the top level), so it can never show as drift or as a
# changed declaration by itself.
PORT_FIELDS = frozenset(
    {
        "name",
        "internal_port",
        "external_port",
        "publicly_accessible",
        "is_default",
        "protocol",
        "public_path",
        "public_path_rewrite",
    }
)
STORAGE_FIELDS = frozenset({"type", "size", "mount_point"})
PROBE_FIELDS = frozenset({"type", *PROBE_DEFAULTS})
PROBE_KIND_FIELDS: Mapping[str, frozenset[str]] = {
    "tcp": frozenset({"port", "host"}),
    "http": frozenset({"path", "scheme", "port"}),
    "exec": frozenset({"command"}),
    "grpc": frozenset({"service", "port"}),
}
INTEGER_FIELDS = frozenset(
    {
        "cpu",
        "memory",
        "gpu",
        "ephemeral_storage_in_gib",
        "min_running_instances",
        "max_running_instances",
        "size",
        "internal_port",
        "external_port",
        "port",
        "polling_interval_seconds",
        "cooldown_period_seconds",
        *PROBE_DEFAULTS,
    }
)
BOOLEAN_FIELDS = frozenset({"auto_preview", "auto_deploy", "publicly_accessible", "is_default"})
SERVER_DERIVED_KEYS = frozenset({"id", "created_at", "updated_at", "service_id"})
TRIGGER_AUTHENTICATION_FIELDS = ("name", "config_yaml")  # what a scaler's authentication compares
_INTEGER_TEXT = re.compile(r"^\s*[-+]?\d+\s*$")


_NEVER_MAPPINGS = frozenset({str, int, float, bool, list, type(None)})


def is_mapping(value: object) -> TypeGuard[Mapping[str, JSON]]:
    """``isinstance(value, Mapping)``, without the ABC's slow check for parsed JSON's types."""
    kind = type(value)
    if kind is dict:
        return True
    return kind not in _NEVER_MAPPINGS and isinstance(value, Mapping)


# ── generic rules ───────────────────────────────────────────────────────────────────────


def keep_compared_fields(config: Config) -> dict[str, JSON]:
    """Only the compared fields, in a new dict."""
    return {key: config[key] for key in COMPARED_FIELDS if key in config}


def drop_nulls(value: Mapping[str, JSON]) -> dict[str, JSON]:
    """The mapping without its ``None`` values: null and absent mean the same."""
    return {key: item for key, item in value.items() if item is not None}


def drop_server_derived(value: Mapping[str, JSON]) -> dict[str, JSON]:
    """The mapping without ids and timestamps."""
    return {key: item for key, item in value.items() if key not in SERVER_DERIVED_KEYS}


def number_from_text(value: JSON) -> JSON:
    """``"500"`` → ``500``; ``"1.5"`` → ``1.5``; anything else unchanged."""
    if type(value) is int:
        return value
    if isinstance(value, str):
        if _INTEGER_TEXT.match(value):
            return int(value)
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def boolean_from_text(value: JSON) -> JSON:
    """``"true"`` / ``"false"`` → booleans; anything else unchanged."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def coerce_scalars(value: Mapping[str, JSON]) -> dict[str, JSON]:
    """Numbers and booleans that arrived as strings, by field name, one level deep."""
    return {key: _coerced(key, item) for key, item in value.items()}


def _coerced(key: str, item: JSON) -> JSON:
    """``item`` as field ``key`` holds it: a number or a boolean that arrived as a string."""
    if key in INTEGER_FIELDS:
        return number_from_text(item)
    if key in BOOLEAN_FIELDS:
        return boolean_from_text(item)
    return item


def fill_defaults(value: Mapping[str, JSON], defaults: Mapping[str, JSON]) -> dict[str, JSON]:
    """The mapping with every missing default filled in."""
    return {**defaults, **value}


def clean_object(value: JSON, known: frozenset[str] | None = None) -> dict[str, JSON]:
    """A sub-object with nulls, ids and timestamps gone and scalars coerced: ``drop_nulls``,
    ``drop_server_derived`` and ``coerce_scalars`` in one pass; with ``known``, only those
    fields (the spec's: one the API adds later is never compared)."""
    if not is_mapping(value):
        return {}
    result: dict[str, JSON] = {}
    for key, item in value.items():
        if item is None or key in SERVER_DERIVED_KEYS or (known is not None and key not in known):
            continue
        result[key] = _coerced(key, item)
    return result


# ── one rule per field ──────────────────────────────────────────────────────────────────


def normalise_description(value: JSON) -> JSON:
    """The description without the ownership marker; empty counts as absent."""
    text = strip_marker(value if isinstance(value, str) else None)
    return text or None


def normalise_git_repository(value: JSON) -> JSON:
    """The git repository reduced to what an edit request takes; root_path "/" by default."""
    if not is_mapping(value):
        return None
    repo = drop_nulls({key: value.get(key) for key in GIT_FIELDS})
    if "root_path" in repo or "url" in repo:
        repo.setdefault("root_path", "/")
    return repo


def normalise_port(value: JSON) -> dict[str, JSON]:
    """One port without its id; protocol HTTP by default."""
    port = clean_object(value, PORT_FIELDS)
    port.setdefault("protocol", "HTTP")
    return port


def normalise_ports(value: JSON) -> JSON:
    """Ports without ids, sorted by internal_port; an empty list counts as absent."""
    if not isinstance(value, list) or not value:
        return None
    ports = [normalise_port(port) for port in value]
    return sorted(ports, key=lambda port: _sort_key(port.get("internal_port")))


def normalise_storage(value: JSON) -> JSON:
    """Storage entries without ids, sorted by mount_point; an empty list counts as absent."""
    if not isinstance(value, list) or not value:
        return None
    entries = [clean_object(entry, STORAGE_FIELDS) for entry in value]
    return sorted(entries, key=lambda entry: _sort_key(entry.get("mount_point")))


def normalise_groups(value: JSON) -> JSON:
    """Annotation or label groups as a sorted list of their ids; empty counts as absent."""
    if not isinstance(value, list) or not value:
        return None
    ids = {str(group["id"]) if is_mapping(group) else str(group) for group in value}
    ids.discard("None")
    return sorted(ids) or None


def normalise_probe_type(value: JSON) -> dict[str, JSON]:
    """A probe's ``type`` reduced to its one non-null kind, with that kind's defaults."""
    if not is_mapping(value):
        return {}
    kinds: dict[str, JSON] = {}
    for kind, settings in value.items():
        if settings is None or kind not in PROBE_KIND_FIELDS:
            continue
        cleaned = clean_object(settings, PROBE_KIND_FIELDS[kind])
        kinds[kind] = fill_defaults(cleaned, PROBE_KIND_DEFAULTS.get(kind, {}))
    return kinds


def normalise_probe(value: JSON, *, partial: bool = False) -> JSON:
    """One probe: null stays null; timings default to Qovery's."""
    if not is_mapping(value):
        return None
    probe = clean_object(value, PROBE_FIELDS)
    if "type" in probe:
        probe["type"] = normalise_probe_type(probe["type"])
    return probe if partial else fill_defaults(probe, PROBE_DEFAULTS)


def normalise_healthchecks(value: JSON, *, partial: bool = False) -> JSON:
    """Both probes, each normalised; an absent probe is ``None`` (no probe)."""
    checks = value if is_mapping(value) else {}
    names = [n for n in ("readiness_probe", "liveness_probe") if not partial or n in checks]
    return {name: normalise_probe(checks.get(name), partial=partial) for name in names}


def normalise_scaler(value: JSON) -> dict[str, JSON]:
    """One KEDA scaler without ids or timestamps; enabled by default."""
    scaler = clean_object(value)
    scaler.setdefault("enabled", True)
    auth = scaler.get("trigger_authentication")
    if is_mapping(auth):
        scaler["trigger_authentication"] = drop_nulls(_trigger_authentication(auth))
    return scaler


def _trigger_authentication(auth: Mapping[str, JSON]) -> dict[str, JSON]:
    """A scaler's trigger authentication as compared: by its name and its text."""
    return {name: auth.get(name) for name in TRIGGER_AUTHENTICATION_FIELDS}


def normalise_autoscaling(value: JSON) -> JSON:
    """The autoscaling policy without ids, timestamps or the service id."""
    if not is_mapping(value):
        return None
    policy = clean_object(value)
    if isinstance(policy.get("scalers"), list):
        policy["scalers"] = [normalise_scaler(scaler) for scaler in policy["scalers"]]
    return policy


def normalise_arguments(value: JSON) -> JSON:
    """The argument list; an empty list counts as absent."""
    return list(value) if isinstance(value, list) and value else None


FIELD_RULES: Mapping[str, Callable[[JSON], JSON]] = {
    "description": normalise_description,
    "git_repository": normalise_git_repository,
    "ports": normalise_ports,
    "storage": normalise_storage,
    "annotations_groups": normalise_groups,
    "labels_groups": normalise_groups,
    "autoscaling": normalise_autoscaling,
    "arguments": normalise_arguments,
    "cpu": number_from_text,
    "memory": number_from_text,
    "gpu": number_from_text,
    "ephemeral_storage_in_gib": number_from_text,
    "min_running_instances": number_from_text,
    "max_running_instances": number_from_text,
    "auto_preview": boolean_from_text,
    "auto_deploy": boolean_from_text,
}


# ── what each rule reads (the key of ``derivations``) ────────────────────────────────────


def _entries_reading(fields: frozenset[str]) -> Callable[[JSON], JSON]:
    """The part of a list of entries that a rule keeping only ``fields`` of each reads."""

    def read(value: JSON) -> JSON:
        if type(value) is not list:
            return value
        return [
            {key: item for key, item in entry.items() if key in fields}
            if type(entry) is dict
            else entry
            for entry in value
        ]

    return read


def _git_repository_read(value: JSON) -> JSON:
    """What ``normalise_git_repository`` reads: ``GIT_FIELDS``, null and absent alike (an
    object still: a list as given must not read as one)."""
    if type(value) is not dict:
        return value
    return {key: value.get(key) for key in GIT_FIELDS}


def _autoscaling_read(value: JSON) -> JSON:
    """What ``normalise_autoscaling`` reads: the policy and its scalers without server data,
    a scaler's trigger authentication by its name and text."""
    if type(value) is not dict:
        return value
    policy = drop_server_derived(value)
    scalers = policy.get("scalers")
    if type(scalers) is list:
        policy["scalers"] = [_scaler_read(scaler) for scaler in scalers]
    return policy


def _scaler_read(value: JSON) -> JSON:
    if type(value) is not dict:
        return value
    scaler = drop_server_derived(value)
    auth = scaler.get("trigger_authentication")
    if type(auth) is dict:
        scaler["trigger_authentication"] = _trigger_authentication(auth)
    return scaler


FIELD_READS: Mapping[str, Callable[[JSON], JSON]] = {
    "git_repository": _git_repository_read,
    "ports": _entries_reading(PORT_FIELDS),
    "storage": _entries_reading(STORAGE_FIELDS),
    "autoscaling": _autoscaling_read,
}
"""Per field of ``FIELD_RULES``, the part of its value that its rule reads (the rest, ids
and timestamps of entries, deployed commits, goes unread): what ``derivations`` keys on, so
that clones whose entries differ by their ids alone share one normalisation. Each returns
its value as given where it is not the shape the rule reads (the rule then reads no more)."""


# ── composition ─────────────────────────────────────────────────────────────────────────


def normalise(config: Config, *, partial: bool = False) -> dict[str, JSON]:
    """The compared configuration of ``config`` (a raw Application, or overrides).

    With ``partial=False`` (a whole application) every server default is filled in and
    ``healthchecks`` always holds both probes; with ``partial=True`` only given fields stay.
    """
    return normalise_fields(
        config, COMPARED_FIELDS, FIELD_RULES, TOP_LEVEL_DEFAULTS, partial=partial
    )


def normalise_fields(
    config: Config,
    fields: tuple[str, ...],
    rules: Mapping[str, Callable[[JSON], JSON]],
    defaults: Mapping[str, JSON],
    *,
    partial: bool = False,
) -> dict[str, JSON]:
    """``normalise`` for any kind: its compared ``fields``, per-field ``rules``, ``defaults``.

    ``healthchecks`` has its own rule (it knows ``partial``) whatever the kind.
    """
    result: dict[str, JSON] = {}
    for key in fields:
        if key not in config:
            continue
        raw = config[key]
        if key == "healthchecks":
            value = normalise_healthchecks(raw, partial=partial)
        else:
            rule = rules.get(key)
            value = rule(raw) if rule else raw
        if value is not None:
            result[key] = value
    if not partial:
        result = fill_defaults(result, defaults)
        if "healthchecks" in fields and "healthchecks" not in result:
            result["healthchecks"] = normalise_healthchecks(None)
    return result


def _sort_key(value: JSON) -> tuple[int, int, str]:
    """Sort numbers before text, each in its natural order, without comparing across types."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def is_keyed_list(field: str) -> bool:
    """Whether ``field`` is a list whose entries are matched by a key (ports, storage)."""
    return field in KEYED_LISTS


def entry_key(field: str, entry: Any) -> JSON:
    """The key of one entry of a keyed list (``internal_port`` or ``mount_point``)."""
    return entry.get(KEYED_LISTS[field]) if is_mapping(entry) else None
