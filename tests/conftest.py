"""Shared test fixtures: throwaway databases on every supported backend.

Backends
--------
* ``sqlite``: a file in a temporary directory (``sqlite+aiosqlite:///<tmp>/x.db``).
* ``postgresql``: a database with a random name created on the server named by
  ``TEST_DATABASE_URL`` (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``,
  used only as the admin connection) and dropped afterwards.

Without ``TEST_DATABASE_URL`` the PostgreSQL parameters are skipped, except under
``CI=true``, where they fail: in CI the PostgreSQL tests must run.

Fixtures
--------
* ``backend`` (session, parametrised ``sqlite`` / ``postgresql``): the backend name.
  Any fixture or test depending on it runs once per backend.
* ``make_database`` (session): ``make_database(backend) -> database_url``, a fresh,
  empty database (no migrations applied) dropped at the end of the session;
  ``make_database(backend, template=url)`` is a copy of the database at ``url``
  instead (PostgreSQL ``CREATE DATABASE ... TEMPLATE``, SQLite's backup API): a
  migrated database costs a copy, not a migration.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

BACKENDS = ("sqlite", "postgresql")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked `runs_long(seconds)` first, longest first, the rest as collected:
    CI's workers take whole modules in this order (`--dist loadfile
    --no-loadscope-reorder`), so a long module never starts last and runs alone."""

    def seconds(item: pytest.Item) -> float:
        marker = item.get_closest_marker("runs_long")
        return float(marker.args[0]) if marker else 0.0

    items.sort(key=lambda item: -seconds(item))  # stable: modules stay whole


PG_ENV = "TEST_DATABASE_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def pg_admin_url() -> URL:
    """The admin connection (`TEST_DATABASE_URL`); skips (fails in CI) when unset."""
    raw = os.environ.get(PG_ENV, "").strip()
    if not raw:
        reason = (
            f"PostgreSQL tests need {PG_ENV}, e.g. "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        )
        if in_ci():
            pytest.fail(f"CI=true but {reason}: PostgreSQL tests must run in CI", pytrace=False)
        pytest.skip(reason)
    url = make_url(raw)
    if not url.drivername.startswith("postgresql"):
        pytest.fail(f"{PG_ENV} must be a postgresql:// URL, not {url.drivername}", pytrace=False)
    return url


def _asyncpg_dsn(url: URL) -> str:
    # asyncpg wants a plain libpq-style URL: postgresql://user@host:port/db
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: URL, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_pg_database(admin: URL, template: str | None = None) -> tuple[str, Callable[[], None]]:
    """Creates `aftersales_t_<hex>` (a copy of the database `template` names, which
    nobody may be connected to); returns (SQLAlchemy asyncpg URL, drop)."""
    name = f"aftersales_t_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"{copy}'))
    except OSError as exc:
        pytest.fail(f"cannot reach PostgreSQL at {admin!r} ({PG_ENV}): {exc}", pytrace=False)

    def drop() -> None:
        # FORCE (PostgreSQL 13+) ends connections a killed server may have left behind.
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    url = admin.set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False), drop


def copy_sqlite_database(source: str, target: Path) -> None:
    """A consistent copy of the SQLite file `source` (its WAL included)."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        pg_admin_url()  # skip (or fail in CI) early, before anything is started
    return request.param


@pytest.fixture(scope="session")
def make_database(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., str]]:
    drops: list[Callable[[], None]] = []
    tmp = tmp_path_factory.mktemp("databases")

    def make(backend: str, template: str | None = None) -> str:
        if backend == "sqlite":
            path = tmp / f"{secrets.token_hex(4)}.db"
            if template is not None:
                copy_sqlite_database(make_url(template).database or "", path)
            return f"sqlite+aiosqlite:///{path}"
        if backend == "postgresql":
            source = make_url(template).database if template is not None else None
            url, drop = create_pg_database(pg_admin_url(), source)
            drops.append(drop)
            return url
        raise ValueError(f"unknown backend {backend!r}; one of {BACKENDS}")

    yield make
    errors = []
    for drop in reversed(drops):
        try:
            drop()
        except Exception as exc:  # keep dropping the others
            errors.append(exc)
    if errors:
        raise errors[0]


# A local S3 (moto's server mode) for the storage tests and the servers that store
# files in a bucket: started once per test process, when a test first asks for it.
from integration.s3_server import s3_url  # noqa: E402, F401
