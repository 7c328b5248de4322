"""The service-kind seam (core.kinds): the registry, and the application kind is the
existing rules of normalising and edits, on plain data."""

from __future__ import annotations

import pytest

from reconciler.core.edits import edit_request
from reconciler.core.kinds import (
    APPLICATION,
    CONTAINER,
    JOB,
    KINDS,
    ServiceKind,
    UnknownKind,
    kind_named,
    registry,
)
from reconciler.core.normalising import COMPARED_FIELDS, normalise
from reconciler.core.plan_documents import _endpoint, _endpoint_document
from reconciler.core.plans import Endpoint

RAW = {
    "id": "a1",
    "name": "api",
    "description": "the api",
    "cpu": "250",
    "ports": [{"id": "p1", "internal_port": 8080, "publicly_accessible": True}],
    "created_at": "2026-01-01T00:00:00Z",
}


def test_the_registry_holds_the_three_kinds_by_name() -> None:
    assert dict(KINDS) == {"application": APPLICATION, "container": CONTAINER, "job": JOB}
    assert kind_named("application") is APPLICATION


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(UnknownKind, match=r"'helm' \(known: application, container, job\)"):
        kind_named("helm")


def test_two_kinds_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="two service kinds"):
        registry([APPLICATION, APPLICATION])


def test_application_paths_are_the_application_endpoints() -> None:
    kind = APPLICATION
    assert kind.list_path("e1") == "/environment/e1/application"
    assert kind.statuses_path("e1") == "/environment/e1/application/status"
    assert kind.item_path("a1") == "/application/a1"
    assert kind.clone_path("a1") == "/application/a1/clone"
    assert kind.status_path("a1") == "/application/a1/status"
    assert kind.deploy_path("a1") == "/application/a1/deploy"
    assert kind.deploy_body("abc123", {}) == {"git_commit_id": "abc123"}
    assert kind.deploy_version({"git_repository": {"deployed_commit_id": "abc"}}) == "abc"
    assert kind.deploy_version({"git_repository": {}}) is None
    assert kind.listing == "applications"
    assert kind.compared_fields == COMPARED_FIELDS


def test_application_normalise_is_normalisings() -> None:
    assert APPLICATION.normalise(RAW) == normalise(RAW)
    assert APPLICATION.normalise({"cpu": "250"}, partial=True) == {"cpu": 250}


def test_application_edit_body_is_edits() -> None:
    desired = normalise({**RAW, "cpu": 1000})
    body = APPLICATION.edit_body(RAW, desired, name="api-pr", description="d", complete=True)
    assert body == edit_request(RAW, desired, name="api-pr", description="d", complete=True)
    assert body["cpu"] == 1000 and body["name"] == "api-pr"


def test_a_second_kind_derives_its_own_paths_and_registers_beside() -> None:
    container = ServiceKind(
        name="container",
        segment="container",
        listing="containers",
        compared_fields=("image_name", "tag"),
        normalise=normalise,
        edit_body=edit_request,
        deploy_body=lambda tag, clone: {"image_tag": tag},
        deploy_version=lambda source: None,
        statuses="helm_statuses",
    )
    kinds = registry([APPLICATION, container])
    assert kind_named("container", kinds).clone_path("c1") == "/container/c1/clone"
    assert kind_named("container", kinds).deploy_body("v2", {}) == {"image_tag": "v2"}
    assert kind_named("container", kinds) is not CONTAINER


def test_the_plan_document_carries_the_kind_and_reads_without_it_as_application() -> None:
    side = Endpoint("a1", "api", "shop", "staging", "e1")
    document = _endpoint_document(side)
    assert document["kind"] == "application"
    del document["kind"]
    assert _endpoint(document) == side
    assert _endpoint({**document, "kind": "container"}).kind == "container"
