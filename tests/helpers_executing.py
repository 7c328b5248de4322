"""Helpers of the executor's tests: desired states of the demo seed built by hand, planned
with the real planner from what the sandbox lists (no manifest loader involved)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpers_client import by_name, fast_client

from reconciler.core.model import DesiredClone, DesiredState, EnvironmentRef, Policy
from reconciler.core.ownership import read_marker
from reconciler.core.planning import plan
from reconciler.core.plans import Plan
from reconciler.edges.client import QoveryClient
from reconciler.edges.observing import observed_state
from reconciler.sandbox import RunningSandbox


class Demo:
    """The demo organization's environments as EnvironmentRefs, read through a client."""

    def __init__(self, sandbox: RunningSandbox, **client_options: Any) -> None:
        self.sandbox = sandbox
        self.client: QoveryClient = fast_client(sandbox, **client_options)
        acme = by_name(self.client.list_organizations(), "Acme")
        self.environments: dict[str, EnvironmentRef] = {}
        for project in self.client.list_projects(acme["id"]):
            for env in self.client.list_environments(project["id"]):
                self.environments[env["name"]] = EnvironmentRef(
                    env["id"], env["name"], project["id"], project["name"], acme["id"], env["mode"]
                )
        self.sources = {
            app["name"]: app for app in self.client.list_applications(self.env("staging").id)
        }

    def env(self, name: str) -> EnvironmentRef:
        return self.environments[name]

    def desired(
        self,
        apps: Sequence[str] = ("api", "web"),
        targets: Sequence[str] = ("preview-101", "preview-102"),
        *,
        overrides: dict[str, Any] | None = None,
        policy: Policy | None = None,
        manifest: str = "previews",
    ) -> DesiredState:
        policy = policy or Policy()
        staging = self.env("staging")
        clones = tuple(
            DesiredClone(
                address=f"{manifest}.{app}[{self.env(t).project_name}/{t}]",
                manifest=manifest,
                source_app_id=self.sources[app]["id"],
                source_app_name=app,
                source_env=staging,
                target_env=self.env(t),
                name=app,
                overrides=overrides if overrides is not None else {"cpu": 250},
                ignore=(),
                policy=policy,
            )
            for app in apps
            for t in targets
        )
        prune = {manifest: tuple(self.environments.values())} if policy.prune else {}
        return DesiredState(clones, (manifest,), {manifest: policy}, prune)

    def plan(self, desired: DesiredState, client: QoveryClient | None = None) -> Plan:
        """Observe every environment involved (one list each) and plan, as ``plan`` does."""
        client = client or self.client
        env_ids = {c.source_env.id for c in desired.clones} | {
            c.target_env.id for c in desired.clones
        }
        for envs in desired.prune_environments.values():
            env_ids |= {e.id for e in envs}
        apps = {e: client.list_applications(e) for e in env_ids}
        deploys = any(p.deploy for p in desired.policies.values())
        statuses = {e: client.list_application_statuses(e) for e in env_ids} if deploys else None
        return plan(desired, observed_state(apps, statuses), api_url=self.sandbox.url)

    def named(self, env: str, name: str) -> list[dict[str, Any]]:
        """Every application of ``env`` called ``name`` (any case), from the sandbox's state."""
        env_id = self.env(env).id
        return [
            app
            for app in self.sandbox.state()["applications"].values()
            if app["environment"]["id"] == env_id and app["name"].lower() == name.lower()
        ]

    def clone_of(self, env: str, name: str) -> dict[str, Any]:
        found = self.named(env, name)
        assert len(found) == 1, f"{len(found)} applications named {name} in {env}"
        return found[0]


def marker_manifest(app: dict[str, Any]) -> str | None:
    owner = read_marker(app.get("description"))
    return owner.manifest if owner else None


def add_stranger(demo: Demo, env: str, name: str, **fields: Any) -> dict[str, Any]:
    """An application made by hand (not a clone, no marker) in ``env``."""
    body = {
        "name": name,
        "git_repository": {"url": "https://github.com/acme/other.git", "provider": "GITHUB"},
        "healthchecks": {"readiness_probe": None, "liveness_probe": None},
        **fields,
    }
    return demo.sandbox.store.create_application(demo.env(env).id, body)
