"""Kinds Qovery has that the reconciler cannot clone yet: helm, database, terraform. Pure.

Contract section 9: a source entry that names one of these is an error saying its kind is
not supported yet. To say so, the source environment's listing of the kind is read (only
when the name is found among no application, container or job: ``core.sources``); so these
kinds have paths and a listing key, and nothing else: ``normalise`` keeps nothing, and an
edit or a deploy of one is a bug.
"""

from __future__ import annotations

from reconciler.core.kinds.kind import ServiceKind
from reconciler.core.model import JSON, Config


def _nothing(config: Config, *, partial: bool = False) -> dict[str, JSON]:
    return {}


def _never_edited(
    current: Config, desired: Config, *, name: str, description: str, complete: bool = False
) -> dict[str, JSON]:
    raise NotImplementedError("a service of an unsupported kind is never edited")


def _never_deployed(version: str, clone: Config) -> dict[str, JSON]:
    raise NotImplementedError("a service of an unsupported kind is never deployed")


def _no_version(source: Config) -> str | None:
    return None


def listed_only(name: str) -> ServiceKind:
    """A kind that is only ever listed (``GET /environment/{id}/<name>``)."""
    return ServiceKind(
        name=name,
        segment=name,
        listing=f"{name}s",
        compared_fields=(),
        normalise=_nothing,
        edit_body=_never_edited,
        deploy_body=_never_deployed,
        deploy_version=_no_version,
        statuses=f"{name}_statuses",
    )


UNSUPPORTED = tuple(listed_only(name) for name in ("helm", "database", "terraform"))
