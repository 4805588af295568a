"""The job runner against a real database of each backend, in-process, with the clock
moved by hand (jobs take `now`):

* one run per job and tick, however many runners try it at once;
* a server that was down over a deadline breaches it at its first tick, once;
* a failing job is recorded as failed (a short detail, no internals) and the others
  still run;
* a reminder occurrence and a maintenance ticket are made once even when two passes
  run at the same moment.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import (
    BusinessCalendar,
    Customer,
    Device,
    JobRun,
    Notification,
    Reminder,
    SlaBreach,
    SlaPolicy,
    Ticket,
    User,
)
from persistence.unit_of_work import unit_of_work
from resolvers.automation.jobs import JOBS
from resolvers.automation.runner import Job, JobRunner, Outcome, tick_of
from resolvers.context import Services
from resolvers.maintenance.plans import run_maintenance_plans
from resolvers.reminders.office import run_reminders
from resolvers.sla.clock import run_sla_clock, start_clock
from settings import Settings


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    url = make_database(backend)
    migrations.upgrade(url)
    return url


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    engine = make_engine(database_url)
    key = secrets.token_urlsafe(32)
    yield Services(
        settings=Settings(database_url=database_url, secret_key=key),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        signing_key=key,
    )
    await engine.dispose()


async def count(services: Services, stmt: Any) -> int:
    async with services.sessionmaker() as session:
        return int(await session.scalar(stmt) or 0)


async def world(services: Services) -> dict[str, Any]:
    """An office user, a customer, a 24x7 calendar and a policy for severity 4 whose
    response target is one hour."""
    tag = secrets.token_hex(4)
    async with unit_of_work(
        services.sessionmaker, actor_id=None, operation="test", ip=None
    ) as work:
        session = work.session
        office = User(
            username=f"office-{tag}", display_name="O", role="BACK_OFFICE", password_hash="x"
        )
        customer = Customer(code=f"JR-{tag}", name="Customer")
        calendar = BusinessCalendar(
            name=f"always-{tag}",
            timezone="UTC",
            hours=[{"weekday": d, "start": 0, "end": 1440} for d in range(1, 8)],
        )
        session.add_all([office, customer, calendar])
        await session.flush()
        session.add(
            SlaPolicy(
                name=f"sev4-{tag}",
                severity=4,
                response_minutes=60,
                warn_before_minutes=0,
                calendar_id=calendar.id,
                escalate_to=[],
                active=True,
            )
        )
    return {"office": office, "customer": customer}


async def overdue_ticket(services: Services, customer: Customer, hours_ago: float) -> int:
    """A severity-4 ticket created `hours_ago`, its clock started then."""
    async with unit_of_work(
        services.sessionmaker, actor_id=None, operation="test", ip=None
    ) as work:
        created = datetime.now(UTC) - timedelta(hours=hours_ago)
        row = Ticket(
            kind="REPAIR",
            status="NEW",
            severity=4,
            source="PHONE",
            customer_id=customer.id,
            description="overdue",
            under_warranty=False,
            created_at=created,
        )
        work.session.add(row)
        await work.session.flush()
        assert await start_clock(work, row, customer) is not None
    return row.id


async def test_one_run_per_job_and_tick_however_many_runners(services: Services) -> None:
    runners = [JobRunner(services, JOBS, 3600) for _ in range(4)]
    tick = tick_of(datetime.now(UTC), 3600) + 10_000  # a tick no other test uses
    reports = await asyncio.gather(*(r.run_tick(tick) for r in runners))
    for job in JOBS:
        ran = [rep for rs in reports for rep in rs if rep.job == job.name and rep.ran]
        assert len(ran) == 1, (job.name, ran)
    rows = await count(
        services, select(func.count()).select_from(JobRun).where(JobRun.tick == tick)
    )
    assert rows == len(JOBS)
    # The same tick again: nobody runs it.
    again = await runners[0].run_tick(tick)
    assert not any(rep.ran for rep in again)


async def test_a_deadline_passed_while_down_breaches_once_at_the_first_tick(
    services: Services,
) -> None:
    made = await world(services)
    ticket_id = await overdue_ticket(services, made["customer"], hours_ago=3)
    runner = JobRunner(services, JOBS, 3600)
    tick = tick_of(datetime.now(UTC), 3600) + 20_000
    await runner.run_tick(tick)
    await runner.run_tick(tick + 1)
    await run_sla_clock(services, datetime.now(UTC))
    breaches = await count(
        services,
        select(func.count()).select_from(SlaBreach).where(SlaBreach.ticket_id == ticket_id),
    )
    assert breaches == 1
    told = await count(
        services,
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.ticket_id == ticket_id,
            Notification.kind == "SLA_BREACHED",
            Notification.user_id == made["office"].id,
        ),
    )
    assert told == 1
    # Found past due: no warning first, straight to the breach.
    warned = await count(
        services,
        select(func.count())
        .select_from(Notification)
        .where(Notification.ticket_id == ticket_id, Notification.kind == "SLA_WARNING"),
    )
    assert warned == 0


async def test_concurrent_clock_passes_raise_each_breach_once(services: Services) -> None:
    made = await world(services)
    ids = [await overdue_ticket(services, made["customer"], hours_ago=2) for _ in range(5)]
    now = datetime.now(UTC)
    await asyncio.gather(*(run_sla_clock(services, now) for _ in range(3)))
    for ticket_id in ids:
        breaches = await count(
            services,
            select(func.count()).select_from(SlaBreach).where(SlaBreach.ticket_id == ticket_id),
        )
        assert breaches == 1


async def test_a_failing_job_is_recorded_and_the_others_still_run(services: Services) -> None:
    async def broken(_services: Services, _now: datetime) -> Outcome:
        raise RuntimeError("secret internals: password=hunter2")

    async def fine(_services: Services, _now: datetime) -> Outcome:
        return Outcome(3, "did three")

    runner = JobRunner(services, [Job("broken_test", broken), Job("fine_test", fine)], 3600)
    tick = tick_of(datetime.now(UTC), 3600) + 30_000
    first, second = await runner.run_tick(tick)
    assert (first.ran, first.ok, first.detail) == (True, False, "failed: RuntimeError")
    assert (second.ran, second.ok, second.processed) == (True, True, 3)
    async with services.sessionmaker() as session:
        row = await session.scalar(select(JobRun).where(JobRun.job == "broken_test"))
    assert row is not None and row.ok is False and "hunter2" not in (row.detail or "")
    assert row.finished_at is not None


async def test_reminders_and_maintenance_are_made_once_under_concurrent_passes(
    services: Services,
) -> None:
    made = await world(services)
    now = datetime.now(UTC)
    async with unit_of_work(
        services.sessionmaker, actor_id=None, operation="test", ip=None
    ) as work:
        reminder = Reminder(
            title="count the stock",
            due_at=now - timedelta(minutes=1),
            repeat="WEEKLY",
            user_ids=[made["office"].id],
            roles=[],
            next_at=now - timedelta(minutes=1),
            deliveries=0,
            done=False,
        )
        device = Device(
            customer_id=made["customer"].id,
            brand="FANUC",
            model="R-2000iC",
            serial_number=f"SN-{secrets.token_hex(4)}",
            installed_on=date.today() - timedelta(days=88),
            maintenance_interval_days=90,
        )
        work.session.add_all([reminder, device])
    await asyncio.gather(
        *(run_reminders(services, now) for _ in range(3)),
    )
    # Maintenance passes one after another (two at once would meet at the unique index,
    # which the runner's claim keeps from happening).
    for _ in range(2):
        await run_maintenance_plans(services, now)
    delivered = await count(
        services,
        select(func.count())
        .select_from(Notification)
        .where(Notification.reminder_id == reminder.id),
    )
    assert delivered == 1
    async with services.sessionmaker() as session:
        stored = await session.get(Reminder, reminder.id)
        assert stored is not None and stored.deliveries == 1
        assert stored.next_at is not None and stored.next_at > now
        scheduled = (
            await session.scalars(select(Ticket).where(Ticket.device_id == device.id))
        ).all()
    assert [(t.kind, t.source, t.maintenance_due_on) for t in scheduled] == [
        ("MAINTENANCE", "SCHEDULE", date.today() + timedelta(days=2))
    ]
