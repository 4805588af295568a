"""Fault-test fixtures: a PostgreSQL cluster and a Redis server of the tests' own, and
pairs of `aftersales serve` processes on them.

* ``postgres`` (session): a `services.PostgresCluster` on a free port in a temporary
  directory; the tests stop, restart and start it at will (the machine's shared
  PostgreSQL, which other tests use at the same time, is never touched).
* ``redis`` (session): a `services.RedisServer`, likewise; a test that breaks it leaves
  it running again (and its `PUBSUB` state is the servers' relays').
* ``template`` (session): a database of ``postgres`` migrated once, with an
  administrator; each test's database is a copy (CREATE DATABASE ... TEMPLATE), so a
  test starts only its `serve` processes (no `migrate`, no `create-user`).
* ``servers`` (per test): ``servers(n=2, **env)`` starts `n` server processes
  (`e2e.client.Server`, in parallel) on a fresh copy of the template, sharing one
  SECRET_KEY (a token works on every one) and BROADCAST_URL = ``redis``, each with the
  administrator's token and a ``label`` ("A", "B"...). ``servers.restart(server)``
  starts a new process in place of a killed one (same database, key and broker).

Without initdb / redis-server the tests skip, except under CI=true, where they fail.
A failing test's report carries the tail of every server's log and of PostgreSQL's.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e.client import Server, assert_ok, clean_env, prepare_database, unique_password

from .scenario import RUNS
from .services import PostgresCluster, RedisServer

# Tests leave these running; scenarios set what they need on top.
BASE_ENV = {
    "ENVIRONMENT": "test",
    "EVENT_POLL_SECONDS": "2",
    # The writers are a handful of users writing as fast as they are answered.
    "HTTP_REQUESTS_PER_SECOND": "1000",
    "HTTP_BURST": "1000",
    "LOG_LEVEL": "INFO",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: breaks its own PostgreSQL / Redis / server processes (make test-faults)"
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    # Not under pytest's tmp dir: that is private to root, and PostgreSQL runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="aftersales-faults-pg-"))
    cluster = PostgresCluster(root)
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


class PreparedServer(Server):
    """A `Server` on a database made from the migrated template: it skips `migrate`."""

    def _cli_ok(self, *args: str) -> None:
        if args[:1] != ("migrate",):
            super()._cli_ok(*args)


@dataclass(frozen=True)
class Template:
    """A migrated database with an administrator; each test's database is a copy."""

    name: str
    admin_username: str
    admin_password: str


@pytest.fixture(scope="session")
def template(postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Template:
    url = postgres.create_database("faults_template")
    env = clean_env(**BASE_ENV, DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(36))
    cwd = tmp_path_factory.mktemp("template")
    username, password = f"admin_{secrets.token_hex(3)}", unique_password()
    prepare_database(env, cwd, (username, password))
    return Template("faults_template", username, password)


class Servers:
    """Starts and tracks a test's server processes (see the module docstring)."""

    def __init__(
        self,
        postgres: PostgresCluster,
        redis: RedisServer,
        template: Template,
        tmp: pytest.TempPathFactory,
    ) -> None:
        self.postgres = postgres
        self.redis = redis
        self.template = template
        self._tmp = tmp
        self.started: list[Server] = []
        self.env: dict[str, str] = {}
        self.admin_token = ""
        self.admin_id = ""

    def __call__(self, n: int = 2, **env: Any) -> list[Server]:
        database_url = self.postgres.create_database(template=self.template.name)
        self.env = {
            **BASE_ENV,
            "DATABASE_URL": database_url,
            "BROADCAST_URL": self.redis.url,
            "SECRET_KEY": secrets.token_urlsafe(36),
            **{k: str(v) for k, v in env.items()},
        }
        labels = [chr(ord("A") + i) for i in range(n)]
        with ThreadPoolExecutor(max_workers=n) as pool:
            started = list(pool.map(self._start, labels))
        first = started[0]
        login = first.login_response(self.template.admin_username, self.template.admin_password)
        self.admin_token = assert_ok(login)["login"]["token"]
        self.admin_id = login["data"]["login"]["user"]["id"]
        for server in started:
            self._admin(server)
        return started

    def _admin(self, server: Server) -> None:
        server.admin_token, server.admin_id = self.admin_token, self.admin_id
        server.admin_username = self.template.admin_username
        server.admin_password = self.template.admin_password

    def _start(self, label: str) -> Server:
        server = PreparedServer(
            backend="postgresql",
            database_url=self.env["DATABASE_URL"],
            workdir=self._tmp.mktemp(f"server-{label}"),
            env=clean_env(**self.env),
            admin=False,
        )
        server.label = label  # type: ignore[attr-defined]
        self.started.append(server)
        return server

    def restart(self, dead: Server) -> Server:
        """A new process in place of `dead` (its label with a prime)."""
        server = self._start(f"{dead.label}'")  # type: ignore[attr-defined]
        self._admin(server)
        return server

    def stop(self) -> None:
        for server in reversed(self.started):
            with contextlib.suppress(Exception):
                server.stop()


@pytest.fixture
def servers(
    postgres: PostgresCluster,
    redis: RedisServer,
    template: Template,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Servers]:
    running = Servers(postgres, redis, template, tmp_path_factory)
    try:
        yield running
    finally:
        running.stop()
        # Whatever a test broke is whole again for the next one.
        if redis.process is None or redis.process.poll() is not None:
            redis.start()
        elif redis.paused:
            redis.resume()
        if not postgres.running():
            postgres.start()


@pytest.fixture(autouse=True)
async def _stop_runs(servers: Servers) -> AsyncIterator[None]:
    """Writers and subscribers never outlive their test, even one that failed midway
    (stopped before the servers are: this fixture is set up after `servers`)."""
    yield
    while RUNS:
        await RUNS.pop().cancel()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", None) or {}
        running = funcargs.get("servers")
        if isinstance(running, Servers):
            for server in running.started:
                label = getattr(server, "label", "?")
                report.sections.append((f"server log: {label} ({server.url})", server.log_tail(80)))
            report.sections.append(("postgres log", running.postgres.log_tail()))
    return report
