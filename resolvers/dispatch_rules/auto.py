"""Automatic dispatch, run in the transaction that creates a ticket or takes a decline:
the first matching rule's engineer gets the ticket by a normal dispatch (a new version,
TICKET_DISPATCHED, the engineer told live) whose actor is null and whose ticket names
the rule. The engineers' profiles are locked first, so two tickets created at once never
take one engineer over their limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.dispatch_rules.selection import (
    DispatchStrategy,
    Engineer,
    RuleTerms,
    TicketTraits,
    choose,
    matches,
)
from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.roles import Role
from domain.tickets.lifecycle import TicketStatus
from persistence.models import Device
from persistence.queries import dispatch_rules as rule_rows
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.notifications.notices import notify
from resolvers.tickets.events import emit_ticket_event

if TYPE_CHECKING:
    from persistence.models import Customer, DispatchRule, Ticket
    from persistence.unit_of_work import UnitOfWork


def terms_of(rule: DispatchRule) -> RuleTerms:
    return RuleTerms(
        id=rule.id,
        priority=rule.priority,
        strategy=DispatchStrategy(rule.strategy),
        kinds=frozenset(rule.kinds or ()),
        severities=frozenset(rule.severities or ()),
        region_ids=frozenset(rule.region_ids or ()),
        brands=frozenset(rule.brands or ()),
        engineer_ids=tuple(rule.engineer_ids or ()),
        last_engineer_id=rule.last_engineer_id,
    )


async def auto_dispatch(
    work: UnitOfWork, ticket: Ticket, customer: Customer, *, declined_by: int | None = None
) -> bool:
    """Dispatches a NEW ticket by the first rule that matches and picks someone;
    returns whether it did (no rule, or nobody free: the ticket stays NEW).
    `declined_by`: the engineer declining it in this very transaction (its event is
    not in the table yet)."""
    session = work.session
    if ticket.status != TicketStatus.NEW.value:
        return False
    # Once per unit of work: a job opening many tickets reads the rules once.
    if "dispatch-rules" not in work.cache:
        work.cache["dispatch-rules"] = await rule_rows.active_rules(session)
    rules = work.cache["dispatch-rules"]
    if not rules:
        return False
    device = await session.get(Device, ticket.device_id) if ticket.device_id else None
    traits = TicketTraits(
        kind=ticket.kind,
        severity=ticket.severity,
        regions=await rule_rows.region_path(session, customer.region_id),
        brand=device.brand if device else None,
        declined_by=await rule_rows.decliners(session, ticket.id)
        | ({declined_by} if declined_by is not None else set()),
    )
    terms = [terms_of(r) for r in rules]
    if not any(matches(t, traits) for t in terms):
        return False
    profiles = await rule_rows.lock_profiles(session)
    allowed = set(
        await ticket_rows.user_ids_with_roles(session, [Role.ENGINEER], handling=ticket.kind)
    )
    engineers = [
        Engineer(
            user_id=p.user_id,
            on_duty=p.on_duty,
            open_tickets=open_count,
            max_open_tickets=p.max_open_tickets,
            handles_kind=p.user_id in allowed,
            skills=frozenset(p.skills or ()),
            region_ids=frozenset(p.region_ids or ()),
        )
        for p, open_count in profiles
    ]
    chosen = choose(terms, traits, engineers)
    if chosen is None:
        return False
    rule_terms, engineer_id = chosen
    rule = next(r for r in rules if r.id == rule_terms.id)
    rule.last_engineer_id = engineer_id
    ticket.status = TicketStatus.DISPATCHED.value
    ticket.assignee_id = engineer_id
    ticket.dispatched_by_id = None
    ticket.dispatched_at = utcnow()
    ticket.dispatch_note = None
    ticket.dispatch_rule_id = rule.id
    ticket.accepted_at = None
    await session.flush()
    emit_ticket_event(work, EventType.TICKET_DISPATCHED, ticket, customer, by_rule=True)
    await notify(
        work,
        ticket,
        [engineer_id],
        NotificationKind.AUTO_DISPATCHED,
        f"{ticket.number} dispatched to you by rule {rule.name}",
    )
    return True
