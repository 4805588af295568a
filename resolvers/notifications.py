"""Notifications: one row per recipient, and every change of one is an event for that
recipient, so each of their open sessions (PC and phone) receives it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from persistence.events import NewEvent
from persistence.models import Notification, Ticket
from persistence.types import utcnow
from persistence.unit_of_work import UnitOfWork
from resolvers.context import Context
from resolvers.pagination import paginate
from schema.pagination import Connection


class Kind:
    DISPATCHED = "DISPATCHED"  # to the engineer: a new ticket for you
    REASSIGNED_AWAY = "REASSIGNED_AWAY"  # to the engineer who lost the ticket
    DECLINED = "DECLINED"  # to the dispatcher: the engineer declined
    CLOSE_REQUESTED = "CLOSE_REQUESTED"  # to the customer: please confirm
    CLOSE_REJECTED = "CLOSE_REJECTED"  # to the dispatcher and engineer
    AWAITING_FINAL_CONFIRMATION = "AWAITING_FINAL_CONFIRMATION"  # to the back office
    CANCELLED = "CANCELLED"  # to the engineer


def _event(work: UnitOfWork, row: Notification, ticket: Ticket) -> None:
    work.emit(
        NewEvent(
            type="NOTIFICATION",
            actor_id=work.actor_id,
            ticket_id=ticket.id,
            kind=ticket.kind,
            customer_id=ticket.customer_id,
            recipient_id=row.user_id,
            payload={
                "notificationId": row.id,
                "kind": row.kind,
                "handled": row.handled,
                "message": row.message,
                "status": ticket.status,
                "version": ticket.version,
                "assigneeId": ticket.assignee_id,
            },
        )
    )


async def notify(
    work: UnitOfWork, ticket: Ticket, user_ids: Iterable[int | None], kind: str, message: str
) -> None:
    rows = [
        Notification(user_id=uid, kind=kind, ticket_id=ticket.id, message=message[:300])
        for uid in dict.fromkeys(u for u in user_ids if u is not None)
    ]
    if not rows:
        return
    work.session.add_all(rows)
    await work.session.flush()
    for row in rows:
        _event(work, row, ticket)


async def settle(
    work: UnitOfWork,
    ticket: Ticket,
    kinds: Iterable[str] | None = None,
    *,
    user_id: int | None = None,
) -> None:
    """Marks the ticket's open notifications (of `kinds`, for `user_id`) handled, and
    tells every session of each recipient."""
    stmt = select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.handled.is_(False)
    )
    if kinds is not None:
        stmt = stmt.where(Notification.kind.in_(list(kinds)))
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    rows = (await work.session.scalars(stmt)).all()
    now = utcnow()
    for row in rows:
        row.handled, row.handled_at = True, now
        _event(work, row, ticket)


async def my_notifications(
    ctx: Context, first: int | None, after: str | None, unhandled_only: bool
) -> Connection[Notification]:
    actor = await ctx.actor()
    stmt = select(Notification).where(Notification.user_id == actor.user_id)
    if unhandled_only:
        stmt = stmt.where(Notification.handled.is_(False))
    async with ctx.read() as session:
        return await paginate(
            session,
            stmt,
            Notification.id,
            first=first,
            after=after,
            settings=ctx.settings,
            newest_first=True,
        )
