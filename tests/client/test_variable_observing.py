"""Observing variables costs one read per existing clone of a manifest that declares
variables, and none otherwise (contract section 10), counted over a recorded catalog."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from reconciler.edges.reading import RecordedReader
from reconciler.pipeline import load, plan_with

GOLDEN = Path(__file__).parents[1] / "manifests" / "golden"
CASE = GOLDEN / "create-and-noop"


def counted(manifests: Path, catalog: dict[str, Any]) -> Counter[str]:
    reader = RecordedReader(catalog)
    plan_with(reader, load([str(manifests)]), api_url="https://api.qovery.com")
    return Counter(kind for kind, _ in reader.calls)


def test_a_manifest_without_variables_reads_none_and_with_variables_one_per_clone(
    tmp_path: Path,
) -> None:
    catalog = json.loads((CASE / "catalog.json").read_text())
    before = counted(CASE / "manifests", catalog)
    assert before["variables"] == 0
    manifests = tmp_path / "manifests"
    shutil.copytree(CASE / "manifests", manifests)
    (path,) = manifests.glob("*.yaml")
    path.write_text(path.read_text() + "  variables: {LOG_LEVEL: debug}\n")
    existing = ["api-1", "web-1", "web-2"]  # three of the four clones exist (the golden plan)
    ids = [
        app["id"]
        for apps in catalog["applications"].values()
        for app in apps
        if app["name"] in ("api", "web") and app.get("description", "").find("previews") >= 0
    ]
    catalog["variables"] = {clone_id: [] for clone_id in ids}
    after = counted(manifests, catalog)
    assert after["variables"] == len(existing) == len(ids)
    assert after - Counter(variables=len(ids)) == before
