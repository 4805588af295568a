"""Live event fan-out: N websocket subscribers of

    subscription { ticketEvents(since: 0) { sequence type at ticket { id status version
                                                                    assignee { id } } } }

(graphql-transport-ws, one dispatcher user per subscriber, so each receives every
event) on a real `aftersales serve`, then M ticket changes (dispatchTicket over HTTP,
alternating between two engineers, with expectedVersion, one at a time: the next is
made once every subscriber has the previous one, after a short gap). Latency is the
event's `at` (stamped in the server just before the commit) to the moment the client
process reads the message (same machine, same wall clock).

Beside it, the floor measured in the same run with the same client processes: the same
number of sockets subscribed the same way to a plain `websockets` server
(bench/floor_ws.py) that, triggered over HTTP the same way, stamps `at` and sends a
message of the same shape to every socket.

    .venv/bin/python bench/fanout.py                          # 100 and 1,000 subscribers
    .venv/bin/python bench/fanout.py --subscribers 1000 --clients 2
    .venv/bin/python bench/fanout.py --broadcast redis://127.0.0.1:6379
    .venv/bin/python bench/fanout.py --servers 2 --subscribers 10000 --clients 4

With --servers S > 1, S `aftersales serve` processes share the database and a broker
(BROADCAST_URL, default redis://127.0.0.1:6379); subscriber i connects to server
i mod S (no balancer), mutations go to the first server; the floor runs S plain servers.

Figures (all deliveries, and per event the LAST subscriber to receive it):
p50 / p99 / max latency, and deliveries per second during fan-out (N x M deliveries
over the summed time from each event's `at` to its last receipt).

A single Python client process reading 1,000 sockets is itself slow: the receipt time
includes the client's own queueing. --clients C spreads the subscribers over C client
processes (default: one per 500 subscribers, at most 4); the floor is measured with the
same spread, and each process's CPU use is printed so the client share is visible.

Starts and stops everything itself (scratch database from BENCH_DATABASE_URL, dropped
at the end). Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from harness import (
    Process,
    ScratchDatabase,
    dump_json,
    fetch_value,
    loadavg,
    machine,
    percentile,
    plain_dsn,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    start_python_server,
    time_budget,
    workdir,
)

SUBSCRIPTION = (
    "subscription ($since: Int) { ticketEvents(since: $since) "
    "{ sequence type at ticket { id status version assignee { id } } } }"
)
DISPATCH = """mutation ($id: ID!, $engineerId: ID!, $expectedVersion: Int) {
  dispatchTicket(id: $id, engineerId: $engineerId, expectedVersion: $expectedVersion) {
    id status version
  }
}"""


def gid(type_name: str, pk: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


# -- data ----------------------------------------------------------------------------------


@dataclass
class World:
    dispatcher: int
    engineers: tuple[int, int]
    ticket: int
    subscribers: list[int]


async def seed(database_url: str, subscribers: int) -> World:
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import Customer, Device, Ticket, User
    from persistence.types import utcnow

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.info["actor_id"] = None
            now = utcnow()
            dispatcher = User(
                username="bench-dispatcher",
                display_name="Dispatcher",
                role="CUSTOMER_SERVICE",
                password_hash="not-a-login",
            )
            engineers = [
                User(
                    username=f"bench-eng-{i}",
                    display_name=f"Engineer {i}",
                    role="ENGINEER",
                    password_hash="not-a-login",
                )
                for i in (1, 2)
            ]
            customer = Customer(code="FAN-1", name="Fan-out Customer")
            session.add_all([dispatcher, *engineers, customer])
            await session.flush()
            device = Device(
                customer_id=customer.id, brand="Fanuc", model="M-20", serial_number="F1"
            )
            session.add(device)
            await session.flush()
            ticket = Ticket(
                number="T-2026-000001",
                kind="REPAIR",
                status="NEW",
                severity=2,
                source="PHONE",
                customer_id=customer.id,
                device_id=device.id,
                description="spindle alarm",
            )
            session.add(ticket)
            # Subscribers: dispatchers (CUSTOMER_SERVICE) see every ticket event.
            for start in range(0, subscribers, 5000):
                await session.execute(
                    insert(User),
                    [
                        {
                            "username": f"bench-sub-{i:05d}",
                            "display_name": f"Subscriber {i}",
                            "role": "CUSTOMER_SERVICE",
                            "password_hash": "not-a-login",
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i in range(start, min(subscribers, start + 5000))
                    ],
                )
            await session.flush()
            ids = list(
                (
                    await session.scalars(
                        select(User.id).where(User.username.like("bench-sub-%")).order_by(User.id)
                    )
                ).all()
            )
            return World(
                dispatcher=dispatcher.id,
                engineers=(engineers[0].id, engineers[1].id),
                ticket=ticket.id,
                subscribers=ids,
            )
    finally:
        await engine.dispose()


# -- client processes ------------------------------------------------------------------------


def client_process(
    slot: int,
    targets: list[tuple[str, str]],
    since: int,
    counts: Any,
    pipe: Connection,
    connect_concurrency: int,
    use_uvloop: bool,
) -> None:
    """Holds `targets` (ws url, token) subscriptions; counts `next` messages into
    counts[slot]; on "stop" sends back every receipt and its CPU time."""
    run_client(
        _client(slot, targets, since, counts, pipe, connect_concurrency), pipe, uvloop=use_uvloop
    )


def run_client(client: Coroutine[Any, Any, None], pipe: Connection, *, uvloop: bool) -> None:
    """Runs a client process's coroutine, on uvloop when asked and installed; a failure
    is sent to the parent rather than leaving it waiting."""
    run: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    if uvloop:
        try:
            import uvloop as loops

            run = loops.run
        except ImportError:  # pragma: no cover
            pass
    try:
        run(client)
    except Exception as exc:
        pipe.send({"error": repr(exc)})


async def subscribe_all(
    targets: list[tuple[str, str]],
    since: int,
    connect_concurrency: int,
    read: Callable[[int, Any], Coroutine[Any, Any, None]],
    pipe: Connection,
) -> tuple[list[Any], list[asyncio.Task[None]]]:
    """Opens a subscriber per target (`connect_concurrency` at a time; one that fails its
    three attempts is counted, not fatal), starts `read(index, socket)` on each open one
    and tells the parent how it went. Returns (sockets, None where failed; read tasks)."""
    gate = asyncio.Semaphore(connect_concurrency)
    sockets: list[Any] = [None] * len(targets)
    failures: list[str] = []

    async def open_one(index: int, url: str, token: str) -> None:
        async with gate:
            sockets[index], failure = await open_subscriber(url, token, since)
        if failure is not None:
            failures.append(failure)

    started = time.perf_counter()
    await asyncio.gather(*(open_one(i, url, token) for i, (url, token) in enumerate(targets)))
    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets) if ws is not None]
    pipe.send(
        {
            "ready": len(readers),
            "failed": len(failures),
            "first_failure": failures[0] if failures else "",
            "connect_seconds": time.perf_counter() - started,
        }
    )
    return sockets, readers


async def close_all(sockets: list[Any], readers: list[asyncio.Task[None]]) -> None:
    """Closes the open sockets, then ends their readers."""
    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)


async def open_subscriber(url: str, token: str, since: int) -> tuple[Any, str | None]:
    """Connects, authenticates and subscribes to SUBSCRIPTION from `since`, retrying like
    a client would (three attempts): (the socket, None), or (None, why it failed)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    init = json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    subscribe = json.dumps(
        {
            "id": "1",
            "type": "subscribe",
            # Anything after `since` that a late subscription missed is replayed to it.
            "payload": {"query": SUBSCRIPTION, "variables": {"since": since}},
        }
    )
    for attempt in range(3):
        ws = None
        try:
            ws = await connect(
                url,
                subprotocols=["graphql-transport-ws"],
                compression=None,
                ping_interval=None,  # the server pings; the client answers
                open_timeout=120,
                max_queue=None,
            )
            await ws.send(init)
            ack = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            await ws.send(subscribe)
            return ws, None
        except (OSError, TimeoutError, ConnectionClosed, RuntimeError) as exc:
            if ws is not None:
                await ws.close()
            if attempt == 2:
                return None, repr(exc)[:200]
            await asyncio.sleep(1.0 * (attempt + 1))
    raise AssertionError("unreachable")


async def _client(
    slot: int,
    targets: list[tuple[str, str]],
    since: int,
    counts: Any,
    pipe: Connection,
    connect_concurrency: int,
) -> None:
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    receipts: list[list[tuple[float, str]]] = [[] for _ in targets]
    closes: list[str] = []

    async def read(index: int, ws: Any) -> None:
        mine = receipts[index]
        try:
            async for raw in ws:
                now = time.time()
                if '"next"' in raw:
                    mine.append((now, raw))
                    counts[slot] += 1
                elif '"ping"' in raw:
                    await ws.send('{"type":"pong"}')
                elif '"error"' in raw or '"complete"' in raw:
                    closes.append(raw[:300])
        except ConnectionClosed as exc:
            frame = exc.rcvd
            closes.append(f"closed {frame.code}: {frame.reason}" if frame else "closed")

    sockets, readers = await subscribe_all(targets, since, connect_concurrency, read, pipe)
    cpu_ready = time.process_time()
    command = await loop.run_in_executor(None, pipe.recv)
    cpu_used = time.process_time() - cpu_ready
    assert command == "stop", command
    # Parse after the run: the receipt time is taken before any decoding.
    parsed: list[list[tuple[int, float, float]]] = []
    for mine in receipts:
        rows = []
        for received, raw in mine:
            payload = json.loads(raw).get("payload") or {}
            event = (payload.get("data") or {}).get("ticketEvents")
            if not event:  # a result with errors instead of the event
                closes.append(f"next without data: {raw[:300]}")
                continue
            at = datetime.fromisoformat(event["at"]).timestamp()
            rows.append((event["sequence"], at, received))
        parsed.append(rows)
    await close_all(sockets, readers)
    # Closes and errors, counted by kind (the first 150 characters).
    kinds = Counter(close[:150] for close in closes)
    pipe.send({"receipts": parsed, "cpu": cpu_used, "closes": dict(kinds)})


# -- one measured phase -------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    subscribers: int
    events: int
    clients: int
    connect_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    last_per_event: list[float] = field(default_factory=list)
    fanout_seconds: float = 0.0
    missing: int = 0
    client_cpu: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    wall: float = 0.0
    closes: Counter[str] = field(default_factory=Counter)
    label: str = ""
    received: int = 0  # every `next` the clients read, warm-up included
    subscribed: int = 0  # subscribers that got their subscription up
    # PostgreSQL transactions and new connections on the scratch database meanwhile.
    pg_xacts: int = 0
    pg_sessions: int = 0

    def summary(self) -> dict[str, Any]:
        deliveries = len(self.latencies)
        return {
            "target": self.target,
            "subscribers": self.subscribers,
            "subscribed": self.subscribed,
            "events": self.events,
            "client_processes": self.clients,
            "deliveries": deliveries,
            "missing": self.missing,
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=float("nan")) * 1000, 1),
            "last_p50_ms": round(percentile(self.last_per_event, 50) * 1000, 1),
            "last_p99_ms": round(percentile(self.last_per_event, 99) * 1000, 1),
            "deliveries_per_s": round(deliveries / self.fanout_seconds)
            if self.fanout_seconds
            else 0,
            "connect_s": round(self.connect_seconds, 1),
            "client_cpu_us_per_delivery": round(sum(self.client_cpu) / self.received * 1e6)
            if self.received
            else None,
            "server_cpu_ms_per_delivery": round(self.server_cpu / deliveries * 1000, 3)
            if deliveries
            else None,
            "last_per_event_ms": [round(v * 1000) for v in self.last_per_event],
            "pg_xacts_per_s": round(self.pg_xacts / self.wall) if self.wall else None,
            "pg_connections_opened": self.pg_sessions,
            "closes": dict(self.closes.most_common(5)),
        }


def process_cpu(pid: int) -> float:
    import os

    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


class Trigger:
    """Makes the index-th change (warm-up ones included)."""

    async def fire(self, index: int) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class ApiTrigger(Trigger):
    """dispatchTicket over HTTP to the first server, alternating engineers, with
    expectedVersion (the ticket's version lives in `state` across phases)."""

    def __init__(self, server: Process, token: str, world: World, state: dict[str, int]) -> None:
        import httpx

        self.http = httpx.AsyncClient(base_url=server.url, timeout=60)
        self.token = token
        self.world = world
        self.state = state

    async def fire(self, index: int) -> None:
        self.state["changes"] += 1
        engineer = self.world.engineers[self.state["changes"] % 2]
        response = await self.http.post(
            "/graphql",
            json={
                "query": DISPATCH,
                "variables": {
                    "id": gid("Ticket", self.world.ticket),
                    "engineerId": gid("User", engineer),
                    "expectedVersion": self.state["version"],
                },
            },
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"dispatchTicket failed: {body['errors']}")
        self.state["version"] = body["data"]["dispatchTicket"]["version"]

    async def close(self) -> None:
        await self.http.aclose()


class FloorTrigger(Trigger):
    """GET /trigger on every floor server at once (each stamps `at` and broadcasts)."""

    def __init__(self, servers: list[Process], world: World, state: dict[str, int]) -> None:
        import httpx

        self.http = httpx.AsyncClient(timeout=60)
        self.servers = servers
        self.world = world
        self.state = state

    async def fire(self, index: int) -> None:
        self.state["floor"] += 1
        params = {
            "sequence": str(self.state["floor"]),
            "version": str(self.state["floor"] + 1),
            "assignee": gid("User", self.world.engineers[self.state["floor"] % 2]),
            "type": "TICKET_REASSIGNED",
        }
        answers = await asyncio.gather(
            *(self.http.get(server.url + "/trigger", params=params) for server in self.servers)
        )
        for answer in answers:
            answer.raise_for_status()

    async def close(self) -> None:
        await self.http.aclose()


def run_phase(
    target: str,
    urls: list[str],
    tokens: list[str],
    trigger_factory: Any,
    servers: list[Process],
    *,
    since: int,
    events: int,
    warmup: int,
    clients: int,
    gap: float,
    event_timeout: float,
    connect_concurrency: int,
    use_uvloop: bool = True,
    pg: ScratchDatabase | None = None,
) -> Result:
    n = len(tokens)
    result = Result(target=target, subscribers=n, events=events, clients=clients)
    ctx = mp.get_context("spawn")
    counts = ctx.Array("q", clients, lock=False)
    assignments: list[list[tuple[str, str]]] = [[] for _ in range(clients)]
    for i, token in enumerate(tokens):
        assignments[i % clients].append((urls[i % len(urls)], token))
    pipes: list[Connection] = []
    procs = []
    for slot in range(clients):
        parent_end, child_end = ctx.Pipe()
        proc = ctx.Process(
            target=client_process,
            args=(
                slot,
                assignments[slot],
                since,
                counts,
                child_end,
                connect_concurrency,
                use_uvloop,
            ),
            daemon=True,
        )
        proc.start()
        pipes.append(parent_end)
        procs.append(proc)
    try:
        for pipe in pipes:
            if not pipe.poll(max(120.0, n / 20)):
                raise RuntimeError(f"{target}: a client process did not get its sockets ready")
            ready = pipe.recv()
            if "error" in ready:
                raise RuntimeError(f"{target}: client process failed: {ready['error']}")
            result.connect_seconds = max(result.connect_seconds, ready["connect_seconds"])
            result.subscribed += ready["ready"]
            if ready["failed"]:
                result.closes[
                    f"could not subscribe after 3 attempts, e.g. {ready['first_failure']}"
                ] += ready["failed"]
        print(
            f"   {target}: {result.subscribed} of {n} subscribers subscribed in "
            f"{result.connect_seconds:.1f} s (load average {loadavg()})",
            flush=True,
        )
        live = result.subscribed
        if not live:
            for pipe in pipes:
                pipe.send("stop")
            return result
        measured = asyncio.run(
            _drive(trigger_factory(), counts, live, events, warmup, gap, event_timeout, servers, pg)
        )
        result.wall, result.server_cpu, late, (result.pg_xacts, result.pg_sessions) = measured
        if late:
            print(f"   {target}: {late} change(s) did not reach every subscriber in time")
        for pipe in pipes:
            pipe.send("stop")
        receipts: list[tuple[int, float, float]] = []
        for pipe in pipes:
            if not pipe.poll(300):
                raise RuntimeError(f"{target}: a client process did not report")
            report = pipe.recv()
            if "error" in report:
                raise RuntimeError(f"{target}: client process failed: {report['error']}")
            result.client_cpu.append(report["cpu"])
            result.closes.update(report["closes"])
            for subscriber in report["receipts"]:
                receipts += subscriber
                result.received += len(subscriber)
        # The changes came one at a time, in order: after the warm-up ones, the next
        # `events` sequences are the measured ones.
        sequences = sorted({sequence for sequence, _, _ in receipts})[warmup : warmup + events]
        per_event: dict[int, list[float]] = {sequence: [] for sequence in sequences}
        ats: dict[int, float] = {}
        last: dict[int, float] = {}
        for sequence, at, received in receipts:
            if sequence in per_event:
                per_event[sequence].append(received - at)
                ats[sequence] = at
                last[sequence] = max(last.get(sequence, 0.0), received)
        # Missing: deliveries a subscribed client never got (unsubscribed ones are counted
        # apart, in `subscribed`).
        result.missing = live * (events - len(sequences))
        for sequence, latencies in per_event.items():
            result.latencies += latencies
            result.missing += live - len(latencies)
            if latencies:
                result.last_per_event.append(max(latencies))
                result.fanout_seconds += last[sequence] - ats[sequence]
        return result
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()


async def _drive(
    trigger: Trigger,
    counts: Any,
    n: int,
    events: int,
    warmup: int,
    gap: float,
    event_timeout: float,
    servers: list[Process],
    pg: ScratchDatabase | None,
) -> tuple[float, float, int, tuple[int, int]]:
    """Fires the warm-up then the measured changes, each once the previous one reached
    every subscriber (or timed out). Returns (measured wall time, the servers' CPU
    seconds meanwhile, how many changes timed out, (PostgreSQL transactions, new
    connections) meanwhile)."""
    late = 0
    wall0 = time.perf_counter()
    cpu0 = 0.0
    pg0 = (0, 0)
    try:
        for index in range(warmup + events):
            if index == warmup:
                pg0 = await pg_activity(pg)
                cpu0 = sum(process_cpu(s.popen.pid) for s in servers)
                wall0 = time.perf_counter()
            expected = sum(counts) + n
            await trigger.fire(index)
            # The first warm-up change also waits for every subscription to be live.
            deadline = time.monotonic() + event_timeout * (4 if index == 0 else 1)
            # The counters live in shared memory, written by the client processes: polled.
            while sum(counts) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            if sum(counts) < expected:
                late += 1
            await asyncio.sleep(gap)
        wall = time.perf_counter() - wall0
        cpu = sum(process_cpu(s.popen.pid) for s in servers) - cpu0
        pg1 = await pg_activity(pg)
    finally:
        await trigger.close()
    return wall, cpu, late, (pg1[0] - pg0[0], pg1[1] - pg0[1])


async def pg_activity(db: ScratchDatabase | None) -> tuple[int, int]:
    """(transactions, connections ever opened) on the scratch database; PostgreSQL
    publishes these counters with up to a second or so of delay: approximate."""
    if db is None:
        return 0, 0
    import asyncpg

    conn = await asyncpg.connect(db.admin_dsn, timeout=10)
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit + xact_rollback AS xacts, sessions FROM pg_stat_database "
            "WHERE datname = $1",
            db.name,
        )
        return int(row["xacts"]), int(row["sessions"])
    finally:
        await conn.close()


# -- main -------------------------------------------------------------------------------------


def print_table(pairs: list[tuple[Result, Result]]) -> None:
    print(
        "\n| subscribers (subscribed API / floor) | servers x clients "
        "| API all p50 / p99 / max ms | API last p50 / p99 ms | API deliveries/s "
        "| floor all p50 / p99 / max ms | floor last p50 / p99 ms | floor deliveries/s "
        "| last-subscriber ratio p50 / p99 | missing API / floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for api, floor in pairs:
        a, f = api.summary(), floor.summary()
        r50 = a["last_p50_ms"] / f["last_p50_ms"] if f["last_p50_ms"] else float("nan")
        r99 = a["last_p99_ms"] / f["last_p99_ms"] if f["last_p99_ms"] else float("nan")
        cells = [
            f"{a['subscribers']} ({a['subscribed']} / {f['subscribed']})",
            api.label,
            f"{a['p50_ms']} / {a['p99_ms']} / {a['max_ms']}",
            f"{a['last_p50_ms']} / {a['last_p99_ms']}",
            str(a["deliveries_per_s"]),
            f"{f['p50_ms']} / {f['p99_ms']} / {f['max_ms']}",
            f"{f['last_p50_ms']} / {f['last_p99_ms']}",
            str(f["deliveries_per_s"]),
            f"{r50:.1f}x / {r99:.1f}x",
            f"{a['missing']} / {f['missing']}",
        ]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description="Live event fan-out benchmark (prints figures).")
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--events", type=int, default=30, help="measured changes per run")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured changes first")
    parser.add_argument("--gap", type=float, default=0.2, help="pause after each delivery (s)")
    parser.add_argument(
        "--clients", type=int, default=0, help="client processes (0: one per 500, at most 4)"
    )
    parser.add_argument("--servers", type=int, default=1, help="API server processes")
    parser.add_argument(
        "--broadcast",
        default="",
        help="BROADCAST_URL (default memory://, or redis://127.0.0.1:6379 with --servers > 1)",
    )
    parser.add_argument("--event-timeout", type=float, default=30.0)
    parser.add_argument("--connect-concurrency", type=int, default=64, help="per client process")
    parser.add_argument(
        "--asyncio-clients",
        action="store_true",
        help="client processes on the plain asyncio loop instead of uvloop (slower clients)",
    )
    parser.add_argument("--budget", type=float, default=900.0, help="hard limit for the run (s)")
    parser.add_argument("--profile", help="cProfile the (first) API server into this file")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    broadcast = args.broadcast or ("redis://127.0.0.1:6379" if args.servers > 1 else "memory://")
    if args.servers > 1 and broadcast.startswith("memory"):
        raise SystemExit("several server processes need a shared broker (--broadcast redis://...)")

    from resolvers.accounts.tokens import issue_token

    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/fanout.py: live event fan-out")
        print(
            f"   scratch database {db.name}; {args.servers} API process(es), "
            f"BROADCAST_URL={broadcast}"
        )
        check_connection_headroom(db, args.servers)
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        world = asyncio.run(seed(db.url, max(args.subscribers)))
        tokens = [
            issue_token(secret, user_id=uid, token_version=1, ttl_minutes=240)
            for uid in world.subscribers
        ]
        dispatcher_token = issue_token(
            secret, user_id=world.dispatcher, token_version=1, ttl_minutes=240
        )
        servers: list[Process] = []
        floors: list[Process] = []
        pairs: list[tuple[Result, Result]] = []
        try:
            for i in range(args.servers):
                profile = Path(args.profile).resolve() if args.profile and i == 0 else None
                servers.append(
                    start_app_server(
                        f"api{i}",
                        database_url=db.url,
                        secret_key=secret,
                        workdir=cwd,
                        broadcast_url=broadcast,
                        profile=profile,
                        # Every subscriber connects from this one address: the per-address
                        # handshake rate (a policy, not a cost) would refuse them.
                        extra_env={"HTTP_REQUESTS_PER_SECOND": "1000000", "HTTP_BURST": "1000000"},
                    )
                )
                floors.append(
                    start_python_server(
                        f"floor{i}",
                        "floor_ws.py",
                        ["--ticket", gid("Ticket", world.ticket)],
                        workdir=cwd,
                    )
                )
            api_urls = ["ws" + s.url.removeprefix("http") + "/graphql" for s in servers]
            floor_urls = ["ws" + s.url.removeprefix("http") + "/" for s in floors]
            state = {"version": 1, "changes": 0, "floor": 0}
            for n in args.subscribers:
                clients = args.clients or min(4, max(1, n // 500))
                label = f"{args.servers} x {clients}"
                print(f"\n-- {n} subscribers ({label}; load average {loadavg()})")
                common = {
                    "events": args.events,
                    "warmup": args.warmup,
                    "clients": clients,
                    "gap": args.gap,
                    "event_timeout": args.event_timeout,
                    "connect_concurrency": args.connect_concurrency,
                    "use_uvloop": not args.asyncio_clients,
                }
                api = run_phase(
                    "api",
                    api_urls,
                    tokens[:n],
                    lambda: ApiTrigger(servers[0], dispatcher_token, world, state),
                    servers,
                    since=asyncio.run(last_sequence(db.url)),
                    pg=db,
                    **common,
                )
                print_one(api)
                floor = run_phase(
                    "floor",
                    floor_urls,
                    tokens[:n],
                    lambda: FloorTrigger(floors, world, state),
                    floors,
                    since=0,
                    **common,
                )
                print_one(floor)
                api.label = floor.label = label
                pairs.append((api, floor))
        finally:
            for process in [*floors, *servers]:
                process.stop()
            if args.profile:
                print(f"   cProfile of the first API server written to {args.profile}")
        print_table(pairs)
        print(
            "\nTargets: last subscriber's p50 and p99 within 2x the floor at 1,000 subscribers; "
            "10,000 subscribers over 2-4 processes with p99 < 1 s."
        )
        dump_json(
            args.json,
            {
                "machine": machine(),
                "servers": args.servers,
                "broadcast": broadcast.split("://")[0],
                "runs": [{"api": a.summary(), "floor": f.summary()} for a, f in pairs],
                "load_after": loadavg(),
            },
        )


def print_one(result: Result) -> None:
    s = result.summary()
    print(
        f"   {s['target']:5s}: {s['subscribed']} of {s['subscribers']} subscribed in "
        f"{s['connect_s']} s; all p50 {s['p50_ms']} ms, p99 "
        f"{s['p99_ms']} ms, max {s['max_ms']} ms; last subscriber p50 {s['last_p50_ms']} ms, "
        f"p99 {s['last_p99_ms']} ms; {s['deliveries_per_s']} deliveries/s; missing "
        f"{s['missing']}"
    )
    print(
        f"          server CPU {s['server_cpu_ms_per_delivery']} ms/delivery, client CPU "
        f"{s['client_cpu_us_per_delivery']} us/delivery"
        + (
            f", PostgreSQL {s['pg_xacts_per_s']} transactions/s and "
            f"{s['pg_connections_opened']} new connections meanwhile"
            if result.target == "api"
            else ""
        )
        + f" (load {loadavg()})"
    )
    print(f"          last subscriber per event (ms): {s['last_per_event_ms']}")
    for close, count in result.closes.most_common(4):
        print(f"     note: {count} x {close}")


async def last_sequence(database_url: str) -> int:
    dsn = plain_dsn(database_url)
    return int(await fetch_value(dsn, "SELECT coalesce(max(sequence), 0) FROM events"))


def check_connection_headroom(db: ScratchDatabase, servers: int) -> None:
    from harness import pg_connections

    now, limit = asyncio.run(pg_connections(db.admin_dsn))
    # Each server's pool may open up to 30 connections (10 + 20 overflow).
    if now + servers * 30 > limit - 5:
        print(
            f"   warning: {now} of {limit} PostgreSQL connections in use; {servers} server(s) "
            f"may open up to {servers * 30} more (shared machine: other work could be refused)"
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
