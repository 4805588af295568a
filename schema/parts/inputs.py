"""Inputs for spare parts and the stock operations on them."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import UNSET


@strawberry.input
class PartInput:
    __writes__ = "Part"  # what it writes, field by field (schema.rules)

    part_number: str
    name: str
    unit: str = strawberry.field(default="pcs", description="Unit of measure (pcs, m, kg...).")
    spec: str | None = None
    brand: str | None = strawberry.field(default=None, description="Brand it fits.")
    model: str | None = strawberry.field(default=None, description="Model(s) it fits.")
    cost_price: Decimal = Decimal("0")
    list_price: Decimal = Decimal("0")
    minimum_price: Decimal | None = strawberry.field(
        default=None, description="The lowest selling price; defaults to the list price."
    )
    alarm_threshold: int = strawberry.field(
        default=0, description="A stock alarm goes off when stock falls to or below it."
    )


@strawberry.input(description="Only the fields given change. Stock changes through movements.")
class PartPatch:
    __writes__ = "Part"  # what it writes, field by field (schema.rules)

    part_number: str | None = UNSET
    name: str | None = UNSET
    unit: str | None = UNSET
    spec: str | None = UNSET
    brand: str | None = UNSET
    model: str | None = UNSET
    cost_price: Decimal | None = UNSET
    list_price: Decimal | None = UNSET
    minimum_price: Decimal | None = UNSET
    alarm_threshold: int | None = UNSET


@strawberry.input
class PartFilter:
    search: str | None = strawberry.field(
        default=None, description="In part number, name, spec, brand, model."
    )
    below_alarm: bool | None = strawberry.field(
        default=None, description="Only parts at or below (true) / above (false) the threshold."
    )
    include_deleted: bool = False


@strawberry.input(description="A quantity of a part, at a unit price where one applies.")
class PartLineInput:
    part_id: strawberry.ID
    quantity: int
    unit_price: Decimal | None = strawberry.field(
        default=None,
        description="Selling lines: the list price when omitted, never below the minimum. "
        "Purchase lines: the purchase price, the part's cost price when omitted.",
    )


@strawberry.input
class ReceiptLineInput:
    part_id: strawberry.ID
    quantity: int
