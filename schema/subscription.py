"""The Subscription root."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from realtime.delivery import deliver, sees_notification, sees_ticket_event
from resolvers.context import Info
from schema.notifications.types import Notification
from schema.tickets.types import TicketEvent


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every ticket change this user may see, live. With `since`, first the "
        "missed events with sequence > since, in order, then live ones; no duplicates."
    )
    async def ticket_events(
        self, info: Info, since: int | None = None
    ) -> AsyncGenerator[TicketEvent, None]:
        async for record in deliver(info.context, since, sees_ticket_event):
            yield record  # type: ignore[misc]

    @strawberry.subscription(
        description="This user's notifications on every open session; a notification "
        "handled on one end arrives again on every end with handled = true."
    )
    async def notifications(
        self, info: Info, since: int | None = None
    ) -> AsyncGenerator[Notification, None]:
        async for record in deliver(info.context, since, sees_notification):
            yield Notification.from_event(record)
