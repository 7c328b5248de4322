"""Observing reads through a Reader, stage by stage: over a recorded catalog (no network) the
calls of a run are counted exactly, and a listing the recording lacks is an error, never an
empty environment."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reconciler.edges.reading import MissingRecording, RecordedReader
from reconciler.pipeline import load, plan_with

GOLDEN = Path(__file__).parents[1] / "manifests" / "golden"


def run(case: str, reader: RecordedReader) -> None:
    clonesets = load([str(GOLDEN / case / "manifests")])
    plan_with(reader, clonesets, api_url="https://api.qovery.com", allow_deletes=True)


@pytest.mark.parametrize("case", ["create-and-noop", "interrupted-create-and-deploy", "prune"])
def test_a_run_costs_one_call_per_organization_listing_and_per_environment(case: str) -> None:
    reader = RecordedReader.from_file(GOLDEN / case / "catalog.json")
    run(case, reader)
    assert len(reader.calls) == len(set(reader.calls)), "a listing was read twice"
    kinds = Counter(kind for kind, _ in reader.calls)
    organizations = kinds["projects"]
    environments = kinds["applications"]
    assert kinds["organizations"] == 1
    assert kinds["environments"] == organizations >= 1
    assert kinds["statuses"] in (0, environments)
    deploys = case == "interrupted-create-and-deploy"
    assert (kinds["statuses"] == environments) is deploys
    assert len(reader.calls) == 1 + 2 * organizations + environments * (2 if deploys else 1)


def test_a_listing_the_recording_lacks_is_an_error(tmp_path: Path) -> None:
    catalog = json.loads((GOLDEN / "create-and-noop" / "catalog.json").read_text())
    catalog["applications"].popitem()
    with pytest.raises(MissingRecording, match="no applications listing for"):
        run("create-and-noop", RecordedReader(catalog))


def test_each_answer_is_a_fresh_copy() -> None:
    reader = RecordedReader({"organizations": [{"id": "o", "name": "Acme"}]})
    reader.list_organizations()[0]["name"] = "changed"
    assert reader.list_organizations() == [{"id": "o", "name": "Acme"}]
