"""Tickets end to end over HTTP, on both backends: the lifecycle from NEW to CLOSED
with every field each move sets and the history it leaves; every move's refusals
(role, state, stale version, someone else's or an invisible ticket) and that a
refused move writes nothing (version, history, audit log); creation and its rules;
idempotency keys; who sees which ticket in lists, filters and pages; kind
restrictions; the notifications the moves leave in `myNotifications`.

Subscriptions are tested elsewhere. One `TicketWorld` (see `ticket_helpers`) per
backend, plus `others`: a second agent with its own customer, device, CUSTOMER and
AGENT users, and a third engineer, none of whom may see the world's tickets. Every
test makes its own tickets; lists are narrowed by a unique word in the descriptions,
since the database is shared."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from . import records_helpers as rh
from . import ticket_helpers as th
from .client import Server, UserHandle, assert_error, assert_ok, unique_name
from .ticket_helpers import TicketWorld, move, move_ok

BAD, CONFLICT, FORBIDDEN, NOT_FOUND = "BAD_USER_INPUT", "CONFLICT", "FORBIDDEN", "NOT_FOUND"


@dataclass
class Others:
    """People and records the world's tickets are invisible to."""

    agent: dict[str, Any]
    customer: dict[str, Any]
    device: dict[str, Any]
    customer_user: UserHandle
    agent_user: UserHandle
    engineer: UserHandle


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


@pytest.fixture(scope="module")
def others(server: Server) -> Others:
    agent = rh.create_agent(server)
    customer = rh.create_customer(server, agentId=agent["id"])
    return Others(
        agent=agent,
        customer=customer,
        device=rh.register_device(server, customer["id"]),
        customer_user=server.make_user("CUSTOMER", customer_id=customer["id"]),
        agent_user=server.make_user("AGENT", agent_id=agent["id"]),
        engineer=server.make_user("ENGINEER"),
    )


# -- helpers -----------------------------------------------------------------------


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def audit_entries(server: Server, ticket_id: str) -> list[dict[str, Any]]:
    """The audit entries naming the ticket, newest first."""
    variables = {"first": 100, "filter": {"recordId": ticket_id}}
    return server.admin(rh.AUDIT_LOG, variables)["auditLog"]["nodes"]


@dataclass(frozen=True)
class Trace:
    """What a move leaves behind: the ticket's status and version, its history, the
    audit entries naming it."""

    status: str
    version: int
    events: tuple[str, ...]
    audits: int


def trace(server: Server, ticket_id: str) -> Trace:
    full = th.get_ticket(server, server.admin_token, ticket_id)
    return Trace(
        full["status"],
        full["version"],
        tuple(e["type"] for e in full["history"]),
        len(audit_entries(server, ticket_id)),
    )


def assert_conflict(response: dict[str, Any], status: str, version: int) -> None:
    error = assert_error(response, CONFLICT)
    extensions = error["extensions"]
    assert (extensions.get("currentStatus"), extensions.get("currentVersion")) == (
        status,
        version,
    ), error


def notes_about(
    server: Server, user: UserHandle, ticket_id: str, *, unhandled_only: bool = False
) -> list[dict[str, Any]]:
    """The user's notifications about one ticket, newest first (`ticketId` names it even
    when the user may no longer see the ticket)."""
    return [
        n
        for n in th.notifications(server, user.token, unhandled_only=unhandled_only)
        if n["ticketId"] == ticket_id
    ]


def kinds_of(notes: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    return [(n["kind"], n["handled"]) for n in notes]


# -- the happy path ----------------------------------------------------------------


def test_happy_path_from_new_to_closed(server: Server, world: TicketWorld) -> None:
    s, disp, eng = server, world.dispatcher, world.engineer
    created = th.create_ticket(
        s,
        disp.token,
        world.customer["id"],
        "REPAIR",
        device_id=world.device["id"],
        severity=2,
        description="Belt slipping on line 2",
        contact_name="Wang Wei",
        contact_phone="0571-88886666",
        source="PHONE",
        remote_diagnosis="Belt tension?",
    )
    tid = created["id"]
    assert (created["status"], created["version"], created["kind"]) == ("NEW", 1, "REPAIR")
    assert (created["severity"], created["source"]) == (2, "PHONE")
    assert (created["contactName"], created["contactPhone"]) == ("Wang Wei", "0571-88886666")
    assert created["remoteDiagnosis"] == "Belt tension?"
    assert created["customer"]["id"] == world.customer["id"]
    assert created["device"]["id"] == world.device["id"]
    assert created["underWarranty"] is True  # the world's device is under warranty
    assert created["assignee"] is None and created["dispatchedBy"] is None
    for name in ("dispatchedAt", "acceptedAt", "startedAt", "closeRequestedAt", "closedAt"):
        assert created[name] is None, name

    dispatched = th.dispatch(
        s, disp.token, tid, eng.id, note="Bring a spare belt", expected_version=1
    )
    assert (dispatched["status"], dispatched["version"]) == ("DISPATCHED", 2)
    assert dispatched["assignee"] == {"id": eng.id}
    assert dispatched["dispatchedBy"] == {"id": disp.id}
    assert dispatched["dispatchNote"] == "Bring a spare belt"
    assert when(dispatched["dispatchedAt"]) >= when(created["createdAt"])
    assert dispatched["acceptedAt"] is None

    accepted = move_ok(s, eng.token, "acknowledgeTicket", tid, expected_version=2)
    assert (accepted["status"], accepted["version"]) == ("ACCEPTED", 3)
    assert when(accepted["acceptedAt"]) >= when(dispatched["dispatchedAt"])
    assert accepted["startedAt"] is None

    started = move_ok(
        s, eng.token, "checkIn", tid, latitude=30.25, longitude=120.17, note="At the gate"
    )
    assert (started["status"], started["version"]) == ("IN_PROGRESS", 4)
    assert when(started["startedAt"]) >= when(accepted["acceptedAt"])

    begin = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    work = {
        "startedAt": begin.isoformat(),
        "endedAt": (begin + timedelta(hours=3)).isoformat(),
        "details": "Replaced the drive belt, tensioned, ran 30 min",
        "method": "ON_SITE",
        "place": "Line 2",
        "issuesLeft": "Bearing noise, watch it",
    }
    recorded = move_ok(s, eng.token, "addWorkRecord", tid, input=work, expected_version=4)
    assert (recorded["status"], recorded["version"]) == ("IN_PROGRESS", 5)

    requested = move_ok(s, eng.token, "requestClose", tid, summary="Belt replaced, runs fine")
    assert (requested["status"], requested["version"]) == ("CLOSE_REQUESTED", 6)
    assert requested["closeSummary"] == "Belt replaced, runs fine"
    assert when(requested["closeRequestedAt"]) >= when(started["startedAt"])

    rating = {"communication": 4, "quality": 5, "solved": True, "comment": "Quick and tidy"}
    confirmed = move_ok(s, world.customer_user.token, "confirmClose", tid, rating=rating)
    assert (confirmed["status"], confirmed["version"]) == ("CUSTOMER_CONFIRMED", 7)
    assert when(confirmed["confirmedAt"]) >= when(requested["closeRequestedAt"])

    closed = move_ok(s, world.back_office.token, "finalizeClose", tid, expected_version=7)
    assert (closed["status"], closed["version"]) == ("CLOSED", 8)
    assert when(closed["closedAt"]) >= when(confirmed["confirmedAt"])
    assert closed["assignee"] == {"id": eng.id}  # who did the work stays on the ticket

    full = th.get_ticket(s, disp.token, tid)
    assert [(c["latitude"], c["longitude"], c["note"]) for c in full["checkIns"]] == [
        (30.25, 120.17, "At the gate")
    ]
    assert all(c["engineer"] == {"id": eng.id} for c in full["checkIns"])
    (record,) = full["workRecords"]
    assert when(record["startedAt"]) == begin
    assert when(record["endedAt"]) == begin + timedelta(hours=3)
    assert {k: record[k] for k in ("details", "method", "place", "issuesLeft")} == {
        k: work[k] for k in ("details", "method", "place", "issuesLeft")
    }
    assert record["engineer"] == {"id": eng.id}
    assert full["rating"] == {
        "communication": 4,
        "quality": 5,
        "solved": True,
        "comment": "Quick and tidy",
        "at": confirmed["confirmedAt"],
        "onBehalfOfCustomer": False,
        "ratedBy": {"id": world.customer_user.id},
    }

    history = full["history"]
    expected = [
        ("TICKET_CREATED", disp.id, "NEW"),
        ("TICKET_DISPATCHED", disp.id, "DISPATCHED"),
        ("TICKET_ACKNOWLEDGED", eng.id, "ACCEPTED"),
        ("TICKET_CHECKED_IN", eng.id, "IN_PROGRESS"),
        ("TICKET_WORK_RECORDED", eng.id, "IN_PROGRESS"),
        ("TICKET_CLOSE_REQUESTED", eng.id, "CLOSE_REQUESTED"),
        ("TICKET_CLOSE_CONFIRMED", world.customer_user.id, "CUSTOMER_CONFIRMED"),
        ("TICKET_CLOSED", world.back_office.id, "CLOSED"),
    ]
    assert [(e["type"], e["actor"]["id"], e["ticket"]["status"]) for e in history] == expected
    assert [e["ticket"]["version"] for e in history] == list(range(1, 9))
    assert all(e["ticket"]["id"] == tid for e in history)
    sequences = [e["sequence"] for e in history]
    assert sequences == sorted(set(sequences)), sequences
    times = [when(e["at"]) for e in history]
    assert times == sorted(times), times
    assert times[0] >= when(created["createdAt"]) - timedelta(seconds=1)
    assert times[-1] <= when(closed["closedAt"]) + timedelta(seconds=1)
    assert history[0]["actor"]["username"] == disp.username
    assert history[1]["data"].get("note") == "Bring a spare belt"
    assert history[1]["ticket"]["assignee"] == {"id": eng.id}
    assert (history[3]["data"]["latitude"], history[3]["data"]["longitude"]) == (30.25, 120.17)
    assert history[5]["data"].get("summary") == "Belt replaced, runs fine"

    # Everyone involved reads the same history; customers and agents see staff accounts
    # as id and name only.
    for user in (eng, world.back_office):
        assert th.get_ticket(s, user.token, tid)["history"] == history
    portal_view = [{**e, "actor": {**e["actor"], "username": None}} for e in history]
    for user in (world.customer_user, world.agent_user):
        seen = th.get_ticket(s, user.token, tid)["history"]
        assert seen == [
            {**e, "actor": {**e["actor"], "username": o["actor"]["username"]}}
            if e["actor"]["id"] == user.id
            else e
            for e, o in zip(portal_view, history, strict=True)
        ]
    # One audit entry per change, naming the operation and its actor.
    entries = audit_entries(s, tid)
    assert [(e["operation"], e["actor"]["id"]) for e in reversed(entries)] == [
        ("createTicket", disp.id),
        ("dispatchTicket", disp.id),
        ("acknowledgeTicket", eng.id),
        ("checkIn", eng.id),
        ("addWorkRecord", eng.id),
        ("requestClose", eng.id),
        ("confirmClose", world.customer_user.id),
        ("finalizeClose", world.back_office.id),
    ]


def test_a_later_check_in_is_a_change(server: Server, world: TicketWorld) -> None:
    s, eng = server, world.engineer
    started = world.advance(world.new_ticket(), "IN_PROGRESS")
    tid = started["id"]
    again = move_ok(s, eng.token, "checkIn", tid, latitude=-33.5, longitude=-70.25, note="Day 2")
    full = th.get_ticket(s, s.admin_token, tid)
    # Recorded, the status stays, the start does not move...
    assert [(c["latitude"], c["longitude"]) for c in full["checkIns"]][-1] == (-33.5, -70.25)
    assert (again["status"], again["startedAt"]) == ("IN_PROGRESS", started["startedAt"])
    assert [e["type"] for e in full["history"]][-2:] == ["TICKET_CHECKED_IN"] * 2
    # ... and, like every change, it bumps the version by one.
    assert again["version"] == started["version"] + 1
    assert [e["ticket"]["version"] for e in full["history"]] == [1, 2, 3, 4, 5]


def test_every_diagnosis_event_has_its_own_version(server: Server, world: TicketWorld) -> None:
    s, disp = server, world.dispatcher.token
    tid = world.new_ticket()["id"]
    first = move_ok(s, disp, "setRemoteDiagnosis", tid, diagnosis="Worn belt")
    second = move_ok(s, disp, "setRemoteDiagnosis", tid, diagnosis="Worn belt")
    versions = [e["ticket"]["version"] for e in th.get_ticket(s, disp, tid)["history"]]
    # Either the repeat is no change at all (no event) or it is one (a new version).
    assert len(versions) == len(set(versions)), versions
    assert second["version"] in (first["version"], first["version"] + 1)


# -- every move's refusals ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    mutation: str
    source: str  # a status the move is made from (the world's engineer assigned)
    actor: str  # the TicketWorld attribute of who makes it
    target: str
    event: str
    forbidden: tuple[str, ...]  # who sees the ticket but may never make the move
    wrong_state: str  # a status the move is refused in
    args: dict[str, Any] = field(default_factory=dict)


ENGINEER_ONLY = ("dispatcher", "back_office", "customer_user", "agent_user", "admin")
NOT_STAFF = ("engineer", "customer_user", "agent_user")
CASES = [
    Case("dispatchTicket", "DISPATCHED", "dispatcher", "DISPATCHED", "TICKET_REASSIGNED",
         NOT_STAFF, "CLOSE_REQUESTED"),
    Case("acknowledgeTicket", "DISPATCHED", "engineer", "ACCEPTED", "TICKET_ACKNOWLEDGED",
         ENGINEER_ONLY, "ACCEPTED"),
    Case("declineTicket", "DISPATCHED", "engineer", "NEW", "TICKET_DECLINED",
         ENGINEER_ONLY, "IN_PROGRESS", {"reason": "Out of my region"}),
    Case("checkIn", "ACCEPTED", "engineer", "IN_PROGRESS", "TICKET_CHECKED_IN",
         ENGINEER_ONLY, "DISPATCHED"),
    Case("addWorkRecord", "IN_PROGRESS", "engineer", "IN_PROGRESS", "TICKET_WORK_RECORDED",
         ENGINEER_ONLY, "ACCEPTED"),
    Case("requestClose", "IN_PROGRESS", "engineer", "CLOSE_REQUESTED", "TICKET_CLOSE_REQUESTED",
         ENGINEER_ONLY, "ACCEPTED"),
    # The world's customer has an account: staff may not decide for it.
    Case("confirmClose", "CLOSE_REQUESTED", "customer_user", "CUSTOMER_CONFIRMED",
         "TICKET_CLOSE_CONFIRMED", ("engineer", "agent_user", "dispatcher", "back_office",
                                    "admin"), "IN_PROGRESS"),
    Case("rejectClose", "CLOSE_REQUESTED", "customer_user", "IN_PROGRESS",
         "TICKET_CLOSE_REJECTED", ("engineer", "agent_user", "dispatcher", "back_office",
                                   "admin"), "CUSTOMER_CONFIRMED", {"reason": "Still noisy"}),
    Case("finalizeClose", "CUSTOMER_CONFIRMED", "back_office", "CLOSED", "TICKET_CLOSED",
         ("dispatcher", *NOT_STAFF), "CLOSE_REQUESTED"),
    Case("cancelTicket", "ACCEPTED", "dispatcher", "CANCELLED", "TICKET_CANCELLED",
         NOT_STAFF, "CLOSED", {"reason": "Customer sold the line"}),
    Case("setRemoteDiagnosis", "DISPATCHED", "dispatcher", "DISPATCHED", "TICKET_DIAGNOSED",
         NOT_STAFF, "CLOSED", {"diagnosis": "Worn belt, per the photos"}),
]  # fmt: skip


def token_of(server: Server, world: TicketWorld, who: str) -> str:
    return server.admin_token if who == "admin" else getattr(world, who).token  # type: ignore[return-value]


@pytest.mark.parametrize("case", CASES, ids=[c.mutation for c in CASES])
def test_move_refusals_change_nothing(
    server: Server, world: TicketWorld, others: Others, case: Case
) -> None:
    s = server
    args = dict(case.args)
    if case.mutation == "dispatchTicket":
        args["engineer_id"] = world.engineer2.id
    ticket = world.advance(world.new_ticket(), case.source)
    tid, version = ticket["id"], ticket["version"]
    before = trace(s, tid)
    assert (before.status, before.version) == (case.source, version)

    def attempt(token: str | None, **extra: Any) -> dict[str, Any]:
        return move(s, token, case.mutation, tid, **{**args, **extra})

    for who in case.forbidden:
        assert_error(attempt(token_of(s, world, who)), FORBIDDEN)
    # Someone who cannot see the ticket: not even its existence is told.
    for user in (others.engineer, others.customer_user, others.agent_user):
        assert_error(attempt(user.token), NOT_FOUND)
    if case.actor != "engineer":
        assert_error(attempt(world.engineer2.token), NOT_FOUND)  # never assigned
    actor = token_of(s, world, case.actor)
    for stale in (version - 1, version + 1):
        assert_conflict(attempt(actor, expected_version=stale), case.source, version)
    assert trace(s, tid) == before, "a refused move changed the ticket or wrote an audit entry"

    done = assert_ok(attempt(actor, expected_version=version))[case.mutation]
    assert (done["id"], done["status"], done["version"]) == (tid, case.target, version + 1)
    after = trace(s, tid)
    assert after.events == (*before.events, case.event)
    assert after.audits == before.audits + 1
    (entry, *_) = audit_entries(s, tid)
    assert entry["operation"] == case.mutation
    assert entry["actor"]["id"] == (
        s.admin_id if case.actor == "admin" else getattr(world, case.actor).id
    )

    if case.mutation == "declineTicket":
        assert done["assignee"] is None  # back to the pool
        assert_error(th.get_ticket_response(s, world.engineer.token, tid), NOT_FOUND)
        last = th.get_ticket(s, world.dispatcher.token, tid)["history"][-1]
        assert last["data"].get("reason") == "Out of my region"
    elif case.mutation == "dispatchTicket":
        assert done["assignee"] == {"id": world.engineer2.id}
    elif case.mutation == "cancelTicket":
        assert done["cancelReason"] == "Customer sold the line" and done["cancelledAt"]
    elif case.mutation == "setRemoteDiagnosis":
        assert done["remoteDiagnosis"] == "Worn belt, per the photos"

    # The right actor, the wrong state: CONFLICT with the current state.
    other = world.advance(world.new_ticket(), case.wrong_state)
    before = trace(s, other["id"])
    response = move(s, actor, case.mutation, other["id"], **args)
    assert_conflict(response, case.wrong_state, other["version"])
    assert trace(s, other["id"]) == before


def test_reassigned_away_engineer_gets_conflict(server: Server, world: TicketWorld) -> None:
    s, eng, eng2 = server, world.engineer, world.engineer2
    ticket = world.advance(world.new_ticket(), "ACCEPTED")
    tid = ticket["id"]
    moved = th.dispatch(s, world.dispatcher.token, tid, eng2.id, expected_version=3)
    assert (moved["status"], moved["version"]) == ("DISPATCHED", 4)
    assert moved["assignee"] == {"id": eng2.id}
    assert moved["acceptedAt"] is None  # the new engineer has not accepted yet
    last = th.get_ticket(s, world.dispatcher.token, tid)["history"][-1]
    assert last["type"] == "TICKET_REASSIGNED"
    assert last["ticket"]["assignee"] == {"id": eng2.id}

    before = trace(s, tid)
    for mutation in ("acknowledgeTicket", "declineTicket", "checkIn", "requestClose"):
        assert_conflict(move(s, eng.token, mutation, tid), "DISPATCHED", 4)
    assert_error(th.get_ticket_response(s, eng.token, tid), NOT_FOUND)
    assert tid not in th.ticket_ids(th.list_tickets(s, eng.token, search=ticket["number"]))
    assert trace(s, tid) == before

    world.advance(moved, "IN_PROGRESS", engineer=eng2)
    for mutation in ("checkIn", "addWorkRecord", "requestClose"):
        assert_conflict(move(s, eng.token, mutation, tid), "IN_PROGRESS", 6)
    # The new engineer finishes the job.
    assert move_ok(s, eng2.token, "requestClose", tid)["status"] == "CLOSE_REQUESTED"


def test_cancel_from_every_open_state_never_from_closed_or_cancelled(
    server: Server, world: TicketWorld
) -> None:
    s = server
    for status in (
        "NEW",
        "DISPATCHED",
        "ACCEPTED",
        "IN_PROGRESS",
        "CLOSE_REQUESTED",
        "CUSTOMER_CONFIRMED",
    ):
        ticket = world.new_ticket()
        if status != "NEW":
            ticket = world.advance(ticket, status)
        cancelled = move_ok(
            s, world.dispatcher.token, "cancelTicket", ticket["id"], reason=f"from {status}"
        )
        assert (cancelled["status"], cancelled["version"]) == ("CANCELLED", ticket["version"] + 1)
        assert cancelled["cancelReason"] == f"from {status}"
        # Nothing moves a cancelled ticket any more.
        for token in (s.admin_token, world.back_office.token):
            assert_conflict(
                move(s, token, "cancelTicket", ticket["id"]), "CANCELLED", cancelled["version"]
            )
        assert_conflict(
            th.move(
                s,
                world.dispatcher.token,
                "dispatchTicket",
                ticket["id"],
                engineer_id=world.engineer2.id,
            ),
            "CANCELLED",
            cancelled["version"],
        )
    closed = world.advance(world.new_ticket(), "CLOSED")
    assert_conflict(move(s, s.admin_token, "cancelTicket", closed["id"]), "CLOSED", 7)


def test_reject_returns_to_in_progress_and_the_engineer_may_ask_again(
    server: Server, world: TicketWorld
) -> None:
    s, eng = server, world.engineer
    ticket = world.advance(world.new_ticket(), "CLOSE_REQUESTED")
    tid = ticket["id"]
    rejected = move_ok(s, world.customer_user.token, "rejectClose", tid, reason="Still noisy")
    assert (rejected["status"], rejected["version"]) == ("IN_PROGRESS", 6)
    assert rejected["assignee"] == {"id": eng.id}
    assert rejected["closeRequestedAt"] is None
    last = th.get_ticket(s, eng.token, tid)["history"][-1]
    assert (last["type"], last["actor"]["id"]) == ("TICKET_CLOSE_REJECTED", world.customer_user.id)
    assert last["data"].get("reason") == "Still noisy"
    again = move_ok(s, eng.token, "requestClose", tid, summary="Bearing replaced too")
    assert (again["status"], again["version"], again["closeSummary"]) == (
        "CLOSE_REQUESTED",
        7,
        "Bearing replaced too",
    )


def test_staff_decide_for_a_customer_without_an_account(server: Server, world: TicketWorld) -> None:
    s = server
    lone = rh.create_customer(s)  # nobody logs in for it
    disabled = rh.create_customer(s)  # its only account is disabled
    gone = s.make_user("CUSTOMER", customer_id=disabled["id"])
    s.admin("mutation M($id: ID!) { disableUser(id: $id) { id enabled } }", {"id": gone.id})

    def close_requested(customer: dict[str, Any]) -> dict[str, Any]:
        created = th.create_ticket(s, world.dispatcher.token, customer["id"])
        return world.advance(created, "CLOSE_REQUESTED")

    for customer in (lone, disabled):
        tid = close_requested(customer)["id"]
        rating = {"communication": 3, "quality": 4, "solved": False, "comment": "by phone"}
        done = move_ok(s, world.dispatcher.token, "confirmClose", tid, rating=rating)
        assert (done["status"], done["version"]) == ("CUSTOMER_CONFIRMED", 6)
        full = th.get_ticket(s, s.admin_token, tid)
        assert full["rating"]["onBehalfOfCustomer"] is True
        assert full["rating"]["ratedBy"] == {"id": world.dispatcher.id}
        assert (full["rating"]["communication"], full["rating"]["solved"]) == (3, False)
        assert full["history"][-1]["data"].get("onBehalfOfCustomer") is True
    assert_error(move(s, gone.token, "confirmClose", tid), "UNAUTHENTICATED")

    tid = close_requested(lone)["id"]
    rejected = move_ok(s, world.back_office.token, "rejectClose", tid, reason="Customer called")
    assert rejected["status"] == "IN_PROGRESS"
    assert (
        th.get_ticket(s, s.admin_token, tid)["history"][-1]["data"].get("onBehalfOfCustomer")
        is True
    )

    # The world's customer has an account: it decides, staff may not.
    tid = world.advance(world.new_ticket(), "CLOSE_REQUESTED")["id"]
    for token in (world.dispatcher.token, world.back_office.token, s.admin_token):
        assert_error(move(s, token, "confirmClose", tid), FORBIDDEN)
        assert_error(move(s, token, "rejectClose", tid), FORBIDDEN)
    done = move_ok(s, world.customer_user.token, "confirmClose", tid)
    assert done["status"] == "CUSTOMER_CONFIRMED"
    rating = th.get_ticket(s, world.customer_user.token, tid)["rating"]
    assert rating["onBehalfOfCustomer"] is False
    assert rating["ratedBy"] == {"id": world.customer_user.id}


def test_confirm_rating_is_validated(server: Server, world: TicketWorld) -> None:
    s = server
    tid = world.advance(world.new_ticket(), "CLOSE_REQUESTED")["id"]
    before = trace(s, tid)
    for field_name, bad in (
        ("communication", 0),
        ("communication", 6),
        ("quality", 0),
        ("quality", 6),
    ):
        rating = {"communication": 3, "quality": 3, "solved": True, field_name: bad}
        response = move(s, world.customer_user.token, "confirmClose", tid, rating=rating)
        assert_error(response, BAD, field=f"rating.{field_name}")
    assert trace(s, tid) == before


# -- refused moves that pass the state checks --------------------------------------


def test_refusals_inside_a_move_write_nothing(
    server: Server, world: TicketWorld, others: Others
) -> None:
    s, disp = server, world.dispatcher.token
    ticket = world.advance(world.new_ticket(), "DISPATCHED")
    tid = ticket["id"]
    before = trace(s, tid)
    # The same engineer again, a non-engineer, a disabled engineer.
    assert_error(
        th.move(s, disp, "dispatchTicket", tid, engineer_id=world.engineer.id),
        BAD,
        field="engineerId",
    )
    assert_error(
        th.move(s, disp, "dispatchTicket", tid, engineer_id=world.back_office.id),
        BAD,
        field="engineerId",
    )
    retired = s.make_user("ENGINEER")
    s.admin("mutation M($id: ID!) { disableUser(id: $id) { id } }", {"id": retired.id})
    assert_error(
        th.move(s, disp, "dispatchTicket", tid, engineer_id=retired.id), BAD, field="engineerId"
    )
    # Bad arguments.
    eng = world.engineer.token
    assert_error(move(s, eng, "declineTicket", tid, reason="   "), BAD, field="reason")
    assert_error(move(s, disp, "cancelTicket", tid, reason=""), BAD, field="reason")
    assert_error(move(s, eng, "acknowledgeTicket", tid, expected_version=0), BAD)
    assert trace(s, tid) == before
    assert kinds_of(notes_about(s, world.engineer, tid)) == [("DISPATCHED", False)]
    assert notes_about(s, world.engineer2, tid) == []

    accepted = move_ok(s, eng, "acknowledgeTicket", tid)
    before = trace(s, tid)
    for lat, lon, name in ((91, 0, "latitude"), (-90.5, 0, "latitude"), (0, 181, "longitude")):
        response = move(s, eng, "checkIn", tid, latitude=lat, longitude=lon)
        assert_error(response, BAD, field=name)
    assert trace(s, tid) == before
    move_ok(s, eng, "checkIn", tid)
    before = trace(s, tid)
    start = datetime(2026, 3, 2, 10, tzinfo=UTC)
    backwards = {
        "startedAt": start.isoformat(),
        "endedAt": (start - timedelta(minutes=1)).isoformat(),
        "details": "x",
    }
    assert_error(move(s, eng, "addWorkRecord", tid, input=backwards), BAD, field="endedAt")
    blank = {**backwards, "endedAt": start.isoformat(), "details": "  "}
    assert_error(move(s, eng, "addWorkRecord", tid, input=blank), BAD, field="details")
    assert_error(move(s, eng, "requestClose", tid, summary=" "), BAD, field="summary")
    assert trace(s, tid) == before
    assert accepted["version"] == 3


# -- creation ----------------------------------------------------------------------


NUMBER = re.compile(r"^T-(\d{4})-(\d{6})$")


def test_create_ticket_defaults_and_number(server: Server, world: TicketWorld) -> None:
    s = server
    first = th.create_ticket(s, world.dispatcher.token, world.customer["id"], "MAINTENANCE")
    second = th.create_ticket(s, world.back_office.token, world.customer["id"], "INSTALLATION")
    for ticket in (first, second):
        match = NUMBER.match(ticket["number"] or "")
        assert match, ticket["number"]
        assert int(match.group(1)) == when(ticket["createdAt"]).year
        assert (ticket["status"], ticket["version"], ticket["severity"]) == ("NEW", 1, 3)
        assert ticket["source"] == "PHONE"  # staff take faults by phone
        assert ticket["device"] is None and ticket["underWarranty"] is False
    assert first["number"] != second["number"]
    assert (first["kind"], second["kind"]) == ("MAINTENANCE", "INSTALLATION")
    history = th.get_ticket(s, s.admin_token, first["id"])["history"]
    assert [(e["type"], e["actor"]["id"]) for e in history] == [
        ("TICKET_CREATED", world.dispatcher.id)
    ]
    # Searching by number finds exactly that ticket.
    page = th.list_tickets(s, s.admin_token, search=first["number"])
    assert th.ticket_ids(page) == [first["id"]]


def test_create_ticket_validation(server: Server, world: TicketWorld, others: Others) -> None:
    s, token, cid = server, world.dispatcher.token, world.customer["id"]
    marker = unique_name("invalid")
    for severity in (0, 5, -1):
        response = th.create_ticket_response(
            s, token, cid, severity=severity, description=f"{marker} sev"
        )
        assert_error(response, BAD, field="severity")
    for blank in ("", "   "):
        assert_error(
            th.create_ticket_response(s, token, cid, description=blank), BAD, field="description"
        )
    response = th.create_ticket_response(
        s, token, cid, device_id=others.device["id"], description=f"{marker} device"
    )
    assert_error(response, NOT_FOUND, field="deviceId")
    deleted = rh.create_customer(s)
    rh.delete_customer(s, deleted["id"])
    response = th.create_ticket_response(s, token, deleted["id"], description=f"{marker} del")
    assert_error(response, BAD, field="customerId")
    dead_device = rh.register_device(s, cid)
    s.admin(rh.DELETE_DEVICE, {"id": dead_device["id"]})
    response = th.create_ticket_response(
        s, token, cid, device_id=dead_device["id"], description=f"{marker} dead device"
    )
    assert_error(response, NOT_FOUND, field="deviceId")
    assert th.list_tickets(s, s.admin_token, search=marker)["totalCount"] == 0
    for severity in (1, 4):
        ticket = th.create_ticket(s, token, cid, severity=severity)
        assert ticket["severity"] == severity


def test_who_may_create_which_ticket(server: Server, world: TicketWorld, others: Others) -> None:
    s, cid, did = server, world.customer["id"], world.device["id"]
    cust, agent = world.customer_user.token, world.agent_user.token
    mine = th.create_ticket(s, cust, cid, "REPAIR", device_id=did)
    assert (mine["source"], mine["status"], mine["underWarranty"]) == ("PORTAL", "NEW", True)
    theirs = th.create_ticket(s, agent, cid, "REPAIR")
    assert theirs["source"] == "AGENT"
    for token in (cust, agent):
        for kind in ("MAINTENANCE", "INSTALLATION"):
            assert_error(th.create_ticket_response(s, token, cid, kind), FORBIDDEN)
        # Someone else's customer, or someone else's device.
        assert_error(th.create_ticket_response(s, token, others.customer["id"]), NOT_FOUND)
        response = th.create_ticket_response(s, token, cid, device_id=others.device["id"])
        assert_error(response, NOT_FOUND)
        # Only staff set the source, the remote diagnosis, the warranty flag.
        for extra in ({"source": "PHONE"}, {"remote_diagnosis": "x"}, {"under_warranty": False}):
            assert_error(th.create_ticket_response(s, token, cid, **extra), FORBIDDEN)
    for kind in ("REPAIR", "MAINTENANCE"):
        assert_error(th.create_ticket_response(s, world.engineer.token, cid, kind), FORBIDDEN)
    for token in (world.back_office.token, s.admin_token, world.dispatcher.token):
        assert th.create_ticket(s, token, others.customer["id"], "INSTALLATION")["kind"] == (
            "INSTALLATION"
        )


def test_under_warranty_follows_the_device(server: Server, world: TicketWorld) -> None:
    s, token, cid = server, world.dispatcher.token, world.customer["id"]
    today = date.today()
    devices = {
        "future": rh.register_device(s, cid, warrantyEndsOn=str(today + timedelta(days=30))),
        "past": rh.register_device(s, cid, warrantyEndsOn=str(today - timedelta(days=2))),
        "none": rh.register_device(s, cid),
    }
    expected = {"future": True, "past": False, "none": False}
    for name, device in devices.items():
        ticket = th.create_ticket(s, token, cid, device_id=device["id"])
        assert ticket["underWarranty"] is expected[name], name
    # Staff may decide otherwise.
    ticket = th.create_ticket(
        s, token, cid, device_id=devices["future"]["id"], under_warranty=False
    )
    assert ticket["underWarranty"] is False
    ticket = th.create_ticket(s, token, cid, device_id=devices["past"]["id"], under_warranty=True)
    assert ticket["underWarranty"] is True


# -- idempotency -------------------------------------------------------------------


def test_create_ticket_idempotency(server: Server, world: TicketWorld, others: Others) -> None:
    s, cid = server, world.customer["id"]
    key, marker = unique_name("key"), unique_name("idem")
    first = th.create_ticket(
        s, world.customer_user.token, cid, description=f"{marker} a", idempotency_key=key
    )
    again = th.create_ticket(
        s, world.customer_user.token, cid, description=f"{marker} a", idempotency_key=key
    )
    assert (again["id"], again["number"], again["version"]) == (
        first["id"],
        first["number"],
        first["version"],
    )
    history = th.get_ticket(s, s.admin_token, first["id"])["history"]
    assert [e["type"] for e in history] == ["TICKET_CREATED"]
    assert th.list_tickets(s, s.admin_token, search=marker)["totalCount"] == 1
    # Another user's key is theirs: the same string opens another ticket.
    other = th.create_ticket(
        s,
        others.customer_user.token,
        others.customer["id"],
        description=f"{marker} b",
        idempotency_key=key,
    )
    assert other["id"] != first["id"]
    assert th.list_tickets(s, s.admin_token, search=marker)["totalCount"] == 2
    # Keys must be 1-100 characters.
    for bad in ("   ", "k" * 101):
        response = th.create_ticket_response(s, world.dispatcher.token, cid, idempotency_key=bad)
        assert_error(response, BAD, field="idempotencyKey")


def test_move_idempotency(server: Server, world: TicketWorld) -> None:
    s, eng, eng2 = server, world.engineer, world.engineer2
    ticket = world.advance(world.new_ticket(), "DISPATCHED")
    tid, key = ticket["id"], unique_name("ack")
    # A refused attempt does not use the key up.
    assert_conflict(
        move(s, eng.token, "acknowledgeTicket", tid, expected_version=1, idempotency_key=key),
        "DISPATCHED",
        2,
    )
    first = move_ok(s, eng.token, "acknowledgeTicket", tid, idempotency_key=key)
    retry = move_ok(s, eng.token, "acknowledgeTicket", tid, idempotency_key=key)
    assert (first["status"], first["version"]) == ("ACCEPTED", 3)
    assert (retry["id"], retry["status"], retry["version"]) == (tid, "ACCEPTED", 3)
    move_ok(s, eng.token, "checkIn", tid)
    # Later, the retry still answers with the first result and changes nothing.
    late = move_ok(s, eng.token, "acknowledgeTicket", tid, idempotency_key=key)
    assert (late["status"], late["version"]) == ("ACCEPTED", 3)
    before = trace(s, tid)
    assert before.events.count("TICKET_ACKNOWLEDGED") == 1
    assert (before.status, before.version) == ("IN_PROGRESS", 4)
    # The same key for another operation is a mistake.
    assert_error(
        move(s, eng.token, "checkIn", tid, idempotency_key=key), BAD, field="idempotencyKey"
    )
    assert_error(
        move(s, eng.token, "requestClose", tid, idempotency_key=key), BAD, field="idempotencyKey"
    )
    assert trace(s, tid) == before
    # Another engineer may use the same string for their own ticket.
    mine = world.advance(world.new_ticket(), "DISPATCHED", engineer=eng2)
    done = move_ok(s, eng2.token, "acknowledgeTicket", mine["id"], idempotency_key=key)
    assert (done["id"], done["status"]) == (mine["id"], "ACCEPTED")


def test_a_key_belongs_to_one_ticket(server: Server, world: TicketWorld) -> None:
    s, eng = server, world.engineer
    one = world.advance(world.new_ticket(), "DISPATCHED")
    two = world.advance(world.new_ticket(), "DISPATCHED")
    key = unique_name("ack")
    move_ok(s, eng.token, "acknowledgeTicket", one["id"], idempotency_key=key)
    response = move(s, eng.token, "acknowledgeTicket", two["id"], idempotency_key=key)
    assert_error(response, BAD, field="idempotencyKey")


# -- lists -------------------------------------------------------------------------


def test_who_sees_which_tickets(server: Server, world: TicketWorld, others: Others) -> None:
    s = server
    marker = unique_name("seen")
    desc = {"description": f"{marker} fault"}
    a = world.advance(world.new_ticket(**desc), "DISPATCHED")  # world, engineer
    b = world.new_ticket(**desc)  # world, nobody
    c = th.create_ticket(s, world.dispatcher.token, others.customer["id"], **desc)
    c = th.dispatch(s, world.dispatcher.token, c["id"], world.engineer2.id)
    expected = {
        "admin": {a["id"], b["id"], c["id"]},
        "dispatcher": {a["id"], b["id"], c["id"]},
        "back_office": {a["id"], b["id"], c["id"]},
        "engineer": {a["id"]},
        "engineer2": {c["id"]},
        "customer_user": {a["id"], b["id"]},
        "agent_user": {a["id"], b["id"]},
        "others.engineer": set(),
        "others.customer_user": {c["id"]},
        "others.agent_user": {c["id"]},
    }
    for who, ids in expected.items():
        token = (
            getattr(others, who.removeprefix("others.")).token
            if who.startswith("others.")
            else token_of(s, world, who)
        )
        page = th.list_tickets(s, token, search=marker)
        assert set(th.ticket_ids(page)) == ids, who
        assert page["totalCount"] == len(ids), who
        for ticket in (a, b, c):
            response = th.get_ticket_response(s, token, ticket["id"])
            if ticket["id"] in ids:
                assert assert_ok(response)["ticket"]["id"] == ticket["id"]
            else:
                assert_error(response, NOT_FOUND)


def test_ticket_filters(server: Server, world: TicketWorld, others: Others) -> None:
    s, token = server, world.dispatcher.token
    marker = unique_name("filt")

    def new(kind: str = "REPAIR", severity: int = 3, customer: str | None = None) -> dict:
        return th.create_ticket(
            s,
            token,
            customer or world.customer["id"],
            kind,
            severity=severity,
            description=f"{marker} {kind} {severity}",
        )

    urgent = world.advance(new(severity=1), "ACCEPTED")
    dispatched = th.dispatch(s, token, new(severity=2)["id"], world.engineer2.id)
    fresh = new("MAINTENANCE", 4)
    elsewhere = new("INSTALLATION", 3, others.customer["id"])
    cancelled = move_ok(s, token, "cancelTicket", new()["id"])

    def ids(**filter: Any) -> list[str]:
        return th.ticket_ids(th.list_tickets(s, token, search=marker, **filter))

    everything = [cancelled["id"], elsewhere["id"], fresh["id"], dispatched["id"], urgent["id"]]
    assert ids() == everything  # newest first
    assert ids(status=["NEW"]) == [elsewhere["id"], fresh["id"]]
    assert ids(status=["DISPATCHED", "ACCEPTED"]) == [dispatched["id"], urgent["id"]]
    assert ids(status=["CANCELLED", "CLOSED"]) == [cancelled["id"]]
    assert ids(status=["CLOSED"]) == []
    assert ids(kind="MAINTENANCE") == [fresh["id"]]
    assert ids(kind="INSTALLATION") == [elsewhere["id"]]
    assert ids(severity=1) == [urgent["id"]]
    assert ids(severity=3) == [cancelled["id"], elsewhere["id"]]
    assert ids(assignee_id=world.engineer.id) == [urgent["id"]]
    assert ids(assignee_id=world.engineer2.id) == [dispatched["id"]]
    assert ids(customer_id=others.customer["id"]) == [elsewhere["id"]]
    assert ids(kind="REPAIR", status=["NEW", "ACCEPTED"]) == [urgent["id"]]
    page = th.list_tickets(s, token, search=fresh["number"])
    assert th.ticket_ids(page) == [fresh["id"]]
    assert page["edges"][0]["node"]["number"] == fresh["number"]


def test_tickets_page_newest_first(server: Server, world: TicketWorld) -> None:
    s, token = server, world.customer_user.token
    marker = unique_name("page")
    made = [
        th.create_ticket(s, token, world.customer["id"], description=f"{marker} {i}")["id"]
        for i in range(3)
    ]
    first = th.list_tickets(s, token, first=2, search=marker)
    assert first["totalCount"] == 3
    assert th.ticket_ids(first) == [made[2], made[1]]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = th.list_tickets(s, token, first=2, after=first["pageInfo"]["endCursor"], search=marker)
    assert th.ticket_ids(rest) == [made[0]]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["totalCount"] == 3


# -- kind restrictions -------------------------------------------------------------


def test_user_kind_restriction(server: Server, world: TicketWorld) -> None:
    s, disp = server, world.dispatcher.token
    marker = unique_name("kinds")
    partner = s.make_user("ENGINEER")  # an outsourced partner: maintenance only
    repair = th.dispatch(s, disp, world.new_ticket(description=marker)["id"], partner.id)
    upkeep = world.new_ticket("MAINTENANCE", description=marker)
    upkeep = th.dispatch(s, disp, upkeep["id"], partner.id)
    later = world.new_ticket(description=marker)
    reporter = s.make_user("CUSTOMER", customer_id=world.customer["id"])
    office = s.make_user("CUSTOMER_SERVICE")
    try:
        for user in (partner, reporter, office):
            set_ = assert_ok(th.set_kind_restriction(s, ["MAINTENANCE"], user_id=user.id))
            assert set_["setTicketKindRestriction"] == {
                "role": None,
                "kinds": ["MAINTENANCE"],
                "user": {"id": user.id},
            }
        assert th.ticket_ids(th.list_tickets(s, partner.token, search=marker)) == [upkeep["id"]]
        assert_error(th.get_ticket_response(s, partner.token, repair["id"]), NOT_FOUND)
        assert move_ok(s, partner.token, "acknowledgeTicket", upkeep["id"])["status"] == (
            "ACCEPTED"
        )
        before = trace(s, later["id"])
        response = move(s, disp, "dispatchTicket", later["id"], engineer_id=partner.id)
        assert_error(response, BAD, field="engineerId")
        assert trace(s, later["id"]) == before
        # Creating a kind one may not handle is forbidden, whoever asks.
        assert_error(th.create_ticket_response(s, reporter.token, world.customer["id"]), FORBIDDEN)
        assert_error(th.create_ticket_response(s, office.token, world.customer["id"]), FORBIDDEN)
        made = th.create_ticket(
            s, office.token, world.customer["id"], "MAINTENANCE", description=marker
        )
        assert th.ticket_ids(th.list_tickets(s, office.token, search=marker)) == [
            made["id"],
            upkeep["id"],
        ]
        assert_error(th.get_ticket_response(s, office.token, repair["id"]), NOT_FOUND)
        assert_error(move(s, office.token, "cancelTicket", repair["id"]), NOT_FOUND)
        # Others are not affected.
        assert th.list_tickets(s, disp, search=marker)["totalCount"] == 4
    finally:
        for user in (partner, reporter, office):
            lifted = assert_ok(th.set_kind_restriction(s, None, user_id=user.id))
            assert lifted["setTicketKindRestriction"] is None
    assert set(th.ticket_ids(th.list_tickets(s, partner.token, search=marker))) == {
        repair["id"],
        upkeep["id"],
    }
    assert th.get_ticket(s, partner.token, repair["id"])["status"] == "DISPATCHED"
    assert th.dispatch(s, disp, later["id"], partner.id)["assignee"] == {"id": partner.id}
    assert th.create_ticket(s, reporter.token, world.customer["id"])["kind"] == "REPAIR"


def test_kind_restriction_holds_for_moves_on_assigned_tickets(
    server: Server, world: TicketWorld
) -> None:
    s, disp = server, world.dispatcher.token
    partner = s.make_user("ENGINEER")
    repair = th.dispatch(s, disp, world.new_ticket()["id"], partner.id)
    try:
        assert_ok(th.set_kind_restriction(s, ["MAINTENANCE"], user_id=partner.id))
        assert_error(th.get_ticket_response(s, partner.token, repair["id"]), NOT_FOUND)
        before = trace(s, repair["id"])
        for mutation in ("acknowledgeTicket", "declineTicket"):
            assert_error(move(s, partner.token, mutation, repair["id"]), NOT_FOUND)
        assert trace(s, repair["id"]) == before
    finally:
        assert_ok(th.set_kind_restriction(s, None, user_id=partner.id))


def test_role_kind_restriction_and_a_user_exception(server: Server, world: TicketWorld) -> None:
    s = server
    marker = unique_name("rolekinds")
    repair = world.new_ticket(description=marker)
    upkeep = world.new_ticket("MAINTENANCE", description=marker)
    exception, plain = world.agent_user, s.make_user("AGENT", agent_id=world.agent["id"])
    both = {repair["id"], upkeep["id"]}

    def seen(user: UserHandle) -> set[str]:
        return set(th.ticket_ids(th.list_tickets(s, user.token, search=marker)))

    assert seen(plain) == both
    try:
        assert_ok(th.set_kind_restriction(s, ["MAINTENANCE"], role="AGENT"))
        assert seen(plain) == seen(exception) == {upkeep["id"]}
        assert_error(th.get_ticket_response(s, plain.token, repair["id"]), NOT_FOUND)
        assert_error(th.create_ticket_response(s, plain.token, world.customer["id"]), FORBIDDEN)
        # A user's own setting wins over its role's.
        assert_ok(th.set_kind_restriction(s, ["REPAIR", "MAINTENANCE"], user_id=exception.id))
        assert seen(exception) == both
        assert seen(plain) == {upkeep["id"]}
        listed = s.admin(th.KIND_RESTRICTIONS)["ticketKindRestrictions"]
        assert {"role": "AGENT", "kinds": ["MAINTENANCE"], "user": None} in listed
        mine = [r for r in listed if r["user"] == {"id": exception.id}]
        assert [sorted(r["kinds"]) for r in mine] == [["MAINTENANCE", "REPAIR"]]
        # Other roles are not affected.
        assert seen(world.customer_user) == both
    finally:
        assert_ok(th.set_kind_restriction(s, None, user_id=exception.id))
        assert_ok(th.set_kind_restriction(s, None, role="AGENT"))
    assert seen(plain) == seen(exception) == both


def test_only_admins_manage_kind_restrictions(server: Server, world: TicketWorld) -> None:
    s = server
    for user in (world.dispatcher, world.back_office, world.engineer, world.customer_user):
        response = th.set_kind_restriction(s, ["REPAIR"], user_id=user.id, token=user.token)
        assert_error(response, FORBIDDEN)
        assert_error(th.set_kind_restriction(s, None, role="ENGINEER", token=user.token), FORBIDDEN)
        assert_error(s.gql(th.KIND_RESTRICTIONS, None, user.token), FORBIDDEN)
    assert_error(th.set_kind_restriction(s, [], user_id=world.engineer.id), BAD, field="kinds")
    both = th.set_kind_restriction(s, ["REPAIR"], role="ENGINEER", user_id=world.engineer.id)
    assert_error(both, BAD)
    assert_error(th.set_kind_restriction(s, ["REPAIR"]), BAD)
    # Nothing was set.
    listed = s.admin(th.KIND_RESTRICTIONS)["ticketKindRestrictions"]
    assert not [r for r in listed if r["user"] == {"id": world.engineer.id}]
    assert not [r for r in listed if r["role"] == "ENGINEER"]


# -- notifications -----------------------------------------------------------------


def test_notifications_follow_the_moves(server: Server, world: TicketWorld) -> None:
    s, disp, eng, eng2 = server, world.dispatcher, world.engineer, world.engineer2
    tid = world.advance(world.new_ticket(), "DISPATCHED")["id"]
    (note,) = notes_about(s, eng, tid, unhandled_only=True)
    assert (note["kind"], note["handled"], note["ticket"]["status"]) == (
        "DISPATCHED",
        False,
        "DISPATCHED",
    )
    assert note["message"]
    move_ok(s, eng.token, "acknowledgeTicket", tid)
    assert notes_about(s, eng, tid, unhandled_only=True) == []
    assert kinds_of(notes_about(s, eng, tid)) == [("DISPATCHED", True)]

    # Declined: back to the dispatcher who dispatched it.
    other = world.advance(world.new_ticket(), "DISPATCHED")["id"]
    move_ok(s, eng.token, "declineTicket", other)
    assert kinds_of(notes_about(s, eng, other)) == [("DISPATCHED", True)]
    # No longer the engineer's: the notification stays, the ticket is not shown.
    assert [n["ticket"] for n in notes_about(s, eng, other)] == [None]
    (declined,) = notes_about(s, disp, other, unhandled_only=True)
    assert (declined["kind"], declined["ticket"]["status"]) == ("DECLINED", "NEW")
    # Dispatching again settles it; a reassignment tells the engineer who lost it.
    th.dispatch(s, disp.token, other, eng2.id)
    assert kinds_of(notes_about(s, disp, other)) == [("DECLINED", True)]
    th.dispatch(s, world.back_office.token, other, eng.id)
    assert kinds_of(notes_about(s, eng2, other)) == [
        ("REASSIGNED_AWAY", False),
        ("DISPATCHED", True),
    ]
    move_ok(s, world.back_office.token, "cancelTicket", other)
    assert kinds_of(notes_about(s, eng, other, unhandled_only=True)) == [("CANCELLED", False)]

    # Closing: the customer is asked, the back office confirms.
    world.advance(th.get_ticket(s, disp.token, tid), "CLOSE_REQUESTED")
    assert kinds_of(notes_about(s, world.customer_user, tid)) == [("CLOSE_REQUESTED", False)]
    move_ok(s, world.customer_user.token, "rejectClose", tid)
    assert kinds_of(notes_about(s, world.customer_user, tid)) == [("CLOSE_REQUESTED", True)]
    assert ("CLOSE_REJECTED", False) in kinds_of(notes_about(s, disp, tid))
    assert kinds_of(notes_about(s, eng, tid))[0] == ("CLOSE_REJECTED", False)
    move_ok(s, eng.token, "requestClose", tid)
    move_ok(s, world.customer_user.token, "confirmClose", tid)
    (waiting,) = notes_about(s, world.back_office, tid)
    assert (waiting["kind"], waiting["handled"]) == ("AWAITING_FINAL_CONFIRMATION", False)
    assert waiting["ticket"]["status"] == "CUSTOMER_CONFIRMED"
    move_ok(s, world.back_office.token, "finalizeClose", tid)
    (waiting,) = notes_about(s, world.back_office, tid)
    assert (waiting["kind"], waiting["handled"]) == ("AWAITING_FINAL_CONFIRMATION", True)
    assert notes_about(s, world.back_office, tid, unhandled_only=True) == []
    # Nobody is told about what they cannot see.
    assert notes_about(s, world.agent_user, tid) == []
