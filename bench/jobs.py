"""One pass of the job runner over a large service, on PostgreSQL: time and SQL
statements per job and per pass.

The data (ORM bulk inserts into a scratch database): --tickets open REPAIR tickets
(default 10,000), each with an SLA clock on a 24x7 calendar whose three targets lie in
the future, and --devices devices (default 5,000) with a 90-day maintenance interval,
their next due date spread over the coming year; --due of the tickets (default 1 %)
have their response warning time just passed and --due of the devices fall due within
the lead time, so a pass has work to do; one close request per 1,000 tickets is older
than the automatic close time.

Phases, each in this process with the real job functions and a statement counter on the
engine (transaction control is not a statement):

- backlog: the first pass, which raises the due warnings, makes the due maintenance
  tickets, closes by rule the unanswered close requests;
- steady: the next passes (--passes, default 5) with nothing new due: what every
  JOB_INTERVAL_SECONDS costs in a quiet service. The statements must not depend on
  the number of tickets and devices checked (set-based claims, not row reads).

    .venv/bin/python bench/jobs.py                        # 10,000 tickets, 5,000 devices
    .venv/bin/python bench/jobs.py --tickets 1000 --devices 500 --json out.json

Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (
    dump_json,
    ms,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    time_budget,
    workdir,
)


async def load(database_url: str, tickets: int, devices: int, due_share: float) -> None:
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import (
        BusinessCalendar,
        Customer,
        Device,
        ServiceSettings,
        SlaPolicy,
        Ticket,
        TicketSla,
        User,
    )

    engine = make_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.info["actor_id"] = None
            staff = [
                User(
                    username=f"bench-{role.lower()}",
                    display_name=role,
                    role=role,
                    password_hash="x",
                )
                for role in ("ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE")
            ]
            engineer = User(
                username="bench-engineer", display_name="E", role="ENGINEER", password_hash="x"
            )
            customer = Customer(code="BJ-00001", name="无锡数控设备有限公司")
            calendar = BusinessCalendar(
                name="24x7",
                timezone="Asia/Shanghai",
                hours=[{"weekday": d, "start": 0, "end": 1440} for d in range(1, 8)],
            )
            session.add_all([*staff, engineer, customer, calendar])
            await session.flush()
            policy = SlaPolicy(
                name="bench",
                severity=2,
                response_minutes=240,
                on_site_minutes=480,
                resolution_minutes=2880,
                warn_before_minutes=60,
                calendar_id=calendar.id,
                escalate_to=[],
                active=True,
            )
            session.add(policy)
            settings = await session.get(ServiceSettings, 1)
            assert settings is not None
            settings.auto_close_after_minutes = 60 * 24 * 3
            await session.flush()

            due_tickets = int(tickets * due_share)
            ticket_rows = []
            for i in range(tickets):
                closing = i % 1000 == 999
                ticket_rows.append(
                    {
                        "number": f"T-BENCH-{i:06d}",
                        "kind": "REPAIR",
                        "status": "CLOSE_REQUESTED" if closing else "DISPATCHED",
                        "severity": 2,
                        "source": "PHONE",
                        "customer_id": customer.id,
                        "description": f"主轴报警 {i}",
                        "assignee_id": engineer.id,
                        "under_warranty": False,
                        "confirmed_by_rule": False,
                        "close_requested_at": now - timedelta(days=4) if closing else None,
                        "version": 2,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(Ticket), ticket_rows)
            ids = list((await session.scalars(select(Ticket.id).order_by(Ticket.id))).all())
            clocks = []
            for n, ticket_id in enumerate(ids):
                warned_now = n < due_tickets
                start = now - timedelta(minutes=190) if warned_now else now
                clocks.append(
                    {
                        "ticket_id": ticket_id,
                        "policy_id": policy.id,
                        "calendar_id": calendar.id,
                        "started_at": start,
                        "warn_before_minutes": 60,
                        "escalate_to": [],
                        "state": "ON_TRACK",
                        "paused_seconds": 0,
                        "paused_business_seconds": 0,
                        "response_minutes": 240,
                        "response_due_at": start + timedelta(minutes=240),
                        "response_warn_at": start + timedelta(minutes=180),
                        "response_warned": False,
                        "response_breached": False,
                        "on_site_minutes": 480,
                        "on_site_due_at": start + timedelta(minutes=480),
                        "on_site_warn_at": start + timedelta(minutes=420),
                        "on_site_warned": False,
                        "on_site_breached": False,
                        "resolution_minutes": 2880,
                        "resolution_due_at": start + timedelta(minutes=2880),
                        "resolution_warn_at": start + timedelta(minutes=2820),
                        "resolution_warned": False,
                        "resolution_breached": False,
                    }
                )
            await session.execute(insert(TicketSla), clocks)

            due_devices = int(devices * due_share)
            device_rows = []
            for i in range(devices):
                # Installed so that the next due date is in 3 days (due) or spread over
                # the coming year (not yet).
                ahead = 3 if i < due_devices else 30 + i % 330
                installed = (now + timedelta(days=ahead - 90)).date()
                device_rows.append(
                    {
                        "customer_id": customer.id,
                        "brand": "FANUC",
                        "model": "R-2000iC",
                        "serial_number": f"SN-BENCH-{i:06d}",
                        "bought_from_us": True,
                        "installed_on": installed,
                        "maintenance_interval_days": 90,
                        "maintenance_due_on": installed + timedelta(days=90),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(Device), device_rows)
    finally:
        await engine.dispose()


async def passes(database_url: str, count: int) -> list[dict[str, Any]]:
    from persistence.db import count_statements, make_engine, make_sessionmaker
    from resolvers.automation.jobs import JOBS
    from resolvers.context import Services
    from settings import Settings

    settings = Settings(
        environment="production", database_url=database_url, secret_key=secrets.token_urlsafe(32)
    )
    engine = make_engine(database_url)
    statements = count_statements(engine)
    services = Services(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        signing_key=secrets.token_urlsafe(32),
    )
    results = []
    try:
        for n in range(count):
            now = datetime.now(UTC) + timedelta(seconds=n)
            row: dict[str, Any] = {"pass": n, "jobs": {}}
            started = time.perf_counter()
            for job in JOBS:
                before = len(statements)
                clock = time.perf_counter()
                outcome = await job.run(services, now)
                row["jobs"][job.name] = {
                    "seconds": time.perf_counter() - clock,
                    "statements": len(statements) - before,
                    "processed": outcome.processed,
                    "detail": outcome.detail,
                }
            row["seconds"] = time.perf_counter() - started
            row["statements"] = sum(j["statements"] for j in row["jobs"].values())
            results.append(row)
    finally:
        await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=5_000)
    parser.add_argument("--due", type=float, default=0.01, help="share of each due now")
    parser.add_argument("--passes", type=int, default=5, help="steady passes after the first")
    parser.add_argument("--budget", type=float, default=600)
    parser.add_argument("--json")
    args = parser.parse_args()

    print_machine("job runner: one pass over a large service")
    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        env = service_env(DATABASE_URL=db.url, SECRET_KEY=secrets.token_urlsafe(32))
        run_cli("migrate", env=env, cwd=cwd)
        clock = time.perf_counter()
        asyncio.run(load(db.url, args.tickets, args.devices, args.due))
        print(
            f"loaded {args.tickets:,} open tickets with SLA clocks and {args.devices:,} "
            f"devices with plans in {time.perf_counter() - clock:.1f} s"
        )
        results = asyncio.run(passes(db.url, 1 + args.passes))

    def show(label: str, row: dict[str, Any]) -> None:
        print(f"\n{label}: {ms(row['seconds'])} ms, {row['statements']} statements")
        for name, job in row["jobs"].items():
            print(
                f"  {name:<18} {ms(job['seconds']):>8} ms  {job['statements']:>5} statements"
                f"  {job['processed']:>5} processed  ({job['detail']})"
            )

    show("backlog pass", results[0])
    steady = results[1:]
    for n, row in enumerate(steady, start=1):
        show(f"steady pass {n}", row)
    if steady:
        times = [r["seconds"] for r in steady]
        print(
            f"\nsteady passes: median {ms(statistics.median(times))} ms, "
            f"max {ms(max(times))} ms; statements {sorted({r['statements'] for r in steady})}"
        )
    dump_json(args.json, {"args": vars(args), "passes": results})


if __name__ == "__main__":
    main()
