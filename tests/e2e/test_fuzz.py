"""Fuzzing (issue 9): generated GraphQL documents against a real server, once per role.

How it works:

* The schema is loaded from the running server by introspection
  (`schemathesis.graphql.from_url`; introspection is on with ENVIRONMENT=test).
* For every root field, queries and mutations alike, hypothesis-graphql (the generator
  schemathesis drives in GraphQL mode) writes `POSITIVE` documents the schema accepts
  and `NEGATIVE` ones its validation refuses (wrong types, missing arguments...).
  Hypothesis runs derandomized, without a database: the same corpus on every run.
  The corpus is made once per session and sent by every role to both backends
  (schemathesis' own case strategy rebuilds its generator for every case: ten times
  slower, the whole budget). Scalars: an `ID` is a record of the seeded world (a
  placeholder resolved when sent), a forged id of any type with any key, or junk;
  `Decimal`, `Date` and `DateTime` are valid values or edge cases (NaN, Infinity,
  1e999999, February 30th...).
* Each role (ADMIN ... AGENT, and no token at all) gets a world of its own (a region,
  an agent, a customer with a contact and a device, a NEW ticket, a ticket in progress
  with its engineer, a part in stock, an outing request, a purchase order, a sale),
  then sends the whole corpus, one request at a time, in a fixed order.
* Every answer must be: HTTP 200, or a 4xx whose JSON carries `errors` (never a 5xx);
  JSON with `data` or `errors`; every error with an `extensions.code`, never
  `INTERNAL_SERVER_ERROR`; no internals in the body (`client.find_leaks`). After the
  run the server's log holds no "Traceback" and no "Exception in ASGI application".
  A failure lists every offending document with its answer and the log's tail.

Budget: `POSITIVE_EXAMPLES` (3) + `NEGATIVE_EXAMPLES` (1) per root field, ~360
documents, so ~2,500 requests per backend, ~40 s each on two cores;
`FUZZ_POSITIVE=40 FUZZ_NEGATIVE=5` makes a deeper run. The corpus depends only on the
schema and the hypothesis / hypothesis-graphql versions. The server runs with rate and
login limits far above what the fuzzer sends (they have tests of their own).

`test_found_by_fuzzing` keeps what the fuzzer found as plain checks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis_graphql import Mode
from hypothesis_graphql import strategies as gql_st
from schemathesis.graphql import nodes

from . import parts_helpers as ph
from . import records_helpers as rh
from . import ticket_helpers as th
from .client import Server, UserHandle, assert_error, assert_ok, find_leaks, unique_name

pytestmark = [pytest.mark.timeout(300), pytest.mark.runs_long(130)]

# Documents per root field; FUZZ_POSITIVE / FUZZ_NEGATIVE raise them for a deeper run.
POSITIVE_EXAMPLES = int(os.environ.get("FUZZ_POSITIVE", "3"))
NEGATIVE_EXAMPLES = int(os.environ.get("FUZZ_NEGATIVE", "1"))
ROLES = ("ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER", "CUSTOMER", "AGENT", None)
# Limits far above what the fuzzer sends: rate limiting and login throttling have
# their own tests; here they would only turn answers into RATE_LIMITED.
FUZZ_ENV = {
    "HTTP_REQUESTS_PER_SECOND": "10000",
    "HTTP_BURST": "10000",
    "LOGIN_IP_ATTEMPTS": "1000000",
}
LOG_FAILURES = ("Traceback", "Exception in ASGI application")

# -- the world each role plays in ------------------------------------------------------

# The records an `ID` placeholder may name, by slot: the corpus names slots, each
# role's world fills them.
SLOTS = (
    "region",
    "agent",
    "customer",
    "contact",
    "device",
    "ticket_new",
    "ticket_started",
    "part",
    "outing",
    "expense",
    "purchase_order",
    "sale",
    "engineer",
    "back_office",
    "customer_user",
)
PLACEHOLDER = re.compile(r'"@id(\d+)@"')

CREATE_OUTING = """
mutation M($input: OutingRequestInput!) {
  createOutingRequest(input: $input) { id expenses { id } }
}"""
CREATE_ORDER = """
mutation M($input: PurchaseOrderInput!) { createPurchaseOrder(input: $input) { id } }"""
CREATE_SALE = "mutation M($input: PartSaleInput!) { createPartSale(input: $input) { id } }"


@dataclass(frozen=True)
class World:
    user: UserHandle | None  # the fuzzing user; None: no token at all
    ids: tuple[str, ...]  # by SLOTS

    def resolve(self, body: str) -> str:
        return PLACEHOLDER.sub(lambda m: json.dumps(self.ids[int(m.group(1))]), body)


def build_world(server: Server, role: str | None) -> World:
    """A world of the role's own (so that no role's run depends on another's) in
    which its user sees something: a customer user is the world customer's, an agent
    user its agent's, an engineer the one working on the started ticket."""
    admin = server.admin_token
    region = rh.create_region(server)
    agent = rh.create_agent(server, regionId=region["id"])
    customer = rh.create_customer(server, agentId=agent["id"], regionId=region["id"])
    contact = rh.add_contact(server, customer_id=customer["id"])
    warranty = (datetime.now(UTC).date() + timedelta(days=365)).isoformat()
    device = rh.register_device(server, customer["id"], warrantyEndsOn=warranty)
    fields: dict[str, Any] = {
        "CUSTOMER": {"customer_id": customer["id"]},
        "AGENT": {"agent_id": agent["id"]},
    }.get(role or "", {})
    user = server.make_user(role, **fields) if role else None
    engineer = user if role == "ENGINEER" else server.make_user("ENGINEER")
    assert engineer is not None
    back_office = server.make_user("BACK_OFFICE")
    customer_user = (
        user if role == "CUSTOMER" else server.make_user("CUSTOMER", customer_id=customer["id"])
    )
    assert customer_user is not None
    ticket_new = th.create_ticket(server, admin, customer["id"], device_id=device["id"])
    started = th.create_ticket(server, admin, customer["id"], device_id=device["id"])
    th.dispatch(server, admin, started["id"], engineer.id)
    th.move_ok(server, engineer.token, "acknowledgeTicket", started["id"])
    th.move_ok(server, engineer.token, "checkIn", started["id"])
    part = ph.stock_part(server, 20)
    line = [{"partId": part["id"], "quantity": 1}]
    outing = assert_ok(
        server.gql(
            CREATE_OUTING,
            {
                "input": {
                    "ticketId": started["id"],
                    "parts": line,
                    "expenses": [{"kind": "TRAVEL", "amount": "20.00"}],
                }
            },
            engineer.token,
        )
    )["createOutingRequest"]
    order = server.admin(
        CREATE_ORDER, {"input": {"supplier": unique_name("supplier"), "lines": line}}
    )["createPurchaseOrder"]
    sale = server.admin(CREATE_SALE, {"input": {"customerId": customer["id"], "lines": line}})
    ids = {
        "region": region["id"],
        "agent": agent["id"],
        "customer": customer["id"],
        "contact": contact["id"],
        "device": device["id"],
        "ticket_new": ticket_new["id"],
        "ticket_started": started["id"],
        "part": part["id"],
        "outing": outing["id"],
        "expense": outing["expenses"][0]["id"],
        "purchase_order": order["id"],
        "sale": sale["createPartSale"]["id"],
        "engineer": engineer.id,
        "back_office": back_office.id,
        "customer_user": customer_user.id,
    }
    return World(user=user, ids=tuple(ids[slot] for slot in SLOTS))


# -- the corpus ------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    label: str  # e.g. "Mutation.createTicket (negative)"
    body: str  # GraphQL, with "@idN@" placeholders


def _forged_id(type_name: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def scalar_strategies(schema: graphql.GraphQLSchema) -> dict[str, st.SearchStrategy[Any]]:
    """Value nodes for the scalars hypothesis-graphql has no (or too tame a) strategy for."""
    # Global ids are base64 of "Type:key" for every type with an id.
    typed = sorted(
        name
        for name, kind in schema.type_map.items()
        if isinstance(kind, graphql.GraphQLObjectType)
        and not name.startswith("__")
        and "id" in kind.fields
    )
    keys = st.one_of(
        st.integers(min_value=1, max_value=2**31 - 1),
        st.sampled_from([-1, 0, 2**31 - 1, 2**31, 2**63, 10**30]),
    )
    ids = st.one_of(
        st.integers(min_value=0, max_value=len(SLOTS) - 1).map(lambda i: f"@id{i}@"),
        st.builds(_forged_id, st.sampled_from(typed), keys),
        st.text(max_size=24),
    ).map(nodes.String)
    decimals = st.one_of(
        st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["NaN", "-Infinity", "1e999999", "-0", "0.001", "１２", "", "1,5"]),
        st.text(max_size=12),
    ).map(nodes.String)
    edge_dates = ["0000-00-00", "2024-02-30", "0001-01-01", "9999-12-31", "2024-13-01", ""]
    dates = st.one_of(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)).map(str),
        st.sampled_from(edge_dates),
        st.text(max_size=12),
    ).map(nodes.String)
    zones = st.sampled_from(
        [None, UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12, minutes=-30))]
    )
    datetimes = st.one_of(
        st.builds(lambda d, z: d.replace(tzinfo=z).isoformat(), st.datetimes(), zones),
        st.sampled_from(
            [*edge_dates, "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "now"]
        ),
        st.text(max_size=12),
    ).map(nodes.String)
    # A file can only come as a multipart part: inline, a string (refused, never a 5xx).
    uploads = st.text(max_size=12).map(nodes.String)
    return {
        "ID": ids,
        "Decimal": decimals,
        "Date": dates,
        "DateTime": datetimes,
        "Upload": uploads,
    }


def draw(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    """Up to `count` distinct examples of `strategy`, the same ones on every run."""
    bodies: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(body=strategy)
    def collect(body: str) -> None:
        bodies.append(body)

    collect()
    return list(dict.fromkeys(bodies))


def generate_corpus(schema: graphql.GraphQLSchema) -> list[Document]:
    scalars = scalar_strategies(schema)
    documents: list[Document] = []
    for root, factory in (
        (schema.query_type, gql_st.queries),
        (schema.mutation_type, gql_st.mutations),
    ):
        assert root is not None
        for name in root.fields:
            for mode, count in (
                (Mode.POSITIVE, POSITIVE_EXAMPLES),
                (Mode.NEGATIVE, NEGATIVE_EXAMPLES),
            ):
                label = f"{root.name}.{name} ({mode.name.lower()})"
                strategy = factory(schema, fields=[name], custom_scalars=scalars, mode=mode)
                try:
                    bodies = draw(strategy, count)
                except InvalidArgument:
                    # No argument to get wrong (`me`): nothing negative to write.
                    assert mode is Mode.NEGATIVE, label
                    continue
                documents.extend(Document(label, body) for body in bodies)
    return documents


_CORPORA: dict[str, list[Document]] = {}


def corpus_for(server: Server) -> list[Document]:
    """The served schema (by introspection, as schemathesis loads it) and its corpus,
    made once per distinct schema."""
    loaded = schemathesis.graphql.from_url(server.graphql_url, timeout=30)
    schema = loaded.client_schema
    key = hashlib.sha256(graphql.print_schema(schema).encode()).hexdigest()
    if key not in _CORPORA:
        _CORPORA[key] = generate_corpus(schema)
    return _CORPORA[key]


# -- judging answers -------------------------------------------------------------------


def problems(response: httpx.Response) -> list[str]:
    """What is wrong with an answer (nothing, for a correct answer or refusal)."""
    found = [f"leaks {leak}" for leak in find_leaks(response.text)]
    status = response.status_code
    if status != 200 and not 400 <= status < 500:
        found.append(f"HTTP {status}")
    try:
        body = response.json()
    except ValueError:
        return [*found, "not JSON"]
    if not isinstance(body, dict):
        return [*found, "not a JSON object"]
    errors = body.get("errors")
    if errors is None and (status != 200 or "data" not in body):
        found.append("neither data nor errors" if status == 200 else "a refusal without errors")
    for error in errors or []:
        code = ((error or {}).get("extensions") or {}).get("code")
        if not code:
            found.append(f"an error without extensions.code: {json.dumps(error)[:300]}")
        elif code == "INTERNAL_SERVER_ERROR":
            found.append("INTERNAL_SERVER_ERROR")
    return found


def log_failures(text: str) -> list[str]:
    return [marker for marker in LOG_FAILURES if marker in text]


# -- the test --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_server(backend: str, server_factory: Callable[..., Server]) -> Iterator[Server]:
    running = server_factory(backend, **FUZZ_ENV)
    yield running
    running.stop()


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "ANONYMOUS")
def test_fuzz(fuzz_server: Server, role: str | None) -> None:
    server = fuzz_server
    documents = corpus_for(server)
    world = build_world(server, role)
    log_start = len(server.log_text())
    headers = server.headers_for(world.user.token if world.user else None)
    failures: list[str] = []
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for document in documents:
            query = world.resolve(document.body)
            response = http.post("/graphql", json={"query": query}, headers=headers)
            found = problems(response)
            if found:
                failures.append(
                    f"{document.label}: {'; '.join(found)}\n{query}\n"
                    f"-> HTTP {response.status_code} {response.text[:600]}"
                )
    log = server.log_text()[log_start:]
    in_log = log_failures(log)
    if failures or in_log:
        pytest.fail(
            f"{len(failures)} of {len(documents)} answers failed as {role or 'ANONYMOUS'}"
            f" on {server.backend}; log: {in_log or 'clean'}\n\n"
            + "\n\n".join(failures[:25])
            + "\n\nserver log:\n"
            + "\n".join(log.splitlines()[-150:]),
            pytrace=False,
        )


# -- what the fuzzer found, kept as plain checks ----------------------------------------

WORK_RECORD = """
mutation M($startedAt: DateTime!, $endedAt: DateTime!) {
  addWorkRecord(ticketId: "x", input: {details: "d", startedAt: $startedAt,
    endedAt: $endedAt}) { id }
}"""
AUDIT_SINCE = "query Q($since: DateTime) { auditLog(filter: {since: $since}) { totalCount } }"
COMMUNICATION = """
mutation M($customerId: ID!, $at: DateTime) {
  logCommunication(input: {customerId: $customerId, summary: "s", occurredAt: $at}) { id }
}"""
CLAIM_HUGE = 'mutation { claimExpense(expenseId: "x", amount: "1e999999", receipt: "r") { id } }'
SALE_HUGE_PRICE = """
mutation M($customerId: ID!, $partId: ID!) {
  createPartSale(input: {customerId: $customerId,
    lines: [{partId: $partId, quantity: 1, unitPrice: "1e999999"}]}) { id }
}"""
AWARE = "2026-01-01T00:00:00+00:00"
NAIVE = "2026-01-01T01:00:00"
# A valid ISO time, but one UTC cannot hold: year 0 (and 10000 for the -14:00 one).
BEFORE_YEAR_ONE = "0001-01-01T00:00:00+14:00"
AFTER_9999 = "9999-12-31T23:59:59-14:00"


def test_found_by_fuzzing(fuzz_server: Server) -> None:
    """Each was an INTERNAL_SERVER_ERROR: a naive time compared with an aware one before
    the zones were checked, a naive time or one out of UTC's range given to the
    database, an amount too long for Decimal to round to the cent."""
    server = fuzz_server
    admin = server.admin_token
    engineer = server.make_user("ENGINEER")
    customer = rh.create_customer(server)
    part = ph.stock_part(server, 3)
    log_start = len(server.log_text())
    cases: list[tuple[str, dict[str, Any] | None, str | None, str]] = [
        (WORK_RECORD, {"startedAt": AWARE, "endedAt": NAIVE}, admin, "endedAt"),
        (WORK_RECORD, {"startedAt": BEFORE_YEAR_ONE, "endedAt": AWARE}, admin, "startedAt"),
        (WORK_RECORD, {"startedAt": AWARE, "endedAt": AFTER_9999}, admin, "endedAt"),
        (AUDIT_SINCE, {"since": "0001-01-01"}, admin, "filter.since"),
        (AUDIT_SINCE, {"since": AFTER_9999}, admin, "filter.since"),
        (COMMUNICATION, {"customerId": customer["id"], "at": BEFORE_YEAR_ONE}, admin, "occurredAt"),
        (CLAIM_HUGE, None, engineer.token, "amount"),
        (
            SALE_HUGE_PRICE,
            {"customerId": customer["id"], "partId": part["id"]},
            admin,
            "lines[0].unitPrice",
        ),
    ]
    for query, variables, token, field in cases:
        assert_error(server.gql(query, variables, token), "BAD_USER_INPUT", field=field)
    assert not log_failures(server.log_text()[log_start:])
