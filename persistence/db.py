"""Engine and session factory for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 5.0,
    statement_timeout: float = 15.0,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine that fails fast instead of queueing everyone: waiting for a pooled
    connection is bounded (`pool_timeout`), and so is every statement
    (`statement_timeout`: PostgreSQL cancels it; SQLite interrupts it and waits at most
    that long for another writer's lock). Both failures read as "unavailable, retry"
    (persistence.errors.is_unavailable)."""
    if is_sqlite(url):
        # A busy timeout lets concurrent writers queue instead of failing at once.
        kwargs.setdefault("connect_args", {"timeout": statement_timeout})
    else:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", max_overflow)
        kwargs.setdefault("pool_timeout", pool_timeout)
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault(
            "connect_args",
            {
                "server_settings": {"statement_timeout": str(int(statement_timeout * 1000))},
                # Connecting to a database that does not answer is bounded too.
                "timeout": pool_timeout,
            },
        )
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        deadline = _SqliteDeadline(statement_timeout)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine, "connect", deadline.install)
        event.listen(engine.sync_engine, "before_cursor_execute", deadline.start)
        event.listen(engine.sync_engine, "after_cursor_execute", deadline.stop)
        event.listen(engine.sync_engine, "handle_error", deadline.stop_on_error)
    return engine


class _SqliteDeadline:
    """SQLite has no statement timeout: a progress handler, called every few thousand
    virtual-machine steps, interrupts a statement that has run past its deadline."""

    STEPS = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def install(self, dbapi_connection: Any, record: Any) -> None:
        until: list[float | None] = [None]
        record.info["deadline"] = until

        def over_time() -> int:
            limit = until[0]
            return 1 if limit is not None and time.monotonic() > limit else 0

        dbapi_connection.run_async(lambda conn: conn.set_progress_handler(over_time, self.STEPS))

    def start(self, conn: Any, *_args: Any) -> None:
        until = conn.connection.info.get("deadline")
        if until is not None:
            until[0] = time.monotonic() + self.seconds

    def stop(self, conn: Any, *_args: Any) -> None:
        until = conn.connection.info.get("deadline")
        if until is not None:
            until[0] = None

    def stop_on_error(self, context: Any) -> None:
        if context.connection is not None and not context.connection.closed:
            self.stop(context.connection)


# Execution option naming a transaction that will write (see `write_sessionmaker`).
WRITES = "aftersales_writes"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # We emit BEGIN ourselves (below); the driver's implicit one cannot say IMMEDIATE.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads, then writes, fails at once with "database is
    # locked" when another writer committed meanwhile; IMMEDIATE takes the write lock up
    # front, so concurrent writers queue on the busy timeout instead.
    immediate = conn.get_execution_options().get(WRITES, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Rows outlive their session: resolvers hand them to the schema after commit.
    return async_sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads alone. On PostgreSQL their connections run in autocommit: no
    BEGIN and no ROLLBACK around a read (two of the three round trips a one-statement
    read cost), and nothing changes for what a read sees: at READ COMMITTED every
    statement sees what was committed when it started, in a transaction or not. SQLite
    keeps its transactions: there a transaction is one snapshot for all its reads (a
    page and its count agree), and a round trip costs nothing."""
    if engine.dialect.name == "sqlite":
        return make_sessionmaker(engine)
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


def write_options() -> dict[str, Any]:
    """Session execution options for a unit of work that writes."""
    return {WRITES: True}


def count_statements(engine: AsyncEngine | Engine) -> list[str]:
    """Collects every SQL statement the engine runs (used by tests and benchmarks)."""
    statements: list[str] = []
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(sync_engine, "before_cursor_execute", _record)
    return statements
