"""Two declared clones that would carry one name in one environment. Pure.

Whatever manifests declare them, Qovery keeps names unique per environment (across kinds),
so such a pair can never both exist: ``resolving`` reports each one found here at its
manifest's target, and nothing is planned. Neighbours: ``resolving`` (the only caller).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reconciler.core.model import DesiredClone


def duplicate_clones(clones: Sequence[DesiredClone]) -> Iterator[tuple[DesiredClone, str]]:
    """Each clone whose (environment, name) an earlier clone has, with what to say of it."""
    first: dict[tuple[str, str], DesiredClone] = {}
    for clone in clones:
        key = (clone.target_env.id, clone.name.casefold())
        earlier = first.setdefault(key, clone)
        if earlier is clone:
            continue
        env = clone.target_env
        if earlier.address == clone.address:
            yield (
                clone,
                (
                    f"{clone.address} is declared twice: two targets of manifest {clone.manifest} "
                    f"reach {env.project_name}/{env.name}"
                ),
            )
        else:
            yield (
                clone,
                (
                    f"two clones would be named '{clone.name}' in {env.project_name}/{env.name}: "
                    f"{earlier.address} and {clone.address}"
                ),
            )
