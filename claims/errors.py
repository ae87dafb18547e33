"""Domain errors: services raise these; views/errors.py and cli.py translate them."""

from __future__ import annotations


class ClaimsError(Exception):
    """Base class of every error the product reports to a user."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigError(ClaimsError):
    """The configuration cannot work (missing secret, unreachable database)."""

    status = 500
    code = "configuration"


class DatabaseUnavailableError(ClaimsError):
    """The database cannot be reached or its schema is behind the code."""

    status = 503
    code = "database_unavailable"


class ValidationError(ClaimsError):
    """Input that breaks a rule of the domain."""

    status = 422
    code = "invalid"


class AuthenticationError(ClaimsError):
    """Wrong credentials; the message never says which part was wrong."""

    status = 401
    code = "unauthenticated"


class ThrottledError(ClaimsError):
    """Too many failed attempts in the throttle window."""

    status = 429
    code = "throttled"


class PermissionDeniedError(ClaimsError):
    """The actor's role does not allow the action."""

    status = 403
    code = "forbidden"


class NotFoundError(ClaimsError):
    """The object does not exist."""

    status = 404
    code = "not_found"


class ConflictError(ClaimsError):
    """The object changed since it was read, or already exists."""

    status = 409
    code = "conflict"


class FetchRefusedError(ClaimsError):
    """The fetcher refused a URL before connecting (scheme, address, port)."""

    status = 422
    code = "fetch_refused"


class FetchFailedError(ClaimsError):
    """A permitted fetch did not succeed (timeout, HTTP error, too large)."""

    status = 422
    code = "fetch_failed"

    def __init__(
        self, message: str, *, field: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message, field=field)
        # The site's own status, when it answered with an error (404, 500...).
        self.http_status = http_status


class PublishingNotConfiguredError(ClaimsError):
    """Publishing needs the newsroom's identity, which the settings do not give."""

    status = 503
    code = "publishing_not_configured"
