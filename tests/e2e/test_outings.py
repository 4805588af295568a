"""Engineer outing requests end to end, on both backends: the ticket's engineer asks for
parts and money; ADMIN or BACK_OFFICE approves (the parts are issued to the engineer in
one transaction, or nothing is) or rejects; the engineer may cancel while it waits; a
decision is made once; the expense lines are claimed, approved and paid (or rejected);
who may do and read what; and the decisions reaching the engineer and the dispatchers
live (gql websocket clients)."""

from __future__ import annotations

import asyncio
import base64
import copy
from decimal import Decimal
from typing import Any

import pytest

from . import parts_helpers as ph
from . import ticket_helpers as th
from .client import Server, UserHandle, assert_error, assert_ok
from .live_helpers import DIAGNOSE, TICKET_EVENTS, Api, live, of_ticket
from .ticket_helpers import TicketWorld

BAD, CONFLICT, FORBIDDEN, NOT_FOUND = "BAD_USER_INPUT", "CONFLICT", "FORBIDDEN", "NOT_FOUND"
WAIT = 5.0

EXPENSE = (
    "id kind amount note status claimedAmount receipt claimNote claimedAt approvedAmount"
    " approvedBy { id } approvedAt paidAmount paidBy { id } paidAt outingRequest { id }"
    " rejectionNote rejectedBy { id } rejectedAt"
)
OUTING = (
    "id status note decisionNote decidedAt decidedBy { id } engineer { id } ticket { id }"
    f" parts {{ quantity part {{ id }} }} expenses {{ {EXPENSE} }}"
    " totals { requested claimed approved paid outstanding } createdAt"
)
CREATE = f"""
mutation M($input: OutingRequestInput!) {{ createOutingRequest(input: $input) {{ {OUTING} }} }}"""
APPROVE = f"""
mutation M($id: ID!, $note: String) {{ approveOutingRequest(id: $id, note: $note) {{ {OUTING} }} }}"""
REJECT = f"""
mutation M($id: ID!, $note: String!) {{ rejectOutingRequest(id: $id, note: $note) {{ {OUTING} }} }}"""
CANCEL = f"mutation M($id: ID!) {{ cancelOutingRequest(id: $id) {{ {OUTING} }} }}"
CLAIM = f"""
mutation M($id: ID!, $amount: Decimal!, $receipt: String!, $note: String) {{
  claimExpense(expenseId: $id, amount: $amount, receipt: $receipt, note: $note) {{ {EXPENSE} }}
}}"""
APPROVE_EXPENSE = f"""
mutation M($id: ID!, $amount: Decimal) {{
  approveExpense(expenseId: $id, amount: $amount) {{ {EXPENSE} }}
}}"""
PAY = f"mutation M($id: ID!) {{ payExpense(expenseId: $id) {{ {EXPENSE} }} }}"
REJECT_EXPENSE = f"""
mutation M($id: ID!, $note: String!) {{ rejectExpense(expenseId: $id, note: $note) {{ {EXPENSE} }} }}"""
GET = f"query Q($id: ID!) {{ outingRequest(id: $id) {{ {OUTING} }} }}"
LIST = """
query Q($first: Int, $after: String, $filter: OutingRequestFilter) {
  outingRequests(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id status engineer { id } }
  }
}"""
MY_NOTIFICATIONS = """
query Q { myNotifications(first: 100) {
  nodes { id kind handled message ticket { id } outingRequest { id status } }
} }"""
LIVE_NOTIFICATIONS = """
subscription N($since: Int) {
  notifications(since: $since) {
    sequence id kind handled message ticket { id status } outingRequest { id status }
  }
}"""
HISTORY = "query Q($id: ID!) { ticket(id: $id) { version history { sequence type data } } }"


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def missing(type_name: str) -> str:
    """A well-formed id of `type_name` that names no row."""
    return base64.urlsafe_b64encode(f"{type_name}:2147483000".encode()).decode().rstrip("=")


# -- builders ----------------------------------------------------------------------


def working_ticket(world: TicketWorld, status: str = "IN_PROGRESS", **kw: Any) -> dict:
    return world.advance(world.new_ticket(), status, **kw)


def create_response(
    server: Server,
    token: str,
    ticket_id: str,
    parts: list[tuple[str, int]] = (),  # type: ignore[assignment]
    expenses: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **extra: Any,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ticketId": ticket_id,
        "parts": [{"partId": pk, "quantity": n} for pk, n in parts],
        "expenses": [{"kind": kind, "amount": amount} for kind, amount in expenses],
    }
    payload.update(extra)
    return server.gql(CREATE, {"input": payload}, token)


def create(server: Server, token: str, ticket_id: str, **kw: Any) -> dict[str, Any]:
    return assert_ok(create_response(server, token, ticket_id, **kw))["createOutingRequest"]


def approve(server: Server, token: str, pk: str, note: str | None = None) -> dict[str, Any]:
    return server.gql(APPROVE, {"id": pk, "note": note}, token)


def reject(server: Server, token: str, pk: str, note: str = "Not needed") -> dict[str, Any]:
    return server.gql(REJECT, {"id": pk, "note": note}, token)


def cancel(server: Server, token: str, pk: str) -> dict[str, Any]:
    return server.gql(CANCEL, {"id": pk}, token)


def get(server: Server, token: str, pk: str) -> dict[str, Any]:
    return assert_ok(server.gql(GET, {"id": pk}, token))["outingRequest"]


def listing(server: Server, token: str, **filter: Any) -> dict[str, Any]:
    first = filter.pop("first", 100)
    after = filter.pop("after", None)
    variables = {"first": first, "after": after, "filter": filter or None}
    return assert_ok(server.gql(LIST, variables, token))["outingRequests"]


def notes_about(server: Server, token: str, outing_id: str) -> list[dict[str, Any]]:
    nodes = assert_ok(server.gql(MY_NOTIFICATIONS, None, token))["myNotifications"]["nodes"]
    return [n for n in nodes if (n["outingRequest"] or {}).get("id") == outing_id]


def outing_events(server: Server, ticket_id: str) -> tuple[int, list[tuple[str, Any]]]:
    """The ticket's version and its OUTING_* events (type, outingRequestId)."""
    ticket = assert_ok(server.gql(HISTORY, {"id": ticket_id}, server.admin_token))["ticket"]
    events = [
        (e["type"], e["data"].get("outingRequestId"))
        for e in ticket["history"]
        if e["type"].startswith("OUTING_")
    ]
    return ticket["version"], events


def held(server: Server, engineer: UserHandle, part_id: str) -> int:
    stock = ph.engineer_stock(server, engineer.token)
    return sum(line["quantity"] for line in stock if line["part"]["id"] == part_id)


def on_hand_and_kinds(server: Server, part_id: str) -> tuple[int, list[str]]:
    part = ph.get_part(server, None, part_id)
    return part["onHand"], [m["kind"] for m in part["movements"]["nodes"]]


# -- asking ------------------------------------------------------------------------


def test_the_engineer_asks_and_every_approver_is_told(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 10)
    ticket = working_ticket(world)
    version_before = ticket["version"]
    outing = create(
        server,
        world.engineer.token,
        ticket["id"],
        parts=[(part["id"], 2), (part["id"], 1)],  # one part named twice: added up
        expenses=[("TRAVEL", "120.50"), ("LODGING", "300")],
        note="Two days on site",
    )
    assert outing["status"] == "PENDING"
    assert outing["engineer"] == {"id": world.engineer.id}
    assert outing["ticket"] == {"id": ticket["id"]}
    assert outing["note"] == "Two days on site"
    assert (outing["decidedAt"], outing["decidedBy"], outing["decisionNote"]) == (None, None, None)
    assert outing["parts"] == [{"quantity": 3, "part": {"id": part["id"]}}]
    assert [(e["kind"], money(e["amount"]), e["status"]) for e in outing["expenses"]] == [
        ("TRAVEL", Decimal("120.50"), "REQUESTED"),
        ("LODGING", Decimal("300.00"), "REQUESTED"),
    ]
    assert money(outing["totals"]["requested"]) == Decimal("420.50")
    # Nothing moves before approval.
    assert on_hand_and_kinds(server, part["id"])[0] == 10
    for approver in (world.back_office.token, server.admin_token):
        (note,) = notes_about(server, approver, outing["id"])
        assert (note["kind"], note["handled"]) == ("OUTING_REQUESTED", False)
        assert note["ticket"] == {"id": ticket["id"]}
        assert note["outingRequest"] == {"id": outing["id"], "status": "PENDING"}
    for bystander in (world.dispatcher, world.engineer, world.engineer2):
        assert notes_about(server, bystander.token, outing["id"]) == []
    # On the ticket's stream, without a new version of the ticket.
    version, events = outing_events(server, ticket["id"])
    assert version == version_before
    assert events == [("OUTING_REQUESTED", outing["id"])]


def test_an_approver_limited_to_other_ticket_kinds_is_not_told(
    server: Server, world: TicketWorld
) -> None:
    limited = server.make_user("BACK_OFFICE")
    assert_ok(th.set_kind_restriction(server, ["MAINTENANCE"], user_id=limited.id))
    try:
        ticket = working_ticket(world)  # a REPAIR ticket
        outing = create(server, world.engineer.token, ticket["id"], expenses=[("OTHER", "5")])
        assert notes_about(server, limited.token, outing["id"]) == []
        assert len(notes_about(server, world.back_office.token, outing["id"])) == 1
    finally:
        assert_ok(th.set_kind_restriction(server, None, user_id=limited.id))


def test_a_dispatched_ticket_may_be_asked_for_with_money_only(
    server: Server, world: TicketWorld
) -> None:
    ticket = working_ticket(world, "DISPATCHED")
    expenses = [("OTHER", "0"), ("TRAVEL", "1.005")]
    outing = create(server, world.engineer.token, ticket["id"], expenses=expenses)
    assert outing["parts"] == []
    # Money is kept to the cent, half up, as everywhere (domain.money).
    assert [(e["kind"], money(e["amount"])) for e in outing["expenses"]] == [
        ("OTHER", Decimal("0.00")),
        ("TRAVEL", Decimal("1.01")),
    ]


def test_only_the_engineer_holding_an_open_ticket_may_ask(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 5)
    ticket = working_ticket(world)
    lines = {"parts": [(part["id"], 1)]}
    # Not theirs: the ticket does not exist for them.
    assert_error(create_response(server, world.engineer2.token, ticket["id"], **lines), NOT_FOUND)
    for user in (world.dispatcher, world.back_office, world.customer_user, world.agent_user):
        assert_error(create_response(server, user.token, ticket["id"], **lines), FORBIDDEN)
    assert_error(create_response(server, server.admin_token, ticket["id"], **lines), FORBIDDEN)
    # Not dispatched to anyone yet.
    new = world.new_ticket()
    assert_error(create_response(server, world.engineer.token, new["id"], **lines), NOT_FOUND)
    # Asked to be closed, or cancelled: no more outings.
    closing = working_ticket(world, "CLOSE_REQUESTED")
    error = assert_error(
        create_response(server, world.engineer.token, closing["id"], **lines), CONFLICT
    )
    assert error["extensions"]["currentStatus"] == "CLOSE_REQUESTED"
    cancelled = world.advance(working_ticket(world, "ACCEPTED"), "CANCELLED")
    error = assert_error(
        create_response(server, world.engineer.token, cancelled["id"], **lines), CONFLICT
    )
    assert error["extensions"]["currentStatus"] == "CANCELLED"
    for tid in (ticket["id"], new["id"], closing["id"], cancelled["id"]):
        assert listing(server, server.admin_token, ticketId=tid)["totalCount"] == 0
        assert outing_events(server, tid)[1] == []


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({}, BAD, "parts"),
        ({"parts": [], "expenses": []}, BAD, "parts"),
        ({"parts": [{"partId": "PART", "quantity": 0}]}, BAD, "parts[0].quantity"),
        ({"parts": [{"partId": "PART", "quantity": -2}]}, BAD, "parts[0].quantity"),
        ({"parts": [{"partId": "PART", "quantity": 1, "unitPrice": "5"}]}, BAD, "parts[0].unitPrice"),
        ({"parts": [{"partId": "PART", "quantity": 1}, {"partId": "bad", "quantity": 1}]}, BAD, "parts[1].partId"),
        ({"parts": [{"partId": "UNKNOWN", "quantity": 1}]}, NOT_FOUND, "parts[0].partId"),
        ({"parts": [{"partId": "DELETED", "quantity": 1}]}, NOT_FOUND, "parts[0].partId"),
        ({"expenses": [{"kind": "TRAVEL", "amount": "-1"}]}, BAD, "expenses[0].amount"),
        ({"expenses": [{"kind": "TRAVEL", "amount": "NaN"}]}, BAD, "expenses[0].amount"),
        ({"expenses": [{"kind": "OTHER", "amount": "1"}, {"kind": "OTHER", "amount": "2000000"}]}, BAD, "expenses[1].amount"),
        ({"expenses": [{"kind": "OTHER", "amount": "1"}], "note": "x" * 2001}, BAD, "note"),
        ({"expenses": [{"kind": "OTHER", "amount": "1"}], "ticketId": "nope"}, BAD, "ticketId"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_by_field_and_write_nothing(
    server: Server, world: TicketWorld, payload: dict[str, Any], code: str, field: str
) -> None:
    part = ph.stock_part(server, 5)
    gone = ph.create_part(server)
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": gone["id"]})
    ticket = working_ticket(world)
    names = {"PART": part["id"], "DELETED": gone["id"], "UNKNOWN": missing("Part")}
    payload = copy.deepcopy(payload)  # parameters are shared by both backends
    for line in payload.get("parts", []):
        line["partId"] = names.get(line["partId"], line["partId"])
    body = {"ticketId": ticket["id"], **payload}
    assert_error(server.gql(CREATE, {"input": body}, world.engineer.token), code, field=field)
    assert listing(server, server.admin_token, ticketId=ticket["id"])["totalCount"] == 0
    assert outing_events(server, ticket["id"])[1] == []


# -- approval ------------------------------------------------------------------------


def test_approval_issues_the_parts_to_the_engineer_who_then_uses_them_on_the_ticket(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], parts=[(part["id"], 3)])
    approved = assert_ok(approve(server, world.back_office.token, outing["id"], "Go"))
    decided = approved["approveOutingRequest"]
    assert decided["status"] == "APPROVED"
    assert decided["decidedBy"] == {"id": world.back_office.id}
    assert decided["decisionNote"] == "Go" and decided["decidedAt"] is not None
    assert held(server, world.engineer, part["id"]) == 3
    moved = ph.get_part(server, None, part["id"])
    assert moved["onHand"] == 7
    issue = moved["movements"]["nodes"][0]
    assert issue["kind"] == "ISSUE_TO_ENGINEER"
    assert (issue["quantity"], issue["engineerQuantity"]) == (-3, 3)
    assert issue["engineer"] == {"id": world.engineer.id}
    assert issue["outingRequestId"] == outing["id"]
    assert issue["actor"] == {"id": world.back_office.id}

    # The parts are used on the ticket out of what the engineer carries.
    used = assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 2)]))
    assert used["issuePartsToTicket"]["partsUsed"][0]["quantity"] == 2
    assert ph.get_part(server, None, part["id"])["onHand"] == 7  # down 3 only
    assert held(server, world.engineer, part["id"]) == 1

    # Every approver's notification is handled; the engineer is told.
    for approver in (world.back_office.token, server.admin_token):
        (note,) = notes_about(server, approver, outing["id"])
        assert (note["kind"], note["handled"]) == ("OUTING_REQUESTED", True)
    (told,) = notes_about(server, world.engineer.token, outing["id"])
    assert (told["kind"], told["handled"]) == ("OUTING_APPROVED", False)
    assert told["outingRequest"] == {"id": outing["id"], "status": "APPROVED"}
    assert outing_events(server, ticket["id"])[1] == [
        ("OUTING_REQUESTED", outing["id"]),
        ("OUTING_APPROVED", outing["id"]),
    ]


def test_approval_is_all_or_nothing(server: Server, world: TicketWorld) -> None:
    plenty = ph.stock_part(server, 5)
    short = ph.stock_part(server, 1)
    ticket = working_ticket(world)
    outing = create(
        server, world.engineer.token, ticket["id"], parts=[(plenty["id"], 2), (short["id"], 3)]
    )
    error = assert_error(
        approve(server, server.admin_token, outing["id"]), BAD, field="parts[1].quantity"
    )
    assert error["extensions"]["available"] == 1
    assert get(server, server.admin_token, outing["id"])["status"] == "PENDING"
    for part, stock in ((plenty, 5), (short, 1)):
        assert on_hand_and_kinds(server, part["id"]) == (stock, ["ADJUSTMENT"])
        assert held(server, world.engineer, part["id"]) == 0
    assert notes_about(server, world.engineer.token, outing["id"]) == []
    (note,) = notes_about(server, world.back_office.token, outing["id"])
    assert note["handled"] is False
    assert outing_events(server, ticket["id"])[1] == [("OUTING_REQUESTED", outing["id"])]

    # Once stock arrives, the same request is approved whole.
    assert_ok(ph.adjust(server, short["id"], 5))
    assert_ok(approve(server, server.admin_token, outing["id"]))
    assert on_hand_and_kinds(server, plenty["id"])[0] == 3
    assert on_hand_and_kinds(server, short["id"])[0] == 3
    assert held(server, world.engineer, plenty["id"]) == 2
    assert held(server, world.engineer, short["id"]) == 3


def test_a_deleted_part_fails_the_approval_whole(server: Server, world: TicketWorld) -> None:
    kept, gone = ph.stock_part(server, 5), ph.stock_part(server, 5)
    ticket = working_ticket(world)
    outing = create(
        server, world.engineer.token, ticket["id"], parts=[(kept["id"], 1), (gone["id"], 1)]
    )
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": gone["id"]})
    assert_error(approve(server, server.admin_token, outing["id"]), NOT_FOUND)
    assert on_hand_and_kinds(server, kept["id"]) == (5, ["ADJUSTMENT"])
    assert get(server, server.admin_token, outing["id"])["status"] == "PENDING"
    assert_ok(reject(server, server.admin_token, outing["id"], "Part discontinued"))


def test_only_admin_and_back_office_decide(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 5)
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], parts=[(part["id"], 1)])
    for user in (
        world.engineer,
        world.engineer2,
        world.dispatcher,
        world.customer_user,
        world.agent_user,
    ):
        assert_error(approve(server, user.token, outing["id"]), FORBIDDEN)
        assert_error(reject(server, user.token, outing["id"]), FORBIDDEN)
    assert_error(approve(server, server.admin_token, missing("OutingRequest")), NOT_FOUND)
    assert_error(approve(server, server.admin_token, ticket["id"]), BAD, field="id")
    assert get(server, server.admin_token, outing["id"])["status"] == "PENDING"
    assert on_hand_and_kinds(server, part["id"])[0] == 5


def test_rejection_needs_a_reason_and_refuses_the_money_too(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 5)
    ticket = working_ticket(world)
    outing = create(
        server,
        world.engineer.token,
        ticket["id"],
        parts=[(part["id"], 2)],
        expenses=[("TRAVEL", "80")],
    )
    assert_error(reject(server, world.back_office.token, outing["id"], "  "), BAD, field="note")
    answer = assert_ok(reject(server, world.back_office.token, outing["id"], "Use the spare van"))
    rejected = answer["rejectOutingRequest"]
    assert (rejected["status"], rejected["decisionNote"]) == ("REJECTED", "Use the spare van")
    assert rejected["decidedBy"] == {"id": world.back_office.id}
    assert [e["status"] for e in rejected["expenses"]] == ["REJECTED"]
    assert money(rejected["totals"]["requested"]) == 0
    assert on_hand_and_kinds(server, part["id"]) == (5, ["ADJUSTMENT"])
    (told,) = notes_about(server, world.engineer.token, outing["id"])
    assert (told["kind"], told["handled"]) == ("OUTING_REJECTED", False)
    assert "Use the spare van" in told["message"]
    for approver in (world.back_office.token, server.admin_token):
        assert [n["handled"] for n in notes_about(server, approver, outing["id"])] == [True]
    assert [t for t, _ in outing_events(server, ticket["id"])[1]] == [
        "OUTING_REQUESTED",
        "OUTING_REJECTED",
    ]
    assert rejected["expenses"][0]["rejectionNote"] == "the outing was rejected"
    # Outings are the company's own logistics: the customer and the agent see the
    # ticket's history without them; the dispatcher and the engineer with them.
    for outsider in (world.customer_user, world.agent_user):
        seen = assert_ok(server.gql(HISTORY, {"id": ticket["id"]}, outsider.token))["ticket"]
        assert [e["type"] for e in seen["history"] if e["type"].startswith("OUTING_")] == []
        assert seen["history"]  # the rest of the history is there
    for insider in (world.dispatcher, world.engineer):
        seen = assert_ok(server.gql(HISTORY, {"id": ticket["id"]}, insider.token))["ticket"]
        assert [e["type"] for e in seen["history"] if e["type"].startswith("OUTING_")] == [
            "OUTING_REQUESTED",
            "OUTING_REJECTED",
        ]
    expense = rejected["expenses"][0]["id"]
    claim = server.gql(
        CLAIM, {"id": expense, "amount": "80", "receipt": "R-1"}, world.engineer.token
    )
    assert assert_error(claim, CONFLICT)["extensions"]["requestStatus"] == "REJECTED"


@pytest.mark.parametrize("first", ["approve", "reject", "cancel"])
def test_a_decided_request_cannot_be_decided_again(
    server: Server, world: TicketWorld, first: str
) -> None:
    part = ph.stock_part(server, 10)
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], parts=[(part["id"], 2)])
    done = {
        "approve": lambda: approve(server, world.back_office.token, outing["id"]),
        "reject": lambda: reject(server, world.back_office.token, outing["id"]),
        "cancel": lambda: cancel(server, world.engineer.token, outing["id"]),
    }
    status = {"approve": "APPROVED", "reject": "REJECTED", "cancel": "CANCELLED"}[first]
    assert_ok(done[first]())
    stock_after = on_hand_and_kinds(server, part["id"])
    events_after = outing_events(server, ticket["id"])
    for again in ("approve", "reject", "cancel"):
        error = assert_error(done[again](), CONFLICT)
        assert error["extensions"]["currentStatus"] == status
    assert get(server, server.admin_token, outing["id"])["status"] == status
    assert on_hand_and_kinds(server, part["id"]) == stock_after
    assert outing_events(server, ticket["id"]) == events_after


def test_the_engineer_cancels_their_own_pending_request(server: Server, world: TicketWorld) -> None:
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], expenses=[("LODGING", "150")])
    assert_error(cancel(server, world.engineer2.token, outing["id"]), NOT_FOUND)
    for user in (world.back_office, world.dispatcher, world.customer_user):
        assert_error(cancel(server, user.token, outing["id"]), FORBIDDEN)
    cancelled = assert_ok(cancel(server, world.engineer.token, outing["id"]))
    row = cancelled["cancelOutingRequest"]
    assert (row["status"], row["decidedBy"]) == ("CANCELLED", {"id": world.engineer.id})
    assert [e["status"] for e in row["expenses"]] == ["REJECTED"]
    # The approvers' screens show it handled; the engineer is not told what they did.
    assert [n["handled"] for n in notes_about(server, world.back_office.token, outing["id"])] == [
        True
    ]
    assert notes_about(server, world.engineer.token, outing["id"]) == []
    assert [t for t, _ in outing_events(server, ticket["id"])[1]] == [
        "OUTING_REQUESTED",
        "OUTING_CANCELLED",
    ]


def test_parts_go_only_to_the_engineer_still_holding_the_ticket(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 5)
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], parts=[(part["id"], 2)])
    th.dispatch(server, world.dispatcher.token, ticket["id"], world.engineer2.id)
    error = assert_error(approve(server, server.admin_token, outing["id"]), CONFLICT)
    assert error["extensions"]["ticketStatus"] == "DISPATCHED"
    assert on_hand_and_kinds(server, part["id"])[0] == 5
    # The request stays theirs to read (not the ticket any more), and is rejected.
    mine = get(server, world.engineer.token, outing["id"])
    assert (mine["status"], mine["ticket"]) == ("PENDING", None)
    assert_ok(reject(server, server.admin_token, outing["id"], "Reassigned"))
    assert get(server, world.engineer.token, outing["id"])["status"] == "REJECTED"


# -- reading -------------------------------------------------------------------------


def test_who_reads_which_requests(server: Server, world: TicketWorld) -> None:
    ticket = working_ticket(world)
    mine = create(server, world.engineer.token, ticket["id"], expenses=[("OTHER", "1")])
    other_ticket = working_ticket(world, engineer=world.engineer2)
    theirs = create(server, world.engineer2.token, other_ticket["id"], expenses=[("OTHER", "2")])
    both = {mine["id"], theirs["id"]}
    for office in (server.admin_token, world.back_office.token, world.dispatcher.token):
        assert get(server, office, mine["id"])["id"] == mine["id"]
        assert get(server, office, mine["id"])["ticket"] == {"id": ticket["id"]}
        ids = {n["id"] for n in listing(server, office)["nodes"]}
        assert both <= ids
    assert get(server, world.engineer.token, mine["id"])["ticket"] == {"id": ticket["id"]}
    assert_error(server.gql(GET, {"id": theirs["id"]}, world.engineer.token), NOT_FOUND)
    own = listing(server, world.engineer.token)
    assert mine["id"] in {n["id"] for n in own["nodes"]}
    assert {n["engineer"]["id"] for n in own["nodes"]} == {world.engineer.id}
    assert listing(server, world.engineer.token, ticketId=other_ticket["id"])["totalCount"] == 0
    refused = server.gql(LIST, {"filter": {"engineerId": world.engineer2.id}}, world.engineer.token)
    assert_error(refused, FORBIDDEN)
    for outsider in (world.customer_user, world.agent_user):
        assert_error(server.gql(GET, {"id": mine["id"]}, outsider.token), FORBIDDEN)
        assert_error(server.gql(LIST, {}, outsider.token), FORBIDDEN)


def test_filters_and_newest_first_pages(server: Server, world: TicketWorld) -> None:
    ticket = working_ticket(world)
    made = [
        create(server, world.engineer.token, ticket["id"], expenses=[("OTHER", str(n))])
        for n in range(3)
    ]
    assert_ok(cancel(server, world.engineer.token, made[1]["id"]))
    newest_first = [o["id"] for o in reversed(made)]
    page = listing(server, server.admin_token, ticketId=ticket["id"])
    assert [n["id"] for n in page["nodes"]] == newest_first
    assert page["totalCount"] == 3
    first = listing(server, server.admin_token, ticketId=ticket["id"], first=2)
    assert [n["id"] for n in first["nodes"]] == newest_first[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = listing(
        server, server.admin_token, ticketId=ticket["id"], first=2,
        after=first["pageInfo"]["endCursor"],
    )  # fmt: skip
    assert [n["id"] for n in rest["nodes"]] == newest_first[2:]
    assert [
        n["id"]
        for n in listing(server, server.admin_token, ticketId=ticket["id"], status="CANCELLED")[
            "nodes"
        ]
    ] == [made[1]["id"]]
    by_engineer = listing(
        server, world.back_office.token, ticketId=ticket["id"], engineerId=world.engineer.id
    )
    assert by_engineer["totalCount"] == 3
    assert (
        listing(
            server, world.back_office.token, ticketId=ticket["id"], engineerId=world.engineer2.id
        )["totalCount"]
        == 0
    )
    assert_error(
        server.gql(LIST, {"filter": {"ticketId": "nope"}}, server.admin_token),
        BAD,
        field="filter.ticketId",
    )


# -- expenses ------------------------------------------------------------------------


def claim(server: Server, token: str, pk: str, amount: str, receipt: str = "INV-1", **kw: Any):  # type: ignore[no-untyped-def]
    return server.gql(CLAIM, {"id": pk, "amount": amount, "receipt": receipt, **kw}, token)


def test_expenses_are_claimed_approved_and_paid(server: Server, world: TicketWorld) -> None:
    ticket = working_ticket(world)
    outing = create(
        server,
        world.engineer.token,
        ticket["id"],
        expenses=[("TRAVEL", "200"), ("LODGING", "300")],
    )
    travel, lodging = (e["id"] for e in outing["expenses"])
    # Not before the outing is approved.
    error = assert_error(claim(server, world.engineer.token, travel, "250"), CONFLICT)
    assert error["extensions"]["requestStatus"] == "PENDING"
    assert_ok(approve(server, world.back_office.token, outing["id"]))

    assert_error(claim(server, world.engineer2.token, travel, "250"), NOT_FOUND)
    assert_error(claim(server, world.back_office.token, travel, "250"), FORBIDDEN)
    assert_error(claim(server, world.engineer.token, travel, "250", ""), BAD, field="receipt")
    assert_error(claim(server, world.engineer.token, travel, "-5"), BAD, field="amount")
    assert_error(claim(server, world.engineer.token, outing["id"], "5"), BAD, field="expenseId")
    # Paid or approved before being claimed: no.
    assert_error(server.gql(PAY, {"id": travel}, world.back_office.token), CONFLICT)
    assert_error(server.gql(APPROVE_EXPENSE, {"id": travel}, world.back_office.token), CONFLICT)

    claimed = assert_ok(
        claim(server, world.engineer.token, travel, "250", "TAXI-0042", note="Taxi both ways")
    )["claimExpense"]
    assert claimed["status"] == "CLAIMED"
    assert (money(claimed["claimedAmount"]), claimed["receipt"]) == (Decimal("250.00"), "TAXI-0042")
    assert claimed["claimNote"] == "Taxi both ways" and claimed["claimedAt"] is not None
    assert claimed["note"] is None  # the request's own note is kept apart
    assert claimed["outingRequest"] == {"id": outing["id"]}
    again = assert_error(claim(server, world.engineer.token, travel, "260"), CONFLICT)
    assert again["extensions"]["currentStatus"] == "CLAIMED"
    # Every approver is told of the claim.
    for approver in (world.back_office.token, server.admin_token):
        kinds = [(n["kind"], n["handled"]) for n in notes_about(server, approver, outing["id"])]
        assert ("EXPENSE_CLAIMED", False) in kinds

    for user in (world.engineer, world.dispatcher, world.customer_user):
        assert_error(server.gql(APPROVE_EXPENSE, {"id": travel}, user.token), FORBIDDEN)
        assert_error(server.gql(PAY, {"id": travel}, user.token), FORBIDDEN)
    too_much = server.gql(APPROVE_EXPENSE, {"id": travel, "amount": "250.01"}, server.admin_token)
    assert_error(too_much, BAD, field="amount")
    approved = assert_ok(
        server.gql(APPROVE_EXPENSE, {"id": travel, "amount": "240"}, world.back_office.token)
    )["approveExpense"]
    assert (approved["status"], money(approved["approvedAmount"])) == ("APPROVED", Decimal("240"))
    assert approved["approvedBy"] == {"id": world.back_office.id}
    # No claim waits any more: handled on every approver's screen; the engineer is told.
    for approver in (world.back_office.token, server.admin_token):
        claims = [
            n["handled"]
            for n in notes_about(server, approver, outing["id"])
            if n["kind"] == "EXPENSE_CLAIMED"
        ]
        assert claims == [True]
    told = [n for n in notes_about(server, world.engineer.token, outing["id"])]
    assert told[0]["kind"] == "EXPENSE_APPROVED" and "240.00" in told[0]["message"]
    # Once approved it is owed: paid, not rejected.
    late = server.gql(REJECT_EXPENSE, {"id": travel, "note": "no"}, server.admin_token)
    assert assert_error(late, CONFLICT)["extensions"]["currentStatus"] == "APPROVED"

    paid = assert_ok(server.gql(PAY, {"id": travel}, server.admin_token))["payExpense"]
    assert (paid["status"], money(paid["paidAmount"])) == ("PAID", Decimal("240"))
    assert paid["paidBy"] == {"id": server.admin_id} and paid["paidAt"] is not None
    assert_error(server.gql(PAY, {"id": travel}, server.admin_token), CONFLICT)
    assert notes_about(server, world.engineer.token, outing["id"])[0]["kind"] == "EXPENSE_PAID"

    # The other line is refused, with a reason; it can no longer be claimed.
    no_reason = server.gql(REJECT_EXPENSE, {"id": lodging, "note": ""}, server.admin_token)
    assert_error(no_reason, BAD, field="note")
    refused = assert_ok(
        server.gql(
            REJECT_EXPENSE, {"id": lodging, "note": "Stayed with family"}, server.admin_token
        )
    )["rejectExpense"]
    assert refused["status"] == "REJECTED"
    assert refused["rejectionNote"] == "Stayed with family"
    assert refused["rejectedBy"] == {"id": server.admin_id} and refused["rejectedAt"]
    last = notes_about(server, world.engineer.token, outing["id"])[0]
    assert last["kind"] == "EXPENSE_REJECTED" and "Stayed with family" in last["message"]
    assert_error(claim(server, world.engineer.token, lodging, "300"), CONFLICT)

    totals = get(server, world.engineer.token, outing["id"])["totals"]
    assert {k: money(v) for k, v in totals.items()} == {
        "requested": Decimal("200"),
        "claimed": Decimal("250"),
        "approved": Decimal("240"),
        "paid": Decimal("240"),
        "outstanding": Decimal("0"),
    }


def test_the_approved_amount_defaults_to_the_claim(server: Server, world: TicketWorld) -> None:
    ticket = working_ticket(world)
    outing = create(server, world.engineer.token, ticket["id"], expenses=[("OTHER", "10")])
    assert_ok(approve(server, server.admin_token, outing["id"]))
    (line,) = (e["id"] for e in outing["expenses"])
    assert_ok(claim(server, world.engineer.token, line, "12.34"))
    answer = assert_ok(server.gql(APPROVE_EXPENSE, {"id": line}, server.admin_token))
    assert money(answer["approveExpense"]["approvedAmount"]) == Decimal("12.34")
    totals = get(server, server.admin_token, outing["id"])["totals"]
    assert money(totals["outstanding"]) == Decimal("12.34")


# -- live ---------------------------------------------------------------------------


async def test_decisions_reach_the_engineer_the_approvers_and_the_dispatchers_live(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 20)
    ticket = working_ticket(world)
    tid = ticket["id"]
    watcher = server.make_user("BACK_OFFICE")  # another approver's screen
    async with Api(server) as api:
        history = (await api.data(HISTORY, {"id": tid}, server.admin_token))["ticket"]["history"]
        since = history[-1]["sequence"]
        async with (
            live(server, world.engineer.token, label="engineer") as phone,
            live(server, world.dispatcher.token, label="dispatcher") as board,
            live(server, watcher.token, label="watcher") as office,
            live(server, world.customer_user.token, label="customer") as portal,
        ):
            notes = phone.stream(LIVE_NOTIFICATIONS, {"since": since}, "notifications")
            events = board.stream(TICKET_EVENTS, {"since": since}, "ticketEvents")
            inbox = office.stream(LIVE_NOTIFICATIONS, {"since": since}, "notifications")
            customer_events = portal.stream(TICKET_EVENTS, {"since": since}, "ticketEvents")

            payload = {"ticketId": tid, "parts": [{"partId": part["id"], "quantity": 2}]}
            created = await api.data(CREATE, {"input": payload}, world.engineer.token)
            oid = created["createOutingRequest"]["id"]

            def about(kind: str, handled: bool | None = None):  # type: ignore[no-untyped-def]
                return lambda n: (
                    (n["outingRequest"] or {}).get("id") == oid
                    and n["kind"] == kind
                    and (handled is None or n["handled"] is handled)
                )

            asked = (await inbox.until(about("OUTING_REQUESTED"), WAIT, "the request"))[-1]
            assert asked["handled"] is False and asked["ticket"]["id"] == tid
            requested = await events.until(
                lambda e: of_ticket(tid)(e) and e["type"] == "OUTING_REQUESTED", WAIT
            )
            assert requested[-1]["data"]["outingRequestId"] == oid
            assert requested[-1]["ticket"]["version"] == ticket["version"]

            await api.data(APPROVE, {"id": oid, "note": "Go"}, world.back_office.token)
            told = (await notes.until(about("OUTING_APPROVED"), WAIT, "OUTING_APPROVED"))[-1]
            assert told["handled"] is False
            assert told["outingRequest"] == {"id": oid, "status": "APPROVED"}
            assert told["ticket"]["id"] == tid
            seen = await events.until(
                lambda e: of_ticket(tid)(e) and e["type"] == "OUTING_APPROVED", WAIT
            )
            decided = seen[-1]
            assert decided["data"]["outingRequestId"] == oid
            assert decided["actor"] == {"id": world.back_office.id}
            handled = (await inbox.until(about("OUTING_REQUESTED", True), WAIT, "handled"))[-1]
            assert handled["id"] == asked["id"]
            assert handled["sequence"] > asked["sequence"]

            # The customer's screen gets the ticket's later events, not the outing's.
            await api.data(DIAGNOSE, {"id": tid, "text": "marker"}, world.dispatcher.token)
            portal_seen = await customer_events.until(
                lambda e: of_ticket(tid)(e) and e["type"] == "TICKET_DIAGNOSED", WAIT
            )
            assert not [e for e in portal_seen if e["type"].startswith("OUTING_")], portal_seen


# -- concurrency ---------------------------------------------------------------------


async def test_concurrent_decisions_one_wins_and_the_parts_go_out_once(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 50)
    ticket = working_ticket(world)
    async with Api(server) as api:
        for _round in range(4):
            payload = {"ticketId": ticket["id"], "parts": [{"partId": part["id"], "quantity": 2}]}
            created = await api.data(CREATE, {"input": payload}, world.engineer.token)
            oid = created["createOutingRequest"]["id"]
            approving = [
                api.gql(APPROVE, {"id": oid}, token)
                for token in (world.back_office.token, server.admin_token)
            ]
            answers = await asyncio.gather(
                *approving,
                api.gql(REJECT, {"id": oid, "note": "No"}, world.back_office.token),
                api.gql(CANCEL, {"id": oid}, world.engineer.token),
            )
            won = [a for a in answers if not a.get("errors")]
            assert len(won) == 1, answers
            (field,) = won[0]["data"].values()
            winner = field["status"]
            for answer in answers:
                if answer is not won[0]:
                    error = assert_error(answer, CONFLICT)
                    assert error["extensions"]["currentStatus"] == winner
            assert get(server, server.admin_token, oid)["status"] == winner
            decisions = [t for t, o in outing_events(server, ticket["id"])[1] if o == oid]
            assert decisions == ["OUTING_REQUESTED", f"OUTING_{winner}"]
            issued = [
                m
                for m in ph.get_part(server, None, part["id"])["movements"]["nodes"]
                if m["outingRequestId"] == oid
            ]
            assert len(issued) == (1 if winner == "APPROVED" else 0)


CLAIM_WITH_KEY = f"""
mutation M($id: ID!, $amount: Decimal!, $receipt: String!, $key: String) {{
  claimExpense(expenseId: $id, amount: $amount, receipt: $receipt, idempotencyKey: $key) {{
    {EXPENSE}
  }}
}}"""


def test_a_phone_retrying_a_request_or_a_claim_gets_the_first_answer(
    server: Server, world: TicketWorld
) -> None:
    """A phone that lost the answer sends the same request again with its key: the
    first result comes back and nothing more is made (one request, one claim, one
    notification to each approver)."""
    ticket = working_ticket(world)
    token = world.engineer.token
    first = create(
        server, token, ticket["id"], expenses=[("TRAVEL", "35.00")], idempotencyKey="o-1"
    )
    again = create(
        server, token, ticket["id"], expenses=[("TRAVEL", "35.00")], idempotencyKey="o-1"
    )
    assert again["id"] == first["id"]
    mine = listing(server, token, ticketId=ticket["id"])
    assert mine["totalCount"] == 1
    told = notes_about(server, world.back_office.token, first["id"])
    assert [n["kind"] for n in told] == ["OUTING_REQUESTED"]
    # The key belongs to that request: used for another operation, it is refused.
    expense = first["expenses"][0]["id"]
    approve(server, world.back_office.token, first["id"])
    assert_error(
        server.gql(
            CLAIM_WITH_KEY, {"id": expense, "amount": "30", "receipt": "R-9", "key": "o-1"}, token
        ),
        BAD,
        field="idempotencyKey",
    )
    variables = {"id": expense, "amount": "30.00", "receipt": "R-9", "key": "c-1"}
    claimed = assert_ok(server.gql(CLAIM_WITH_KEY, variables, token))["claimExpense"]
    assert claimed["status"] == "CLAIMED"
    replay = assert_ok(server.gql(CLAIM_WITH_KEY, variables, token))["claimExpense"]
    assert (replay["id"], replay["status"], replay["claimedAt"]) == (
        claimed["id"],
        "CLAIMED",
        claimed["claimedAt"],
    )
    # Without a key the second claim is what it is: a claim of a claimed line.
    del variables["key"]
    assert_error(server.gql(CLAIM_WITH_KEY, variables, token), CONFLICT)
    claims = [
        n
        for n in notes_about(server, world.back_office.token, first["id"])
        if n["kind"] == "EXPENSE_CLAIMED"
    ]
    assert len(claims) == 1
