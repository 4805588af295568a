"""Concurrent stock takes against a running server: exactly the available quantity is
issued, never more, and no request fails any other way.

Each burst is released at once on already-open connections (see test_concurrency).
On PostgreSQL the part rows are locked (in id order, so requests naming the same
parts in opposite orders cannot deadlock); on SQLite writers queue on the database
lock. Either way: as many winners as there were units, every loser a BAD_USER_INPUT
saying how many are left, stock at zero, one movement per unit taken.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from . import parts_helpers as ph
from .client import Server, UserHandle
from .test_concurrency import Answer, Call, burst, http_client, peak_in_flight
from .ticket_helpers import TicketWorld, dispatch, move_ok

BAD = "BAD_USER_INPUT"


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def split(answers: list[Answer]) -> tuple[list[Answer], list[Answer]]:
    """(winners, losers); fails on anything but success or a stock refusal."""
    bad = [
        a
        for a in answers
        if a.http_status != 200 or (not a.ok and a.code != BAD) or "locked" in str(a).lower()
    ]
    assert not bad, "answers other than success or BAD_USER_INPUT:\n" + "\n".join(map(str, bad))
    return [a for a in answers if a.ok], [a for a in answers if not a.ok]


def accepted_tickets(world: TicketWorld, count: int, engineer: UserHandle) -> list[dict[str, Any]]:
    tickets = []
    for _ in range(count):
        ticket = world.new_ticket(under_warranty=False)
        dispatch(world.server, world.dispatcher.token, ticket["id"], engineer.id)
        tickets.append(move_ok(world.server, engineer.token, "acknowledgeTicket", ticket["id"]))
    return tickets


def test_parallel_issues_to_tickets_take_exactly_the_stock_there_is(
    server: Server, world: TicketWorld
) -> None:
    units, requests = 5, 20
    part = ph.stock_part(server, units, alarmThreshold=0)
    tickets = accepted_tickets(world, requests, world.engineer)
    calls = [
        Call(
            ph.ISSUE,
            {"ticketId": t["id"], "lines": [{"partId": part["id"], "quantity": 1}]},
            world.back_office.token,
            f"issue to {t['id']}",
        )
        for t in tickets
    ]

    async def run() -> list[Answer]:
        async with http_client(server, requests) as http:
            return await burst(http, calls)

    answers = asyncio.run(run())
    assert peak_in_flight(answers) > 1
    winners, losers = split(answers)
    assert len(winners) == units
    assert len(losers) == requests - units
    for loser in losers:
        assert loser.extensions().get("available") == 0, str(loser)
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 0
    issued = [m for m in found["movements"]["nodes"] if m["kind"] == "ISSUE_TO_TICKET"]
    assert len(issued) == units
    assert {m["ticket"]["id"] for m in issued} == {w.result()["id"] for w in winners}
    # The losers' tickets are untouched: no parts, same version.
    for loser in losers:
        ticket_id = loser.call.variables["ticketId"]
        seen = server.admin(
            "query Q($id: ID!) { ticket(id: $id) { version partsUsed { quantity } } }",
            {"id": ticket_id},
        )["ticket"]
        before = next(t for t in tickets if t["id"] == ticket_id)
        assert seen == {"version": before["version"], "partsUsed": []}


def test_parallel_adjustments_never_take_stock_below_zero(server: Server) -> None:
    units, requests = 7, 16
    part = ph.stock_part(server, units)
    calls = [
        Call(
            ph.ADJUST,
            {"partId": part["id"], "quantity": -1, "reason": f"breakage {n}"},
            server.admin_token,
            f"adjust {n}",
        )
        for n in range(requests)
    ]

    async def run() -> list[Answer]:
        async with http_client(server, requests) as http:
            return await burst(http, calls)

    winners, losers = split(asyncio.run(run()))
    assert (len(winners), len(losers)) == (units, requests - units)
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 0
    takes = [m for m in found["movements"]["nodes"] if m["quantity"] < 0]
    assert len(takes) == units
    # Each movement records the stock it left: units-1 down to 0, each exactly once.
    assert sorted(m["onHandAfter"] for m in takes) == list(range(units))


def test_requests_naming_the_same_parts_in_opposite_orders_do_not_deadlock(
    server: Server, world: TicketWorld
) -> None:
    units, requests = 3, 10
    first, second = ph.stock_part(server, units), ph.stock_part(server, units)
    tickets = accepted_tickets(world, requests, world.engineer2)
    calls = []
    for n, ticket in enumerate(tickets):
        lines = [{"partId": first["id"], "quantity": 1}, {"partId": second["id"], "quantity": 1}]
        calls.append(
            Call(
                ph.ISSUE,
                {"ticketId": ticket["id"], "lines": lines if n % 2 else lines[::-1]},
                world.engineer2.token,
                f"issue {n}",
            )
        )

    async def run() -> list[Answer]:
        async with http_client(server, requests) as http:
            return await burst(http, calls)

    winners, losers = split(asyncio.run(run()))
    assert (len(winners), len(losers)) == (units, requests - units)
    for part in (first, second):
        assert ph.get_part(server, None, part["id"])["onHand"] == 0
