"""The application kind: a service built from a Git repository. Pure.

Nothing here but wiring: the compared fields and ``normalise`` are ``normalising``'s, the
edit body is ``edits.edit_request`` (a full ``ApplicationEditRequest``), and a deploy sends
``{git_commit_id}`` (QOVERY-NOTES). Neighbour: ``kinds`` registers ``APPLICATION``.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.core.edits import edit_request
from reconciler.core.kinds.kind import ServiceKind
from reconciler.core.model import JSON, Config
from reconciler.core.normalising import COMPARED_FIELDS, FIELD_READS, normalise


def deploy_body(commit: str, clone: Config | None = None) -> dict[str, JSON]:
    """``POST /application/{id}/deploy`` deploys one commit of the application's branch."""
    return {"git_commit_id": commit}


def git_repository(config: Config) -> Mapping[str, JSON] | None:
    """The repository and branch the application is built from."""
    repo = config.get("git_repository")
    return repo if isinstance(repo, Mapping) else None


def deployed_commit(source: Config) -> str | None:
    """The commit the source runs (``git_repository.deployed_commit_id``), if any."""
    repo = source.get("git_repository")
    commit = repo.get("deployed_commit_id") if isinstance(repo, Mapping) else None
    return commit if isinstance(commit, str) and commit else None


APPLICATION = ServiceKind(
    name="application",
    segment="application",
    listing="applications",
    compared_fields=COMPARED_FIELDS,
    normalise=normalise,
    edit_body=edit_request,
    deploy_body=deploy_body,
    deploy_version=deployed_commit,
    statuses="statuses",
    git_repository=git_repository,
    field_reads=FIELD_READS,
)
