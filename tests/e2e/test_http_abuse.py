"""Malformed and abusive HTTP input (issue 9): every one is a 4xx, or a GraphQL error,
with an `extensions.code`, and none leaves an unhandled exception in a server log.

Servers: `prod` (per backend) in production with MAX_BODY_BYTES of 2 MiB; `edge`
(production, METRICS_TOKEN, FORWARDED_ALLOW_IPS=127.0.0.1); `limited` (HTTP_BURST=5);
and the shared `server` (ENVIRONMENT=test) for what development does differently.
The last test reads every one of their logs.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .client import Server, assert_error, assert_ok, check_no_leak, make_token, unique_name
from .parts_helpers import create_part
from .records_helpers import CREATE_AGENT, CREATE_CUSTOMER

MAX_BODY = 2 * 1024 * 1024
METRICS_TOKEN = "metrics-" + "k" * 24

# Every server of this module, with the length its log had before this module used it
# (the shared server's log holds other modules' requests too).
LOGS: dict[int, tuple[Server, int]] = {}


def watched(server: Server) -> Server:
    LOGS.setdefault(id(server), (server, len(server.log_text())))
    return server


@pytest.fixture(scope="module")
def prod(backend: str, server_factory: Callable[..., Server]) -> Iterator[Server]:
    running = server_factory(backend, ENVIRONMENT="production", MAX_BODY_BYTES=str(MAX_BODY))
    yield watched(running)
    running.stop()


@pytest.fixture(scope="module")
def edge(server_factory: Callable[..., Server]) -> Iterator[Server]:
    running = server_factory(
        "sqlite",
        ENVIRONMENT="production",
        METRICS_TOKEN=METRICS_TOKEN,
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    yield watched(running)
    running.stop()


@pytest.fixture(scope="module")
def limited(server_factory: Callable[..., Server]) -> Iterator[Server]:
    running = server_factory("sqlite", HTTP_BURST="5", HTTP_REQUESTS_PER_SECOND="0.5")
    yield watched(running)
    running.stop()


@pytest.fixture
def dev(server: Server) -> Server:
    return watched(server)


def post_raw(server: Server, content: bytes, **headers: str) -> httpx.Response:
    return server.http.post(
        "/graphql", content=content, headers={"Content-Type": "application/json", **headers}
    )


def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    # json.dumps escapes a lone surrogate as "\ud800" (httpx's own encoder cannot send one).
    return json.dumps({"query": query, "variables": variables}).encode()


def refused(response: httpx.Response, status: int, code: str = "BAD_USER_INPUT") -> dict:
    """The single error of a JSON refusal with HTTP `status` and `code`."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    decoded = response.json()
    assert "data" not in decoded, decoded
    (error,) = decoded["errors"]
    assert error["extensions"]["code"] == code, error
    return error


# -- raw HTTP: what no well-behaved client library sends -----------------------------


def raw_exchange(server: Server, head: bytes, parts: Iterable[bytes] = ()) -> tuple[int, bytes]:
    """Sends a request head and body parts on a socket of its own, then reads the answer:
    (status, body). The answer is read while the request may still be unfinished."""
    where = urlsplit(server.url)
    with socket.create_connection((where.hostname, where.port), timeout=20) as sock:
        sock.sendall(head)
        for part in parts:
            sock.sendall(part)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"the server closed without an answer: {received!r}"
            received += chunk
        header_block, _, rest = received.partition(b"\r\n\r\n")
        status = int(header_block.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in header_block.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    check_no_leak(rest.decode("utf-8", "replace"), "raw answer")
    return status, rest


def head(server: Server, **headers: str) -> bytes:
    where = urlsplit(server.url)
    lines = [
        "POST /graphql HTTP/1.1",
        f"Host: {where.hostname}:{where.port}",
        "Content-Type: application/json",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_100_mb_content_length_is_refused_before_the_body_is_sent(prod: Server) -> None:
    # Nothing of the body is ever sent: an answer proves the server did not wait for it.
    status, answer = raw_exchange(prod, head(prod, Content_Length=str(100 * 1024 * 1024)))
    assert status == 413
    error = json.loads(answer)["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": MAX_BODY}


def test_a_chunked_body_is_refused_once_it_passes_the_limit(prod: Server) -> None:
    # Chunks up to one byte past the limit, and no final chunk: the server answers while
    # the body is still open, so it counted as it read instead of buffering the whole.
    piece = b"x" * 65536
    parts = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (MAX_BODY // len(piece)) + [b"1\r\nx\r\n"]
    status, answer = raw_exchange(prod, head(prod, Transfer_Encoding="chunked"), parts)
    assert status == 413
    assert json.loads(answer)["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_body_within_the_limit_is_served(prod: Server) -> None:
    padding = " " * (MAX_BODY - 100)
    response = post_raw(prod, b'{"query": "{ __typename }"' + padding.encode() + b"}")
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


def test_invalid_utf8_is_a_400_with_a_code(prod: Server) -> None:
    response = post_raw(prod, b'{"query": "{ __typename }", "x": "\xff\xfe"}')
    assert "UTF-8" in refused(response, 400)["message"]


@pytest.mark.parametrize("levels", [33, 100_000])
def test_json_nested_past_the_limit_is_a_400(prod: Server, levels: int) -> None:
    # The body object and `variables` are two levels; `levels` in all.
    nested = "[" * (levels - 2) + "]" * (levels - 2)
    content = b'{"query": "query($a: [Int]) { __typename }", "variables": {"a": %s}}'
    response = post_raw(prod, content % nested.encode())
    assert "deeper than 32" in refused(response, 400)["message"]


def test_json_nested_to_the_limit_is_served(prod: Server) -> None:
    # 32 levels; a variable the operation does not declare is ignored by GraphQL.
    nested = "[" * 30 + "]" * 30
    content = b'{"query": "{ __typename }", "variables": {"a": %s}}'
    response = post_raw(prod, content % nested.encode())
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"not json", "application/json"), (b'{"query": "{ __typename }"}', "text/plain")],
    ids=["not-json", "wrong-content-type"],
)
def test_other_refusals_of_the_view_are_json_with_a_code(
    prod: Server, content: bytes, content_type: str
) -> None:
    refused(post_raw(prod, content, **{"Content-Type": content_type}), 400)


# -- text inputs ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\ud800", "a\udfff b", "a\x00b"], ids=["d800", "dfff", "nul"])
def test_text_in_variables_refuses_lone_surrogates_and_nul(prod: Server, bad: str) -> None:
    code = unique_name("cust")
    variables = {"input": {"code": code, "name": "Acme", "address": bad}}
    response = post_raw(prod, body(CREATE_CUSTOMER, variables), Authorization=_bearer(prod))
    assert response.status_code == 200
    error = assert_error(response.json(), "BAD_USER_INPUT", field="$input.address")
    assert "NUL" in error["message"]
    assert _customers(prod, code) == 0


def test_text_literals_refuse_nul(prod: Server) -> None:
    code = unique_name("cust")
    query = f'mutation {{ createCustomer(input: {{code: "{code}", name: "a\\u0000b"}}) {{ id }} }}'
    response = prod.gql(query, token=prod.admin_token)
    assert_error(response, "BAD_USER_INPUT", field="input.name")
    assert _customers(prod, code) == 0


def test_a_lone_surrogate_escape_in_a_literal_is_a_syntax_error(prod: Server) -> None:
    query = 'mutation { login(username: "a\\ud800", password: "x") { token } }'
    assert_error(prod.gql(query), "BAD_USER_INPUT")


def test_text_deep_in_a_list_of_inputs_is_checked_too(prod: Server) -> None:
    query = (
        "mutation M($lines: [PartLineInput!]!) {"
        ' createPartSale(input: {customerId: "x", lines: $lines}) { id } }'
    )
    lines = [{"partId": "p", "quantity": 1}, {"partId": "p\x00", "quantity": 1}]
    response = post_raw(prod, body(query, {"lines": lines}), Authorization=_bearer(prod))
    assert_error(response.json(), "BAD_USER_INPUT", field="$lines.1.partId")


def test_well_formed_text_is_stored_as_sent(prod: Server) -> None:
    code = unique_name("cust")
    name = "Acme \U0001f600 \u5de5\u5382"  # a pair in JSON ("\ud83d\ude00"), and CJK
    variables = {"input": {"code": code, "name": name}}
    response = post_raw(prod, body(CREATE_CUSTOMER, variables), Authorization=_bearer(prod))
    assert assert_ok(response.json())["createCustomer"]["name"] == name


# -- search ---------------------------------------------------------------------------

SEARCHED = [
    "users",
    "agents",
    "customers",
    "devices",
    "tickets",
    "parts",
    "purchaseOrders",
    "partSales",
]
FILTER_TYPES = {
    "users": "UserFilter",
    "agents": "AgentFilter",
    "customers": "CustomerFilter",
    "devices": "DeviceFilter",
    "tickets": "TicketFilter",
    "parts": "PartFilter",
    "purchaseOrders": "PurchaseOrderFilter",
    "partSales": "PartSaleFilter",
}


def _search(server: Server, field: str, term: str) -> dict[str, Any]:
    query = (
        f"query Q($f: {FILTER_TYPES[field]}) {{ {field}(first: 5, filter: $f) {{ totalCount }} }}"
    )
    return server.gql(query, {"f": {"search": term}}, server.admin_token)


@pytest.mark.parametrize("field", SEARCHED)
def test_a_search_over_200_characters_is_refused(prod: Server, field: str) -> None:
    assert_error(_search(prod, field, "x" * (1024 * 1024)), "BAD_USER_INPUT", field="filter.search")
    assert_error(_search(prod, field, "y" * 201), "BAD_USER_INPUT", field="filter.search")
    assert _search(prod, field, "z" * 200)["data"][field]["totalCount"] == 0


# -- which operation -------------------------------------------------------------------


def test_a_subscription_over_http_is_refused(prod: Server) -> None:
    response = prod.gql("subscription { notifications { sequence } }", token=prod.admin_token)
    error = assert_error(response, "BAD_USER_INPUT")
    assert "websocket" in error["message"]


def test_several_operations_need_an_operation_name(prod: Server, dev: Server) -> None:
    document = "query A { me { id } } query B { __typename }"
    for target in (prod, dev):
        response = target.gql(document, token=target.admin_token)
        assert "operationName" in assert_error(response, "BAD_USER_INPUT")["message"]
        assert response.get("data") is None
        named = target.http.post(
            "/graphql",
            json={"query": document, "operationName": "A"},
            headers=target.headers_for(target.admin_token),
        ).json()
        assert assert_ok(named)["me"]["id"] == target.admin_id


# -- production hides names ----------------------------------------------------------

# (document, variables, the name graphql-core would suggest)
MISSPELT = {
    "field": ("{ mee { id } }", None, "'me'"),
    "argument": ("{ users(filtr: {}) { totalCount } }", None, "'filter'"),
    "enum value": ("{ tickets(filter: {kind: REPAR}) { totalCount } }", None, "'REPAIR'"),
    "enum value in a variable": (
        "query Q($f: TicketFilter) { tickets(filter: $f) { totalCount } }",
        {"f": {"kind": "REPAR"}},
        "'REPAIR'",
    ),
    "input field": ('{ customers(filter: {serch: "x"}) { totalCount } }', None, "'search'"),
    "input field in a variable": (
        "query Q($f: CustomerFilter) { customers(filter: $f) { totalCount } }",
        {"f": {"serch": "x"}},
        "'search'",
    ),
    "type": ("query Q($f: CustomerFiltr) { me { id } }", None, "'CustomerFilter'"),
}


@pytest.mark.parametrize("case", list(MISSPELT))
def test_development_suggests_names(dev: Server, case: str) -> None:
    # What production must hide: the same documents do get suggestions outside it.
    document, variables, name = MISSPELT[case]
    messages = " ".join(
        e["message"] for e in dev.gql(document, variables, dev.admin_token)["errors"]
    )
    assert "Did you mean" in messages and name in messages, messages


@pytest.mark.parametrize("case", list(MISSPELT))
def test_production_suggests_no_names(prod: Server, case: str) -> None:
    document, variables, name = MISSPELT[case]
    response = prod.gql(document, variables, prod.admin_token)
    assert_error(response, "BAD_USER_INPUT")
    for error in response["errors"]:
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "Did you mean" not in error["message"], error
        assert name not in error["message"], error


# -- deleted parts ---------------------------------------------------------------------

PART_BY_ID = "query Q($id: ID!) { part(id: $id) { id partNumber deletedAt } }"


def test_a_deleted_part_is_found_by_id_only_by_those_who_manage_the_catalogue(
    prod: Server,
) -> None:
    part = create_part(prod)
    prod.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": part["id"]})
    for role in ("ENGINEER", "CUSTOMER_SERVICE"):
        _, token = prod.make_user(role)
        assert_error(prod.gql(PART_BY_ID, {"id": part["id"]}, token), "NOT_FOUND")
    _, office = prod.make_user("BACK_OFFICE")
    for token in (office, prod.admin_token):
        found = prod.data(PART_BY_ID, {"id": part["id"]}, token)["part"]
        assert found["id"] == part["id"] and found["deletedAt"] is not None
    prod.admin("mutation M($id: ID!) { restorePart(id: $id) { id } }", {"id": part["id"]})
    _, engineer = prod.make_user("ENGINEER")
    assert prod.data(PART_BY_ID, {"id": part["id"]}, engineer)["part"]["deletedAt"] is None


# -- metrics ---------------------------------------------------------------------------


def test_production_without_a_metrics_token_serves_no_metrics(prod: Server) -> None:
    assert prod.http.get("/metrics").status_code == 404
    assert prod.http.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_need_the_metrics_token_when_one_is_set(edge: Server) -> None:
    assert edge.http.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer " + METRICS_TOKEN[:-1] + "x"}
    assert edge.http.get("/metrics", headers=wrong).status_code == 401
    # A user's token is not the metrics token.
    assert edge.http.get("/metrics", headers=edge.headers_for(edge.admin_token)).status_code == 401
    good = edge.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert good.status_code == 200
    assert "aftersales_graphql_operations_total" in good.text


def test_metrics_are_open_outside_production_without_a_token(dev: Server) -> None:
    assert dev.http.get("/metrics").status_code == 200


# -- forwarded addresses ---------------------------------------------------------------

AUDIT = "query Q($f: AuditFilter) { auditLog(first: 5, filter: $f) { nodes { ip operation } } }"


def _audited_ip(server: Server, **headers: str) -> str:
    created = server.gql(
        CREATE_AGENT, {"input": {"name": unique_name("agent")}}, server.admin_token, headers=headers
    )
    agent_id = assert_ok(created)["createAgent"]["id"]
    (entry,) = server.admin(AUDIT, {"f": {"recordId": agent_id}})["auditLog"]["nodes"]
    assert entry["operation"] == "createAgent"
    return entry["ip"]


def test_x_forwarded_for_is_ignored_by_default(dev: Server) -> None:
    assert _audited_ip(dev, **{"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


def test_x_forwarded_for_is_believed_from_forwarded_allow_ips(edge: Server) -> None:
    assert _audited_ip(edge, **{"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    assert _audited_ip(edge) == "127.0.0.1"


# -- rate limits -----------------------------------------------------------------------


def test_http_requests_over_the_burst_are_rate_limited_per_user(limited: Server) -> None:
    # HTTP_BURST=5 at 0.5 a second: the sixth request in a row waits up to 2 s.
    first_id, first = limited.make_user("ENGINEER")
    _, second = limited.make_user("ENGINEER")
    for _ in range(5):
        assert_ok(limited.gql("{ me { id } }", token=first))
    over = limited.post("{ me { id } }", token=first)
    error = refused(over, 429, "RATE_LIMITED")
    retry_after = error["extensions"]["retryAfter"]
    assert isinstance(retry_after, int) and 1 <= retry_after <= 2
    assert over.headers["retry-after"] == str(retry_after)
    # Others are not held up: another user, a request without a token (by address),
    # a forged token naming the same user (its signature is checked: by address too).
    assert_ok(limited.gql("{ me { id } }", token=second))
    assert_ok(limited.gql("{ __typename }"))
    forged = make_token("not-the-server-key-" + "x" * 20, first_id)
    assert_error(limited.gql("{ me { id } }", token=forged), "UNAUTHENTICATED")
    assert limited.http.get("/healthz").status_code == 200
    time.sleep(retry_after)
    assert_ok(limited.gql("{ me { id } }", token=first))


def test_requests_without_a_token_are_limited_per_address(limited: Server) -> None:
    statuses = [limited.post("{ __typename }").status_code for _ in range(7)]
    assert 429 in statuses, statuses


# -- last: the logs --------------------------------------------------------------------


def test_no_unhandled_exception_in_any_server_log(prod: Server, dev: Server) -> None:
    assert LOGS, "no server was used"
    for server, start in LOGS.values():
        text = server.log_text()[start:]
        for marker in ("Traceback", "Exception in ASGI application"):
            assert marker not in text, f"{server}: {marker} in its log:\n{text[-4000:]}"


def _bearer(server: Server) -> str:
    return f"Bearer {server.admin_token}"


def _customers(server: Server, code: str) -> int:
    query = "query Q($f: CustomerFilter) { customers(filter: $f) { totalCount } }"
    found = server.admin(query, {"f": {"search": code, "includeDeleted": True}})
    return found["customers"]["totalCount"]
