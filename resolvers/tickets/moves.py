"""Tickets: creation, every move of the lifecycle, and reads.

Every change locks the ticket row, checks the expected version and the move, bumps
the version through a compare-and-swap UPDATE, and writes its events (and the
notifications they cause) in the same transaction. A retried mutation with the same
idempotency key returns the first result and changes nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from domain import validation
from domain.errors import BadUserInput, Conflict, Forbidden, NotFound
from domain.roles import Actor, Role
from domain.tickets.access import TicketView, can_see
from domain.tickets.access import kinds_of as actor_kinds
from domain.tickets.lifecycle import (
    FINAL_CONFIRMERS,
    Move,
    Plan,
    TicketFacts,
    TicketKind,
    TicketSource,
    TicketStatus,
    check_coordinates,
    check_dispatch_target,
    check_rating,
    check_severity,
    default_source,
    may_create,
    plan_move,
    ticket_number,
)
from persistence.events import ticket_event, ticket_snapshot
from persistence.models import CheckIn, Customer, Device, IdempotencyKey, Ticket, User, WorkRecord
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from persistence.unit_of_work import UnitOfWork
from resolvers.context import Context
from resolvers.directory.customers import visible_customer
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.notifications.notices import Kind, notify, settle
from resolvers.pagination import paginate
from resolvers.records import search_clause
from resolvers.tickets.snapshots import ticket_as_of
from schema.pagination import Connection
from schema.tickets.inputs import CreateTicketInput, RatingInput, TicketFilter, WorkRecordInput

MAX_KEY_LENGTH = 100


class _KeyTaken(Exception):
    """A concurrent request with the same idempotency key committed first."""


# -- reads ---------------------------------------------------------------------


def view_of(ticket: Ticket, customer: Customer) -> TicketView:
    return TicketView(
        kind=TicketKind(ticket.kind),
        customer_id=ticket.customer_id,
        customer_agent_id=customer.agent_id,
        assignee_id=ticket.assignee_id,
    )


async def tickets(
    ctx: Context, first: int | None, after: str | None, filter: TicketFilter | None
) -> Connection[Ticket]:
    actor = await ctx.actor()
    async with ctx.read() as session:
        stmt = ticket_rows.tickets_in_scope(select(Ticket), actor, actor_kinds(actor))
        if filter is not None:
            if filter.status:
                stmt = stmt.where(Ticket.status.in_([s.value for s in filter.status]))
            if filter.kind is not None:
                stmt = stmt.where(Ticket.kind == filter.kind.value)
            if filter.severity is not None:
                stmt = stmt.where(Ticket.severity == filter.severity)
            if filter.customer_id is not None:
                customer_pk = decode_id(filter.customer_id, "Customer", field="filter.customerId")
                stmt = stmt.where(Ticket.customer_id == customer_pk)
            if filter.assignee_id is not None:
                user_pk = decode_id(filter.assignee_id, "User", field="filter.assigneeId")
                stmt = stmt.where(Ticket.assignee_id == user_pk)
            clause = search_clause(
                filter.search, Ticket.number, Ticket.description, Ticket.contact_name
            )
            if clause is not None:
                stmt = stmt.where(clause)
        return await paginate(
            session,
            stmt,
            Ticket.id,
            first=first,
            after=after,
            settings=ctx.settings,
            newest_first=True,
        )


async def ticket(ctx: Context, ticket_id: str) -> Ticket:
    """Whether the reader sees it is the Ticket type's read rule (schema.rules)."""
    await ctx.actor()
    row = await ctx.loaders.ticket.load(decode_id(ticket_id, "Ticket"))
    if row is None:
        raise NotFound("ticket not found")
    return row


# -- idempotency ---------------------------------------------------------------


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(f"must be 1-{MAX_KEY_LENGTH} characters", field="idempotencyKey")
    return key


async def _stored_result(
    session: AsyncSession, actor: Actor, key: str, operation: str, ticket_pk: int | None = None
) -> Any | None:
    stored = await session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key
        )
    )
    if stored is None:
        return None
    if stored.operation != operation or (ticket_pk is not None and stored.ticket_id != ticket_pk):
        raise BadUserInput(
            f"was already used for {stored.operation} on another request; use a new key",
            field="idempotencyKey",
        )
    row = await session.get(Ticket, stored.ticket_id)
    assert row is not None
    return ticket_as_of(row, stored.result)


async def _remember(work: UnitOfWork, actor: Actor, key: str, operation: str, row: Ticket) -> None:
    work.session.add(
        IdempotencyKey(
            user_id=actor.user_id,
            key=key,
            operation=operation,
            ticket_id=row.id,
            result=ticket_snapshot(row),
        )
    )
    try:
        await work.session.flush()
    except sa_exc.IntegrityError as exc:
        raise _KeyTaken from exc


async def _idempotent(
    ctx: Context,
    actor: Actor,
    key: str | None,
    operation: str,
    attempt: Callable[[], Awaitable[Any]],
    ticket_pk: int | None = None,
) -> Any:
    try:
        return await attempt()
    except _KeyTaken:
        assert key is not None
        async with ctx.read() as session:
            replay = await _stored_result(session, actor, key, operation, ticket_pk)
        if replay is None:  # pragma: no cover - the winner committed before we failed
            raise Conflict("a concurrent request with this key failed; retry") from None
        ctx.own_writes.add(encode_id("Ticket", replay.id))
        return replay


# -- events --------------------------------------------------------------------


def emit_ticket_event(
    work: UnitOfWork,
    type_: str,
    ticket: Ticket,
    customer: Customer,
    *,
    previous_assignee_id: int | None = None,
    **details: Any,
) -> None:
    details = {k: v for k, v in details.items() if v is not None}
    if previous_assignee_id is not None:
        details["previousAssignee"] = encode_id("User", previous_assignee_id)
    work.emit(
        ticket_event(
            type_,
            ticket,
            customer,
            actor_id=work.actor_id,
            previous_assignee_id=previous_assignee_id,
            **details,
        )
    )


# -- creation ------------------------------------------------------------------


async def create_ticket(ctx: Context, data: CreateTicketInput) -> Any:
    actor = await ctx.actor()
    kind = TicketKind(data.kind.value)
    may_create(actor, kind)
    key = _check_key(data.idempotency_key)
    severity = check_severity(data.severity)
    description = validation.text(data.description, "description", max_length=4000)
    contact_name = validation.optional_text(data.contact_name, "contactName", max_length=100)
    contact_phone = validation.phone(data.contact_phone, "contactPhone")
    customer_pk = decode_id(data.customer_id, "Customer", field="customerId")
    device_pk = decode_optional_id(data.device_id, "Device", field="deviceId")
    staff = actor.role in (Role.ADMIN, Role.BACK_OFFICE, Role.CUSTOMER_SERVICE)
    if not staff and (data.remote_diagnosis is not None or data.source is not None):
        raise Forbidden("only staff set the source or the remote diagnosis")
    source = TicketSource(data.source.value) if data.source else default_source(actor)
    remote_diagnosis = validation.optional_text(
        data.remote_diagnosis, "remoteDiagnosis", max_length=4000
    )

    async def attempt() -> Any:
        async with ctx.write("createTicket", actor=actor) as work:
            session = work.session
            if key and (replay := await _stored_result(session, actor, key, "createTicket")):
                ctx.own_writes.add(encode_id("Ticket", replay.id))
                return replay
            if kind not in actor_kinds(actor):
                raise Forbidden(f"this account does not handle {kind} tickets")
            customer = await visible_customer(session, actor, customer_pk)
            if customer.is_deleted:
                raise BadUserInput("is deleted", field="customerId")
            under_warranty = False
            if device_pk is not None:
                device = await session.get(Device, device_pk)
                if device is None or device.customer_id != customer.id or device.is_deleted:
                    raise NotFound("no such device at this customer", field="deviceId")
                today = utcnow().date()
                under_warranty = device.warranty_ends_on is not None and (
                    device.warranty_ends_on >= today
                )
            if data.under_warranty is not None:
                if not staff:
                    raise Forbidden("only staff decide the warranty status")
                under_warranty = data.under_warranty
            row = Ticket(
                kind=kind.value,
                status=TicketStatus.NEW.value,
                severity=severity,
                source=source.value,
                customer_id=customer.id,
                device_id=device_pk,
                contact_name=contact_name,
                contact_phone=contact_phone,
                description=description,
                remote_diagnosis=remote_diagnosis,
                under_warranty=under_warranty,
            )
            session.add(row)
            await session.flush()
            # The number derives from the id; written by a plain UPDATE so that creation
            # stays version 1 (the ORM would count it as a change).
            number = ticket_number(row.created_at.year, row.id)
            await session.execute(update(Ticket).where(Ticket.id == row.id).values(number=number))
            set_committed_value(row, "number", number)
            work.touched(encode_id("Ticket", row.id))
            emit_ticket_event(work, "TICKET_CREATED", row, customer, number=row.number)
            if key:
                await _remember(work, actor, key, "createTicket", row)
        return row

    return await _idempotent(ctx, actor, key, "createTicket", attempt)


# -- moves ---------------------------------------------------------------------


@dataclass
class Change:
    """What a move sees: the unit of work, the locked ticket, its customer, the plan."""

    work: UnitOfWork
    ticket: Ticket
    customer: Customer
    plan: Plan
    actor: Actor

    @property
    def session(self) -> AsyncSession:
        return self.work.session


Apply = Callable[[Change], Awaitable[None]]


def _conflict(exc: Conflict, row: Ticket) -> Conflict:
    exc.extensions.update(currentStatus=row.status, currentVersion=row.version)
    return exc


async def move_ticket(
    ctx: Context,
    *,
    operation: str,
    move: Move,
    ticket_id: str,
    expected_version: int | None,
    idempotency_key: str | None = None,
    before: Callable[[Change], Awaitable[None]] | None = None,
    apply: Apply,
) -> Any:
    actor = await ctx.actor()
    pk = decode_id(ticket_id, "Ticket")
    key = _check_key(idempotency_key)
    if expected_version is not None and expected_version < 1:
        raise BadUserInput("must be 1 or more", field="expectedVersion")

    async def attempt() -> Any:
        async with ctx.write(operation, actor=actor) as work:
            session = work.session
            row = await session.get(Ticket, pk, with_for_update=True, populate_existing=True)
            # Looked up under the row lock: a concurrent retry with the same key waits for
            # the first to commit, then finds its result here.
            if key and (replay := await _stored_result(session, actor, key, operation, pk)):
                ctx.own_writes.add(encode_id("Ticket", pk))
                return replay
            customer = await session.get(Customer, row.customer_id) if row else None
            if row is None or customer is None:
                raise NotFound("ticket not found")
            kinds = actor_kinds(actor)
            if not can_see(actor, view_of(row, customer), kinds):
                # An engineer who lost the ticket learns it changed; anyone else, nothing.
                taken_away = (
                    actor.role is Role.ENGINEER
                    and TicketKind(row.kind) in kinds
                    and await ticket_rows.was_assigned(session, row.id, actor.user_id)
                )
                if not taken_away:
                    raise NotFound("ticket not found")
            if expected_version is not None and expected_version != row.version:
                raise _conflict(
                    Conflict(f"the ticket changed (now version {row.version}); reload it"), row
                )
            facts = TicketFacts(
                status=TicketStatus(row.status),
                assignee_id=row.assignee_id,
                customer_id=row.customer_id,
                customer_has_account=(
                    move in (Move.CONFIRM_CLOSE, Move.REJECT_CLOSE)
                    and await ticket_rows.customer_has_account(session, row.customer_id)
                ),
            )
            try:
                plan = plan_move(move, facts, actor)
            except Conflict as exc:
                raise _conflict(exc, row) from None
            change = Change(work=work, ticket=row, customer=customer, plan=plan, actor=actor)
            if before is not None:
                await before(change)
            row.status = plan.target.value
            # Every move is a change of the ticket: a new version and one event, even
            # when no column of the row itself changes (a second check-in, a work record).
            row.updated_at = utcnow()
            try:
                await apply(change)
                await session.flush()
            except StaleDataError:
                # The compare-and-swap UPDATE matched no row: someone else changed it first.
                raise _conflict(Conflict("the ticket changed meanwhile; reload it"), row) from None
            work.touched(encode_id("Ticket", row.id))
            if key:
                await _remember(work, actor, key, operation, row)
        return row

    return await _idempotent(ctx, actor, key, operation, attempt, pk)


async def _flush(change: Change) -> None:
    """Bumps the version now, so events and notifications carry the new one."""
    await change.session.flush()


async def dispatch_ticket(
    ctx: Context, ticket_id: str, engineer_id: str, note: str | None, expected_version: int | None
) -> Any:
    engineer_pk = decode_id(engineer_id, "User", field="engineerId")
    cleaned_note = validation.optional_text(note, "note", max_length=2000)

    async def before(change: Change) -> None:
        engineer = await change.session.get(User, engineer_pk)
        if (
            engineer is None
            or engineer.role != Role.ENGINEER.value
            or not engineer.enabled
            or engineer.is_deleted
        ):
            raise BadUserInput("is not an active engineer", field="engineerId")
        kinds = await ticket_rows.kinds_for(change.session, engineer.id, Role.ENGINEER)
        if TicketKind(change.ticket.kind) not in kinds:
            raise BadUserInput(
                f"this engineer does not handle {change.ticket.kind} tickets", field="engineerId"
            )
        check_dispatch_target(
            TicketFacts(
                TicketStatus(change.ticket.status),
                change.ticket.assignee_id,
                change.ticket.customer_id,
            ),
            engineer_pk,
        )

    async def apply(change: Change) -> None:
        row, work = change.ticket, change.work
        previous = row.assignee_id
        row.assignee_id = engineer_pk
        row.dispatched_by_id = change.actor.user_id
        row.dispatched_at = utcnow()
        row.dispatch_note = cleaned_note
        row.accepted_at = None
        await _flush(change)
        reassigned = previous is not None and previous != engineer_pk
        emit_ticket_event(
            work,
            "TICKET_REASSIGNED" if reassigned else "TICKET_DISPATCHED",
            row,
            change.customer,
            previous_assignee_id=previous if reassigned else None,
            note=cleaned_note,
        )
        await settle(work, row, [Kind.DECLINED, Kind.CLOSE_REJECTED])
        if reassigned:
            await settle(work, row, [Kind.DISPATCHED], user_id=previous)
            await notify(
                work, row, [previous], Kind.REASSIGNED_AWAY, f"{row.number} was reassigned"
            )
        await notify(work, row, [engineer_pk], Kind.DISPATCHED, f"{row.number} dispatched to you")

    return await move_ticket(
        ctx,
        operation="dispatchTicket",
        move=Move.DISPATCH,
        ticket_id=ticket_id,
        expected_version=expected_version,
        before=before,
        apply=apply,
    )


async def acknowledge_ticket(
    ctx: Context, ticket_id: str, expected_version: int | None, idempotency_key: str | None
) -> Any:
    async def apply(change: Change) -> None:
        change.ticket.accepted_at = utcnow()
        await _flush(change)
        emit_ticket_event(change.work, "TICKET_ACKNOWLEDGED", change.ticket, change.customer)
        await settle(change.work, change.ticket, [Kind.DISPATCHED], user_id=change.actor.user_id)

    return await move_ticket(
        ctx,
        operation="acknowledgeTicket",
        move=Move.ACKNOWLEDGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def decline_ticket(
    ctx: Context,
    ticket_id: str,
    reason: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        engineer = row.assignee_id
        row.assignee_id = None
        row.accepted_at = None
        await _flush(change)
        emit_ticket_event(
            change.work,
            "TICKET_DECLINED",
            row,
            change.customer,
            previous_assignee_id=engineer,
            reason=cleaned,
        )
        await settle(change.work, row, [Kind.DISPATCHED], user_id=engineer)
        await notify(
            change.work,
            row,
            [row.dispatched_by_id],
            Kind.DECLINED,
            f"{row.number} was declined: {cleaned}",
        )

    return await move_ticket(
        ctx,
        operation="declineTicket",
        move=Move.DECLINE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def check_in(
    ctx: Context,
    ticket_id: str,
    latitude: float,
    longitude: float,
    note: str | None,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    check_coordinates(latitude, longitude)
    cleaned = validation.optional_text(note, "note", max_length=2000)

    async def apply(change: Change) -> None:
        row, now = change.ticket, utcnow()
        row.started_at = row.started_at or now
        change.session.add(
            CheckIn(
                ticket_id=row.id,
                engineer_id=change.actor.user_id,
                at=now,
                latitude=latitude,
                longitude=longitude,
                note=cleaned,
            )
        )
        await _flush(change)
        emit_ticket_event(
            change.work,
            "TICKET_CHECKED_IN",
            row,
            change.customer,
            latitude=latitude,
            longitude=longitude,
            note=cleaned,
        )

    return await move_ticket(
        ctx,
        operation="checkIn",
        move=Move.CHECK_IN,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def add_work_record(
    ctx: Context,
    ticket_id: str,
    data: WorkRecordInput,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    details = validation.text(data.details, "details", max_length=8000)
    if data.ended_at < data.started_at:
        raise BadUserInput("must not be before startedAt", field="endedAt")
    for name, value in (("startedAt", data.started_at), ("endedAt", data.ended_at)):
        if value.tzinfo is None:
            raise BadUserInput("must carry a time zone", field=name)

    async def apply(change: Change) -> None:
        record = WorkRecord(
            ticket_id=change.ticket.id,
            engineer_id=change.actor.user_id,
            started_at=data.started_at,
            ended_at=data.ended_at,
            method=validation.optional_text(data.method, "method", max_length=100),
            place=validation.optional_text(data.place, "place"),
            details=details,
            issues_left=validation.optional_text(data.issues_left, "issuesLeft", max_length=4000),
        )
        change.session.add(record)
        await _flush(change)
        emit_ticket_event(change.work, "TICKET_WORK_RECORDED", change.ticket, change.customer)

    return await move_ticket(
        ctx,
        operation="addWorkRecord",
        move=Move.RECORD_WORK,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def request_close(
    ctx: Context,
    ticket_id: str,
    summary: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(summary, "summary", max_length=4000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.close_summary, row.close_requested_at = cleaned, utcnow()
        await _flush(change)
        emit_ticket_event(
            change.work, "TICKET_CLOSE_REQUESTED", row, change.customer, summary=cleaned
        )
        customers = await ticket_rows.customer_user_ids(change.session, row.customer_id)
        await notify(
            change.work, row, customers, Kind.CLOSE_REQUESTED, f"{row.number}: please confirm"
        )

    return await move_ticket(
        ctx,
        operation="requestClose",
        move=Move.REQUEST_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def confirm_close(
    ctx: Context,
    ticket_id: str,
    rating: RatingInput,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    communication = check_rating(rating.communication, "rating.communication")
    quality = check_rating(rating.quality, "rating.quality")
    comment = validation.optional_text(rating.comment, "rating.comment", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.rating_communication, row.rating_quality = communication, quality
        row.rating_solved, row.rating_comment = rating.solved, comment
        row.rated_by_id, row.rated_on_behalf = (
            change.actor.user_id,
            change.plan.on_behalf_of_customer,
        )
        row.confirmed_at = utcnow()
        await _flush(change)
        emit_ticket_event(
            change.work,
            "TICKET_CLOSE_CONFIRMED",
            row,
            change.customer,
            onBehalfOfCustomer=change.plan.on_behalf_of_customer or None,
        )
        await settle(change.work, row, [Kind.CLOSE_REQUESTED])
        office = await ticket_rows.user_ids_with_roles(
            change.session, [Role.BACK_OFFICE], handling=row.kind
        )
        if not office:
            office = await ticket_rows.user_ids_with_roles(
                change.session, FINAL_CONFIRMERS, handling=row.kind
            )
        await notify(
            change.work,
            row,
            office,
            Kind.AWAITING_FINAL_CONFIRMATION,
            f"{row.number} awaits final confirmation",
        )

    return await move_ticket(
        ctx,
        operation="confirmClose",
        move=Move.CONFIRM_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def reject_close(
    ctx: Context,
    ticket_id: str,
    reason: str,
    expected_version: int | None,
    idempotency_key: str | None,
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.close_requested_at = None
        await _flush(change)
        emit_ticket_event(
            change.work,
            "TICKET_CLOSE_REJECTED",
            row,
            change.customer,
            reason=cleaned,
            onBehalfOfCustomer=change.plan.on_behalf_of_customer or None,
        )
        await settle(change.work, row, [Kind.CLOSE_REQUESTED])
        await notify(
            change.work,
            row,
            [row.dispatched_by_id, row.assignee_id],
            Kind.CLOSE_REJECTED,
            f"{row.number}: closing rejected: {cleaned}",
        )

    return await move_ticket(
        ctx,
        operation="rejectClose",
        move=Move.REJECT_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        apply=apply,
    )


async def finalize_close(ctx: Context, ticket_id: str, expected_version: int | None) -> Any:
    async def apply(change: Change) -> None:
        change.ticket.closed_at = utcnow()
        await _flush(change)
        emit_ticket_event(change.work, "TICKET_CLOSED", change.ticket, change.customer)
        await settle(change.work, change.ticket, [Kind.AWAITING_FINAL_CONFIRMATION])

    return await move_ticket(
        ctx,
        operation="finalizeClose",
        move=Move.FINALIZE_CLOSE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )


async def cancel_ticket(
    ctx: Context, ticket_id: str, reason: str, expected_version: int | None
) -> Any:
    cleaned = validation.text(reason, "reason", max_length=2000)

    async def apply(change: Change) -> None:
        row = change.ticket
        row.cancelled_at, row.cancel_reason = utcnow(), cleaned
        await _flush(change)
        emit_ticket_event(change.work, "TICKET_CANCELLED", row, change.customer, reason=cleaned)
        await settle(change.work, row)
        await notify(
            change.work, row, [row.assignee_id], Kind.CANCELLED, f"{row.number} was cancelled"
        )

    return await move_ticket(
        ctx,
        operation="cancelTicket",
        move=Move.CANCEL,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )


async def set_remote_diagnosis(
    ctx: Context, ticket_id: str, diagnosis: str, expected_version: int | None
) -> Any:
    cleaned = validation.text(diagnosis, "diagnosis", max_length=4000)

    async def apply(change: Change) -> None:
        change.ticket.remote_diagnosis = cleaned
        await _flush(change)
        emit_ticket_event(change.work, "TICKET_DIAGNOSED", change.ticket, change.customer)

    return await move_ticket(
        ctx,
        operation="setRemoteDiagnosis",
        move=Move.UPDATE_DIAGNOSIS,
        ticket_id=ticket_id,
        expected_version=expected_version,
        apply=apply,
    )
