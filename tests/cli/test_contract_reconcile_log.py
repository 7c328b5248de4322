"""Contract 5: ``reconcile`` logs each change's outcome, one JSON object per line.

Two changes can share an address: with a new name template and ``prune: true``, one owned
clone is renamed in place and a second owned clone of the same source is deleted. The log
deduplicated its lines by address, so one of the two outcomes was never logged although
``round_end`` counted it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from reconciler.core.ownership import read_marker, with_marker

MANIFEST = """\
apiVersion: reconciler/v1
kind: CloneSet
metadata: {{name: previews}}
spec:
  organization: Acme
  source: {{project: shop, environment: staging, applications: [api]}}
  targets: [{{environment: preview-101}}]
  name: "{template}"
  policy: {{prune: true}}
"""


def test_a_renamed_clone_logs_its_create_and_the_old_delete(
    cli: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    manifest = tmp_path / "previews.yaml"
    manifest.write_text(MANIFEST.format(template="{app}"))
    assert cli("apply", str(manifest), "--auto-approve").code == 0
    owned = sandbox.application("preview-101", "api")
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": sandbox.authorization}
    ) as http:
        copy = http.post(  # a second clone carrying the same marker: same manifest, same source
            f"/application/{owned['id']}/clone",
            json={"name": "api-old", "environment_id": sandbox.environment_id("preview-101")},
        )
        assert copy.status_code == 202, copy.text
    # a console copy is not owned (contract 18): its marker names the original; make it one the
    # reconciler wrote on it (as an older run of the manifest would have)
    marker = read_marker(owned["description"])
    assert marker is not None
    mine = replace(marker, clone_id=copy.json()["id"])
    sandbox.edit_out_of_band(copy.json()["id"], description=with_marker(owned["description"], mine))
    manifest.write_text(MANIFEST.format(template="{app}-v2"))

    result = cli("reconcile", str(manifest))

    assert result.code == 0, result
    events = [json.loads(line) for line in result.out.splitlines()]
    changes = [e for e in events if e["event"] == "change"]
    assert sorted((c["address"], c["action"], c["result"]) for c in changes) == [
        ("previews.api[shop/preview-101]", "delete", "ok"),
        ("previews.api[shop/preview-101]", "update", "ok"),
    ]
    end = events[-1]
    assert end["event"] == "round_end"
    assert (end["counts"]["updated"], end["counts"]["deleted"]) == (1, 1)
    assert sandbox.application("preview-101", "api-v2")["id"] == owned["id"]  # renamed in place
    assert sandbox.application("preview-101", "api") is None
    assert sandbox.application("preview-101", "api-old") is None
