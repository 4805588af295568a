"""Parts sold to customers outside a ticket, end to end over HTTP on both backends:
the price of each line between the minimum and the list price, the stock leaving by
SALE movements that name the sale (or nothing at all when a line is short), only the
office selling, each reader seeing the sales of its customer scope, and the cost and
minimum prices (and the margin) hidden field by field from customers and agents."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from . import parts_helpers as ph
from . import records_helpers as rh
from .client import (
    Server,
    UserHandle,
    assert_error,
    assert_ok,
    decode_global_id,
    global_id,
    unique_name,
)
from .ticket_helpers import TicketWorld

BAD, FORBIDDEN, NOT_FOUND = "BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND"

LINE = (
    "id quantity unitPrice amount listPrice costPrice minimumPrice margin"
    " part { id partNumber costPrice }"
)
SALE = (
    f"id number note total createdAt customer {{ id }} soldBy {{ id }} createdBy {{ id }}"
    f" lines {{ {LINE} }}"
)
CREATE_SALE = f"""
mutation M($input: PartSaleInput!) {{ createPartSale(input: $input) {{ {SALE} }} }}"""
SALE_BY_ID = f"query Q($id: ID!) {{ partSale(id: $id) {{ {SALE} }} }}"
SALES = f"""
query Q($first: Int, $after: String, $filter: PartSaleFilter) {{
  partSales(first: $first, after: $after, filter: $filter) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {SALE} }}
  }}
}}"""
ALARMS = """
query Q { myNotifications(first: 100) { nodes { kind handled message part { id onHand } } } }"""


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


@pytest.fixture(scope="module")
def stranger(server: Server) -> dict[str, Any]:
    """A customer of another agent: outside the world's customer and agent scopes."""
    return rh.create_customer(server, agentId=rh.create_agent(server)["id"])


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def sell_response(
    server: Server,
    token: str | None,
    customer_id: str,
    lines: list[tuple[Any, ...]],
    note: str | None = None,
) -> dict[str, Any]:
    """Raw answer of `createPartSale`; lines are (part id, quantity[, unit price])."""
    payload = {
        "customerId": customer_id,
        "lines": [
            {"partId": line[0], "quantity": line[1], **({"unitPrice": line[2]} if line[2:] else {})}
            for line in lines
        ],
        "note": note,
    }
    return server.gql(CREATE_SALE, {"input": payload}, token or server.admin_token)


def sell(
    server: Server, token: str | None, customer_id: str, lines: list[tuple[Any, ...]], **kw: Any
) -> dict[str, Any]:
    return assert_ok(sell_response(server, token, customer_id, lines, **kw))["createPartSale"]


def list_sales(server: Server, token: str | None, **filter: Any) -> dict[str, Any]:
    variables = {"first": 100, "filter": filter or None}
    return assert_ok(server.gql(SALES, variables, token or server.admin_token))["partSales"]


def sale_ids(page: dict[str, Any]) -> list[str]:
    return [node["id"] for node in page["nodes"]]


def sale_movements(server: Server, part_id: str) -> list[dict[str, Any]]:
    return [
        m for m in ph.get_part(server, None, part_id)["movements"]["nodes"] if m["kind"] == "SALE"
    ]


# -- selling --------------------------------------------------------------------------


def test_a_sale_at_list_price_takes_the_stock_and_traces_it(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    note = f"Counter sale {unique_name('n')}"
    sale = sell(server, world.dispatcher.token, world.customer["id"], [(part["id"], 3)], note=note)
    kind, pk = decode_global_id(sale["id"])
    year = datetime.now(UTC).year
    assert kind == "PartSale"
    assert sale["number"] in {f"PS{y}-{pk:06d}" for y in (year - 1, year)}
    assert (sale["note"], sale["customer"]["id"]) == (note, world.customer["id"])
    assert sale["soldBy"]["id"] == sale["createdBy"]["id"] == world.dispatcher.id
    [line] = sale["lines"]
    assert line["part"]["id"] == part["id"]
    assert line["quantity"] == 3
    assert money(line["unitPrice"]) == money(line["listPrice"]) == Decimal("100.00")
    assert money(line["amount"]) == money(sale["total"]) == Decimal("300.00")
    assert money(line["costPrice"]) == Decimal("60.00")
    assert money(line["minimumPrice"]) == Decimal("80.00")
    assert money(line["margin"]) == Decimal("120.00")

    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 7
    latest = found["movements"]["nodes"][0]
    assert (latest["kind"], latest["quantity"], latest["onHandAfter"]) == ("SALE", -3, 7)
    assert latest["partSaleId"] == sale["id"]
    assert latest["actor"]["id"] == world.dispatcher.id
    assert latest["ticket"] is None
    assert sale["number"] in latest["reason"]
    assert (
        assert_ok(server.gql(SALE_BY_ID, {"id": sale["id"]}, server.admin_token))["partSale"]
        == sale
    )


def test_a_sale_at_a_discount_and_a_part_named_twice(server: Server, world: TicketWorld) -> None:
    discounted = ph.stock_part(server, 10)
    listed = ph.stock_part(server, 10, listPrice="50.00", minimumPrice="40.00", costPrice="30")
    sale = sell(
        server,
        world.back_office.token,
        world.customer["id"],
        [(discounted["id"], 2, "85.50"), (listed["id"], 1), (discounted["id"], 1)],
    )
    lines = {line["part"]["id"]: line for line in sale["lines"]}
    assert [line["part"]["id"] for line in sale["lines"]] == [discounted["id"], listed["id"]]
    first, second = lines[discounted["id"]], lines[listed["id"]]
    assert (first["quantity"], money(first["unitPrice"])) == (3, Decimal("85.50"))
    assert money(first["amount"]) == Decimal("256.50")
    assert money(first["listPrice"]) == Decimal("100.00")
    assert money(first["margin"]) == Decimal("76.50")  # 256.50 - 3 x 60
    assert (second["quantity"], money(second["unitPrice"])) == (1, Decimal("50.00"))
    assert money(sale["total"]) == Decimal("306.50")
    assert ph.get_part(server, None, discounted["id"])["onHand"] == 7
    assert ph.get_part(server, None, listed["id"])["onHand"] == 9
    [moved] = sale_movements(server, discounted["id"])
    assert (moved["quantity"], moved["partSaleId"]) == (-3, sale["id"])


def test_the_minimum_price_is_a_floor(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 5)
    sale = sell(server, None, world.customer["id"], [(part["id"], 1, "80")])
    assert money(sale["total"]) == Decimal("80.00")
    assert money(sale["lines"][0]["margin"]) == Decimal("20.00")


def _nothing_sold(server: Server, customer_id: str, stocked: dict[str, int]) -> None:
    """No sale for the customer, and each part's stock and movements as they were
    (stocked: part id -> its opening stock, its one movement)."""
    assert list_sales(server, None, customerId=customer_id)["totalCount"] == 0
    for part_id, on_hand in stocked.items():
        found = ph.get_part(server, None, part_id)
        assert found["onHand"] == on_hand
        assert [m["kind"] for m in found["movements"]["nodes"]] == ["ADJUSTMENT"]


@pytest.mark.parametrize("price", ["79.99", "100.01", "-5", "NaN"])
def test_a_price_below_the_minimum_or_above_list_is_refused_by_its_line(
    server: Server, price: str
) -> None:
    customer = rh.create_customer(server)
    other, part = ph.stock_part(server, 5), ph.stock_part(server, 5)
    response = sell_response(
        server, None, customer["id"], [(other["id"], 1), (part["id"], 1, price)]
    )
    assert_error(response, BAD, field="lines[1].unitPrice")
    _nothing_sold(server, customer["id"], {other["id"]: 5, part["id"]: 5})


def test_two_prices_for_one_part_are_refused(server: Server) -> None:
    customer = rh.create_customer(server)
    part = ph.stock_part(server, 5)
    lines = [(part["id"], 1, "90"), (part["id"], 1, "95")]
    assert_error(
        sell_response(server, None, customer["id"], lines), BAD, field="lines[1].unitPrice"
    )
    _nothing_sold(server, customer["id"], {part["id"]: 5})


def test_a_sale_beyond_stock_writes_nothing(server: Server) -> None:
    customer = rh.create_customer(server)
    plenty, scarce = ph.stock_part(server, 10), ph.stock_part(server, 2)
    response = sell_response(server, None, customer["id"], [(plenty["id"], 4), (scarce["id"], 3)])
    error = assert_error(response, BAD, field="lines[1].quantity")
    assert error["extensions"]["available"] == 2
    _nothing_sold(server, customer["id"], {plenty["id"]: 10, scarce["id"]: 2})
    # A part named twice counts as one: 2 + 1 is more than the 2 there are.
    twice = [(scarce["id"], 2), (plenty["id"], 1), (scarce["id"], 1)]
    error = assert_error(
        sell_response(server, None, customer["id"], twice), BAD, field="lines[0].quantity"
    )
    assert error["extensions"]["available"] == 2
    _nothing_sold(server, customer["id"], {plenty["id"]: 10, scarce["id"]: 2})


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([("PART", 0)], "lines[0].quantity"),
        ([("PART", -2)], "lines[0].quantity"),
        ([("PART", 1), ("nonsense", 1)], "lines[1].partId"),
    ],
)
def test_bad_lines_are_refused_by_name(
    server: Server, lines: list[tuple[Any, ...]], field: str
) -> None:
    customer = rh.create_customer(server)
    part = ph.stock_part(server, 5)
    lines = [(part["id"] if pid == "PART" else pid, *rest) for pid, *rest in lines]
    assert_error(sell_response(server, None, customer["id"], lines), BAD, field=field)
    _nothing_sold(server, customer["id"], {part["id"]: 5})


def test_unknown_and_deleted_parts_are_not_found_by_line(server: Server) -> None:
    customer = rh.create_customer(server)
    part, gone = ph.stock_part(server, 5), ph.stock_part(server, 5)
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": gone["id"]})
    response = sell_response(server, None, customer["id"], [(part["id"], 1), (gone["id"], 1)])
    assert_error(response, NOT_FOUND, field="lines[1].partId")
    _nothing_sold(server, customer["id"], {part["id"]: 5})


def test_the_customer_must_exist_and_be_live(server: Server) -> None:
    part = ph.stock_part(server, 5)
    customer = rh.create_customer(server)
    rh.delete_customer(server, customer["id"])
    assert_error(
        sell_response(server, None, customer["id"], [(part["id"], 1)]), BAD, field="customerId"
    )
    missing = global_id("Customer", 2**31 - 3)
    assert_error(
        sell_response(server, None, missing, [(part["id"], 1)]), NOT_FOUND, field="customerId"
    )
    assert_error(
        sell_response(server, None, "nonsense", [(part["id"], 1)]), BAD, field="customerId"
    )
    assert ph.get_part(server, None, part["id"])["onHand"] == 5


def test_only_the_office_sells(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 10)
    for user in (world.engineer, world.customer_user, world.agent_user):
        response = sell_response(server, user.token, world.customer["id"], [(part["id"], 1)])
        assert_error(response, FORBIDDEN)
    assert ph.get_part(server, None, part["id"])["onHand"] == 10
    assert sale_movements(server, part["id"]) == []
    for token in (world.back_office.token, world.dispatcher.token, server.admin_token):
        sell(server, token, world.customer["id"], [(part["id"], 1)])
    assert ph.get_part(server, None, part["id"])["onHand"] == 7


# -- who sees which sales, and which prices ---------------------------------------------


@pytest.fixture(scope="module")
def two_sales(server: Server, world: TicketWorld, stranger: dict[str, Any]) -> dict[str, Any]:
    """A sale to the world's customer and one to the stranger, both at a discount."""
    part = ph.stock_part(server, 10)
    ours = sell(server, None, world.customer["id"], [(part["id"], 2, "90")])
    theirs = sell(server, None, stranger["id"], [(part["id"], 1, "95")])
    return {"part": part, "ours": ours, "theirs": theirs}


def _sees_no_cost(sale: dict[str, Any]) -> None:
    for line in sale["lines"]:
        assert line["costPrice"] is None
        assert line["minimumPrice"] is None
        assert line["margin"] is None
        assert line["part"]["costPrice"] is None
        assert money(line["listPrice"]) == Decimal("100.00")
        assert money(line["unitPrice"]) == Decimal("90.00")


@pytest.mark.parametrize("who", ["customer_user", "agent_user"])
def test_customers_and_agents_see_their_own_sales_without_cost(
    server: Server, world: TicketWorld, two_sales: dict[str, Any], who: str
) -> None:
    user: UserHandle = getattr(world, who)
    ours, theirs = two_sales["ours"], two_sales["theirs"]
    seen = assert_ok(server.gql(SALE_BY_ID, {"id": ours["id"]}, user.token))["partSale"]
    _sees_no_cost(seen)
    assert (seen["number"], seen["total"]) == (ours["number"], ours["total"])

    page = list_sales(server, user.token)
    assert ours["id"] in sale_ids(page)
    assert theirs["id"] not in sale_ids(page)
    assert {node["customer"]["id"] for node in page["nodes"]} == {world.customer["id"]}
    _sees_no_cost(next(node for node in page["nodes"] if node["id"] == ours["id"]))
    for node in page["nodes"]:
        assert all(line["costPrice"] is None for line in node["lines"])
        assert all(line["margin"] is None for line in node["lines"])

    assert_error(server.gql(SALE_BY_ID, {"id": theirs["id"]}, user.token), NOT_FOUND)
    # Filtering on another customer finds nothing rather than telling it exists.
    assert list_sales(server, user.token, customerId=theirs["customer"]["id"])["totalCount"] == 0


def test_the_office_sees_every_sale_with_its_cost(
    server: Server, world: TicketWorld, two_sales: dict[str, Any]
) -> None:
    for user in (world.dispatcher, world.back_office):
        for sale in (two_sales["ours"], two_sales["theirs"]):
            seen = assert_ok(server.gql(SALE_BY_ID, {"id": sale["id"]}, user.token))["partSale"]
            line = seen["lines"][0]
            assert money(line["costPrice"]) == Decimal("60.00")
            assert money(line["minimumPrice"]) == Decimal("80.00")
            assert money(line["margin"]) == money(line["amount"]) - 60 * line["quantity"]
        page = list_sales(server, user.token, search=two_sales["part"]["partNumber"])
        assert sale_ids(page) == [two_sales["theirs"]["id"], two_sales["ours"]["id"]]


def test_engineers_have_no_business_with_sales(
    server: Server, world: TicketWorld, two_sales: dict[str, Any]
) -> None:
    token = world.engineer.token
    assert_error(server.gql(SALE_BY_ID, {"id": two_sales["ours"]["id"]}, token), FORBIDDEN)
    query = "query { partSales { totalCount } }"
    assert_error(server.gql(query, {}, token), FORBIDDEN)


def test_an_unknown_sale_is_not_found(server: Server) -> None:
    missing = global_id("PartSale", 2**31 - 4)
    assert_error(server.gql(SALE_BY_ID, {"id": missing}, server.admin_token), NOT_FOUND)
    assert_error(server.gql(SALE_BY_ID, {"id": "nonsense"}, server.admin_token), BAD)


# -- lists ----------------------------------------------------------------------------


def test_sales_are_listed_newest_first_by_customer_and_search(server: Server) -> None:
    customer = rh.create_customer(server, name=f"Mill {unique_name('m')}")
    part = ph.stock_part(server, 20, name=f"Gear {unique_name('g')}")
    note = unique_name("note")
    sales = [sell(server, None, customer["id"], [(part["id"], 1)]) for _ in range(3)]
    noted = sell(server, None, customer["id"], [(part["id"], 1)], note=f"for {note}")
    newest_first = [noted["id"], *(s["id"] for s in reversed(sales))]

    assert sale_ids(list_sales(server, None, customerId=customer["id"])) == newest_first
    assert sale_ids(list_sales(server, None, search=customer["name"])) == newest_first
    assert sale_ids(list_sales(server, None, search=customer["code"].upper())) == newest_first
    assert sale_ids(list_sales(server, None, search=part["name"])) == newest_first
    assert sale_ids(list_sales(server, None, search=note)) == [noted["id"]]
    assert sale_ids(list_sales(server, None, search=sales[1]["number"])) == [sales[1]["id"]]

    first = server.gql(
        SALES, {"first": 2, "filter": {"customerId": customer["id"]}}, server.admin_token
    )
    page = assert_ok(first)["partSales"]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (4, True)
    after = page["pageInfo"]["endCursor"]
    rest = server.gql(
        SALES,
        {"first": 2, "after": after, "filter": {"customerId": customer["id"]}},
        server.admin_token,
    )
    assert sale_ids(page) + sale_ids(assert_ok(rest)["partSales"]) == newest_first


# -- stock alarm ----------------------------------------------------------------------


def test_a_sale_down_to_the_threshold_raises_the_stock_alarm(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 5, alarmThreshold=2)

    def alarms() -> list[dict[str, Any]]:
        nodes = assert_ok(server.gql(ALARMS, None, world.back_office.token))["myNotifications"]
        return [
            n
            for n in nodes["nodes"]
            if n["kind"] == "STOCK_ALARM" and (n["part"] or {}).get("id") == part["id"]
        ]

    sell(server, None, world.customer["id"], [(part["id"], 2)])
    assert alarms() == []  # 3 left, above the threshold
    sell(server, None, world.customer["id"], [(part["id"], 1)])
    [alarm] = alarms()
    assert alarm["handled"] is False
    assert alarm["part"]["onHand"] == 2
    assert part["partNumber"] in alarm["message"]
