"""The event of a ticket change, written in the changing transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from persistence.events import ticket_event
from resolvers.ids import encode_id

if TYPE_CHECKING:
    from domain.events import EventType
    from persistence.models import Customer, Ticket
    from persistence.unit_of_work import UnitOfWork


def emit_ticket_event(
    work: UnitOfWork,
    type_: EventType,
    ticket: Ticket,
    customer: Customer,
    *,
    previous_assignee_id: int | None = None,
    by_rule: bool = False,
    **details: Any,
) -> None:
    """`by_rule`: made by the service itself (an automatic dispatch), its actor null
    whoever's transaction it runs in."""
    details = {k: v for k, v in details.items() if v is not None}
    if previous_assignee_id is not None:
        details["previousAssignee"] = encode_id("User", previous_assignee_id)
    work.emit(
        ticket_event(
            type_,
            ticket,
            customer,
            actor_id=None if by_rule else work.actor_id,
            previous_assignee_id=previous_assignee_id,
            **details,
        )
    )
