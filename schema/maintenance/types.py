"""Output types of maintenance plans."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access import ANYONE
from resolvers import visibility
from resolvers.context import Info
from schema.assets.types import Device
from schema.rules import ReadRule

if TYPE_CHECKING:
    from schema.tickets.types import Ticket


@strawberry.type(description="A device's next maintenance, and the ticket made for it.")
class MaintenanceDue:
    __read__ = ReadRule(
        rows=visibility.OFFICE_ROWS, fields={ANYONE: ("device", "due_on", "ticket")}
    )

    device_row: strawberry.Private[object]
    due_on: datetime.date

    @strawberry.field
    def device(self) -> Device:
        return self.device_row  # type: ignore[return-value]

    @strawberry.field(
        description="The MAINTENANCE ticket (source SCHEDULE) made for this due date; "
        "null until maintenanceLeadDays before it."
    )
    async def ticket(
        self, info: Info
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets.types")] | None:
        key = (self.device_row.id, self.due_on)  # type: ignore[attr-defined]
        return await info.context.loaders.scheduled_ticket.load(key)  # type: ignore[return-value]
