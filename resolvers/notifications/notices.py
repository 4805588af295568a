"""Notifications: one row per recipient, and every change of one is an event for that
recipient, so each of their open sessions (PC and phone) receives it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.events import EventFacts, EventType
from domain.notifications.kinds import NotificationKind
from persistence.events import NewEvent, ticket_snapshot
from persistence.models import Notification, Ticket
from persistence.queries.notifications import notifications_of, open_notifications
from persistence.types import utcnow
from resolvers.pagination import paginate

if TYPE_CHECKING:
    from collections.abc import Iterable

    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context
    from schema.pagination import Connection


def _event(work: UnitOfWork, row: Notification, ticket: Ticket | None) -> None:
    payload: dict[str, Any] = {
        "notificationId": row.id,
        "kind": row.kind,
        "handled": row.handled,
        "message": row.message,
    }
    if ticket is not None:
        # The ticket's state as of this notification (see resolvers.tickets.snapshots).
        payload.update(ticket_snapshot(ticket))
    if row.part_id is not None:
        payload["partId"] = row.part_id
    if row.outing_request_id is not None:
        payload["outingRequestId"] = row.outing_request_id
    if row.reminder_id is not None:
        payload["reminderId"] = row.reminder_id
    work.emit(
        NewEvent(
            type=EventType.NOTIFICATION,
            actor_id=work.actor_id,
            facts=EventFacts(
                ticket_id=ticket.id if ticket else None,
                kind=ticket.kind if ticket else None,
                customer_id=ticket.customer_id if ticket else None,
                recipient_id=row.user_id,
            ),
            payload=payload,
        )
    )


async def notify(
    work: UnitOfWork,
    ticket: Ticket | None,
    user_ids: Iterable[int | None],
    kind: NotificationKind,
    message: str,
    *,
    part_id: int | None = None,
    outing_request_id: int | None = None,
    reminder_id: int | None = None,
) -> None:
    """One notification per recipient, each an event to every session of theirs."""
    rows = [
        Notification(
            user_id=uid,
            kind=kind,
            ticket_id=ticket.id if ticket else None,
            part_id=part_id,
            outing_request_id=outing_request_id,
            reminder_id=reminder_id,
            message=message[:300],
        )
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
    ticket: Ticket | None,
    kinds: Iterable[NotificationKind] | None = None,
    *,
    user_id: int | None = None,
    part_id: int | None = None,
    outing_request_id: int | None = None,
) -> None:
    """Marks the open notifications about `ticket` (or the part, or the outing request)
    handled, of `kinds` and for `user_id` if given, and tells every session of each
    recipient."""
    assert ticket or part_id or outing_request_id, "settle names what it settles"
    rows = await open_notifications(
        work.session,
        ticket,
        kinds,
        user_id=user_id,
        part_id=part_id,
        outing_request_id=outing_request_id,
    )
    now = utcnow()
    for row in rows:
        row.handled, row.handled_at = True, now
        _event(work, row, ticket)


async def my_notifications(
    ctx: Context, first: int | None, after: str | None, unhandled_only: bool
) -> Connection[Notification]:
    actor = await ctx.actor()
    stmt = notifications_of(actor.user_id, unhandled_only=unhandled_only)
    return await paginate(ctx, stmt, Notification.id, first=first, after=after, newest_first=True)
