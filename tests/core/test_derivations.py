"""Derivations (core.derivations), on plain data: a listed service's normalised configuration
and fingerprint, computed once per distinct body, are exactly what each would be alone; two
services share a computation only where nothing their kind reads differs; every kind's
normalise reads nothing but what it declares (the cache's key)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers_planning import application

from reconciler.core.derivations import Derivations
from reconciler.core.fingerprints import fingerprint
from reconciler.core.kinds import APPLICATION, CONTAINER, LISTED
from reconciler.core.ownership import Owner, with_marker

OWNER = Owner("fleet", "api", "src-1", "0123456789ab")


def a_clone(n: int, **fields: Any) -> dict[str, Any]:
    """Clone ``n`` of one source: the same body, its own identity and marker."""
    clone = application(f"app-{n}", f"api-{n}", f"env-{n}", **fields)
    clone["ports"] = [{**port, "id": f"port-{i}"} for i, port in enumerate(clone["ports"])]
    clone["storage"] = [{**entry, "id": "storage-1"} for entry in clone["storage"]]
    clone["created_at"] = clone["updated_at"] = f"2026-08-0{n % 9 + 1}T00:00:00Z"
    clone["description"] = with_marker("the API", Owner("fleet", "api", "src-1", None, clone["id"]))
    return clone


def alone(service: dict[str, Any], kind: Any = APPLICATION) -> tuple[Any, str | None]:
    return kind.normalise(service), fingerprint(service, normaliser=kind.normalise)


def test_clones_that_differ_only_in_identity_share_one_normalisation() -> None:
    derivations = Derivations()
    clones = [a_clone(n) for n in range(5)]
    derived = [derivations.derive(clone) for clone in clones]
    assert len(derivations) == 1
    assert all(found[0] is derived[0][0] for found in derived)
    assert [found for found in derived] == [alone(clone) for clone in clones]


def test_each_fingerprint_is_the_one_computed_alone_and_differs_by_name_and_marker() -> None:
    derivations = Derivations()
    clones = [a_clone(n) for n in range(3)]
    fingerprints = [derivations.derive(clone)[1] for clone in clones]
    assert fingerprints == [fingerprint(clone) for clone in clones]
    assert len(set(fingerprints)) == 3  # names and markers differ


def test_an_equal_body_has_an_equal_fingerprint_and_a_differing_one_differs() -> None:
    derivations = Derivations()
    first = a_clone(1)
    same = copy.deepcopy(first)
    same["updated_at"] = "2027-01-01T00:00:00Z"  # server noise: not compared
    changed = {**copy.deepcopy(first), "cpu": 1000}
    assert derivations.derive(same)[1] == derivations.derive(first)[1]
    assert derivations.derive(changed)[1] != derivations.derive(first)[1]
    assert derivations.derive(changed) == alone(changed)


@pytest.mark.parametrize(
    "change",
    [
        {"cpu": 1000},
        {"cpu": "500"},  # text that normalises to the source's number: still its own body
        {"memory": 512.0},
        {"auto_deploy": 1},  # not a boolean: never taken for True
        {"description": "another text"},
        {"healthchecks": {"readiness_probe": None, "liveness_probe": None}},
        {"arguments": []},
        {"arguments": None},
        {"git_repository": None},
    ],
)
def test_a_body_that_differs_anywhere_is_derived_as_itself(change: dict[str, Any]) -> None:
    derivations = Derivations()
    base, other = a_clone(1), {**a_clone(2), **change}
    if "description" in change:
        other["description"] = with_marker(change["description"], OWNER)
    derivations.derive(base)
    assert derivations.derive(other) == alone(other)


def test_a_nested_difference_is_never_shared() -> None:
    derivations = Derivations()
    base, other = a_clone(1), a_clone(2)
    other["ports"][0]["publicly_accessible"] = False
    derivations.derive(base)
    assert derivations.derive(other) == alone(other)
    assert derivations.derive(other)[0] != derivations.derive(base)[0]


def test_the_description_is_keyed_without_its_marker_and_with_its_text() -> None:
    derivations = Derivations()
    plain = {**a_clone(1), "description": "the API"}  # no marker at all
    derivations.derive(a_clone(2))
    assert derivations.derive(plain) == alone(plain)
    assert len(derivations) == 1  # same text once the marker is gone
    kept = {**a_clone(3), "description": "[reconciler: keep]\nthe API"}
    assert derivations.derive(kept) == alone(kept)


def test_one_body_listed_as_two_kinds_is_normalised_by_each() -> None:
    derivations = Derivations()
    service = {**a_clone(1), "image_name": "acme/api", "tag": "1.0", "registry_id": "r1"}
    as_application = derivations.derive(service, APPLICATION)
    as_container = derivations.derive(service, CONTAINER)
    assert as_application == alone(service, APPLICATION)
    assert as_container == alone(service, CONTAINER)
    assert as_application[0] != as_container[0]


def test_a_body_it_cannot_write_is_derived_alone() -> None:
    derivations = Derivations()
    huge = {**a_clone(1), "cpu": 1 << 70}  # beyond 64 bits: no key
    odd = a_clone(2)
    odd["healthchecks"] = {**odd["healthchecks"], 5: "a key that is not text"}
    assert derivations.derive(huge) == alone(huge)
    assert derivations.derive(odd) == alone(odd)
    assert len(derivations) == 0
    unread = a_clone(3)  # where the key keeps only what is read, such a key is not in it
    unread["git_repository"] = {**unread["git_repository"], 5: "a key that is not text"}
    assert derivations.derive(unread) == alone(unread)


def test_non_ascii_names_and_text_fingerprint_as_alone() -> None:
    derivations = Derivations()
    service = {**a_clone(1), "name": "Ünïcödé ✓", "description": "héllo\n"}
    assert derivations.derive(service) == alone(service)


@pytest.mark.parametrize("kind", sorted(LISTED))
def test_every_kind_reads_nothing_but_what_it_declares(kind: str) -> None:
    """The key's premise: a service cut to what its kind declares it reads (its marker
    stripped) normalises as the whole service."""
    found = LISTED[kind]
    service = {**a_clone(1), "source": {"image": {"image_name": "a", "tag": "1"}}}
    service.update(image_name="acme/api", tag="1.0", registry={"id": "r1"}, bulky="z" * 100)
    service["schedule"] = {"cronjob": {"scheduled_at": "0 3 * * *"}}
    cut = {key: service[key] for key in found.normalise_reads if key in service}
    cut["description"] = "the API"
    assert found.normalise(cut) == found.normalise(service)
    assert "id" not in found.normalise_reads and "name" not in found.normalise_reads


def test_a_field_no_kind_reads_never_enters_the_key() -> None:
    derivations = Derivations()
    first, second = a_clone(1), a_clone(2)
    first["x_changelog"], second["x_changelog"] = "a" * 10_000, "b" * 10_000
    assert derivations.derive(first) == alone(first)
    assert derivations.derive(second) == alone(second)
    assert len(derivations) == 1
    assert all(len(key) == 20 for key in derivations._known)  # a digest, never the body
