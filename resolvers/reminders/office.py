"""Reminders the office keeps (定时提醒): made by the office for users or roles, once or
repeating, optionally about a ticket, customer or device; delivered by the job runner
as REMINDER notifications at each due time; completed by the office or a recipient."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.notifications.kinds import NotificationKind
from domain.policy import Action
from domain.reminders.audience import addressed
from domain.reminders.repeat import ReminderRepeat, check_title, next_after
from domain.roles import Role
from persistence.models import Device, Reminder, Ticket, User
from persistence.queries import reminders as reminder_rows
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.automation.runner import Outcome
from resolvers.automation.work import job_write
from resolvers.directory.customers import visible_customer
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.notifications.notices import notify
from resolvers.pagination import paginate
from resolvers.records import live_reference
from resolvers.sla.calendars import service_timezone

if TYPE_CHECKING:
    from resolvers.context import Context, Services
    from schema.pagination import Connection
    from schema.reminders.inputs import ReminderInput

MAX_RECIPIENTS = 200
BATCH = 200


async def create_reminder(ctx: Context, data: ReminderInput) -> Reminder:
    actor = await ctx.actor()
    policy.require(actor, Action.REMINDER_MANAGE)
    title = check_title(data.title)
    note = validation.optional_text(data.note, "note", max_length=2000)
    due_at = validation.aware_time(data.due_at, "dueAt")
    repeat = ReminderRepeat(data.repeat.value)
    user_pks = list(
        dict.fromkeys(decode_id(u, "User", field="userIds") for u in data.user_ids or [])
    )
    roles = list(dict.fromkeys(r.value for r in data.roles or []))
    if not user_pks and not roles:
        raise BadUserInput("name at least one user or role", field="userIds")
    if len(user_pks) > MAX_RECIPIENTS:
        raise BadUserInput(f"at most {MAX_RECIPIENTS}", field="userIds")
    ticket_pk = decode_optional_id(data.ticket_id, "Ticket", field="ticketId")
    customer_pk = decode_optional_id(data.customer_id, "Customer", field="customerId")
    device_pk = decode_optional_id(data.device_id, "Device", field="deviceId")
    async with ctx.write("createReminder", actor=actor) as work:
        session = work.session
        for pk in user_pks:
            user = await session.get(User, pk)
            if user is None or user.is_deleted or not user.enabled:
                raise BadUserInput("no such active user", field="userIds")
        await live_reference(session, Ticket, ticket_pk, "ticketId")
        if customer_pk is not None:
            await visible_customer(session, actor, customer_pk)
        await live_reference(session, Device, device_pk, "deviceId")
        row = Reminder(
            title=title,
            note=note,
            due_at=due_at,
            repeat=repeat.value,
            user_ids=user_pks,
            roles=roles,
            ticket_id=ticket_pk,
            customer_id=customer_pk,
            device_id=device_pk,
            next_at=due_at,
            deliveries=0,
            done=False,
        )
        session.add(row)
        await session.flush()
        work.touched(encode_id("Reminder", row.id))
    return row


async def complete_reminder(ctx: Context, reminder_id: str) -> Reminder:
    """Done: no more deliveries. The office, or one it is addressed to."""
    actor = await ctx.actor()
    pk = decode_id(reminder_id, "Reminder")
    async with ctx.write("completeReminder", actor=actor) as work:
        row = await work.session.get(Reminder, pk, with_for_update=True)
        if row is None or row.is_deleted:
            raise NotFound("reminder not found")
        if not policy.allowed(actor, Action.REMINDER_MANAGE) and not addressed(
            actor, row.user_ids, row.roles
        ):
            raise NotFound("reminder not found")
        if not row.done:
            row.done, row.done_at, row.done_by_id = True, utcnow(), actor.user_id
            row.next_at = None
        work.touched(encode_id("Reminder", row.id))
    return row


async def reminders(
    ctx: Context, first: int | None, after: str | None, include_done: bool
) -> Connection[Reminder]:
    actor = await ctx.actor()
    policy.require(actor, Action.REMINDER_MANAGE)
    stmt = reminder_rows.reminders_listed(include_done=include_done)
    return await paginate(
        ctx, stmt, Reminder.id, first=first, after=after, sort_column=Reminder.due_at
    )


async def run_reminders(services: Services, now: datetime) -> Outcome:
    """Delivers every occurrence due by `now` once (a compare-and-swap on `next_at`),
    then moves each reminder to its next occurrence after now."""
    delivered = 0
    async with services.sessionmaker() as session:
        zone = await service_timezone(session)
    while True:
        async with job_write(services, "reminders") as work:
            session = work.session
            due = await reminder_rows.due_reminders(session, now, BATCH)
            for row in due:
                was = row.next_at
                assert was is not None
                upcoming = next_after(row.due_at, ReminderRepeat(row.repeat), now, zone)
                if not await reminder_rows.advance(session, row.id, was, upcoming, now):
                    continue
                by_role = (
                    await ticket_rows.user_ids_with_roles(
                        session, [Role(r) for r in row.roles or []]
                    )
                    if row.roles
                    else []
                )
                ticket = await session.get(Ticket, row.ticket_id) if row.ticket_id else None
                message = row.title if not row.note else f"{row.title}: {row.note}"
                await notify(
                    work,
                    ticket,
                    [*row.user_ids, *by_role],
                    NotificationKind.REMINDER,
                    message,
                    reminder_id=row.id,
                )
                work.touched(encode_id("Reminder", row.id))
                delivered += 1
        if len(due) < BATCH:
            break
    return Outcome(delivered, f"{delivered} reminders delivered")
