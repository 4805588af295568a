"""Live delivery: `ticketEvents` and `notifications`.

Each subscription joins the relay's fan-out first, then replays from the table what
the client missed (`since` up to the point it joined), then serves live events; the
join point splits replay from live, so there is no gap and no duplicate at the seam.
Who may see an event is decided per event. Each delivered event resolves its fields
with fresh loaders, and the account is re-checked as the subscription runs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

from domain.errors import BadUserInput, Unauthenticated
from domain.events import TICKET_EVENTS, EventType
from domain.roles import OFFICE, Actor
from domain.tickets.access import TicketView, can_see, sees_event_type
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import TicketKind
from persistence.events import events_after
from realtime.relay import EventRecord, SubscriberTooSlow
from realtime.sockets import close_socket
from resolvers.context import Context

log = logging.getLogger("aftersales.subscriptions")

# Close codes (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4403
CLOSE_TOO_SLOW = 4413

# How often a waiting subscription checks its token's expiry (no I/O). Account changes
# arrive as events: revocations (disable, password reset, role change) close the
# subscription at once; changed ticket-kind limits make it reload the account.
WAKE_SECONDS = 5.0


def sees_ticket_event(actor: Actor, kinds: frozenset[TicketKind], event: EventRecord) -> bool:
    """Who gets a ticket event is decided by its facts as the event was written (an
    engineer gets the one that takes a ticket away); what it shows of the ticket is
    decided as it is delivered (the Ticket type's read rule)."""
    facts = event.facts
    if event.type not in TICKET_EVENTS or facts.ticket_id is None or facts.kind is None:
        return False
    if not sees_event_type(actor, event.type):
        return False
    view = TicketView(
        kind=TicketKind(facts.kind),
        customer_id=facts.customer_id or 0,
        customer_agent_id=facts.customer_agent_id,
        assignee_id=facts.assignee_id,
        previous_assignee_id=facts.previous_assignee_id,
    )
    return can_see(actor, view, kinds)


def delivery_group(context: Any) -> tuple[Any, ...] | None:
    """Subscribers whose deliveries of one event are the same, given the same document:
    office staff see by role and ticket kinds alone; anyone else's view of a ticket
    (an engineer's, a customer's, an agent's) is their own. None before authentication."""
    actor: Actor | None = getattr(context, "known_actor", None)
    if actor is None:
        return None
    if actor.role in OFFICE:
        return (actor.role, actor.ticket_kinds)
    return (actor.role, actor.ticket_kinds, actor.user_id)


def revokes(actor: Actor, event: EventRecord) -> bool:
    return event.type is EventType.ACCOUNT_REVOKED and event.facts.recipient_id == actor.user_id


def limits_changed(actor: Actor, event: EventRecord) -> bool:
    if event.type is not EventType.KIND_LIMITS_CHANGED:
        return False
    return (
        event.facts.recipient_id == actor.user_id or event.payload.get("role") == actor.role.value
    )


def sees_notification(actor: Actor, _kinds: frozenset[TicketKind], event: EventRecord) -> bool:
    return event.type is EventType.NOTIFICATION and event.facts.recipient_id == actor.user_id


async def _close(ctx: Context, code: int, reason: str) -> None:
    # Through the socket's guard: closed once, bounded in time, its operations released.
    await close_socket(ctx.connection, code, reason)


async def deliver(
    ctx: Context,
    since: int | None,
    visible: Callable[[Actor, frozenset[TicketKind], EventRecord], bool],
) -> AsyncGenerator[EventRecord, None]:
    actor = await ctx.actor()
    relay = ctx.services.relay
    assert relay is not None, "the relay runs whenever the app does"
    if since is not None and since < 0:
        raise BadUserInput("must be 0 or more", field="since")
    feed = relay.subscribe()
    try:
        kinds = actor_kinds(actor)
        # Live events up to what the client has already seen are not sent again (its
        # `since` may be ahead of this process's relay when it reconnects elsewhere).
        last = feed.start if since is None else max(feed.start, since)
        if since is not None:
            cursor = since
            while cursor < feed.start:
                async with ctx.read() as session:
                    rows = await events_after(session, cursor, up_to=feed.start)
                if not rows:
                    break
                for row in rows:
                    cursor = row.sequence
                    record = EventRecord.from_row(row)
                    if visible(actor, kinds, record):
                        ctx.loaders_for_event(record.shared)
                        yield record
        while True:
            record = await feed.next(wait=WAKE_SECONDS)
            ctx.check_token_expiry()
            if record is None:
                continue
            if revokes(actor, record):
                raise Unauthenticated("this account's tokens were revoked; log in again")
            if limits_changed(actor, record):
                await ctx.reauthenticate()
                actor = await ctx.actor()
                kinds = actor_kinds(actor)
            if record.sequence <= last:
                continue
            last = record.sequence
            if visible(actor, kinds, record):
                ctx.loaders_for_event(record.shared)
                yield record
    except Unauthenticated as exc:
        await _close(ctx, CLOSE_UNAUTHENTICATED, exc.message)
    except SubscriberTooSlow:
        await _close(ctx, CLOSE_TOO_SLOW, f"too slow to keep up; resubscribe with since={last}")
    finally:
        relay.unsubscribe(feed)
