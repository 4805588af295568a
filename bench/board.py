"""The dispatcher board: requests/s, latency and SQL statements per request of

    tickets(first: 50, filter: {status: [DISPATCHED, ACCEPTED, IN_PROGRESS]}) {
      totalCount edges { node { id number kind status severity version
        customer { id name } device { id serialNumber model } assignee { id displayName } } } }

against ~2,000 tickets on PostgreSQL, beside the floor measured in the same run: the same
rows fetched with raw asyncpg and serialised to JSON by a minimal Starlette app on the
same uvicorn stack (bench/floor_app.py), under the same client load.

    .venv/bin/python bench/board.py                  # K = 8 and 32, 10 s each
    .venv/bin/python bench/board.py --concurrency 8 --seconds 5 --json out.json

Starts everything itself: a scratch database (BENCH_DATABASE_URL names the admin
database, default postgresql+asyncpg://postgres@127.0.0.1:5432/test; dropped at the
end), `aftersales migrate`, the data (ORM inserts), a real `aftersales serve` and the
floor app on free ports. Prints figures; asserts nothing about speed.

The load comes from one client process: K keep-alive HTTP/1.1 connections, each
sending the next request when the previous answer is in (closed loop), written on bare
asyncio streams so the client costs as little CPU as possible (the machine has two
cores and the client shares them with the server and PostgreSQL). Every response is
checked (HTTP 200, no "errors"), and the floor's rows are checked to be the API's rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    Process,
    ScratchDatabase,
    dump_json,
    loadavg,
    machine,
    ms,
    percentile,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    start_python_server,
    time_budget,
    workdir,
)

BOARD = """query Board($first: Int) {
  tickets(first: $first, filter: {status: [DISPATCHED, ACCEPTED, IN_PROGRESS]}) {
    totalCount
    edges { node {
      id number kind status severity version
      customer { id name } device { id serialNumber model } assignee { id displayName }
    } }
  }
}"""

STATUS_CYCLE = [
    "NEW",
    "DISPATCHED",
    "ACCEPTED",
    "IN_PROGRESS",
    "DISPATCHED",
    "IN_PROGRESS",
    "CLOSE_REQUESTED",
    "CLOSED",
    "ACCEPTED",
    "CANCELLED",
]
KINDS = ["REPAIR", "MAINTENANCE", "INSTALLATION"]


# -- data ------------------------------------------------------------------------------


async def seed(database_url: str, tickets: int) -> int:
    """Customers, devices, engineers, a dispatcher and `tickets` tickets; returns the
    dispatcher's user id."""
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import Agent, Customer, Device, Region, Ticket, User
    from persistence.types import utcnow

    customers = max(10, tickets // 10)
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.info["actor_id"] = None
            region = Region(name="Jiangsu", level="PROVINCE")
            session.add(region)
            await session.flush()
            agents = [Agent(name=f"Agent {i}", region_id=region.id) for i in range(8)]
            dispatcher = User(
                username="bench-dispatcher",
                display_name="Bench Dispatcher",
                role="CUSTOMER_SERVICE",
                password_hash="not-a-login",
            )
            session.add_all([*agents, dispatcher])
            await session.flush()
            now = utcnow()
            await session.execute(
                insert(User),
                [
                    {
                        "username": f"bench-eng-{i:03d}",
                        "display_name": f"Engineer {i:03d}",
                        "role": "ENGINEER",
                        "password_hash": "not-a-login",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(24)
                ],
            )
            engineers = list(
                (await session.scalars(select(User.id).where(User.role == "ENGINEER"))).all()
            )
            await session.execute(
                insert(Customer),
                [
                    {
                        "code": f"BC-{i:05d}",
                        "name": f"苏州客户 {i:05d} 精密机械有限公司",
                        "agent_id": agents[i % len(agents)].id,
                        "region_id": region.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(customers)
                ],
            )
            customer_ids = list(
                (await session.scalars(select(Customer.id).order_by(Customer.id))).all()
            )
            await session.execute(
                insert(Device),
                [
                    {
                        "customer_id": customer_ids[i % len(customer_ids)],
                        "brand": "Fanuc",
                        "model": f"R-2000iC/{100 + i % 90}F",
                        "serial_number": f"F{i:07d}",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(customers * 2)
                ],
            )
            devices = list((await session.execute(select(Device.id, Device.customer_id))).all())
            rows = []
            for i in range(tickets):
                device_id, customer_id = devices[i % len(devices)]
                status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
                rows.append(
                    {
                        "number": f"T-2026-{i + 1:06d}",
                        "kind": KINDS[i % len(KINDS)],
                        "status": status,
                        "severity": 1 + i % 4,
                        "source": "PHONE",
                        "customer_id": customer_id,
                        "device_id": device_id if i % 7 else None,  # some tickets have none
                        "description": f"alarm SRVO-{i % 400:03d} on axis {i % 6 + 1}",
                        "assignee_id": None if status == "NEW" else engineers[i % len(engineers)],
                        "version": 1 + i % 5,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(Ticket), rows)
            return dispatcher.id
    finally:
        await engine.dispose()


# -- statements per request (in-process, same database) ------------------------------------


@dataclass
class InProcess:
    """What one board request costs, measured in this process on the same database."""

    statements: int
    texts: list[str]
    data: dict[str, Any]
    # Per request: pool checkouts (each pings first: pool_pre_ping), BEGINs, ROLLBACKs.
    checkouts: float
    begins: float
    rollbacks: float
    cpu_full_ms: float
    cpu_fetch_ms: float

    @property
    def round_trips(self) -> float:
        return self.statements + self.checkouts + self.begins + self.rollbacks


async def in_process(
    database_url: str, secret_key: str, user_id: int, repeat: int = 100
) -> InProcess:
    """Runs the board query through the schema in this process (as
    tests/integration/test_statement_counts.py does): counts what the engine executes
    and the connection traffic around it, and splits the CPU time between fetching the
    rows (authentication, COUNT, page, the three loaders, through the ORM) and the rest
    (parsing, validating and executing the GraphQL document, building the result)."""
    from sqlalchemy import event

    from persistence.db import count_statements as collect
    from persistence.db import make_engine, make_sessionmaker
    from resolvers.accounts.tokens import issue_token
    from resolvers.context import Context, Services
    from resolvers.tickets import reads as ticket_resolvers
    from schema.root import build_schema
    from settings import Settings

    settings = Settings(environment="production", database_url=database_url, secret_key=secret_key)
    engine = make_engine(database_url)
    try:
        services = Services(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            signing_key=secret_key,
        )
        schema = build_schema(settings)
        token = issue_token(secret_key, user_id=user_id, token_version=1, ttl_minutes=5)
        traffic = {"checkout": 0, "begin": 0, "rollback": 0}

        def counter(name: str) -> Any:
            def bump(*args: Any, **_kwargs: Any) -> None:
                # In autocommit (the read sessions on PostgreSQL) SQLAlchemy still
                # signals a begin and a rollback, but nothing is sent.
                options = getattr(args[0], "get_execution_options", dict)()
                if options.get("isolation_level") != "AUTOCOMMIT":
                    traffic[name] += 1

            return bump

        event.listen(engine.sync_engine.pool, "checkout", counter("checkout"))
        event.listen(engine.sync_engine, "begin", counter("begin"))
        event.listen(engine.sync_engine, "rollback", counter("rollback"))
        statements = collect(engine)  # every statement from here on

        async def full() -> dict[str, Any]:
            result = await schema.execute(
                BOARD,
                variable_values={"first": 50},
                context_value=Context.in_process(services, token),
            )
            if result.errors:
                raise RuntimeError(f"the board query failed in-process: {result.errors}")
            return result.data or {}

        async def fetch_only() -> None:
            ctx = Context.in_process(services, token)
            page = await ticket_resolvers.tickets(ctx, 50, None, None)
            rows = [edge.node for edge in page.edges]
            await asyncio.gather(
                *(ctx.loaders.customer.load(r.customer_id) for r in rows),
                *(ctx.loaders.device.load(r.device_id) for r in rows if r.device_id),
                *(ctx.loaders.user.load(r.assignee_id) for r in rows if r.assignee_id),
            )

        data: dict[str, Any] = {}
        for _ in range(3):  # warm the caches
            data = await full()
        seen = len(statements)
        traffic.update(dict.fromkeys(traffic, 0))
        data = await full()
        # Transaction control is not a query (as in the statement-count test).
        queries = [s for s in statements[seen:] if s.split()[0].upper() not in {"BEGIN", "COMMIT"}]
        counted = dict(traffic)

        async def cpu_ms(fn: Any) -> float:
            started = time.process_time()
            for _ in range(repeat):
                await fn()
            return (time.process_time() - started) / repeat * 1000

        for _ in range(10):
            await fetch_only()
        return InProcess(
            statements=len(queries),
            texts=queries,
            data=data,
            checkouts=counted["checkout"],
            begins=counted["begin"],
            rollbacks=counted["rollback"],
            cpu_full_ms=await cpu_ms(full),
            cpu_fetch_ms=await cpu_ms(fetch_only),
        )
    finally:
        await engine.dispose()


# -- the load ------------------------------------------------------------------------------


@dataclass
class Phase:
    target: str
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    elapsed: float = 0.0
    # PostgreSQL connections opened during the phase (pg_stat_database.sessions).
    sessions: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "requests": n,
            "failures": self.failures,
            "rps": round(self.rps, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "server_cpu_ms_per_request": round(self.server_cpu / n * 1000, 3) if n else None,
            "client_cpu_share": round(self.client_cpu / self.elapsed, 2) if self.elapsed else None,
            "pg_connections_opened": self.sessions,
        }


def process_cpu(pid: int) -> float:
    """utime + stime (seconds) of `pid` and its children (uvicorn workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def request_bytes(port: int, token: str | None) -> bytes:
    body = json.dumps({"query": BOARD, "variables": {"first": 50}}).encode()
    head = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def one_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes
) -> bytes:
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, rest = head.partition(b"\r\n")
    length = -1
    chunked = False
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = await reader.readexactly(length)
    if not status_line.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{status_line.decode()}: {body[:300]!r}")
    return body


async def drive(port: int, payload: bytes, phase: Phase, warmup: float, pid: int) -> None:
    connections = [
        await asyncio.open_connection("127.0.0.1", port) for _ in range(phase.concurrency)
    ]
    measuring = False
    stop = False

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not stop:
            started = time.perf_counter()
            try:
                body = await one_request(reader, writer, payload)
                if b'"errors"' in body:
                    raise RuntimeError(body[:300].decode(errors="replace"))
            except Exception as exc:
                if measuring:
                    phase.failures += 1
                    phase.first_failure = phase.first_failure or repr(exc)
                if isinstance(exc, asyncio.IncompleteReadError | ConnectionError):
                    return
                continue
            if measuring:
                phase.latencies.append(time.perf_counter() - started)

    tasks = [asyncio.create_task(worker(r, w)) for r, w in connections]
    await asyncio.sleep(warmup)
    measuring = True
    cpu0, wall0, server0 = time.process_time(), time.perf_counter(), process_cpu(pid)
    await asyncio.sleep(phase.seconds)
    measuring = False
    phase.server_cpu = process_cpu(pid) - server0
    phase.elapsed = time.perf_counter() - wall0
    phase.client_cpu = time.process_time() - cpu0
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    for _, writer in connections:
        writer.close()


async def sessions_opened(admin_dsn: str, database: str) -> int:
    """Connections ever opened to `database` (PostgreSQL 14+), read a moment later so
    that backends that just ended have reported."""
    import asyncpg

    await asyncio.sleep(1.0)
    conn = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        value = await conn.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1", database
        )
        return int(value or 0)
    finally:
        await conn.close()


def run_phase(
    server: Process, token: str | None, phase: Phase, warmup: float, db: ScratchDatabase
) -> Phase:
    payload = request_bytes(server.port, token)
    admin = db.admin_dsn
    sessions0 = asyncio.run(sessions_opened(admin, db.name))
    asyncio.run(drive(server.port, payload, phase, warmup, server.popen.pid))
    phase.sessions = asyncio.run(sessions_opened(admin, db.name)) - sessions0
    return phase


def fetch_json(server: Process, token: str | None) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.url + "/graphql",
        json={"query": BOARD, "variables": {"first": 50}},
        headers=headers,
        timeout=30,
    )
    response.raise_for_status()
    decoded = response.json()
    if decoded.get("errors"):
        raise RuntimeError(f"{server.name}: {decoded['errors']}")
    return decoded["data"]


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Dispatcher board benchmark (prints figures).")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured, per phase")
    parser.add_argument("--budget", type=float, default=300.0, help="hard limit for the run (s)")
    parser.add_argument("--profile", help="write a cProfile of the API server to this file")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from resolvers.accounts.tokens import issue_token

    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/board.py: the dispatcher board")
        print(f"   scratch database {db.name}; {args.tickets} tickets")
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        started = time.perf_counter()
        dispatcher = asyncio.run(seed(db.url, args.tickets))
        print(f"   seeded in {time.perf_counter() - started:.1f} s")

        inproc = asyncio.run(in_process(db.url, secret, dispatcher))
        statements = inproc.statements
        print(f"\nSQL statements per board request (in-process, same database): {statements}")
        for text in inproc.texts:
            print("   - " + " ".join(text.split())[:150])
        print(
            f"   connection traffic per request: {inproc.checkouts} pool checkouts (each pinged "
            f"first), {inproc.begins} BEGIN, {inproc.rollbacks} ROLLBACK: about "
            f"{inproc.round_trips:.0f} round trips to PostgreSQL"
        )
        print(
            f"   CPU per request in-process (no HTTP): {inproc.cpu_full_ms:.1f} ms, of which "
            f"{inproc.cpu_fetch_ms:.1f} ms fetching the rows through the ORM and loaders, "
            f"{inproc.cpu_full_ms - inproc.cpu_fetch_ms:.1f} ms GraphQL "
            "(parse, validate, execute, build the result)"
        )

        token = issue_token(secret, user_id=dispatcher, token_version=1, ttl_minutes=60)
        api = start_app_server(
            "api",
            database_url=db.url,
            secret_key=secret,
            workdir=cwd,
            profile=Path(args.profile).resolve() if args.profile else None,
        )
        floor: Process | None = None
        try:
            floor = start_python_server("floor", "floor_app.py", ["--dsn", db.dsn], workdir=cwd)
            api_data = fetch_json(api, token)
            floor_data = fetch_json(floor, None)
            if api_data != floor_data or api_data != inproc.data:
                raise SystemExit(
                    "the floor's answer differs from the API's: the comparison would be unfair"
                )
            edges = len(api_data["tickets"]["edges"])
            total = api_data["tickets"]["totalCount"]
            print(
                f"   both answer the same document: {edges} rows of {total} matching "
                f"({len(json.dumps(api_data))} bytes)"
            )

            phases: list[tuple[Phase, Phase]] = []
            for k in args.concurrency:
                a = run_phase(api, token, Phase("api", k, args.seconds), args.warmup, db)
                f = run_phase(floor, None, Phase("floor", k, args.seconds), args.warmup, db)
                phases.append((a, f))
                print(
                    f"   K={k}: api {a.rps:.0f} req/s, floor {f.rps:.0f} req/s "
                    f"(load average {loadavg()})"
                )
        finally:
            if floor is not None:
                floor.stop()
            api.stop()
            if args.profile:
                print(f"   cProfile of the API server written to {args.profile}")

        print(
            "\n| K | API req/s | API p50 / p99 ms | floor req/s | floor p50 / p99 ms | ratio "
            "(floor/API req/s) | server CPU ms/req API / floor | PG connections opened "
            "API / floor | failures API / floor |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for a, f in phases:
            ratio = f.rps / a.rps if a.rps else float("inf")
            sa, sf = a.summary(), f.summary()
            print(
                f"| {a.concurrency} | {a.rps:.0f} | {ms(percentile(a.latencies, 50))} / "
                f"{ms(percentile(a.latencies, 99))} | {f.rps:.0f} | "
                f"{ms(percentile(f.latencies, 50))} / {ms(percentile(f.latencies, 99))} | "
                f"{ratio:.2f}x | {sa['server_cpu_ms_per_request']} / "
                f"{sf['server_cpu_ms_per_request']} | {a.sessions} / {f.sessions} | "
                f"{a.failures} / {f.failures} |"
            )
            for p in (a, f):
                if p.failures:
                    print(f"   {p.target} K={p.concurrency} first failure: {p.first_failure}")
        print(
            f"\nstatements per request: {statements} (target <= 6); throughput ratio target "
            "<= 2.5x. Client CPU (one process, share of one core): "
            + ", ".join(
                f"K={a.concurrency} api {a.summary()['client_cpu_share']} / floor "
                f"{f.summary()['client_cpu_share']}"
                for a, f in phases
            )
        )
        dump_json(
            args.json,
            {
                "machine": machine(),
                "statements": statements,
                "round_trips": inproc.round_trips,
                "cpu_in_process_ms": round(inproc.cpu_full_ms, 2),
                "cpu_fetch_ms": round(inproc.cpu_fetch_ms, 2),
                "tickets": args.tickets,
                "matching": total,
                "phases": [p.summary() for pair in phases for p in pair],
                "load_after": loadavg(),
            },
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
