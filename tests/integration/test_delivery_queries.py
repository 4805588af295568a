"""The delivery queries on both databases: each stream's oldest open delivery only,
when due; deliveries made once per (channel, event, recipient); the lease held by one
holder at a time and taken over once expired."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from persistence import migrations
from persistence.db import make_engine, make_sessionmaker, write_options
from persistence.models import Channel
from persistence.queries import channels as rows
from persistence.types import utcnow


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    url = make_database(backend)
    migrations.upgrade(url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def a_channel(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions(execution_options=write_options()) as session, session.begin():
        channel = Channel(
            kind="WEBHOOK",
            name=secrets.token_hex(3),
            config={},
            notification_kinds=[],
            max_attempts=3,
            cursor=0,
        )
        session.add(channel)
        await session.flush()
        return channel.id


def delivery(channel_id: int, sequence: int, stream: str, **fields: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "channel_id": channel_id,
        "event_sequence": sequence,
        "event_type": "TICKET_CREATED",
        "recipient_key": 0,
        "stream": stream,
        "address": None,
        "notification_id": None,
        "ticket_id": None,
        "status": "PENDING",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        **fields,
    }


async def test_each_stream_goes_in_order(sessions: async_sessionmaker[AsyncSession]) -> None:
    channel = await a_channel(sessions)
    later = utcnow() + timedelta(minutes=5)
    made = [
        delivery(channel, 1, "ticket:1", status="SENT"),
        delivery(channel, 2, "ticket:1"),  # the head of ticket 1 now
        delivery(channel, 3, "ticket:1"),  # waits for 2
        delivery(channel, 4, "ticket:2", status="FAILED", next_attempt_at=later),  # not due
        delivery(channel, 5, "ticket:2"),  # waits for 4, though due
        delivery(channel, 6, "ticket:3", status="GAVE_UP"),
        delivery(channel, 7, "ticket:3"),  # a given-up head lets the next go
    ]
    async with sessions(execution_options=write_options()) as session, session.begin():
        await rows.add_deliveries(session, made)
        await rows.add_deliveries(session, made)  # made twice: once
    async with sessions() as session:
        due = await rows.due_deliveries(session, channel, utcnow(), 10)
        assert sorted(d.event_sequence for d in due) == [2, 7]
        assert await rows.due_deliveries(session, channel, later + timedelta(seconds=1), 10)
        total = (await session.execute(rows.deliveries_listed(channel, None, None))).scalars().all()
        assert len(total) == len(made)


async def test_one_holder_at_a_time(sessions: async_sessionmaker[AsyncSession]) -> None:
    name = f"lease-{secrets.token_hex(3)}"
    now = utcnow()

    async def take(holder: str, at: Any) -> bool:
        async with sessions(execution_options=write_options()) as session, session.begin():
            return await rows.take_lease(session, name, holder, at, at + timedelta(seconds=30))

    assert await take("a", now)
    assert not await take("b", now + timedelta(seconds=10))
    assert await take("a", now + timedelta(seconds=10))  # renewed
    assert not await take("b", now + timedelta(seconds=39))
    assert await take("b", now + timedelta(seconds=41))  # expired: taken over
    async with sessions(execution_options=write_options()) as session, session.begin():
        await rows.give_up_lease(session, name, "b", now + timedelta(seconds=42))
    assert await take("a", now + timedelta(seconds=43))  # handed over at once
