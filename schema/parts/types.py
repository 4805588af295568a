"""Output types of spare parts: the catalogue, stock movements, engineers' stock and the
parts used on tickets. Cost and average purchase prices are the office's; the minimum
price is staff's too (an engineer quoting on site may discount down to it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import ID

from domain.access import ANYONE, OFFICE_ONLY, STAFF_ONLY, TRACKING
from domain.parts.stock import MovementKind as DomainMovementKind
from domain.parts.stock import below_alarm
from resolvers import visibility
from resolvers.context import Info
from resolvers.ids import encode_id
from resolvers.parts import catalogue as part_resolvers
from schema.accounts.types import User
from schema.pagination import Connection
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.tickets.types import Ticket

MovementKind = strawberry.enum(DomainMovementKind, name="StockMovementKind")
LazyTicket = Annotated["Ticket", strawberry.lazy("schema.tickets.types")]


@strawberry.type(description="A spare part of the catalogue with its warehouse stock.")
class Part(Tracked):
    __read__ = ReadRule(
        rows=visibility.EVERY_ROW,
        fields={
            ANYONE: (
                "id",
                "part_number",
                "name",
                "spec",
                "unit",
                "brand",
                "model",
                "list_price",
                "alarm_threshold",
                "on_hand",
                "below_alarm",
                *TRACKING,
            ),
            STAFF_ONLY: ("minimum_price",),
            OFFICE_ONLY: ("cost_price", "average_purchase_price"),
            STAFF_ONLY.or_refuse(): ("movements",),
        },
    )

    part_number: str
    name: str
    spec: str | None
    unit: str
    brand: str | None = strawberry.field(description="Brand it fits.")
    model: str | None = strawberry.field(description="Model(s) it fits.")
    list_price: Decimal
    alarm_threshold: int
    on_hand: int = strawberry.field(description="Stock in the warehouse.")

    @strawberry.field(description="At or below the alarm threshold.")
    def below_alarm(self) -> bool:
        return below_alarm(self.on_hand, self.alarm_threshold)

    cost_price: Decimal | None = strawberry.field(description="The office only (null for others).")
    minimum_price: Decimal | None = strawberry.field(
        description="The lowest selling price. Staff only (null for others)."
    )
    average_purchase_price: Decimal | None = strawberry.field(
        description="Mean unit price of the last three purchases (an order received in "
        "several deliveries is one purchase). The office only."
    )

    @strawberry.field(
        description="Every movement of this part, newest first. Staff only (FORBIDDEN to others)."
    )
    async def movements(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StockMovement]:
        return await part_resolvers.movements(info.context, self.id, first, after)  # type: ignore[arg-type,return-value]


@strawberry.type(
    description="One change of stock. `quantity` is the signed change of the warehouse "
    "stock, `engineerQuantity` that of the engineer's stock (0 where not involved)."
)
class StockMovement:
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={
            ANYONE: (
                "id",
                "kind",
                "quantity",
                "engineer_quantity",
                "on_hand_after",
                "at",
                "reason",
                "part",
                "actor",
                "engineer",
                "ticket",
                "purchase_order_id",
                "part_sale_id",
                "outing_request_id",
            ),
            OFFICE_ONLY: ("unit_cost",),
        },
    )

    kind: MovementKind
    quantity: int
    engineer_quantity: int
    unit_cost: Decimal | None = strawberry.field(description="The office only.")
    on_hand_after: int = strawberry.field(description="Warehouse stock after this movement.")
    at: datetime
    reason: str | None

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("StockMovement", self.id))

    part: Part | None = relation("part", key="part_id")

    actor: User | None = relation("user", key="actor_id")

    engineer: User | None = relation(
        "user", key="engineer_id", description="The engineer whose stock it changed."
    )

    ticket: LazyTicket | None = relation(
        "ticket",
        key="ticket_id",
        description="The ticket it went to or came from, if the reader may see it.",
    )

    @strawberry.field
    def purchase_order_id(self) -> ID | None:
        pk = self.purchase_order_id
        return None if pk is None else ID(encode_id("PurchaseOrder", pk))

    @strawberry.field
    def part_sale_id(self) -> ID | None:
        pk = self.part_sale_id
        return None if pk is None else ID(encode_id("PartSale", pk))

    @strawberry.field
    def outing_request_id(self) -> ID | None:
        pk = self.outing_request_id
        return None if pk is None else ID(encode_id("OutingRequest", pk))


@strawberry.type(description="Parts an engineer carries: issued to them, not yet used.")
class EngineerStock:
    __read__ = ReadRule(
        rows=visibility.ENGINEER_STOCK, fields={ANYONE: ("quantity", "part", "engineer")}
    )

    quantity: int

    part: Part | None = relation("part", key="part_id")

    engineer: User | None = relation("user", key="engineer_id")


@strawberry.type(description="A part used on a ticket and what it costs the customer.")
class PartUsage:
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={ANYONE: ("quantity", "unit_price", "charge", "under_warranty", "part")},
    )

    quantity: int
    unit_price: Decimal = strawberry.field(description="The selling price per unit.")
    charge: Decimal = strawberry.field(description="What the customer pays: 0 under warranty.")
    under_warranty: bool

    part: Part | None = relation("part", key="part_id")
