"""Corrections, as the office and a phone would make them.

* Staff correct a ticket (updateTicket), as a dispatcher would from the board: a new
  version and TICKET_UPDATED naming the fields; partial (fields left out keep their
  value); refused to others, on stale versions, on finished tickets and for a device of
  another customer, changing nothing then.
* A check-in made offline carries the time it happened (occurredAt), bounded by now
  and the dispatch; the server keeps its receipt time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from . import records_helpers as rh
from .client import Server, assert_error
from .ticket_helpers import TicketWorld, get_ticket, move_ok

UPDATE = """
mutation M($id: ID!, $input: UpdateTicketInput!, $expectedVersion: Int) {
  updateTicket(id: $id, input: $input, expectedVersion: $expectedVersion) {
    id version severity description contactName contactPhone device { id }
  }
}"""


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def update(
    world: TicketWorld, ticket: dict[str, Any], token: str | None = None, **fields: Any
) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": ticket["id"], "input": fields}
    if "expectedVersion" in fields:
        variables["expectedVersion"] = fields.pop("expectedVersion")
    return world.server.gql(UPDATE, variables, token or world.dispatcher.token)


def test_a_dispatcher_corrects_a_ticket(world: TicketWorld) -> None:
    ticket = world.advance(world.new_ticket(severity=3, contact_name="Wang"), "ACCEPTED")
    other_device = rh.register_device(world.server, world.customer["id"])
    answer = update(
        world,
        ticket,
        severity=1,
        description="spindle seized, line stopped",
        contactPhone="+86 512 5555 0199",
        deviceId=other_device["id"],
        expectedVersion=ticket["version"],
    )
    corrected = answer["data"]["updateTicket"]
    assert corrected["version"] == ticket["version"] + 1
    assert corrected["severity"] == 1
    assert corrected["description"] == "spindle seized, line stopped"
    assert corrected["contactName"] == "Wang"  # left out: kept
    assert corrected["contactPhone"] == "+86 512 5555 0199"
    assert corrected["device"]["id"] == other_device["id"]
    history = get_ticket(world.server, world.dispatcher.token, ticket["id"])["history"]
    assert history[-1]["type"] == "TICKET_UPDATED"
    assert history[-1]["data"]["fields"] == [
        "severity",
        "description",
        "contactPhone",
        "deviceId",
    ]
    # The engineer and the customer see the corrected ticket.
    seen = get_ticket(world.server, world.customer_user.token, ticket["id"])
    assert seen["severity"] == 1 and seen["version"] == corrected["version"]


def test_refusals_change_nothing(world: TicketWorld) -> None:
    ticket = world.advance(world.new_ticket(severity=2), "DISPATCHED")
    foreign = rh.register_device(world.server, rh.create_customer(world.server)["id"])
    cases = [
        (update(world, ticket, world.engineer.token, severity=1), "FORBIDDEN"),
        (update(world, ticket, world.customer_user.token, description="x"), "FORBIDDEN"),
        (update(world, ticket, severity=1, expectedVersion=ticket["version"] + 5), "CONFLICT"),
        (update(world, ticket, severity=7), "BAD_USER_INPUT"),
        (update(world, ticket, severity=None), "BAD_USER_INPUT"),
        (update(world, ticket, description="  "), "BAD_USER_INPUT"),
        (update(world, ticket), "BAD_USER_INPUT"),
        (update(world, ticket, severity=2), "BAD_USER_INPUT"),  # nothing would change
        (update(world, ticket, deviceId=foreign["id"]), "NOT_FOUND"),
    ]
    for answer, code in cases:
        assert_error(answer, code)
    after = get_ticket(world.server, world.dispatcher.token, ticket["id"])
    assert (after["version"], after["severity"]) == (ticket["version"], 2)
    # An engineer it is not assigned to does not even see it.
    assert_error(update(world, ticket, world.engineer2.token, severity=1), "NOT_FOUND")
    closed = world.advance(world.new_ticket(), "CLOSED")
    assert_error(update(world, closed, severity=1), "CONFLICT")
    cancelled = move_ok(world.server, world.dispatcher.token, "cancelTicket", ticket["id"])
    assert_error(update(world, cancelled, severity=1), "CONFLICT")


CHECK_IN_AT = """
mutation M($ticketId: ID!, $latitude: Float!, $longitude: Float!, $occurredAt: DateTime,
           $idempotencyKey: String) {
  checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude,
          occurredAt: $occurredAt, idempotencyKey: $idempotencyKey) {
    id status version startedAt checkIns { at createdAt }
  }
}"""


def test_a_check_in_made_offline_keeps_the_time_it_happened(world: TicketWorld) -> None:
    ticket = world.advance(world.new_ticket(), "ACCEPTED")
    dispatched = datetime.fromisoformat(ticket["dispatchedAt"])
    time.sleep(1.5)  # the phone was offline on site; the check-in arrives later

    def check_in(occurred: datetime | str, key: str | None = None) -> dict[str, Any]:
        stamp = occurred if isinstance(occurred, str) else occurred.isoformat()
        variables = {
            "ticketId": ticket["id"],
            "latitude": 31.3,
            "longitude": 120.6,
            "occurredAt": stamp,
            "idempotencyKey": key,
        }
        return world.server.gql(CHECK_IN_AT, variables, world.engineer.token)

    # In the future, before the dispatch, without an offset: refused, nothing recorded.
    for refused in (
        datetime.now(UTC) + timedelta(hours=1),
        dispatched - timedelta(minutes=5),
        "2026-12-01T10:00:00",
    ):
        assert_error(check_in(refused), "BAD_USER_INPUT", field="occurredAt")
    occurred = dispatched + timedelta(milliseconds=500)
    first = check_in(occurred, key="offline-1")["data"]["checkIn"]
    assert first["status"] == "IN_PROGRESS"
    (made,) = first["checkIns"]
    assert datetime.fromisoformat(made["at"]) == occurred
    assert datetime.fromisoformat(made["createdAt"]) >= occurred + timedelta(seconds=1)
    assert datetime.fromisoformat(first["startedAt"]) == occurred
    # The phone retries with the same key: the first answer, nothing more.
    again = check_in(occurred, key="offline-1")["data"]["checkIn"]
    assert again["version"] == first["version"] and len(again["checkIns"]) == 1


DEVICE_TICKETS = """
query Q($id: ID!, $first: Int) {
  device(id: $id) {
    id maintenanceDueOn
    tickets(first: $first) { totalCount edges { node { id number kind status } } }
  }
}"""
FILTERED = """
query Q($filter: TicketFilter) { tickets(first: 50, filter: $filter) { totalCount nodes { id } } }"""


def test_a_devices_service_history(world: TicketWorld) -> None:
    s = world.server
    device = rh.register_device(
        s, world.customer["id"], installedOn="2026-01-10", maintenanceIntervalDays=90
    )
    older = world.new_ticket(device_id=device["id"])
    newer = world.advance(world.new_ticket("MAINTENANCE", device_id=device["id"]), "DISPATCHED")
    world.new_ticket()  # on the world's other device
    history = s.data(DEVICE_TICKETS, {"id": device["id"], "first": 10}, world.dispatcher.token)
    got = history["device"]
    assert got["maintenanceDueOn"] == "2026-04-10"
    assert got["tickets"]["totalCount"] == 2
    assert [e["node"]["id"] for e in got["tickets"]["edges"]] == [newer["id"], older["id"]]
    # The customer sees its device's history; the engineer only what is assigned to it.
    theirs = s.data(DEVICE_TICKETS, {"id": device["id"]}, world.customer_user.token)
    assert theirs["device"]["tickets"]["totalCount"] == 2
    engineers = s.data(DEVICE_TICKETS, {"id": device["id"]}, world.engineer.token)
    assert [e["node"]["id"] for e in engineers["device"]["tickets"]["edges"]] == [newer["id"]]
    # TicketFilter.deviceId, and the search finds a ticket by its customer's name.
    by_device = s.data(FILTERED, {"filter": {"deviceId": device["id"]}}, world.dispatcher.token)
    assert {n["id"] for n in by_device["tickets"]["nodes"]} == {older["id"], newer["id"]}
    name = world.customer["name"]
    by_name = s.data(
        FILTERED,
        {"filter": {"search": name[-6:], "deviceId": device["id"]}},
        world.dispatcher.token,
    )
    assert by_name["tickets"]["totalCount"] == 2
    assert_error(
        s.gql(FILTERED, {"filter": {"deviceId": "not-an-id"}}, world.dispatcher.token),
        "BAD_USER_INPUT",
        field="filter.deviceId",
    )


DEPOT = """
mutation M($ticketId: ID!, $step: DepotStep!, $note: String, $trackingNumber: String,
           $expectedVersion: Int) {
  advanceDepotRepair(ticketId: $ticketId, step: $step, note: $note,
                     trackingNumber: $trackingNumber, expectedVersion: $expectedVersion) {
    id version depot { step history { step at actor { id } trackingNumber note } }
  }
}"""
DEPOT_OF = "query Q($id: ID!) { ticket(id: $id) { id version depot { step } } }"


def test_a_depot_repair_goes_out_and_comes_back_in_order(world: TicketWorld) -> None:
    s = world.server
    ticket = world.advance(world.new_ticket(), "IN_PROGRESS")

    def step(token: str, name: str, **extra: Any) -> dict[str, Any]:
        return s.gql(DEPOT, {"ticketId": ticket["id"], "step": name, **extra}, token)

    engineer, office = world.engineer.token, world.back_office.token
    # Out of order: CONFLICT naming the next step, nothing recorded.
    error = assert_error(step(office, "SENT_TO_VENDOR"), "CONFLICT")
    assert "RECEIVED_FROM_CUSTOMER" in error["message"]
    taken = step(engineer, "RECEIVED_FROM_CUSTOMER", note="unit boxed")["data"]
    assert taken["advanceDepotRepair"]["version"] == ticket["version"] + 1
    # The engineer hands over with the customer only; the vendor's steps are the office's.
    assert_error(step(engineer, "SENT_TO_VENDOR"), "FORBIDDEN")
    assert_error(step(world.dispatcher.token, "SENT_TO_VENDOR"), "FORBIDDEN")
    assert_error(step(world.customer_user.token, "SENT_TO_VENDOR"), "FORBIDDEN")
    step(office, "SENT_TO_VENDOR", trackingNumber="SF1234567890")
    assert_error(step(office, "BACK_FROM_VENDOR", expectedVersion=ticket["version"]), "CONFLICT")
    step(office, "BACK_FROM_VENDOR")
    done = step(engineer, "RETURNED_TO_CUSTOMER")["data"]["advanceDepotRepair"]
    history = done["depot"]["history"]
    assert [h["step"] for h in history] == [
        "RECEIVED_FROM_CUSTOMER",
        "SENT_TO_VENDOR",
        "BACK_FROM_VENDOR",
        "RETURNED_TO_CUSTOMER",
    ]
    assert history[1]["trackingNumber"] == "SF1234567890"
    assert history[0]["note"] == "unit boxed"
    assert [h["actor"]["id"] for h in history] == [
        world.engineer.id,
        world.back_office.id,
        world.back_office.id,
        world.engineer.id,
    ]
    assert done["version"] == ticket["version"] + 4
    # The customer follows it on its ticket, as every reader of the ticket does.
    seen = s.data(DEPOT_OF, {"id": ticket["id"]}, world.customer_user.token)["ticket"]
    assert seen["depot"]["step"] == "RETURNED_TO_CUSTOMER"
    events = [h["type"] for h in get_ticket(s, world.customer_user.token, ticket["id"])["history"]]
    assert events.count("TICKET_DEPOT_STEP") == 4
