"""Notification queries: a recipient's list, and the open ones about a record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Notification, Ticket


def notifications_of(user_id: int, *, unhandled_only: bool = False) -> Select[Any]:
    """A recipient's notifications (only those not yet handled, if asked)."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unhandled_only:
        stmt = stmt.where(Notification.handled.is_(False))
    return stmt


async def open_notifications(
    session: AsyncSession,
    ticket: Ticket | None,
    kinds: Iterable[str] | None = None,
    *,
    user_id: int | None = None,
    part_id: int | None = None,
    outing_request_id: int | None = None,
) -> Sequence[Notification]:
    """The notifications not yet handled about `ticket` (or the part, or the outing
    request), of `kinds` and for `user_id` if given, in id order."""
    stmt = select(Notification).where(Notification.handled.is_(False))
    if ticket is not None:
        stmt = stmt.where(Notification.ticket_id == ticket.id)
    if part_id is not None:
        stmt = stmt.where(Notification.part_id == part_id)
    if outing_request_id is not None:
        stmt = stmt.where(Notification.outing_request_id == outing_request_id)
    if kinds is not None:
        stmt = stmt.where(Notification.kind.in_(list(kinds)))
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return (await session.scalars(stmt.order_by(Notification.id))).all()
