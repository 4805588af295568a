"""Reminders: who may read them, the due ones, and the compare-and-swap that delivers
each occurrence once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Reminder
from persistence.queries.common import live_only


def reminders_listed(*, include_done: bool = False) -> Select[Any]:
    stmt = live_only(select(Reminder), Reminder, False)
    return stmt if include_done else stmt.where(Reminder.done.is_(False))


async def due_reminders(session: AsyncSession, now: datetime, limit: int) -> list[Reminder]:
    stmt = (
        reminders_listed()
        .where(Reminder.next_at.is_not(None), Reminder.next_at <= now)
        .order_by(Reminder.next_at, Reminder.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def advance(
    session: AsyncSession, reminder_id: int, was: datetime, to: datetime | None, now: datetime
) -> bool:
    """Moves the reminder from its occurrence `was` to `to`; False if another
    transaction delivered it first (its `next_at` is no longer `was`)."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.next_at == was)
        .values(
            next_at=to,
            deliveries=Reminder.deliveries + 1,
            last_delivered_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
