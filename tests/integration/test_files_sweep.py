"""The orphan sweep (resolvers.attachments.sweep) on both databases and both storages:
stored bytes no row names are deleted once older than the grace period; files rows
name (their thumbnails too, and those of removed attachments) and fresh ones stay."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import Attachment, Customer, Ticket
from persistence.storage import Storage, storage_from_url
from resolvers.attachments.sweep import GRACE, sweep_orphan_files
from resolvers.context import Services
from settings import Settings


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    url = make_database(backend)
    migrations.upgrade(url)
    return url


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "local":
        return None
    return f"{request.getfixturevalue('s3_url')}/sweep-{secrets.token_hex(4)}"


@pytest.fixture
async def services(
    database_url: str, storage_url: str | None, tmp_path: Path
) -> AsyncIterator[Services]:
    engine = make_engine(database_url)
    storage = storage_from_url(tmp_path / "files", storage_url)
    await storage.start()
    key = secrets.token_urlsafe(32)
    yield Services(
        settings=Settings(database_url=database_url, secret_key=key),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        signing_key=key,
        storage=storage,
    )
    await storage.close()
    await engine.dispose()


async def keys(storage: Storage) -> set[str]:
    return {k async for k in storage.keys_older_than(datetime.now(UTC) + timedelta(days=1))}


async def test_orphans_go_named_files_stay(services: Services) -> None:
    storage = services.storage
    assert storage is not None
    tag = secrets.token_hex(4)
    named, thumb, removed = f"a/{tag}/named", f"a/{tag}/named.thumb", f"a/{tag}/removed"
    orphan = f"a/{tag}/orphan"
    for key in (named, thumb, removed, orphan):
        await storage.put_bytes(key, b"bytes")
    async with services.sessionmaker() as session, session.begin():
        customer = Customer(code=f"SW-{tag}", name="Sweep Co")
        session.add(customer)
        await session.flush()
        ticket = Ticket(
            kind="REPAIR",
            status="NEW",
            severity=3,
            source="PHONE",
            customer_id=customer.id,
            description="x",
            version=1,
        )
        session.add(ticket)
        await session.flush()
        for key, thumbnail, deleted in ((named, thumb, None), (removed, None, datetime.now(UTC))):
            session.add(
                Attachment(
                    ticket_id=ticket.id,
                    kind="PHOTO",
                    file_name="a.jpg",
                    content_type="image/jpeg",
                    size=5,
                    sha256="0" * 64,
                    storage_key=key,
                    thumbnail_key=thumbnail,
                    deleted_at=deleted,
                )
            )
    # Within the grace period nothing goes: an upload may still be on its way.
    fresh = await sweep_orphan_files(services, datetime.now(UTC), force=True)
    assert fresh.processed == 0
    assert {named, thumb, removed, orphan} <= await keys(storage)
    later = datetime.now(UTC) + GRACE + timedelta(minutes=1)
    swept = await sweep_orphan_files(services, later, force=True)
    assert swept.processed == 1
    left = await keys(storage)
    assert orphan not in left
    assert {named, thumb, removed} <= left
    # Not this tick: the sweep runs in the first tick of each hour only.
    await storage.put_bytes(orphan, b"again")
    off_hour = datetime(2026, 12, 1, 10, 30, tzinfo=UTC) + GRACE * 100
    assert (await sweep_orphan_files(services, off_hour)).processed == 0
    assert orphan in await keys(storage)
