"""One fault scenario's load and its final checks.

`Run(servers)`: a customer, and on every server process two writers (each a
CUSTOMER_SERVICE user of its own) and two subscribers (dispatchers: they see every
ticket event) that follow `ticketEvents` from `since: 0`: a *stayer*, which keeps its
connection as long as the server does, and a *resumer*, which the scenario makes drop
its connection after each fault (`resume()`) and come back with `since`. A subscriber
whose server goes away tries the next one.

`finish()` stops the writers, reads the database, waits (bounded) until every
subscriber has caught up, opens a fresh `ticketEvents(since: 0)` on each live server,
and checks records, attempts and every subscriber (`checks.py`).

Probes used while something is down: `readiness`, `probe_mutation`, `probe_websocket`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
from collections.abc import Iterable
from typing import Any

import httpx
from e2e import records_helpers as rh
from e2e.client import Server, find_leaks
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .checks import (
    Problems,
    World,
    check_attempts,
    check_records,
    check_subscriber,
    read_world,
)
from .workload import PROTOCOL, Attempt, Clock, Subscriber, Writer

CATCH_UP = 15.0  # bound for a subscriber to receive what is committed (normally < 2 s)
RETRYABLE_CLOSES = {1013, 4503}  # "try again later": what a refused websocket gets


# Every Run of the current test: conftest stops what is still running after the test,
# passed or not (the event loop outlives the test).
RUNS: list[Run] = []


class Run:
    def __init__(self, servers: list[Server]) -> None:
        RUNS.append(self)
        self.servers = list(servers)
        self.clock = Clock()
        self.problems = Problems()
        self.admin = servers[0]
        customer = rh.create_customer(self.admin)
        self.writers: list[Writer] = []
        self.subscribers: list[Subscriber] = []
        self.stayers: dict[str, Subscriber] = {}
        self.resumers: dict[str, Subscriber] = {}
        self.world: World | None = None
        for server in servers:
            label = server.label  # type: ignore[attr-defined]
            for i in (1, 2):
                user = self.admin.make_user("CUSTOMER_SERVICE")
                self.writers.append(
                    Writer(f"w{label}{i}", server, user.token, customer["id"], self.clock)
                )
            others = [s.ws_url for s in servers if s is not server]
            for kind, group in (("stay", self.stayers), ("resume", self.resumers)):
                user = self.admin.make_user("CUSTOMER_SERVICE")
                subscriber = Subscriber(
                    f"{kind}{label}", [server.ws_url, *others], user.token, self.clock
                )
                group[label] = subscriber
                self.subscribers.append(subscriber)

    # -- running -----------------------------------------------------------------

    async def start(self) -> None:
        for subscriber in self.subscribers:
            subscriber.start()
        for writer in self.writers:
            writer.start()

    async def resume(self) -> None:
        """Every resumer drops its connection and comes back with `since`."""
        for subscriber in self.resumers.values():
            await subscriber.resume()

    def attempts(self, since: float = 0.0, until: float = float("inf")) -> list[Attempt]:
        return [
            a for w in self.writers for a in w.attempts if since <= a.started and a.ended <= until
        ]

    def writers_on(self, label: str) -> list[Writer]:
        return [w for w in self.writers if w.server.label == label]

    async def cancel(self) -> None:
        """Stops every writer and subscriber at once (after the test, whatever happened)."""
        for writer in self.writers:
            await writer.cancel()
        for subscriber in self.subscribers:
            await subscriber.stop()

    # -- the end -----------------------------------------------------------------

    async def finish(self, live: Iterable[Server] | None = None) -> World:
        """Stops the writers, reads the table, checks everything (into `problems`)."""
        live = list(live if live is not None else self.servers)
        for writer in self.writers:
            await writer.stop()
        world = self.world = await asyncio.to_thread(read_world, live[0], self.admin.admin_token)
        late = [
            s.name
            for s, ok in zip(
                self.subscribers,
                await asyncio.gather(*(s.wait_for(world.last, CATCH_UP) for s in self.subscribers)),
                strict=True,
            )
            if not ok
        ]
        self.problems.check(
            not late,
            f"subscribers {late} had not received up to sequence {world.last} "
            f"{CATCH_UP}s after the writers stopped: "
            + "; ".join(f"{s.name} at {s.last}" for s in self.subscribers if s.name in late),
        )
        for subscriber in self.subscribers:
            await subscriber.stop()
        fresh: list[Subscriber] = []
        for server in live:
            token = self.subscribers[0].token
            subscriber = Subscriber(f"fresh{server.label}", [server.ws_url], token, self.clock)  # type: ignore[attr-defined]
            subscriber.start()
            fresh.append(subscriber)
        for subscriber in fresh:
            self.problems.check(
                await subscriber.wait_for(world.last, CATCH_UP),
                f"{subscriber.name}: a fresh ticketEvents(since: 0) reached only "
                f"{subscriber.last} of {world.last}",
            )
            await subscriber.stop()

        attempts = self.attempts()
        check_records(world, attempts, self.problems)
        check_attempts(world, attempts, self.problems)
        for subscriber in [*self.subscribers, *fresh]:
            check_subscriber(subscriber, world, self.problems)
        leaks = [leak for w in self.writers for leak in w.leaks]
        self.problems.check(not leaks, f"answers leaked internals: {leaks[:3]}")
        self.summarise(attempts, world)
        return world

    def summarise(self, attempts: list[Attempt], world: World) -> None:
        outcomes: dict[str, int] = {}
        for attempt in attempts:
            outcomes[attempt.outcome] = outcomes.get(attempt.outcome, 0) + 1
        ok = [a.latency for a in attempts if a.outcome == "ok"]
        self.problems.note(
            f"{len(attempts)} mutations {outcomes}; {len(world.events)} events; "
            f"latency of acknowledged ones: median {statistics.median(ok) if ok else 0:.3f}s, "
            f"max {max(ok, default=0):.3f}s; t={self.clock():.1f}s"
        )
        for subscriber in self.subscribers:
            ends = [c for c in subscriber.connections if not c.by_us]
            self.problems.note(
                f"{subscriber.name}: {len(subscriber.deliveries)} deliveries over "
                f"{len(subscriber.connections)} connections; not closed by us: "
                + "; ".join(c.describe() for c in ends[:6])
            )

    def event_of_create(self, attempt: Attempt) -> int | None:
        """The TICKET_CREATED sequence of an acknowledged create (after `finish`)."""
        assert self.world is not None
        ticket = self.world.tickets.get(attempt.ticket_id or "")
        if ticket is None:
            return None
        return next(
            (e["sequence"] for e in ticket["history"] if e["type"] == "TICKET_CREATED"), None
        )

    def delivery_delays(
        self, origin: str, subscriber: Subscriber, since: float, until: float
    ) -> list[float]:
        """For creates acknowledged by `origin` in [since, until]: how long after the
        answer `subscriber` (on another process) received the event (after `finish`)."""
        delays = []
        for writer in self.writers_on(origin):
            for attempt in writer.attempts:
                if attempt.kind != "create" or attempt.outcome != "ok":
                    continue
                if not since <= attempt.ended <= until:
                    continue
                sequence = self.event_of_create(attempt)
                arrived = subscriber.arrival_of(sequence) if sequence else None
                if arrived is not None:
                    delays.append(arrived - attempt.ended)
        return delays


# -- probes -----------------------------------------------------------------------------


async def readiness(server: Server, within: float = 5.0) -> tuple[int | None, str]:
    """(status, body) of GET /readyz; (None, error) when nothing answered in time."""
    try:
        async with httpx.AsyncClient(timeout=within) as http:
            response = await http.get(f"{server.url}/readyz")
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, response.text[:300]


async def wait_ready(servers: Iterable[Server], within: float) -> dict[str, Any]:
    """Waits until every server's /readyz is 200; returns the last answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    answers: dict[str, Any] = {}
    pending = list(servers)
    while pending and loop.time() < deadline:
        for server in list(pending):
            status, body = await readiness(server, within=3)
            answers[server.label] = (status, body)  # type: ignore[attr-defined]
            if status == 200:
                pending.remove(server)
        if pending:
            await asyncio.sleep(0.2)
    return {"ready": not pending, "answers": answers}


async def probe_mutation(server: Server, token: str, customer_id: str) -> dict[str, Any]:
    """One createTicket: {"status", "body" | "failure", "seconds"} (nothing raised)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    payload = {"kind": "REPAIR", "customerId": customer_id, "severity": 3, "description": "probe"}
    body = {
        "query": "mutation M($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
        "variables": {"input": payload},
    }
    try:
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(
                f"{server.url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.HTTPError as exc:
        return {"failure": f"{type(exc).__name__}: {exc}", "seconds": loop.time() - started}
    answer: dict[str, Any] = {"status": response.status_code, "seconds": loop.time() - started}
    answer["leaks"] = find_leaks(response.text)
    try:
        answer["body"] = response.json()
    except ValueError:
        answer["body"] = {"text": response.text[:300]}
    return answer


async def probe_websocket(server: Server, token: str, within: float = 10.0) -> dict[str, Any]:
    """A new websocket: connection_init, then a subscription if acknowledged; returns
    how it went: {"acked", "close_code", "close_reason", "messages", "failure"}."""
    result: dict[str, Any] = {"acked": False, "close_code": None, "messages": [], "failure": ""}

    async def talk() -> None:
        async with connect(
            server.ws_url,
            subprotocols=[PROTOCOL],
            open_timeout=5,
            close_timeout=2,  # type: ignore[list-item]
        ) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            while True:
                message = json.loads(await ws.recv())
                result["messages"].append(message)
                if message.get("type") == "connection_ack" and not result["acked"]:
                    result["acked"] = True
                    subscribe = {
                        "query": "subscription { ticketEvents(since: 0) { sequence } }",
                    }
                    await ws.send(
                        json.dumps({"id": "p", "type": "subscribe", "payload": subscribe})
                    )
                elif message.get("type") in ("error", "next", "complete"):
                    return

    try:
        await asyncio.wait_for(talk(), within)
    except ConnectionClosed as exc:
        if exc.rcvd is not None:
            result["close_code"], result["close_reason"] = exc.rcvd.code, exc.rcvd.reason
        else:
            result["failure"] = "closed without a close frame (1006)"
    except TimeoutError:
        result["failure"] = f"neither refused nor served within {within}s"
    except Exception as exc:
        result["failure"] = f"{type(exc).__name__}: {exc}"
    with contextlib.suppress(Exception):
        result["messages"] = result["messages"][:3]
    return result


def error_codes(body: dict[str, Any]) -> list[Any]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
