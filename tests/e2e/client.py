"""End-to-end helpers: a real server process and a small GraphQL client for it.

Every HTTP response and websocket message that goes through these helpers is
checked for leaked internals (stack traces, driver names): see `check_no_leak`.

Typical use in a test (the `server` fixture is a `Server`)::

    def test_something(server):
        uid, token = server.make_user("ENGINEER")
        data = server.data("{ me { id role } }", token=token)
        assert data["me"]["id"] == uid
        resp = server.gql("{ users { totalCount } }", token=token)
        assert_error(resp, "FORBIDDEN")
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt

# ---------------------------------------------------------------------------
# Leak detection: nothing internal ever reaches a client.

LEAK_MARKERS = ("Traceback", "sqlalchemy", "asyncpg", "sqlite3", 'File "')
_CASELESS = {"sqlalchemy", "asyncpg", "sqlite3"}

# Every leak seen in this process; an autouse fixture fails the test that caused one
# even when the AssertionError raised at the time was swallowed (threads, tasks...).
LEAKS: list[str] = []


def find_leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [
        marker
        for marker in LEAK_MARKERS
        if (marker.lower() in lowered if marker in _CASELESS else marker in text)
    ]


def check_no_leak(text: str, where: str) -> None:
    found = find_leaks(text)
    if found:
        message = f"{where} leaks internals {found}: {text[:2000]}"
        LEAKS.append(message)
        raise AssertionError(message)


def _check_response(response: httpx.Response) -> None:
    response.read()
    check_no_leak(response.text, f"{response.request.method} {response.request.url}")


async def _acheck_response(response: httpx.Response) -> None:
    await response.aread()
    check_no_leak(response.text, f"{response.request.method} {response.request.url}")


# ---------------------------------------------------------------------------
# GraphQL responses and errors.


def errors(response: dict[str, Any]) -> list[dict[str, Any]]:
    return response.get("errors") or []


def error_codes(response: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in errors(response)]


def error_code(response: dict[str, Any]) -> str | None:
    """The `extensions.code` of the first error, or None when there is none."""
    codes = error_codes(response)
    return codes[0] if codes else None


def assert_error(
    response: dict[str, Any], code: str, *, field: str | None = None
) -> dict[str, Any]:
    """Asserts the response failed with `code` (and `extensions.field`); returns the error."""
    errs = errors(response)
    assert errs, f"expected a {code} error, got {json.dumps(response)[:1500]}"
    for error in errs:
        extensions = error.get("extensions") or {}
        if extensions.get("code") == code and (field is None or extensions.get("field") == field):
            break
    else:
        raise AssertionError(f"expected {code} (field={field}), got {json.dumps(errs)[:1500]}")
    # A refused root field yields no data for it.
    data = response.get("data")
    path = error.get("path")
    if data is not None and path:
        assert data.get(path[0]) is None, f"refused field still returned data: {data}"
    return error


def assert_ok(response: dict[str, Any]) -> dict[str, Any]:
    """Asserts the response has no errors; returns its `data`."""
    assert not errors(response), f"unexpected errors: {json.dumps(errors(response))[:1500]}"
    assert response.get("data") is not None, f"no data: {response}"
    return response["data"]


# ---------------------------------------------------------------------------
# Ids, names, tokens.


def decode_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) from an opaque global id (base64 of "Type:pk")."""
    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    kind, _, pk = raw.partition(":")
    return kind, int(pk)


def global_id(type_name: str, pk: int) -> str:
    """The opaque global id of record `pk` of GraphQL type `type_name`."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def unique_name(prefix: str = "u") -> str:
    """A username (or code) no other test will ever use: tests share one database."""
    return f"{prefix}_{secrets.token_hex(5)}"


def unique_password() -> str:
    return f"pw-{secrets.token_hex(8)}"


def make_token(
    key: str | None,
    user_id: str | int,
    *,
    version: int = 1,
    algorithm: str = "HS256",
    expires_in: timedelta = timedelta(hours=1),
    issued_at: datetime | None = None,
    **claims: Any,
) -> str:
    """A bearer token as the server signs them (HS256; iss, sub, ver, iat, exp).

    `user_id` is a global id or a primary key; a negative `expires_in` gives an
    expired token; `claims` add or override claims (`iss="other"`)."""
    pk = decode_global_id(user_id)[1] if isinstance(user_id, str) else user_id
    now = issued_at or datetime.now(UTC)
    body = {
        "iss": "aftersales",
        "sub": str(pk),
        "ver": version,
        "iat": now,
        "exp": now + expires_in,
        **claims,
    }
    return jwt.encode(body, key, algorithm=algorithm)


# ---------------------------------------------------------------------------
# The client.

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    token expiresAt user { id username role }
  }
}"""

CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { id username role enabled }
}"""


@dataclass(frozen=True)
class UserHandle:
    """A user made by `Client.make_user`; unpacks as `(id, token)`."""

    id: str
    token: str
    username: str
    password: str
    role: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.id, self.token))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Client:
    """GraphQL over HTTP against `url` (the server root, e.g. http://127.0.0.1:8000)."""

    def __init__(
        self,
        url: str,
        *,
        secret_key: str | None = None,
        admin_token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.graphql_url = f"{self.url}/graphql"
        self.ws_url = "ws" + self.graphql_url.removeprefix("http")
        self.secret_key = secret_key
        self.admin_token = admin_token
        self.http = httpx.Client(
            base_url=self.url, timeout=timeout, event_hooks={"response": [_check_response]}
        )

    def close(self) -> None:
        self.http.close()

    def async_http(self, **kwargs: Any) -> httpx.AsyncClient:
        """An AsyncClient to this server with the same leak check (use `async with`)."""
        kwargs.setdefault("timeout", 60.0)
        return httpx.AsyncClient(
            base_url=self.url, event_hooks={"response": [_acheck_response]}, **kwargs
        )

    # -- GraphQL ------------------------------------------------------------

    @staticmethod
    def headers_for(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    @staticmethod
    def body(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return body

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The raw HTTP response of a GraphQL POST."""
        return self.http.post(
            "/graphql",
            json=self.body(query, variables),
            headers={**self.headers_for(token), **(headers or {})},
        )

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POSTs a GraphQL operation; returns the decoded JSON ({"data", "errors"})."""
        response = self.post(query, variables, token, headers=headers)
        try:
            decoded = response.json()
        except ValueError:
            raise AssertionError(
                f"not a JSON answer: HTTP {response.status_code} {response.text[:500]}"
            ) from None
        assert isinstance(decoded, dict), decoded
        return decoded

    def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """`gql` that asserts success and returns `data`."""
        return assert_ok(self.gql(query, variables, token))

    def admin(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` as the administrator."""
        return self.data(query, variables, self.admin_token)

    # -- accounts -----------------------------------------------------------

    def login_response(self, username: str, password: str) -> dict[str, Any]:
        return self.gql(LOGIN, {"username": username, "password": password})

    def login(self, username: str, password: str) -> str:
        """A real login (argon2 on the server: ~50 ms); returns the token."""
        return assert_ok(self.login_response(username, password))["login"]["token"]

    def token_for(self, user_id: str | int, **kwargs: Any) -> str:
        """A token signed with the server's key, without a login (see `make_token`)."""
        assert self.secret_key, "this client does not know the server's SECRET_KEY"
        return make_token(self.secret_key, user_id, **kwargs)

    def make_user(
        self,
        role: str = "ENGINEER",
        *,
        username: str | None = None,
        password: str | None = None,
        login: bool = False,
        token: str | None = None,
        **fields: Any,
    ) -> UserHandle:
        """Creates a user with a unique name through `createUser` (as admin, or `token`).

        Extra keyword arguments go into CreateUserInput (snake_case or camelCase:
        `customer_id=...`, `displayName=...`). The returned user's token is minted
        with the server's key (no login, fast) unless `login=True`."""
        username = username or unique_name(role.lower().replace("_", ""))
        password = password or unique_password()
        payload = {"username": username, "password": password, "role": role}
        payload.update({_camel(k): v for k, v in fields.items()})
        created = self.data(CREATE_USER, {"input": payload}, token or self.admin_token)
        user_id = created["createUser"]["id"]
        user_token = self.login(username, password) if login else self.token_for(user_id)
        return UserHandle(user_id, user_token, username, password, role)


# ---------------------------------------------------------------------------
# Processes: the `aftersales` command and a real uvicorn server.

ROOT = Path(__file__).resolve().parents[2]


def aftersales_bin() -> str:
    candidate = Path(sys.executable).parent / "aftersales"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aftersales")
    assert found, "the `aftersales` console script is not installed (pip install -e .)"
    return found


def _settings_env_names() -> set[str]:
    from settings import Settings

    return {name.upper() for name in Settings.model_fields}


def clean_env(**values: str | None) -> dict[str, str]:
    """This process's environment without any service setting, plus `values`
    (None removes a variable). Run children in a temporary cwd too: a `.env`
    file would be read from there."""
    names = _settings_env_names()
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env["PYTHONUNBUFFERED"] = "1"
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Runs `aftersales <args>`; returns the completed process (text output)."""
    return subprocess.run(
        [aftersales_bin(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def prepare_database(env: dict[str, str], cwd: Path, admin: tuple[str, str] | None) -> None:
    """`aftersales migrate`, then `create-user --role ADMIN` with `admin` (username,
    password) when given, on env's DATABASE_URL: one process, one import of the app (a
    Python start costs seconds on a busy machine)."""
    # Under standalone_mode=False click returns a failed command's exit code.
    script = (
        "import sys; from cli import cli\n"
        "for args in ([['migrate']] + ([['create-user', '--username', sys.argv[1],"
        " '--password', sys.argv[2], '--role', 'ADMIN']] if len(sys.argv) > 1 else [])):\n"
        "    code = cli(args, standalone_mode=False)\n"
        "    if isinstance(code, int) and code: sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *(admin or ())],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"migrate / create-user failed:\n{done.stdout}\n{done.stderr}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(Client):
    """A running `aftersales serve` process with its database and administrator.

    Attributes: url, graphql_url, ws_url, backend, database_url, secret_key, env,
    admin_username, admin_password, admin_id, admin_token, log_path, process."""

    def __init__(
        self,
        *,
        backend: str,
        database_url: str,
        workdir: Path,
        env: dict[str, str],
        admin: bool = True,
        prepared_admin: tuple[str, str] | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """`prepared_admin` (username, password): the database is already migrated
        and holds this administrator (a copy of a prepared one), so neither
        `aftersales migrate` nor `create-user` is run."""
        self.backend = backend
        self.database_url = database_url
        self.workdir = workdir
        # A test server serves a whole suite, mostly through one administrator token, at
        # machine speed: no rate limit unless a test sets HTTP_BURST and the rate itself.
        self.env = env = {"HTTP_REQUESTS_PER_SECOND": "100000", "HTTP_BURST": "100000", **env}
        self.admin_username, self.admin_password = prepared_admin or (
            "admin_" + secrets.token_hex(3),
            unique_password(),
        )
        self.admin_id: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "server.log"
        self._log_file: Any = None
        admin = admin or prepared_admin is not None
        if prepared_admin is None:
            prepare_database(
                env, workdir, (self.admin_username, self.admin_password) if admin else None
            )
        super().__init__(self._start(start_timeout), secret_key=env.get("SECRET_KEY"))
        if admin:
            try:
                result = assert_ok(self.login_response(self.admin_username, self.admin_password))
            except BaseException:
                self.stop()
                raise
            self.admin_token = result["login"]["token"]
            self.admin_id = result["login"]["user"]["id"]

    def _start(self, timeout: float) -> str:
        for _attempt in range(3):  # a port taken between free_port() and bind: try another
            port = free_port()
            self._log_file = self.log_path.open("ab")
            command = [aftersales_bin(), "serve", "--no-migrate"]
            self.process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(port)],
                env=self.env,
                cwd=self.workdir,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            url = f"http://127.0.0.1:{port}"
            if self._wait_healthy(url, timeout):
                return url
            self._terminate()
            if "address already in use" not in self.log_text().lower():
                break
        raise RuntimeError(f"the server did not start; its log:\n{self.log_text()}")

    def _wait_healthy(self, url: str, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return True
            time.sleep(0.05)
        return False

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 200) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _terminate(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # Our own session (start_new_session): workers included.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def stop(self) -> None:
        if hasattr(self, "http"):
            self.close()
        self._terminate()

    def __repr__(self) -> str:
        return f"<Server {self.backend} {self.url}>"
