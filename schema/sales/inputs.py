"""Inputs of parts sales to customers."""

from __future__ import annotations

import strawberry

from schema.parts.inputs import PartLineInput


@strawberry.input(description="Parts sold to a customer outside a ticket.")
class PartSaleInput:
    customer_id: strawberry.ID
    lines: list[PartLineInput] = strawberry.field(
        description="One or more parts; each at its list price unless `unitPrice` gives a "
        "discount, never below the part's minimum price nor above its list price. A part "
        "named twice is one line with the quantities added up."
    )
    note: str | None = None


@strawberry.input
class PartSaleFilter:
    customer_id: strawberry.ID | None = None
    search: str | None = strawberry.field(
        default=None,
        description="In the sale's number and note, the customer's code and name, and the "
        "part numbers and names sold.",
    )
