"""The ``ServiceKind`` value: what one kind of Qovery service decides. Pure.

A kind (``application`` today; ``container`` and ``job`` next, contract section 9) names its
API path segment and derives every path from it (``GET /environment/{id}/<segment>``,
``POST /<segment>/{id}/clone``, ``PUT``/``GET``/``DELETE /<segment>/{id}``, ``…/status``,
``…/deploy``), and carries its compared fields, its ``normalise``, its edit-body builder and
its deploy-body builder. Paths take ids already made safe as one path segment (the client
quotes them). A kind holds functions, never logic of its own: the rules live in the modules
it wraps (``normalising``, ``edits`` for applications).

Neighbours: ``kinds.application`` describes the application kind; ``kinds`` (the package)
holds the registry; ``edges.client`` builds its calls from these paths; ``planning``,
``observing`` and ``executing`` look a kind up by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from reconciler.core.edits import REQUEST_SHAPES, edit_request
from reconciler.core.model import JSON, Config
from reconciler.core.variables import scope_of


class Normaliser(Protocol):
    """``normalising.normalise``'s shape: a raw object (or overrides) → compared configuration."""

    def __call__(self, config: Config, *, partial: bool = False) -> dict[str, JSON]: ...


class EditBodyBuilder(Protocol):
    """``edits.edit_request``'s shape: the full ``PUT`` body from ``current`` to ``desired``."""

    def __call__(
        self,
        current: Config,
        desired: Config,
        *,
        name: str,
        description: str,
        complete: bool = False,
    ) -> dict[str, JSON]: ...


def edit_body_of(
    fields: tuple[str, ...],
    shapes: Mapping[str, Callable[[JSON], JSON]] = REQUEST_SHAPES,
    prepare: Callable[[Config], Config] = lambda current: current,
) -> EditBodyBuilder:
    """The edit-body builder of a kind: ``edits.edit_request`` over its compared ``fields``
    and request ``shapes``, the observed service ``prepare``d first (a container names its
    registry as ``registry_id``)."""

    def build(
        current: Config,
        desired: Config,
        *,
        name: str,
        description: str,
        complete: bool = False,
    ) -> dict[str, JSON]:
        return edit_request(
            prepare(current),
            desired,
            name=name,
            description=description,
            complete=complete,
            fields=fields,
            shapes=shapes,
        )

    return build


ReadsForKey = tuple[tuple[str, ...], tuple[tuple[str, Callable[[JSON], JSON]], ...], bool]
"""What a kind's ``normalise`` reads: the fields read whole, each field read in part with its
cut (``ServiceKind.field_reads``), and whether the description (``ServiceKind.reads_for_key``)."""


@dataclass(frozen=True)
class ServiceKind:
    """One kind of Qovery service, and everything the layers ask of it.

    ``name`` is the word of the plan document and manifests (``"application"``); ``segment``
    the API path segment; ``listing`` the key of a recorded catalog's listings
    (``"applications"``), ``statuses`` that of its status listings. ``deploy_version``
    reads the version to deploy off the SOURCE as listed (a commit for an application, an
    image tag for a container, either for a job, per its source); ``deploy_body`` turns it
    into the deploy call's body, given the clone as it is deployed (a job's body depends on
    its source). ``reads_also``: the fields ``normalise`` reads that it does not compare (a
    container's ``registry``).
    """

    name: str
    segment: str
    listing: str
    compared_fields: tuple[str, ...]
    normalise: Normaliser
    edit_body: EditBodyBuilder
    deploy_body: Callable[[str, Config], dict[str, JSON]]
    deploy_version: Callable[[Config], str | None]
    statuses: str
    # The Git repository a service is built from (``url``, ``branch``...), or ``None`` for
    # one run from an image: a clone built from another branch deploys its own head
    # (``core.deploying``), read at ``commits_path``.
    git_repository: Callable[[Config], Mapping[str, JSON] | None] = lambda config: None
    reads_also: tuple[str, ...] = ()  # what ``normalise`` reads besides the compared fields
    # Per field it reads, the part of the value ``normalise`` reads (``normalising.FIELD_READS``:
    # a port without its id...); a field not named here is read whole.
    field_reads: Mapping[str, Callable[[JSON], JSON]] = field(default_factory=dict, compare=False)

    @property
    def normalise_reads(self) -> tuple[str, ...]:
        """Every field of a listed service that its ``normalise`` reads: no other field can
        change what it makes (``derivations`` keys its cache on these alone)."""
        return (*self.compared_fields, *self.reads_also)

    @cached_property
    def reads_for_key(self) -> ReadsForKey:
        """``normalise_reads`` as ``derivations`` keys on them, worked out once per kind: the
        fields read whole (the description apart), each field read in part with its cut, and
        whether the description is read."""
        fields, cuts = self.normalise_reads, self.field_reads
        whole = tuple(name for name in fields if name not in cuts and name != "description")
        cut = tuple((name, cuts[name]) for name in fields if name in cuts)
        return whole, cut, "description" in fields

    @property
    def api_type(self) -> str:
        """The API's name of the kind (``ServiceTypeEnum``, a variable's scope):
        ``APPLICATION``, ``CONTAINER``, ``JOB``: the variables' ``scope_of`` its name."""
        return scope_of(self.name)

    def list_path(self, environment_id: str) -> str:
        """GET: every service of this kind in an environment."""
        return f"/environment/{environment_id}/{self.segment}"

    def statuses_path(self, environment_id: str) -> str:
        """GET: the statuses of every service of this kind in an environment."""
        return f"/environment/{environment_id}/{self.segment}/status"

    def item_path(self, service_id: str) -> str:
        """GET (read), PUT (edit) and DELETE of one service."""
        return f"/{self.segment}/{service_id}"

    def clone_path(self, service_id: str) -> str:
        """POST ``{name, environment_id}``: clone one service."""
        return f"/{self.segment}/{service_id}/clone"

    def status_path(self, service_id: str) -> str:
        """GET: one service's status."""
        return f"/{self.segment}/{service_id}/status"

    def deploy_path(self, service_id: str) -> str:
        """POST ``deploy_body(version)``: deploy one service."""
        return f"/{self.segment}/{service_id}/deploy"

    def commits_path(self, service_id: str) -> str:
        """GET: the last commits of the branch the service is built from, newest first."""
        return f"/{self.segment}/{service_id}/commit"
