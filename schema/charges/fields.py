"""Root fields of charges (merged into the Query and Mutation roots)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import ID

from resolvers.charges import estimates, lines, rates
from resolvers.context import Info
from schema.charges.inputs import ChargeRatesInput
from schema.charges.types import ChargeRates
from schema.tickets.types import Ticket


@strawberry.type
class ChargeQueries:
    @strawberry.field(description="The charge rates in force (staff).")
    async def charge_rates(self, info: Info) -> ChargeRates:
        return await rates.charge_rates(info.context)  # type: ignore[return-value]


@strawberry.type
class ChargeMutations:
    @strawberry.mutation(
        description="Sets the charge rates (ADMIN, BACK_OFFICE); lines made from now on "
        "use them, lines made before keep theirs."
    )
    async def set_charge_rates(self, info: Info, input: ChargeRatesInput) -> ChargeRates:
        return await rates.set_charge_rates(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Adds an OTHER line to a ticket's statement (ADMIN, BACK_OFFICE) "
        "until the close is asked; a new ticket version."
    )
    async def add_charge_line(
        self,
        info: Info,
        ticket_id: ID,
        description: str,
        quantity: Decimal,
        unit_price: Decimal,
        expected_version: int | None = None,
    ) -> Ticket:
        return await lines.add_charge_line(
            info.context, ticket_id, description, quantity, unit_price, expected_version
        )

    @strawberry.mutation(description="Takes back an OTHER line the office added.")
    async def remove_charge_line(
        self, info: Info, ticket_id: ID, charge_id: ID, expected_version: int | None = None
    ) -> Ticket:
        return await lines.remove_charge_line(info.context, ticket_id, charge_id, expected_version)

    @strawberry.mutation(
        description="Tells the customer what the work will cost before it is done "
        "(ADMIN, BACK_OFFICE); replaces an earlier estimate. A new ticket version."
    )
    async def send_estimate(
        self,
        info: Info,
        ticket_id: ID,
        amount: Decimal,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await estimates.send_estimate(
            info.context, ticket_id, amount, note, expected_version
        )

    @strawberry.mutation(
        description="The customer accepts or refuses the estimate (staff for a customer "
        "without an account, recorded as such); refusing lets the office cancel free of "
        "charge. CONFLICT when there is none waiting."
    )
    async def answer_estimate(
        self, info: Info, ticket_id: ID, accept: bool, expected_version: int | None = None
    ) -> Ticket:
        return await estimates.answer_estimate(info.context, ticket_id, accept, expected_version)
