"""Root fields of outings (merged into the Query and Mutation roots)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.outings import expenses, reads, requests
from schema.outings.inputs import OutingRequestFilter, OutingRequestInput
from schema.outings.types import OutingExpense, OutingRequest
from schema.pagination import Connection


@strawberry.type
class OutingQueries:
    @strawberry.field(
        description="Outing requests, newest first: all for the office, an engineer's own."
    )
    async def outing_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: OutingRequestFilter | None = None,
    ) -> Connection[OutingRequest]:
        return await reads.outing_requests(info.context, first, after, filter)  # type: ignore[return-value]

    @strawberry.field
    async def outing_request(self, info: Info, id: ID) -> OutingRequest:
        return await reads.outing_request(info.context, id)  # type: ignore[return-value]


@strawberry.type
class OutingMutations:
    @strawberry.mutation(
        description="The ticket's engineer asks to go out with parts and money; ADMIN and "
        "BACK_OFFICE are told live, and the ticket's screens see it."
    )
    async def create_outing_request(self, info: Info, input: OutingRequestInput) -> OutingRequest:
        return await requests.create_outing_request(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Approves a pending request and issues its parts to the engineer, all "
        "or nothing (BAD_USER_INPUT naming the short line, and the request stays pending)."
    )
    async def approve_outing_request(
        self, info: Info, id: ID, note: str | None = None
    ) -> OutingRequest:
        return await requests.approve_outing_request(info.context, id, note)  # type: ignore[return-value]

    @strawberry.mutation(description="Rejects a pending request, with the reason.")
    async def reject_outing_request(self, info: Info, id: ID, note: str) -> OutingRequest:
        return await requests.reject_outing_request(info.context, id, note)  # type: ignore[return-value]

    @strawberry.mutation(description="The requesting engineer withdraws a pending request.")
    async def cancel_outing_request(self, info: Info, id: ID) -> OutingRequest:
        return await requests.cancel_outing_request(info.context, id)  # type: ignore[return-value]

    @strawberry.mutation(
        description="The engineer claims what an expense line cost, against a receipt "
        "(approved outings only); a note given replaces the line's note."
    )
    async def claim_expense(
        self,
        info: Info,
        expense_id: ID,
        amount: Decimal,
        receipt: str,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> OutingExpense:
        return await expenses.claim_expense(  # type: ignore[return-value]
            info.context, expense_id, amount, receipt, note, idempotency_key
        )

    @strawberry.mutation(
        description="Accepts a claimed expense: the claim, or less when an amount is given."
    )
    async def approve_expense(
        self, info: Info, expense_id: ID, amount: Decimal | None = None
    ) -> OutingExpense:
        return await expenses.approve_expense(info.context, expense_id, amount)  # type: ignore[return-value]

    @strawberry.mutation(description="Records the approved amount as paid.")
    async def pay_expense(self, info: Info, expense_id: ID) -> OutingExpense:
        return await expenses.pay_expense(info.context, expense_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Refuses an expense line not yet approved, with the reason.")
    async def reject_expense(self, info: Info, expense_id: ID, note: str) -> OutingExpense:
        return await expenses.reject_expense(info.context, expense_id, note)  # type: ignore[return-value]
