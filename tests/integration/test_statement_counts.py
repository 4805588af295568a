"""A page of 100 rows with nested records costs the same SQL statements as a page of 5.

The schema runs in-process here (against a real database, migrated with Alembic) so
that every statement the engine executes can be counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from domain.accounts.passwords import hash_password
from persistence import migrations
from persistence.db import count_statements, make_engine, make_sessionmaker
from persistence.models import (
    Agent,
    Contact,
    Customer,
    Device,
    OutingExpense,
    OutingRequest,
    OutingRequestPart,
    Part,
    PartSale,
    PartSaleLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Region,
    Ticket,
    TicketPart,
    User,
)
from resolvers.accounts.tokens import issue_token
from resolvers.context import Context, Services
from schema.root import build_schema
from settings import Settings

KEY = "k" * 48
ROWS = 110


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    # Synchronous: migrations and database creation run their own event loop.
    url = make_database(backend)
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="module")
async def services(database_url: str) -> AsyncIterator[Services]:
    url = database_url
    settings = Settings(environment="test", database_url=url, secret_key=KEY)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        session.info["actor_id"] = 1  # stamps created_by on every row: createdBy is loaded too
        session.add(
            User(
                username="counter-admin",
                display_name="Admin",
                role="ADMIN",
                password_hash=hash_password("irrelevant-password"),
            )
        )
        engineer, engineer2 = (
            User(username=name, display_name=name, role="ENGINEER", password_hash="x")
            for name in ("counter-eng-1", "counter-eng-2")
        )
        session.add_all([engineer, engineer2])
        region = Region(name="Jiangsu", level="PROVINCE")
        session.add(region)
        await session.flush()
        agents = [Agent(name=f"Agent {i}", region_id=region.id) for i in range(7)]
        session.add_all(agents)
        await session.flush()
        for i in range(ROWS):
            customer = Customer(
                code=f"SC-{i:04d}",
                name=f"Customer {i}",
                agent_id=agents[i % len(agents)].id,
                region_id=region.id,
            )
            session.add(customer)
            await session.flush()
            session.add(Contact(customer_id=customer.id, name=f"Contact {i}"))
            device = Device(
                customer_id=customer.id, brand="Fanuc", model="M-20", serial_number=f"S{i}"
            )
            session.add(device)
            await session.flush()
            part = Part(
                part_number=f"P-{i:05d}",
                name=f"Part {i}",
                unit="pcs",
                cost_price=Decimal("6.00"),
                list_price=Decimal("10.00"),
                minimum_price=Decimal("8.00"),
                alarm_threshold=3,
                on_hand=i % 7,
                average_purchase_price=Decimal("6.50"),
            )
            ticket = Ticket(
                number=f"T-2026-{i + 1:06d}",
                kind="REPAIR",
                status="DISPATCHED",
                severity=1 + i % 4,
                source="PHONE",
                customer_id=customer.id,
                device_id=device.id,
                description=f"fault {i}",
                assignee_id=engineer.id if i % 2 else engineer2.id,
                version=1,
            )
            session.add_all([part, ticket])
            await session.flush()
            session.add(
                TicketPart(
                    ticket_id=ticket.id,
                    part_id=part.id,
                    quantity=1,
                    unit_price=Decimal("10.00"),
                    charge=Decimal("10.00"),
                )
            )
            outing = OutingRequest(
                ticket_id=ticket.id, engineer_id=ticket.assignee_id, status="PENDING"
            )
            order = PurchaseOrder(number=f"PO-{i:05d}", supplier=f"Supplier {i}", status="DRAFT")
            sale = PartSale(number=f"PS-{i:05d}", customer_id=customer.id, total=Decimal("10"))
            session.add_all([outing, order, sale])
            await session.flush()
            money = {"unit_price": Decimal("10.00")}
            session.add_all(
                [
                    OutingRequestPart(outing_request_id=outing.id, part_id=part.id, quantity=2),
                    OutingExpense(
                        outing_request_id=outing.id,
                        kind="TRAVEL",
                        amount=Decimal("50.00"),
                        status="REQUESTED",
                    ),
                    PurchaseOrderLine(
                        purchase_order_id=order.id, part_id=part.id, quantity=5, **money
                    ),
                    PartSaleLine(
                        part_sale_id=sale.id,
                        part_id=part.id,
                        quantity=1,
                        amount=Decimal("10.00"),
                        cost_price=Decimal("6.00"),
                        list_price=Decimal("10.00"),
                        minimum_price=Decimal("8.00"),
                        **money,
                    ),
                ]
            )
    yield Services(settings=settings, engine=engine, sessionmaker=sessionmaker, signing_key=KEY)
    await engine.dispose()


async def run(services: Services, query: str, first: int) -> tuple[dict[str, Any], int]:
    token = issue_token(KEY, user_id=1, token_version=1, ttl_minutes=5)
    schema = build_schema(services.settings)
    statements = count_statements(services.engine)
    result = await schema.execute(
        query, variable_values={"first": first}, context_value=Context.in_process(services, token)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    # Transaction control (SQLite's explicit BEGIN) is not a query.
    queries = [s for s in statements if s.split()[0].upper() not in {"BEGIN", "COMMIT"}]
    return result.data, len(queries)


DEVICES = """
query ($first: Int) {
  devices(first: $first) {
    totalCount
    edges { node { id serialNumber customer { id name agent { id name } } } }
  }
}"""

CUSTOMERS = """
query ($first: Int) {
  customers(first: $first) {
    totalCount
    edges { node {
      id code region { name } agent { name contacts { name } }
      contacts { name } devices { serialNumber } createdBy { username }
    } }
  }
}"""


BOARD = """
query ($first: Int) {
  tickets(first: $first, filter: {status: [DISPATCHED]}) {
    totalCount
    edges { node {
      id number kind status severity version
      customer { id name } device { id serialNumber model } assignee { id displayName }
    } }
  }
}"""


PARTS = """
query ($first: Int) {
  parts(first: $first) {
    totalCount
    edges { node {
      id partNumber name onHand alarmThreshold belowAlarm
      listPrice costPrice minimumPrice averagePurchasePrice
    } }
  }
}"""

BOARD_WITH_PARTS = """
query ($first: Int) {
  tickets(first: $first, filter: {status: [DISPATCHED]}) {
    totalCount
    edges { node {
      id number status customer { name } partsCharge
      partsUsed { quantity charge part { partNumber onHand } }
    } }
  }
}"""


BOARD_WITH_EVIDENCE = """
query ($first: Int) {
  tickets(first: $first, filter: {status: [DISPATCHED]}) {
    totalCount
    edges { node {
      id attachments { id url thumbnailUrl } signature { signerName url }
      charges { total freeOfCharge lines { kind amount waived } estimate { status } }
    } }
  }
}"""


OUTINGS = """
query ($first: Int) {
  outingRequests(first: $first) {
    totalCount
    edges { node {
      id status engineer { username } ticket { number }
      parts { quantity part { partNumber } } expenses { kind amount status } totals { requested }
    } }
  }
}"""

PURCHASE_ORDERS = """
query ($first: Int) {
  purchaseOrders(first: $first) {
    totalCount
    edges { node {
      id number status supplier total createdBy { username }
      lines { quantity unitPrice outstanding part { partNumber onHand } }
    } }
  }
}"""

PART_SALES = """
query ($first: Int) {
  partSales(first: $first) {
    totalCount
    edges { node {
      id number total customer { name }
      lines { quantity unitPrice costPrice margin part { partNumber } }
    } }
  }
}"""


# Account check (with its ticket-kind limits), COUNT, page, then one statement per
# kind of nested record. The dispatcher board (tickets) is held to 6; the parts list
# (stock and average price live on the part row) to 3.
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (DEVICES, 3 + 2),
        (CUSTOMERS, 3 + 6),
        (BOARD, 3 + 3),
        (PARTS, 3),
        (BOARD_WITH_PARTS, 3 + 3),
        # files; stored charge lines, parts used and their parts (the statement)
        (BOARD_WITH_EVIDENCE, 3 + 4),
        (OUTINGS, 3 + 5),
        (PURCHASE_ORDERS, 3 + 3),
        (PART_SALES, 3 + 3),
    ],
    ids=[
        "devices",
        "customers",
        "board",
        "parts",
        "board-with-parts",
        "board-with-evidence",
        "outings",
        "purchase-orders",
        "part-sales",
    ],
)
async def test_page_of_100_costs_what_a_page_of_5_costs(
    services: Services, query: str, expected: int
) -> None:
    small, small_count = await run(services, query, 5)
    large, large_count = await run(services, query, 100)

    names = ("devices", "customers", "tickets", "parts", "outingRequests", "purchaseOrders")
    name = next(n for n in (*names, "partSales") if f"{n}(" in query)
    assert len(small[name]["edges"]) == 5
    assert len(large[name]["edges"]) == 100
    assert large[name]["totalCount"] == ROWS
    assert small_count == expected
    assert large_count == expected


async def test_nested_records_are_the_right_ones(services: Services) -> None:
    data, _ = await run(services, DEVICES, 100)
    for edge in data["devices"]["edges"]:
        node = edge["node"]
        index = int(node["serialNumber"][1:])
        assert node["customer"]["name"] == f"Customer {index}"
        assert node["customer"]["agent"]["name"] == f"Agent {index % 7}"


async def tasks_made(services: Services, query: str, first: int) -> int:
    """How many asyncio tasks running `query` creates (graphql-core makes one for each
    awaitable among an object's fields when it gathers them)."""
    loop = asyncio.get_running_loop()
    made = 0
    previous = loop.get_task_factory()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        nonlocal made
        made += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        await run(services, query, first)
    finally:
        loop.set_task_factory(previous)
    return made


# The relations of a page's rows (schema.relations) are loaded before the rows are
# completed, then read without awaiting: no task, future or awaitable per row. Fields
# computed from loaded rows (an outing request's totals, a purchase order's total) are not
# relations and still cost per row.
@pytest.mark.parametrize(
    "query",
    [DEVICES, CUSTOMERS, BOARD, PART_SALES],
    ids=["devices", "customers", "board", "part-sales"],
)
async def test_relations_of_a_page_cost_no_task_per_row(services: Services, query: str) -> None:
    assert await tasks_made(services, query, 100) == await tasks_made(services, query, 5)
