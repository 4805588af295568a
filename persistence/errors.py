"""What the database refuses, by the names the layers above catch (they import no
SQLAlchemy): a compare-and-swap UPDATE that matched no row, a unique key taken, and
whether a failure means the database is out of reach for now (retry later) rather
than a fault in the request or the code."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import IntegrityError as DuplicateKey
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError as ChangedMeanwhile

# SQLSTATE classes of a database that is away, overloaded or cancelling: connection
# exceptions (08: refused, lost), insufficient resources (53: too many connections),
# operator intervention (57: shutting down, starting up, statement timeout 57014).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
# SQLite's ways of saying the same: another writer held the lock past the busy timeout,
# a statement ran past its deadline (interrupted), the file cannot be opened.
_UNAVAILABLE_SQLITE = ("database is locked", "interrupted", "unable to open database")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _sqlstate(exc: BaseException) -> str | None:
    for name in ("sqlstate", "pgcode"):
        value = getattr(exc, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot serve now: refused
    or lost connections, a pool with no free connection in time, a statement that ran
    past its timeout, a database shutting down or starting up."""
    for cause in _chain(exc):
        if isinstance(cause, ConnectionError | TimeoutError | PoolTimeout | InterfaceError):
            return True
        if isinstance(cause, DBAPIError):
            if cause.connection_invalidated:
                return True
            if any(text in str(cause.orig).lower() for text in _UNAVAILABLE_SQLITE):
                return True
        state = _sqlstate(cause)
        if state is not None and state[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            return True
    return False


__all__ = ["ChangedMeanwhile", "DuplicateKey", "is_unavailable"]
