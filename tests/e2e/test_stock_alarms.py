"""Stock alarms, live: when a part's stock falls to or below its threshold, every
session of every ADMIN and BACK_OFFICE user receives a STOCK_ALARM notification
through the `notifications` subscription; when stock is back above, the same
notification arrives again, handled. Nobody else receives it. A change of the
threshold alone raises or clears the alarm too. Both backends, with the gql client.
"""

from __future__ import annotations

from typing import Any

from . import parts_helpers as ph
from . import records_helpers as rh
from .client import Server, assert_ok
from .live_helpers import CREATE_TICKET, DISPATCH, Api, live
from .ticket_helpers import notifications

WAIT = 10.0
NOTIFICATIONS = """
subscription Notifications($since: Int) {
  notifications(since: $since) {
    sequence id kind handled message ticket { id } part { id partNumber onHand belowAlarm }
  }
}"""
DECLINE = """
mutation M($id: ID!) { declineTicket(id: $id, reason: "not mine") { id status } }"""


def about(part: dict[str, Any]) -> Any:
    return lambda item: (item.get("part") or {}).get("id") == part["id"]


async def test_an_alarm_reaches_every_back_office_session_live_and_clears(
    server: Server,
) -> None:
    back_office, dispatcher = server.make_user("BACK_OFFICE"), server.make_user("CUSTOMER_SERVICE")
    engineer = server.make_user("ENGINEER")
    part = ph.stock_part(server, 5, alarmThreshold=2)
    async with (
        Api(server) as api,
        live(server, back_office.token, label="bo-pc") as pc,
        live(server, back_office.token, label="bo-phone") as phone,
        live(server, dispatcher.token, label="dispatcher") as other,
        live(server, engineer.token, label="engineer") as field_engineer,
    ):
        # since=0: these users are new, so their whole stream is what this test causes;
        # the replay makes the start race-free.
        ends = [s.stream(NOTIFICATIONS, {"since": 0}, "notifications") for s in (pc, phone)]
        bystanders = [
            s.stream(NOTIFICATIONS, {"since": 0}, "notifications") for s in (other, field_engineer)
        ]
        await api.data(
            ph.ADJUST, {"partId": part["id"], "quantity": -2, "reason": "used"}, server.admin_token
        )  # 3 left: above the threshold, no alarm
        await api.data(
            ph.ADJUST,
            {"partId": part["id"], "quantity": -1, "reason": "broken"},
            server.admin_token,
        )  # 2 left: at the threshold
        raised = []
        for stream in ends:
            (note,) = await stream.until(about(part), WAIT, "the STOCK_ALARM")
            assert (note["kind"], note["handled"]) == ("STOCK_ALARM", False)
            assert note["part"]["partNumber"] == part["partNumber"]
            assert note["part"]["belowAlarm"] is True
            assert note["ticket"] is None
            assert "2" in note["message"] and part["partNumber"] in note["message"]
            raised.append(note)
        assert raised[0]["id"] == raised[1]["id"]  # one notification, on every session

        # Lower still: already alarmed, so nothing new.
        await api.data(
            ph.ADJUST,
            {"partId": part["id"], "quantity": -1, "reason": "broken"},
            server.admin_token,
        )
        # Back above: the same notification arrives again, handled.
        await api.data(
            ph.ADJUST, {"partId": part["id"], "quantity": 10, "reason": "found"}, server.admin_token
        )
        for stream in ends:
            (note,) = await stream.until(about(part), WAIT, "the STOCK_ALARM, handled")
            assert (note["id"], note["kind"], note["handled"]) == (
                raised[0]["id"],
                "STOCK_ALARM",
                True,
            )
            assert note["part"]["belowAlarm"] is False
            assert note["sequence"] > raised[0]["sequence"]

        # Markers the bystanders do receive, after the alarm: a dispatch to the engineer,
        # which the engineer declines (the dispatcher is told). Events arrive in
        # sequence order, so anything about the part would have come before them.
        customer = rh.create_customer(server)
        ticket = (
            await api.data(
                CREATE_TICKET,
                {"input": {"kind": "REPAIR", "customerId": customer["id"], "description": "x"}},
                dispatcher.token,
            )
        )["createTicket"]
        await api.data(DISPATCH, {"id": ticket["id"], "engineerId": engineer.id}, dispatcher.token)
        await api.data(DECLINE, {"id": ticket["id"]}, engineer.token)
        for stream, marker in zip(bystanders, ("DECLINED", "DISPATCHED"), strict=True):
            seen = await stream.until(lambda n, m=marker: n["kind"] == m, WAIT, marker)
            assert not [n for n in seen if n["kind"] == "STOCK_ALARM"], (stream.name, seen)

    # The stored notifications agree with what arrived live.
    mine = notifications(server, back_office.token)
    assert [(n["kind"], n["handled"]) for n in mine] == [("STOCK_ALARM", True)]
    assert [n["kind"] for n in notifications(server, dispatcher.token)] == ["DECLINED"]


async def test_a_new_threshold_alone_raises_and_clears_the_alarm(server: Server) -> None:
    back_office = server.make_user("BACK_OFFICE")
    part = ph.stock_part(server, 5, alarmThreshold=2)
    async with Api(server) as api, live(server, back_office.token, label="bo") as session:
        stream = session.stream(NOTIFICATIONS, {"since": 0}, "notifications")
        raise_it = {"id": part["id"], "input": {"alarmThreshold": 5}}
        assert_ok(await api.gql(ph.UPDATE_PART, raise_it, server.admin_token))
        (note,) = await stream.until(about(part), WAIT, "the STOCK_ALARM")
        assert (note["kind"], note["handled"]) == ("STOCK_ALARM", False)
        clear_it = {"id": part["id"], "input": {"alarmThreshold": 4}}
        assert_ok(await api.gql(ph.UPDATE_PART, clear_it, server.admin_token))
        (note,) = await stream.until(about(part), WAIT, "the STOCK_ALARM, handled")
        assert note["handled"] is True


def test_a_refused_take_raises_no_alarm(server: Server) -> None:
    back_office = server.make_user("BACK_OFFICE")
    part = ph.stock_part(server, 5, alarmThreshold=2)
    refused = ph.adjust(server, part["id"], -6)
    assert refused.get("errors")
    assert notifications(server, back_office.token) == []
    assert ph.get_part(server, None, part["id"])["onHand"] == 5


def test_deleting_a_part_clears_its_alarm_and_restoring_it_raises_it_again(
    server: Server,
) -> None:
    back_office = server.make_user("BACK_OFFICE")
    part = ph.stock_part(server, 5, alarmThreshold=2)
    assert_ok(ph.adjust(server, part["id"], -4))  # 1 left: alarm
    assert [(n["kind"], n["handled"]) for n in notifications(server, back_office.token)] == [
        ("STOCK_ALARM", False)
    ]
    delete = "mutation M($id: ID!) { deletePart(id: $id) { id deletedAt } }"
    assert assert_ok(server.gql(delete, {"id": part["id"]}, server.admin_token))["deletePart"][
        "deletedAt"
    ]
    assert [(n["kind"], n["handled"]) for n in notifications(server, back_office.token)] == [
        ("STOCK_ALARM", True)
    ]
    restore = "mutation M($id: ID!) { restorePart(id: $id) { id deletedAt belowAlarm } }"
    restored = assert_ok(server.gql(restore, {"id": part["id"]}, server.admin_token))
    assert restored["restorePart"] == {"id": part["id"], "deletedAt": None, "belowAlarm": True}
    assert [(n["kind"], n["handled"]) for n in notifications(server, back_office.token)] == [
        ("STOCK_ALARM", False),
        ("STOCK_ALARM", True),
    ]
