"""Truly concurrent requests against a running server: compare-and-swap versions,
idempotency keys and event sequences under contention.

Every burst is released at once: each request waits behind one gate (an
`asyncio.Event`) on its own already-open keep-alive connection until all of them
are ready, then all are sent together. A burst must end with exactly one winner,
every loser a CONFLICT carrying the state the winner left (`currentStatus`,
`currentVersion`), never a 500, never an internal error (on SQLite, concurrent
writers queue on BEGIN IMMEDIATE: no "database is locked" may leak), and the
history must hold exactly one new event.

Runs on both backends (the shared `server` fixture); the PostgreSQL half is the
one that matters (row locks, READ COMMITTED, connection pool), SQLite proves the
writers queue instead of failing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from .client import Server, UserHandle, assert_ok, check_no_leak, error_code, errors, unique_name
from .records_helpers import create_customer

TICKET = "id status version assignee { id }"
CREATE = f"""
mutation M($input: CreateTicketInput!) {{ createTicket(input: $input) {{ {TICKET} number }} }}"""
DISPATCH = f"""
mutation M($id: ID!, $engineerId: ID!, $expectedVersion: Int) {{
  dispatchTicket(id: $id, engineerId: $engineerId, expectedVersion: $expectedVersion) {{
    {TICKET}
  }}
}}"""
ACKNOWLEDGE = f"""
mutation M($id: ID!, $expectedVersion: Int, $idempotencyKey: String) {{
  acknowledgeTicket(id: $id, expectedVersion: $expectedVersion, idempotencyKey: $idempotencyKey) {{
    {TICKET}
  }}
}}"""
CHECK_IN = f"""
mutation M($id: ID!, $expectedVersion: Int) {{
  checkIn(ticketId: $id, latitude: 30.25, longitude: 120.17, expectedVersion: $expectedVersion) {{
    {TICKET}
  }}
}}"""
WORK = f"""
mutation M($id: ID!, $expectedVersion: Int) {{
  addWorkRecord(
    ticketId: $id,
    expectedVersion: $expectedVersion,
    input: {{
      startedAt: "2026-03-01T08:00:00+08:00", endedAt: "2026-03-01T10:00:00+08:00",
      details: "replaced the servo amplifier"
    }}
  ) {{ {TICKET} }}
}}"""
REQUEST_CLOSE = f"""
mutation M($id: ID!, $expectedVersion: Int) {{
  requestClose(id: $id, summary: "fixed", expectedVersion: $expectedVersion) {{ {TICKET} }}
}}"""
DIAGNOSE = f"""
mutation M($id: ID!) {{ setRemoteDiagnosis(id: $id, diagnosis: "sentinel") {{ {TICKET} }} }}"""
STATE = f"""
query Q($id: ID!) {{
  ticket(id: $id) {{ {TICKET} history {{ sequence type ticket {{ status version }} }} }}
}}"""
COUNT = "query Q($search: String) { tickets(first: 50, filter: {search: $search}) { totalCount } }"
TICKET_EVENTS = """
subscription S($since: Int) {
  ticketEvents(since: $since) { sequence type ticket { id status version } }
}"""

CONFLICT = "CONFLICT"
TRANSPORT_WS = "graphql-transport-ws"
# Nothing here may take longer; a hung request or subscription fails with this bound.
WAIT = 30.0


# -- concurrent HTTP -----------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    query: str
    variables: dict[str, Any]
    token: str
    label: str


@dataclass(frozen=True)
class Answer:
    call: Call
    http_status: int
    body: dict[str, Any]
    sent: float
    received: float

    @property
    def ok(self) -> bool:
        return not errors(self.body)

    @property
    def code(self) -> str | None:
        return error_code(self.body)

    def result(self) -> dict[str, Any]:
        data = assert_ok(self.body)
        (value,) = data.values()
        return value

    def extensions(self) -> dict[str, Any]:
        return errors(self.body)[0].get("extensions") or {}

    def __str__(self) -> str:
        return f"{self.call.label}: HTTP {self.http_status} {json.dumps(self.body)[:600]}"


@asynccontextmanager
async def http_client(server: Server, connections: int) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with server.async_http(limits=limits) as http:
        # Open every connection now (each of these holds one until all have started),
        # so that the burst itself is not staggered by TCP handshakes.
        warm = [
            http.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers=Server.headers_for(server.admin_token),
            )
            for _ in range(connections)
        ]
        for response in await asyncio.gather(*warm):
            assert response.status_code == 200, response.text
        yield http


async def burst(http: httpx.AsyncClient, calls: list[Call]) -> list[Answer]:
    """Sends every call at once: each task waits at one gate until all are waiting."""
    waiting = 0
    all_waiting, gate = asyncio.Event(), asyncio.Event()

    async def one(call: Call) -> Answer:
        nonlocal waiting
        waiting += 1
        if waiting == len(calls):
            all_waiting.set()
        await gate.wait()
        sent = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": call.query, "variables": call.variables},
            headers=Server.headers_for(call.token),
        )
        received = time.perf_counter()
        try:
            body = response.json()
        except ValueError:
            body = {"errors": [{"message": f"not JSON: {response.text[:300]}"}]}
        return Answer(call, response.status_code, body, sent, received)

    tasks = [asyncio.create_task(one(call)) for call in calls]
    try:
        await asyncio.wait_for(all_waiting.wait(), WAIT)
        gate.set()
        return await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
    finally:
        for task in tasks:
            task.cancel()


def peak_in_flight(answers: list[Answer]) -> int:
    """The most requests that were in flight at one moment (the burst really overlapped)."""
    edges = sorted(
        [(a.sent, 1) for a in answers] + [(a.received, -1) for a in answers],
        key=lambda edge: (edge[0], edge[1]),
    )
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def check_answers(answers: list[Answer]) -> tuple[list[Answer], list[Answer]]:
    """(winners, losers); fails on anything but HTTP 200 with data or a CONFLICT."""
    bad = [
        a
        for a in answers
        if a.http_status != 200 or (not a.ok and a.code != CONFLICT) or "locked" in str(a).lower()
    ]
    assert not bad, "answers other than success or CONFLICT:\n" + "\n".join(map(str, bad))
    assert peak_in_flight(answers) > 1, "the burst did not overlap at all"
    return [a for a in answers if a.ok], [a for a in answers if not a.ok]


def check_losers(losers: list[Answer], status: str, version: int) -> None:
    wrong = [
        a
        for a in losers
        if a.extensions().get("currentStatus") != status
        or a.extensions().get("currentVersion") != version
    ]
    assert not wrong, f"CONFLICTs not carrying {status} v{version}:\n" + "\n".join(map(str, wrong))


class LogWatch:
    """The part of the server's log written since it was made: no trace, no lock error."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.start = len(server.log_text())

    def check(self) -> None:
        written = self.server.log_text()[self.start :]
        for marker in ("Traceback", "database is locked", "deadlock detected"):
            assert marker not in written, f"server log has {marker!r}:\n{written[-4000:]}"


# -- the world -------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    customer_id: str
    engineer: UserHandle
    other_engineer: UserHandle


def make_world(server: Server) -> World:
    customer = create_customer(server)
    return World(customer["id"], server.make_user("ENGINEER"), server.make_user("ENGINEER"))


def new_ticket(server: Server, world: World, **fields: Any) -> dict[str, Any]:
    payload = {"kind": "REPAIR", "customerId": world.customer_id, "description": unique_name("t")}
    payload.update(fields)
    return server.admin(CREATE, {"input": payload})["createTicket"]


def dispatched_ticket(server: Server, world: World) -> dict[str, Any]:
    ticket = new_ticket(server, world)
    variables = {"id": ticket["id"], "engineerId": world.engineer.id, "expectedVersion": 1}
    dispatched = server.admin(DISPATCH, variables)["dispatchTicket"]
    assert (dispatched["status"], dispatched["version"]) == ("DISPATCHED", 2), dispatched
    return dispatched


def state(server: Server, ticket_id: str) -> dict[str, Any]:
    return server.admin(STATE, {"id": ticket_id})["ticket"]


def check_history(history: list[dict[str, Any]]) -> None:
    """Strictly increasing sequences; each event's version one more than the last."""
    sequences = [e["sequence"] for e in history]
    assert sequences == sorted(set(sequences)), f"history out of order: {history}"
    versions = [e["ticket"]["version"] for e in history]
    assert versions == list(range(1, len(history) + 1)), f"versions skip: {history}"


def interleave(*groups: list[Call]) -> list[Call]:
    """a1 b1 a2 b2 ...: neither kind gets the head start of being created first."""
    out: list[Call] = []
    for index in range(max(len(g) for g in groups)):
        out.extend(g[index] for g in groups if index < len(g))
    return out


# -- one ticket, many hands ----------------------------------------------------------


async def test_parallel_acknowledges_and_reassigns_with_expected_version_one_wins(
    server: Server,
) -> None:
    world = make_world(server)
    ticket = dispatched_ticket(server, world)
    before = state(server, ticket["id"])
    version = ticket["version"]
    acks = [
        Call(
            ACKNOWLEDGE,
            {"id": ticket["id"], "expectedVersion": version},
            world.engineer.token,
            f"ack{i}",
        )
        for i in range(20)
    ]
    reassign = {
        "id": ticket["id"],
        "engineerId": world.other_engineer.id,
        "expectedVersion": version,
    }
    dispatches = [Call(DISPATCH, reassign, server.admin_token, f"dispatch{i}") for i in range(10)]
    calls = interleave(acks, dispatches)
    log = LogWatch(server)

    async with http_client(server, len(calls)) as http:
        answers = await burst(http, calls)

    winners, losers = check_answers(answers)
    assert len(winners) == 1, "expected exactly one winner:\n" + "\n".join(map(str, winners))
    (winner,) = winners
    result = winner.result()
    after = state(server, ticket["id"])
    if winner.call.query == ACKNOWLEDGE:
        expected = ("ACCEPTED", version + 1, world.engineer.id, "TICKET_ACKNOWLEDGED")
    else:
        expected = ("DISPATCHED", version + 1, world.other_engineer.id, "TICKET_REASSIGNED")
    assert (result["status"], result["version"], result["assignee"]["id"]) == expected[:3]
    assert (after["status"], after["version"], after["assignee"]["id"]) == expected[:3], after
    assert len(losers) == len(calls) - 1
    check_losers(losers, after["status"], after["version"])
    new_events = after["history"][len(before["history"]) :]
    assert after["history"][: len(before["history"])] == before["history"]
    assert [(e["type"], e["ticket"]) for e in new_events] == [
        (expected[3], {"status": expected[0], "version": version + 1})
    ], after["history"]
    check_history(after["history"])
    log.check()


async def test_parallel_acknowledges_without_expected_version_one_wins(server: Server) -> None:
    world = make_world(server)
    ticket = dispatched_ticket(server, world)
    before = state(server, ticket["id"])
    calls = [
        Call(ACKNOWLEDGE, {"id": ticket["id"]}, world.engineer.token, f"ack{i}") for i in range(20)
    ]
    log = LogWatch(server)

    async with http_client(server, len(calls)) as http:
        answers = await burst(http, calls)

    winners, losers = check_answers(answers)
    assert len(winners) == 1, "expected exactly one winner:\n" + "\n".join(map(str, winners))
    assert winners[0].result()["status"] == "ACCEPTED"
    assert winners[0].result()["version"] == 3
    # ACCEPTED cannot be acknowledged again: every other request lost the race.
    check_losers(losers, "ACCEPTED", 3)
    after = state(server, ticket["id"])
    assert (after["status"], after["version"]) == ("ACCEPTED", 3)
    new_events = after["history"][len(before["history"]) :]
    assert [e["type"] for e in new_events] == ["TICKET_ACKNOWLEDGED"], after["history"]
    check_history(after["history"])
    log.check()


# -- idempotency keys --------------------------------------------------------------------


async def test_parallel_acknowledges_with_one_idempotency_key_all_get_the_first_result(
    server: Server,
) -> None:
    world = make_world(server)
    ticket = dispatched_ticket(server, world)
    key = unique_name("ack-key")
    variables = {"id": ticket["id"], "idempotencyKey": key}
    calls = [Call(ACKNOWLEDGE, variables, world.engineer.token, f"ack{i}") for i in range(10)]
    log = LogWatch(server)

    async with http_client(server, len(calls)) as http:
        answers = await burst(http, calls)

    # Whatever the burst answered, it changed the ticket once, and a later retry
    # replays the first result.
    after = state(server, ticket["id"])
    assert (after["status"], after["version"]) == ("ACCEPTED", 3)
    types = [e["type"] for e in after["history"]]
    assert types == ["TICKET_CREATED", "TICKET_DISPATCHED", "TICKET_ACKNOWLEDGED"], types
    log.check()
    retry = server.data(ACKNOWLEDGE, variables, world.engineer.token)["acknowledgeTicket"]
    assert (retry["status"], retry["version"]) == ("ACCEPTED", 3), retry
    refused = [a for a in answers if a.http_status != 200 or not a.ok]
    assert not refused, "a retry with the same key must get the first result:\n" + "\n".join(
        map(str, refused)
    )
    results = Counter(json.dumps(a.result(), sort_keys=True) for a in answers)
    assert len(results) == 1, f"different results for one key: {results}"
    assert answers[0].result() == retry


async def test_parallel_creates_with_one_idempotency_key_make_one_ticket(server: Server) -> None:
    world = make_world(server)
    description = unique_name("idem-create")
    payload = {
        "kind": "REPAIR",
        "customerId": world.customer_id,
        "description": description,
        "idempotencyKey": unique_name("create-key"),
    }
    calls = [Call(CREATE, {"input": payload}, server.admin_token, f"create{i}") for i in range(10)]
    log = LogWatch(server)

    async with http_client(server, len(calls)) as http:
        answers = await burst(http, calls)

    refused = [a for a in answers if a.http_status != 200 or not a.ok]
    assert not refused, "a retry with the same key must get the first result:\n" + "\n".join(
        map(str, refused)
    )
    results = Counter(json.dumps(a.result(), sort_keys=True) for a in answers)
    assert len(results) == 1, f"different results for one key: {results}"
    result = answers[0].result()
    assert (result["status"], result["version"]) == ("NEW", 1), result
    count = server.admin(COUNT, {"search": description})["tickets"]["totalCount"]
    assert count == 1, f"{count} tickets made with one idempotency key"
    history = state(server, result["id"])["history"]
    assert [e["type"] for e in history] == ["TICKET_CREATED"], history
    log.check()


# -- many tickets, many moves: sequences --------------------------------------------------


async def ws_recv(ws: ClientConnection) -> dict[str, Any]:
    """The next graphql-transport-ws message that is not a ping/pong (pings answered)."""
    while True:
        raw = await ws.recv()
        text = raw if isinstance(raw, str) else raw.decode()
        check_no_leak(text, "websocket message")
        message = json.loads(text)
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if message.get("type") != "pong":
            return message


async def ticket_events_until(
    server: Server,
    token: str,
    since: int,
    done: Callable[[dict[str, Any]], bool],
    ready: asyncio.Event,
) -> list[dict[str, Any]]:
    """Every ticketEvents event from `since` on, up to and including the first `done` one."""
    async with connect(server.ws_url, subprotocols=[TRANSPORT_WS], open_timeout=10) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert (await ws_recv(ws))["type"] == "connection_ack"
        payload = {"query": TICKET_EVENTS, "variables": {"since": since}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        ready.set()
        received: list[dict[str, Any]] = []
        while True:
            message = await ws_recv(ws)
            assert message.get("type") == "next", f"subscription ended: {message}"
            assert not message["payload"].get("errors"), message
            event = message["payload"]["data"]["ticketEvents"]
            received.append(event)
            if done(event):
                return received


async def test_parallel_moves_on_many_tickets_all_succeed_with_unique_ordered_sequences(
    server: Server,
) -> None:
    """20 tickets of one engineer moved through dispatch, acknowledge, check-in, work
    record and close request concurrently (each ticket's chain in its own task, all
    chains released together). Every move succeeds; the sequences are unique, each
    ticket's history is strictly increasing with consecutive versions; and the
    engineer's ticketEvents (live from since=0 while the moves run, then a pure
    replay from since=0) deliver exactly those events, each once, in strictly
    increasing sequence order."""
    tickets = 20
    world = make_world(server)
    engineer = world.engineer
    log = LogWatch(server)
    sentinel: dict[str, Any] = {}

    def is_sentinel(event: dict[str, Any]) -> bool:
        return event["type"] == "TICKET_DIAGNOSED" and event["ticket"]["id"] == sentinel.get("id")

    subscribed = asyncio.Event()
    live = asyncio.create_task(
        ticket_events_until(server, engineer.token, 0, is_sentinel, subscribed)
    )
    try:
        await asyncio.wait_for(subscribed.wait(), WAIT)
        started = time.perf_counter()
        async with http_client(server, tickets) as http:
            creates = [
                Call(
                    CREATE,
                    {
                        "input": {
                            "kind": "REPAIR",
                            "customerId": world.customer_id,
                            "description": unique_name("many"),
                        }
                    },
                    server.admin_token,
                    f"create{i}",
                )
                for i in range(tickets)
            ]
            created = await burst(http, creates)
            failed = [a for a in created if a.http_status != 200 or not a.ok]
            assert not failed, "\n".join(map(str, failed))
            ids = [a.result()["id"] for a in created]
            dispatches = [
                Call(
                    DISPATCH,
                    {"id": i, "engineerId": engineer.id, "expectedVersion": 1},
                    server.admin_token,
                    f"dispatch {i}",
                )
                for i in ids
            ]
            dispatched = await burst(http, dispatches)
            failed = [a for a in dispatched if a.http_status != 200 or not a.ok]
            assert not failed, "\n".join(map(str, failed))

            gate = asyncio.Event()
            chain_moves = [ACKNOWLEDGE, CHECK_IN, WORK, REQUEST_CLOSE]

            async def chain(ticket_id: str) -> list[dict[str, Any]]:
                await gate.wait()
                version, results = 2, []
                for query in chain_moves:
                    response = await http.post(
                        "/graphql",
                        json={
                            "query": query,
                            "variables": {"id": ticket_id, "expectedVersion": version},
                        },
                        headers=Server.headers_for(engineer.token),
                    )
                    assert response.status_code == 200, response.text
                    result = assert_ok(response.json())
                    (moved,) = result.values()
                    assert moved["version"] == version + 1, moved
                    version = moved["version"]
                    results.append(moved)
                return results

            chains = [asyncio.create_task(chain(i)) for i in ids]
            gate.set()
            finals = await asyncio.wait_for(asyncio.gather(*chains), WAIT)
        moved_in = time.perf_counter() - started
        assert all(r[-1]["status"] == "CLOSE_REQUESTED" for r in finals)

        histories = {i: state(server, i)["history"] for i in ids}
        for history in histories.values():
            check_history(history)
            assert [e["type"] for e in history] == [
                "TICKET_CREATED",
                "TICKET_DISPATCHED",
                "TICKET_ACKNOWLEDGED",
                "TICKET_CHECKED_IN",
                "TICKET_WORK_RECORDED",
                "TICKET_CLOSE_REQUESTED",
            ], history
        everything = [e["sequence"] for h in histories.values() for e in h]
        assert len(everything) == len(set(everything)) == 6 * tickets, "sequences repeat"
        # What the engineer may see: everything from the dispatch on.
        visible = sorted(
            (e["sequence"], ticket_id, e["type"])
            for ticket_id, history in histories.items()
            for e in history
            if e["type"] != "TICKET_CREATED"
        )

        # The sentinel: one more event the engineer sees, after all the others.
        sentinel.update(server.admin(DIAGNOSE, {"id": ids[0]})["setRemoteDiagnosis"])
        live_events = await asyncio.wait_for(live, WAIT)
    finally:
        live.cancel()

    def received(events: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        return [(e["sequence"], e["ticket"]["id"], e["type"]) for e in events[:-1]]

    live_seen = received(live_events)
    assert [s for s, *_ in live_seen] == sorted({s for s, *_ in live_seen}), (
        f"live events out of order or repeated: {live_seen}"
    )
    assert live_seen == visible, "live ticketEvents differ from the histories"

    replayed = await asyncio.wait_for(
        ticket_events_until(server, engineer.token, 0, is_sentinel, asyncio.Event()), WAIT
    )
    assert received(replayed) == visible, "replayed ticketEvents differ from the histories"
    log.check()
    # The whole run should take a few seconds; far more means requests queued up somewhere.
    assert moved_in < WAIT, f"{tickets} tickets took {moved_in:.1f}s"
