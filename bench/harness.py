"""What every benchmark needs: a scratch PostgreSQL database, real server processes on
free ports, a run-time bound, percentiles and a description of the machine.

Nothing here asserts anything about speed: the scripts print figures.
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
ADMIN_ENV = "BENCH_DATABASE_URL"
DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


# -- time budget ----------------------------------------------------------------------


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupts the main thread (KeyboardInterrupt) once `seconds` have passed, so the
    `finally` blocks still stop the servers and drop the database."""
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        print(f"\n!! time budget of {seconds:.0f} s exceeded; stopping", file=sys.stderr)
        _thread.interrupt_main()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


# -- the scratch database ----------------------------------------------------------------


def plain_dsn(sqlalchemy_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def fetch_value(dsn: str, query: str, *args: Any) -> Any:
    """The first column of the first row of `query`, on a connection of its own."""
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def _admin(dsn: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@dataclass
class ScratchDatabase:
    """`aftersales_bench_<hex>` on the server of BENCH_DATABASE_URL (the admin db)."""

    admin_url: str
    name: str = field(default_factory=lambda: f"aftersales_bench_{secrets.token_hex(5)}")

    @property
    def url(self) -> str:
        """SQLAlchemy URL (postgresql+asyncpg://...)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.admin_url).set(drivername="postgresql+asyncpg", database=self.name)
        return url.render_as_string(hide_password=False)

    @property
    def dsn(self) -> str:
        """asyncpg / libpq URL (postgresql://...)."""
        return plain_dsn(self.url)

    @property
    def admin_dsn(self) -> str:
        return plain_dsn(self.admin_url)

    def create(self) -> None:
        asyncio.run(_admin(plain_dsn(self.admin_url), f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        # FORCE: a killed server may have left connections behind.
        asyncio.run(
            _admin(plain_dsn(self.admin_url), f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        )


@contextlib.contextmanager
def scratch_database() -> Iterator[ScratchDatabase]:
    admin = os.environ.get(ADMIN_ENV, "").strip() or DEFAULT_ADMIN_URL
    db = ScratchDatabase(admin)
    db.create()
    try:
        yield db
    finally:
        try:
            db.drop()
        except Exception as exc:  # report, never mask the run's own error
            print(f"!! could not drop {db.name}: {exc}", file=sys.stderr)


async def pg_connections(dsn: str, database: str | None = None) -> tuple[int, int]:
    """(connections open now [to `database`], max_connections)."""
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        if database is None:
            now = await conn.fetchval("SELECT count(*) FROM pg_stat_activity")
        else:
            now = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database
            )
        limit = int(await conn.fetchval("SHOW max_connections"))
        return int(now), limit
    finally:
        await conn.close()


# -- processes ---------------------------------------------------------------------------


def aftersales_bin() -> str:
    candidate = Path(sys.executable).parent / "aftersales"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aftersales")
    if not found:
        raise SystemExit("the `aftersales` command is not installed: run `make test` first")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env(**values: str) -> dict[str, str]:
    """This environment without any service setting (a stray DATABASE_URL...), plus `values`."""
    from settings import Settings

    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [aftersales_bin(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"aftersales {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


class Process:
    """A child process serving HTTP on 127.0.0.1:<port>, healthy when `health_path`
    answers 200. Own session, so stopping it stops its workers too."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: dict[str, str],
        cwd: Path,
        port: int,
        health_path: str = "/healthz",
        timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            list(command),
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_healthy(health_path, timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become healthy:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            # SIGINT: uvicorn shuts down cleanly (and a cProfile wrapper writes its file).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGINT)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log.close()


def start_app_server(
    name: str,
    *,
    database_url: str,
    secret_key: str,
    workdir: Path,
    broadcast_url: str = "memory://",
    profile: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Process:
    """A real `aftersales serve` (migrations already applied) on a free port."""
    env = service_env(
        # As deployed (introspection off, SECRET_KEY required); nothing else differs.
        ENVIRONMENT="production",
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        BROADCAST_URL=broadcast_url,
        # Access logs cost the same on both sides, but they are off on both: the figures
        # are the application's and the floor's, not the log handler's.
        LOG_LEVEL="WARNING",
        **(extra_env or {}),
    )
    last_error: Exception | None = None
    for _attempt in range(3):  # a port taken between free_port() and bind: try another
        port = free_port()
        serve = ["serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)]
        if whatif():
            # What-if changes applied in the server process (bench/whatif_serve.py).
            program = [str(BENCH / "whatif_serve.py"), *serve]
        else:
            program = [aftersales_bin(), *serve]
        if profile is not None:
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), *program]
        else:
            command = [sys.executable, *program] if whatif() else program
        try:
            return Process(name, command, env=env, cwd=workdir, port=port)
        except RuntimeError as exc:
            last_error = exc
            if "address already in use" not in str(exc).lower():
                break
    raise RuntimeError(str(last_error))


def whatif() -> str:
    """BENCH_WHATIF: what-if changes for the API servers (see bench/whatif_serve.py)."""
    return os.environ.get("BENCH_WHATIF", "").strip()


def start_python_server(name: str, script: str, args: Sequence[str], *, workdir: Path) -> Process:
    """`python bench/<script> --port <free port> <args>` (a floor server)."""
    last_error: Exception | None = None
    for _attempt in range(3):
        port = free_port()
        command = [sys.executable, str(BENCH / script), "--port", str(port), *args]
        try:
            return Process(
                name, command, env=service_env(), cwd=workdir, port=port, health_path="/healthz"
            )
        except RuntimeError as exc:
            last_error = exc
            if "address already in use" not in str(exc).lower():
                break
    raise RuntimeError(str(last_error))


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A temporary cwd for child processes (no stray .env, secret file or logs in the repo)."""
    path = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
    try:
        yield path
    finally:
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"logs kept in {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


# -- figures -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "load": loadavg(),
        "whatif": whatif() or None,
    }


def print_machine(title: str) -> None:
    info = machine()
    print(f"== {title}")
    print(
        f"   {info['date']}; {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"Python {info['python']}; load average {info['load']}"
    )
    if whatif():
        print(
            f"   !! WHAT-IF run (BENCH_WHATIF={whatif()}): these are not the application's figures"
        )


def dump_json(path: str | None, payload: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"figures written to {path}")
