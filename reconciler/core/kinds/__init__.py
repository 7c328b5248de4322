"""Service kinds: what differs between Qovery's applications, containers and jobs. Pure.

Contract section 9: each kind has its own endpoints, compared fields, normalisation, edit
body and deploy body. A ``kind.ServiceKind`` value holds all of these, so that the layers
above ask the kind instead of naming "application": ``edges.client`` builds its
``*_service(kind, ...)`` calls from the kind's paths, ``observing`` lists each environment
once per kind the manifests clone there, ``planning`` normalises and ``executing`` builds the
edit body through the kind named by the clone (``DesiredClone.kind``, ``Endpoint.kind``).

Adding a kind (``container``, say) is data plus one small module:

1. ``kinds/container.py``: its rules as plain functions (its compared fields, its
   ``normalise``, its edit body, e.g. the full ``ContainerRequest``; ``{image_tag}`` as its
   deploy body), ending with ``CONTAINER = ServiceKind(name="container", segment="container",
   listing="containers", ...)`` (``reads_also``: any field its ``normalise`` reads but does not
   compare, so that ``derivations`` keys on it; ``field_reads``: per field, the part of its
   value that ``normalise`` reads, ``normalising.FIELD_READS`` for the shared rules);
2. one entry below, in ``KINDS``.

Nothing in the client, the observer, the planner or the executor changes for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from reconciler.core.kinds.application import APPLICATION
from reconciler.core.kinds.container import CONTAINER
from reconciler.core.kinds.job import JOB
from reconciler.core.kinds.kind import EditBodyBuilder, Normaliser, ServiceKind
from reconciler.core.kinds.unsupported import UNSUPPORTED

__all__ = [
    "APPLICATION",
    "CONTAINER",
    "DEFAULT_KIND",
    "JOB",
    "KINDS",
    "LISTED",
    "EditBodyBuilder",
    "Normaliser",
    "ServiceKind",
    "UnknownKind",
    "kind_named",
    "registry",
]

DEFAULT_KIND = APPLICATION.name
"""The kind of a clone, change or plan document that names none."""


class UnknownKind(LookupError):
    """A kind name that no registered kind has."""


def registry(kinds: Iterable[ServiceKind]) -> Mapping[str, ServiceKind]:
    """A read-only registry of ``kinds`` by name; two kinds of one name are a bug."""
    by_name: dict[str, ServiceKind] = {}
    for kind in kinds:
        if kind.name in by_name:
            raise ValueError(f"two service kinds are named {kind.name!r}")
        by_name[kind.name] = kind
    return MappingProxyType(by_name)


KINDS: Mapping[str, ServiceKind] = registry([APPLICATION, CONTAINER, JOB])
"""Every kind the reconciler handles, by name."""

LISTED: Mapping[str, ServiceKind] = registry([*KINDS.values(), *UNSUPPORTED])
"""Every kind the reconciler may list: those it handles, and those it only names
(``kinds.unsupported``: a source of such a kind is an error that says so)."""


def kind_named(name: str, kinds: Mapping[str, ServiceKind] = KINDS) -> ServiceKind:
    """The kind called ``name``; ``UnknownKind`` names the known ones otherwise."""
    found = kinds.get(name)
    if found is None:
        known = ", ".join(sorted(kinds)) or "none"
        raise UnknownKind(f"unknown service kind {name!r} (known: {known})")
    return found
