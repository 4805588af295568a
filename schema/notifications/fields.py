"""Root fields of notifications (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.notifications import notices as notifications
from schema.notifications.types import Notification
from schema.pagination import Connection


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="This user's notifications, newest first.")
    async def my_notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unhandled_only: bool = False,
    ) -> Connection[Notification]:
        page = await notifications.my_notifications(info.context, first, after, unhandled_only)
        for edge in page.edges:
            edge.node = Notification.from_row(edge.node)
        return page
