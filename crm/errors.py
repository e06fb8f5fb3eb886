"""Base domain errors.

Every rule raises a subclass defined next to it (``class InvalidResidentId(InvalidInput)``)
with a stable ``code``. The HTTP layer maps these bases, and only these, to status codes in
one place (``crm.http_errors``), so a rule never knows about HTTP.
"""

from __future__ import annotations


class ConfigurationError(Exception):
    """The environment is unusable (a malformed setting, an unknown database URL, no keyring).

    Not a refusal of a request: the operator must fix the configuration. Library code raises
    it; the command line prints the message and exits with status 2.
    """


class DomainError(Exception):
    """A refusal the user can act on: stable code, human message, optional field."""

    code: str = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule (HTTP 422)."""

    code = "validation.invalid"


class NotFound(DomainError):
    """Missing, or outside the actor's scope: both look the same to avoid leaking (HTTP 404)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The actor's role lacks the capability (HTTP 403)."""

    code = "permission.denied"


class Conflict(DomainError):
    """Duplicate, stale update or a race lost (HTTP 409)."""

    code = "conflict"


class AuthenticationFailed(DomainError):
    """Not logged in, bad credentials or an expired session (HTTP 401)."""

    code = "auth.unauthenticated"


class RateLimited(DomainError):
    """Allowed, but not this often: the person must wait (HTTP 429)."""

    code = "rate_limited"


class AccountLocked(DomainError):
    """Too many failed logins (HTTP 423)."""

    code = "auth.locked"
