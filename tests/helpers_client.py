"""Helpers for the client tests: a client with short waits, and names → ids of the demo seed."""

from __future__ import annotations

from typing import Any

from reconciler.edges.client import QoveryClient

FAST = {"backoff_base": 0.01, "backoff_max": 0.2, "max_retries": 3, "timeout": 5.0}


def fast_client(sandbox: Any, *, scheme: str = "Token", **options: Any) -> QoveryClient:
    """A client of ``sandbox`` that retries 3 times with waits of a few milliseconds."""
    return QoveryClient(sandbox.url, f"{scheme} {sandbox.token}", **{**FAST, **options})


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The one item named ``name`` (case-insensitively)."""
    matches = [item for item in items if str(item.get("name", "")).lower() == name.lower()]
    assert len(matches) == 1, f"{name!r} among {[i.get('name') for i in items]}"
    return matches[0]


class Demo:
    """Ids of the demo organization, read through the client under test."""

    def __init__(self, client: QoveryClient) -> None:
        self.acme = by_name(client.list_organizations(), "Acme")["id"]
        self.shop = by_name(client.list_projects(self.acme), "shop")["id"]
        envs = client.list_environments(self.shop)
        self.staging = by_name(envs, "staging")["id"]
        self.preview = by_name(envs, "preview-101")["id"]
        self.staging_apps = client.list_applications(self.staging)
        self.api = by_name(self.staging_apps, "api")["id"]
