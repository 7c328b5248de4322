"""The fault soak with variables: seeded applies of manifests that declare a plain value, an
alias of each environment's postgres built-in, an alias of an environment variable and a
secret, under random faults that include the ``/variable`` calls (5xx, dropped connections
before and after acting, truncated answers), then without faults until the plan is empty.

Each run must end with every clone holding exactly its declared variables (none lost, none
twice, each alias in the clone's own environment, the secret's stored value the runner's),
every variable that belongs to no clone (staging's, the environments') untouched, one owned
clone per target, and no traceback.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from common import check_clones, plan_is_empty, run_cli, write_demo_manifests
from soak import draw_faults, halved

from reconciler.core.ownership import read_marker
from reconciler.sandbox import RunningSandbox, start
from reconciler.sandbox.variable_writes import create_variable
from reconciler.sandbox.variables import builtins_of

SECRET = "sk_test_soak_42"
VARIABLES = """  variables:
    PUBLIC_URL: "https://{name}-{environment}.acme.dev"
    DATABASE_URL: {alias: {service: postgres, builtin: DATABASE_URL_INTERNAL}}
    CACHE_HOST: {alias: REDIS_HOST}
    STRIPE_KEY: {secret: {from_env: SOAK_STRIPE_KEY}}
    LOG_LEVEL: null
"""
VARIABLE_PATHS = (("POST", "/variable"), ("POST", "/variable/*"), ("PUT", "/variable/*"))


def variable_faults(rng: random.Random) -> dict[str, Any]:
    faults = draw_faults(rng)
    for _ in range(rng.randint(1, 3)):
        method, path = rng.choice(
            (*VARIABLE_PATHS, ("GET", "/variable"), ("DELETE", "/variable/*"))
        )
        action = rng.choice(("drop", "drop_after", "truncate"))
        faults["rules"].append({"action": action, "method": method, "path": path, "times": 1})
    return faults


def seed_environment_variables(sandbox: RunningSandbox) -> None:
    store = sandbox.store
    for env in ("preview-101", "preview-102", "preview-103", "qa"):
        env_id = sandbox.environment_id(env)
        body = {"key": "REDIS_HOST", "value": f"redis-{env}", "is_secret": False}
        body |= {"variable_scope": "ENVIRONMENT", "variable_parent_id": env_id}
        store.write_variables(create_variable, body)


def not_of_clones(state: dict[str, Any]) -> dict[str, str]:
    clones = {
        service["id"]
        for table in ("applications", "containers", "jobs")  # the demo clones all three kinds
        for service in state.get(table, {}).values()
        if read_marker(service.get("description"))
    }
    return {
        vid: json.dumps(v, sort_keys=True)
        for vid, v in state.get("variables", {}).items()
        if v["parent_id"] not in clones
    }


def variable_problems(sandbox: RunningSandbox) -> list[str]:
    """Every way a clone's variables differ from the declaration."""
    state = sandbox.state()
    stored = state.get("variables", {})
    databases = {d["environment"]["id"]: d["id"] for d in state.get("databases", {}).values()}
    problems = []
    for app in state["applications"].values():
        if read_marker(app.get("description")) is None:
            continue
        env_id = app["environment"]["id"]
        own = [v for v in stored.values() if v["parent_id"] == app["id"]]
        keys = sorted(v["key"] for v in own)
        if keys != sorted({"PUBLIC_URL", "DATABASE_URL", "CACHE_HOST", "STRIPE_KEY"}):
            problems.append(f"{app['name']} in {env_id}: {keys}")
            continue
        by_key = {v["key"]: v for v in own}
        db = databases[env_id].split("-")[0].upper()
        alias = by_key["DATABASE_URL"]["target_id"]
        target = next((v for v in builtins_of(state, env_id) if v["id"] == alias), None)
        if target is None or f"_Z{db}_" not in target["key"]:
            problems.append(f"{app['name']} in {env_id}: DATABASE_URL points elsewhere")
        redis = stored.get(by_key["CACHE_HOST"]["target_id"] or "")
        if redis is None or redis["parent_id"] != env_id:
            problems.append(f"{app['name']} in {env_id}: CACHE_HOST points elsewhere")
        if by_key["STRIPE_KEY"]["value"] != SECRET or not by_key["STRIPE_KEY"]["is_secret"]:
            problems.append(f"{app['name']} in {env_id}: STRIPE_KEY is not the runner's secret")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_apply_with_variables_under_faults_converges_and_loses_nothing(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOAK_STRIPE_KEY", SECRET)
    manifests = write_demo_manifests(tmp_path / "manifests")
    for name in ("previews.yaml", "qa.yaml"):
        path = Path(manifests) / name
        path.write_text(path.read_text() + VARIABLES)
    rng = random.Random(seed)
    with start(deploy_seconds=0.05) as sandbox:
        seed_environment_variables(sandbox)
        before = not_of_clones(sandbox.state())
        faults = variable_faults(rng)
        converged = False
        for mix in (faults, halved(faults), {}, {}):
            sandbox.set_faults(**mix)
            result = run_cli(sandbox, "apply", manifests, "--auto-approve", "--no-color")
            assert not result.traceback, result.err
            sandbox.clear_faults()
            if plan_is_empty(sandbox, manifests):
                converged = True
                break
        assert converged, run_cli(sandbox, "plan", manifests).out
        faulted = [
            r
            for r in sandbox.requests()
            if r["path"].startswith("/variable") and (r["status"] is None or r["status"] >= 500)
        ]
        assert faulted, "no variable call met a fault: the soak proves nothing"
        clones = check_clones(sandbox)
        assert (clones.duplicates, clones.missing, clones.unowned) == (0, 0, 0)
        assert variable_problems(sandbox) == []
        assert not_of_clones(sandbox.state()) == before
