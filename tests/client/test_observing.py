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
    # prune: true reads the organization's light listing of services with its environments
    assert kinds["services"] == (organizations if case == "prune" else 0)
    assert len(reader.calls) == (
        1 + 2 * organizations + kinds["services"] + environments * (2 if deploys else 1)
    )


def test_a_listing_the_recording_lacks_is_an_error(tmp_path: Path) -> None:
    catalog = json.loads((GOLDEN / "create-and-noop" / "catalog.json").read_text())
    catalog["applications"].popitem()
    with pytest.raises(MissingRecording, match="no applications listing for"):
        run("create-and-noop", RecordedReader(catalog))


def test_each_answer_is_a_fresh_copy() -> None:
    reader = RecordedReader({"organizations": [{"id": "o", "name": "Acme"}]})
    reader.list_organizations()[0]["name"] = "changed"
    assert reader.list_organizations() == [{"id": "o", "name": "Acme"}]


@pytest.mark.parametrize(
    "case",
    ["create-and-noop", "prune", "selector-matches-several", "interrupted-create-and-deploy"],
)
def test_the_source_environment_is_listed_first_and_a_pair_s_reads_together(case: str) -> None:
    """The order planning ahead needs: the sources' listing first (the manifests resolve as
    soon as it is in), and each environment's statuses (when read) right after its services."""
    text = (GOLDEN / case / "catalog.json").read_text(encoding="utf-8")
    staging = "e0000000-0000-4000-8000-000000000001"  # the source: its id now sorts last
    reader = RecordedReader(json.loads(text.replace(staging, "ffffffff-0000-4000-8000-0000")))
    clonesets = load([str(GOLDEN / case / "manifests")])
    api = "https://api.qovery.com"
    planned = plan_with(reader, clonesets, api_url=api, allow_deletes=True, parallelism=1)
    listed = [(kind, key) for kind, key in reader.calls if kind in ("applications", "statuses")]
    sources = {c.source_env.id for c in planned.observation.desired.clones}
    assert listed[0][0] == "applications" and listed[0][1] in sources, listed
    for index, (kind, env_id) in enumerate(listed):
        if kind == "statuses":
            assert listed[index - 1] == ("applications", env_id), listed
