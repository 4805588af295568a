"""Assets: the devices installed at customers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry

from domain.access import (
    ANYONE,
    OFFICE_ONLY,
    TRACKING,
)
from domain.assets.warranty import under_warranty as covered
from resolvers import visibility
from resolvers.context import Info
from schema.directory.types import Customer
from schema.rules import ReadRule
from schema.tracking import Tracked


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

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await info.context.loaders.customer.load(self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Under warranty today (warranty end not yet passed).")
    def under_warranty(self) -> bool:
        return covered(self.warranty_ends_on, datetime.now(UTC).date())
