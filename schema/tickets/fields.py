"""Root fields of tickets (merged into the Query and Mutation roots)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import ID
from strawberry.file_uploads import Upload

from domain.roles import Role as DomainRole
from domain.tickets.depot import DepotStep as DomainDepotStep
from domain.tickets.lifecycle import TicketKind as DomainKind
from resolvers.context import Info
from resolvers.tickets import (
    closing,
    corrections,
    creation,
    depot,
    dispatching,
    kind_restrictions,
    reads,
    signature,
    site_work,
)
from schema.accounts.types import Role
from schema.pagination import Connection
from schema.tickets.inputs import (
    CreateTicketInput,
    RatingInput,
    TicketFilter,
    TicketKind,
    UpdateTicketInput,
    WorkRecordInput,
)
from schema.tickets.types import DepotStep, KindRestriction, Ticket


@strawberry.type
class TicketQueries:
    @strawberry.field(description="Tickets this user may see, newest first.")
    async def tickets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: TicketFilter | None = None,
    ) -> Connection[Ticket]:
        return await reads.tickets(info.context, first, after, filter)

    @strawberry.field
    async def ticket(self, info: Info, id: ID) -> Ticket:
        return await reads.ticket(info.context, id)

    @strawberry.field(description="Ticket kinds roles or users are limited to (ADMIN only).")
    async def ticket_kind_restrictions(self, info: Info) -> list[KindRestriction]:
        rows = await kind_restrictions.kind_restrictions(info.context)
        return [KindRestriction.from_row(row) for row in rows]


@strawberry.type
class TicketMutations:
    @strawberry.mutation(description="Opens a ticket (customers and agents: REPAIR only).")
    async def create_ticket(self, info: Info, input: CreateTicketInput) -> Ticket:
        return await creation.create_ticket(info.context, input)

    @strawberry.mutation(description="Dispatches (or reassigns) a ticket to an engineer.")
    async def dispatch_ticket(
        self,
        info: Info,
        id: ID,
        engineer_id: ID,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await dispatching.dispatch_ticket(
            info.context, id, engineer_id, note, expected_version
        )

    @strawberry.mutation
    async def acknowledge_ticket(
        self,
        info: Info,
        id: ID,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await dispatching.acknowledge_ticket(
            info.context, id, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def decline_ticket(
        self,
        info: Info,
        id: ID,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await dispatching.decline_ticket(
            info.context, id, reason, expected_version, idempotency_key
        )

    @strawberry.mutation(
        description="On site: the first check-in starts the work. `occurredAt`: when it "
        "happened, for a check-in made offline (not in the future, not before the "
        "dispatch); the server keeps its receipt time as the check-in's createdAt."
    )
    async def check_in(
        self,
        info: Info,
        ticket_id: ID,
        latitude: float,
        longitude: float,
        note: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Ticket:
        return await site_work.check_in(
            info.context,
            ticket_id,
            latitude,
            longitude,
            note,
            expected_version,
            idempotency_key,
            occurred_at,
        )

    @strawberry.mutation
    async def add_work_record(
        self,
        info: Info,
        ticket_id: ID,
        input: WorkRecordInput,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await site_work.add_work_record(
            info.context, ticket_id, input, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def request_close(
        self,
        info: Info,
        id: ID,
        summary: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await closing.request_close(
            info.context, id, summary, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def confirm_close(
        self,
        info: Info,
        id: ID,
        rating: RatingInput,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await closing.confirm_close(
            info.context, id, rating, expected_version, idempotency_key
        )

    @strawberry.mutation
    async def reject_close(
        self,
        info: Info,
        id: ID,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        return await closing.reject_close(
            info.context, id, reason, expected_version, idempotency_key
        )

    @strawberry.mutation(description="The back office's final confirmation.")
    async def finalize_close(
        self, info: Info, id: ID, expected_version: int | None = None
    ) -> Ticket:
        return await closing.finalize_close(info.context, id, expected_version)

    @strawberry.mutation
    async def cancel_ticket(
        self, info: Info, id: ID, reason: str, expected_version: int | None = None
    ) -> Ticket:
        return await closing.cancel_ticket(info.context, id, reason, expected_version)

    @strawberry.mutation(
        description="Staff correct an open ticket (severity, description, contact, "
        "device): a new version and TICKET_UPDATED naming the fields; a new severity "
        "chooses the SLA policy again (met targets and breaches stay)."
    )
    async def update_ticket(
        self, info: Info, id: ID, input: UpdateTicketInput, expected_version: int | None = None
    ) -> Ticket:
        return await corrections.update_ticket(info.context, id, input, expected_version)

    @strawberry.mutation(
        description="Records the next hand-over of a depot repair (BACK_OFFICE, ADMIN; "
        "the ticket's engineer the hand-overs with the customer): in order, else "
        "CONFLICT naming the next step; a new version, live to the ticket's readers."
    )
    async def advance_depot_repair(
        self,
        info: Info,
        ticket_id: ID,
        step: DepotStep,
        note: str | None = None,
        tracking_number: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await depot.advance_depot_repair(
            info.context,
            ticket_id,
            DomainDepotStep(step.value),
            note,
            tracking_number,
            expected_version,
        )

    @strawberry.mutation(
        description="The customer's signature, on the engineer's phone once the close is "
        "asked (the ticket's engineer or the office): the signer's name, the image "
        "(multipart upload), the time signed as the phone says (not in the future, not "
        "before the dispatch). A new ticket version; a later signature replaces it."
    )
    async def record_signature(
        self,
        info: Info,
        ticket_id: ID,
        signer_name: str,
        image: Upload,
        signed_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        return await signature.record_signature(
            info.context, ticket_id, signer_name, image, signed_at, expected_version
        )

    @strawberry.mutation
    async def set_remote_diagnosis(
        self, info: Info, id: ID, diagnosis: str, expected_version: int | None = None
    ) -> Ticket:
        return await site_work.set_remote_diagnosis(info.context, id, diagnosis, expected_version)

    @strawberry.mutation(description="Limits a role or a user to ticket kinds; null lifts it.")
    async def set_ticket_kind_restriction(
        self,
        info: Info,
        kinds: list[TicketKind] | None,
        role: Role | None = None,
        user_id: ID | None = None,
    ) -> KindRestriction | None:
        row = await kind_restrictions.set_kind_restriction(
            info.context,
            DomainRole(role.value) if role else None,
            user_id,
            [DomainKind(k.value) for k in kinds] if kinds is not None else None,
        )
        return None if row is None else KindRestriction.from_row(row)
