"""Output types of charges: the rates, a ticket's statement, its estimate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.access import ANYONE
from domain.charges.statement import ChargeKind as DomainChargeKind
from domain.charges.statement import EstimateStatus as DomainEstimateStatus
from resolvers import visibility
from schema.rules import ReadRule

ChargeKind = strawberry.enum(DomainChargeKind, name="ChargeKind")
EstimateStatus = strawberry.enum(DomainEstimateStatus, name="EstimateStatus")


@strawberry.type(description="What labour and travel are charged at (each line keeps its own).")
class ChargeRates:
    __read__ = ReadRule(
        rows=visibility.STAFF_ROWS,
        fields={ANYONE: ("own_device_hourly", "other_device_hourly", "travel_fee")},
    )

    own_device_hourly: Decimal = strawberry.field(description="Per hour on our own products.")
    other_device_hourly: Decimal = strawberry.field(
        description="Per hour on other vendors' products."
    )
    travel_fee: Decimal = strawberry.field(description="Per site visit (check-in); 0: none.")


@strawberry.type
class ChargeLine:
    __read__ = ReadRule(
        part_of=("TicketCharges",),
        fields={
            ANYONE: ("id", "kind", "description", "quantity", "unit_price", "amount", "waived")
        },
    )

    id: strawberry.ID | None = strawberry.field(
        description="The line's id (removeChargeLine); null for parts, which follow the parts used."
    )
    kind: ChargeKind
    description: str
    quantity: Decimal = strawberry.field(description="Hours for labour; pieces for parts.")
    unit_price: Decimal = strawberry.field(description="The rate or price when it was made.")
    amount: Decimal
    waived: bool = strawberry.field(
        description="Free of charge (under warranty, or cancelled after a refused "
        "estimate): shown, not counted."
    )


@strawberry.type(description="The estimate sent before chargeable work.")
class Estimate:
    __read__ = ReadRule(
        part_of=("TicketCharges",),
        fields={
            ANYONE: (
                "amount",
                "note",
                "status",
                "sent_at",
                "answered_at",
                "on_behalf_of_customer",
            )
        },
    )

    amount: Decimal
    note: str | None
    status: EstimateStatus
    sent_at: datetime | None
    answered_at: datetime | None
    on_behalf_of_customer: bool = strawberry.field(
        description="Answered by staff for a customer without an account."
    )


@strawberry.type(description="A ticket's statement: what its work, travel and parts cost.")
class TicketCharges:
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={ANYONE: ("lines", "total", "estimate", "confirmed_total", "free_of_charge")},
    )

    lines: list[ChargeLine]
    total: Decimal = strawberry.field(description="What the customer owes.")
    estimate: Estimate | None
    confirmed_total: Decimal | None = strawberry.field(
        description="The total the customer confirmed with the close (null before)."
    )
    free_of_charge: bool
