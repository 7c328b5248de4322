"""The client's kind-parameterised calls (core.kinds) against the sandbox over loopback: the
application kind's calls are the application calls, path for path."""

from __future__ import annotations

import pytest
from helpers_client import Demo

from reconciler.core.errors import ConflictError, NotFoundError
from reconciler.core.kinds import APPLICATION
from reconciler.edges.client import QoveryClient


def test_listing_through_the_application_kind_is_list_applications(client: QoveryClient) -> None:
    demo = Demo(client)
    assert client.list_services(APPLICATION, demo.staging) == client.list_applications(demo.staging)
    assert client.list_service_statuses(APPLICATION, demo.staging) == (
        client.list_application_statuses(demo.staging)
    )
    assert client.get_service(APPLICATION, demo.api) == client.get_application(demo.api)


def test_every_write_of_the_application_kind_hits_the_application_endpoints(
    client: QoveryClient,
) -> None:
    demo = Demo(client)
    before = client.request_count
    clone = client.clone_service(APPLICATION, demo.api, "api-kind", demo.preview)
    edited = client.edit_service(APPLICATION, clone["id"], {**clone, "cpu": 250})
    assert edited["cpu"] == 250
    status = client.deploy_service(APPLICATION, clone["id"], "0123456789abcdef")
    assert status["id"] == clone["id"]
    counted = client.get_service_status(APPLICATION, clone["id"])
    assert counted["deployment_requests_count"] == 1
    client.delete_service(APPLICATION, clone["id"])
    with pytest.raises(NotFoundError):
        client.get_service(APPLICATION, clone["id"])
    assert client.request_count - before == 6
    with pytest.raises(ConflictError):
        client.clone_service(APPLICATION, demo.api, "WEB", demo.staging)
