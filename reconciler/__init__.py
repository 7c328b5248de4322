"""reconciler: declarative cloning of Qovery applications into many environments.

Manifests (YAML, ``kind: CloneSet``) declare which source applications are cloned into which
target environments, with overrides; ``plan`` shows what would change, ``apply`` makes it so,
``drift`` reports where reality wandered, ``reconcile`` runs unattended, ``sandbox`` serves a
local Qovery-compatible API.
"""

__version__ = "0.1.0"
