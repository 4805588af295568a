"""User rows: lookups and the login-attempt counter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import KindRestriction, User
from persistence.queries.common import search_clause
from persistence.queries.tickets import LIMITS_OF_USER
from persistence.types import utcnow


async def by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def reserve_login_attempt(session: AsyncSession, user_id: int, limit: int) -> int | None:
    """Counts an attempt as failed *before* the password is checked.

    Returns the new failure count, or None when the account is already locked. The
    increment is one conditional UPDATE, so parallel attempts are serialised by the
    row lock and can never check more than `limit` passwords.
    """
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.failed_logins < limit)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    )
    return result.scalar_one_or_none()


async def mark_locked(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(User).where(User.id == user_id, User.locked_at.is_(None)).values(locked_at=utcnow())
    )


async def record_successful_login(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=0, locked_at=None, last_login_at=utcnow())
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
