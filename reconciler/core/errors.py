"""Every error the reconciler raises on purpose, and the exit codes they map to.

The tree (catch the narrowest class that means something to you)::

    ReconcilerError                  any error that is the user's or the API's, never a bug
    ├── UsageError                   a bad flag or flag combination              (exit 1)
    ├── ConfigError                  bad connection settings: URL, token file    (exit 1)
    ├── ManifestError                one or more Diagnostics about manifests     (exit 1)
    ├── ResolutionError              names that resolve to nothing or to two     (exit 1)
    ├── StalePlanError               a saved plan no longer matches Qovery       (exit 1)
    ├── DeletionRefused              a plan that would delete too much (guarding) (exit 1)
    └── ApiError                     the Qovery API answered badly, or not at all (exit 1)
        ├── UnauthorizedError        401
        ├── ForbiddenError           403
        ├── NotFoundError            404
        ├── ConflictError            409 (name taken, operation in progress)
        ├── BadRequestError          400 (and any other 4xx)
        ├── RateLimitedError         429, after the retries ran out
        ├── ServerError              5xx, after the retries ran out
        ├── BadResponseError         a body that is not the JSON we expect (HTML, truncated...)
        └── TransportError           no usable answer: connection refused, timeout, dropped
            └── AmbiguousWriteError  a clone/deploy whose outcome is unknown (timeout, dropped
                                     connection, 5xx, unreadable 2xx): the server may have acted

Only ``reconciler.edges.client`` and its ``http`` and ``answers`` create ``ApiError``s;
no exception of the HTTP layer (``http.client``, ``socket``, ``ssl``, httpx for webhooks) leaves
``http`` and ``http_pool``.
No message, ``str()`` or ``repr()`` of any of these ever holds the API token: the client
builds them from the method, the path, the status and a short excerpt of the body only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """The process exit codes of every command (contract section 5)."""

    OK = 0
    ERROR = 1
    CHANGES = 2  # changes pending (plan --detailed-exitcode) or drift found (drift)


class ReconcilerError(Exception):
    """Base of every error that is reported to the user as one clear message."""

    exit_code: ExitCode = ExitCode.ERROR


class UsageError(ReconcilerError):
    """A bad command-line flag or combination of flags."""


class ConfigError(ReconcilerError):
    """Bad connection settings: API URL, token, token file."""


@dataclass(frozen=True)
class Position:
    """Where something stands in a manifest file; line and column count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(StrEnum):
    """How much a diagnostic matters: an error stops the run (exit 1); a warning is shown only."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the manifests, pinned to its place; an error unless said otherwise.

    A warning (contract section 16) prints as ``file:line:column: warning: message`` and
    never changes the exit code; an error prints as ``file:line:column: message``.
    """

    position: Position | None
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_error(self) -> Diagnostic:
        """The same diagnostic as an error (``--strict`` makes warnings errors)."""
        return Diagnostic(self.position, self.message, Severity.ERROR)

    def __str__(self) -> str:
        text = self.message if self.is_error else f"warning: {self.message}"
        return f"{self.position}: {text}" if self.position else text


class ManifestError(ReconcilerError):
    """The manifests are not valid; holds every diagnostic found in one run (warnings too)."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ResolutionError(ReconcilerError):
    """Names in the manifests that match nothing (or more than one thing) in Qovery."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class DeletionRefused(ReconcilerError):
    """A plan whose deletes the mass-deletion guard refuses; one Diagnostic per rule broken."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        lines = "\n".join(f"  {d}" for d in self.diagnostics)
        super().__init__(
            "refusing a mass deletion (more than the guards let through); nothing was "
            "changed. Fix the manifest, or pass --allow-deletes if these deletions are "
            "intended:\n" + lines
        )


class StalePlanError(ReconcilerError):
    """A saved plan whose observed state has changed since it was made."""

    def __init__(self, reasons: list[str] | tuple[str, ...]) -> None:
        self.reasons = tuple(reasons)
        lines = "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(
            "the saved plan is stale: Qovery no longer holds what it was made from "
            "(was it applied already?); "
            f"run plan again:\n{lines}"
        )


class ApiError(ReconcilerError):
    """The Qovery API did not give the answer the reconciler needed.

    ``method``, ``path`` and ``status`` say which call failed; ``excerpt`` is at most a few
    hundred characters of the response body, for the message. Never the token.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        excerpt: str = "",
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.excerpt = excerpt
        self.detail = message
        where = f"{method} {path}".strip()
        parts = [f"{where}: " if where else "", message]
        if status is not None:
            parts.append(f" (HTTP {status})")
        if excerpt:
            parts.append(f": {excerpt}")
        super().__init__("".join(parts))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class UnauthorizedError(ApiError):
    """401: the token is missing, wrong or expired."""


class ForbiddenError(ApiError):
    """403: the token may not do this."""


class NotFoundError(ApiError):
    """404: no such organization, project, environment or application."""


class ConflictError(ApiError):
    """409: the name is taken in the environment, or an operation is in progress."""


class BadRequestError(ApiError):
    """400 (or another 4xx): the API refused the request as invalid."""


class RateLimitedError(ApiError):
    """429, still, after every retry."""


class ServerError(ApiError):
    """5xx, still, after every retry. (A 5xx on a clone or deploy is an AmbiguousWriteError.)"""


class BadResponseError(ApiError):
    """A response whose body is not the JSON shape expected: HTML, truncated, wrong type."""


class TransportError(ApiError):
    """No usable answer at all: connection refused, timeout, connection dropped."""


class AmbiguousWriteError(TransportError):
    """A write (clone) whose outcome is unknown: the server may or may not have acted.

    The caller must read the target again before doing anything else (contract section 7).
    """
