"""Purchase orders end to end over HTTP, on both backends: the whole path from draft to
received, the approval by a second person, every move from a wrong state refused with the
order's current status, receipts that never exceed what is outstanding (and a refused one
that changes nothing), the three-purchase average kept by receipts, a receipt clearing a
stock alarm, each receipt's movement naming its order, and who may touch orders at all.
"""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest

from . import parts_helpers as ph
from .client import Server, UserHandle, assert_error, assert_ok, decode_global_id, unique_name
from .ticket_helpers import TicketWorld

BAD, CONFLICT, FORBIDDEN, NOT_FOUND = "BAD_USER_INPUT", "CONFLICT", "FORBIDDEN", "NOT_FOUND"

LINE = "id quantity unitPrice receivedQuantity outstanding amount part { id onHand }"
ORDER = (
    "id number supplier status note total reviewedAt approvedAt issuedAt receivedAt"
    " cancelledAt cancelReason cancelledBy { id } issuedBy { id }"
    " createdAt createdBy { id } reviewedBy { id } approvedBy { id }"
    f" lines {{ {LINE} }}"
)
CREATE = f"mutation M($input: PurchaseOrderInput!) {{ createPurchaseOrder(input: $input) {{ {ORDER} }} }}"
STEP = "mutation M($id: ID!) {{ {name}(id: $id) {{ {order} }} }}"
CANCEL = f"mutation M($id: ID!, $reason: String!) {{ cancelPurchaseOrder(id: $id, reason: $reason) {{ {ORDER} }} }}"
RECEIVE = f"""
mutation M($id: ID!, $lines: [ReceiptLineInput!]!) {{
  receivePurchaseOrder(id: $id, lines: $lines) {{ {ORDER} }}
}}"""
BY_ID = f"query Q($id: ID!) {{ purchaseOrder(id: $id) {{ {ORDER} }} }}"
LIST = """
query Q($first: Int, $after: String, $filter: PurchaseOrderFilter) {
  purchaseOrders(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id number status supplier }
  }
}"""
NOTIFICATIONS = """
query Q { myNotifications(first: 100) { nodes { id kind handled part { id } } } }"""
AUDIT = """
query Q($recordId: ID) {
  auditLog(first: 100, filter: {recordId: $recordId}) {
    nodes { operation actor { id } recordIds }
  }
}"""


def money(value: Any) -> Decimal:
    return Decimal(str(value))


# -- helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


@pytest.fixture(scope="module")
def back_office2(server: Server) -> UserHandle:
    """A second back-office person, to approve what `world.back_office` reviewed."""
    return server.make_user("BACK_OFFICE")


def create_response(
    server: Server,
    token: str | None,
    lines: list[tuple[Any, ...]],
    *,
    supplier: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "supplier": supplier if supplier is not None else unique_name("Supplier"),
        "lines": [
            {
                "partId": line[0],
                "quantity": line[1],
                **({"unitPrice": line[2]} if len(line) > 2 else {}),
            }
            for line in lines
        ],
        "note": note,
    }
    return server.gql(CREATE, {"input": payload}, token or server.admin_token)


def create(server: Server, token: str | None, lines: list[tuple[Any, ...]], **kw: Any) -> dict:
    return assert_ok(create_response(server, token, lines, **kw))["createPurchaseOrder"]


def step(server: Server, token: str | None, name: str, order_id: str) -> dict[str, Any]:
    """Raw answer of reviewPurchaseOrder / approvePurchaseOrder / issuePurchaseOrder."""
    return server.gql(STEP.format(name=name, order=ORDER), {"id": order_id}, token)


def step_ok(server: Server, token: str | None, name: str, order_id: str) -> dict[str, Any]:
    return assert_ok(step(server, token, name, order_id))[name]


def cancel(server: Server, token: str | None, order_id: str, reason: str = "not needed") -> dict:
    return server.gql(CANCEL, {"id": order_id, "reason": reason}, token)


def receive(
    server: Server, token: str | None, order_id: str, lines: list[tuple[str, int]]
) -> dict[str, Any]:
    variables = {"id": order_id, "lines": [{"partId": p, "quantity": q} for p, q in lines]}
    return server.gql(RECEIVE, variables, token)


def receive_ok(
    server: Server, token: str | None, order_id: str, lines: list[tuple[str, int]]
) -> dict[str, Any]:
    return assert_ok(receive(server, token, order_id, lines))["receivePurchaseOrder"]


def get(server: Server, order_id: str) -> dict[str, Any]:
    return assert_ok(server.gql(BY_ID, {"id": order_id}, server.admin_token))["purchaseOrder"]


def to_status(
    server: Server, reviewer: UserHandle, approver: UserHandle, order: dict, status: str
) -> dict[str, Any]:
    """Walks a DRAFT order along the path up to REVIEWED, APPROVED or ISSUED."""
    path = [
        ("REVIEWED", reviewer.token, "reviewPurchaseOrder"),
        ("APPROVED", approver.token, "approvePurchaseOrder"),
        ("ISSUED", reviewer.token, "issuePurchaseOrder"),
    ]
    for reached, token, name in path:
        if order["status"] == status:
            break
        order = step_ok(server, token, name, order["id"])
        assert order["status"] == reached
    assert order["status"] == status
    return order


def issued(
    server: Server, world: TicketWorld, approver: UserHandle, lines: list[tuple[Any, ...]]
) -> dict[str, Any]:
    order = create(server, world.back_office.token, lines)
    return to_status(server, world.back_office, approver, order, "ISSUED")


def lines_by_part(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["part"]["id"]: line for line in order["lines"]}


def audit(server: Server, order_id: str) -> list[dict[str, Any]]:
    """The audit entries naming the order, oldest first."""
    nodes = server.admin(AUDIT, {"recordId": order_id})["auditLog"]["nodes"]
    return list(reversed(nodes))  # the log is newest first


def snapshot(server: Server, order_id: str, part_ids: list[str]) -> Any:
    """Everything a refused operation must leave as it was."""
    order = get(server, order_id)
    parts = [ph.get_part(server, None, pid) for pid in part_ids]
    return (
        order,
        [(p["onHand"], p["averagePurchasePrice"], p["movements"]["totalCount"]) for p in parts],
        len(audit(server, order_id)),
    )


# -- the whole path ----------------------------------------------------------------------


def test_the_full_path_from_draft_to_received(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    bo = world.back_office
    gear = ph.stock_part(server, 3, costPrice="60.00")
    belt = ph.create_part(server, costPrice="7.25")
    supplier = unique_name("Hangzhou Bearings")
    order = create(
        server,
        bo.token,
        [(gear["id"], 10, "12.50"), (belt["id"], 4)],
        supplier=supplier,
        note="rush",
    )
    pk = decode_global_id(order["id"])[1]
    assert decode_global_id(order["id"])[0] == "PurchaseOrder"
    assert re.fullmatch(rf"PO\d{{4}}-0*{pk}", order["number"]), order["number"]
    assert order["number"][2:6] == order["createdAt"][:4]
    assert (order["status"], order["supplier"], order["note"]) == ("DRAFT", supplier, "rush")
    assert order["createdBy"]["id"] == bo.id
    lines = lines_by_part(order)
    # The price given, or the part's cost price when none is.
    assert (lines[gear["id"]]["quantity"], money(lines[gear["id"]]["unitPrice"])) == (
        10,
        Decimal("12.50"),
    )
    assert (lines[belt["id"]]["quantity"], money(lines[belt["id"]]["unitPrice"])) == (
        4,
        Decimal("7.25"),
    )
    assert [line["part"]["id"] for line in order["lines"]] == [gear["id"], belt["id"]]
    assert all(line["receivedQuantity"] == 0 for line in order["lines"])
    assert [line["outstanding"] for line in order["lines"]] == [10, 4]
    assert money(order["total"]) == Decimal("154.00")  # 125.00 + 29.00
    assert order["reviewedAt"] is None and order["issuedAt"] is None

    reviewed = step_ok(server, bo.token, "reviewPurchaseOrder", order["id"])
    assert (reviewed["status"], reviewed["reviewedBy"]["id"]) == ("REVIEWED", bo.id)
    assert reviewed["reviewedAt"] and reviewed["approvedAt"] is None
    approved = step_ok(server, back_office2.token, "approvePurchaseOrder", order["id"])
    assert (approved["status"], approved["approvedBy"]["id"]) == ("APPROVED", back_office2.id)
    assert approved["reviewedBy"]["id"] == bo.id and approved["approvedAt"]
    sent = step_ok(server, server.admin_token, "issuePurchaseOrder", order["id"])
    assert sent["status"] == "ISSUED" and sent["issuedAt"] and sent["receivedAt"] is None
    assert sent["issuedBy"] == {"id": server.admin_id}
    # Ordering and issuing moves no stock.
    assert ph.get_part(server, None, gear["id"])["onHand"] == 3

    partly = receive_ok(server, bo.token, order["id"], [(gear["id"], 4)])
    assert partly["status"] == "PARTLY_RECEIVED" and partly["receivedAt"]
    got = lines_by_part(partly)
    assert (got[gear["id"]]["receivedQuantity"], got[gear["id"]]["outstanding"]) == (4, 6)
    assert (got[belt["id"]]["receivedQuantity"], got[belt["id"]]["outstanding"]) == (0, 4)
    assert got[gear["id"]]["part"]["onHand"] == 7

    done = receive_ok(server, back_office2.token, order["id"], [(belt["id"], 4), (gear["id"], 6)])
    assert done["status"] == "RECEIVED"
    assert done["receivedAt"] >= partly["receivedAt"]
    assert all(line["outstanding"] == 0 for line in done["lines"])
    assert [line["receivedQuantity"] for line in done["lines"]] == [10, 4]
    assert get(server, order["id"]) == done

    # Every receipt is a RECEIPT movement at the line's price, naming the order.
    gear_moves = ph.get_part(server, None, gear["id"])
    assert gear_moves["onHand"] == 13
    receipts = [m for m in gear_moves["movements"]["nodes"] if m["kind"] == "RECEIPT"]
    assert [(m["quantity"], money(m["unitCost"]), m["onHandAfter"]) for m in receipts] == [
        (6, Decimal("12.50"), 13),
        (4, Decimal("12.50"), 7),
    ]
    assert {m["purchaseOrderId"] for m in receipts} == {order["id"]}
    assert [m["actor"]["id"] for m in receipts] == [back_office2.id, bo.id]
    assert all(order["number"] in m["reason"] for m in receipts)
    belt_moves = ph.get_part(server, None, belt["id"])["movements"]["nodes"]
    assert [(m["kind"], m["quantity"], m["purchaseOrderId"]) for m in belt_moves] == [
        ("RECEIPT", 4, order["id"])
    ]

    # Every change is audited, by whom it was made.
    assert [(e["operation"], e["actor"]["id"]) for e in audit(server, order["id"])] == [
        ("createPurchaseOrder", bo.id),
        ("reviewPurchaseOrder", bo.id),
        ("approvePurchaseOrder", back_office2.id),
        ("issuePurchaseOrder", server.admin_id),
        ("receivePurchaseOrder", bo.id),
        ("receivePurchaseOrder", back_office2.id),
    ]

    # A received order takes nothing more and can no longer be cancelled.
    error = assert_error(receive(server, bo.token, order["id"], [(gear["id"], 1)]), CONFLICT)
    assert error["extensions"]["currentStatus"] == "RECEIVED"
    assert_error(cancel(server, bo.token, order["id"]), CONFLICT)


def test_the_average_purchase_price_follows_the_last_three_purchases(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    # Opening stock (an adjustment) is not a purchase: it does not count.
    part = ph.stock_part(server, 5, costPrice="99.00")
    assert ph.get_part(server, None, part["id"])["averagePurchasePrice"] is None
    expected = ["10.00", "15.00", "23.33", "43.33"]  # 10; 10,20; 10,20,40; 20,40,70
    for price, average in zip(["10", "20", "40", "70"], expected, strict=True):
        order = issued(server, world, back_office2, [(part["id"], 2, price)])
        receive_ok(server, world.back_office.token, order["id"], [(part["id"], 2)])
        found = ph.get_part(server, None, part["id"])
        assert money(found["averagePurchasePrice"]) == Decimal(average), price
    assert found["onHand"] == 13
    # The office other than the purchasers sees it too; engineers and customers never.
    seen = ph.get_part(server, world.dispatcher.token, part["id"])
    assert money(seen["averagePurchasePrice"]) == Decimal("43.33")
    assert ph.get_part(server, world.engineer.token, part["id"])["averagePurchasePrice"] is None


def test_an_order_received_in_several_deliveries_is_one_purchase(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    """The last three *purchases* (004 §三.3.2): an order received in parts is one
    purchase, at its price, however many deliveries it came in."""
    part = ph.create_part(server)
    first = issued(server, world, back_office2, [(part["id"], 4, "30")])
    second = issued(server, world, back_office2, [(part["id"], 9, "90")])
    receive_ok(server, world.back_office.token, first["id"], [(part["id"], 4)])
    receive_ok(server, world.back_office.token, second["id"], [(part["id"], 3)])
    receive_ok(server, world.back_office.token, second["id"], [(part["id"], 3)])
    found = ph.get_part(server, None, part["id"])
    assert money(found["averagePurchasePrice"]) == Decimal("60.00")  # 30, 90
    receive_ok(server, world.back_office.token, second["id"], [(part["id"], 3)])
    assert money(ph.get_part(server, None, part["id"])["averagePurchasePrice"]) == Decimal("60.00")
    third = issued(server, world, back_office2, [(part["id"], 1, "40")])
    receive_ok(server, world.back_office.token, third["id"], [(part["id"], 1)])
    assert money(ph.get_part(server, None, part["id"])["averagePurchasePrice"]) == Decimal(
        "53.33"
    )  # 30, 90, 40


# -- receipts ------------------------------------------------------------------------------


def test_an_over_receipt_is_refused_and_changes_nothing(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    a, b = ph.stock_part(server, 1), ph.stock_part(server, 1)
    order = issued(server, world, back_office2, [(a["id"], 5, "11"), (b["id"], 3, "22")])
    receive_ok(server, world.back_office.token, order["id"], [(a["id"], 2)])
    before = snapshot(server, order["id"], [a["id"], b["id"]])
    assert before[0]["status"] == "PARTLY_RECEIVED"

    # b fits, a does not (3 outstanding): the whole receipt is refused, b included.
    over = receive(server, world.back_office.token, order["id"], [(b["id"], 3), (a["id"], 4)])
    error = assert_error(over, BAD, field="lines[1].quantity")
    assert error["extensions"]["outstanding"] == 3
    # A part named twice is added up before the check.
    twice = receive(server, world.back_office.token, order["id"], [(a["id"], 2), (a["id"], 2)])
    assert_error(twice, BAD, field="lines[1].quantity")
    other = ph.create_part(server)
    not_on_it = receive(server, world.back_office.token, order["id"], [(other["id"], 1)])
    assert_error(not_on_it, BAD, field="lines[0].partId")
    assert_error(
        receive(server, world.back_office.token, order["id"], [(a["id"], 0)]),
        BAD,
        field="lines[0].quantity",
    )
    assert_error(receive(server, world.back_office.token, order["id"], []), BAD, field="lines")
    assert_error(
        receive(server, world.back_office.token, order["id"], [("nonsense", 1)]),
        BAD,
        field="lines[0].partId",
    )

    assert snapshot(server, order["id"], [a["id"], b["id"]]) == before
    assert ph.get_part(server, None, other["id"])["movements"]["totalCount"] == 0

    # Exactly what is outstanding is fine.
    done = receive_ok(server, world.back_office.token, order["id"], [(b["id"], 3), (a["id"], 3)])
    assert done["status"] == "RECEIVED"


def test_a_receipt_clears_the_stock_alarm(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    watcher = server.make_user("BACK_OFFICE")  # made now: sees only the alarms to come
    part = ph.stock_part(server, 5, alarmThreshold=2)
    assert_ok(ph.adjust(server, part["id"], -4, "used up"))  # 1 left: at or below 2

    def alarms() -> list[dict[str, Any]]:
        nodes = assert_ok(server.gql(NOTIFICATIONS, None, watcher.token))["myNotifications"][
            "nodes"
        ]
        return [
            n
            for n in nodes
            if n["kind"] == "STOCK_ALARM" and (n["part"] or {}).get("id") == part["id"]
        ]

    assert [n["handled"] for n in alarms()] == [False]
    order = issued(server, world, back_office2, [(part["id"], 10, "50")])
    # 1 + 1 = 2: still at the threshold, the alarm stays.
    receive_ok(server, world.back_office.token, order["id"], [(part["id"], 1)])
    assert [n["handled"] for n in alarms()] == [False]
    assert ph.get_part(server, None, part["id"])["belowAlarm"] is True
    receive_ok(server, world.back_office.token, order["id"], [(part["id"], 9)])
    found = ph.get_part(server, None, part["id"])
    assert (found["onHand"], found["belowAlarm"]) == (11, False)
    assert [n["handled"] for n in alarms()] == [True]


# -- the two reviewers -------------------------------------------------------------------


def test_the_reviewer_may_not_approve(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    part = ph.create_part(server)
    order = create(server, world.back_office.token, [(part["id"], 1)])
    # The one who drafted it may review it: the four eyes are the reviewer's and the approver's.
    step_ok(server, world.back_office.token, "reviewPurchaseOrder", order["id"])
    before = snapshot(server, order["id"], [part["id"]])
    same = step(server, world.back_office.token, "approvePurchaseOrder", order["id"])
    assert_error(same, FORBIDDEN)
    assert snapshot(server, order["id"], [part["id"]]) == before
    assert get(server, order["id"])["approvedBy"] is None
    approved = step_ok(server, back_office2.token, "approvePurchaseOrder", order["id"])
    assert approved["approvedBy"]["id"] == back_office2.id

    # The administrator is bound by it too.
    other = create(server, server.admin_token, [(part["id"], 1)])
    step_ok(server, server.admin_token, "reviewPurchaseOrder", other["id"])
    assert_error(step(server, server.admin_token, "approvePurchaseOrder", other["id"]), FORBIDDEN)
    assert (
        step_ok(server, world.back_office.token, "approvePurchaseOrder", other["id"])["status"]
        == "APPROVED"
    )


# -- wrong states --------------------------------------------------------------------------

MOVES = ["reviewPurchaseOrder", "approvePurchaseOrder", "issuePurchaseOrder", "receive", "cancel"]
# What each status allows, written out from the issue: anything else is a CONFLICT.
ALLOWED = {
    "DRAFT": {"reviewPurchaseOrder", "cancel"},
    "REVIEWED": {"approvePurchaseOrder", "cancel"},
    "APPROVED": {"issuePurchaseOrder", "cancel"},
    "ISSUED": {"receive", "cancel"},
    "PARTLY_RECEIVED": {"receive"},
    "RECEIVED": set(),
    "CANCELLED": set(),
}


def _order_in(
    server: Server, world: TicketWorld, approver: UserHandle, part: dict, status: str
) -> dict[str, Any]:
    order = create(server, world.back_office.token, [(part["id"], 4)])
    if status == "CANCELLED":
        return assert_ok(cancel(server, world.back_office.token, order["id"]))[
            "cancelPurchaseOrder"
        ]
    walk_to = status if status in ("DRAFT", "REVIEWED", "APPROVED") else "ISSUED"
    order = to_status(server, world.back_office, approver, order, walk_to)
    if status == "PARTLY_RECEIVED":
        order = receive_ok(server, world.back_office.token, order["id"], [(part["id"], 1)])
    elif status == "RECEIVED":
        order = receive_ok(server, world.back_office.token, order["id"], [(part["id"], 4)])
    assert order["status"] == status
    return order


def _attempt(server: Server, token: str, move: str, order_id: str, part_id: str) -> dict:
    if move == "receive":
        return receive(server, token, order_id, [(part_id, 1)])
    if move == "cancel":
        return cancel(server, token, order_id)
    return step(server, token, move, order_id)


@pytest.mark.parametrize("status", list(ALLOWED))
def test_moves_from_a_wrong_state_are_conflicts_with_the_current_status(
    server: Server, world: TicketWorld, back_office2: UserHandle, status: str
) -> None:
    part = ph.create_part(server)
    order = _order_in(server, world, back_office2, part, status)
    before = snapshot(server, order["id"], [part["id"]])
    for move in MOVES:
        if move in ALLOWED[status]:
            continue
        answer = _attempt(server, back_office2.token, move, order["id"], part["id"])
        error = assert_error(answer, CONFLICT)
        assert error["extensions"]["currentStatus"] == status, move
    assert snapshot(server, order["id"], [part["id"]]) == before


@pytest.mark.parametrize("status", ["DRAFT", "REVIEWED", "APPROVED", "ISSUED"])
def test_an_order_is_cancelled_until_goods_come_in(
    server: Server, world: TicketWorld, back_office2: UserHandle, status: str
) -> None:
    part = ph.create_part(server)
    order = _order_in(server, world, back_office2, part, status)
    assert_error(cancel(server, back_office2.token, order["id"], " "), BAD, field="reason")
    assert get(server, order["id"])["status"] == status
    cancelled = assert_ok(cancel(server, back_office2.token, order["id"], "supplier closed"))
    assert cancelled["cancelPurchaseOrder"]["status"] == "CANCELLED"
    assert cancelled["cancelPurchaseOrder"]["cancelledAt"]
    assert cancelled["cancelPurchaseOrder"]["cancelReason"] == "supplier closed"
    assert cancelled["cancelPurchaseOrder"]["cancelledBy"] == {"id": back_office2.id}
    assert audit(server, order["id"])[-1]["operation"] == "cancelPurchaseOrder"
    assert ph.get_part(server, None, part["id"])["movements"]["totalCount"] == 0


# -- creation ------------------------------------------------------------------------------


def test_bad_orders_are_refused_by_field_and_nothing_is_created(
    server: Server, world: TicketWorld
) -> None:
    part, other = ph.create_part(server), ph.create_part(server)
    gone = ph.create_part(server)
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": gone["id"]})
    supplier = unique_name("Refused")
    cases = [
        ({"supplier": " "}, [(part["id"], 1)], "supplier"),
        ({}, [], "lines"),
        ({}, [(part["id"], 0)], "lines[0].quantity"),
        ({}, [(part["id"], 1), (other["id"], -2)], "lines[1].quantity"),
        ({}, [(part["id"], 1, "-1")], "lines[0].unitPrice"),
        ({}, [(part["id"], 1, "NaN")], "lines[0].unitPrice"),
        ({}, [(part["id"], 1), (other["id"], 1), (part["id"], 2)], "lines[2].partId"),
        ({}, [("nonsense", 1)], "lines[0].partId"),
    ]
    for fields, lines, field in cases:
        answer = create_response(
            server, world.back_office.token, lines, **{"supplier": supplier, **fields}
        )
        assert_error(answer, BAD, field=field)
    missing = create_response(
        server, world.back_office.token, [(part["id"], 1), (gone["id"], 1)], supplier=supplier
    )
    assert_error(missing, NOT_FOUND, field="lines[1].partId")
    found = server.admin(LIST, {"filter": {"search": supplier}})["purchaseOrders"]
    assert found["totalCount"] == 0


# -- reads -------------------------------------------------------------------------------


def test_lists_are_newest_first_and_filter_by_status_supplier_and_part(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    word = unique_name("Shenzhen")
    part, other = ph.create_part(server), ph.create_part(server)
    first = create(server, world.back_office.token, [(part["id"], 1)], supplier=f"{word} A")
    second = create(server, world.back_office.token, [(other["id"], 1)], supplier=f"{word} B")
    third = create(
        server, world.back_office.token, [(other["id"], 1), (part["id"], 2)], supplier=f"{word} C"
    )
    step_ok(server, world.back_office.token, "reviewPurchaseOrder", second["id"])

    def ids(token: str | None = None, **filter: Any) -> list[str]:
        data = assert_ok(
            server.gql(LIST, {"first": 50, "filter": filter}, token or server.admin_token)
        )
        return [n["id"] for n in data["purchaseOrders"]["nodes"]]

    assert ids(search=word) == [third["id"], second["id"], first["id"]]
    assert ids(world.back_office.token, search=word.upper()) == [
        third["id"],
        second["id"],
        first["id"],
    ]
    assert ids(search=word, status="DRAFT") == [third["id"], first["id"]]
    assert ids(search=word, status="REVIEWED") == [second["id"]]
    assert ids(search=word, partId=part["id"]) == [third["id"], first["id"]]
    assert ids(search=first["number"]) == [first["id"]]

    page = server.admin(LIST, {"first": 2, "filter": {"search": word}})["purchaseOrders"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    rest = server.admin(
        LIST, {"first": 2, "after": page["pageInfo"]["endCursor"], "filter": {"search": word}}
    )["purchaseOrders"]
    assert [n["id"] for n in page["nodes"] + rest["nodes"]] == [
        third["id"],
        second["id"],
        first["id"],
    ]


def test_an_unknown_order_is_not_found(server: Server) -> None:
    from .client import global_id

    unknown = global_id("PurchaseOrder", 2**31 - 2)
    assert_error(server.gql(BY_ID, {"id": unknown}, server.admin_token), NOT_FOUND)
    assert_error(step(server, server.admin_token, "reviewPurchaseOrder", unknown), NOT_FOUND)
    assert_error(
        receive(server, server.admin_token, unknown, [(global_id("Part", 1), 1)]), NOT_FOUND
    )
    assert_error(
        server.gql(BY_ID, {"id": global_id("Part", 1)}, server.admin_token), BAD, field="id"
    )


# -- who ---------------------------------------------------------------------------------


def test_only_the_admin_and_the_back_office_touch_purchase_orders(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    part = ph.create_part(server)
    draft = create(server, world.back_office.token, [(part["id"], 2)])
    sent = issued(server, world, back_office2, [(part["id"], 2)])
    before = (snapshot(server, draft["id"], [part["id"]]), get(server, sent["id"]))
    for user in (world.dispatcher, world.engineer, world.customer_user, world.agent_user):
        assert_error(create_response(server, user.token, [(part["id"], 1)]), FORBIDDEN)
        for name in ("reviewPurchaseOrder", "approvePurchaseOrder", "issuePurchaseOrder"):
            assert_error(step(server, user.token, name, draft["id"]), FORBIDDEN)
        assert_error(receive(server, user.token, sent["id"], [(part["id"], 1)]), FORBIDDEN)
        assert_error(cancel(server, user.token, draft["id"]), FORBIDDEN)
        assert_error(server.gql(BY_ID, {"id": draft["id"]}, user.token), FORBIDDEN)
        assert_error(server.gql(LIST, {"first": 5}, user.token), FORBIDDEN)
    assert (snapshot(server, draft["id"], [part["id"]]), get(server, sent["id"])) == before
    assert_error(server.gql(LIST, {"first": 5}), "UNAUTHENTICATED")


# -- at the same moment ------------------------------------------------------------------


async def _burst(server: Server, calls: list[tuple[str, dict[str, Any], str]]) -> list[dict]:
    async with server.async_http() as http:

        async def one(query: str, variables: dict[str, Any], token: str) -> dict:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers=server.headers_for(token),
            )
            assert response.status_code == 200, response.text
            return response.json()

        return await asyncio.gather(*(one(*call) for call in calls))


def test_concurrent_receipts_never_take_in_more_than_was_ordered(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    part = ph.create_part(server)
    order = issued(server, world, back_office2, [(part["id"], 10, "5")])
    variables = {"id": order["id"], "lines": [{"partId": part["id"], "quantity": 4}]}
    tokens = [world.back_office.token, back_office2.token, server.admin_token] * 2
    answers = asyncio.run(_burst(server, [(RECEIVE, variables, t) for t in tokens]))
    won = [a for a in answers if not a.get("errors")]
    lost = [a for a in answers if a.get("errors")]
    assert len(won) == 2, answers  # 4 + 4 of 10; a third 4 would be over
    for answer in lost:
        error = assert_error(answer, BAD, field="lines[0].quantity")
        assert error["extensions"]["outstanding"] == 2
    final = get(server, order["id"])
    assert (final["status"], final["lines"][0]["receivedQuantity"]) == ("PARTLY_RECEIVED", 8)
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 8
    assert found["movements"]["totalCount"] == 2


def test_concurrent_approvals_have_one_winner(
    server: Server, world: TicketWorld, back_office2: UserHandle
) -> None:
    part = ph.create_part(server)
    order = to_status(
        server,
        world.back_office,
        back_office2,
        create(server, world.back_office.token, [(part["id"], 1)]),
        "REVIEWED",
    )
    third = server.make_user("BACK_OFFICE")
    query = STEP.format(name="approvePurchaseOrder", order="id status approvedBy { id }")
    tokens = [back_office2.token, server.admin_token, third.token] * 2
    answers = asyncio.run(_burst(server, [(query, {"id": order["id"]}, t) for t in tokens]))
    won = [a for a in answers if not a.get("errors")]
    assert len(won) == 1, answers
    for answer in answers:
        if answer.get("errors"):
            error = assert_error(answer, CONFLICT)
            assert error["extensions"]["currentStatus"] == "APPROVED"
    final = get(server, order["id"])
    assert final["approvedBy"]["id"] == won[0]["data"]["approvePurchaseOrder"]["approvedBy"]["id"]
    approvals = [e for e in audit(server, order["id"]) if e["operation"] == "approvePurchaseOrder"]
    assert len(approvals) == 1
