"""Assets: the devices installed at customers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access import (
    ANYONE,
    OFFICE_ONLY,
    TRACKING,
)
from domain.assets.warranty import under_warranty as covered
from domain.charges.statement import repeat_failures
from resolvers import visibility
from resolvers.context import Info
from resolvers.tickets import reads
from schema.directory.types import Customer
from schema.pagination import Connection
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.tickets.types import Ticket


@strawberry.type(description="A defect repaired under warranty, and how many times.")
class RepeatFailure:
    __read__ = ReadRule(part_of=("Device",), fields={ANYONE: ("defect", "count")})

    defect: str
    count: int


@strawberry.type
class Device(Tracked):
    __read__ = ReadRule(
        rows=visibility.OF_CUSTOMERS,
        fields={
            ANYONE: (
                "id",
                "brand",
                "model",
                "serial_number",
                "bought_from_us",
                "vendor",
                "deal_number",
                "quoted_price",
                "installed_on",
                "warranty_ends_on",
                "maintenance_interval_days",
                "last_maintained_on",
                "customer",
                "under_warranty",
                "maintenance_due_on",
                "tickets",
                "repeat_failures",
                *TRACKING,
            ),
            OFFICE_ONLY: ("purchase_price",),
        },
    )

    brand: str
    model: str
    serial_number: str
    bought_from_us: bool
    vendor: str | None
    deal_number: str | None
    quoted_price: Decimal | None
    installed_on: date | None
    warranty_ends_on: date | None
    maintenance_interval_days: int | None
    last_maintained_on: date | None

    purchase_price: Decimal | None = strawberry.field(
        description="What we paid for it (进价): the office only, null for others."
    )

    customer: Customer = relation("customer", key="customer_id")

    maintenance_due_on: date | None = strawberry.field(
        description="When its next maintenance falls due (interval after the last one, "
        "or after installation)."
    )

    @strawberry.field(
        description="Its service history: the tickets on it the reader may see, newest first."
    )
    async def tickets(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Ticket, strawberry.lazy("schema.tickets.types")]]:
        return await reads.device_tickets(info.context, self.id, first, after)  # type: ignore[attr-defined, return-value]

    @strawberry.field(
        description="Defects repaired at least twice under warranty (三包): a replacement "
        "is due for each."
    )
    async def repeat_failures(self, info: Info) -> list[RepeatFailure]:
        codes = await info.context.loaders.device_warranty_defects.load(self.id)  # type: ignore[attr-defined]
        return [
            RepeatFailure(defect=code, count=count)
            for code, count in sorted(repeat_failures(codes).items())
        ]

    @strawberry.field(description="Under warranty today (warranty end not yet passed).")
    def under_warranty(self) -> bool:
        return covered(self.warranty_ends_on, datetime.now(UTC).date())
