"""User rows: lookups, and the login throttles (per name and per address)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.lockout import AddressWindow, NameThrottle
from persistence.models import KindRestriction, User
from persistence.models.accounts import LoginAddressThrottle, LoginThrottle
from persistence.queries.common import search_clause
from persistence.queries.tickets import LIMITS_OF_USER


async def by_username(session: AsyncSession, username: str) -> User | None:
    """The account of a login name, whatever its case (`Demo-Admin` is `demo-admin`)."""
    return await by_name_key(session, username.strip().lower())


async def by_name_key(session: AsyncSession, key: str) -> User | None:
    """The account whose lowered name is `key` (domain.accounts.lockout.name_key); the
    unique index on lower(username) makes it one at most, and finds it."""
    return await session.scalar(select(User).where(func.lower(User.username) == key))


# -- login throttles (domain.accounts.lockout decides, these keep the rows) ---------------
#
# Every login takes its rows in one order, the address's, then the name's, then the
# account's, so that two logins, or a login and an unlock, never deadlock.


def _upsert(session: AsyncSession, model: type[Any], **values: Any) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE that changes nothing: the row exists afterwards
    and is locked by this transaction, with no race between two first attempts."""
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**values)
    key = model.__table__.primary_key.columns.values()[0].name
    return stmt.on_conflict_do_update(index_elements=[key], set_={key: stmt.excluded[key]})


async def name_throttle_for_update(session: AsyncSession, key: str, now: datetime) -> NameThrottle:
    """The throttle of a login name, locked until the transaction ends (made if new)."""
    stmt = _upsert(
        session, LoginThrottle, name_key=key, failures=0, lockouts=0, last_failure_at=now
    ).returning(LoginThrottle.failures, LoginThrottle.lockouts, LoginThrottle.locked_until)
    row = (await session.execute(stmt)).one()
    return NameThrottle(failures=row.failures, lockouts=row.lockouts, locked_until=row.locked_until)


async def store_name_throttle(
    session: AsyncSession, key: str, state: NameThrottle, now: datetime
) -> None:
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.name_key == key)
        .values(
            failures=state.failures,
            lockouts=state.lockouts,
            locked_until=state.locked_until,
            last_failure_at=now,
        )
    )


async def mark_name_locked(session: AsyncSession, key: str, until: datetime) -> None:
    """Copies a name's lock onto its account, if it has one (for `User.locked`)."""
    await session.execute(
        update(User).where(func.lower(User.username) == key).values(locked_until=until)
    )


async def forget_name_throttle(session: AsyncSession, key: str) -> None:
    """A successful login: the name's failures and locks are forgotten."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.name_key == key))


async def unlock_account(session: AsyncSession, user_id: int) -> None:
    """Lifts the lock of an account's name at once (an admin, `aftersales unlock-user`,
    a password reset) and forgets its failures; the name first, then the account."""
    name = select(func.lower(User.username)).where(User.id == user_id).scalar_subquery()
    await session.execute(delete(LoginThrottle).where(LoginThrottle.name_key == name))
    await session.execute(update(User).where(User.id == user_id).values(locked_until=None))


async def address_window_for_update(
    session: AsyncSession, address: str, now: datetime
) -> AddressWindow:
    """The failed-login window of a client address, locked until the transaction ends."""
    stmt = _upsert(
        session, LoginAddressThrottle, address=address, failures=0, window_started_at=now
    ).returning(LoginAddressThrottle.failures, LoginAddressThrottle.window_started_at)
    row = (await session.execute(stmt)).one()
    return AddressWindow(failures=row.failures, started_at=row.window_started_at)


async def store_address_window(session: AsyncSession, address: str, state: AddressWindow) -> None:
    await session.execute(
        update(LoginAddressThrottle)
        .where(LoginAddressThrottle.address == address)
        .values(failures=state.failures, window_started_at=state.started_at)
    )


async def give_back_address_attempt(
    session: AsyncSession, address: str, window_started_at: datetime
) -> None:
    """Uncounts an attempt reserved in that window (the login succeeded); a window
    that has started over since owes nothing."""
    await session.execute(
        update(LoginAddressThrottle)
        .where(
            LoginAddressThrottle.address == address,
            LoginAddressThrottle.window_started_at == window_started_at,
            LoginAddressThrottle.failures > 0,
        )
        .values(failures=LoginAddressThrottle.failures - 1)
    )


async def forget_idle_throttles(
    session: AsyncSession, now: datetime, *, names_idle: timedelta, window: timedelta
) -> None:
    """Drops what no longer holds anything back: names nobody got wrong for
    `names_idle` and not waiting (their count of locks starts over), address
    windows that are over."""
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - names_idle,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    await session.execute(
        delete(LoginAddressThrottle).where(LoginAddressThrottle.window_started_at < now - window)
    )


async def record_successful_login(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(User).where(User.id == user_id).values(locked_until=None, last_login_at=now)
    )


async def user_with_limits(
    session: AsyncSession, user_id: int
) -> tuple[User | None, list[KindRestriction]]:
    """A user and the ticket-kind limits that apply to them, in one statement."""
    stmt = select(User, KindRestriction).outerjoin(KindRestriction, LIMITS_OF_USER)
    rows = (await session.execute(stmt.where(User.id == user_id))).all()
    user = rows[0][0] if rows else None
    return user, [restriction for _, restriction in rows if restriction is not None]


def users_listed(
    *,
    roles: Iterable[str] | None = None,
    enabled: bool | None = None,
    search: str | None = None,
) -> Select[Any]:
    """User accounts, filtered; `roles`: role values (an empty list matches none)."""
    stmt = select(User)
    if roles is not None:
        stmt = stmt.where(User.role.in_(list(roles)))
    if enabled is not None:
        stmt = stmt.where(User.enabled.is_(enabled))
    if (clause := search_clause(search, User.username, User.display_name)) is not None:
        stmt = stmt.where(clause)
    return stmt
