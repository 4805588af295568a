"""Migration 0004 (login throttles) on a database that has data, on both backends:
accounts whose names differ only in case (possible before it) keep the oldest one's
name, the others are renamed; afterwards no two names may differ only in case; the
old lock columns go, and the migration goes down and up again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from alembic import command
from persistence import migrations
from persistence.db import make_engine

INSERT = text(
    "INSERT INTO users (username, display_name, role, enabled, password_hash, failed_logins,"
    " token_version, created_at, updated_at)"
    " VALUES (:name, :name, 'ENGINEER', true, 'x', :failed, 1,"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def run(url: str, *statements: tuple[Any, dict[str, Any]]) -> list[Any]:
    """Runs statements in one transaction; the rows of the last one."""

    async def go() -> list[Any]:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                result = None
                for statement, params in statements:
                    result = await connection.execute(statement, params)
                return list(result.all()) if result is not None and result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def columns_of_users(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text("SELECT * FROM users WHERE 1 = 0"))
                return set(result.keys())
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_case_duplicates_are_renamed_and_then_refused(backend: str, make_database: Any) -> None:
    url = make_database(backend)
    migrations.upgrade(url, "0003_spare_parts")
    names = ["demo-admin", "DEMO-ADMIN", "Demo-Admin", "other", "x" * 49 + "X", "x" * 50]
    run(url, *((INSERT, {"name": name, "failed": 5}) for name in names))

    migrations.upgrade(url)

    rows = run(url, (text("SELECT id, username FROM users ORDER BY id"), {}))
    by_id = {user_id: username for user_id, username in rows}
    assert by_id[1] == "demo-admin"  # the oldest keeps its name
    assert by_id[2] == "DEMO-ADMIN-2"
    assert by_id[3] == "Demo-Admin-3"
    assert by_id[4] == "other"
    assert by_id[5] == "x" * 49 + "X"
    assert by_id[6] == "x" * 48 + "-6"  # cut to fit 50 characters
    assert len({name.lower() for name in by_id.values()}) == len(by_id)

    insert_now = text(
        "INSERT INTO users (username, display_name, role, enabled, password_hash,"
        " token_version, created_at, updated_at)"
        " VALUES (:name, :name, 'ENGINEER', true, 'x', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    run(url, (insert_now, {"name": "another"}))
    with pytest.raises(IntegrityError):
        run(url, (insert_now, {"name": "OTHER"}))
    assert "failed_logins" not in columns_of_users(url)
    assert {"locked_until"} <= columns_of_users(url)
    # The old permanent lock is gone with its columns: nobody is locked now.
    assert run(url, (text("SELECT count(*) FROM users WHERE locked_until IS NOT NULL"), {})) == [
        (0,)
    ]


def test_goes_down_and_up_again(backend: str, make_database: Any) -> None:
    url = make_database(backend)
    migrations.upgrade(url)
    command.downgrade(migrations.alembic_config(url), "0003_spare_parts")
    assert "failed_logins" in columns_of_users(url)
    assert "locked_until" not in columns_of_users(url)
    migrations.upgrade(url)
    assert "locked_until" in columns_of_users(url)
    run(url, (text("SELECT name_key FROM login_throttles"), {}))
    run(url, (text("SELECT address FROM login_address_throttles"), {}))
