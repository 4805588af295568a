"""Charges, as the office and a customer meet them (field.graphql), on both databases:

* labour per started half hour of each work record at the hourly rate for the
  device's ownership, travel per check-in, the office's own lines; each line keeps the
  rate in force when it was made (setChargeRates changes only what comes after);
* under warranty every line is shown waived and nothing is owed; the customer confirms
  the statement's total with the close;
* an estimate sent before the work is accepted or refused by the customer (staff only
  for a customer without an account); a refusal lets the office cancel free of charge;
* a repair under warranty extends the device's warranty by the days it was out of
  service; the same defect repaired twice under warranty is a repeat failure, and the
  back office is told a replacement is due.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from . import records_helpers as rh
from .client import Server, assert_error, assert_ok
from .ticket_helpers import TicketWorld, move_ok, notifications

RATES = """
mutation R($input: ChargeRatesInput!) {
  setChargeRates(input: $input) { ownDeviceHourly otherDeviceHourly travelFee }
}"""
CHARGES = """
query C($id: ID!) {
  ticket(id: $id) {
    id version status
    charges {
      lines { kind description quantity unitPrice amount waived }
      total confirmedTotal freeOfCharge
      estimate { amount note status onBehalfOfCustomer }
    }
  }
}"""
SEND = """
mutation S($ticketId: ID!, $amount: Decimal!, $note: String, $expectedVersion: Int) {
  sendEstimate(ticketId: $ticketId, amount: $amount, note: $note,
               expectedVersion: $expectedVersion) {
    id version charges { estimate { amount status } }
  }
}"""
ANSWER = """
mutation A($ticketId: ID!, $accept: Boolean!, $expectedVersion: Int) {
  answerEstimate(ticketId: $ticketId, accept: $accept, expectedVersion: $expectedVersion) {
    id version charges { estimate { status } }
  }
}"""
ADD_LINE = """
mutation L($ticketId: ID!, $description: String!, $quantity: Decimal!, $unitPrice: Decimal!) {
  addChargeLine(ticketId: $ticketId, description: $description, quantity: $quantity,
                unitPrice: $unitPrice) { id version }
}"""
HISTORY = """
query D($id: ID!, $first: Int) {
  device(id: $id) {
    id serialNumber lastMaintainedOn warrantyEndsOn
    tickets(first: $first) { totalCount edges { node { id number kind status } } }
    repeatFailures { defect count }
  }
}"""


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[TicketWorld]:
    world = TicketWorld.build(server)
    before = server.data(
        "{ chargeRates { ownDeviceHourly otherDeviceHourly travelFee } }",
        None,
        world.back_office.token,
    )["chargeRates"]
    yield world
    # The rates are the service's own: put back what other tests of this server expect.
    server.data(RATES, {"input": before}, world.back_office.token)


def charges(world: TicketWorld, ticket_id: str, token: str | None = None) -> dict[str, Any]:
    return world.server.data(CHARGES, {"id": ticket_id}, token or world.dispatcher.token)["ticket"]


def work(world: TicketWorld, ticket_id: str, minutes: int) -> dict[str, Any]:
    started = datetime.now(UTC) - timedelta(minutes=minutes + 5)
    return move_ok(
        world.server,
        world.engineer.token,
        "addWorkRecord",
        ticket_id,
        input={
            "startedAt": started.isoformat(),
            "endedAt": (started + timedelta(minutes=minutes)).isoformat(),
            "details": "work",
        },
    )


def set_rates(world: TicketWorld, token: str | None = None, **rates: str) -> dict[str, Any]:
    return world.server.gql(RATES, {"input": rates}, token or world.back_office.token)


def test_labour_and_travel_at_the_rates_in_force(world: TicketWorld) -> None:
    s = world.server
    rates = assert_ok(
        set_rates(world, ownDeviceHourly="120", otherDeviceHourly="180.5", travelFee="50")
    )["setChargeRates"]
    assert rates == {
        "ownDeviceHourly": "120.00",
        "otherDeviceHourly": "180.50",
        "travelFee": "50.00",
    }
    # Only ADMIN and BACK_OFFICE set them; a bad amount changes nothing.
    assert_error(set_rates(world, world.dispatcher.token, travelFee="1"), "FORBIDDEN")
    assert_error(set_rates(world, travelFee="-1"), "BAD_USER_INPUT", field="travelFee")

    foreign = rh.register_device(s, world.customer["id"], boughtFromUs=False, vendor="Other Co")
    ticket = world.new_ticket(device_id=foreign["id"])
    ticket = world.advance(ticket, "IN_PROGRESS")  # one check-in: travel
    work(world, ticket["id"], 70)  # three started half hours: 1.5 h
    # A rate changed afterwards leaves the lines made as they were.
    assert_ok(set_rates(world, otherDeviceHourly="999", travelFee="0"))
    work(world, ticket["id"], 30)  # one half hour at the new rate: 0.5 h
    assert_ok(
        s.gql(
            ADD_LINE,
            {"ticketId": ticket["id"], "description": "吊车", "quantity": "1", "unitPrice": "300"},
            world.back_office.token,
        )
    )
    assert_error(
        s.gql(
            ADD_LINE,
            {"ticketId": ticket["id"], "description": "x", "quantity": "1", "unitPrice": "1"},
            world.engineer.token,
        ),
        "FORBIDDEN",
    )
    seen = charges(world, ticket["id"], world.customer_user.token)["charges"]
    lines = [
        (line["kind"], line["quantity"], line["unitPrice"], line["amount"], line["waived"])
        for line in seen["lines"]
    ]
    assert lines == [
        ("TRAVEL", "1.00", "50.00", "50.00", False),
        ("LABOUR", "1.50", "180.50", "270.75", False),
        ("LABOUR", "0.50", "999.00", "499.50", False),
        ("OTHER", "1.00", "300.00", "300.00", False),
    ]
    assert seen["total"] == "1120.25" and not seen["freeOfCharge"]

    # The customer is told the total with the close request, and confirms it.
    ticket = move_ok(s, world.engineer.token, "requestClose", ticket["id"])
    asked = notifications(s, world.customer_user.token)[0]
    assert asked["kind"] == "CLOSE_REQUESTED" and "1120.25" in asked["message"]
    assert_error(  # the office's lines stop once the close is asked
        s.gql(
            ADD_LINE,
            {"ticketId": ticket["id"], "description": "x", "quantity": "1", "unitPrice": "1"},
            world.back_office.token,
        ),
        "CONFLICT",
    )
    move_ok(s, world.customer_user.token, "confirmClose", ticket["id"])
    assert charges(world, ticket["id"])["charges"]["confirmedTotal"] == "1120.25"


def test_everything_is_waived_under_warranty(world: TicketWorld) -> None:
    assert_ok(set_rates(world, ownDeviceHourly="100", travelFee="30"))
    ticket = world.advance(world.new_ticket(), "IN_PROGRESS")  # the world's device: covered
    work(world, ticket["id"], 20)
    seen = charges(world, ticket["id"])["charges"]
    assert [(line["kind"], line["amount"], line["waived"]) for line in seen["lines"]] == [
        ("TRAVEL", "30.00", True),
        ("LABOUR", "50.00", True),
    ]
    assert seen["total"] == "0.00" and seen["freeOfCharge"]


def test_the_customer_answers_the_estimate(world: TicketWorld) -> None:
    s = world.server
    plain = rh.register_device(s, world.customer["id"])
    ticket = world.advance(world.new_ticket(device_id=plain["id"]), "ACCEPTED")
    assert_error(
        s.gql(ANSWER, {"ticketId": ticket["id"], "accept": True}, world.customer_user.token),
        "CONFLICT",
    )  # none sent
    assert_error(
        s.gql(SEND, {"ticketId": ticket["id"], "amount": "500"}, world.engineer.token), "FORBIDDEN"
    )
    sent = assert_ok(
        s.gql(
            SEND,
            {
                "ticketId": ticket["id"],
                "amount": "480.5",
                "note": "更换轴承",
                "expectedVersion": ticket["version"],
            },
            world.back_office.token,
        )
    )["sendEstimate"]
    assert sent["version"] == ticket["version"] + 1
    assert sent["charges"]["estimate"] == {"amount": "480.50", "status": "SENT"}
    told = notifications(s, world.customer_user.token)
    assert told[0]["kind"] == "ESTIMATE_SENT"
    # This customer has an account: staff may not answer for it.
    assert_error(
        s.gql(ANSWER, {"ticketId": ticket["id"], "accept": True}, world.dispatcher.token),
        "FORBIDDEN",
    )
    answered = assert_ok(
        s.gql(
            ANSWER,
            {"ticketId": ticket["id"], "accept": True, "expectedVersion": sent["version"]},
            world.customer_user.token,
        )
    )["answerEstimate"]
    assert answered["charges"]["estimate"]["status"] == "ACCEPTED"
    assert_error(
        s.gql(ANSWER, {"ticketId": ticket["id"], "accept": False}, world.customer_user.token),
        "CONFLICT",
    )  # answered once

    # Refused: the office cancels, and nothing is owed for what was done.
    other = world.advance(world.new_ticket(device_id=plain["id"]), "IN_PROGRESS")
    work(world, other["id"], 45)
    assert_ok(s.gql(SEND, {"ticketId": other["id"], "amount": "900"}, world.back_office.token))
    assert_ok(s.gql(ANSWER, {"ticketId": other["id"], "accept": False}, world.customer_user.token))
    assert charges(world, other["id"])["charges"]["freeOfCharge"] is False
    move_ok(s, world.dispatcher.token, "cancelTicket", other["id"])
    after = charges(world, other["id"])["charges"]
    assert after["freeOfCharge"] and after["total"] == "0.00"
    assert after["lines"] and all(line["waived"] for line in after["lines"])


def test_warranty_repairs_extend_the_warranty_and_count_repeat_failures(
    world: TicketWorld,
) -> None:
    s = world.server
    ends = date.today() + timedelta(days=100)
    device = rh.register_device(s, world.customer["id"], warrantyEndsOn=ends.isoformat())
    closed: list[str] = []
    for _ in range(2):
        ticket = world.advance(world.new_ticket(device_id=device["id"]), "IN_PROGRESS")
        assert_ok(
            s.gql(
                "mutation U($id: ID!, $input: UpdateTicketInput!) { updateTicket(id: $id, input: $input) { id defectCode } }",
                {"id": ticket["id"], "input": {"defectCode": "motor-noise"}},
                world.dispatcher.token,
            )
        )
        ticket = world.advance(ticket, "CLOSED")
        closed.append(ticket["id"])
    history = s.data(HISTORY, {"id": device["id"], "first": 5}, world.customer_user.token)["device"]
    # Each repair took under a day of service: a day added each time.
    assert history["warrantyEndsOn"] == (ends + timedelta(days=2)).isoformat()
    assert history["repeatFailures"] == [{"defect": "MOTOR-NOISE", "count": 2}]
    assert history["tickets"]["totalCount"] == 2
    assert [e["node"]["id"] for e in history["tickets"]["edges"]] == closed[::-1]
    office = notifications(s, world.back_office.token)
    assert office[0]["kind"] == "REPLACEMENT_DUE"
    assert "MOTOR-NOISE" in office[0]["message"]
