"""The service runs by itself, tried as a dispatcher would, on both databases at once,
each with two server processes on the same data and a job tick of one second:

* a severity-1 ticket left alone turns AT_RISK, then BREACHED a minute later, live on
  the dispatcher's board (served by the *other* process), each announced exactly once;
* one put on hold stops counting (not breached after its deadline; pausedMinutes
  grows) and, resumed, has its deadline moved by the time on hold;
* one acknowledged at once meets its response target and is only at risk on site;
* one without a policy has no SLA;
* an unanswered close request is reminded at half the time and confirmed by rule;
* the job runs show both processes acting, never twice for one job and tick.

The durations are real (a one-minute SLA): both backends share the wait.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from .client import Server, assert_error, assert_ok
from .live_helpers import TICKET_EVENTS, Api, live
from .ticket_helpers import TicketWorld, move_ok

BACKENDS = ("sqlite", "postgresql")

CALENDAR = """
mutation M($input: BusinessCalendarInput!) {
  createBusinessCalendar(input: $input) { id name timezone }
}"""
POLICY = """
mutation M($input: SlaPolicyInput!) {
  createSlaPolicy(input: $input) { id name severity responseMinutes active }
}"""
SETTINGS = """
mutation M($input: ServiceSettingsInput!) {
  setServiceSettings(input: $input) { autoCloseAfterMinutes maintenanceLeadDays }
}"""
SLA = """
query Q($id: ID!) {
  ticket(id: $id) {
    id status version confirmedByRule onHold { reason since }
    sla {
      policy { id name } state
      responseDueAt onSiteDueAt resolutionDueAt respondedAt onSiteAt resolvedAt
      pausedMinutes breached
    }
    history { type actor { id } }
  }
}"""
AT_RISK = """
query Q($first: Int) {
  tickets(first: $first, filter: { slaState: [AT_RISK, BREACHED] }) {
    totalCount edges { node { id number sla { state resolutionDueAt } } }
  }
}"""
HOLD = """
mutation M($id: ID!, $reason: HoldReason!, $note: String, $expectedVersion: Int) {
  holdTicket(id: $id, reason: $reason, note: $note, expectedVersion: $expectedVersion) {
    id version onHold { reason since }
  }
}"""
RESUME = """
mutation M($id: ID!, $expectedVersion: Int) {
  resumeTicket(id: $id, expectedVersion: $expectedVersion) { id version onHold { reason } }
}"""
JOB_RUNS = """
query Q($first: Int) { jobRuns(first: $first) { edges { node {
  job startedAt finishedAt ok processed detail process dueAt } } } }"""
NOTIFICATIONS = """
query Q { myNotifications(first: 100) { nodes { kind ticketId message } } }"""


class Scenario:
    """One backend: two processes on one database, a world of users, the tickets."""

    def __init__(self, first: Server, second: Server) -> None:
        self.first, self.second = first, second
        self.world = TicketWorld.build(first)
        s = first
        calendar = s.admin(
            CALENDAR,
            {
                "input": {
                    "name": "24x7",
                    "timezone": "Asia/Shanghai",
                    "hours": [
                        {"weekday": d, "start": "00:00", "end": "24:00"} for d in range(1, 8)
                    ],
                }
            },
        )["createBusinessCalendar"]
        self.policy = s.admin(
            POLICY,
            {
                "input": {
                    "name": "Severity 1: respond in a minute, on site in two",
                    "severity": 1,
                    "responseMinutes": 1,
                    "onSiteMinutes": 2,
                    "warnBeforeMinutes": 1,
                    "calendarId": calendar["id"],
                    "escalateTo": ["ADMIN"],
                }
            },
        )["createSlaPolicy"]
        s.admin(SETTINGS, {"input": {"autoCloseAfterMinutes": 1}})
        w = self.world
        self.alone = w.new_ticket(severity=1)
        self.held = w.new_ticket(severity=1)
        self.acknowledged = w.advance(w.new_ticket(severity=1), "ACCEPTED")
        self.no_policy = w.new_ticket(severity=3)
        self.closing = w.advance(w.new_ticket(severity=2), "CLOSE_REQUESTED")

    def sla(self, ticket: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        return assert_ok(
            self.second.gql(SLA, {"id": ticket["id"]}, token or self.world.dispatcher.token)
        )["ticket"]

    async def run(self) -> None:
        w, s = self.world, self.second
        dispatcher = w.dispatcher.token
        async with Api(s) as api, live(s, dispatcher, label="board") as board:
            events = board.stream(TICKET_EVENTS, {"since": 0}, name="board")

            def sla_event(kind: str, ticket: dict[str, Any]) -> Any:
                return lambda e: e["type"] == kind and e["ticketId"] == ticket["id"]

            # The hold, by the dispatcher, right away; a second hold is a CONFLICT.
            held = await api.data(
                HOLD,
                {"id": self.held["id"], "reason": "WAITING_PARTS", "note": "ordered"},
                dispatcher,
            )
            assert held["holdTicket"]["onHold"]["reason"] == "WAITING_PARTS"
            assert held["holdTicket"]["version"] == self.held["version"] + 1
            assert_error(
                await api.gql(
                    HOLD, {"id": self.held["id"], "reason": "WAITING_CUSTOMER"}, dispatcher
                ),
                "CONFLICT",
            )
            self.sla_due_before_hold = self.sla(self.held)["sla"]["responseDueAt"]

            # Left alone: warned at once (warn 1 minute before a 1-minute target) ...
            await events.until(sla_event("SLA_WARNING", self.alone), within=15, what="warning")
            now = self.sla(self.alone)
            assert now["sla"]["state"] == "AT_RISK", now
            assert now["status"] == "NEW"
            # ... and breached when the minute is up, live, on the other process's board.
            await events.until(sla_event("SLA_BREACHED", self.alone), within=75, what="breach")
            # The close request went unanswered for the minute meanwhile.
            await events.until(
                sla_event("TICKET_AUTO_CLOSED", self.closing), within=15, what="auto close"
            )
            await asyncio.sleep(3)  # a few more ticks: nothing may be raised twice
            self.events = list(events.received)

    def check(self) -> None:
        w = self.world
        # A minute in: the response warned (at once) and missed, the on-site target
        # (two minutes, warned a minute before) warned; each once.
        raised = Counter(
            (e["type"], (e["data"] or {}).get("target"))
            for e in self.events
            if e["ticketId"] == self.alone["id"] and e["type"].startswith("SLA_")
        )
        assert raised == {
            ("SLA_WARNING", "RESPONSE"): 1,
            ("SLA_WARNING", "ON_SITE"): 1,
            ("SLA_BREACHED", "RESPONSE"): 1,
        }, raised
        alone = self.sla(self.alone)
        assert alone["sla"]["state"] == "BREACHED"
        assert alone["sla"]["breached"] == ["RESPONSE"]
        assert alone["sla"]["policy"]["id"] == self.policy["id"]
        warnings = [h for h in alone["history"] if h["type"] in ("SLA_WARNING", "SLA_BREACHED")]
        assert sorted(h["type"] for h in warnings) == ["SLA_BREACHED", "SLA_WARNING", "SLA_WARNING"]
        assert all(h["actor"] is None for h in warnings)
        # Staff only: the customer sees the ticket, not its SLA nor its SLA events.
        mine = self.sla(self.alone, w.customer_user.token)
        assert mine["sla"] is None
        assert not [h for h in mine["history"] if h["type"].startswith("SLA_")]

        # The board's at-risk column.
        risky = assert_ok(self.second.gql(AT_RISK, {"first": 100}, w.dispatcher.token))
        listed = {e["node"]["id"]: e["node"]["sla"]["state"] for e in risky["tickets"]["edges"]}
        assert listed[self.alone["id"]] == "BREACHED"
        assert self.no_policy["id"] not in listed
        assert_error(self.second.gql(AT_RISK, {"first": 5}, w.customer_user.token), "FORBIDDEN")

        # On hold since before its deadline: not breached, the pause counted.
        held = self.sla(self.held)
        assert held["sla"]["state"] in ("ON_TRACK", "AT_RISK"), held
        assert held["sla"]["breached"] == []
        assert held["sla"]["pausedMinutes"] >= 1
        resumed = assert_ok(self.second.gql(RESUME, {"id": self.held["id"]}, w.dispatcher.token))
        assert resumed["resumeTicket"]["onHold"] is None
        after = self.sla(self.held)["sla"]
        moved = datetime.fromisoformat(after["responseDueAt"]) - datetime.fromisoformat(
            self.sla_due_before_hold
        )
        assert moved.total_seconds() >= 60, (after, self.sla_due_before_hold)
        assert_error(
            self.second.gql(RESUME, {"id": self.held["id"]}, w.dispatcher.token), "CONFLICT"
        )

        # Acknowledged at once: the response met, on site at risk, nothing breached.
        acked = self.sla(self.acknowledged)["sla"]
        assert acked["respondedAt"] is not None
        assert acked["breached"] == []
        assert acked["state"] == "AT_RISK"

        assert self.sla(self.no_policy)["sla"] is None

        # Confirmed by rule, after a reminder to the customer at half the time.
        closing = self.sla(self.closing)
        assert closing["status"] == "CUSTOMER_CONFIRMED"
        assert closing["confirmedByRule"] is True
        auto = [h for h in closing["history"] if h["type"] == "TICKET_AUTO_CLOSED"]
        assert len(auto) == 1 and auto[0]["actor"] is None
        customer_notes = assert_ok(self.second.gql(NOTIFICATIONS, None, w.customer_user.token))
        about = Counter(
            n["kind"]
            for n in customer_notes["myNotifications"]["nodes"]
            if n["ticketId"] == self.closing["id"]
        )
        assert about["REMINDER"] == 1 and about["AUTO_CLOSED"] == 1, about
        office = assert_ok(self.second.gql(NOTIFICATIONS, None, w.back_office.token))
        assert any(
            n["kind"] == "AWAITING_FINAL_CONFIRMATION" and n["ticketId"] == self.closing["id"]
            for n in office["myNotifications"]["nodes"]
        )
        # The back office confirms finally, as after a customer's confirmation.
        closed = move_ok(self.second, w.back_office.token, "finalizeClose", self.closing["id"])
        assert closed["status"] == "CLOSED"

        # Notified exactly once each: the dispatcher, and the escalation role (ADMIN).
        for token in (w.dispatcher.token, self.first.admin_token):
            mine = assert_ok(self.second.gql(NOTIFICATIONS, None, token))["myNotifications"]
            got = Counter(n["kind"] for n in mine["nodes"] if n["ticketId"] == self.alone["id"])
            assert got["SLA_WARNING"] == 2 and got["SLA_BREACHED"] == 1, got

        # Both processes ran jobs; no job ran twice for one tick.
        runs = self.first.admin(JOB_RUNS, {"first": 100})["jobRuns"]["edges"]
        nodes = [e["node"] for e in runs]
        assert {n["process"] for n in nodes} and all(n["ok"] for n in nodes if n["finishedAt"])
        ticks = Counter((n["job"], n["dueAt"]) for n in nodes)
        assert max(ticks.values()) == 1, ticks
        assert any(n["job"] == "sla_clock" and n["processed"] > 0 for n in nodes)


@pytest.fixture(scope="module")
def scenarios(server_factory: Any) -> list[Scenario]:
    found = []
    for backend in BACKENDS:
        first = server_factory(backend, JOB_INTERVAL_SECONDS=1)
        second = server_factory(
            backend,
            DATABASE_URL=first.database_url,
            SECRET_KEY=first.secret_key,
            JOB_INTERVAL_SECONDS=1,
            BROADCAST_URL="memory://",
        )
        found.append(Scenario(first, second))
    return found


def test_the_service_runs_by_itself(scenarios: list[Scenario]) -> None:
    async def both() -> None:
        await asyncio.gather(*(s.run() for s in scenarios))

    asyncio.run(both())
    for scenario in scenarios:
        scenario.check()
