"""Output types of spare parts: the catalogue, stock movements, engineers' stock and the
parts used on tickets. Cost, minimum and average purchase prices resolve to null for
anyone but staff (domain.parts.sees_cost_prices)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import ID

from domain.parts import MovementKind as DomainMovementKind
from domain.parts import below_alarm
from resolvers import parts as part_resolvers
from resolvers.context import Info
from resolvers.ids import encode_id
from resolvers.tickets import visible_ticket
from schema.pagination import Connection
from schema.types import Tracked, User, staff_only

if TYPE_CHECKING:
    from schema.ticket_types import Ticket

MovementKind = strawberry.enum(DomainMovementKind, name="StockMovementKind")
LazyTicket = Annotated["Ticket", strawberry.lazy("schema.ticket_types")]


@strawberry.type(description="A spare part of the catalogue with its warehouse stock.")
class Part(Tracked):
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

    @strawberry.field(description="Staff only (null for customers and agents).")
    def cost_price(self, info: Info) -> Decimal | None:
        return staff_only(info, self.cost_price)  # type: ignore[attr-defined]

    @strawberry.field(description="The lowest selling price. Staff only.")
    def minimum_price(self, info: Info) -> Decimal | None:
        return staff_only(info, self.minimum_price)  # type: ignore[attr-defined]

    @strawberry.field(description="Mean unit cost of the last three receipts. Staff only.")
    def average_purchase_price(self, info: Info) -> Decimal | None:
        return staff_only(info, self.average_purchase_price)  # type: ignore[attr-defined]

    @strawberry.field(description="Every movement of this part, newest first. Staff only.")
    async def movements(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StockMovement]:
        return await part_resolvers.movements(info.context, self.id, first, after)  # type: ignore[arg-type,return-value]


@strawberry.type(
    description="One change of stock. `quantity` is the signed change of the warehouse "
    "stock, `engineerQuantity` that of the engineer's stock (0 where not involved)."
)
class StockMovement:
    kind: MovementKind
    quantity: int
    engineer_quantity: int
    unit_cost: Decimal | None
    on_hand_after: int = strawberry.field(description="Warehouse stock after this movement.")
    at: datetime
    reason: str | None

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("StockMovement", self.id))  # type: ignore[attr-defined]

    @strawberry.field
    async def part(self, info: Info) -> Part | None:
        return await info.context.loaders.part.load(self.part_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        pk = self.actor_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.user.load(pk)

    @strawberry.field(description="The engineer whose stock it changed.")
    async def engineer(self, info: Info) -> User | None:
        pk = self.engineer_id  # type: ignore[attr-defined]
        return None if pk is None else await info.context.loaders.user.load(pk)

    @strawberry.field(description="The ticket it went to or came from, if the reader may see it.")
    async def ticket(self, info: Info) -> LazyTicket | None:
        return await visible_ticket(info.context, self.ticket_id)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def purchase_order_id(self) -> ID | None:
        pk = self.purchase_order_id  # type: ignore[attr-defined]
        return None if pk is None else ID(encode_id("PurchaseOrder", pk))

    @strawberry.field
    def part_sale_id(self) -> ID | None:
        pk = self.part_sale_id  # type: ignore[attr-defined]
        return None if pk is None else ID(encode_id("PartSale", pk))

    @strawberry.field
    def outing_request_id(self) -> ID | None:
        pk = self.outing_request_id  # type: ignore[attr-defined]
        return None if pk is None else ID(encode_id("OutingRequest", pk))


@strawberry.type(description="Parts an engineer carries: issued to them, not yet used.")
class EngineerStock:
    quantity: int

    @strawberry.field
    async def part(self, info: Info) -> Part | None:
        return await info.context.loaders.part.load(self.part_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def engineer(self, info: Info) -> User | None:
        return await info.context.loaders.user.load(self.engineer_id)  # type: ignore[attr-defined]


@strawberry.type(description="A part used on a ticket and what it costs the customer.")
class PartUsage:
    quantity: int
    unit_price: Decimal = strawberry.field(description="The selling price per unit.")
    charge: Decimal = strawberry.field(description="What the customer pays: 0 under warranty.")
    under_warranty: bool

    @strawberry.field
    async def part(self, info: Info) -> Part | None:
        return await info.context.loaders.part.load(self.part_id)  # type: ignore[attr-defined]
