"""Root fields of the parts catalogue, stock and parts on tickets (merged into the
Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.parts import catalogue as parts
from resolvers.parts import on_tickets as ticket_parts
from schema.pagination import Connection
from schema.parts.inputs import PartFilter, PartInput, PartLineInput, PartPatch, ReceiptLineInput
from schema.parts.types import EngineerStock, Part
from schema.tickets.types import Ticket


@strawberry.type
class PartQueries:
    @strawberry.field(description="The parts catalogue, searchable for quoting.")
    async def parts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PartFilter | None = None,
    ) -> Connection[Part]:
        return await parts.parts(info.context, first, after, filter)  # type: ignore[return-value]

    @strawberry.field
    async def part(self, info: Info, id: ID) -> Part:
        return await parts.part(info.context, id)  # type: ignore[return-value]

    @strawberry.field(
        description="Parts an engineer carries (the caller's own when engineerId is null)."
    )
    async def engineer_stock(
        self, info: Info, engineer_id: ID | None = None
    ) -> list[EngineerStock]:
        return await parts.engineer_stock(info.context, engineer_id)  # type: ignore[return-value]


@strawberry.type
class PartMutations:
    @strawberry.mutation(description="A new part, with no stock (stock comes by movements).")
    async def create_part(self, info: Info, input: PartInput) -> Part:
        return await parts.create_part(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation
    async def update_part(self, info: Info, id: ID, input: PartPatch) -> Part:
        return await parts.update_part(info.context, id, input)  # type: ignore[return-value]

    @strawberry.mutation(description="Logical delete (its stock alarm, if any, is cleared).")
    async def delete_part(self, info: Info, id: ID) -> Part:
        return await parts.set_part_deleted(info.context, id, deleted=True)  # type: ignore[return-value]

    @strawberry.mutation
    async def restore_part(self, info: Info, id: ID) -> Part:
        return await parts.set_part_deleted(info.context, id, deleted=False)  # type: ignore[return-value]

    @strawberry.mutation(
        description="A signed stock correction with a reason (opening stock, stocktake)."
    )
    async def adjust_stock(self, info: Info, part_id: ID, quantity: int, reason: str) -> Part:
        return await parts.adjust_stock(info.context, part_id, quantity, reason)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Parts used on a ticket: taken from what its engineer carries, then "
        "from the warehouse; charged at list price (or a discount down to the minimum), "
        "nothing under warranty."
    )
    async def issue_parts_to_ticket(
        self,
        info: Info,
        ticket_id: ID,
        lines: list[PartLineInput],
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await ticket_parts.issue_parts_to_ticket(
            info.context, ticket_id, lines, expected_version, idempotency_key
        )

    @strawberry.mutation(description="Parts issued to a ticket but not used, back into stock.")
    async def return_parts_from_ticket(
        self,
        info: Info,
        ticket_id: ID,
        lines: list[ReceiptLineInput],
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await ticket_parts.return_parts_from_ticket(
            info.context, ticket_id, lines, expected_version, idempotency_key
        )

    @strawberry.mutation(description="Parts an engineer brings back unused, into the warehouse.")
    async def return_engineer_stock(
        self, info: Info, engineer_id: ID, lines: list[ReceiptLineInput]
    ) -> list[EngineerStock]:
        return await parts.return_engineer_stock(info.context, engineer_id, lines)  # type: ignore[return-value]
