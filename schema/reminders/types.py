"""Output types of reminders."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access import ANYONE, TRACKING
from resolvers import visibility
from resolvers.context import Info
from schema.accounts.types import Role, User
from schema.reminders.inputs import ReminderRepeat
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.assets.types import Device
    from schema.directory.types import Customer
    from schema.tickets.types import Ticket


@strawberry.type(description="A reminder the office keeps (定时提醒).")
class Reminder(Tracked):
    __read__ = ReadRule(
        rows=visibility.REMINDERS,
        fields={
            ANYONE: (
                "id",
                "title",
                "note",
                "due_at",
                "repeat",
                "next_at",
                "deliveries",
                "last_delivered_at",
                "done",
                "done_at",
                "users",
                "roles",
                "ticket",
                "customer",
                "device",
                *TRACKING,
            )
        },
    )

    title: str
    note: str | None
    due_at: datetime = strawberry.field(description="The first delivery.")
    repeat: ReminderRepeat
    next_at: datetime | None = strawberry.field(
        description="The next delivery; null once a one-off is delivered or it is done."
    )
    deliveries: int
    last_delivered_at: datetime | None
    done: bool
    done_at: datetime | None

    @strawberry.field
    async def users(self, info: Info) -> list[User]:
        found = await info.context.loaders.user.load_many(self.user_ids or [])  # type: ignore[attr-defined]
        return [u for u in found if u is not None]  # type: ignore[misc]

    @strawberry.field
    def roles(self) -> list[Role]:
        return [Role(r) for r in self.roles or []]  # type: ignore[attr-defined]

    @strawberry.field
    async def ticket(
        self, info: Info
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets.types")] | None:
        pk = self.ticket_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.ticket.load(pk)  # type: ignore[return-value]

    @strawberry.field
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.directory.types")] | None:
        pk = self.customer_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.customer.load(pk)  # type: ignore[return-value]

    @strawberry.field
    async def device(
        self, info: Info
    ) -> Annotated[Device, strawberry.lazy("schema.assets.types")] | None:
        pk = self.device_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.device.load(pk)  # type: ignore[return-value]
