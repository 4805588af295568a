"""The operations of the parts contract (tests/contract/parts.graphql), sent verbatim
as a front-end team would, in the order of a working day: a part is created and
stocked, bought in on a purchase order, asked for on an outing and approved, used on
a ticket; the lists show what happened. Both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from .client import Server, assert_error, assert_ok, unique_name
from .ticket_helpers import TicketWorld

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "parts.graphql"


def operations() -> dict[str, str]:
    document = parse(CONTRACT.read_text())
    return {
        node.name.value: print_ast(node)
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode) and node.name is not None
    }


OPS = operations()


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def run(server: Server, name: str, token: str, **variables: Any) -> dict[str, Any]:
    return assert_ok(server.gql(OPS[name], variables, token))


def test_a_working_day_through_the_contract_operations(server: Server, world: TicketWorld) -> None:
    office, admin = world.back_office.token, server.admin_token
    number = unique_name("PN").upper()
    created = run(
        server,
        "CreatePart",
        office,
        input={
            "partNumber": number,
            "name": "Servo encoder cable",
            "spec": "5 m",
            "unit": "pcs",
            "costPrice": 85,
            "listPrice": 160.0,
            "minimumPrice": "140",
            "alarmThreshold": 3,
        },
    )["createPart"]
    assert (created["partNumber"], created["onHand"]) == (number, 0)
    part = created["id"]

    stocked = run(server, "AdjustStock", office, partId=part, quantity=5, reason="opening")
    assert stocked["adjustStock"] == {"id": part, "onHand": 5, "belowAlarm": False}

    order = run(
        server,
        "CreatePurchaseOrder",
        office,
        input={"supplier": "Siemens", "lines": [{"partId": part, "quantity": 4, "unitPrice": 80}]},
    )["createPurchaseOrder"]
    assert order["status"] == "DRAFT"
    assert (
        run(server, "ReviewPurchaseOrder", office, id=order["id"])["reviewPurchaseOrder"]["status"]
        == "REVIEWED"
    )
    assert (
        run(server, "ApprovePurchaseOrder", admin, id=order["id"])["approvePurchaseOrder"]["status"]
        == "APPROVED"
    )
    assert (
        run(server, "IssuePurchaseOrder", admin, id=order["id"])["issuePurchaseOrder"]["status"]
        == "ISSUED"
    )
    received = run(
        server,
        "ReceivePurchaseOrder",
        office,
        id=order["id"],
        lines=[{"partId": part, "quantity": 4}],
    )
    assert received["receivePurchaseOrder"]["status"] == "RECEIVED"

    ticket = world.advance(world.new_ticket(under_warranty=False), "IN_PROGRESS")
    outing = run(
        server,
        "CreateOutingRequest",
        world.engineer.token,
        input={
            "ticketId": ticket["id"],
            "parts": [{"partId": part, "quantity": 2}],
            "expenses": [{"kind": "TRAVEL", "amount": 60, "note": "train"}],
            "note": "replace the cable",
        },
    )["createOutingRequest"]
    assert outing["status"] == "PENDING"
    approved = run(server, "ApproveOutingRequest", office, id=outing["id"], note=None)
    assert approved["approveOutingRequest"] == {"id": outing["id"], "status": "APPROVED"}
    other = run(
        server,
        "CreateOutingRequest",
        world.engineer.token,
        input={"ticketId": ticket["id"], "expenses": [{"kind": "LODGING", "amount": "200"}]},
    )["createOutingRequest"]
    rejected = run(server, "RejectOutingRequest", admin, id=other["id"], note="same day back")
    assert rejected["rejectOutingRequest"]["status"] == "REJECTED"

    used = run(
        server,
        "IssuePartsToTicket",
        world.engineer.token,
        ticketId=ticket["id"],
        lines=[{"partId": part, "quantity": 3, "unitPrice": 150}],
    )["issuePartsToTicket"]
    assert used["id"] == ticket["id"]
    assert used["partsUsed"] == [{"part": {"id": part}, "quantity": 3, "charge": "450.00"}]

    # 5 opening + 4 received - 2 to the engineer - 1 more from the warehouse (2 of the 3
    # came from what the engineer carried) = 6.
    staff_view = run(server, "Parts", office, first=10, filter={"search": number})["parts"]
    assert staff_view["totalCount"] == 1
    node = staff_view["edges"][0]["node"]
    assert (node["onHand"], node["belowAlarm"]) == (6, False)
    assert (node["costPrice"], node["minimumPrice"], node["averagePurchasePrice"]) == (
        "85.00",
        "140.00",
        "80.00",
    )
    for outsider in (world.customer_user, world.agent_user):
        seen = run(server, "Parts", outsider.token, first=10, filter={"search": number})
        node = seen["parts"]["edges"][0]["node"]
        assert (node["costPrice"], node["minimumPrice"], node["averagePurchasePrice"]) == (
            None,
            None,
            None,
        )
        assert node["listPrice"] == "160.00"
        forbidden = server.gql(OPS["PartMovements"], {"partId": part}, outsider.token)
        assert_error(forbidden, "FORBIDDEN")

    history = run(server, "PartMovements", office, partId=part, first=10)["part"]
    kinds = [
        (edge["node"]["kind"], edge["node"]["quantity"]) for edge in history["movements"]["edges"]
    ]
    assert kinds == [
        ("ISSUE_TO_TICKET", -1),
        ("ISSUE_TO_TICKET", 0),  # out of the engineer's own stock
        ("ISSUE_TO_ENGINEER", -2),
        ("RECEIPT", 4),
        ("ADJUSTMENT", 5),
    ]
    assert history["onHand"] == 6
    newest = history["movements"]["edges"][0]["node"]
    assert newest["ticket"] == {"id": ticket["id"]}
    assert newest["actor"] == {"id": world.engineer.id}
