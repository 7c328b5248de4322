"""The key of derivations (core.derivations) over generated bodies: each kind's
``field_reads`` keeps every part of a field that its ``normalise`` reads, so that bodies whose
entries differ by ids, timestamps or a deployed commit alone share one normalisation, and
every service derived through one cache is exactly what it is alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.derivations import Derivations
from reconciler.core.fingerprints import fingerprint
from reconciler.core.kinds import APPLICATION, CONTAINER, JOB, KINDS, ServiceKind
from reconciler.core.ownership import Owner, with_marker

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 70000),
    st.sampled_from([0.0, 1.5, 512.0, "500", " 8080 ", "1.5", "true", "False", "x", ""]),
)
odd = st.sampled_from([None, True, 0, 512.0, "500", "x", "", ["a"]])  # not an object
noise = st.dictionaries(
    st.sampled_from(
        ["id", "created_at", "updated_at", "service_id", "x_new", "deployed_commit_id"]
    ),
    st.one_of(st.text(max_size=5), st.none()),
    max_size=3,
)


def entry(fields: list[str]) -> st.SearchStrategy[Any]:
    """An entry with some of ``fields`` and noise, or now and then not an object at all."""
    known = st.dictionaries(st.sampled_from(fields), scalars, max_size=len(fields))
    both = st.tuples(known, noise).map(lambda pair: {**pair[1], **pair[0]})
    return st.one_of(both, both, both, odd)


ports = st.one_of(
    st.lists(
        entry(["internal_port", "external_port", "protocol", "name", "is_default"]), max_size=3
    ),
    odd,
)
storage = st.one_of(st.lists(entry(["mount_point", "size", "type"]), max_size=2), scalars)
git = st.one_of(entry(["url", "branch", "root_path", "provider", "git_token_id", "owner"]), scalars)
auth = st.one_of(entry(["name", "config_yaml"]), scalars)
scaler = st.one_of(
    st.tuples(entry(["type", "enabled", "role"]), auth).map(
        lambda pair: (
            {**pair[0], "trigger_authentication": pair[1]} if isinstance(pair[0], dict) else pair[0]
        )
    ),
    odd,
)
autoscaling = st.one_of(
    st.tuples(entry(["mode", "polling_interval_seconds"]), st.lists(scaler, max_size=2)).map(
        lambda pair: {**pair[0], "scalers": pair[1]} if isinstance(pair[0], dict) else pair[0]
    ),
    odd,
)
registry = st.one_of(entry(["id", "name", "url"]), scalars)
image = st.one_of(
    st.tuples(entry(["image_name", "tag", "registry_id"]), registry).map(
        lambda pair: {**pair[0], "registry": pair[1]} if isinstance(pair[0], dict) else pair[0]
    ),
    odd,
)
docker = st.one_of(
    st.tuples(entry(["dockerfile_path", "dockerfile_raw"]), git).map(
        lambda pair: (
            {**pair[0], "git_repository": pair[1]} if isinstance(pair[0], dict) else pair[0]
        )
    ),
    odd,
)
source = st.one_of(
    st.fixed_dictionaries({"image": image, "docker": docker}, optional={"id": st.text()}), odd
)
services = st.fixed_dictionaries(
    {
        "cpu": scalars,
        "ports": ports,
        "storage": storage,
        "git_repository": git,
        "autoscaling": autoscaling,
        "registry": registry,
        "source": source,
    },
    optional={"registry_id": scalars, "image_name": st.sampled_from(["acme/api", None])},
)


def renoised(value: Any, salt: str, field: str = "") -> Any:
    """``value`` with the server's noise of each object changed: new ids, timestamps and
    deployed commits, which no rule reads (a registry's id is read: it stays)."""
    if isinstance(value, list):
        return [renoised(item, salt) for item in value]
    if not isinstance(value, dict):
        return value
    changed = {key: renoised(item, salt, key) for key, item in value.items()}
    for key in ("id", "created_at", "updated_at", "service_id", "deployed_commit_id"):
        if key == "id" and field == "registry":
            continue
        if key in changed and isinstance(changed[key], str | None):
            changed[key] = f"{changed[key]}{salt}"
    return changed


def as_clone(body: dict[str, Any], n: int) -> dict[str, Any]:
    owner = Owner("fleet", "api", "src-1", "0123456789ab", f"clone-{n}")
    return {**body, "id": f"clone-{n}", "name": f"api-{n}", "description": with_marker("", owner)}


def alone(service: dict[str, Any], kind: ServiceKind) -> tuple[Any, str | None]:
    return kind.normalise(service), fingerprint(service, normaliser=kind.normalise)


@PROPERTY
@given(body=services, others=st.lists(services, max_size=3))
def test_generated_bodies_derive_as_alone_whatever_their_noise(
    body: dict[str, Any], others: list[dict[str, Any]]
) -> None:
    for kind in KINDS.values():
        derivations = Derivations()
        bodies = [body, renoised(body, "-2"), *others, renoised(copy.deepcopy(body), "-3")]
        for n, each in enumerate(bodies):
            service = as_clone(each, n)
            assert derivations.derive(service, kind) == alone(service, kind)


FIELDS = {"ports": ports, "storage": storage, "git_repository": git, "autoscaling": autoscaling}
READ_FIELDS = [(APPLICATION, field, values) for field, values in FIELDS.items()] + [
    (CONTAINER, "registry", registry),
    (CONTAINER, "ports", ports),
    (JOB, "source", source),
]


@pytest.mark.parametrize(
    ("kind", "field", "values"), READ_FIELDS, ids=[f"{k.name}-{f}" for k, f, _ in READ_FIELDS]
)
def test_a_field_cut_to_what_its_rule_reads_normalises_as_the_whole(
    kind: ServiceKind, field: str, values: st.SearchStrategy[Any]
) -> None:
    """The key's premise, one field at a time: ``field_reads`` keeps all its rule reads."""

    @PROPERTY
    @given(value=values, base=services)
    def check(value: Any, base: dict[str, Any]) -> None:
        body = {**base, field: value}
        cut = {
            key: kind.field_reads[key](item) if key in kind.field_reads else item
            for key, item in body.items()
        }
        assert kind.normalise(cut) == kind.normalise(body)
        assert kind.normalise(cut, partial=True) == kind.normalise(body, partial=True)
        # a body listing the cut itself (a list, say) keys as what it is, never as the whole
        derivations = Derivations()
        for n, each in enumerate((body, cut, body)):
            service = as_clone(each, n)
            assert derivations.derive(service, kind) == alone(service, kind)

    check()


def test_clones_whose_entries_have_ids_of_their_own_share_one_normalisation() -> None:
    """Real clones: ports, storage and autoscaling with their own ids, another deployed
    commit; each kind normalises them once."""
    body = {
        "cpu": 500,
        "ports": [{"id": "p1", "internal_port": 8080, "protocol": "HTTP"}],
        "storage": [{"id": "s1", "mount_point": "/data", "size": 10, "type": "FAST_SSD"}],
        "git_repository": {"url": "https://x/a.git", "branch": "main", "deployed_commit_id": "c1"},
        "autoscaling": {"id": "a1", "mode": "KEDA", "scalers": [{"id": "k1", "type": "cpu"}]},
        "registry": {"id": "r1", "updated_at": "2026-01-01T00:00:00Z"},
        "image_name": "acme/api",
        "source": {
            "image": {"image_name": "a", "tag": "1", "registry": {"id": "r1", "name": "hub"}},
            "docker": None,
        },
    }
    for kind in (APPLICATION, CONTAINER, JOB):
        derivations = Derivations()
        for n in range(4):
            service = as_clone(renoised(body, f"-{n}"), n)
            assert derivations.derive(service, kind) == alone(service, kind)
        assert len(derivations) == 1, kind.name
