"""A live event is never sent broken: while its fields cannot be read (the database
does not answer in time), it is resolved again; if the database stays away, the
subscriber is closed (4503) with the `since` to resume from, and gets it whole then.

PostgreSQL only: a transaction outside the server holds the tickets table in ACCESS
EXCLUSIVE mode, so reading a ticket runs into the 1 s statement timeout while the
event table stays readable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from persistence.db import make_engine

from . import records_helpers as rh
from . import ticket_helpers as th
from .client import Server
from .live_helpers import close_of, raw_ws, recv_message, subscribe_raw

EVENTS = (
    "subscription S($since: Int) { ticketEvents(since: $since) {"
    " sequence type ticket { id description } } }"
)
HISTORY = "query ($id: ID!) { ticket(id: $id) { history { sequence } } }"

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def tickets_unreadable(database_url: str) -> AsyncIterator[None]:
    engine = make_engine(database_url, statement_timeout=120)
    try:
        async with engine.connect() as conn:
            await conn.begin()
            await conn.execute(text("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"))
            yield
            await conn.rollback()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def impatient_pg(server_factory: Callable[..., Server]) -> Server:
    return server_factory("postgresql", DB_STATEMENT_TIMEOUT_SECONDS="1")


def ticket_with_event(server: Server) -> tuple[str, str, int]:
    """A new ticket, a dispatcher's token, and the sequence of the ticket's creation."""
    dispatcher = server.make_user("CUSTOMER_SERVICE")
    customer = rh.create_customer(server)
    ticket = th.create_ticket(server, dispatcher.token, customer["id"])
    history = server.data(HISTORY, {"id": ticket["id"]}, token=server.admin_token)
    return ticket["id"], dispatcher.token, history["ticket"]["history"][0]["sequence"]


async def test_an_event_whose_ticket_cannot_be_read_yet_arrives_whole_once_it_can(
    impatient_pg: Server,
) -> None:
    ticket_id, token, sequence = ticket_with_event(impatient_pg)
    ws = await raw_ws(impatient_pg, token)
    try:
        async with tickets_unreadable(impatient_pg.database_url):
            await subscribe_raw(ws, EVENTS, {"since": sequence - 1})
            # Several attempts run into the statement timeout meanwhile; none is sent.
            with pytest.raises(TimeoutError):
                await recv_message(ws, 3.0)
        message = await recv_message(ws, 20.0)
    finally:
        await ws.close()
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    event = message["payload"]["data"]["ticketEvents"]
    assert event["sequence"] == sequence
    assert event["ticket"]["id"] == ticket_id and event["ticket"]["description"]


async def test_a_subscriber_is_closed_with_where_to_resume_when_the_database_stays_away(
    impatient_pg: Server,
) -> None:
    ticket_id, token, sequence = ticket_with_event(impatient_pg)
    ws = await raw_ws(impatient_pg, token)
    try:
        async with tickets_unreadable(impatient_pg.database_url):
            await subscribe_raw(ws, EVENTS, {"since": sequence - 1})
            code, reason, messages = await close_of(ws, 40)
    finally:
        await ws.close()
    assert code == 4503, (code, reason)
    assert f"since={sequence - 1}" in reason, reason
    assert not [m for m in messages if m.get("type") == "next"], messages
    # Resuming where the close said gets the event, whole.
    resumed = await raw_ws(impatient_pg, token)
    try:
        await subscribe_raw(resumed, EVENTS, {"since": sequence - 1})
        message = await asyncio.wait_for(recv_message(resumed, 20.0), 25)
    finally:
        await resumed.close()
    assert message["type"] == "next" and "errors" not in message["payload"], message
    assert message["payload"]["data"]["ticketEvents"]["ticket"]["id"] == ticket_id
