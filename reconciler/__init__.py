"""reconciler: declarative cloning of Qovery applications into many environments.

Manifests (YAML, ``kind: CloneSet``) declare which source applications are cloned into which
target environments, with overrides; ``plan`` shows what would change, ``apply`` makes it so,
``drift`` reports where reality wandered, ``reconcile`` runs unattended, ``sandbox`` serves a
local Qovery-compatible API.

From Python: ``reconciler.load``, ``reconciler.connect``, ``reconciler.plan`` and
``reconciler.apply`` (see ``reconciler.library``), imported on first use so that
``import reconciler`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from reconciler.core.version import VERSION as __version__

__all__ = ["__version__", "apply", "connect", "load", "plan"]


def __getattr__(name: str) -> Any:
    if name in ("apply", "connect", "load", "plan"):
        from reconciler import library

        return getattr(library, name)
    raise AttributeError(f"module 'reconciler' has no attribute {name!r}")
