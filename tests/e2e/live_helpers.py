"""Helpers for the live-sync tests: the PC and mobile clients are real third-party
GraphQL clients (`gql` over websockets), mutations go over async HTTP so the event
loop keeps reading the sockets while a test drives changes.

* `Api(server)`: async GraphQL over HTTP (`await api.data(query, variables, token)`).
* `live(server, token)`: an open gql session (one websocket connection); its
  `stream(document, variables)` starts a subscription whose results are collected by
  a task into a queue: `await stream.next(...)`, `await stream.until(...)`.
* `raw_ws(...)`, `subscribe_raw(...)`, `close_of(...)`: the `websockets` library
  directly, for close codes (pass `compression=None` when message sizes matter).
* `redis_url()`: TEST_REDIS_URL, skipped locally and failed under CI=true when unset.

Every message received is checked for leaked internals like every HTTP response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .client import Client as HttpClient
from .client import assert_ok, check_no_leak

REDIS_ENV = "TEST_REDIS_URL"
TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # "graphql-transport-ws"
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL  # "graphql-ws"

# -- documents ----------------------------------------------------------------------

TICKET_EVENTS = """
subscription TicketEvents($since: Int) {
  ticketEvents(since: $since) {
    sequence type at actor { id } ticketId
    ticket { id kind status version assignee { id } customer { id } }
    data
  }
}"""
NOTIFICATIONS = """
subscription Notifications($since: Int) {
  notifications(since: $since) {
    sequence id kind handled message at ticketId ticket { id status }
  }
}"""
CREATE_TICKET = """
mutation M($input: CreateTicketInput!) {
  createTicket(input: $input) { id number kind status version }
}"""
DISPATCH = """
mutation M($id: ID!, $engineerId: ID!, $note: String) {
  dispatchTicket(id: $id, engineerId: $engineerId, note: $note) {
    id status version assignee { id }
  }
}"""
ACKNOWLEDGE = """
mutation M($id: ID!, $key: String) {
  acknowledgeTicket(id: $id, idempotencyKey: $key) { id status version }
}"""
CHECK_IN = """
mutation M($id: ID!) {
  checkIn(ticketId: $id, latitude: 31.2, longitude: 121.5, note: "on site") {
    id status version
  }
}"""
DIAGNOSE = """
mutation M($id: ID!, $text: String!) {
  setRemoteDiagnosis(id: $id, diagnosis: $text) { id status version }
}"""
HISTORY = """
query Q($id: ID!) {
  ticket(id: $id) { id status version history { sequence type ticket { status version } } }
}"""
DISABLE_USER = "mutation M($id: ID!) { disableUser(id: $id) { id enabled } }"
KIND_RESTRICTION = """
mutation M($kinds: [TicketKind!], $userId: ID) {
  setTicketKindRestriction(kinds: $kinds, userId: $userId) { kinds }
}"""


# -- settings of the environment -------------------------------------------------------


def redis_url() -> str:
    """TEST_REDIS_URL; skips when unset, except under CI=true, where it fails."""
    raw = os.environ.get(REDIS_ENV, "").strip()
    if not raw:
        reason = f"broker tests need {REDIS_ENV}, e.g. redis://127.0.0.1:6379"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true but {reason}: the Redis tests must run in CI", pytrace=False)
        pytest.skip(reason)
    if not raw.startswith(("redis://", "rediss://")):
        pytest.fail(f"{REDIS_ENV} must be a redis:// URL, not {raw!r}", pytrace=False)
    return raw


def postgres_broadcast_url(database_url: str) -> str:
    """The broadcaster URL (postgres://...) for the database a server runs on."""
    url = make_url(database_url).set(drivername="postgresql")
    return "postgres://" + url.render_as_string(hide_password=False).split("://", 1)[1]


# -- HTTP, asynchronously ------------------------------------------------------------


class Api:
    """GraphQL over async HTTP against one server (leak-checked like `Client`)."""

    def __init__(self, server: HttpClient) -> None:
        self.server = server
        self._http = server.async_http()

    async def __aenter__(self) -> Api:
        await self._http.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.__aexit__(*exc)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self._http.post(
            "/graphql",
            json=HttpClient.body(query, variables),
            headers=HttpClient.headers_for(token),
        )
        decoded = response.json()
        assert isinstance(decoded, dict), decoded
        return decoded

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        return assert_ok(await self.gql(query, variables, token))


# -- gql sessions and subscriptions ----------------------------------------------------


class StreamEnded(AssertionError):
    pass


@dataclass(eq=False)
class Stream:
    """One running subscription; its results (the `data` field's value) are queued."""

    name: str
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    received: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def next(self, within: float = 5.0, what: str = "an item") -> dict[str, Any]:
        try:
            item = await asyncio.wait_for(self.queue.get(), within)
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: no {what} within {within}s; received so far: "
                f"{json.dumps(self.received)[:3000]}"
            ) from None
        if isinstance(item, BaseException):
            raise StreamEnded(f"{self.name}: the subscription ended ({item!r}) waiting for {what}")
        self.received.append(item)
        return item

    async def until(
        self, done: Callable[[dict[str, Any]], bool], within: float = 5.0, what: str = "it"
    ) -> list[dict[str, Any]]:
        """Every item up to and including the first for which `done` is true."""
        deadline = time.monotonic() + within
        seen: list[dict[str, Any]] = []
        while True:
            left = deadline - time.monotonic()
            try:
                item = await self.next(max(left, 0.001), what)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n(waiting for {what}; seen: {seen})") from None
            seen.append(item)
            if done(item):
                return seen

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


class Live:
    """An open gql session: one websocket connection of one user."""

    def __init__(self, session: Any, label: str) -> None:
        self.session = session
        self.label = label
        self.streams: list[Stream] = []

    def stream(
        self, document: str, variables: dict[str, Any] | None = None, name: str = ""
    ) -> Stream:
        stream = Stream(name=f"{self.label}:{name or document.split('(')[0].split()[-1]}")
        request = GraphQLRequest(document, variable_values=variables)

        async def pump() -> None:
            try:
                async for result in self.session.subscribe(request):
                    check_no_leak(json.dumps(result, default=str), f"{stream.name} message")
                    (value,) = result.values()
                    stream.queue.put_nowait(value)
                stream.queue.put_nowait(StreamEnded("completed"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # delivered to whoever waits next
                check_no_leak(str(exc), f"{stream.name} error")
                stream.queue.put_nowait(exc)

        stream.task = asyncio.create_task(pump(), name=stream.name)
        self.streams.append(stream)
        return stream

    async def execute(self, document: str, variables: dict[str, Any] | None = None) -> Any:
        """A query or mutation over this same websocket."""
        result = await self.session.execute(GraphQLRequest(document, variable_values=variables))
        check_no_leak(json.dumps(result, default=str), f"{self.label} result")
        return result


@contextlib.asynccontextmanager
async def live(
    server: HttpClient, token: str, *, label: str = "ws", protocol: str = TRANSPORT_WS
) -> AsyncIterator[Live]:
    transport = WebsocketsTransport(
        url=server.ws_url,
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[protocol],
        connect_timeout=10,
        close_timeout=2,
        ack_timeout=10,
    )
    client = Client(transport=transport, fetch_schema_from_transport=False)
    async with client as session:
        handle = Live(session, label)
        try:
            yield handle
        finally:
            for stream in handle.streams:
                stream.stop()
            for stream in handle.streams:
                if stream.task is not None:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await stream.task


def of_ticket(ticket_id: str) -> Callable[[dict[str, Any]], bool]:
    """Events and notifications about a ticket: `ticketId` names it even where the
    reader may no longer see the ticket itself."""

    def about(item: dict[str, Any]) -> bool:
        if "ticketId" in item:
            return item["ticketId"] == ticket_id
        return (item.get("ticket") or {}).get("id") == ticket_id

    return about


# -- raw websockets, for close codes ---------------------------------------------------


async def raw_ws(
    server: HttpClient, token: str | None, *, protocol: str = TRANSPORT_WS, **kwargs: Any
) -> ClientConnection:
    """An open websocket that has sent connection_init (the ack is not awaited)."""
    ws = await connect(
        server.ws_url, subprotocols=[protocol], open_timeout=10, close_timeout=2, **kwargs
    )
    payload = {"Authorization": f"Bearer {token}"} if token is not None else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def recv_message(ws: ClientConnection, within: float = 5.0) -> dict[str, Any]:
    """The next message that is not a keep-alive, leak-checked."""
    while True:
        raw = await asyncio.wait_for(ws.recv(), within)
        text = raw if isinstance(raw, str) else raw.decode()
        check_no_leak(text, "websocket message")
        message = json.loads(text)
        if message.get("type") not in ("ka", "ping", "pong"):
            return message


async def subscribe_raw(
    ws: ClientConnection, document: str, variables: dict[str, Any] | None = None, op: str = "1"
) -> None:
    """Waits for the ack, then starts a subscription (graphql-transport-ws)."""
    ack = await recv_message(ws, 10)
    assert ack["type"] == "connection_ack", ack
    body = {"query": document, "variables": variables or {}}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": body}))


def summary(messages: list[dict[str, Any]]) -> str:
    """Short: type and sequence of each message (ticketEvents), first 50."""
    parts = []
    for message in messages[:50]:
        data = ((message.get("payload") or {}).get("data") or {}).get("ticketEvents") or {}
        parts.append(f"{message.get('type')}:{data.get('sequence', '')}")
    return " ".join(parts) + (" ..." if len(messages) > 50 else "")


async def close_of(ws: ClientConnection, within: float) -> tuple[int | None, str, list[Any]]:
    """Reads until the server closes; returns (code, reason, messages read)."""
    messages: list[Any] = []
    closed: list[ConnectionClosed] = []

    async def drain() -> None:
        try:
            while True:
                messages.append(await recv_message(ws, within + 1))
        except ConnectionClosed as exc:
            closed.append(exc)

    try:
        await asyncio.wait_for(drain(), within)
    except TimeoutError:
        raise AssertionError(
            f"the server did not close the websocket within {within}s; read "
            f"{len(messages)} messages: {summary(messages)}"
        ) from None
    received = closed[0].rcvd
    if received is None:
        return None, "", messages
    return received.code, received.reason, messages
