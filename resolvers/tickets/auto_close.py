"""Automatic close: a close request the customer leaves unanswered for the service
settings' `autoCloseAfterMinutes` is confirmed by rule (TICKET_AUTO_CLOSED, no rating,
`confirmedByRule`), after a REMINDER to the customer's users at half the time. The
back office then confirms finally, as after a customer's confirmation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.tickets.lifecycle import TicketStatus
from persistence.models import Customer, Ticket
from persistence.queries import automation as automation_rows
from persistence.queries import tickets as ticket_rows
from resolvers.automation.runner import Outcome
from resolvers.automation.work import job_write
from resolvers.charges.statement import statement_in
from resolvers.ids import encode_id
from resolvers.notifications.notices import notify, settle
from resolvers.tickets.closing import final_confirmers
from resolvers.tickets.events import emit_ticket_event

if TYPE_CHECKING:
    from resolvers.context import Services


async def _remind(services: Services, cutoff: datetime, now: datetime) -> int:
    async with job_write(services, "auto_close") as work:
        ids = await ticket_rows.claim_close_reminders(work.session, cutoff, now)
        for ticket_id in ids:
            row = await work.session.get(Ticket, ticket_id)
            assert row is not None
            customers = await ticket_rows.customer_user_ids(work.session, row.customer_id)
            await notify(
                work,
                row,
                customers,
                NotificationKind.REMINDER,
                f"{row.number}: please confirm or reject the close request; "
                "unanswered, it will be confirmed by rule",
            )
    return len(ids)


async def _confirm(services: Services, ticket_id: int, cutoff: datetime, now: datetime) -> bool:
    async with job_write(services, "auto_close") as work:
        session = work.session
        row = await session.get(Ticket, ticket_id, with_for_update=True, populate_existing=True)
        # Checked again under the row lock: the customer may have answered meanwhile.
        if (
            row is None
            or row.status != TicketStatus.CLOSE_REQUESTED.value
            or row.close_requested_at is None
            or row.close_requested_at > cutoff
        ):
            return False
        customer = await session.get(Customer, row.customer_id)
        assert customer is not None
        # Unanswered: the statement is taken as it stands, as the close is (read before
        # the row changes: a read after would flush it early).
        owed = (await statement_in(session, row)).total
        row.charges_confirmed_total = owed
        row.status = TicketStatus.CUSTOMER_CONFIRMED.value
        row.confirmed_at = now
        row.confirmed_by_rule = True
        await session.flush()
        work.touched(encode_id("Ticket", row.id))
        emit_ticket_event(work, EventType.TICKET_AUTO_CLOSED, row, customer)
        await settle(work, row, [NotificationKind.CLOSE_REQUESTED])
        await notify(
            work,
            row,
            await final_confirmers(session, row.kind),
            NotificationKind.AWAITING_FINAL_CONFIRMATION,
            f"{row.number} awaits final confirmation (confirmed by rule)",
        )
        customers = await ticket_rows.customer_user_ids(session, row.customer_id)
        await notify(
            work,
            row,
            [row.assignee_id, *customers],
            NotificationKind.AUTO_CLOSED,
            f"{row.number}: the close request went unanswered and was confirmed by rule",
        )
    return True


async def run_auto_close(services: Services, now: datetime) -> Outcome:
    async with services.sessionmaker() as session:
        minutes = (await automation_rows.service_settings(session)).auto_close_after_minutes
    if minutes is None:
        return Outcome(0, "off")
    after = timedelta(minutes=minutes)
    reminded = await _remind(services, now - after / 2, now)
    async with services.sessionmaker() as session:
        due = await ticket_rows.unanswered_close_requests(session, now - after)
    confirmed = 0
    for ticket_id in due:
        confirmed += await _confirm(services, ticket_id, now - after, now)
    return Outcome(reminded + confirmed, f"{reminded} reminded, {confirmed} confirmed by rule")
