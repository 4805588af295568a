"""Notifications to a webhook: deliveries per second to a receiver that takes 50 ms to
answer, and the API's latency while they go out.

Against a real `aftersales serve` (WEBHOOK_ALLOW_PRIVATE=true, everything else as
deployed: DELIVERY_POLL_SECONDS 1, the deliverer in the API process):

- a webhook receiver in this process (a thread with its own asyncio loop, raw HTTP/1.1
  keep-alive): it reads each request, checks its signature (HMAC-SHA256 of the raw body
  with the channel's secret, every request), notes when it arrived, waits --latency-ms
  (default 50) and answers 200. Any number of requests at a time;
- a WEBHOOK channel made through the API with an ADMIN token (`createChannel`,
  notificationKinds [DISPATCHED]), before anything is measured: it starts at the event
  sequence of its creation;
- an API probe in a subprocess (so that nothing in this process delays it): an open
  loop at --rate requests/s (default 20), alternately `{ me { id } }` and a page of
  `tickets(first: 20)`, as a CUSTOMER_SERVICE user, over a few keep-alive connections.
  Latency runs from the moment a request was due, so a stalled server is not hidden;
- baseline: --baseline seconds (default 10) of the probe alone, channel idle;
- the flood: --notifications DISPATCHED notifications (default 2,000) made in this
  process with the service's own code (`persistence.unit_of_work.unit_of_work` and
  `resolvers.notifications.notices.notify`: the Notification rows and their NOTIFICATION
  events, numbered at commit), --batch per unit of work (default 500), about --tickets
  tickets (default 100, in turn) to --users engineers (default 50). Through the API
  each would be a dispatch, and the server's own writes would mix with what is measured;
  --no-channel switches the channel off first: the same writes, nothing delivered;
- then until the receiver has every one (or nothing arrives for --stall seconds, or
  --deliver-seconds have passed): every --every s (10) the deliveries received, made
  and open in the table, and every --due-every s (30; 0: never) the time of one run of
  the deliverer's "due" query at that backlog (the query it runs before each round).

Figures: time from the first event to the last receipt and deliveries/s; lag (the
event's `at`, stamped just before its transaction commits, to the receiver reading the
request) p50 / p95 / max; duplicates (a delivery id received twice), missing, bad
signatures; order: each receipt's event sequence (from the deliveries table after the
run) against the highest one received before it, over everything and per ticket;
requests in flight at the receiver; the deliverer's rounds (bursts of arrivals: how
many requests each, how often); API probe p50 / p95 / p99 / max per phase (baseline,
while the notifications are written, while they are delivered); the server's CPU,
PostgreSQL's transactions and rows per second for this database, the machine's busy
cores, per phase.

    .venv/bin/python bench/channels.py                          # 2,000 notifications (~1-3 min)
    .venv/bin/python bench/channels.py --notifications 10000 --deliver-seconds 180   # partial
    .venv/bin/python bench/channels.py --notifications 10000 --budget 3000   # to the end (~30 min at 5714aae)
    .venv/bin/python bench/channels.py --tickets 1 --notifications 500   # one ticket: one stream

Starts everything itself: a scratch database (BENCH_DATABASE_URL names the admin
database, default postgresql+asyncpg://postgres@127.0.0.1:5432/test; dropped at the
end), `aftersales migrate`, the users and tickets (ORM inserts), the server on a free
port. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from board import one_request, process_cpu
from harness import (
    ROOT,
    dump_json,
    loadavg,
    machine,
    percentile,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    time_budget,
    workdir,
)

ME = "{ me { id } }"
TICKETS = "{ tickets(first: 20) { totalCount edges { node { id number status severity } } } }"
CREATE = """mutation C($input: ChannelInput!) {
  createChannel(input: $input) { id kind name enabled secretSet }
}"""
DISABLE = (
    "mutation U($id: ID!, $input: ChannelInput!) { updateChannel(id: $id, input: $input) { id } }"
)
KIND = "DISPATCHED"
STALE = 2.0


# -- data ------------------------------------------------------------------------------


@dataclass
class World:
    admin: int
    reader: int  # the probe's CUSTOMER_SERVICE user
    engineers: list[int]
    tickets: list[int]


async def seed(database_url: str, *, users: int, tickets: int) -> World:
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import Customer, Ticket, User
    from persistence.types import utcnow

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
            reader = user("bench-service", "CUSTOMER_SERVICE")
            engineers = [user(f"bench-engineer-{i:03d}", "ENGINEER") for i in range(users)]
            customer = Customer(code="BC-00001", name="常州精密减速机有限公司")
            session.add_all([admin, reader, *engineers, customer])
            await session.flush()
            rows = [
                {
                    "number": f"T-2026-W{t:05d}",
                    "kind": "REPAIR",
                    "status": "DISPATCHED",
                    "severity": 2,
                    "source": "PHONE",
                    "customer_id": customer.id,
                    "description": f"alarm SRVO-{t % 400:03d} on axis {t % 6 + 1}",
                    "assignee_id": engineers[t % users].id,
                    "dispatched_at": now,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for t in range(tickets)
            ]
            await session.execute(insert(Ticket), rows)
            ids = list((await session.scalars(select(Ticket.id).order_by(Ticket.id))).all())
            return World(
                admin=admin.id,
                reader=reader.id,
                engineers=[e.id for e in engineers],
                tickets=ids,
            )
    finally:
        await engine.dispose()


def calls_of(first: int, count: int, world: World) -> list[tuple[int, list[int]]]:
    """Notifications first..first+count-1 as `notify` calls: notification i is about
    ticket i mod T to engineer (i div T) mod U; one call per ticket and distinct users
    (notify makes one row per distinct user of a call)."""
    open_calls: dict[int, tuple[int, list[int]]] = {}
    calls: list[tuple[int, list[int]]] = []
    t_count, u_count = len(world.tickets), len(world.engineers)
    for i in range(first, first + count):
        ticket = world.tickets[i % t_count]
        engineer = world.engineers[(i // t_count) % u_count]
        call = open_calls.get(ticket)
        if call is None or engineer in call[1]:
            call = (ticket, [])
            open_calls[ticket] = call
            calls.append(call)
        call[1].append(engineer)
    return calls


@dataclass
class Produced:
    started: float = 0.0  # time.time()
    ended: float = 0.0
    batches: list[float] = field(default_factory=list)  # seconds per unit of work


async def produce(database_url: str, world: World, total: int, batch: int) -> Produced:
    """`total` notifications through the service's own unit of work and `notify`."""
    from sqlalchemy import select

    from domain.notifications.kinds import NotificationKind
    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import Ticket
    from persistence.unit_of_work import unit_of_work
    from resolvers.notifications.notices import notify

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    out = Produced(started=time.time())
    try:
        for first in range(0, total, batch):
            began = time.perf_counter()
            calls = calls_of(first, min(batch, total - first), world)
            async with unit_of_work(
                sessionmaker, actor_id=None, operation="bench.notifications", ip=None
            ) as work:
                ids = sorted({ticket for ticket, _ in calls})
                tickets = {
                    t.id: t
                    for t in (
                        await work.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))
                    ).all()
                }
                for ticket_id, engineers in calls:
                    ticket = tickets[ticket_id]
                    await notify(
                        work,
                        ticket,
                        engineers,
                        NotificationKind.DISPATCHED,
                        f"{ticket.number}: a new ticket for you",
                    )
            out.batches.append(time.perf_counter() - began)
    finally:
        out.ended = time.time()
        await engine.dispose()
    return out


# -- the webhook receiver ------------------------------------------------------------


@dataclass
class Receipt:
    at: float  # time.time() when the whole request was read
    delivery: str
    event: str
    event_at: float | None
    notification: str | None
    ticket: str | None
    in_flight: int  # requests being answered when it arrived, itself included


class Receiver:
    """A webhook endpoint on 127.0.0.1 answering 200 after `latency` seconds, checking
    every signature. Runs its own loop in a thread."""

    def __init__(self, secret: str, latency: float) -> None:
        self.secret = secret.encode()
        self.latency = latency
        self.receipts: list[Receipt] = []
        self.bad_signatures = 0
        self.bad_requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/aftersales"

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the webhook receiver did not start")

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=256)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                headers: dict[str, str] = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                now = time.time()
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    expected = "sha256=" + hmac.new(self.secret, raw, hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(expected, headers.get("x-aftersales-signature", "")):
                        self.bad_signatures += 1
                        status = b"401 Unauthorized"
                    else:
                        status = b"200 OK"
                        self._note(now, headers, raw)
                    await asyncio.sleep(self.latency)
                    answer = b'{"ok":true}' if status == b"200 OK" else b'{"ok":false}'
                    writer.write(
                        b"HTTP/1.1 "
                        + status
                        + b"\r\nContent-Type: application/json\r\nContent-Length: "
                        + str(len(answer)).encode()
                        + b"\r\n\r\n"
                        + answer
                    )
                    await writer.drain()
                finally:
                    self.in_flight -= 1
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    def _note(self, now: float, headers: dict[str, str], raw: bytes) -> None:
        try:
            body = json.loads(raw)
            event_at = datetime.fromisoformat(body["at"]).timestamp()
        except (ValueError, KeyError, TypeError):
            self.bad_requests += 1
            body, event_at = {}, None
        self.receipts.append(
            Receipt(
                at=now,
                delivery=headers.get("x-aftersales-delivery", ""),
                event=headers.get("x-aftersales-event", ""),
                event_at=event_at,
                notification=(body.get("notification") or {}).get("id"),
                ticket=(body.get("ticket") or {}).get("id"),
                in_flight=self.in_flight,
            )
        )

    def notifications_received(self) -> int:
        return len({r.notification for r in list(self.receipts) if r.notification})


# -- the API probe (a subprocess) ----------------------------------------------------------


def graphql_request(port: int, token: str, query: str) -> bytes:
    body = json.dumps({"query": query}).encode()
    head = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Authorization: Bearer {token}",
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def probe(port: int, token: str, rate: float) -> list[list[Any]]:
    """Open loop until SIGTERM: request n is due at start + n / rate; its latency runs
    from then. Returns [due (time.time()), latency, op, ok, error] per request."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    payloads = {
        "me": graphql_request(port, token, ME),
        "tickets": graphql_request(port, token, TICKETS),
    }
    # Keep-alive connections and when each was last used: one idle for more than
    # STALE seconds is closed rather than reused (uvicorn closes them after 5 s, and a
    # request sent just then would fail for the client's sake, not the server's).
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    results: list[list[Any]] = []

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while idle:
            reader, writer, used = idle.pop()
            if time.monotonic() - used < STALE:
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", port)

    async def one(op: str, due_wall: float, due: float) -> None:
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = await connection()
        assert conn is not None
        ok, error = True, ""
        try:
            body = await one_request(conn[0], conn[1], payloads[op])
            if b'"errors"' in body:
                ok, error = False, body[:300].decode(errors="replace")
        except Exception as exc:
            ok, error = False, repr(exc)
            conn[1].close()
            conn = None
        results.append([due_wall, time.perf_counter() - due, op, ok, error])
        if conn is not None:
            idle.append((*conn, time.monotonic()))

    tasks: set[asyncio.Task[None]] = set()
    start, start_wall = time.perf_counter(), time.time()
    n = 0
    while not stop.is_set():
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                break
        task = asyncio.create_task(
            one("me" if n % 2 == 0 else "tickets", start_wall + n / rate, due)
        )
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    for _, writer, _ in idle:
        writer.close()
    return results


class Probe:
    def __init__(self, port: int, token: str, rate: float, cwd: Path) -> None:
        self.out = cwd / "probe.json"
        self.log = (cwd / "probe.log").open("wb")
        self.popen = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--probe-port",
                str(port),
                "--probe-token",
                token,
                "--rate",
                str(rate),
                "--probe-out",
                str(self.out),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )

    def stop(self) -> list[list[Any]]:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.log.close()
        try:
            return json.loads(self.out.read_text())
        except (OSError, ValueError):
            return []


# -- what the machine and PostgreSQL did ---------------------------------------------------


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


@dataclass
class Mark:
    """Counters at one moment."""

    wall: float
    server_cpu: float
    busy: float
    pg: dict[str, int]


async def pg_counters(dsn: str, database: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched, "
            "tup_returned, sessions FROM pg_stat_database WHERE datname = $1",
            database,
        )
        return {k: int(v or 0) for k, v in dict(row).items()}
    finally:
        await conn.close()


async def mark(pid: int, dsn: str, database: str) -> Mark:
    # pg_stat_database is published with up to a second of delay: approximate.
    return Mark(time.time(), process_cpu(pid), machine_busy()[0], await pg_counters(dsn, database))


def per_second(a: Mark, b: Mark) -> dict[str, float]:
    span = max(b.wall - a.wall, 1e-9)
    figures = {k: (b.pg[k] - a.pg[k]) / span for k in a.pg}
    figures["server_cpu_cores"] = (b.server_cpu - a.server_cpu) / span
    figures["machine_busy_cores"] = (b.busy - a.busy) / span
    figures["seconds"] = span
    return figures


# -- the run -------------------------------------------------------------------------------


async def open_deliveries(
    sessionmaker: Any, channel_id: int, time_due: bool
) -> tuple[int, int, float | None]:
    """(deliveries made, open now, ms of one run of the deliverer's due query at this
    backlog, when `time_due`: it is the query the deliverer runs before every round)."""
    from sqlalchemy import func, select

    from persistence.models import Delivery
    from persistence.queries.channels import OPEN, due_deliveries
    from persistence.types import utcnow

    async with sessionmaker() as session:
        made = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.channel_id == channel_id)
        )
        still = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.channel_id == channel_id, Delivery.status.in_(OPEN))
        )
        spent = None
        if time_due:
            began = time.perf_counter()
            await due_deliveries(session, channel_id, utcnow(), 8)
            spent = (time.perf_counter() - began) * 1000
    return int(made or 0), int(still or 0), spent


async def delivery_rows(dsn: str, channel_id: int) -> dict[int, dict[str, Any]]:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT id, event_sequence, notification_id, ticket_id, status, attempts "
            "FROM deliveries WHERE channel_id = $1",
            channel_id,
        )
        return {r["id"]: dict(r) for r in rows}
    finally:
        await conn.close()


@dataclass
class Flood:
    produced: Produced
    marks: dict[str, Mark]
    progress: list[dict[str, Any]]
    complete_at: float | None  # time.time() when the last notification arrived


async def flood(
    args: argparse.Namespace,
    db_url: str,
    dsn: str,
    database: str,
    world: World,
    channel_id: int,
    receiver: Receiver,
    server_pid: int,
) -> Flood:
    from persistence.db import make_engine, make_sessionmaker

    marks = {"flood": await mark(server_pid, dsn, database)}
    produced = await produce(db_url, world, args.notifications, args.batch)
    marks["produced"] = await mark(server_pid, dsn, database)
    print(
        f"   {args.notifications:,} notifications written in "
        f"{produced.ended - produced.started:.1f} s ({len(produced.batches)} units of work, "
        f"{percentile(produced.batches, 50) * 1000:.0f} ms each at p50); "
        f"{receiver.notifications_received():,} already received"
    )
    engine = make_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    progress: list[dict[str, Any]] = []
    complete_at: float | None = None
    last_count, last_change = -1, time.monotonic()
    previous = (time.time(), receiver.notifications_received())
    last_due = 0.0
    deadline = time.monotonic() + args.deliver_seconds if args.deliver_seconds else None
    if args.no_channel:  # nothing to wait for: what the writes cost the server alone
        await asyncio.sleep(args.deliver_seconds or 15.0)
    try:
        while not args.no_channel:
            got = receiver.notifications_received()
            if got >= args.notifications:
                complete_at = max(r.at for r in list(receiver.receipts))
                break
            if got != last_count:
                last_count, last_change = got, time.monotonic()
            elif time.monotonic() - last_change > args.stall:
                print(f"   !! nothing received for {args.stall:.0f} s: stopping")
                break
            if deadline is not None and time.monotonic() > deadline:
                print(f"   -- --deliver-seconds {args.deliver_seconds:.0f} reached: stopping")
                break
            await asyncio.sleep(0.2)
            now = time.time()
            if now - previous[0] >= args.every:
                time_due = bool(args.due_every) and now - last_due >= args.due_every
                made, still, due_ms = await open_deliveries(sessionmaker, channel_id, time_due)
                if time_due:
                    last_due = now
                got = receiver.notifications_received()
                rate = (got - previous[1]) / (now - previous[0])
                step = {
                    "t": round(now - produced.started, 1),
                    "received": got,
                    "per_s": round(rate, 1),
                    "deliveries_made": made,
                    "open": still,
                    "due_query_ms": None if due_ms is None else round(due_ms, 1),
                    "in_flight": receiver.in_flight,
                }
                progress.append(step)
                due = "" if due_ms is None else f", due query {due_ms:,.0f} ms"
                print(
                    f"   t={step['t']:6.1f} s: {got:6,} received ({rate:5.1f}/s), "
                    f"{made:,} deliveries made, {still:,} open{due}; load {loadavg()}"
                )
                previous = (now, got)
    finally:
        await engine.dispose()
    marks["delivered"] = await mark(server_pid, dsn, database)
    return Flood(produced, marks, progress, complete_at)


def describe_code() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    # This script and its README are not the code measured.
    changed = [line[3:] for line in dirty if line.strip() and not line[3:].startswith("bench/")]
    where = os.environ.get("PYTHONPATH")
    text = head[:90]
    if changed:
        text += f" + uncommitted changes to {', '.join(changed)}"
    if where:
        text += f" (PYTHONPATH={where}: the code there is what runs)"
    return text


def latency_row(name: str, rows: list[list[Any]]) -> dict[str, Any]:
    figures: dict[str, Any] = {"phase": name, "requests": len(rows)}
    figures["failures"] = sum(1 for r in rows if not r[3])
    for op in ("all", "me", "tickets"):
        values = [r[1] for r in rows if r[3] and (op == "all" or r[2] == op)]
        figures[op] = {
            "n": len(values),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1) if values else float("nan"),
        }
    return figures


def order_check(receipts: list[Receipt], sequence_of: dict[str, int]) -> tuple[int, int, int, int]:
    """(out of order overall, out of order within their ticket, duplicates, unknown ids):
    a receipt is out of order when an event after its own was received before it."""
    seen: set[str] = set()
    duplicates = unknown = 0
    overall = within = 0
    highest = 0
    highest_of: dict[str | None, int] = defaultdict(int)
    for r in sorted(receipts, key=lambda x: x.at):
        if r.delivery in seen:
            duplicates += 1
            continue
        seen.add(r.delivery)
        sequence = sequence_of.get(r.delivery)
        if sequence is None:
            unknown += 1
            continue
        if sequence < highest:
            overall += 1
        if sequence < highest_of[r.ticket]:
            within += 1
        highest = max(highest, sequence)
        highest_of[r.ticket] = max(highest_of[r.ticket], sequence)
    return overall, within, duplicates, unknown


def rounds_of(receipts: list[Receipt], gap: float) -> list[tuple[float, int]]:
    """The deliverer's rounds as the receiver sees them: bursts of arrivals, a new one
    after a pause longer than `gap`. (start, requests) each."""
    bursts: list[tuple[float, int]] = []
    last = -1e18
    for at in sorted(r.at for r in receipts):
        if at - last > gap:
            bursts.append((at, 0))
        bursts[-1] = (bursts[-1][0], bursts[-1][1] + 1)
        last = at
    return bursts


def round_figures(bursts: list[tuple[float, int]]) -> dict[str, Any]:
    periods = [b[0] - a[0] for a, b in pairwise(bursts)]
    quarter = max(len(periods) // 4, 1)
    return {
        "rounds": len(bursts),
        "mean_size": round(sum(b[1] for b in bursts) / max(len(bursts), 1), 2),
        "period_p50_ms": round(percentile(periods, 50) * 1000, 1),
        "period_first_quarter_p50_ms": round(percentile(periods[:quarter], 50) * 1000, 1),
        "period_last_quarter_p50_ms": round(percentile(periods[-quarter:], 50) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Notifications to a webhook: deliveries/s and API latency (prints figures)."
    )
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=100, help="the notifications are about")
    parser.add_argument("--users", type=int, default=50, help="engineers notified")
    parser.add_argument("--batch", type=int, default=500, help="notifications per unit of work")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="the receiver's answer")
    parser.add_argument("--rate", type=float, default=20.0, help="API probe requests/s")
    parser.add_argument("--baseline", type=float, default=10.0, help="probe alone first (s)")
    parser.add_argument(
        "--poll", type=float, help="DELIVERY_POLL_SECONDS for the server (default: its own, 1)"
    )
    parser.add_argument("--stall", type=float, default=60.0, help="give up after (s) idle")
    parser.add_argument(
        "--deliver-seconds", type=float, help="stop delivering after (s): a partial run"
    )
    parser.add_argument(
        "--no-channel",
        action="store_true",
        help="switch the channel off: the same writes, nothing delivered (what they cost alone)",
    )
    parser.add_argument("--every", type=float, default=10.0, help="progress line every (s)")
    parser.add_argument(
        "--due-every",
        type=float,
        default=30.0,
        help="time the deliverer's due query every (s), one run; 0: never",
    )
    parser.add_argument("--budget", type=float, default=420.0, help="hard limit for the run (s)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--probe-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--probe-token", help=argparse.SUPPRESS)
    parser.add_argument("--probe-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.probe_port:  # the probe subprocess
        results = asyncio.run(probe(args.probe_port, args.probe_token, args.rate))
        Path(args.probe_out).write_text(json.dumps(results))
        return

    from resolvers.accounts.tokens import issue_token
    from resolvers.ids import decode_id, encode_id

    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/channels.py: notifications to a webhook, the API meanwhile")
        code = describe_code()
        print(f"   code: {code}")
        print(
            f"   scratch database {db.name}; {args.notifications:,} {KIND} notifications about "
            f"{args.tickets} tickets to {args.users} engineers, {args.batch} per unit of work; "
            f"receiver answers after {args.latency_ms:.0f} ms; probe {args.rate:.0f} req/s"
        )
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        world = asyncio.run(seed(db.url, users=args.users, tickets=args.tickets))
        admin_token = issue_token(secret, user_id=world.admin, token_version=1, ttl_minutes=120)
        reader_token = issue_token(secret, user_id=world.reader, token_version=1, ttl_minutes=120)

        hook_secret = secrets.token_hex(16)
        receiver = Receiver(hook_secret, args.latency_ms / 1000)
        receiver.start()
        extra = {"WEBHOOK_ALLOW_PRIVATE": "true"}
        if args.poll is not None:
            extra["DELIVERY_POLL_SECONDS"] = str(args.poll)
        api = start_app_server(
            "api", database_url=db.url, secret_key=secret, workdir=cwd, extra_env=extra
        )
        probe_proc: Probe | None = None
        probe_rows: list[list[Any]] = []
        try:
            answer = httpx.post(
                api.url + "/graphql",
                json={
                    "query": CREATE,
                    "variables": {
                        "input": {
                            "kind": "WEBHOOK",
                            "name": "ERP",
                            "config": {"url": receiver.url, "secret": hook_secret},
                            "notificationKinds": [KIND],
                        }
                    },
                },
                headers={"Authorization": f"Bearer {admin_token}"},
                timeout=30,
            ).json()
            if answer.get("errors"):
                raise SystemExit(f"createChannel: {answer['errors']}")
            channel_id = decode_id(answer["data"]["createChannel"]["id"], "Channel")
            if args.no_channel:
                channel_id = 0  # made, then switched off: the server never delivers
                off = httpx.post(
                    api.url + "/graphql",
                    json={
                        "query": DISABLE,
                        "variables": {
                            "id": answer["data"]["createChannel"]["id"],
                            "input": {"enabled": False},
                        },
                    },
                    headers={"Authorization": f"Bearer {admin_token}"},
                    timeout=30,
                ).json()
                if off.get("errors"):
                    raise SystemExit(f"updateChannel: {off['errors']}")
                print("   --no-channel: the channel is switched off, nothing is delivered")
            else:
                print(f"   channel {channel_id} (WEBHOOK) -> {receiver.url}")

            pid = api.popen.pid
            probe_proc = Probe(api.port, reader_token, args.rate, cwd)
            time.sleep(2.0)  # warm-up of the probe, unmeasured
            marks = {"baseline": asyncio.run(mark(pid, db.dsn, db.name))}
            time.sleep(args.baseline)
            print(f"   baseline {args.baseline:.0f} s done (load average {loadavg()})")
            result = asyncio.run(
                flood(args, db.url, db.dsn, db.name, world, channel_id, receiver, pid)
            )
            marks.update(result.marks)
            time.sleep(1.0)  # a late duplicate would show up here
        finally:
            if probe_proc is not None:
                probe_rows = probe_proc.stop()
            api.stop()
            receiver.stop()

        rows = asyncio.run(delivery_rows(db.dsn, channel_id))
        sequence_of = {encode_id("Delivery", k): v["event_sequence"] for k, v in rows.items()}
        receipts = list(receiver.receipts)
        notes = [r for r in receipts if r.notification]
        overall, within, duplicates, unknown = order_check(receipts, sequence_of)
        got = {r.notification for r in notes}
        first_at: dict[str, Receipt] = {}
        for r in sorted(notes, key=lambda x: x.at):
            first_at.setdefault(r.delivery, r)
        lags = [r.at - r.event_at for r in first_at.values() if r.event_at is not None]
        statuses: dict[str, int] = defaultdict(int)
        for row in rows.values():
            statuses[row["status"]] += 1
        retried = sum(1 for row in rows.values() if row["attempts"] > 1)

        produced = result.produced
        event_times = [r.event_at for r in notes if r.event_at is not None]
        first_event = min(event_times) if event_times else produced.started
        end = result.complete_at or (max(r.at for r in notes) if notes else marks["delivered"].wall)
        span = end - first_event
        first_receipt = min((r.at for r in notes), default=end)
        steady = (len(first_at) - 1) / (end - first_receipt) if end > first_receipt else 0.0
        in_flight = [r.in_flight for r in notes]

        print(f"\n== Deliveries ({args.latency_ms:.0f} ms receiver)")
        print(
            f"   received {len(got):,} of {args.notifications:,} notifications"
            + ("" if result.complete_at else "  (INCOMPLETE)")
            + f"; {len(receipts):,} requests; missing {args.notifications - len(got):,}; "
            f"duplicates {duplicates}; bad signatures {receiver.bad_signatures}; "
            f"unknown ids {unknown}; unreadable bodies {receiver.bad_requests}"
        )
        print(
            f"   first event to last receipt: {span:.1f} s = {len(got) / span:.1f} deliveries/s "
            f"(first receipt to last: {steady:.1f}/s)"
        )
        print(
            f"   lag (event at -> receipt): p50 {percentile(lags, 50):.2f} s, "
            f"p95 {percentile(lags, 95):.2f} s, max {max(lags, default=float('nan')):.2f} s"
        )
        print(
            f"   order: {overall:,} receipts after a later event overall, {within} within "
            f"their ticket; requests in flight at the receiver: mean "
            f"{sum(in_flight) / max(len(in_flight), 1):.1f}, max {receiver.max_in_flight}; "
            f"{receiver.connections} connections"
        )
        rounds = round_figures(rounds_of(notes, args.latency_ms / 2000))
        print(
            f"   the deliverer's rounds (bursts of arrivals, more than {args.latency_ms / 2:.0f} ms "
            f"apart): {rounds['rounds']:,}, {rounds['mean_size']} requests each; one every "
            f"{rounds['period_p50_ms']:.0f} ms at p50 ({rounds['period_first_quarter_p50_ms']:.0f} "
            f"ms in the first quarter, {rounds['period_last_quarter_p50_ms']:.0f} ms in the last)"
        )
        print(
            "   deliveries table: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
            + f"; tried more than once {retried}"
        )

        baseline_end = marks["flood"].wall
        phases = [
            ("baseline (channel idle)", marks["baseline"].wall, baseline_end),
            ("writing the notifications", marks["flood"].wall, marks["produced"].wall),
            ("delivering", marks["produced"].wall, end),
        ]
        table = [
            latency_row(name, [r for r in probe_rows if a <= r[0] < b]) for name, a, b in phases
        ]
        loads = [
            per_second(marks["baseline"], marks["flood"]),
            per_second(marks["flood"], marks["produced"]),
            per_second(marks["produced"], marks["delivered"]),
        ]
        print(f"\n== API latency, probe at {args.rate:.0f} req/s (ms, from when each was due)")
        print(
            "| phase | s | requests | failures | all p50 / p95 / p99 / max | "
            "me p50 / p95 / p99 | tickets(first: 20) p50 / p95 / p99 |"
        )
        print("|---|---|---|---|---|---|---|")
        for (name, a, b), row in zip(phases, table, strict=True):
            al, me, tk = row["all"], row["me"], row["tickets"]
            print(
                f"| {name} | {b - a:.0f} | {row['requests']} | {row['failures']} | "
                f"{al['p50_ms']} / {al['p95_ms']} / {al['p99_ms']} / {al['max_ms']} | "
                f"{me['p50_ms']} / {me['p95_ms']} / {me['p99_ms']} | "
                f"{tk['p50_ms']} / {tk['p95_ms']} / {tk['p99_ms']} |"
            )
        failures = [r for r in probe_rows if not r[3]]
        if failures:
            print(f"   first probe failure: {failures[0][4][:300]}")
        print("\n== Load per phase (per second; pg_stat_database of this database, approximate)")
        print(
            "| phase | server CPU (cores) | machine busy (cores of "
            f"{os.cpu_count()}) | PG commits | rows inserted | updated | fetched | returned |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for (name, _, _), load in zip(phases, loads, strict=True):
            print(
                f"| {name} | {load['server_cpu_cores']:.2f} | {load['machine_busy_cores']:.2f} "
                f"| {load['xact_commit']:.0f} | {load['tup_inserted']:.0f} | "
                f"{load['tup_updated']:.0f} | {load['tup_fetched']:.0f} | "
                f"{load['tup_returned']:.0f} |"
            )
        delivered = len(first_at)
        spent = marks["delivered"].server_cpu - marks["produced"].server_cpu
        if delivered:
            print(
                f"   server CPU per delivery while delivering: {spent / delivered * 1000:.1f} ms "
                "(probe requests included)"
            )
        if not result.complete_at:
            still = statuses.get("PENDING", 0) + statuses.get("FAILED", 0)
            print(
                f"   PARTIAL: {len(got):,} delivered in {span:.0f} s, {still:,} still open "
                "when stopped"
            )
        dump_json(
            args.json,
            {
                "machine": machine(),
                "code": code,
                "options": {k: v for k, v in vars(args).items() if not k.startswith("probe")},
                "received": len(got),
                "requests": len(receipts),
                "duplicates": duplicates,
                "bad_signatures": receiver.bad_signatures,
                "out_of_order_overall": overall,
                "out_of_order_within_ticket": within,
                "span_s": round(span, 2),
                "deliveries_per_s": round(len(got) / span, 2) if span else None,
                "steady_per_s": round(steady, 2),
                "lag_s": {
                    "p50": round(percentile(lags, 50), 3),
                    "p95": round(percentile(lags, 95), 3),
                    "max": round(max(lags, default=float("nan")), 3),
                },
                "max_in_flight": receiver.max_in_flight,
                "rounds": rounds,
                "statuses": dict(statuses),
                "write_s": round(produced.ended - produced.started, 2),
                "progress": result.progress,
                "api": table,
                "load": [
                    {"phase": name, **{k: round(v, 3) for k, v in load.items()}}
                    for (name, _, _), load in zip(phases, loads, strict=True)
                ],
                "load_after": loadavg(),
            },
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
