"""Fail fast, never starve: a request that cannot get the database in time is answered
SERVICE_UNAVAILABLE (with retryAfter) instead of queueing everyone behind it, and
leaves nothing behind.

The database is made unavailable for writes from outside the server: a transaction
holding the event table's lock (PostgreSQL) or SQLite's write lock, as a long
migration or a stuck batch job would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text

from persistence.db import make_engine, write_options

from . import records_helpers as rh
from .client import Server, assert_ok, error_code, errors, unique_name

CREATE = """
mutation ($input: CreateTicketInput!) { createTicket(input: $input) { id } }
"""
COUNT = "query ($id: ID!) { tickets(filter: {customerId: $id}) { totalCount } }"


@asynccontextmanager
async def writes_blocked(database_url: str) -> AsyncIterator[None]:
    """Holds the lock every change needs until the block ends."""
    engine = make_engine(database_url, statement_timeout=60)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                await conn.begin()
                await conn.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
            else:
                conn = await conn.execution_options(**write_options())
                await conn.begin()  # BEGIN IMMEDIATE: SQLite's write lock
                await conn.execute(text("SELECT 1"))
            yield
            await conn.rollback()
    finally:
        await engine.dispose()


async def post(server: Server, query: str, variables: dict[str, Any], token: str) -> dict:
    async with server.async_http(timeout=60) as http:
        response = await http.post(
            "/graphql", json=server.body(query, variables), headers=server.headers_for(token)
        )
        return response.json()


def new_ticket_input(customer_id: str) -> dict[str, Any]:
    return {"kind": "REPAIR", "customerId": customer_id, "description": unique_name("fault")}


def assert_unavailable(response: dict[str, Any]) -> None:
    assert error_code(response) == "SERVICE_UNAVAILABLE", response
    extensions = errors(response)[0]["extensions"]
    assert isinstance(extensions["retryAfter"], int) and extensions["retryAfter"] > 0
    assert response.get("data") in (None, {"createTicket": None}), response


@pytest.fixture(scope="module")
def impatient(backend: str, server_factory: Callable[..., Server]) -> Server:
    return server_factory(backend, DB_STATEMENT_TIMEOUT_SECONDS="1", RETRY_AFTER_SECONDS="3")


async def test_a_change_that_cannot_get_its_lock_in_time_is_unavailable_and_leaves_nothing(
    impatient: Server,
) -> None:
    dispatcher = impatient.make_user("CUSTOMER_SERVICE")
    customer = rh.create_customer(impatient)
    async with writes_blocked(impatient.database_url):
        change = asyncio.create_task(
            post(impatient, CREATE, {"input": new_ticket_input(customer["id"])}, dispatcher.token)
        )
        # Readers are not held up by a stuck writer.
        read = await post(impatient, COUNT, {"id": customer["id"]}, dispatcher.token)
        assert assert_ok(read)["tickets"]["totalCount"] == 0
        answer = await change
    assert_unavailable(answer)
    assert errors(answer)[0]["extensions"]["retryAfter"] == 3
    # Nothing half-written: no ticket, and the next change goes through.
    after = impatient.data(COUNT, {"id": customer["id"]}, token=dispatcher.token)
    assert after["tickets"]["totalCount"] == 0
    made = impatient.gql(CREATE, {"input": new_ticket_input(customer["id"])}, dispatcher.token)
    assert assert_ok(made)["createTicket"]["id"]


@pytest.fixture(scope="module")
def hasty(backend: str, server_factory: Callable[..., Server]) -> Server:
    return server_factory(backend, DB_STATEMENT_TIMEOUT_SECONDS="30", REQUEST_TIMEOUT_SECONDS="1")


@pytest.fixture(scope="module")
def small_pool(server_factory: Callable[..., Server]) -> Server:
    # PostgreSQL only: the SQLite default has no connection pool to exhaust.
    return server_factory(
        "postgresql",
        DB_POOL_SIZE="1",
        DB_MAX_OVERFLOW="0",
        DB_POOL_TIMEOUT_SECONDS="0.5",
        DB_STATEMENT_TIMEOUT_SECONDS="20",
    )


async def test_a_request_over_its_deadline_is_unavailable_and_leaves_nothing(
    hasty: Server,
) -> None:
    server = hasty
    dispatcher = server.make_user("CUSTOMER_SERVICE")
    customer = rh.create_customer(server)
    async with writes_blocked(server.database_url):
        started = time.monotonic()
        answer = await post(
            server, CREATE, {"input": new_ticket_input(customer["id"])}, dispatcher.token
        )
        waited = time.monotonic() - started
    assert_unavailable(answer)
    # The 1 s deadline answered, not the 30 s statement timeout.
    assert waited < 15, waited
    after = server.data(COUNT, {"id": customer["id"]}, token=dispatcher.token)
    assert after["tickets"]["totalCount"] == 0


@pytest.mark.postgres
async def test_a_full_pool_answers_unavailable_instead_of_queueing(small_pool: Server) -> None:
    server = small_pool
    dispatcher = server.make_user("CUSTOMER_SERVICE")
    customer = rh.create_customer(server)
    async with writes_blocked(server.database_url):
        # This change takes the only connection and waits on the lock...
        change = asyncio.create_task(
            post(server, CREATE, {"input": new_ticket_input(customer["id"])}, dispatcher.token)
        )
        await asyncio.sleep(1.0)
        # ...so this read cannot get one within the pool timeout: it is told so at once.
        read = await post(server, COUNT, {"id": customer["id"]}, dispatcher.token)
        assert error_code(read) == "SERVICE_UNAVAILABLE", read
        assert not change.done(), "the change should still be waiting on the lock"
    made = await change
    assert assert_ok(made)["createTicket"]["id"]
