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
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from . import records_helpers as rh
from .client import Server, assert_error, assert_ok, unique_name
from .live_helpers import NOTIFICATIONS as NOTIFICATIONS_LIVE
from .live_helpers import TICKET_EVENTS, Api, live
from .ticket_helpers import TicketWorld, move_ok
from .ticket_helpers import dispatch as dispatch_to

pytestmark = pytest.mark.runs_long(90)

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
RUNS_OF_JOB = """
query Q($job: String, $after: String) { jobRuns(first: 100, job: $job, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { processed } } } }"""
JOB_RUNS = """
query Q($first: Int) { jobRuns(first: $first) { edges { node {
  job startedAt finishedAt ok processed detail process dueAt } } } }"""
UPDATE = """
mutation M($id: ID!, $input: UpdateTicketInput!, $expectedVersion: Int) {
  updateTicket(id: $id, input: $input, expectedVersion: $expectedVersion) {
    id version severity description
  }
}"""
DUE = """
query Q($first: Int, $before: Date) {
  maintenanceDue(first: $first, before: $before) {
    totalCount
    edges { node { device { id serialNumber lastMaintainedOn } dueOn ticket { id status } } }
  }
}"""
SCHEDULED = """
query Q($id: ID!) { ticket(id: $id) { id kind source status device { id } history { type actor { id } } } }"""
REMINDER = """
mutation M($input: ReminderInput!) { createReminder(input: $input) { id title dueAt repeat } }"""
COMPLETE = "mutation M($id: ID!) { completeReminder(id: $id) { id done } }"
REMINDERS = """
query Q { reminders(first: 100, includeDone: true) { edges { node {
  id title done nextAt deliveries users { id } roles ticket { id } } } } }"""
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
        # Maintained every 90 days, installed 85 days ago: due in 5 days, within the
        # 7 days' lead, so its ticket is made at the next tick.
        installed = (datetime.now(UTC) - timedelta(days=85)).date()
        self.maintained = rh.register_device(
            s,
            w.customer["id"],
            installedOn=installed.isoformat(),
            maintenanceIntervalDays=90,
        )
        self.maintenance_due = installed + timedelta(days=90)
        # Reminders: a one-off in a few seconds to an engineer and the back office about
        # a ticket, and a daily one whose first time has just passed.
        soon = datetime.now(UTC) + timedelta(seconds=3)
        self.reminder = s.data(
            REMINDER,
            {
                "input": {
                    "title": unique_name("call back"),
                    "dueAt": soon.isoformat(),
                    "userIds": [w.engineer.id],
                    "roles": ["BACK_OFFICE"],
                    "ticketId": self.alone["id"],
                }
            },
            w.dispatcher.token,
        )["createReminder"]
        self.daily_due = datetime.now(UTC) - timedelta(seconds=2)
        self.daily = s.data(
            REMINDER,
            {
                "input": {
                    "title": unique_name("stock count"),
                    "dueAt": self.daily_due.isoformat(),
                    "repeat": "DAILY",
                    "userIds": [w.dispatcher.id],
                }
            },
            w.back_office.token,
        )["createReminder"]

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
            # ... and breached when the minute is up, live, on the other process's board;
            # the close request went unanswered for the minute meanwhile (either first).
            awaited = {
                ("SLA_BREACHED", self.alone["id"]),
                ("TICKET_AUTO_CLOSED", self.closing["id"]),
            }

            def all_seen(event: dict[str, Any]) -> bool:
                awaited.discard((event["type"], event["ticketId"]))
                return not awaited

            await events.until(all_seen, within=80, what=f"{awaited}")
            await asyncio.sleep(3)  # a few more ticks: nothing may be raised twice
            self.events = list(events.received)

    def job_runs_of(self, job: str) -> list[dict[str, Any]]:
        """Every recorded run of `job`, newest first (all pages)."""
        found: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.first.admin(RUNS_OF_JOB, {"job": job, "after": after})["jobRuns"]
            found += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

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
        # Corrected to severity 1, it gets that policy's clock, counted from its creation;
        # corrected back, no policy applies and it has none.
        raised = self.second.data(
            UPDATE, {"id": self.no_policy["id"], "input": {"severity": 1}}, w.dispatcher.token
        )["updateTicket"]
        assert raised["severity"] == 1
        now_sla = self.sla(self.no_policy)
        assert now_sla["sla"]["policy"]["id"] == self.policy["id"]
        created = datetime.fromisoformat(self.no_policy["createdAt"])
        due = datetime.fromisoformat(now_sla["sla"]["responseDueAt"])
        assert abs((due - created).total_seconds() - 60) < 1, (created, due)
        assert [h["type"] for h in now_sla["history"]][-1] == "TICKET_UPDATED"
        self.second.data(
            UPDATE, {"id": self.no_policy["id"], "input": {"severity": 3}}, w.dispatcher.token
        )
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

        # The device's maintenance ticket appeared on its own, once, and the office knew.
        due = self.first.data(DUE, {"first": 100}, w.back_office.token)["maintenanceDue"]
        (entry,) = [
            e["node"] for e in due["edges"] if e["node"]["device"]["id"] == self.maintained["id"]
        ]
        assert entry["dueOn"] == self.maintenance_due.isoformat()
        assert entry["ticket"] is not None and entry["ticket"]["status"] == "NEW"
        scheduled = self.first.data(SCHEDULED, {"id": entry["ticket"]["id"]}, w.dispatcher.token)
        made = scheduled["ticket"]
        assert (made["kind"], made["source"]) == ("MAINTENANCE", "SCHEDULE")
        assert [(h["type"], h["actor"]) for h in made["history"]] == [("TICKET_CREATED", None)]
        office = assert_ok(self.second.gql(NOTIFICATIONS, None, w.back_office.token))
        told = [
            n
            for n in office["myNotifications"]["nodes"]
            if n["kind"] == "MAINTENANCE_DUE" and n["ticketId"] == made["id"]
        ]
        assert len(told) == 1, told
        assert_error(self.first.gql(DUE, {"first": 5}, w.engineer.token), "FORBIDDEN")
        # Done and closed: the device is maintained, its next maintenance 90 days on.
        w.advance({"id": made["id"], "status": "NEW"}, "CLOSED")
        due = self.first.data(DUE, {"first": 100}, w.back_office.token)["maintenanceDue"]
        (entry,) = [
            e["node"] for e in due["edges"] if e["node"]["device"]["id"] == self.maintained["id"]
        ]
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        assert entry["device"]["lastMaintainedOn"] == today.isoformat()
        assert entry["dueOn"] == (today + timedelta(days=90)).isoformat()
        assert entry["ticket"] is None

        # Reminders: delivered once each to every recipient, live with the rest.
        for token in (w.engineer.token, w.back_office.token):
            mine = assert_ok(self.second.gql(NOTIFICATIONS, None, token))["myNotifications"]
            got = [n for n in mine["nodes"] if n["message"] == self.reminder["title"]]
            assert len(got) == 1 and got[0]["kind"] == "REMINDER", got
            assert got[0]["ticketId"] == self.alone["id"]
        mine = assert_ok(self.second.gql(NOTIFICATIONS, None, w.dispatcher.token))
        daily = [n for n in mine["myNotifications"]["nodes"] if n["message"] == self.daily["title"]]
        assert len(daily) == 1, daily
        kept = {
            e["node"]["id"]: e["node"]
            for e in self.first.data(REMINDERS, None, w.dispatcher.token)["reminders"]["edges"]
        }
        one_off, repeating = kept[self.reminder["id"]], kept[self.daily["id"]]
        assert (one_off["deliveries"], one_off["nextAt"], one_off["done"]) == (1, None, False)
        assert repeating["deliveries"] == 1
        assert datetime.fromisoformat(repeating["nextAt"]) == self.daily_due + timedelta(days=1)
        # Completed by a recipient; a customer it is not addressed to finds nothing.
        assert_error(
            self.first.gql(COMPLETE, {"id": self.daily["id"]}, w.customer_user.token), "NOT_FOUND"
        )
        done = self.first.data(COMPLETE, {"id": self.reminder["id"]}, w.engineer.token)
        assert done["completeReminder"] == {"id": self.reminder["id"], "done": True}
        assert_error(self.first.gql(REMINDERS, None, w.engineer.token), "FORBIDDEN")

        # The job runner's health is on /metrics.
        exported = "".join(server.http.get("/metrics").text for server in (self.first, self.second))
        for name in (
            'aftersales_job_runs_total{job="sla_clock",outcome="ok"}',
            'aftersales_job_lag_seconds{job="sla_clock"}',
            'aftersales_job_processed_total{job="auto_close"}',
        ):
            assert name in exported, name

        # The runs come from the two server processes, all ended well, and no job ran
        # twice for one tick.
        runs = self.first.admin(JOB_RUNS, {"first": 100})["jobRuns"]["edges"]
        nodes = [e["node"] for e in runs]
        pids = {str(server.process.pid) for server in (self.first, self.second) if server.process}
        assert nodes and {n["process"].rsplit(":", 1)[1] for n in nodes} <= pids, nodes
        assert all(n["ok"] for n in nodes if n["finishedAt"])
        ticks = Counter((n["job"], n["dueAt"]) for n in nodes)
        assert max(ticks.values()) == 1, ticks
        # The runs that warned may be older than the newest hundred (a slow machine).
        assert any(run["processed"] > 0 for run in self.job_runs_of("sla_clock"))


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


# -- automatic dispatch -------------------------------------------------------------------

PROFILE = """
mutation M($userId: ID!, $input: EngineerProfileInput!) {
  setEngineerProfile(userId: $userId, input: $input) { userId skills onDuty maxOpenTickets }
}"""
RULE = """
mutation M($input: DispatchRuleInput!) {
  createDispatchRule(input: $input) { id name strategy priority active }
}"""
RULES = "query Q { dispatchRules { id name strategy priority active } }"
DISPATCHED = """
query Q($id: ID!) {
  ticket(id: $id) {
    id status version assignee { id } dispatchedBy { id } dispatchRule { id name }
    history { type actor { id } }
  }
}"""
CREATE = """
mutation M($input: CreateTicketInput!) { createTicket(input: $input) { id status version } }"""


def test_automatic_dispatch(scenarios: list[Scenario]) -> None:
    """Rules by priority and strategy; limits hold under concurrent creation; a decline
    goes to someone else or back to the dispatchers; a dispatcher can always override."""
    for scenario in scenarios:
        automatic_dispatch(scenario)


def automatic_dispatch(scenario: Scenario) -> None:
    s, w = scenario.first, scenario.world
    province = rh.create_region(s)
    city = rh.create_region(s, "CITY", province["id"])
    elsewhere = rh.create_region(s)
    customer = rh.create_customer(s, regionId=city["id"])
    customer_user = s.make_user("CUSTOMER", customer_id=customer["id"])
    near, far, off = (s.make_user("ENGINEER") for _ in range(3))
    pool = [s.make_user("ENGINEER") for _ in range(3)]
    limited = s.make_user("ENGINEER")

    def profile(user: Any, **fields: Any) -> dict[str, Any]:
        return s.admin(PROFILE, {"userId": user.id, "input": fields})["setEngineerProfile"]

    assert profile(near, regionIds=[province["id"]], maxOpenTickets=1) == {
        "userId": near.id,
        "skills": [],
        "onDuty": True,
        "maxOpenTickets": 1,
    }
    profile(far, regionIds=[elsewhere["id"]])
    profile(off, regionIds=[province["id"]], onDuty=False)
    for user in pool:
        profile(user, skills=["Acme"])
    profile(limited, maxOpenTickets=2)

    def rule(**fields: Any) -> dict[str, Any]:
        return s.admin(RULE, {"input": {"name": unique_name("rule"), **fields}})[
            "createDispatchRule"
        ]

    by_region = rule(
        priority=10, strategy="REGION_MATCH", severities=[1], regionIds=[province["id"]]
    )
    rotating = rule(
        priority=20,
        strategy="ROUND_ROBIN",
        severities=[4],
        engineerIds=[u.id for u in pool],
    )
    rule(priority=30, strategy="LEAST_LOADED", severities=[2], engineerIds=[limited.id])
    rule(priority=5, strategy="LEAST_LOADED", severities=[1], active=False)
    listed = s.data(RULES, None, w.dispatcher.token)["dispatchRules"]
    assert [r["id"] for r in listed if r["id"] == by_region["id"]]
    assert_error(
        s.gql(
            RULE,
            {"input": {"name": "x", "priority": 1, "strategy": "ROUND_ROBIN"}},
            w.dispatcher.token,
        ),
        "FORBIDDEN",
    )

    # A customer's fault in the rule's region goes to the engineer covering it, live.
    def report(severity: int, token: str | None = None) -> dict[str, Any]:
        payload = {
            "kind": "REPAIR",
            "customerId": customer["id"],
            "severity": severity,
            "description": unique_name("fault"),
        }
        return s.data(CREATE, {"input": payload}, token or customer_user.token)["createTicket"]

    async def reported_live() -> dict[str, Any]:
        async with live(scenario.second, near.token, label="phone") as phone:
            notes = phone.stream(NOTIFICATIONS_LIVE, {}, name="notifications")
            await asyncio.sleep(0.5)
            ticket = await asyncio.to_thread(report, 1)
            (note,) = [
                n
                for n in await notes.until(
                    lambda n: n["kind"] == "AUTO_DISPATCHED", within=10, what="dispatch"
                )
                if n["kind"] == "AUTO_DISPATCHED"
            ]
            assert note["ticketId"] == ticket["id"]
            return ticket

    first = asyncio.run(reported_live())
    assert first["status"] == "DISPATCHED" and first["version"] == 2
    seen = s.data(DISPATCHED, {"id": first["id"]}, w.dispatcher.token)["ticket"]
    assert seen["assignee"]["id"] == near.id
    assert seen["dispatchRule"] == {"id": by_region["id"], "name": by_region["name"]}
    assert seen["dispatchedBy"] is None
    dispatch = [h for h in seen["history"] if h["type"] == "TICKET_DISPATCHED"]
    assert len(dispatch) == 1 and dispatch[0]["actor"] is None
    # The customer sees its ticket dispatched, not the company's rules.
    theirs = s.data(DISPATCHED, {"id": first["id"]}, customer_user.token)["ticket"]
    assert theirs["status"] == "DISPATCHED" and theirs["dispatchRule"] is None

    # At its limit the near engineer gets no more; the off-duty and far ones never.
    second = report(1)
    assert second["status"] == "NEW"
    # Declined: no other engineer fits, so back to NEW for the dispatchers.
    declined = move_ok(s, near.token, "declineTicket", first["id"], reason="too far")
    assert declined["status"] == "NEW"
    # A dispatcher overrides: the rule is no longer named.
    manual = dispatch_to(s, w.dispatcher.token, second["id"], far.id)
    assert manual["status"] == "DISPATCHED"
    after = s.data(DISPATCHED, {"id": second["id"]}, w.dispatcher.token)["ticket"]
    assert after["dispatchRule"] is None and after["dispatchedBy"]["id"] == w.dispatcher.id

    # Round robin over its pool, in order, wrapping around.
    got = [
        s.data(DISPATCHED, {"id": report(4)["id"]}, w.dispatcher.token)["ticket"] for _ in range(4)
    ]
    assert [t["assignee"]["id"] for t in got] == [
        pool[0].id,
        pool[1].id,
        pool[2].id,
        pool[0].id,
    ]
    assert {t["dispatchRule"]["id"] for t in got} == {rotating["id"]}
    # Turned off, the rule dispatches nothing more.
    off_again = s.admin(
        "mutation M($id: ID!) { setDispatchRuleActive(id: $id, active: false) { id active } }",
        {"id": rotating["id"]},
    )["setDispatchRuleActive"]
    assert off_again == {"id": rotating["id"], "active": False}
    assert report(4)["status"] == "NEW"

    # Six created at once: the engineer limited to two gets exactly two.
    async def at_once() -> list[dict[str, Any]]:
        async with Api(s) as api:
            payload = {"kind": "REPAIR", "customerId": customer["id"], "severity": 2}
            return list(
                await asyncio.gather(
                    *(
                        api.data(
                            CREATE,
                            {"input": {**payload, "description": unique_name("rush")}},
                            w.dispatcher.token,
                        )
                        for _ in range(6)
                    )
                )
            )

    made = [r["createTicket"] for r in asyncio.run(at_once())]
    assert sorted(t["status"] for t in made) == ["DISPATCHED"] * 2 + ["NEW"] * 4, made
