"""Errors the business raises; each carries the `extensions.code` clients see."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    code = "NOT_FOUND"


class BadUserInput(DomainError):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions["field"] = field
            message = f"{field}: {message}"
        super().__init__(message, **extensions)


class Conflict(DomainError):
    code = "CONFLICT"


class AccountLocked(DomainError):
    code = "ACCOUNT_LOCKED"


class TooComplex(DomainError):
    """The document's estimated cost is over the limit (extensions: cost, limit)."""

    code = "TOO_COMPLEX"


class RateLimited(DomainError):
    """Too many requests or messages (extensions: retryAfter, seconds)."""

    code = "RATE_LIMITED"


class ServiceUnavailable(DomainError):
    """The database cannot be reached or did not answer in time; retryable
    (extensions: retryAfter, seconds)."""

    code = "SERVICE_UNAVAILABLE"
