"""Spare parts end to end over HTTP, on both backends: the catalogue and its checks,
stock that only movements change and never below zero, each part's traceable history,
cost prices hidden field by field from customers and agents, parts used on a ticket
(charged per the warranty rules, the minimum price as the floor) and returned, and
that a refused operation writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from . import parts_helpers as ph
from . import ticket_helpers as th
from .client import Server, assert_error, assert_ok, unique_name
from .ticket_helpers import TicketWorld

BAD, CONFLICT, FORBIDDEN, NOT_FOUND = "BAD_USER_INPUT", "CONFLICT", "FORBIDDEN", "NOT_FOUND"


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


# -- catalogue ---------------------------------------------------------------------


def test_a_new_part_has_no_stock_and_its_prices(server: Server) -> None:
    part = ph.create_part(server, spec="6204-2RS", brand="SKF", model="L200")
    assert part["onHand"] == 0
    assert part["belowAlarm"] is True  # 0 <= threshold 2
    assert money(part["costPrice"]) == Decimal("60.00")
    assert money(part["listPrice"]) == Decimal("100.00")
    assert money(part["minimumPrice"]) == Decimal("80.00")
    assert part["averagePurchasePrice"] is None
    assert (part["spec"], part["brand"], part["model"]) == ("6204-2RS", "SKF", "L200")


def test_the_minimum_price_defaults_to_the_list_price(server: Server) -> None:
    part = ph.create_part(server, minimumPrice=None)
    assert money(part["minimumPrice"]) == money(part["listPrice"])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"partNumber": " "}, "partNumber"),
        ({"partNumber": "has space"}, "partNumber"),
        ({"name": ""}, "name"),
        ({"costPrice": "-1"}, "costPrice"),
        ({"listPrice": "NaN"}, "listPrice"),
        ({"minimumPrice": "120"}, "minimumPrice"),  # above the list price
        ({"alarmThreshold": -1}, "alarmThreshold"),
    ],
)
def test_bad_part_fields_are_refused_by_name(
    server: Server, fields: dict[str, Any], field: str
) -> None:
    assert_error(ph.create_part_response(server, **fields), BAD, field=field)


def test_part_numbers_are_unique_among_live_parts(server: Server) -> None:
    part = ph.create_part(server)
    again = ph.create_part_response(server, partNumber=part["partNumber"])
    assert_error(again, BAD, field="partNumber")
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": part["id"]})
    reused = ph.create_part(server, partNumber=part["partNumber"])
    restore = server.gql(
        "mutation M($id: ID!) { restorePart(id: $id) { id } }",
        {"id": part["id"]},
        server.admin_token,
    )
    assert_error(restore, BAD, field="partNumber")
    assert reused["partNumber"] == part["partNumber"]


def test_only_the_back_office_and_the_admin_keep_the_catalogue(
    server: Server, world: TicketWorld
) -> None:
    for user in (world.dispatcher, world.engineer, world.customer_user, world.agent_user):
        assert_error(ph.create_part_response(server, user.token), FORBIDDEN)
    assert ph.create_part(server, world.back_office.token)["onHand"] == 0


def test_update_changes_only_the_fields_given(server: Server) -> None:
    part = ph.create_part(server)
    answer = server.gql(
        ph.UPDATE_PART, {"id": part["id"], "input": {"listPrice": "90"}}, server.admin_token
    )
    updated = assert_ok(answer)["updatePart"]
    assert money(updated["listPrice"]) == Decimal("90.00")
    assert updated["name"] == part["name"]
    below_minimum = server.gql(
        ph.UPDATE_PART, {"id": part["id"], "input": {"listPrice": "70"}}, server.admin_token
    )
    assert_error(below_minimum, BAD, field="minimumPrice")
    assert money(ph.get_part(server, None, part["id"])["listPrice"]) == Decimal("90.00")


def test_search_and_the_below_alarm_filter(server: Server) -> None:
    word = unique_name("w")
    low = ph.create_part(server, name=f"Belt {word}", alarmThreshold=5)
    high = ph.stock_part(server, 10, name=f"Gear {word}", alarmThreshold=5)
    assert {p["id"] for p in ph.list_parts(server, None, search=word)["nodes"]} == {
        low["id"],
        high["id"],
    }
    below = ph.list_parts(server, None, search=word, belowAlarm=True)["nodes"]
    above = ph.list_parts(server, None, search=word, belowAlarm=False)["nodes"]
    assert [p["id"] for p in below] == [low["id"]]
    assert [p["id"] for p in above] == [high["id"]]


# -- stock and its history ----------------------------------------------------------


def test_adjustments_move_stock_and_leave_a_trace(server: Server) -> None:
    part = ph.create_part(server)
    assert (
        assert_ok(ph.adjust(server, part["id"], 7, "opening stock"))["adjustStock"]["onHand"] == 7
    )
    assert assert_ok(ph.adjust(server, part["id"], -3, "stocktake"))["adjustStock"]["onHand"] == 4
    found = ph.get_part(server, None, part["id"])
    moves = found["movements"]["nodes"]
    assert [(m["kind"], m["quantity"], m["onHandAfter"], m["reason"]) for m in moves] == [
        ("ADJUSTMENT", -3, 4, "stocktake"),
        ("ADJUSTMENT", 7, 7, "opening stock"),
    ]
    assert all(m["actor"]["id"] == server.admin_id for m in moves)
    assert sum(m["quantity"] for m in moves) == found["onHand"]


def test_stock_never_goes_below_zero_and_a_refusal_changes_nothing(server: Server) -> None:
    part = ph.stock_part(server, 3)
    error = assert_error(ph.adjust(server, part["id"], -4), BAD, field="quantity")
    assert error["extensions"]["available"] == 3
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 3
    assert found["movements"]["totalCount"] == 1


@pytest.mark.parametrize(("quantity", "reason"), [(0, "x"), (5, " "), (10**7, "x")])
def test_bad_adjustments_are_refused(server: Server, quantity: int, reason: str) -> None:
    part = ph.create_part(server)
    response = ph.adjust(server, part["id"], quantity, reason)
    assert_error(response, BAD)
    assert ph.get_part(server, None, part["id"])["movements"]["totalCount"] == 0


def test_adjusting_an_unknown_part_is_not_found(server: Server) -> None:
    from .client import global_id

    assert_error(ph.adjust(server, global_id("Part", 2**31 - 2), 1), NOT_FOUND)
    assert_error(ph.adjust(server, "nonsense", 1), BAD, field="partId")


# -- who sees cost prices -----------------------------------------------------------


def test_customers_and_agents_never_see_cost_minimum_or_average_prices(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 5)
    for user in (world.customer_user, world.agent_user):
        seen = assert_ok(
            server.gql(
                ph.PARTS, {"first": 100, "filter": {"search": part["partNumber"]}}, user.token
            )
        )
        node = seen["parts"]["nodes"][0]
        assert node["costPrice"] is None
        assert node["minimumPrice"] is None
        assert node["averagePurchasePrice"] is None
        assert money(node["listPrice"]) == Decimal("100.00")
        movements = server.gql(ph.PART_BY_ID, {"id": part["id"]}, user.token)
        assert_error(movements, FORBIDDEN)
        assert "60" not in str(movements.get("data"))
    for user in (world.dispatcher, world.back_office):
        node = ph.get_part(server, user.token, part["id"])
        assert money(node["costPrice"]) == Decimal("60.00")
        assert money(node["minimumPrice"]) == Decimal("80.00")
    # An engineer quoting on site sees the list and minimum prices, never the cost.
    node = ph.get_part(server, world.engineer.token, part["id"])
    assert node["costPrice"] is None
    assert node["averagePurchasePrice"] is None
    assert money(node["minimumPrice"]) == Decimal("80.00")
    assert money(node["listPrice"]) == Decimal("100.00")


# -- parts on a ticket -----------------------------------------------------------------


def _ticket_in_progress(world: TicketWorld, *, under_warranty: bool) -> dict[str, Any]:
    ticket = world.new_ticket(under_warranty=under_warranty)
    return world.advance(ticket, "IN_PROGRESS")


def test_parts_used_out_of_warranty_are_charged_at_list_price(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    answer = assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 3)]))
    used = answer["issuePartsToTicket"]
    assert used["version"] == ticket["version"] + 1
    assert [(u["part"]["id"], u["quantity"], money(u["charge"])) for u in used["partsUsed"]] == [
        (part["id"], 3, Decimal("300.00"))
    ]
    assert money(used["partsCharge"]) == Decimal("300.00")
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 7
    latest = found["movements"]["nodes"][0]
    assert (latest["kind"], latest["quantity"], latest["ticket"]["id"]) == (
        "ISSUE_TO_TICKET",
        -3,
        ticket["id"],
    )
    history = th.get_ticket(server, world.dispatcher.token, ticket["id"])["history"]
    assert history[-1]["type"] == "PARTS_USED"
    assert history[-1]["data"]["parts"][0]["quantity"] == 3


def test_parts_used_under_warranty_are_free(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=True)
    used = assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 2)]))
    line = used["issuePartsToTicket"]["partsUsed"][0]
    assert (money(line["charge"]), line["underWarranty"]) == (Decimal("0.00"), True)
    assert money(line["unitPrice"]) == Decimal("100.00")


def test_a_discount_may_not_go_below_the_minimum_price(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    too_low = ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 1, "79.99")])
    assert_error(too_low, BAD, field="lines[0].unitPrice")
    too_high = ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 1, "100.01")])
    assert_error(too_high, BAD, field="lines[0].unitPrice")
    assert ph.get_part(server, None, part["id"])["onHand"] == 10
    ok = assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 2, "80")]))
    assert money(ok["issuePartsToTicket"]["partsCharge"]) == Decimal("160.00")


def test_an_issue_beyond_stock_changes_nothing(server: Server, world: TicketWorld) -> None:
    plenty, scarce = ph.stock_part(server, 10), ph.stock_part(server, 1)
    ticket = _ticket_in_progress(world, under_warranty=False)
    response = ph.issue(
        server, world.engineer.token, ticket["id"], [(plenty["id"], 2), (scarce["id"], 2)]
    )
    assert_error(response, BAD)
    assert ph.get_part(server, None, plenty["id"])["onHand"] == 10
    assert ph.get_part(server, None, scarce["id"])["onHand"] == 1
    after = th.get_ticket(server, world.dispatcher.token, ticket["id"])
    assert after["version"] == ticket["version"]
    assert after["history"][-1]["type"] != "PARTS_USED"


def test_unused_parts_return_to_stock(server: Server, world: TicketWorld) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 4)]))
    too_many = ph.return_from_ticket(server, world.engineer.token, ticket["id"], [(part["id"], 5)])
    assert_error(too_many, BAD, field="lines[0].quantity")
    back = ph.return_from_ticket(server, world.engineer.token, ticket["id"], [(part["id"], 1)])
    line = assert_ok(back)["returnPartsFromTicket"]["partsUsed"][0]
    assert (line["quantity"], money(line["charge"])) == (3, Decimal("300.00"))
    all_back = ph.return_from_ticket(server, world.engineer.token, ticket["id"], [(part["id"], 3)])
    assert assert_ok(all_back)["returnPartsFromTicket"]["partsUsed"] == []
    found = ph.get_part(server, None, part["id"])
    assert found["onHand"] == 10
    assert [m["kind"] for m in found["movements"]["nodes"][:3]] == [
        "RETURN",
        "RETURN",
        "ISSUE_TO_TICKET",
    ]


def test_only_the_assigned_engineer_or_the_back_office_records_parts(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    assert_error(
        ph.issue(server, world.engineer2.token, ticket["id"], [(part["id"], 1)]), NOT_FOUND
    )
    assert_error(
        ph.issue(server, world.dispatcher.token, ticket["id"], [(part["id"], 1)]), FORBIDDEN
    )
    assert_error(
        ph.issue(server, world.customer_user.token, ticket["id"], [(part["id"], 1)]), FORBIDDEN
    )
    assert_ok(ph.issue(server, world.back_office.token, ticket["id"], [(part["id"], 1)]))
    assert ph.get_part(server, None, part["id"])["onHand"] == 9


def test_the_back_office_may_put_parts_out_before_dispatch_but_not_after_the_close_is_asked(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    new = world.new_ticket()
    ready = assert_ok(ph.issue(server, world.back_office.token, new["id"], [(part["id"], 1)]))
    assert ready["issuePartsToTicket"]["status"] == "NEW"
    assert ready["issuePartsToTicket"]["partsUsed"][0]["quantity"] == 1
    closing = world.advance(world.new_ticket(), "CLOSE_REQUESTED")
    assert_error(ph.issue(server, world.engineer.token, closing["id"], [(part["id"], 1)]), CONFLICT)
    back = ph.return_from_ticket(server, world.engineer.token, closing["id"], [(part["id"], 1)])
    assert_error(back, CONFLICT)
    assert ph.get_part(server, None, part["id"])["onHand"] == 9


def test_a_stale_version_is_a_conflict_and_a_retried_key_applies_once(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    stale = ph.issue(
        server,
        world.engineer.token,
        ticket["id"],
        [(part["id"], 1)],
        expected_version=ticket["version"] - 1,
    )
    assert_error(stale, CONFLICT)
    key = unique_name("k")
    for _ in range(3):
        assert_ok(
            ph.issue(
                server, world.engineer.token, ticket["id"], [(part["id"], 2)], idempotency_key=key
            )
        )
    assert ph.get_part(server, None, part["id"])["onHand"] == 8


def test_customers_see_the_charges_of_their_ticket_but_not_the_cost(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    ticket = _ticket_in_progress(world, under_warranty=False)
    assert_ok(ph.issue(server, world.engineer.token, ticket["id"], [(part["id"], 1)]))
    query = (
        "query Q($id: ID!) { ticket(id: $id) { partsCharge partsUsed { quantity charge"
        " part { partNumber costPrice minimumPrice listPrice } } } }"
    )
    seen = assert_ok(server.gql(query, {"id": ticket["id"]}, world.customer_user.token))["ticket"]
    line = seen["partsUsed"][0]
    assert (line["quantity"], money(line["charge"])) == (1, Decimal("100.00"))
    assert line["part"]["costPrice"] is None and line["part"]["minimumPrice"] is None


def test_a_movement_names_its_ticket_only_to_those_who_may_see_it(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 10)
    mine = world.advance(world.new_ticket(under_warranty=False), "IN_PROGRESS")
    theirs = world.advance(
        world.new_ticket(under_warranty=False), "IN_PROGRESS", engineer=world.engineer2
    )
    assert_ok(ph.issue(server, world.engineer.token, mine["id"], [(part["id"], 1)]))
    assert_ok(ph.issue(server, world.engineer2.token, theirs["id"], [(part["id"], 1)]))

    def tickets_seen(token: str) -> list[Any]:
        moves = ph.get_part(server, token, part["id"])["movements"]["nodes"]
        return [m["ticket"] for m in moves if m["kind"] == "ISSUE_TO_TICKET"]

    assert tickets_seen(world.engineer.token) == [None, {"id": mine["id"]}]
    assert tickets_seen(world.dispatcher.token) == [{"id": theirs["id"]}, {"id": mine["id"]}]
