"""Output types of engineer outing requests: the parts asked for, the expense lines
with their reimbursement (claimed, approved, paid) and the totals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain.access import ANYONE, TRACKING
from domain.outings import requests as rules
from domain.outings.requests import ExpenseStatus as DomainExpenseStatus
from resolvers import visibility
from resolvers.context import Info
from schema.accounts.types import User
from schema.outings.inputs import ExpenseKind, OutingStatus
from schema.parts.types import Part
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.tickets.types import Ticket

ExpenseStatus = strawberry.enum(DomainExpenseStatus, name="ExpenseStatus")
LazyTicket = Annotated["Ticket", strawberry.lazy("schema.tickets.types")]


async def _user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)


@strawberry.type(description="A part asked for on an outing, issued to the engineer on approval.")
class OutingPartLine:
    __read__ = ReadRule(part_of=("OutingRequest",), fields={ANYONE: ("quantity", "part")})

    quantity: int

    part: Part | None = relation("part", key="part_id")


@strawberry.type(
    description="Money for an outing: asked for (amount), then claimed against a receipt, "
    "approved (at most the claim) and paid, or rejected."
)
class OutingExpense(Tracked):
    __read__ = ReadRule(
        rows=visibility.OUTING_EXPENSES,
        fields={
            ANYONE: (
                "id",
                "kind",
                "amount",
                "note",
                "status",
                "claimed_amount",
                "receipt",
                "claim_note",
                "claimed_at",
                "approved_amount",
                "approved_at",
                "paid_amount",
                "paid_at",
                "rejection_note",
                "rejected_at",
                "rejected_by",
                "approved_by",
                "paid_by",
                "outing_request",
                *TRACKING,
            )
        },
    )

    kind: ExpenseKind
    amount: Decimal = strawberry.field(description="Asked for with the outing.")
    note: str | None = strawberry.field(description="The engineer's, with the request.")
    status: ExpenseStatus
    claimed_amount: Decimal | None
    receipt: str | None = strawberry.field(description="The receipt's reference.")
    claim_note: str | None = strawberry.field(description="The engineer's, with the claim.")
    claimed_at: datetime | None
    approved_amount: Decimal | None
    approved_at: datetime | None
    paid_amount: Decimal | None
    paid_at: datetime | None
    rejection_note: str | None = strawberry.field(description="Why it was rejected.")
    rejected_at: datetime | None

    rejected_by: User | None = relation("user", key="rejected_by_id")

    approved_by: User | None = relation("user", key="approved_by_id")

    paid_by: User | None = relation("user", key="paid_by_id")

    @strawberry.field
    async def outing_request(self, info: Info) -> OutingRequest | None:
        pk = self.outing_request_id  # type: ignore[attr-defined]
        return await info.context.loaders.outing_request.load(pk)


@strawberry.type(description="Sums of an outing's expense lines (rejected lines left out).")
class OutingTotals:
    __read__ = ReadRule(
        part_of=("OutingRequest",),
        fields={ANYONE: ("requested", "claimed", "approved", "paid", "outstanding")},
    )

    requested: Decimal
    claimed: Decimal
    approved: Decimal
    paid: Decimal
    outstanding: Decimal = strawberry.field(description="Approved, not paid yet.")


@strawberry.type(description="An engineer's request to go out for a ticket.")
class OutingRequest(Tracked):
    __read__ = ReadRule(
        rows=visibility.OUTING_REQUESTS,
        fields={
            ANYONE: (
                "id",
                "status",
                "note",
                "decision_note",
                "decided_at",
                "decided_by",
                "engineer",
                "ticket",
                "parts",
                "expenses",
                "totals",
                *TRACKING,
            )
        },
    )

    status: OutingStatus
    note: str | None
    decision_note: str | None
    decided_at: datetime | None

    decided_by: User | None = relation("user", key="decided_by_id")

    engineer: User | None = relation(
        "user", key="engineer_id", description="The engineer who asked."
    )

    ticket: LazyTicket | None = relation(
        "ticket", key="ticket_id", description="Null when the reader may no longer see the ticket."
    )

    parts: list[OutingPartLine] = relation("outing_request_parts", key="id")

    expenses: list[OutingExpense] = relation("outing_expenses", key="id")

    @strawberry.field
    async def totals(self, info: Info) -> OutingTotals:
        lines: list[Any] = await info.context.loaders.outing_expenses.load(self.id)  # type: ignore[arg-type]
        sums = rules.totals(
            rules.ExpenseFigures(
                status=DomainExpenseStatus(line.status),
                amount=line.amount,
                claimed=line.claimed_amount,
                approved=line.approved_amount,
                paid=line.paid_amount,
            )
            for line in lines
        )
        return OutingTotals(
            requested=sums.requested,
            claimed=sums.claimed,
            approved=sums.approved,
            paid=sums.paid,
            outstanding=sums.outstanding,
        )
