"""The migrations make exactly the tables the models declare, on both databases: a
model changed without its migration (or the reverse) fails here, not in production."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from persistence import migrations
from persistence.db import make_engine
from persistence.models import Base


@pytest.fixture
def database_url(backend: str, make_database: Any) -> str:
    url = make_database(backend)
    migrations.upgrade(url)
    return url


async def test_a_migrated_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)

    def differences(connection: Any) -> list[Any]:
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes (lower(username)); PostgreSQL can.
            warnings.simplefilter("ignore")
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert found == []
