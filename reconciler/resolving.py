"""Resolution: manifests' names and UUIDs → Qovery ids, and the desired state. Pure.

INTERFACE STUB — bodies being written (issue 3). The I/O layer (``observing``) reads the
lists in three stages, each stage's calls in parallel, and calls these functions in between:

1. ``GET /organization``                          → ``organizations_needed(clonesets, orgs)``
2. per needed organization: projects and its environments (``GET /organization/{id}/project``,
   ``GET /organization/{id}/environments``)       → ``environments_needed(clonesets, catalog)``
3. per needed environment: its applications      → ``resolve(clonesets, catalog)``

Every function raises ``ResolutionError`` holding every diagnostic found (each pinned to the
manifest's ``file:line:column``), never just the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .model import JSON, CloneSet, DesiredState


@dataclass(frozen=True)
class Catalog:
    """The raw API lists read so far (plain dicts of the spec's shapes)."""

    organizations: tuple[JSON, ...]
    projects: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # org id →
    environments: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # org id →
    applications: Mapping[str, tuple[JSON, ...]] = field(default_factory=dict)  # env id →


def organizations_needed(clonesets: Sequence[CloneSet], organizations: Sequence[JSON]) -> tuple[str, ...]:
    """The ids of the organizations the manifests name (stage 1 → 2)."""
    raise NotImplementedError


def environments_needed(clonesets: Sequence[CloneSet], catalog: Catalog) -> tuple[str, ...]:
    """The ids of the environments whose applications must be listed (stage 2 → 3).

    Source environments, every resolved target environment (selectors included), and, for
    manifests with ``prune: true``, every environment of their organization.
    """
    raise NotImplementedError


def resolve(clonesets: Sequence[CloneSet], catalog: Catalog) -> DesiredState:
    """The desired state: one DesiredClone per (manifest, source application, target)."""
    raise NotImplementedError
