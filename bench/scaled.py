"""A scaled fleet for the plan benchmarks: 20 sources × N target environments of owned clones.

``apply`` (the real CLI, in-process, zero latency) clones the 20 sources of ``fleet.seed``
into ``target-000`` only; the other targets then receive copies of those 20 clones (fresh
ids, their ports' and storage's ids fresh too, as a real clone's, so that no two clones
list the same body; the ownership marker's ``id`` rewritten) straight into the sandbox's
store, so that a 10,000-clone fleet is ready in seconds instead of an apply of 10,000
creates. ``drifted`` of every 100 clones get their ``cpu`` changed in the console;
``variables`` clones declare their source's variable in the manifest
(``manifest(variable_sources=...)``).

Neighbours: ``bench/fleet.py`` (the seed and the manifest), ``bench/plan_scale.py`` and
``bench/profile_plan.py`` (its users; ``serve`` is their sandbox process).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from common import run_cli
from fleet import MANIFEST, SOURCES, seed, source_name

from reconciler.sandbox import RunningSandbox

UPDATED_OVERRIDES = "{cpu: 500, memory: 256}"  # every clone's override edited: all updates


def manifest(*, every_update: bool = False, variable_sources: int = 0) -> str:
    """The fleet's manifest; ``every_update``: an override edited for the whole fleet;
    ``variable_sources``: that many sources declare a variable (on each of their clones)."""
    names = [
        f"{{name: {source_name(n)}, variables: {{FEATURE_{n}: 'on'}}}}"
        if n < variable_sources
        else source_name(n)
        for n in range(SOURCES)
    ]
    text = MANIFEST % {"apps": ", ".join(names)}
    if every_update:
        text = text.replace("{cpu: 250, memory: 256}", UPDATED_OVERRIDES)
    return text


def scaled_seed(targets: int) -> dict[str, Any]:
    """``fleet.seed`` with ``targets`` target environments."""
    data = seed()
    environments = data["organizations"][0]["projects"][0]["environments"]
    environments[1:] = [{"name": f"target-{n:03d}", "mode": "PREVIEW"} for n in range(targets)]
    return data


def build(sandbox: RunningSandbox, targets: int, drifted_percent: int = 0) -> None:
    """Fill ``sandbox`` (seeded by ``scaled_seed(targets)``) with 20 owned clones per target."""
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.yaml"
        one.write_text(manifest().replace('{match: "target-*"}', "target-000"))
        done = run_cli(sandbox, "apply", str(one), "--auto-approve", "--no-color")
        assert done.code == 0, done.out[-2000:] + done.err[-2000:]
    state = sandbox.state()
    by_name = {e["name"]: i for i, e in state["environments"].items()}
    first = by_name["target-000"]
    clones = [a for a in state["applications"].values() if a["environment"]["id"] == first]
    deployments = state["deployments"]
    count = 0
    for name, env_id in sorted(by_name.items()):
        if not name.startswith("target-") or env_id == first:
            continue
        for clone in clones:
            new_id = str(uuid.uuid4())
            text = json.dumps(clone).replace(clone["id"], new_id).replace(first, env_id)
            copy = json.loads(text)
            for key in ("ports", "storage"):  # as a real clone: its own ids for each
                for item in copy.get(key) or ():
                    item["id"] = str(uuid.uuid4())
            count += 1
            if drifted_percent and count % 100 < drifted_percent:
                copy["cpu"] = 1000
            state["applications"][new_id] = copy
            if clone["id"] in deployments:
                deployments[new_id] = json.loads(
                    json.dumps(deployments[clone["id"]]).replace(clone["id"], new_id)
                )
    sandbox.replace_state(state)


def serve(pipe: Connection, targets: int, drifted: int) -> None:
    """Child process: the sandbox with the scaled fleet, until the parent sends anything."""
    from reconciler.sandbox import start

    with start(scaled_seed(targets), deploy_seconds=0.0) as sandbox:
        build(sandbox, targets, drifted)
        pipe.send((sandbox.url, sandbox.token))
        pipe.recv()
