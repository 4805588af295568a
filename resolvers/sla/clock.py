"""Each ticket's SLA clock: started when the ticket is created, moved by the ticket's
moves (a target met, a close rejected, a hold, the end), and raised by the job runner
(`run_sla_clock`): a warning before each target and a breach at it, once each."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.events import EventType
from domain.notifications.kinds import NotificationKind
from domain.roles import Role
from domain.sla.clock import (
    MET_BY,
    STOPPED_BY,
    UNMET_BY,
    SlaState,
    SlaTarget,
    TargetClock,
    deadline,
    state_of,
)
from domain.sla.policies import PolicyTerms, select_policy
from domain.tickets.lifecycle import DISPATCHERS, Move
from persistence.models import SlaBreach, TicketSla
from persistence.queries import automation as automation_rows
from persistence.queries import sla as sla_rows
from persistence.queries import tickets as ticket_rows
from persistence.types import utcnow
from resolvers.automation.runner import Outcome
from resolvers.automation.work import job_write
from resolvers.notifications.notices import notify
from resolvers.sla.calendars import domain_calendar
from resolvers.tickets.events import emit_ticket_event

if TYPE_CHECKING:
    from persistence.models import Customer, Ticket
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Services

# Clocks acted on per transaction by the job (a long backlog commits in slices).
BATCH = 500


def _get(clock: TicketSla, target: SlaTarget, name: str) -> Any:
    return clock.of_target(target.value, name)


def _set(clock: TicketSla, target: SlaTarget, name: str, value: object) -> None:
    clock.set_of_target(target.value, name, value)


def targets_of(clock: TicketSla) -> list[TargetClock]:
    found = []
    for target in SlaTarget:
        due = _get(clock, target, "due_at")
        if due is None:
            continue
        found.append(
            TargetClock(
                target=target,
                due_at=due,
                met_at=_get(clock, target, "met_at"),
                warned=bool(_get(clock, target, "warned")),
                breached=bool(_get(clock, target, "breached")),
            )
        )
    return found


def refresh_state(clock: TicketSla) -> None:
    clock.state = state_of(targets_of(clock), stopped=clock.stopped_at is not None).value


async def set_deadlines(work: UnitOfWork, clock: TicketSla) -> None:
    """(Re)computes when each unmet target is due and warns, from the clock's start,
    its targets and the business time it spent on hold."""
    calendar = await domain_calendar(work.session, clock.calendar_id)
    for target in SlaTarget:
        minutes = _get(clock, target, "minutes")
        if minutes is None or _get(clock, target, "met_at") is not None:
            continue
        when = deadline(
            calendar,
            clock.started_at,
            int(minutes),
            clock.warn_before_minutes,
            clock.paused_business_seconds,
        )
        _set(clock, target, "due_at", when.due_at)
        _set(clock, target, "warn_at", when.warn_at)


async def start_clock(work: UnitOfWork, ticket: Ticket, customer: Customer) -> TicketSla | None:
    """Applies the most specific active policy to a new ticket (none: no clock)."""
    session = work.session
    # Once per unit of work: a job opening many tickets asks once per severity.
    key = f"sla-policies:{ticket.severity}"
    if key not in work.cache:
        work.cache[key] = await sla_rows.active_policies(session, ticket.severity)
    policies = work.cache[key]
    chosen = select_policy(
        (
            PolicyTerms(
                id=p.id,
                severity=p.severity,
                kinds=frozenset(p.kinds) if p.kinds else None,
                customer_categories=frozenset(p.customer_categories)
                if p.customer_categories
                else None,
            )
            for p in policies
        ),
        ticket.severity,
        ticket.kind,
        customer.category,
    )
    if chosen is None:
        return None
    policy = next(p for p in policies if p.id == chosen.id)
    calendar_id = policy.calendar_id
    if calendar_id is None:
        calendar_id = (await automation_rows.service_settings(session)).default_calendar_id
    if calendar_id is None:
        return None
    clock = TicketSla(
        ticket_id=ticket.id,
        policy_id=policy.id,
        calendar_id=calendar_id,
        started_at=ticket.created_at,
        warn_before_minutes=policy.warn_before_minutes,
        escalate_to=list(policy.escalate_to or []),
        state=SlaState.ON_TRACK.value,
        paused_seconds=0,
        paused_business_seconds=0,
        response_minutes=policy.response_minutes,
        on_site_minutes=policy.on_site_minutes,
        resolution_minutes=policy.resolution_minutes,
    )
    await set_deadlines(work, clock)
    session.add(clock)
    return clock


async def end_hold(work: UnitOfWork, ticket: Ticket, now: datetime) -> int:
    """Ends the ticket's hold: its time stops counting against the clock (the deadlines
    move by the business time it lasted). Returns the hold's length in minutes."""
    since = ticket.hold_since
    assert since is not None
    held = max(0, int((now - since).total_seconds()))
    ticket.hold_since = ticket.hold_reason = ticket.hold_note = None
    clock = await work.session.get(TicketSla, ticket.id)
    if clock is not None and clock.stopped_at is None:
        calendar = await domain_calendar(work.session, clock.calendar_id)
        clock.paused_seconds += held
        clock.paused_business_seconds += calendar.between(since, now)
        await set_deadlines(work, clock)
    return held // 60


async def after_move(
    work: UnitOfWork, ticket: Ticket, move: Move, *, at: datetime | None = None
) -> None:
    """What a ticket's move does to its clock: meets a target (at `at`, when the move
    happened earlier than now: a check-in made offline), makes the resolution unmet
    again (a rejected close), or stops the clock (closed, cancelled)."""
    if move not in MET_BY and move not in UNMET_BY and move not in STOPPED_BY:
        return
    now = at or utcnow()
    if move in STOPPED_BY and ticket.hold_since is not None:
        await end_hold(work, ticket, now)
    clock = await work.session.get(TicketSla, ticket.id)
    if clock is None:
        return
    if move in MET_BY:
        target = MET_BY[move]
        if _get(clock, target, "due_at") is not None and _get(clock, target, "met_at") is None:
            _set(clock, target, "met_at", now)
            for breach in await sla_rows.breaches_of(work.session, [ticket.id]):
                if breach.target == target.value and breach.met_at is None:
                    breach.met_at = now
    if move in UNMET_BY:
        target = UNMET_BY[move]
        if _get(clock, target, "met_at") is not None:
            _set(clock, target, "met_at", None)
            await set_deadlines(work, clock)
    if move in STOPPED_BY:
        clock.stopped_at = now
    refresh_state(clock)


# -- the job ---------------------------------------------------------------------------


async def _recipients(work: UnitOfWork, ticket: Ticket, clock: TicketSla) -> list[int | None]:
    roles = set(DISPATCHERS) | {Role(r) for r in clock.escalate_to or []}
    key = f"sla-recipients:{ticket.kind}:{','.join(sorted(roles))}"
    if key not in work.cache:
        work.cache[key] = await ticket_rows.user_ids_with_roles(
            work.session, sorted(roles), handling=ticket.kind
        )
    return [ticket.assignee_id, *work.cache[key]]


async def _raise(
    work: UnitOfWork, target: SlaTarget, breach: bool, ticket_ids: list[int], now: datetime
) -> None:
    session = work.session
    clocks = {c.ticket_id: c for c in await sla_rows.clocks_of(session, ticket_ids)}
    for ticket, customer in await sla_rows.tickets_with_customers(session, ticket_ids):
        clock = clocks[ticket.id]
        refresh_state(clock)
        due_at: datetime = _get(clock, target, "due_at")
        if breach:
            session.add(
                SlaBreach(
                    ticket_id=ticket.id,
                    policy_id=clock.policy_id,
                    target=target.value,
                    severity=ticket.severity,
                    due_at=due_at,
                    recorded_at=now,
                    met_at=_get(clock, target, "met_at"),
                )
            )
        emit_ticket_event(
            work,
            EventType.SLA_BREACHED if breach else EventType.SLA_WARNING,
            ticket,
            customer,
            target=target.value,
            dueAt=due_at.isoformat(),
        )
        label = target.value.lower().replace("_", "-")
        due_text = due_at.strftime("%Y-%m-%d %H:%M UTC")
        message = (
            f"{ticket.number}: {label} target missed (due {due_text})"
            if breach
            else f"{ticket.number}: {label} target at risk (due {due_text})"
        )
        await notify(
            work,
            ticket,
            await _recipients(work, ticket, clock),
            NotificationKind.SLA_BREACHED if breach else NotificationKind.SLA_WARNING,
            message,
        )


async def run_sla_clock(services: Services, now: datetime) -> Outcome:
    """Raises every warning and breach due by `now`, each exactly once (the flag each
    claim sets is the guarantee), in slices of BATCH clocks per transaction."""
    counts = {"warnings": 0, "breaches": 0}
    for breach in (False, True):
        for target in SlaTarget:
            while True:
                async with job_write(services, "sla_clock") as work:
                    ids = await sla_rows.claim_due(
                        work.session, target.value, "breached" if breach else "warned", now, BATCH
                    )
                    if ids:
                        await _raise(work, target, breach, ids, now)
                counts["breaches" if breach else "warnings"] += len(ids)
                if len(ids) < BATCH:
                    break
    total = counts["warnings"] + counts["breaches"]
    return Outcome(total, f"{counts['warnings']} warnings, {counts['breaches']} breaches")


async def restart_clock(work: UnitOfWork, ticket: Ticket, customer: Customer) -> None:
    """The ticket's severity changed: the policy is chosen again. The clock keeps its
    start, the time on hold, the targets already met and the breaches already raised
    (facts); the targets of the new policy get new deadlines, and an unmet target may
    warn again. No policy for the new severity: no clock."""
    session = work.session
    old = await session.get(TicketSla, ticket.id)
    if old is not None:
        await session.delete(old)
        await session.flush()
    clock = await start_clock(work, ticket, customer)
    if clock is None or old is None:
        return
    clock.paused_seconds = old.paused_seconds
    clock.paused_business_seconds = old.paused_business_seconds
    clock.stopped_at = old.stopped_at
    for target in SlaTarget:
        if _get(clock, target, "minutes") is None:
            continue
        met = _get(old, target, "met_at")
        if met is not None:
            _set(clock, target, "met_at", met)
            _set(
                clock,
                target,
                "due_at",
                _get(old, target, "due_at") or _get(clock, target, "due_at"),
            )
        if _get(old, target, "breached"):
            _set(clock, target, "breached", True)
    await set_deadlines(work, clock)
    refresh_state(clock)
