"""The load the fault tests run while they break things, and what it recorded.

* `Writer`: one client writing through one server process over HTTP, as fast as it
  is answered (with a short pause): `createTicket` with a unique description, or
  `setRemoteDiagnosis` with a unique text on one of its tickets. Every attempt is
  recorded with its outcome: `ok` (acknowledged), `error` (answered with GraphQL
  errors) or `transport` (no answer: refused, reset, timed out), and its latency.
* `Subscriber`: one client following `ticketEvents(since: N)` over graphql-transport-ws
  (the `websockets` library, for close codes), starting from `since: 0`. Whenever its
  connection ends, for whatever reason, it reconnects with `since` = the last sequence
  it received, trying its servers in order; `resume()` drops the connection on purpose
  (a phone changing networks). Every connection attempt is recorded with how it ended.

Neither raises: what they saw is checked afterwards (`checks.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from e2e.client import find_leaks
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CREATE = """
mutation M($input: CreateTicketInput!) { createTicket(input: $input) { id version } }"""
DIAGNOSE = """
mutation M($id: ID!, $text: String!) {
  setRemoteDiagnosis(id: $id, diagnosis: $text) { id version }
}"""
EVENTS = """
subscription S($since: Int) {
  ticketEvents(since: $since) { sequence type ticketId ticketVersion ticket { id version } }
}"""
PROTOCOL = "graphql-transport-ws"

# A request that gets no answer in this long is recorded as `transport` (no answer).
REQUEST_TIMEOUT = 20.0
PAUSE = 0.1  # between one writer's requests (a busy 2-core machine runs everything)
BACKOFF = 0.25  # after a failure, before the next attempt


# -- writers ----------------------------------------------------------------------------


@dataclass
class Attempt:
    writer: str
    server: str
    kind: str  # "create" | "diagnose"
    key: str  # the description (create) or diagnosis text (diagnose): unique
    ticket_id: str | None  # the diagnosed ticket; for a create, the id answered
    started: float
    ended: float = 0.0
    outcome: str = ""  # "ok" | "error" | "transport"
    version: int | None = None  # the ticket's version in the answer
    status: int | None = None  # HTTP status
    errors: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    @property
    def latency(self) -> float:
        return self.ended - self.started

    def describe(self) -> str:
        codes = [(e.get("extensions") or {}).get("code") for e in self.errors]
        return (
            f"{self.writer}@{self.server} {self.kind} {self.key} -> {self.outcome} "
            f"HTTP {self.status} {codes or ''} {self.detail[:300]} "
            f"({self.latency:.2f}s, started at t={self.started:.2f})"
        )


class Writer:
    def __init__(self, name: str, server: Any, token: str, customer_id: str, clock: Clock) -> None:
        self.name = name
        self.server = server  # an e2e.client.Server (its .url and .label); may be replaced
        self.token = token
        self.customer_id = customer_id
        self.clock = clock
        self.attempts: list[Attempt] = []
        self.leaks: list[str] = []
        self._tickets: list[str] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._random = random.Random(name)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"writer {self.name}")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def cancel(self) -> None:
        """Stops at once (a test that failed midway), the request in flight abandoned."""
        self._stop.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
            while not self._stop.is_set():
                attempt = await self._one(http)
                self.attempts.append(attempt)
                await asyncio.sleep(PAUSE if attempt.outcome == "ok" else BACKOFF)

    async def _one(self, http: httpx.AsyncClient) -> Attempt:
        server = self.server
        key = f"{self.name}-{len(self.attempts)}-{secrets.token_hex(3)}"
        if self._tickets and self._random.random() < 0.4:
            ticket_id = self._random.choice(self._tickets)
            attempt = Attempt(self.name, server.label, "diagnose", key, ticket_id, self.clock())
            query, variables = DIAGNOSE, {"id": ticket_id, "text": key}
        else:
            attempt = Attempt(self.name, server.label, "create", key, None, self.clock())
            payload = {
                "kind": "REPAIR",
                "customerId": self.customer_id,
                "severity": 3,
                "description": key,
            }
            query, variables = CREATE, {"input": payload}
        try:
            response = await http.post(
                f"{server.url}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        except httpx.HTTPError as exc:
            attempt.ended = self.clock()
            attempt.outcome = "transport"
            attempt.detail = f"{type(exc).__name__}: {exc}"
            return attempt
        attempt.ended = self.clock()
        attempt.status = response.status_code
        leaks = find_leaks(response.text)
        if leaks:
            self.leaks.append(f"{attempt.describe()} leaked {leaks}: {response.text[:500]}")
        try:
            body = response.json()
        except ValueError:
            attempt.outcome = "error"
            attempt.detail = f"not JSON: {response.text[:300]}"
            return attempt
        attempt.errors = list(body.get("errors") or [])
        result = next(iter((body.get("data") or {}).values()), None)
        if attempt.errors or not isinstance(result, dict):
            attempt.outcome = "error"
            attempt.detail = json.dumps(body)[:300]
            return attempt
        attempt.outcome = "ok"
        attempt.version = result["version"]
        if attempt.kind == "create":
            attempt.ticket_id = result["id"]
            self._tickets.append(result["id"])
        return attempt


# -- subscribers ------------------------------------------------------------------------


@dataclass
class Connection:
    """One connection attempt of a subscriber, and how it ended."""

    url: str
    started: float
    since: int
    acked: bool = False
    ended: float = 0.0
    close_code: int | None = None  # received from the server; None: no close frame
    close_reason: str = ""
    failure: str = ""  # an exception that ended it (refused, timed out...)
    errors: list[dict[str, Any]] = field(default_factory=list)  # `error` messages
    completed: bool = False  # the server sent `complete` (it ended the subscription)
    by_us: bool = False  # we closed it (`resume()` or the end of the test)
    received: int = 0

    def describe(self) -> str:
        return (
            f"{self.url} since={self.since} t={self.started:.2f}..{self.ended:.2f} "
            f"acked={self.acked} received={self.received} close={self.close_code} "
            f"{self.close_reason!r} {self.failure} errors={self.errors} "
            f"completed={self.completed} by_us={self.by_us}"
        )


@dataclass
class Delivery:
    sequence: int
    type: str
    ticket_id: str
    ticket_version: int
    at: float  # when it arrived (test clock)
    errors: list[dict[str, Any]]
    ticket: dict[str, Any] | None


class Subscriber:
    def __init__(self, name: str, urls: list[str], token: str, clock: Clock) -> None:
        self.name = name
        self.urls = urls  # tried in order; the list may be changed while it runs
        self.token = token
        self.clock = clock
        self.last = 0
        self.deliveries: list[Delivery] = []
        self.connections: list[Connection] = []
        self.leaks: list[str] = []
        self.arrived = asyncio.Condition()
        self._ws: ClientConnection | None = None
        self._current: Connection | None = None
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"subscriber {self.name}")

    async def stop(self) -> None:
        self._stop = True
        await self.resume()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def resume(self) -> None:
        """Drops the connection; the subscriber reconnects with `since` = its last."""
        ws, current = self._ws, self._current
        if ws is not None and current is not None:
            current.by_us = True
            with contextlib.suppress(Exception):
                await ws.close()

    async def wait_for(self, sequence: int, within: float) -> bool:
        """Whether it has received up to `sequence` within `within` seconds."""
        async with self.arrived:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait_for(lambda: self.last >= sequence), within)
        return self.last >= sequence

    def arrival_of(self, sequence: int) -> float | None:
        for delivery in self.deliveries:
            if delivery.sequence == sequence:
                return delivery.at
        return None

    async def _run(self) -> None:
        turn = 0
        while not self._stop:
            url = self.urls[turn % len(self.urls)]
            connection = Connection(url=url, started=self.clock(), since=self.last)
            self.connections.append(connection)
            progressed = await self._connect(connection)
            connection.ended = self.clock()
            # The first server again after a connection that delivered; else the next one.
            turn = 0 if progressed else turn + 1
            if not self._stop and not connection.by_us:
                await asyncio.sleep(BACKOFF)

    async def _connect(self, connection: Connection) -> bool:
        """One connection, from connect to close; whether it got acknowledged."""
        try:
            async with connect(
                connection.url,
                subprotocols=[PROTOCOL],  # type: ignore[list-item]
                open_timeout=5,
                close_timeout=2,
                ping_interval=None,
            ) as ws:
                self._ws, self._current = ws, connection
                try:
                    await self._session(ws, connection)
                finally:
                    self._ws = self._current = None
        except ConnectionClosed as exc:
            received = exc.rcvd
            connection.close_code = received.code if received else None
            connection.close_reason = received.reason if received else ""
        except (OSError, TimeoutError) as exc:
            connection.failure = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # recorded; a subscriber never dies
            connection.failure = f"{type(exc).__name__}: {exc}"
        return connection.acked

    async def _session(self, ws: ClientConnection, connection: Connection) -> None:
        init = {"Authorization": f"Bearer {self.token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        while True:
            message = await self._receive(ws)
            if message["type"] == "connection_ack":
                connection.acked = True
                break
        subscribe = {"query": EVENTS, "variables": {"since": self.last}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        while True:
            message = await self._receive(ws)
            kind = message["type"]
            if kind == "next":
                await self._delivered(message.get("payload") or {}, connection)
            elif kind == "error":
                connection.errors.extend(message.get("payload") or [])
                await ws.close()
                return
            elif kind == "complete":
                # The server ended the subscription (after an error it sent): resume.
                connection.completed = True
                await ws.close()
                return

    async def _receive(self, ws: ClientConnection) -> dict[str, Any]:
        while True:
            raw = await ws.recv()
            text = raw if isinstance(raw, str) else raw.decode()
            leaks = find_leaks(text)
            if leaks:
                self.leaks.append(f"{self.name} received {leaks}: {text[:500]}")
            message = json.loads(text)
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            if message.get("type") == "pong":
                continue
            return message

    async def _delivered(self, payload: dict[str, Any], connection: Connection) -> None:
        event = (payload.get("data") or {}).get("ticketEvents")
        errors = list(payload.get("errors") or [])
        if event is None:
            connection.errors.extend(errors or [{"message": f"next without data: {payload}"}])
            return
        connection.received += 1
        self.deliveries.append(
            Delivery(
                sequence=event["sequence"],
                type=event["type"],
                ticket_id=event["ticketId"],
                ticket_version=event["ticketVersion"],
                at=self.clock(),
                errors=errors,
                ticket=event.get("ticket"),
            )
        )
        async with self.arrived:
            self.last = max(self.last, event["sequence"])
            self.arrived.notify_all()


class Clock:
    """Seconds since the scenario started (one clock for every record)."""

    def __init__(self) -> None:
        self.origin = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.origin
