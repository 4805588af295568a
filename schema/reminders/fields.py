"""Root fields of reminders."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.reminders import office
from schema.pagination import Connection
from schema.reminders.inputs import ReminderInput
from schema.reminders.types import Reminder


@strawberry.type
class ReminderQueries:
    @strawberry.field(description="The office's reminders, by due time (office).")
    async def reminders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_done: bool = False,
    ) -> Connection[Reminder]:
        return await office.reminders(info.context, first, after, include_done)  # type: ignore[return-value]


@strawberry.type
class ReminderMutations:
    @strawberry.mutation(
        description="A reminder to users or roles, once or repeating, optionally about a "
        "ticket, customer or device (office); delivered as REMINDER notifications."
    )
    async def create_reminder(self, info: Info, input: ReminderInput) -> Reminder:
        return await office.create_reminder(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="No more deliveries (the office, or one it is addressed to).")
    async def complete_reminder(self, info: Info, id: ID) -> Reminder:
        return await office.complete_reminder(info.context, id)  # type: ignore[return-value]
