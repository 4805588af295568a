"""Stock movements and the parts list on PostgreSQL: throughput of issues and receipts
with K concurrent clients, and what the parts list with stock and prices costs.

Phases, each K closed-loop clients (K keep-alive HTTP/1.1 connections, default 8) for
--seconds after --warmup unmeasured seconds, against a real `aftersales serve`:

- issue: each client is one ENGINEER calling

      issuePartsToTicket(ticketId, lines: [{partId, quantity: 1}]) { id version }

  on its own ACCEPTED tickets (picked at random among its --tickets-per-client), for a
  part picked at random among the 1,000 (little contention on part rows). Every call is
  a ticket move too: the ticket row is locked, its version bumped, a PARTS_USED event
  written. The selection is kept small on purpose (`partsUsed` grows with every call on
  a reused ticket, and would make the answer, not the movement, the cost).
- hot part: the same, all K clients on ONE part (every call waits for that part's row lock).
- receive: each client is a BACK_OFFICE user calling

      receivePurchaseOrder(id, lines: [{partId, quantity: 1}]) { id status }

  on its own ISSUED purchase order (--po-lines lines, parts not shared between orders,
  quantities large enough never to complete), a line picked at random: one RECEIPT
  movement at the line's price, which also recomputes the part's three-purchase average.
- parts list: `parts(first: 100)` with onHand, alarmThreshold, belowAlarm and the four
  prices, as ADMIN: SQL statements per request (in-process, counted on the engine, as
  tests/integration/test_statement_counts.py does), then over HTTP ms per request and
  requests/s at K clients for the first page, and the time one client takes to walk all
  1,000 parts page by page (10 pages of 100, following pageInfo.endCursor).

Every answer is checked (HTTP 200, no "errors"; any error is a failure, the first is
printed). After each write phase the movements written are counted in the database and
compared with the calls answered (warm-up included): each call must be one movement.
While a phase is measured, PostgreSQL's lock waits are sampled (pg_locks, not granted,
every 0.1 s): the mean number of this database's backends waiting, by lock type
(`advisory`: the event-sequence lock every ticket change takes until its commit;
`transactionid` / `tuple`: a row lock held by another transaction).

    .venv/bin/python bench/stock.py                         # K = 8, 4 phases of 10 s (~70 s)
    .venv/bin/python bench/stock.py --seconds 3 --warmup 1 --json out.json

Starts everything itself: a scratch database (BENCH_DATABASE_URL names the admin
database, default postgresql+asyncpg://postgres@127.0.0.1:5432/test; dropped at the
end), `aftersales migrate`, the data (ORM inserts), a real `aftersales serve` on a free
port. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from board import one_request, process_cpu
from harness import (
    Process,
    ScratchDatabase,
    dump_json,
    fetch_value,
    loadavg,
    machine,
    ms,
    percentile,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    time_budget,
    workdir,
)

ISSUE = """mutation Issue($ticketId: ID!, $lines: [PartLineInput!]!) {
  issuePartsToTicket(ticketId: $ticketId, lines: $lines) { id version }
}"""

RECEIVE = """mutation Receive($id: ID!, $lines: [ReceiptLineInput!]!) {
  receivePurchaseOrder(id: $id, lines: $lines) { id status }
}"""

# The contract's Parts query (../shared/contract/parts.graphql); pageInfo costs no statement.
PARTS = """query Parts($first: Int, $after: String) {
  parts(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id partNumber name onHand alarmThreshold belowAlarm
      listPrice costPrice minimumPrice averagePurchasePrice
    } }
  }
}"""

OPENING_STOCK = 1_000_000  # per part: no phase can run it down
ORDERED = 100_000_000  # per purchase-order line: no phase can complete it


# -- data ------------------------------------------------------------------------------


@dataclass
class World:
    admin: int
    back_office: int
    engineers: list[int]
    tickets: list[list[int]]  # per client, its engineer's ACCEPTED tickets
    parts: list[int]
    orders: list[tuple[int, list[int]]]  # per client, (purchase order, its lines' parts)


def global_id(type_name: str, pk: int) -> str:
    from resolvers.ids import encode_id

    return encode_id(type_name, pk)


async def seed(
    database_url: str, *, clients: int, parts: int, tickets: int, po_lines: int
) -> World:
    """Users, a customer, `parts` parts with opening stock (an ADJUSTMENT movement each),
    `tickets` ACCEPTED tickets per engineer (one engineer per client) and one ISSUED
    purchase order per client."""
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import (
        Customer,
        Part,
        PurchaseOrder,
        PurchaseOrderLine,
        StockMovement,
        Ticket,
        User,
    )
    from persistence.types import utcnow

    if clients * po_lines > parts:
        raise SystemExit(f"--clients x --po-lines must be at most {parts} (orders share no part)")
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.info["actor_id"] = None
            now = utcnow()

            def user(username: str, role: str) -> User:
                return User(
                    username=username,
                    display_name=username.replace("-", " ").title(),
                    role=role,
                    password_hash="not-a-login",
                )

            admin = user("bench-admin", "ADMIN")
            back_office = user("bench-back-office", "BACK_OFFICE")
            engineers = [user(f"bench-eng-{i:02d}", "ENGINEER") for i in range(clients)]
            customer = Customer(code="BC-00001", name="苏州精密机械有限公司")
            session.add_all([admin, back_office, *engineers, customer])
            await session.flush()

            rows = []
            for i in range(parts):
                cost = Decimal(20 + i % 480)
                rows.append(
                    {
                        "part_number": f"BP-{i:05d}",
                        "name": f"伺服电机编码器 {i:05d}",
                        "spec": f"A860-{2000 + i % 900}-T301",
                        "unit": "pcs",
                        "brand": "Fanuc",
                        "cost_price": cost,
                        "list_price": cost * 2,
                        "minimum_price": cost * Decimal("1.5"),
                        "alarm_threshold": 5 + i % 20,
                        "on_hand": OPENING_STOCK,
                        "average_purchase_price": cost + Decimal("0.50"),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(Part), rows)
            part_rows = (await session.execute(select(Part.id, Part.cost_price))).all()
            part_rows.sort()
            part_ids = [pk for pk, _ in part_rows]
            cost_of = dict(part_rows)
            await session.execute(
                insert(StockMovement),
                [
                    {
                        "part_id": pk,
                        "kind": "ADJUSTMENT",
                        "quantity": OPENING_STOCK,
                        "engineer_quantity": 0,
                        "unit_cost": cost_of[pk],
                        "on_hand_after": OPENING_STOCK,
                        "at": now,
                        "reason": "opening stock",
                    }
                    for pk in part_ids
                ],
            )

            ticket_rows = []
            for c, engineer in enumerate(engineers):
                for t in range(tickets):
                    ticket_rows.append(
                        {
                            "number": f"T-2026-B{c:02d}{t:04d}",
                            "kind": "REPAIR",
                            "status": "ACCEPTED",
                            "severity": 2,
                            "source": "PHONE",
                            "customer_id": customer.id,
                            "description": f"alarm SRVO-{t % 400:03d} on axis {t % 6 + 1}",
                            "assignee_id": engineer.id,
                            "dispatched_at": now,
                            "accepted_at": now,
                            "version": 1,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            await session.execute(insert(Ticket), ticket_rows)
            by_engineer: dict[int, list[int]] = {e.id: [] for e in engineers}
            for pk, assignee in (
                await session.execute(select(Ticket.id, Ticket.assignee_id))
            ).all():
                by_engineer[assignee].append(pk)

            orders = []
            for c in range(clients):
                order = PurchaseOrder(
                    number=f"PO2026-B{c:04d}",
                    supplier="上海发那科机器人有限公司",
                    status="ISSUED",
                    reviewed_by_id=admin.id,
                    reviewed_at=now,
                    approved_by_id=back_office.id,
                    approved_at=now,
                    issued_at=now,
                )
                session.add(order)
                await session.flush()
                lines = part_ids[c * po_lines : (c + 1) * po_lines]
                session.add_all(
                    PurchaseOrderLine(
                        purchase_order_id=order.id,
                        part_id=pk,
                        quantity=ORDERED,
                        unit_price=cost_of[pk] - 1,
                        received_quantity=0,
                    )
                    for pk in lines
                )
                orders.append((order.id, lines))
            return World(
                admin=admin.id,
                back_office=back_office.id,
                engineers=[e.id for e in engineers],
                tickets=[sorted(by_engineer[e.id]) for e in engineers],
                parts=part_ids,
                orders=orders,
            )
    finally:
        await engine.dispose()


# -- in-process: statements per request ----------------------------------------------------


@dataclass
class InProcess:
    list_statements: list[str]
    list_cpu_ms: float
    issue_statements: list[str]
    receive_statements: list[str]


async def in_process(
    database_url: str, secret_key: str, world: World, repeat: int = 50
) -> InProcess:
    """The parts list, one issue and one receipt through the schema in this process,
    counting what the engine executes (transaction control is not a query). The issue
    and the receipt are real (one movement each), made before the phases start."""

    from persistence.db import count_statements, make_engine, make_sessionmaker
    from resolvers.accounts.tokens import issue_token
    from resolvers.context import Context, Services
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

        def context(user_id: int) -> Context:
            token = issue_token(secret_key, user_id=user_id, token_version=1, ttl_minutes=5)
            return Context.in_process(services, token)

        async def execute(query: str, variables: dict[str, Any], user_id: int) -> dict[str, Any]:
            result = await schema.execute(
                query, variable_values=variables, context_value=context(user_id)
            )
            if result.errors:
                raise RuntimeError(f"in-process request failed: {result.errors}")
            return result.data or {}

        statements = count_statements(engine)

        async def counted(query: str, variables: dict[str, Any], user_id: int) -> list[str]:
            seen = len(statements)
            await execute(query, variables, user_id)
            return [s for s in statements[seen:] if s.split()[0].upper() not in {"BEGIN", "COMMIT"}]

        list_vars = {"first": 100, "after": None}
        for _ in range(3):  # warm the caches
            await execute(PARTS, list_vars, world.admin)
        listed = await counted(PARTS, list_vars, world.admin)
        started = time.process_time()
        for _ in range(repeat):
            await execute(PARTS, list_vars, world.admin)
        list_cpu = (time.process_time() - started) / repeat * 1000

        issue_vars = {
            "ticketId": global_id("Ticket", world.tickets[0][0]),
            "lines": [{"partId": global_id("Part", world.parts[-1]), "quantity": 1}],
        }
        await execute(ISSUE, issue_vars, world.engineers[0])  # first use of ticket and part
        issued = await counted(ISSUE, issue_vars, world.engineers[0])
        order, lines = world.orders[0]
        receive_vars = {
            "id": global_id("PurchaseOrder", order),
            "lines": [{"partId": global_id("Part", lines[0]), "quantity": 1}],
        }
        await execute(RECEIVE, receive_vars, world.back_office)
        received = await counted(RECEIVE, receive_vars, world.back_office)
        return InProcess(listed, list_cpu, issued, received)
    finally:
        await engine.dispose()


# -- the load ------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""
    answered: int = 0  # calls answered without error, warm-up included
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    # Mean number of this database's backends waiting for a lock, by pg_locks.locktype.
    lock_waits: dict[str, float] = field(default_factory=dict)
    lock_samples: int = 0
    movements: int | None = None  # movement rows written during the phase (with warm-up)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "phase": self.name,
            "clients": self.clients,
            "calls": n,
            "failures": self.failures,
            "first_failure": self.first_failure or None,
            "per_second": round(self.rate, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "server_cpu_ms_per_call": round(self.server_cpu / n * 1000, 2) if n else None,
            "client_cpu_share": round(self.client_cpu / self.elapsed, 2) if self.elapsed else None,
            "lock_waiters": {k: round(v, 2) for k, v in self.lock_waits.items()},
            "answered_incl_warmup": self.answered,
            "movements_written": self.movements,
        }


def http_request(port: int, token: str, body: bytes) -> bytes:
    head = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Authorization: Bearer {token}",
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def graphql_body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


# Makes client i's next request body.
BodyMaker = Callable[[int, random.Random], bytes]


async def sample_lock_waits(dsn: str, database: str, phase: Phase, running: asyncio.Event) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    totals: Counter[str] = Counter()
    try:
        await running.wait()  # the warm-up is not sampled
        while running.is_set():
            rows = await conn.fetch(
                "SELECT l.locktype, count(*) AS n FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = $1 GROUP BY l.locktype",
                database,
            )
            for row in rows:
                totals[row["locktype"]] += row["n"]
            phase.lock_samples += 1
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    if phase.lock_samples:
        phase.lock_waits = {k: v / phase.lock_samples for k, v in totals.most_common()}


async def drive(
    server: Process,
    tokens: list[str],
    make_body: BodyMaker,
    phase: Phase,
    warmup: float,
    db: ScratchDatabase,
) -> Phase:
    port = server.port
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(phase.clients)]
    measuring = asyncio.Event()
    stop = False

    async def worker(i: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        rng = random.Random(i)
        while not stop:
            payload = http_request(port, tokens[i], make_body(i, rng))
            started = time.perf_counter()
            try:
                body = await one_request(reader, writer, payload)
                if b'"errors"' in body:
                    raise RuntimeError(body[:400].decode(errors="replace"))
            except Exception as exc:
                # Any error is a failure, warm-up included (a write benchmark that fails
                # during warm-up is as wrong as one failing later).
                phase.failures += 1
                phase.first_failure = phase.first_failure or repr(exc)
                if isinstance(exc, asyncio.IncompleteReadError | ConnectionError):
                    return
                continue
            phase.answered += 1
            if measuring.is_set():
                phase.latencies.append(time.perf_counter() - started)

    sampler = asyncio.create_task(sample_lock_waits(db.dsn, db.name, phase, measuring))
    tasks = [asyncio.create_task(worker(i, r, w)) for i, (r, w) in enumerate(connections)]
    await asyncio.sleep(warmup)
    measuring.set()
    pid = server.popen.pid
    cpu0, wall0, server0 = time.process_time(), time.perf_counter(), process_cpu(pid)
    await asyncio.sleep(phase.seconds)
    measuring.clear()
    phase.server_cpu = process_cpu(pid) - server0
    phase.elapsed = time.perf_counter() - wall0
    phase.client_cpu = time.process_time() - cpu0
    stop = True
    # Every in-flight call completes (and commits) before the movements are counted.
    await asyncio.gather(*tasks, return_exceptions=True)
    await sampler
    for _, writer in connections:
        writer.close()
    return phase


async def movement_count(dsn: str) -> int:
    return int(await fetch_value(dsn, "SELECT count(*) FROM stock_movements"))


async def on_hand(dsn: str, part: int) -> int:
    return int(await fetch_value(dsn, "SELECT on_hand FROM parts WHERE id = $1", part))


def write_phase(
    server: Process,
    tokens: list[str],
    make_body: BodyMaker,
    phase: Phase,
    warmup: float,
    db: ScratchDatabase,
) -> Phase:
    before = asyncio.run(movement_count(db.dsn))
    asyncio.run(drive(server, tokens, make_body, phase, warmup, db))
    phase.movements = asyncio.run(movement_count(db.dsn)) - before
    return phase


@dataclass
class Walk:
    times: list[float]
    pages: int
    parts: int


async def walk_all(server: Process, token: str, walks: int) -> Walk:
    """One client reads every part, 100 a page, following endCursor; `walks` times."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    times: list[float] = []
    pages = seen = 0
    try:
        for _ in range(walks):
            after: str | None = None
            pages = seen = 0
            started = time.perf_counter()
            while True:
                body = graphql_body(PARTS, {"first": 100, "after": after})
                answer = json.loads(
                    await one_request(reader, writer, http_request(server.port, token, body))
                )
                if answer.get("errors"):
                    raise RuntimeError(f"walking the parts list failed: {answer['errors']}")
                page = answer["data"]["parts"]
                pages += 1
                seen += len(page["edges"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            times.append(time.perf_counter() - started)
    finally:
        writer.close()
    return Walk(times, pages, seen)


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Stock movements benchmark (prints figures).")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (K)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured, per phase")
    parser.add_argument("--parts", type=int, default=1000)
    parser.add_argument("--tickets-per-client", type=int, default=20)
    parser.add_argument("--po-lines", type=int, default=10, help="lines per purchase order")
    parser.add_argument("--walks", type=int, default=5, help="walks of the whole parts list")
    parser.add_argument("--budget", type=float, default=300.0, help="hard limit for the run (s)")
    parser.add_argument("--profile", help="write a cProfile of the API server to this file")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    k = args.clients

    from resolvers.accounts.tokens import issue_token

    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/stock.py: stock movements and the parts list")
        print(
            f"   scratch database {db.name}; {args.parts} parts, {k} clients, "
            f"{args.tickets_per_client} tickets per engineer, {args.po_lines} lines per order"
        )
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        started = time.perf_counter()
        world = asyncio.run(
            seed(
                db.url,
                clients=k,
                parts=args.parts,
                tickets=args.tickets_per_client,
                po_lines=args.po_lines,
            )
        )
        print(f"   seeded in {time.perf_counter() - started:.1f} s")

        inproc = asyncio.run(in_process(db.url, secret, world))
        print(
            f"\nSQL statements per request (in-process, same database): parts list of 100: "
            f"{len(inproc.list_statements)}, issuePartsToTicket (1 line): "
            f"{len(inproc.issue_statements)}, receivePurchaseOrder (1 line): "
            f"{len(inproc.receive_statements)}"
        )
        for title, texts in (
            ("parts list", inproc.list_statements),
            ("issuePartsToTicket", inproc.issue_statements),
            ("receivePurchaseOrder", inproc.receive_statements),
        ):
            print(f"   {title}:")
            for text in texts:
                print("   - " + " ".join(text.split())[:140])
        print(f"   parts list CPU per request in-process (no HTTP): {inproc.list_cpu_ms:.1f} ms")

        def token(user_id: int) -> str:
            return issue_token(secret, user_id=user_id, token_version=1, ttl_minutes=60)

        engineer_tokens = [token(e) for e in world.engineers]
        back_office_tokens = [token(world.back_office)] * k
        admin_tokens = [token(world.admin)] * k
        ticket_ids = [[global_id("Ticket", t) for t in ts] for ts in world.tickets]
        part_ids = [global_id("Part", p) for p in world.parts]
        hot = world.parts[len(world.parts) // 2]

        def issue_body(i: int, rng: random.Random) -> bytes:
            return graphql_body(
                ISSUE,
                {
                    "ticketId": rng.choice(ticket_ids[i]),
                    "lines": [{"partId": rng.choice(part_ids), "quantity": 1}],
                },
            )

        def hot_body(i: int, rng: random.Random) -> bytes:
            return graphql_body(
                ISSUE,
                {
                    "ticketId": rng.choice(ticket_ids[i]),
                    "lines": [{"partId": global_id("Part", hot), "quantity": 1}],
                },
            )

        order_ids = [global_id("PurchaseOrder", o) for o, _ in world.orders]
        order_parts = [[global_id("Part", p) for p in lines] for _, lines in world.orders]

        def receive_body(i: int, rng: random.Random) -> bytes:
            return graphql_body(
                RECEIVE,
                {
                    "id": order_ids[i],
                    "lines": [{"partId": rng.choice(order_parts[i]), "quantity": 1}],
                },
            )

        list_body = graphql_body(PARTS, {"first": 100, "after": None})

        api = start_app_server(
            "api",
            database_url=db.url,
            secret_key=secret,
            workdir=cwd,
            profile=Path(args.profile).resolve() if args.profile else None,
            # The per-user request rate (a policy, not a cost) would cap the receipts.
            extra_env={"HTTP_REQUESTS_PER_SECOND": "1000000", "HTTP_BURST": "1000000"},
        )
        try:
            issue = write_phase(
                api, engineer_tokens, issue_body, Phase("issue", k, args.seconds), args.warmup, db
            )
            print(f"   issue: {issue.rate:.0f} movements/s (load average {loadavg()})")
            hot_before = asyncio.run(on_hand(db.dsn, hot))
            hot_phase = write_phase(
                api, engineer_tokens, hot_body, Phase("hot part", k, args.seconds), args.warmup, db
            )
            hot_fell = hot_before - asyncio.run(on_hand(db.dsn, hot))
            print(f"   hot part: {hot_phase.rate:.0f} movements/s (load average {loadavg()})")
            receive = write_phase(
                api,
                back_office_tokens,
                receive_body,
                Phase("receive", k, args.seconds),
                args.warmup,
                db,
            )
            print(f"   receive: {receive.rate:.0f} movements/s (load average {loadavg()})")
            listing = Phase("parts list", k, args.seconds)
            asyncio.run(
                drive(api, admin_tokens, lambda _i, _rng: list_body, listing, args.warmup, db)
            )
            print(f"   parts list: {listing.rate:.0f} requests/s (load average {loadavg()})")
            walk = asyncio.run(walk_all(api, admin_tokens[0], args.walks))
        finally:
            api.stop()
            if args.profile:
                print(f"   cProfile of the API server written to {args.profile}")

        writes = [issue, hot_phase, receive]
        print("\nEvery call is one movement (rows written during each phase, warm-up included):")
        for p in writes:
            verdict = "ok" if p.movements == p.answered else "MISMATCH"
            print(
                f"   {p.name}: {p.movements} movements for {p.answered} calls answered: {verdict}"
            )
        print(
            f"   hot part: its on_hand fell by {hot_fell} for {hot_phase.answered} calls: "
            + ("ok" if hot_fell == hot_phase.answered else "MISMATCH")
        )
        if walk.parts != args.parts:
            print(f"   !! the walk saw {walk.parts} parts in {walk.pages} pages, not {args.parts}")

        def waits(p: Phase) -> str:
            shown = [f"{kind} {mean:.1f}" for kind, mean in p.lock_waits.items() if mean >= 0.05]
            return ", ".join(shown) or "none"

        print(
            f"\n| phase (K = {k}) | calls | movements/s (req/s) | p50 / p99 ms | failures | "
            "server CPU ms per call | mean backends waiting for a lock |"
        )
        print("|---|---|---|---|---|---|---|")
        for p in [*writes, listing]:
            s = p.summary()
            print(
                f"| {p.name} | {len(p.latencies)} | {p.rate:.0f} | "
                f"{ms(percentile(p.latencies, 50))} / {ms(percentile(p.latencies, 99))} | "
                f"{p.failures} | {s['server_cpu_ms_per_call']} | {waits(p)} |"
            )
        walk_ms = [t * 1000 for t in walk.times]
        print(
            f"\n| parts list ({args.parts:,} parts, ADMIN) | figure |\n|---|---|\n"
            f"| SQL statements per request (page of 100) | {len(inproc.list_statements)} |\n"
            f"| CPU per request in-process | {inproc.list_cpu_ms:.1f} ms |\n"
            f"| page of 100 over HTTP, K = {k}: p50 / p99 | "
            f"{ms(percentile(listing.latencies, 50))} / {ms(percentile(listing.latencies, 99))} ms |\n"
            f"| page of 100 over HTTP, K = {k}: requests/s | {listing.rate:.0f} |\n"
            f"| whole list, {walk.pages} pages one after the other (median / min of "
            f"{len(walk_ms)}) | {statistics.median(walk_ms):.0f} / {min(walk_ms):.0f} ms |"
        )
        for p in [*writes, listing]:
            if p.failures:
                print(f"   {p.name}: {p.failures} failures; the first: {p.first_failure}")
        print(
            "\nClient CPU (one process, share of one core): "
            + ", ".join(f"{p.name} {p.summary()['client_cpu_share']}" for p in [*writes, listing])
        )
        dump_json(
            args.json,
            {
                "machine": machine(),
                "parts": args.parts,
                "clients": k,
                "statements": {
                    "parts_list": len(inproc.list_statements),
                    "issue": len(inproc.issue_statements),
                    "receive": len(inproc.receive_statements),
                },
                "parts_list_cpu_in_process_ms": round(inproc.list_cpu_ms, 2),
                "phases": [p.summary() for p in [*writes, listing]],
                "hot_part_on_hand_fell": hot_fell,
                "walk": {"pages": walk.pages, "parts": walk.parts, "ms": walk_ms},
                "load_after": loadavg(),
            },
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
