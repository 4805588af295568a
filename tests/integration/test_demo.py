"""The demo data set is made through the real operations (`resolvers.demo.seed_demo`).

A fresh database (SQLite and PostgreSQL, migrated with Alembic) is seeded in-process,
then read back through the schema as the demo users: tickets at the versions the moves
give, with their history; notifications; stock movements and the stock alarm; an audit
entry per change. Seeding again changes nothing; a clash or a failing operation stops
the load with a clear message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry import Schema

from domain.accounts.passwords import hash_password
from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import AuditEntry, Base, User
from resolvers import demo, demo_data, demo_steps
from resolvers.accounts.tokens import issue_token
from resolvers.context import Context, Services
from resolvers.demo import DemoError, seed_demo
from schema.root import build_schema
from settings import Settings

KEY = "d" * 48


def _database(backend: str, make_database: Any) -> str:
    # Synchronous: migrations and database creation run their own event loop.
    url = make_database(backend)
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    return _database(backend, make_database)


async def _services(url: str) -> Services:
    engine = make_engine(url)
    return Services(
        settings=Settings(environment="test", database_url=url, secret_key=KEY),
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        signing_key=KEY,
    )


@pytest.fixture(scope="module")
async def services(database_url: str) -> AsyncIterator[Services]:
    services = await _services(database_url)
    assert await seed_demo(services) is True
    yield services
    await services.engine.dispose()


@pytest.fixture(scope="module")
def schema(services: Services) -> Schema:
    return build_schema(services.settings)


async def run(
    services: Services, schema: Schema, username: str, document: str, **variables: Any
) -> Any:
    """`document` as the demo user `username`, through the schema, as a client would."""
    async with services.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    token = issue_token(KEY, user_id=user.id, token_version=user.token_version, ttl_minutes=5)
    result = await schema.execute(
        document, variable_values=variables, context_value=Context.in_process(services, token)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def _row_counts(services: Services) -> dict[str, int]:
    async with services.sessionmaker() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


TICKETS = """
query {
  tickets(first: 20) {
    nodes {
      id number kind status version source
      customer { code }
      assignee { username }
      dispatchedBy { username }
      checkIns { engineer { username } latitude longitude }
      partsUsed { quantity part { partNumber } }
      history { type ticketVersion actor { username } }
    }
  }
}"""


async def _tickets(services: Services, schema: Schema, username: str) -> dict[str, Any]:
    """The user's tickets by customer code."""
    data = await run(services, schema, username, TICKETS)
    return {t["customer"]["code"]: t for t in data["tickets"]["nodes"]}


def _history(ticket: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(e["type"], e["ticketVersion"], e["actor"]["username"]) for e in ticket["history"]]


async def test_the_engineers_tickets_went_through_the_real_moves(
    services: Services, schema: Schema
) -> None:
    eng1 = await _tickets(services, schema, "demo-eng1")
    assert {code: (t["status"], t["version"]) for code, t in eng1.items()} == {
        "C-0003": ("DISPATCHED", 2),
        "C-0002": ("ACCEPTED", 3),
    }
    assert _history(eng1["C-0003"]) == [
        ("TICKET_CREATED", 1, "demo-cs"),
        ("TICKET_DISPATCHED", 2, "demo-cs"),
    ]
    assert _history(eng1["C-0002"]) == [
        ("TICKET_CREATED", 1, "demo-cs"),
        ("TICKET_DISPATCHED", 2, "demo-cs"),
        ("TICKET_ACKNOWLEDGED", 3, "demo-eng1"),
    ]
    assert {t["dispatchedBy"]["username"] for t in eng1.values()} == {"demo-cs"}

    eng2 = await _tickets(services, schema, "demo-eng2")
    assert list(eng2) == ["C-0004"]
    install = eng2["C-0004"]
    assert (install["kind"], install["status"], install["version"]) == (
        "INSTALLATION",
        "IN_PROGRESS",
        5,
    )
    assert _history(install) == [
        ("TICKET_CREATED", 1, "demo-cs"),
        ("TICKET_DISPATCHED", 2, "demo-cs"),
        ("TICKET_ACKNOWLEDGED", 3, "demo-eng2"),
        ("TICKET_CHECKED_IN", 4, "demo-eng2"),
        ("OUTING_REQUESTED", 4, "demo-eng2"),
        ("OUTING_APPROVED", 4, "demo-office"),
        ("PARTS_USED", 5, "demo-eng2"),
    ]
    assert [c["engineer"]["username"] for c in install["checkIns"]] == ["demo-eng2"]
    assert [(p["part"]["partNumber"], p["quantity"]) for p in install["partsUsed"]] == [
        ("CBL-ENC-5M", 1)
    ]


async def test_the_customer_reported_its_fault_and_the_dispatcher_sees_every_ticket(
    services: Services, schema: Schema
) -> None:
    own = await _tickets(services, schema, "demo-customer")
    assert list(own) == ["C-0001"]
    reported = own["C-0001"]
    assert (reported["status"], reported["version"], reported["source"]) == ("NEW", 1, "PORTAL")
    assert [e["type"] for e in reported["history"]] == ["TICKET_CREATED"]
    board = await _tickets(services, schema, "demo-cs")
    assert {code: t["status"] for code, t in board.items()} == {
        "C-0001": "NEW",
        "C-0003": "DISPATCHED",
        "C-0002": "ACCEPTED",
        "C-0004": "IN_PROGRESS",
    }
    # The agent owns C-0001, C-0002 and C-0006.
    assert set(await _tickets(services, schema, "demo-agent")) == {"C-0001", "C-0002"}


NOTIFICATIONS = """
query {
  myNotifications(first: 50) { nodes { kind handled ticket { number } part { partNumber } } }
}"""


async def _notifications(
    services: Services, schema: Schema, username: str
) -> list[tuple[str, bool]]:
    data = await run(services, schema, username, NOTIFICATIONS)
    return sorted((n["kind"], n["handled"]) for n in data["myNotifications"]["nodes"])


async def test_the_people_were_notified(services: Services, schema: Schema) -> None:
    # Dispatched twice; the acknowledged one is handled.
    assert await _notifications(services, schema, "demo-eng1") == [
        ("DISPATCHED", False),
        ("DISPATCHED", True),
    ]
    assert await _notifications(services, schema, "demo-eng2") == [
        ("DISPATCHED", True),
        ("OUTING_APPROVED", False),
    ]
    # The approvers were asked; the request was decided.
    for approver in ("demo-admin", "demo-office"):
        assert ("OUTING_REQUESTED", True) in await _notifications(services, schema, approver)


PART = """
query ($search: String) {
  parts(first: 5, filter: {search: $search}) {
    nodes {
      id partNumber onHand alarmThreshold belowAlarm
      movements(first: 20) {
        edges { node {
          kind quantity engineerQuantity onHandAfter reason
          actor { username } engineer { username } ticket { number }
        } }
      }
    }
  }
}"""

ADJUST = """
mutation ($partId: ID!, $quantity: Int!) {
  adjustStock(partId: $partId, quantity: $quantity, reason: "damaged") { onHand belowAlarm }
}"""

ALARMS = """
query {
  myNotifications(first: 50) { nodes { kind handled part { partNumber onHand belowAlarm } } }
}"""


async def _part(services: Services, schema: Schema, number: str) -> dict[str, Any]:
    data = await run(services, schema, "demo-office", PART, search=number)
    (part,) = [p for p in data["parts"]["nodes"] if p["partNumber"] == number]
    return part


def _movements(part: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Oldest first: kind, warehouse and engineer quantities, stock after, who."""
    return [
        (
            m["kind"],
            m["quantity"],
            m["engineerQuantity"],
            m["onHandAfter"],
            m["actor"]["username"],
            (m["engineer"] or {}).get("username"),
        )
        for m in reversed([edge["node"] for edge in part["movements"]["edges"]])
    ]


async def test_stock_came_by_movements_and_the_alarm_goes_off(
    services: Services, schema: Schema
) -> None:
    encoder = await _part(services, schema, "SV-ENC-17")
    assert (encoder["onHand"], encoder["alarmThreshold"], encoder["belowAlarm"]) == (3, 2, False)
    assert _movements(encoder) == [("ADJUSTMENT", 3, 0, 3, "demo-office", None)]
    assert encoder["movements"]["edges"][0]["node"]["reason"] == demo_data.OPENING_STOCK_REASON

    cable = await _part(services, schema, "CBL-ENC-5M")
    assert cable["onHand"] == 6
    assert _movements(cable) == [
        ("ADJUSTMENT", 8, 0, 8, "demo-office", None),
        ("ISSUE_TO_ENGINEER", -2, 2, 6, "demo-office", "demo-eng2"),
        ("ISSUE_TO_TICKET", 0, -1, 6, "demo-eng2", "demo-eng2"),
    ]
    assert cable["movements"]["edges"][0]["node"]["ticket"]["number"]
    carried = await run(
        services, schema, "demo-eng2", "{ engineerStock { quantity part { partNumber } } }"
    )
    assert sorted((s["part"]["partNumber"], s["quantity"]) for s in carried["engineerStock"]) == [
        ("CBL-ENC-5M", 1),
        ("RLY-24V", 4),
    ]
    assert not any(
        n[0] == "STOCK_ALARM" for n in await _notifications(services, schema, "demo-office")
    )

    # The README's walk-through: the admin takes one SV-ENC-17, the office is alarmed...
    taken = await run(services, schema, "demo-admin", ADJUST, partId=encoder["id"], quantity=-1)
    assert taken["adjustStock"] == {"onHand": 2, "belowAlarm": True}
    alarms = [
        n
        for n in (await run(services, schema, "demo-office", ALARMS))["myNotifications"]["nodes"]
        if n["kind"] == "STOCK_ALARM"
    ]
    assert [(n["handled"], n["part"]["partNumber"]) for n in alarms] == [(False, "SV-ENC-17")]
    # ... and back above the threshold, the same alarm is handled.
    await run(services, schema, "demo-admin", ADJUST, partId=encoder["id"], quantity=1)
    alarms = [
        n
        for n in (await run(services, schema, "demo-office", ALARMS))["myNotifications"]["nodes"]
        if n["kind"] == "STOCK_ALARM"
    ]
    assert [(n["handled"], n["part"]["onHand"]) for n in alarms] == [(True, 3)]


AUDIT = """
query ($after: String, $filter: AuditFilter) {
  auditLog(first: 100, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { operation ip recordIds actor { username } }
  }
}"""

SEEDED_CHANGES = {
    "createUser": 7,
    "createRegion": 10,
    "createAgent": 2,
    "createCustomer": 6,
    "logCommunication": 5,
    "registerDevice": 12,
    "createPart": 8,
    # The service levels of SPEC.md, one per severity, and automatic close.
    "createSlaPolicy": 4,
    "setServiceSettings": 1,
    "createTicket": 4,
    "dispatchTicket": 3,
    "acknowledgeTicket": 2,
    "checkIn": 1,
    "createOutingRequest": 1,
    "approveOutingRequest": 1,
    "issuePartsToTicket": 1,
    demo.DONE_OPERATION: 1,
}


async def _audit(services: Services, schema: Schema, **filter: Any) -> list[dict[str, Any]]:
    entries, after = [], None
    while True:
        data = await run(services, schema, "demo-admin", AUDIT, after=after, filter=filter)
        page = data["auditLog"]
        entries += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return entries
        after = page["pageInfo"]["endCursor"]


async def test_every_seeded_change_is_audited(services: Services, schema: Schema) -> None:
    entries = await _audit(services, schema)
    counts = Counter(e["operation"] for e in entries)
    # The stock test's own adjustments are the admin's; the opening stock the office's.
    opening = [e for e in entries if e["operation"] == "adjustStock"]
    assert Counter(e["actor"]["username"] for e in opening)["demo-office"] == 8
    del counts["adjustStock"]
    assert counts == SEEDED_CHANGES
    # Only the first administrator is written outside a mutation, by nobody; the command
    # runs in-process, from no address.
    nobody = [e for e in entries if e["actor"] is None]
    assert [(e["operation"], len(e["recordIds"])) for e in nobody] == [("createUser", 1)]
    assert {e["ip"] for e in entries if e["operation"] != "adjustStock"} == {None}

    # One ticket's audit trail is its history: who did what, in order.
    (install,) = (await _tickets(services, schema, "demo-eng2")).values()
    trail = await _audit(services, schema, recordId=install["id"])
    assert [(e["operation"], e["actor"]["username"]) for e in reversed(trail)] == [
        ("createTicket", "demo-cs"),
        ("dispatchTicket", "demo-cs"),
        ("acknowledgeTicket", "demo-eng2"),
        ("checkIn", "demo-eng2"),
        ("issuePartsToTicket", "demo-eng2"),
    ]
    # The outing changes its request, not the ticket: audited under the request.
    outings = await run(
        services, schema, "demo-office", "{ outingRequests(first: 5) { nodes { id status } } }"
    )
    (outing,) = outings["outingRequests"]["nodes"]
    assert outing["status"] == "APPROVED"
    trail = await _audit(services, schema, recordId=outing["id"])
    assert [(e["operation"], e["actor"]["username"]) for e in reversed(trail)] == [
        ("createOutingRequest", "demo-eng2"),
        ("approveOutingRequest", "demo-office"),
    ]

    # Every customer was entered by the back office, each with its own entry.
    customers = await run(
        services, schema, "demo-admin", "{ customers(first: 20) { nodes { id } } }"
    )
    for customer in customers["customers"]["nodes"]:
        made = await _audit(services, schema, recordId=customer["id"], operation="createCustomer")
        assert [e["actor"]["username"] for e in made] == ["demo-office"]


async def test_seeding_again_changes_nothing(services: Services) -> None:
    before = await _row_counts(services)
    assert before["users"] == len(demo_data.USERS)
    assert await seed_demo(services) is False
    assert await _row_counts(services) == before


@pytest.fixture
def fresh_url(backend: str, make_database: Any) -> str:
    return _database(backend, make_database)


async def test_a_clash_refuses_before_anything_is_written(fresh_url: str) -> None:
    services = await _services(fresh_url)
    try:
        async with services.sessionmaker() as session, session.begin():
            session.add(
                User(
                    username="demo-eng2",
                    display_name="Someone",
                    role="ENGINEER",
                    password_hash=hash_password("irrelevant-password"),
                )
            )
        with pytest.raises(DemoError, match="user 'demo-eng2' already exists"):
            await seed_demo(services)
        counts = await _row_counts(services)
        assert (counts["users"], counts[AuditEntry.__tablename__]) == (1, 0)
    finally:
        await services.engine.dispose()


async def test_a_failing_operation_stops_the_load_with_its_message(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A minimum price above the list price: createPart refuses it.
    bad = ("SV-ENC-17", "伺服电机编码器", None, "pcs", None, "180", "320", "999", 2, 3)
    # The steps read the table where they are (resolvers.demo_steps).
    monkeypatch.setattr(demo_steps, "PARTS", [bad, *demo_data.PARTS[1:]])
    services = await _services(fresh_url)
    try:
        with pytest.raises(DemoError) as failed:
            await seed_demo(services)
        message = str(failed.value)
        assert "createPart SV-ENC-17 (as demo-office) failed" in message
        assert "BAD_USER_INPUT, field minimumPrice" in message
        # What was made before stays; a second run says so rather than loading it twice.
        with pytest.raises(DemoError, match="partly loaded"):
            await seed_demo(services)
    finally:
        await services.engine.dispose()


async def test_the_demo_tickets_carry_the_service_levels(
    services: Services, schema: Schema
) -> None:
    data = await run(
        services,
        schema,
        "demo-cs",
        "{ tickets(first: 20) { nodes { severity sla { policy { name } state onSiteDueAt "
        "responseDueAt } } } slaPolicies { severity responseMinutes onSiteMinutes } "
        "serviceSettings { autoCloseAfterMinutes } }",
    )
    assert {p["severity"] for p in data["slaPolicies"]} == {1, 2, 3, 4}
    (level_one,) = [p for p in data["slaPolicies"] if p["severity"] == 1]
    assert level_one["onSiteMinutes"] == 480  # "level 1: on site within 8 hours"
    assert data["serviceSettings"]["autoCloseAfterMinutes"] == 3 * 24 * 60
    for ticket in data["tickets"]["nodes"]:
        sla = ticket["sla"]
        assert sla is not None and sla["responseDueAt"] is not None, ticket
        assert (sla["onSiteDueAt"] is not None) == (ticket["severity"] == 1)
