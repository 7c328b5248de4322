"""Golden files: real manifests and raw API listings in, the text / JSON / markdown plan out.

One folder per case under ``tests/manifests/golden/<case>/``:

- ``manifests/*.yaml``: CloneSet manifests, as a user writes them;
- ``catalog.json``: what Qovery holds, in the shapes of the API's list responses:
  ``organizations`` (a list), ``projects`` and ``environments`` (organization id → list),
  ``applications`` (environment id → list) and, for cases that deploy, ``statuses``
  (environment id → the ``/application/status`` list);
- ``plan.txt``, ``plan.json``, ``drift.md``: the expected renderings.

The test runs the pipeline of ``observing.observe`` stage by stage with the catalog in place of
the network: ``validating.load_manifests`` → ``resolving.organizations_needed`` /
``environments_needed`` / ``resolve`` → ``observing.observed_state`` → ``planning.plan`` →
the renderers. Only what a stage asks for is read from the catalog, as the client would.
Regenerate after an intended change with
``UPDATE_GOLDEN=1 pytest tests/manifests/test_golden.py`` and
review the diff by eye.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.core.model import CloneSet
from reconciler.core.planning import plan
from reconciler.core.plans import Plan, to_document
from reconciler.core.resolving import Catalog, environments_needed, organizations_needed, resolve
from reconciler.edges.observing import observed_state
from reconciler.edges.planfile import from_document, plan_schema
from reconciler.edges.validating import load_manifests
from reconciler.rendering import json_document, markdown, text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "catalog.json").exists())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
API_URL = "https://api.qovery.com"


def listed(listings: Mapping[str, Any], kind: str, key: str) -> list[Any]:
    """One list call's answer from the catalog; a case that lacks it is an incomplete case."""
    assert key in listings[kind], f"catalog.json has no {kind} listing for {key}"
    answer: list[Any] = listings[kind][key]
    return answer


def make_plan(case: str) -> Plan:
    folder = GOLDEN / case
    clonesets = load_manifests([str(folder / "manifests")])
    listings = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
    organizations = tuple(listings["organizations"])
    org_ids = organizations_needed(clonesets, organizations)
    catalog = Catalog(
        organizations=organizations,
        projects={org: tuple(listed(listings, "projects", org)) for org in org_ids},
        environments={org: tuple(listed(listings, "environments", org)) for org in org_ids},
    )
    env_ids = environments_needed(clonesets, catalog)
    applications = {env: listed(listings, "applications", env) for env in env_ids}
    catalog = replace(catalog, applications={env: tuple(a) for env, a in applications.items()})
    desired = resolve(clonesets, catalog)
    statuses = statuses_read(clonesets, listings, env_ids)
    return plan(desired, observed_state(applications, statuses), api_url=API_URL)


def statuses_read(
    clonesets: tuple[CloneSet, ...], listings: Mapping[str, Any], env_ids: tuple[str, ...]
) -> dict[str, list[Any]] | None:
    """The status listings, read (as ``observe`` does) only when a manifest deploys."""
    if not any(c.policy.deploy for c in clonesets):
        return None
    return {env: listed(listings, "statuses", env) for env in env_ids}


def outputs(result: Plan) -> dict[str, str]:
    plan_txt, drift_md = io.StringIO(), io.StringIO()
    text.render_plan(result, plan_txt)
    markdown.render_drift(result, drift_md)
    return {
        "plan.txt": plan_txt.getvalue(),
        "plan.json": json_document.dumps(result),
        "drift.md": drift_md.getvalue(),
    }


def test_there_are_at_least_five_cases() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    result = make_plan(case)
    for name, produced in outputs(result).items():
        expected_file = GOLDEN / case / name
        if UPDATE:
            expected_file.write_text(produced, encoding="utf-8")
            continue
        assert expected_file.exists(), f"{expected_file} is missing: run with UPDATE_GOLDEN=1"
        assert produced == expected_file.read_text(encoding="utf-8"), f"{case}/{name} differs"


@pytest.mark.parametrize("case", CASES)
def test_golden_plan_document_validates_and_round_trips(case: str) -> None:
    document = json.loads((GOLDEN / case / "plan.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(plan_schema()).validate(document)
    assert to_document(from_document(document)) == document
