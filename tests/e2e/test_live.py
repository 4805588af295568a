"""Live sync end to end: third-party `gql` websocket clients act as the dispatcher's
board (PC) and the engineer's phone and PC against the real server, on both backends.

Every wait is bounded (`asyncio.wait_for` inside `Stream.next`) and fails with what
was received. "Nothing more arrived" is proved with a sentinel: a later change the
subscriber may see; events arrive in sequence order, so whatever was going to arrive
before it has arrived when it does.

Extra server processes (the `fleet`, started in parallel once per backend) share the
main server's database and secret key:
* redis_a / redis_b: BROADCAST_URL=TEST_REDIS_URL, EVENT_POLL_SECONDS=30;
* pg_a / pg_b: BROADCAST_URL=postgres://... (LISTEN/NOTIFY on the test PostgreSQL);
* lossy: BROADCAST_URL=redis://127.0.0.1:1 (nothing listens there),
  EVENT_POLL_SECONDS=0.5, SUBSCRIBER_QUEUE_SIZE=10;
* stale: BROADCAST_URL=memory://, EVENT_POLL_SECONDS=60: changes served by other
  processes reach it only when it commits one itself (or after 60 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from conftest import pg_admin_url  # tests/conftest.py: skip, or fail under CI=true
from gql.transport.exceptions import TransportQueryError

from . import records_helpers as rh
from . import ticket_helpers as th
from .client import Server, UserHandle, assert_error
from .live_helpers import (
    ACKNOWLEDGE,
    CHECK_IN,
    DIAGNOSE,
    DISABLE_USER,
    DISPATCH,
    HISTORY,
    KIND_RESTRICTION,
    LEGACY_WS,
    NOTIFICATIONS,
    TICKET_EVENTS,
    Api,
    Stream,
    close_of,
    live,
    of_ticket,
    postgres_broadcast_url,
    raw_ws,
    recv_message,
    redis_url,
    subscribe_raw,
)

pytestmark = pytest.mark.runs_long(80)

WAIT = 5.0  # a local change reaches a live subscriber at once; this only bounds failures
BROKER_LATENCY = 0.8  # well under any poll interval used here (30 s on the broker pairs)


# -- the fleet of extra processes ------------------------------------------------------


class Fleet:
    """Extra servers on the main server's database, started together in threads."""

    def __init__(self, server: Server, factory: Callable[..., Server]) -> None:
        self.server = server
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=5, thread_name_prefix="fleet")
        self._futures: dict[str, Future[Server]] = {}
        self._started = False

    def _start(self, **env: Any) -> Server:
        return self._factory(
            self.server.backend,
            admin=False,
            DATABASE_URL=self.server.database_url,
            SECRET_KEY=self.server.secret_key,
            **env,
        )

    def _start_all(self) -> None:
        self._started = True
        specs: dict[str, dict[str, Any]] = {
            "lossy": {
                "BROADCAST_URL": "redis://127.0.0.1:1",
                "EVENT_POLL_SECONDS": "0.5",
                "SUBSCRIBER_QUEUE_SIZE": "10",
            },
            # Reads the table only at start, on its own commits and every 60 s.
            "stale": {"BROADCAST_URL": "memory://", "EVENT_POLL_SECONDS": "60"},
        }
        with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
            redis = redis_url()  # get() reports a missing one (skip, or fail in CI)
            for name in ("redis_a", "redis_b"):
                specs[name] = {"BROADCAST_URL": redis, "EVENT_POLL_SECONDS": "30"}
        with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
            # LISTEN/NOTIFY needs a PostgreSQL server, not a PostgreSQL backend: on the
            # SQLite backend the broker is the test PostgreSQL's admin database.
            broker_db = (
                self.server.database_url
                if self.server.backend == "postgresql"
                else pg_admin_url().render_as_string(hide_password=False)
            )
            pg = postgres_broadcast_url(broker_db)
            for name in ("pg_a", "pg_b"):
                specs[name] = {"BROADCAST_URL": pg, "EVENT_POLL_SECONDS": "30"}
        for name, env in specs.items():
            self._futures[name] = self._pool.submit(self._start, **env)

    def get(self, name: str) -> Server:
        if not self._started:
            self._start_all()
        if name.startswith("redis"):
            redis_url()
        if name.startswith("pg"):
            pg_admin_url()  # reports a missing TEST_DATABASE_URL (skip, or fail in CI)
        return self._futures[name].result(timeout=90)

    def stop(self) -> None:
        for future in self._futures.values():
            with contextlib.suppress(Exception):
                future.result(timeout=90).stop()
        self._pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def fleet(server: Server, server_factory: Callable[..., Server]) -> Iterator[Fleet]:
    running = Fleet(server, server_factory)
    yield running
    running.stop()


# -- small builders ------------------------------------------------------------------


async def history(api: Api, ticket_id: str) -> list[dict[str, Any]]:
    data = await api.data(HISTORY, {"id": ticket_id}, api.server.admin_token)
    return data["ticket"]["history"]


async def last_seq(api: Api, ticket_id: str) -> int:
    return (await history(api, ticket_id))[-1]["sequence"]


async def diagnose(api: Api, token: str, ticket_id: str, text: str = "Probably the belt") -> None:
    await api.data(DIAGNOSE, {"id": ticket_id, "text": text}, token)


def seq_types(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(e["sequence"], e["type"]) for e in events]


def assert_increasing(events: list[dict[str, Any]], who: str) -> None:
    seqs = [e["sequence"] for e in events]
    assert seqs == sorted(set(seqs)), f"{who}: sequences not strictly increasing: {seqs}"


def people(server: Server) -> tuple[dict[str, Any], UserHandle]:
    """A fresh customer and a dispatcher (CUSTOMER_SERVICE)."""
    return rh.create_customer(server), server.make_user("CUSTOMER_SERVICE")


# -- 1. dispatch reaches every session; acknowledging on one settles all ---------------


async def test_dispatch_reaches_both_sessions_and_acknowledge_settles_everywhere(
    server: Server,
) -> None:
    customer, dispatcher = people(server)
    engineer = server.make_user("ENGINEER")
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    tid = ticket["id"]
    async with (
        Api(server) as api,
        live(server, engineer.token, label="engineer-pc") as pc,
        live(server, engineer.token, label="engineer-phone") as phone,
        live(server, dispatcher.token, label="board") as board,
    ):
        created = await last_seq(api, tid)
        # `since` makes the start race-free: whatever happens after `created` arrives.
        ends = {
            s.label: (
                s.stream(NOTIFICATIONS, {"since": created}, "notifications"),
                s.stream(TICKET_EVENTS, {"since": created}, "ticketEvents"),
            )
            for s in (pc, phone)
        }
        board_events = board.stream(TICKET_EVENTS, {"since": created - 1}, "board")
        seen_by_board = await board_events.until(of_ticket(tid), WAIT, "TICKET_CREATED")

        await api.data(DISPATCH, {"id": tid, "engineerId": engineer.id}, dispatcher.token)
        first_notes: dict[str, dict[str, Any]] = {}
        for label, (notes, events) in ends.items():
            note = await notes.next(WAIT, "the DISPATCHED notification")
            assert (note["kind"], note["handled"]) == ("DISPATCHED", False), (label, note)
            assert note["ticket"] == {"id": tid, "status": "DISPATCHED"}, (label, note)
            first_notes[label] = note
            event = await events.next(WAIT, "TICKET_DISPATCHED")
            assert event["type"] == "TICKET_DISPATCHED", (label, event)
            assert event["ticket"]["id"] == tid
            assert event["ticket"]["status"] == "DISPATCHED"
            assert event["ticket"]["assignee"] == {"id": engineer.id}
            assert event["actor"] == {"id": dispatcher.id}
        assert first_notes["engineer-pc"]["id"] == first_notes["engineer-phone"]["id"]

        # The engineer acknowledges on the PC, over that session's own websocket.
        result = await pc.execute(ACKNOWLEDGE, {"id": tid})
        assert result["acknowledgeTicket"]["status"] == "ACCEPTED", result
        for label, (notes, events) in ends.items():
            note = await notes.next(WAIT, "the DISPATCHED notification again, handled")
            assert note["id"] == first_notes[label]["id"], (label, note)
            assert (note["kind"], note["handled"]) == ("DISPATCHED", True), (label, note)
            assert note["ticket"] == {"id": tid, "status": "ACCEPTED"}, (label, note)
            assert note["sequence"] > first_notes[label]["sequence"]
            event = await events.next(WAIT, "TICKET_ACKNOWLEDGED")
            assert event["type"] == "TICKET_ACKNOWLEDGED", (label, event)
            assert (event["ticket"]["status"], event["ticket"]["version"]) == ("ACCEPTED", 3)
            assert event["actor"] == {"id": engineer.id}

        seen_by_board += await board_events.until(
            lambda e: of_ticket(tid)(e) and e["type"] == "TICKET_ACKNOWLEDGED", WAIT, "the ack"
        )
        expected = await history(api, tid)
    mine = [e for e in seen_by_board if of_ticket(tid)(e)]
    assert_increasing(seen_by_board, "board")
    assert seq_types(mine) == seq_types(expected), "the board missed or reordered events"
    assert [e["type"] for e in mine] == [
        "TICKET_CREATED",
        "TICKET_DISPATCHED",
        "TICKET_ACKNOWLEDGED",
    ]
    assert [e["ticket"]["version"] for e in mine] == [1, 2, 3]
    assert not [e for e in seen_by_board if e["type"] == "NOTIFICATION"]


# -- 2. reassigning takes the ticket away live ----------------------------------------


async def test_reassign_takes_the_ticket_away_live(server: Server) -> None:
    customer, dispatcher = people(server)
    first, second = server.make_user("ENGINEER"), server.make_user("ENGINEER")
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    later = th.create_ticket(server, dispatcher.token, customer["id"])  # the sentinel
    tid = ticket["id"]
    th.dispatch(server, dispatcher.token, tid, first.id)
    async with (
        Api(server) as api,
        live(server, first.token, label="first") as one,
        live(server, second.token, label="second") as two,
    ):
        since = (await history(api, tid))[0]["sequence"]  # TICKET_CREATED
        one_events = one.stream(TICKET_EVENTS, {"since": since})
        one_notes = one.stream(NOTIFICATIONS, {"since": since})
        two_events = two.stream(TICKET_EVENTS, {"since": since})
        dispatched = await one_events.next(WAIT, "TICKET_DISPATCHED (replayed)")
        assert (dispatched["type"], dispatched["ticket"]["id"]) == ("TICKET_DISPATCHED", tid)

        await api.data(DISPATCH, {"id": tid, "engineerId": second.id}, dispatcher.token)
        away = await one_events.next(WAIT, "TICKET_REASSIGNED")
        assert away["type"] == "TICKET_REASSIGNED", away
        # Visibility is decided now: the event names the ticket, never shows what it has
        # become in someone else's hands.
        assert away["ticketId"] == tid
        assert away["ticket"] is None
        # The second engineer never saw the ticket while it was the first one's.
        arrived = await two_events.next(WAIT, "TICKET_REASSIGNED")
        assert (arrived["type"], arrived["sequence"]) == ("TICKET_REASSIGNED", away["sequence"])

        await api.data(ACKNOWLEDGE, {"id": tid}, second.token)
        await api.data(CHECK_IN, {"id": tid}, second.token)
        # The first engineer may no longer act on it: it was theirs once, so CONFLICT.
        assert_error(await api.gql(ACKNOWLEDGE, {"id": tid}, first.token), "CONFLICT")
        await diagnose(api, dispatcher.token, tid)
        got = await two_events.until(
            lambda e: e["type"] == "TICKET_DIAGNOSED", WAIT, "the second engineer's events"
        )
        assert [e["type"] for e in got] == [
            "TICKET_ACKNOWLEDGED",
            "TICKET_CHECKED_IN",
            "TICKET_DIAGNOSED",
        ]
        assert {e["ticket"]["id"] for e in got} == {tid}

        # Sentinel: a new ticket for the first engineer. Everything about the old one
        # would have arrived before it.
        await api.data(DISPATCH, {"id": later["id"], "engineerId": first.id}, dispatcher.token)
        after = await one_events.until(of_ticket(later["id"]), WAIT, "the sentinel dispatch")
        assert [(e["type"], e["ticket"]["id"]) for e in after] == [
            ("TICKET_DISPATCHED", later["id"])
        ], "the first engineer still received events of the ticket taken away"

        notes = await one_notes.until(of_ticket(later["id"]), WAIT, "the sentinel notification")
        about_old = sorted((n["kind"], n["handled"]) for n in notes if of_ticket(tid)(n))
        assert about_old == [
            ("DISPATCHED", False),
            ("DISPATCHED", True),
            ("REASSIGNED_AWAY", False),
        ], notes
        # Those delivered once the ticket was taken away are the engineer's own, but the
        # ticket is no longer shown in them.
        later_notes = [n for n in notes if of_ticket(tid)(n) and n["sequence"] > away["sequence"]]
        assert later_notes and all(n["ticket"] is None for n in later_notes), notes


DECLINE = """
mutation M($id: ID!, $reason: String!) {
  declineTicket(id: $id, reason: $reason) { id status assignee { id } }
}"""


async def test_what_a_mutation_wrote_shows_in_its_answer_only(server: Server) -> None:
    """The engineer declines over the websocket its subscription runs on: the answer
    shows the ticket it gave back, the event of the decline (another operation on the
    same connection) does not, the ticket being no longer its."""
    customer, dispatcher = people(server)
    engineer = server.make_user("ENGINEER")
    tid = th.create_ticket(server, dispatcher.token, customer["id"])["id"]
    th.dispatch(server, dispatcher.token, tid, engineer.id)
    async with Api(server) as api, live(server, engineer.token, label="eng") as phone:
        since = (await history(api, tid))[-1]["sequence"]
        events = phone.stream(TICKET_EVENTS, {"since": since})
        answer = await phone.execute(DECLINE, {"id": tid, "reason": "not my area"})
        assert answer["declineTicket"] == {"id": tid, "status": "NEW", "assignee": None}
        declined = await events.next(WAIT, "TICKET_DECLINED")
        assert (declined["type"], declined["ticketId"]) == ("TICKET_DECLINED", tid)
        assert declined["ticket"] is None
        # Nor does a later operation on the same connection.
        with pytest.raises(TransportQueryError) as refused:
            await phone.execute("query Q($id: ID!) { ticket(id: $id) { id } }", {"id": tid})
        assert (refused.value.errors or [{}])[0]["extensions"]["code"] == "NOT_FOUND"


async def test_each_operation_on_a_websocket_reads_rows_as_they_are(server: Server) -> None:
    """One connection serves many operations: the second query on it decides on the
    ticket as it is then, not as the first one loaded it."""
    customer, dispatcher = people(server)
    engineer, other = server.make_user("ENGINEER"), server.make_user("ENGINEER")
    tid = th.create_ticket(server, dispatcher.token, customer["id"])["id"]
    th.dispatch(server, dispatcher.token, tid, engineer.id)
    read = "query Q($id: ID!) { ticket(id: $id) { id assignee { id } } }"
    async with live(server, engineer.token, label="eng") as phone:
        first = await phone.execute(read, {"id": tid})
        assert first["ticket"]["assignee"] == {"id": engineer.id}
        th.dispatch(server, dispatcher.token, tid, other.id)  # taken away meanwhile
        with pytest.raises(TransportQueryError) as refused:
            await phone.execute(read, {"id": tid})
        assert (refused.value.errors or [{}])[0]["extensions"]["code"] == "NOT_FOUND"


# -- 3. reconnecting with `since` ----------------------------------------------------------


async def test_reconnect_with_since_gets_exactly_the_missed_events_then_live(
    server: Server,
) -> None:
    customer, dispatcher = people(server)
    engineer = server.make_user("ENGINEER")
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    unseen = th.create_ticket(server, dispatcher.token, customer["id"])  # never the engineer's
    later = th.create_ticket(server, dispatcher.token, customer["id"])  # theirs while away
    tid = ticket["id"]
    th.dispatch(server, dispatcher.token, tid, engineer.id)
    async with Api(server) as api:
        since = (await history(api, tid))[0]["sequence"]
        async with live(server, engineer.token, label="before") as before:
            events = before.stream(TICKET_EVENTS, {"since": since})
            notes = before.stream(NOTIFICATIONS, {"since": since})
            assert (await events.next(WAIT, "TICKET_DISPATCHED"))["type"] == "TICKET_DISPATCHED"
            await notes.next(WAIT, "DISPATCHED")
            await api.data(ACKNOWLEDGE, {"id": tid}, engineer.token)
            last_event = (await events.next(WAIT, "TICKET_ACKNOWLEDGED"))["sequence"]
            last_note = (await notes.next(WAIT, "DISPATCHED, handled"))["sequence"]

        # Away: changes it may see (its ticket; a ticket dispatched to it) and not see.
        await api.data(CHECK_IN, {"id": tid}, engineer.token)
        await diagnose(api, dispatcher.token, tid, "Away 1")
        await diagnose(api, dispatcher.token, unseen["id"], "Not yours")
        await api.data(DISPATCH, {"id": later["id"], "engineerId": engineer.id}, dispatcher.token)
        await diagnose(api, dispatcher.token, tid, "Away 2")
        missed = sorted(
            [e for e in await history(api, tid) if e["sequence"] > last_event]
            + [e for e in await history(api, later["id"]) if e["type"] != "TICKET_CREATED"],
            key=lambda e: e["sequence"],
        )
        assert [e["type"] for e in missed] == [
            "TICKET_CHECKED_IN",
            "TICKET_DIAGNOSED",
            "TICKET_DISPATCHED",
            "TICKET_DIAGNOSED",
        ]

        async with live(server, engineer.token, label="after") as after:
            events = after.stream(TICKET_EVENTS, {"since": last_event})
            notes = after.stream(NOTIFICATIONS, {"since": last_note})
            # A live change at once, racing the replay: the seam must hold.
            await diagnose(api, dispatcher.token, tid, "Right after reconnecting")
            seam = await last_seq(api, tid)
            got = await events.until(lambda e: e["sequence"] >= seam, WAIT, "the live change")
            assert seq_types(got) == [*seq_types(missed), (seam, "TICKET_DIAGNOSED")], (
                "replay + live is not exactly the missed events then the live one"
            )
            # No duplicate after the seam either: the next event is the next change.
            await diagnose(api, dispatcher.token, tid, "One more")
            following = await events.next(WAIT, "the next live change")
            assert following["sequence"] == await last_seq(api, tid), following

            note = await notes.next(WAIT, "the missed DISPATCHED notification")
            assert note["sequence"] > last_note
            assert (note["kind"], note["handled"], note["ticket"]["id"]) == (
                "DISPATCHED",
                False,
                later["id"],
            ), note


# -- 4. who receives what ------------------------------------------------------------


async def test_subscriptions_only_carry_what_the_user_may_see(server: Server) -> None:
    agent = rh.create_agent(server)
    other_agent = rh.create_agent(server)
    mine = rh.create_customer(server, agentId=agent["id"])
    theirs = rh.create_customer(server, agentId=other_agent["id"])
    dispatcher = server.make_user("CUSTOMER_SERVICE")
    engineer = server.make_user("ENGINEER")
    maint_only = server.make_user("CUSTOMER_SERVICE")
    server.admin(KIND_RESTRICTION, {"kinds": ["MAINTENANCE"], "userId": maint_only.id})
    watchers = {
        "customer": server.make_user("CUSTOMER", customer_id=mine["id"]),
        "other customer": server.make_user("CUSTOMER", customer_id=theirs["id"]),
        "agent": server.make_user("AGENT", agent_id=agent["id"]),
        "maintenance-only dispatcher": maint_only,
    }
    repair = th.create_ticket(server, dispatcher.token, mine["id"])
    async with Api(server) as api, contextlib.AsyncExitStack() as stack:
        since = (await history(api, repair["id"]))[0]["sequence"] - 1
        streams: dict[str, Stream] = {}
        for label, user in watchers.items():
            session = await stack.enter_async_context(live(server, user.token, label=label))
            streams[label] = session.stream(TICKET_EVENTS, {"since": since})

        d = dispatcher.token
        other = (await api.data(th.CREATE_TICKET, {"input": ticket_input(theirs)}, d))[
            "createTicket"
        ]
        maint = (await api.data(th.CREATE_TICKET, {"input": ticket_input(mine, "MAINTENANCE")}, d))[
            "createTicket"
        ]
        for t in (repair, other, maint):
            await api.data(DISPATCH, {"id": t["id"], "engineerId": engineer.id}, d)
        await api.data(ACKNOWLEDGE, {"id": other["id"]}, engineer.token)
        await api.data(ACKNOWLEDGE, {"id": repair["id"]}, engineer.token)
        await diagnose(api, d, repair["id"])
        await diagnose(api, d, other["id"])  # the other customer's sentinel
        await diagnose(api, d, maint["id"])  # everyone else's sentinel

        hist = {t["id"]: await history(api, t["id"]) for t in (repair, other, maint)}
        expected_ids = {
            "customer": (repair["id"], maint["id"]),
            "other customer": (other["id"],),
            "agent": (repair["id"], maint["id"]),
            "maintenance-only dispatcher": (maint["id"],),
        }
        for label, visible in expected_ids.items():
            expected = sorted((e for t in visible for e in hist[t]), key=lambda e: e["sequence"])
            last = expected[-1]["sequence"]
            got = await streams[label].until(
                lambda e, last=last: e["sequence"] >= last, WAIT, f"{label}'s sentinel"
            )
            assert_increasing(got, label)
            if label == "maintenance-only dispatcher":
                # A dispatcher sees every ticket of its kinds, ours or other tests'.
                kinds = {e["ticket"]["kind"] for e in got}
                assert kinds == {"MAINTENANCE"}, f"{label} received {kinds} events"
                got = [e for e in got if e["ticket"]["id"] in hist]
            assert seq_types(got) == seq_types(expected), (
                f"{label} should receive exactly the events of {visible}, got "
                f"{[(e['sequence'], e['type'], e['ticket']['id']) for e in got]}"
            )


def ticket_input(customer: dict[str, Any], kind: str = "REPAIR") -> dict[str, Any]:
    return {"kind": kind, "customerId": customer["id"], "description": "Live test fault"}


# -- 5. the legacy protocol; connections the server must close --------------------------


async def test_legacy_graphql_ws_protocol_carries_a_subscription(server: Server) -> None:
    customer, dispatcher = people(server)
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    tid = ticket["id"]
    async with (
        Api(server) as api,
        live(server, dispatcher.token, label="legacy", protocol=LEGACY_WS) as legacy,
    ):
        assert legacy.session.transport.subprotocol == LEGACY_WS
        created = (await history(api, tid))[0]["sequence"]
        events = legacy.stream(TICKET_EVENTS, {"since": created - 1})
        replayed = await events.until(of_ticket(tid), WAIT, "TICKET_CREATED (replayed)")
        assert replayed[-1]["type"] == "TICKET_CREATED"
        await diagnose(api, dispatcher.token, tid)
        got = await events.until(of_ticket(tid), WAIT, "TICKET_DIAGNOSED (live)")
        assert (got[-1]["type"], got[-1]["ticket"]["version"]) == ("TICKET_DIAGNOSED", 2)


async def engineer_watching(server: Server, api: Api, token: str, ticket_id: str) -> Any:
    """An open raw subscription of the engineer's ticketEvents, proved live by its
    first (replayed) event."""
    since = (await history(api, ticket_id))[0]["sequence"]
    ws = await raw_ws(server, token)
    await subscribe_raw(ws, TICKET_EVENTS, {"since": since})
    first = await recv_message(ws, WAIT)
    assert first["type"] == "next", first
    assert first["payload"]["data"]["ticketEvents"]["type"] == "TICKET_DISPATCHED", first
    return ws


async def test_bad_disabled_and_expired_tokens_close_with_4403(server: Server) -> None:
    customer, dispatcher = people(server)
    disabled, expiring = server.make_user("ENGINEER"), server.make_user("ENGINEER")
    tickets = {}
    for engineer in (disabled, expiring):
        tickets[engineer.id] = th.create_ticket(server, dispatcher.token, customer["id"])["id"]
        th.dispatch(server, dispatcher.token, tickets[engineer.id], engineer.id)

    # A bad token in connection_init: closed at once with 4403.
    bad = await raw_ws(server, "not-a-token")
    code, _reason, messages = await close_of(bad, WAIT)
    assert code == 4403, (code, messages)

    expiry = 3.0
    async with Api(server) as api:
        short = server.token_for(expiring.id, expires_in=timedelta(seconds=expiry))
        minted = time.monotonic()
        ws_expiring = await engineer_watching(server, api, short, tickets[expiring.id])
        ws_disabled = await engineer_watching(server, api, disabled.token, tickets[disabled.id])
        await api.data(DISABLE_USER, {"id": disabled.id}, server.admin_token)
        disabled_at = time.monotonic()
        # Both are re-checked every 5 s: closed within ~10 s of the change.

        async def closing(ws: Any, within: float) -> tuple[int | None, str, list[Any], float]:
            code, reason, messages = await close_of(ws, within)
            return code, reason, messages, time.monotonic()

        (code_d, reason_d, msgs_d, at_d), (code_e, reason_e, msgs_e, at_e) = await asyncio.gather(
            closing(ws_disabled, 11), closing(ws_expiring, expiry + 11)
        )
    assert code_d == 4403, (code_d, reason_d, msgs_d)
    assert code_e == 4403, (code_e, reason_e, msgs_e)
    assert at_d - disabled_at <= 11
    # JWT expiry has whole seconds: the token may lapse up to 1 s early, never later.
    assert at_e - minted >= expiry - 1, f"closed {at_e - minted:.1f}s after minting"
    assert not [m for m in msgs_d + msgs_e if m.get("type") == "next"], "events after the change"


# -- 6. two processes on one database: the broker wakes the other one up ---------------


async def assert_broker_delivers(server: Server, a: Server, b: Server) -> list[float]:
    """A change served by `a` reaches a subscriber on `b` (poll: 30 s) within
    BROKER_LATENCY of the mutation returning; returns the latencies."""
    customer, dispatcher = people(server)
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    tid = ticket["id"]
    latencies = []
    async with (
        Api(a) as api_a,
        Api(b) as api_b,
        Api(server) as api,
        live(b, dispatcher.token, label="b") as sub,
    ):
        created = (await history(api, tid))[0]["sequence"]
        events = sub.stream(TICKET_EVENTS, {"since": created})
        # A change served by `b` itself wakes its relay without the broker; its arrival
        # proves the subscription live.
        await diagnose(api_b, dispatcher.token, tid, "served by b")
        await events.until(
            lambda e: of_ticket(tid)(e) and e["ticket"]["version"] == 2, WAIT, "b's own change"
        )
        for round_ in range(3):
            await diagnose(api_a, dispatcher.token, tid, f"round {round_}")
            returned = time.monotonic()
            try:
                got = await asyncio.wait_for(
                    events.until(of_ticket(tid), WAIT, "the change made on the other process"),
                    BROKER_LATENCY,
                )
            except TimeoutError:
                raise AssertionError(
                    f"round {round_}: a change made on {a.url} did not reach the subscriber "
                    f"on {b.url} within {BROKER_LATENCY}s (only the broker can be that fast)"
                ) from None
            latencies.append(time.monotonic() - returned)
            assert got[-1]["type"] == "TICKET_DIAGNOSED"
            assert got[-1]["ticket"]["version"] == round_ + 3
    return latencies


async def test_redis_broker_wakes_the_other_process(server: Server, fleet: Fleet) -> None:
    latencies = await assert_broker_delivers(server, fleet.get("redis_a"), fleet.get("redis_b"))
    assert max(latencies) < BROKER_LATENCY, latencies


async def test_postgres_broker_wakes_the_other_process(server: Server, fleet: Fleet) -> None:
    latencies = await assert_broker_delivers(server, fleet.get("pg_a"), fleet.get("pg_b"))
    assert max(latencies) < BROKER_LATENCY, latencies


async def test_an_absent_broker_costs_latency_never_an_event(server: Server, fleet: Fleet) -> None:
    lossy = fleet.get("lossy")  # started although nothing listens on its broker's port
    customer, dispatcher = people(server)
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    tid = ticket["id"]
    async with (
        Api(server) as api,
        Api(lossy) as api_lossy,
        live(lossy, dispatcher.token, label="on-lossy") as on_lossy,
        live(server, dispatcher.token, label="on-main") as on_main,
    ):
        created = (await history(api, tid))[0]["sequence"]
        at_lossy = on_lossy.stream(TICKET_EVENTS, {"since": created})
        at_main = on_main.stream(TICKET_EVENTS, {"since": created})
        # Served by the main process, found by the lossy one's table poll (0.5 s).
        # (Matched by version: a lagging process may also repeat TICKET_CREATED, see
        # test_since_on_a_lagging_process_repeats_nothing_already_seen.)
        await diagnose(api, dispatcher.token, tid, "from main")
        got = await at_lossy.until(
            lambda e: of_ticket(tid)(e) and e["ticket"]["version"] == 2,
            WAIT,
            "the main process's change",
        )
        assert got[-1]["type"] == "TICKET_DIAGNOSED"
        # Served by the lossy process (its wake-up cannot be published): the main
        # process's poll (1 s) finds it.
        await diagnose(api_lossy, dispatcher.token, tid, "from lossy")
        for stream in (at_main, at_lossy):
            got = await stream.until(
                lambda e: of_ticket(tid)(e) and e["ticket"]["version"] == 3,
                WAIT,
                "the lossy process's change",
            )
            assert [e["ticket"]["version"] for e in got if of_ticket(tid)(e)][-1] == 3


async def test_since_on_a_lagging_process_repeats_nothing_already_seen(
    server: Server, fleet: Fleet
) -> None:
    """A client that saw N through process A reconnects through process B, whose relay
    has not read that far yet (broker delay, lost broker): it must get > N only."""
    stale = fleet.get("stale")
    customer, dispatcher = people(server)
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    tid = ticket["id"]
    async with Api(server) as api, Api(stale) as api_stale:
        await diagnose(api, dispatcher.token, tid, "seen through the main process")
        seen = await last_seq(api, tid)
        async with live(stale, dispatcher.token, label="on-stale") as on_stale:
            events = on_stale.stream(TICKET_EVENTS, {"since": seen})
            # A commit of its own wakes the stale relay, which then reads everything.
            await diagnose(api_stale, dispatcher.token, tid, "served by the stale process")
            new = await last_seq(api, tid)
            got = await events.until(lambda e: e["sequence"] >= new, WAIT, "its own change")
    repeated = [(e["sequence"], e["type"]) for e in got if e["sequence"] <= seen]
    assert not repeated, f"since={seen} but received again: {repeated}"
    assert seq_types(got) == [(new, "TICKET_DIAGNOSED")]


# -- 7. a subscriber too slow to keep up ---------------------------------------------------

# ~56 KB per event once the diagnosis is long: 14 aliases of a 4000-character field
# (the alias limit is 15); light (~1 KB) before, so reading the first message does not
# make the kernel grow the client's receive buffer much.
HEAVY_EVENTS = (
    "subscription S($since: Int) { ticketEvents(since: $since) { sequence type ticket { id }"
    + "".join(f" t{i}: ticket {{ remoteDiagnosis }}" for i in range(14))
    + " } }"
)
SLOW_EVENTS = 200  # ~11 MB of messages: beyond the socket buffers (a few MB at most)


async def test_a_subscriber_that_stops_reading_is_closed_4413_and_resumes_with_since(
    server: Server, fleet: Fleet
) -> None:
    """End to end, on a process with SUBSCRIBER_QUEUE_SIZE=10: the client stops reading;
    large messages (uncompressed: the client offers no permessage-deflate) fill the socket
    buffers, the server's send blocks, its bounded queue overflows; once the client reads
    again it gets what was sent, then the close 4413 naming where to resume."""
    lossy = fleet.get("lossy")
    customer, dispatcher = people(server)
    tickets = [th.create_ticket(server, dispatcher.token, customer["id"])["id"] for _ in range(4)]
    async with Api(server) as api, Api(lossy) as api_lossy:
        since = (await history(api, tickets[-1]))[0]["sequence"] - 1
        ws = await raw_ws(lossy, dispatcher.token, max_queue=1, compression=None)
        try:
            await subscribe_raw(ws, HEAVY_EVENTS, {"since": since})
            # The last ticket's creation proves the subscription registered (a lagging
            # relay may first repeat older events: see the `since` defect test).
            while True:
                first = await recv_message(ws, WAIT)
                assert first["type"] == "next", first
                if first["payload"]["data"]["ticketEvents"]["ticket"]["id"] == tickets[-1]:
                    break

            async def diagnose_many(ticket_id: str, n: int) -> None:
                for i in range(n):
                    text = f"{i} {secrets.token_hex(2000)}"[:4000]
                    await diagnose(api_lossy, dispatcher.token, ticket_id, text)

            started = time.monotonic()
            await asyncio.gather(*(diagnose_many(t, SLOW_EVENTS // 4) for t in tickets))
            production = time.monotonic() - started
            code, reason, messages = await close_of(ws, 30)
        finally:
            await ws.close()
        nexts = [m["payload"]["data"]["ticketEvents"] for m in messages if m["type"] == "next"]
        assert code == 4413, (
            f"expected close 4413 after {SLOW_EVENTS} events in {production:.1f}s; got "
            f"{code} {reason!r} with {len(nexts)} events read"
        )
        assert "since" in reason, reason
        assert len(nexts) < SLOW_EVENTS, "nothing was dropped: the queue never overflowed"
        seen = [first["payload"]["data"]["ticketEvents"], *nexts]
        assert_increasing(seen, "slow subscriber")
        last = seen[-1]["sequence"]
        assert f"since={last}" in reason, (last, reason)

        # Resuming with since=<last seen> brings everything after it, in order.
        expected = []
        for t in tickets:
            expected += [e for e in await history(api, t) if e["sequence"] > last]
        expected.sort(key=lambda e: e["sequence"])
        async with live(lossy, dispatcher.token, label="resumed") as resumed:
            events = resumed.stream(TICKET_EVENTS, {"since": last})
            final = expected[-1]["sequence"]
            got = await events.until(lambda e: e["sequence"] >= final, 15, "the rest")
        got = [e for e in got if e["ticket"]["id"] in tickets]
        assert seq_types(got) == seq_types(expected)
