"""``QoveryClient.list_organization_services`` against the sandbox over loopback: the light
listing of every service of an organization, its entries checked as the other listings' are
(an answer that does not identify and place each service stops the run, before any write)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers_client import Demo

from reconciler.core.errors import BadResponseError, NotFoundError
from reconciler.edges.client import QoveryClient


def test_the_light_listing_holds_every_service_of_the_organization(client: QoveryClient) -> None:
    demo = Demo(client)
    services = client.list_organization_services(demo.acme)
    staging = [s for s in services if s["environment_id"] == demo.staging]
    assert {s["id"] for s in staging if s["service_type"] == "APPLICATION"} == {
        a["id"] for a in demo.staging_apps
    }
    api = next(s for s in services if s["id"] == demo.api)
    assert api["description"] == client.get_application(demo.api)["description"]
    with pytest.raises(NotFoundError):
        client.list_organization_services("0a000000-0000-4000-8000-00000000dead")


@pytest.mark.parametrize(
    "entry",
    [
        {"id": "s1", "name": "api", "service_type": "CONTAINER"},  # no environment
        {"name": "api", "service_type": "CONTAINER", "environment_id": "e1"},  # no id
        "api",
    ],
)
def test_a_light_listing_that_does_not_place_its_services_is_refused(
    client: QoveryClient, sandbox: Any, entry: Any
) -> None:
    demo = Demo(client)
    path = f"/organization/{demo.acme}/services"
    rule = {"action": "respond", "method": "GET", "path": path, "status": 200}
    sandbox.set_faults(rules=[rule | {"body": json.dumps({"results": [entry]})}])
    with pytest.raises(BadResponseError, match="unexpected response shape"):
        client.list_organization_services(demo.acme)
