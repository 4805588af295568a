"""End-to-end fixtures: a real `aftersales serve` process per database backend.

* ``server`` (session; one per backend, ``sqlite`` and ``postgresql``, kept for the
  whole test process, across modules): a running
  server on a fresh, migrated database with an administrator. It is a
  `tests.e2e.client.Server`: ``.url``, ``.graphql_url``, ``.ws_url``, ``.backend``,
  ``.database_url``, ``.secret_key``, ``.admin_token``, ``.admin_id``,
  ``.admin_username``, ``.admin_password``, ``.log_path``, and the client
  methods ``gql``, ``data``, ``admin``, ``post``, ``login``, ``login_response``,
  ``make_user``, ``token_for``, ``async_http``. All tests share it: create your own
  uniquely named data (``unique_name``) and never count global rows.
* ``server_factory`` (module): ``server_factory(backend="sqlite", *, admin=True,
  **env)`` starts another server with extra environment (``ENVIRONMENT="production"``,
  ``LOGIN_ATTEMPTS="3"``...; a value of None unsets a variable). Without
  ``DATABASE_URL`` it gets a fresh database of ``backend``; a second process on the
  same data is ``server_factory(s.backend, DATABASE_URL=s.database_url,
  SECRET_KEY=s.secret_key)`` (it gets its own administrator). Stopped at the end of
  the module, or earlier with ``.stop()``.

A failing test gets the tail of its servers' logs in its report. Every response
of every test is checked for leaked internals (see `client.check_no_leak`).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .client import LEAKS, Server, clean_env, prepare_database, unique_password


@pytest.fixture(scope="session")
def start_server(
    make_database: Callable[..., str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Server]]:
    """What `server_factory` and `server` start servers with; whatever is still running
    at the end of the session is stopped then."""
    # Per backend, a migrated database with an administrator, prepared once per test
    # process: a server with a fresh database starts on a copy of it (no migration,
    # no create-user: two seconds of CPU less per server).
    prepared: dict[str, tuple[str, tuple[str, str]]] = {}

    def prepared_copy(backend: str) -> tuple[str, tuple[str, str]]:
        if backend not in prepared:
            url = make_database(backend)
            admin = ("admin_" + secrets.token_hex(3), unique_password())
            workdir = tmp_path_factory.mktemp(f"prepared-{backend}")
            prepare_database(clean_env(ENVIRONMENT="test", DATABASE_URL=url), workdir, admin)
            prepared[backend] = (url, admin)
        template, admin = prepared[backend]
        return make_database(backend, template=template), admin

    def start(backend: str = "sqlite", *, admin: bool = True, **env: Any) -> Server:
        values: dict[str, str | None] = {"ENVIRONMENT": "test"}
        prepared_admin = None
        if "DATABASE_URL" not in env:
            if admin:
                values["DATABASE_URL"], prepared_admin = prepared_copy(backend)
            else:
                values["DATABASE_URL"] = make_database(backend)
        if "SECRET_KEY" not in env:
            values["SECRET_KEY"] = secrets.token_urlsafe(36)  # 48 characters
        values.update({k: None if v is None else str(v) for k, v in env.items()})
        server = Server(
            backend=backend,
            database_url=values["DATABASE_URL"] or "",
            workdir=tmp_path_factory.mktemp(f"server-{backend}"),
            env=clean_env(**values),
            admin=admin,
            prepared_admin=prepared_admin,
        )
        return server

    with stopped_after(start) as tracked_start:
        yield tracked_start


@pytest.fixture(scope="module")
def server_factory(start_server: Callable[..., Server]) -> Iterator[Callable[..., Server]]:
    """Starts servers that are stopped at the end of the module: an idle server still
    polls for events and deliveries, and a test process that kept every module's servers
    ran some twenty at once."""
    with stopped_after(start_server) as start:
        yield start


@contextlib.contextmanager
def stopped_after(start: Callable[..., Server]) -> Iterator[Callable[..., Server]]:
    """`start`, every server it started being stopped (the last first) on leaving."""
    started: list[Server] = []

    def tracked_start(*args: Any, **kwargs: Any) -> Server:
        server = start(*args, **kwargs)
        started.append(server)
        return server

    try:
        yield tracked_start
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="session")
def shared_servers() -> dict[str, Server]:
    """The `server` of each backend, started when first asked for and kept for the
    whole session (pytest would otherwise stop and start it again each time the
    backend parameter changes, i.e. twice per test module)."""
    return {}


@pytest.fixture(scope="session")
def server(
    backend: str, start_server: Callable[..., Server], shared_servers: dict[str, Server]
) -> Server:
    if backend not in shared_servers:
        shared_servers[backend] = start_server(backend)
    return shared_servers[backend]


@pytest.fixture(autouse=True)
def _no_leaked_internals() -> Iterator[None]:
    """Fails the test if any response it received leaked a trace or driver name,
    even when the AssertionError raised on receipt was swallowed somewhere."""
    seen = len(LEAKS)
    yield
    leaked = LEAKS[seen:]
    if leaked:
        pytest.fail("responses leaked internals:\n" + "\n".join(leaked), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        for name, value in (getattr(item, "funcargs", None) or {}).items():
            if isinstance(value, Server):
                report.sections.append(
                    (f"server log: {name} ({value.backend}, {value.url})", value.log_tail())
                )
    return report
