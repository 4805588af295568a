"""Throwaway PostgreSQL and Redis servers that the fault tests own, and may stop,
restart, pause and kill without disturbing anything else on the machine.

* `PostgresCluster(root)`: `initdb` into a temporary directory (trust auth, no fsync),
  served on a free port, its socket in that directory. `stop(mode)`, `start()`,
  `restart(mode)` run `pg_ctl`; as root they run as the `postgres` OS user (PostgreSQL
  refuses to run as root). `create_database()` gives each test a database of its own.
* `RedisServer(root)`: `redis-server` on a free port, no persistence; `pause()` /
  `resume()` (SIGSTOP / SIGCONT: the port still accepts connections but nothing
  answers), `kill()` (SIGKILL), `start()` again on the same port.

The binaries are found under /usr/lib/postgresql/<version>/bin (or on PATH); without
them the fault tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(reason: str) -> None:
    """Skips the test, or fails it under CI=true: in CI the fault tests must run."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}: the fault tests must run in CI", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PostgresCluster:
    """A PostgreSQL cluster of our own (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        bindir = postgres_bindir()
        if bindir is None or not (bindir / "initdb").exists():
            unavailable("the fault tests need PostgreSQL's initdb and pg_ctl")
        assert bindir is not None
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self.log_path = root / "postgres.log"
        self.port = free_port()
        self._user: str | None = None
        if os.geteuid() == 0:
            # PostgreSQL will not run as root; its directory must belong to its user.
            self._user = "postgres"
            try:
                owner = pwd.getpwnam(self._user)
            except KeyError:
                unavailable("running as root, the fault tests need the `postgres` OS user")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        self.start()

    def _run(self, tool: str, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [str(self.bindir / tool), *args],
            user=self._user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        assert done.returncode == 0, (
            f"{tool} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
            f"{self.log_tail()}"
        )
        return done.stdout

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", str(self.log_path),
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self._options(), "-l", str(self.log_path),
            "-m", mode, "-w", "-t", "30", "restart",
        )  # fmt: skip

    def running(self) -> bool:
        done = subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"],
            user=self._user,
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its SQLAlchemy URL."""
        name = name or f"faults_{secrets.token_hex(4)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        self._run(
            "psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
            "-d", "postgres", "-qAtc", f'CREATE DATABASE "{name}"{copy}',
        )  # fmt: skip
        return self.url(name)

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return "postgres log:\n" + "\n".join(text.splitlines()[-lines:])
        return ""


class RedisServer:
    """A redis-server of our own (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("the fault tests need redis-server")
        assert binary is not None
        self.binary = binary
        self.root = root
        self.port = free_port()
        self.log_path = root / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )  # fmt: skip
        self.paused = False
        deadline = time.monotonic() + 10
        while not port_answers(self.port):
            assert self.process.poll() is None, f"redis-server exited:\n{self.log_tail()}"
            assert time.monotonic() < deadline, "redis-server did not start within 10 s"
            time.sleep(0.02)

    def _signal(self, signum: int) -> None:
        assert self.process is not None and self.process.poll() is None, "not running"
        os.kill(self.process.pid, signum)

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self._signal(signal.SIGCONT)
        self.paused = False

    def kill(self) -> None:
        if self.paused:
            self.resume()
        self._signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        if self.paused:
            self.resume()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def command(self, *args: str) -> str:
        """A redis-cli command against this server (e.g. PUBSUB NUMSUB channel)."""
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout

    def subscribers(self, channel: str) -> int:
        """How many connections listen on `channel` (PUBSUB NUMSUB)."""
        lines = self.command("PUBSUB", "NUMSUB", channel).split()
        return int(lines[1]) if len(lines) >= 2 and lines[1].isdigit() else 0

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""
