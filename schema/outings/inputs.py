"""Inputs of engineer outing requests and their expenses."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.outings.requests import ExpenseKind as DomainExpenseKind
from domain.outings.requests import OutingStatus as DomainOutingStatus
from schema.parts.inputs import PartLineInput

ExpenseKind = strawberry.enum(DomainExpenseKind, name="ExpenseKind")
OutingStatus = strawberry.enum(DomainOutingStatus, name="OutingStatus")


@strawberry.input(description="Money an outing needs: travel, lodging or other.")
class ExpenseLineInput:
    kind: ExpenseKind
    amount: Decimal = strawberry.field(description="The estimate, zero or more.")
    note: str | None = None


@strawberry.input(
    description="An engineer's request to go out for a ticket they hold: the parts "
    "(quantities; no unit price) and the money needed, at least one of the two."
)
class OutingRequestInput:
    ticket_id: strawberry.ID
    parts: list[PartLineInput] | None = None
    expenses: list[ExpenseLineInput] | None = None
    note: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A phone retrying the same request (it lost the answer) gets the first "
        "request back, and nothing more is made.",
    )


@strawberry.input
class OutingRequestFilter:
    status: OutingStatus | None = None
    ticket_id: strawberry.ID | None = None
    engineer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Engineers may name only themselves."
    )
