"""The one error the sandbox's store raises: an HTTP status with a detail message.

``store`` and ``applications`` raise ``ApiProblem``; ``server`` turns it into the JSON error
body Qovery's own API sends, ``{"status": int, "detail": str}``; ``seeding`` turns it into a
``SeedError`` that names the place in the seed. ``SandboxError`` is what the user sees
when the sandbox itself cannot start.
"""

from __future__ import annotations

from reconciler.core.errors import ReconcilerError


class ApiProblem(Exception):
    """A request the sandbox refuses: ``status`` is the HTTP status, ``detail`` says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail

    def body(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail}


def bad_request(detail: str) -> ApiProblem:
    return ApiProblem(400, detail)


def not_found(kind: str, ident: str) -> ApiProblem:
    return ApiProblem(404, f"{kind} {ident} not found")


def conflict(detail: str) -> ApiProblem:
    return ApiProblem(409, detail)


class SandboxError(ReconcilerError):
    """The sandbox cannot start: a bad seed, an unreadable state file, a port in use."""
