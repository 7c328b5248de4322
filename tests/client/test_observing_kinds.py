"""Observing a manifest of a container and a job over a recorded catalog: one list call per
(kind, environment) it clones into, each read once; the applications of an application-only
manifest are covered by test_observing (unchanged counts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from reconciler.edges.reading import RecordedReader
from reconciler.pipeline import load, plan_with

CASE = Path(__file__).parents[1] / "manifests" / "golden" / "containers-and-jobs"


def test_a_mixed_manifest_lists_each_kind_once_per_environment() -> None:
    reader = RecordedReader.from_file(CASE / "catalog.json")
    clonesets = load([str(CASE / "manifests")])
    plan_with(reader, clonesets, api_url="https://api.qovery.com", allow_deletes=True)
    assert len(reader.calls) == len(set(reader.calls)), "a listing was read twice"
    kinds = Counter(kind for kind, _ in reader.calls)
    organizations = kinds["projects"]
    environments = kinds["jobs"]  # prune: true: every environment of the organization
    assert kinds["containers"] == environments
    # the applications were read in the first stage, before 'frontend' was found among the
    # containers; the helm, database and terraform services never were
    assert kinds["applications"] == environments
    assert set(kinds) == {
        "organizations",
        "projects",
        "environments",
        "services",  # prune: true: the organization's light listing, with its environments
        "applications",
        "containers",
        "jobs",
    }
    assert len(reader.calls) == 1 + 3 * organizations + 3 * environments
