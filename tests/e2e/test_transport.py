"""The transport end to end: what HTTP and websockets accept and refuse, query
limits, error shapes, and the production lockdown."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from .client import (
    Server,
    aftersales_bin,
    assert_error,
    assert_ok,
    check_no_leak,
    clean_env,
    error_code,
    free_port,
    unique_name,
    unique_password,
)

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


def users_named(server: Server, username: str) -> int:
    query = "query($s: String) { users(filter: {search: $s}) { totalCount } }"
    return server.admin(query, {"s": username})["users"]["totalCount"]


def create_user_mutation(username: str) -> str:
    return (
        "mutation { createUser(input: {"
        f'username: "{username}", password: "{unique_password()}", role: ENGINEER'
        "}) { id } }"
    )


# -- HTTP -------------------------------------------------------------------------


def test_health_and_readiness(server: Server) -> None:
    assert server.http.get("/healthz").json() == {"status": "ok"}
    assert server.http.get("/readyz").json() == {"status": "ok"}


def test_get_queries_are_refused(server: Server) -> None:
    response = server.http.get(
        "/graphql",
        params={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code >= 400
    assert '"data"' not in response.text


def test_get_mutations_are_not_executed(server: Server) -> None:
    username = unique_name("viaget")
    response = server.http.get(
        "/graphql",
        params={"query": create_user_mutation(username)},
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code >= 400
    assert users_named(server, username) == 0


def test_batches_are_not_executed(server: Server) -> None:
    username = unique_name("batch")
    response = server.http.post(
        "/graphql",
        json=[{"query": create_user_mutation(username)}, {"query": "{ me { id } }"}],
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code >= 400
    assert '"data"' not in response.text
    assert users_named(server, username) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"query": 42}',
        b'{"variables": {}}',
        b'{"query": "{ me { id } }", "variables": "x"}',
        b'"just a string"',
        b"null",
        b"42",
    ],
    ids=[
        "not-json",
        "query-not-a-string",
        "no-query",
        "variables-not-an-object",
        "json-string",
        "json-null",
        "json-number",
    ],
)
def test_malformed_bodies_are_client_errors(server: Server, body: bytes) -> None:
    response = server.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_form_posts_are_refused(server: Server) -> None:
    # No multipart or urlencoded GraphQL: a cross-site form cannot run a mutation.
    username = unique_name("form")
    response = server.http.post(
        "/graphql",
        data={"query": create_user_mutation(username)},
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert response.status_code >= 400
    assert users_named(server, username) == 0


def test_syntax_error_is_bad_user_input(server: Server) -> None:
    response = server.gql("{ me { id ", token=server.admin_token)
    error = assert_error(response, "BAD_USER_INPUT")
    assert "Syntax Error" in error["message"]
    assert response.get("data") is None


def test_unknown_field_is_bad_user_input(server: Server) -> None:
    response = server.gql("{ me { id nope } }", token=server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert response.get("data") is None


def test_wrong_variable_type_is_bad_user_input(server: Server) -> None:
    query = "query($first: Int) { users(first: $first) { totalCount } }"
    response = server.gql(query, {"first": "many"}, server.admin_token)
    assert_error(response, "BAD_USER_INPUT")


def test_unknown_enum_value_is_bad_user_input(server: Server) -> None:
    query = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }"
    variables = {
        "input": {"username": unique_name("e"), "password": unique_password(), "role": "KING"}
    }
    assert_error(server.gql(query, variables, server.admin_token), "BAD_USER_INPUT")


# -- limits -------------------------------------------------------------------------


def nested_me(depth: int) -> str:
    """`{ me { createdBy { ... { id } } } }` with `depth` levels of fields."""
    inner = "id"
    for _ in range(depth - 1):
        inner = f"createdBy {{ {inner} }}"
    return f"{{ me {{ {inner} }} }}"


def test_shallow_nesting_is_fine(server: Server) -> None:
    assert_ok(server.gql(nested_me(4), token=server.admin_token))


def test_depth_limit(server: Server) -> None:
    response = server.gql(nested_me(15), token=server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert response.get("data") is None


def test_depth_limit_applies_before_authentication(server: Server) -> None:
    assert_error(server.gql(nested_me(15)), "BAD_USER_INPUT")


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(count)) + " }"


def test_alias_limit(server: Server) -> None:
    data = assert_ok(server.gql(aliases(15), token=server.admin_token))
    assert len(data) == 15
    response = server.gql(aliases(16), token=server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert response.get("data") is None


def test_alias_limit_stops_login_guessing(server: Server) -> None:
    user = server.make_user("ENGINEER")
    guesses = " ".join(
        f'g{i}: login(username: "{user.username}", password: "guess-{i}-xx") {{ token }}'
        for i in range(40)
    )
    response = server.gql(f"mutation {{ {guesses} }}")
    assert_error(response, "BAD_USER_INPUT")
    # Nothing was tried: the account has all its attempts left.
    assert server.login(user.username, user.password)


def test_token_limit(server: Server) -> None:
    huge = "{ me { " + " ".join(["id"] * 2500) + " } }"
    response = server.gql(huge, token=server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert response.get("data") is None


# -- websockets ---------------------------------------------------------------------


def recv_json(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    """The next message that is not a keep-alive, checked for leaks."""
    while True:
        raw = ws.recv(timeout=timeout)
        text = raw if isinstance(raw, str) else raw.decode()
        check_no_leak(text, "websocket message")
        message = json.loads(text)
        if message.get("type") not in ("ka", "ping", "pong"):
            return message


def init(ws: ClientConnection, token: str | None) -> None:
    payload = {"Authorization": f"Bearer {token}"} if token is not None else {}
    ws.send(json.dumps({"type": "connection_init", "payload": payload}))


def closed_code(ws: ClientConnection) -> int | None:
    """Waits until the server closes the connection; returns its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            recv_json(ws)
    assert closed.value.rcvd is not None, "the connection was not closed by the server"
    return closed.value.rcvd.code


@pytest.fixture
def ws_factory() -> Iterator[Callable[[Server, str], ClientConnection]]:
    """`ws_factory(server, protocol)`: an open websocket, closed after the test."""
    with contextlib.ExitStack() as stack:

        def open_(server: Server, protocol: str = TRANSPORT_WS) -> ClientConnection:
            ws = stack.enter_context(
                connect(server.ws_url, subprotocols=[protocol], open_timeout=10, close_timeout=2)
            )
            assert ws.subprotocol == protocol
            return ws

        yield open_


def test_ws_acks_a_valid_token(server: Server, ws_factory) -> None:
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, server.admin_token)
    assert recv_json(ws)["type"] == "connection_ack"


def test_ws_operations_run_as_the_connection_user(server: Server, ws_factory) -> None:
    user = server.make_user("ENGINEER")
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, user.token)
    assert recv_json(ws)["type"] == "connection_ack"
    ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { id username } }"}})
    )
    message = recv_json(ws)
    assert message["type"] == "next", message
    assert message["payload"]["data"]["me"] == {"id": user.id, "username": user.username}
    assert recv_json(ws) == {"id": "1", "type": "complete"}


@pytest.mark.parametrize(
    "token_of",
    [
        lambda s, uid: "garbage",
        lambda s, uid: None,
        lambda s, uid: s.token_for(uid, expires_in=timedelta(minutes=-1)),
        lambda s, uid: s.token_for(uid, version=0),
    ],
    ids=["garbage", "missing", "expired", "revoked"],
)
def test_ws_refuses_a_bad_token_with_4403(server: Server, ws_factory, token_of) -> None:
    user = server.make_user("ENGINEER")
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, token_of(server, user.id))
    assert closed_code(ws) == 4403


def test_ws_refuses_a_disabled_users_token(server: Server, ws_factory) -> None:
    user = server.make_user("ENGINEER")
    server.admin("mutation($id: ID!) { disableUser(id: $id) { id } }", {"id": user.id})
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, user.token)
    assert closed_code(ws) == 4403


def test_legacy_ws_acks_a_valid_token(server: Server, ws_factory) -> None:
    ws = ws_factory(server, LEGACY_WS)
    init(ws, server.admin_token)
    assert recv_json(ws)["type"] == "connection_ack"


def test_legacy_ws_refuses_a_bad_token(server: Server, ws_factory) -> None:
    ws = ws_factory(server, LEGACY_WS)
    init(ws, "garbage")
    # The legacy protocol answers connection_error, then closes (1011, as its
    # reference implementation does); never an ack.
    assert recv_json(ws)["type"] == "connection_error"
    assert closed_code(ws) is not None


def test_ws_unknown_subprotocol_is_refused(server: Server) -> None:
    try:
        with connect(server.ws_url, subprotocols=["made-up"], open_timeout=5) as ws:
            code = closed_code(ws)  # closed at once, before any message
    except InvalidHandshake:
        return  # refused at the handshake: fine too
    assert code == 4406  # "Subprotocol not acceptable"


def test_ws_execution_errors_carry_a_code(server: Server, ws_factory) -> None:
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, server.admin_token)
    assert recv_json(ws)["type"] == "connection_ack"
    query = '{ user(id: "not-an-id") { id } }'
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    message = recv_json(ws)
    assert message["type"] == "next", message
    assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", message


def test_ws_validation_errors_carry_a_code(server: Server, ws_factory) -> None:
    ws = ws_factory(server, TRANSPORT_WS)
    init(ws, server.admin_token)
    assert recv_json(ws)["type"] == "connection_ack"
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ nope }"}}))
    message = recv_json(ws)
    assert message["type"] in ("error", "next"), message
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", message


# -- production ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_server(server_factory: Callable[..., Server]) -> Iterator[Server]:
    running = server_factory("sqlite", ENVIRONMENT="production")
    yield running
    running.stop()


def test_production_serves_graphql(production_server: Server) -> None:
    me = production_server.admin("{ me { id role } }")["me"]
    assert me["role"] == "ADMIN"


@pytest.mark.parametrize(
    "query",
    ["{ __schema { types { name } } }", '{ __type(name: "User") { fields { name } } }'],
    ids=["__schema", "__type"],
)
def test_production_refuses_introspection(production_server: Server, query: str) -> None:
    response = production_server.gql(query, token=production_server.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    assert not (response.get("data") or {}).get("__schema")
    assert "User" not in json.dumps(response.get("data"))


def test_development_allows_introspection(server: Server) -> None:
    data = server.data("{ __schema { types { name } } }", token=server.admin_token)
    assert any(t["name"] == "User" for t in data["__schema"]["types"])


def test_production_serves_no_graphiql(production_server: Server) -> None:
    response = production_server.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code != 200 or "graphiql" not in response.text.lower()


def test_production_gives_no_field_suggestions(production_server: Server) -> None:
    # `mee` is one letter from `me`: a development server would suggest it.
    response = production_server.gql("{ mee { id } }", token=production_server.admin_token)
    error = assert_error(response, "BAD_USER_INPUT")
    assert "Did you mean" not in error["message"]
    assert "Did you mean" not in json.dumps(response)


def test_production_needs_a_token_too(production_server: Server) -> None:
    assert error_code(production_server.gql("{ me { id } }")) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "secret_key", [None, "", "too-short-for-production"], ids=["unset", "empty", "short"]
)
def test_production_refuses_to_start_without_a_secret_key(
    tmp_path, make_database, secret_key: str | None
) -> None:
    env = clean_env(
        DATABASE_URL=make_database("sqlite"), ENVIRONMENT="production", SECRET_KEY=secret_key
    )
    port = free_port()
    process = subprocess.Popen(
        [aftersales_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the server started without a SECRET_KEY in production:\n{output}")
    assert process.returncode != 0, output
    assert "SECRET_KEY" in output
