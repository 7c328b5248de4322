"""Writing (core.writing), on plain data: the edit body carries the ignored paths from the
application just read, normalising only the fields those paths lie in; the body is exactly
the one built over the whole normalised application, for every kind, ignored path, complete
or partial write; and the premise: every kind normalises each compared field alone as it
does within the whole service."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from helpers_planning import application

from reconciler.core import writing
from reconciler.core.diffs import carry_ignored, project_onto
from reconciler.core.kinds import KINDS, LISTED, ServiceKind
from reconciler.core.ownership import Owner, with_marker
from reconciler.core.plans import Action, Change, Endpoint
from reconciler.core.writing import ignored_fields, kind_of, written_body


def a_service(**fields: Any) -> dict[str, Any]:
    """A listed service with what every kind reads (an application's fields, an image, a
    registry, a job's source and schedule), and a marker."""
    service = application("app-1", "api", "env-1", **fields)
    service.update(image_name="acme/api", tag="1.0", registry={"id": "r1"}, bulky="z" * 100)
    service["source"] = {"image": {"image_name": "a", "tag": "1"}}
    service["schedule"] = {"cronjob": {"scheduled_at": "0 3 * * *"}}
    service["description"] = with_marker("the API", Owner("fleet", "api", "src-1", None, "app-1"))
    return service


SERVICES = [
    a_service(),
    a_service(cpu="750", max_running_instances=None, auto_deploy=1, arguments=[]),
    a_service(healthchecks={"readiness_probe": None, "liveness_probe": None}),
    {key: value for key, value in a_service().items() if key not in ("ports", "memory")},
]
IGNORED = [
    ("max_running_instances",),
    ("cpu", "memory"),
    ("healthchecks.liveness_probe",),
    ("ports",),
    ("ports[8080].publicly_accessible",),
    ("description",),
    ("registry_id", "tag"),
    ("schedule.cronjob",),
    ("no_such_field",),
    ("auto_deploy", "storage", "git_repository.branch"),
    ("build_mode", "labels_groups", "icon_uri", "source.image.tag"),
]


@pytest.mark.parametrize("kind", sorted(LISTED))
@pytest.mark.parametrize("service", SERVICES)
def test_every_kind_normalises_each_compared_field_alone_as_in_the_whole(
    kind: str, service: dict[str, Any]
) -> None:
    """The premise of ``ignored_fields``: a compared field, cut out with what the kind reads
    besides the compared fields, normalises as it does within the whole service."""
    found = LISTED[kind]
    whole = found.normalise(service)
    for field in found.compared_fields:
        cut = {key: service[key] for key in (field, *found.reads_also) if key in service}
        assert found.normalise(cut).get(field, "absent") == whole.get(field, "absent"), field


def _change(kind: str, desired: dict[str, Any], complete: bool, ignore: tuple[str, ...]) -> Change:
    return Change(
        address="fleet.api[p/env]",
        action=Action.UPDATE,
        manifest="fleet",
        source=Endpoint("src-1", "api", "p", "staging", "env-0", kind),
        target=Endpoint("app-1", "api", "p", "env", "env-1", kind),
        owned=True,
        desired=desired,
        desired_is_complete=complete,
        ignore=ignore,
    )


def _as_before(change: Change, current: dict[str, Any]) -> dict[str, Any]:
    """``writing.carried`` as it was: over the whole normalised application."""
    actual: Any = kind_of(change).normalise(current)
    if not change.desired_is_complete:
        actual = project_onto(actual, change.desired)
    return carry_ignored(change.desired, actual, change.ignore)


def _desired(kind: ServiceKind, complete: bool) -> dict[str, Any]:
    planned = a_service(cpu=250, max_running_instances=3)
    planned["ports"][0]["publicly_accessible"] = False
    if complete:
        return kind.normalise(planned)
    overrides = {"cpu": 250, "max_running_instances": 3, "ports": planned["ports"]}
    overrides["healthchecks"] = {"liveness_probe": {"period_seconds": 20}}
    overrides["labels_groups"] = [{"id": "g1"}]
    return kind.normalise(overrides, partial=True)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("ignore", IGNORED)
@pytest.mark.parametrize("complete", [True, False])
def test_the_body_carries_the_ignored_paths_as_over_the_whole_normalised_service(
    kind: str, ignore: tuple[str, ...], complete: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = KINDS[kind]
    change = _change(kind, _desired(found, complete), complete, ignore)
    bodies = []
    for service in SERVICES:
        current = copy.deepcopy(service)
        bodies.append(json.dumps(written_body(change, current)))
        assert current == service  # the read is never changed
    whole = [found.normalise(service) for service in SERVICES]
    assert all(
        ignored_fields(found, s, ignore).items() <= w.items()
        for s, w in zip(SERVICES, whole, strict=True)
    )
    monkeypatch.setattr(writing, "carried", _as_before)
    before = [written_body(change, s) for s in SERVICES]
    assert bodies == [json.dumps(body) for body in before]  # the same bytes: keys in order
