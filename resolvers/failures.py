"""Failures that are nobody's fault in the request: the database away, overloaded or
too slow. They reach clients as SERVICE_UNAVAILABLE with `retryAfter`, never as an
internal error; and a change that did commit is never reported as failed."""

from __future__ import annotations

from domain.errors import DomainError, ServiceUnavailable
from persistence.errors import is_unavailable

UNAVAILABLE = "the service cannot reach its database just now; retry shortly"
COMMITTED = (
    "the change was saved, but its result could not be read back just now; query it again shortly"
)


def as_unavailable(
    exc: BaseException | None, *, retry_after: int, committed: bool = False
) -> DomainError | None:
    """SERVICE_UNAVAILABLE for a database that cannot serve now, else None. After a
    commit the error says the change was saved (`committed: true`), so no client
    repeats a change that is already made."""
    if exc is None or isinstance(exc, DomainError) or not is_unavailable(exc):
        return None
    if committed:
        return ServiceUnavailable(COMMITTED, retryAfter=retry_after, committed=True)
    return ServiceUnavailable(UNAVAILABLE, retryAfter=retry_after)


__all__ = ["as_unavailable"]
