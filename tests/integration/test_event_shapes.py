"""Every event type happens, and every stored event has its type's shape (domain.events).

As Zulip checks every event it sends against its schema: the world of the every-path
test is made, then the moves it does not make, all through the real operations; then
every row of the event table is read back and checked against its type's declared
payload shape, and every declared type must have happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from domain.events import SHAPES, EventType, check_payload
from persistence.models import Event
from persistence.types import utcnow
from resolvers.sla.clock import run_sla_clock
from resolvers.tickets.auto_close import run_auto_close
from schema.root import build_schema

from .test_every_path import (
    READERS,
    World,
    changes_to_check,
    mutate,
    seed,
    services_for,
    start_world,
)

pytestmark = pytest.mark.runs_long(90)


@pytest.fixture(scope="module")
async def world(database_url: str) -> AsyncIterator[World]:
    async with services_for(database_url) as services:
        made = await start_world(services, build_schema(services.settings), READERS)
        await seed(made)
        await changes_to_check(made)
        yield made


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    from persistence import migrations

    url = make_database(backend)
    migrations.upgrade(url)
    return url


async def the_other_moves(world: World) -> None:
    w, ids, users = world, world.ids, world.readers
    await mutate(
        w, "cs", "setRemoteDiagnosis(id: $id, diagnosis: $diagnosis)", id=ids["T2"], diagnosis="fan"
    )
    t5 = await mutate(
        w,
        "cs",
        "createTicket(input: $input)",
        input={"kind": "REPAIR", "customerId": ids["C2"], "severity": 2, "description": "belt"},
    )
    tid = t5["id"]
    await mutate(
        w,
        "cs",
        "dispatchTicket(id: $id, engineerId: $engineerId)",
        id=tid,
        engineerId=users["e1"].user_id,
    )
    await mutate(w, "e1", "acknowledgeTicket(id: $id)", id=tid)
    await mutate(
        w,
        "e1",
        "checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude)",
        ticketId=tid,
        latitude=31.0,
        longitude=121.0,
    )
    lines = [{"partId": ids["P1"], "quantity": 1}]
    await mutate(
        w,
        "office",
        "issuePartsToTicket(ticketId: $ticketId, lines: $lines)",
        ticketId=tid,
        lines=lines,
    )
    await mutate(
        w,
        "office",
        "returnPartsFromTicket(ticketId: $ticketId, lines: $lines)",
        ticketId=tid,
        lines=lines,
    )
    for decide in ("cancel", "reject"):
        outing = await mutate(
            w,
            "e1",
            "createOutingRequest(input: $input)",
            input={"ticketId": tid, "expenses": [{"kind": "TRAVEL", "amount": "20.00"}]},
        )
        if decide == "cancel":
            await mutate(w, "e1", "cancelOutingRequest(id: $id)", id=outing["id"])
        else:
            await mutate(
                w, "office", "rejectOutingRequest(id: $id, note: $note)", id=outing["id"], note="no"
            )
    await mutate(
        w, "e1", "requestClose(id: $id, summary: $summary)", id=tid, summary="belt changed"
    )
    await mutate(w, "cust2", "rejectClose(id: $id, reason: $reason)", id=tid, reason="still noisy")
    await mutate(
        w, "e1", "requestClose(id: $id, summary: $summary)", id=tid, summary="really changed"
    )
    rating = {"communication": 4, "quality": 4, "solved": True}
    await mutate(w, "cust2", "confirmClose(id: $id, rating: $rating)", id=tid, rating=rating)
    await mutate(w, "office", "finalizeClose(id: $id)", id=tid)
    await mutate(
        w, "cs", "cancelTicket(id: $id, reason: $reason)", id=ids["T3"], reason="duplicate"
    )
    # The world's T1 got a photo (F1), an estimate answered, an office line, a signature;
    # a file and a line are taken back here.
    await mutate(w, "office", "removeAttachment(id: $id)", id=ids["F1"])
    line = await mutate(
        w,
        "office",
        "addChargeLine(ticketId: $ticketId, description: $description, quantity: $quantity, "
        "unitPrice: $unitPrice)",
        ticketId=ids["T2"],
        description="ladder",
        quantity=Decimal("1"),
        unitPrice=Decimal("5"),
    )
    charge = next(c for c in line["charges"]["lines"] if c["description"] == "ladder")
    await mutate(
        w,
        "office",
        "removeChargeLine(ticketId: $ticketId, chargeId: $chargeId)",
        ticketId=ids["T2"],
        chargeId=charge["id"],
    )
    await mutate(
        w,
        "admin",
        "resetPassword(id: $id, newPassword: $newPassword)",
        id=users["agent2"].user_id,
        newPassword="pw-Another-Horse-7",
    )


async def the_time_engine(world: World) -> None:
    """Holds by hand; warnings, breaches and the automatic close by the jobs, run here
    with a clock moved forward (the jobs take `now`)."""
    w, ids, users = world, world.ids, world.readers
    # The world's severity-1 policy (test_every_path): response in 60 minutes of a 24x7
    # calendar, warned 30 minutes ahead.
    await mutate(
        w, "admin", "setServiceSettings(input: $input)", input={"autoCloseAfterMinutes": 1}
    )
    ticket = await mutate(
        w,
        "cs",
        "createTicket(input: $input)",
        input={"kind": "REPAIR", "customerId": ids["C2"], "severity": 1, "description": "hum"},
    )
    tid = ticket["id"]
    await mutate(
        w,
        "cs",
        "updateTicket(id: $id, input: $input)",
        id=tid,
        input={"description": "hum, louder", "contactName": "Ms Zhao"},
    )
    await mutate(
        w,
        "office",
        "advanceDepotRepair(ticketId: $ticketId, step: $step, trackingNumber: $trackingNumber)",
        ticketId=tid,
        step="RECEIVED_FROM_CUSTOMER",
        trackingNumber="SF-1",
    )
    await mutate(w, "cs", "holdTicket(id: $id, reason: $reason)", id=tid, reason="WAITING_PARTS")
    await mutate(w, "cs", "resumeTicket(id: $id)", id=tid)
    now = utcnow()
    await run_sla_clock(w.services, now + timedelta(minutes=31))
    await run_sla_clock(w.services, now + timedelta(minutes=61))
    await mutate(
        w,
        "cs",
        "dispatchTicket(id: $id, engineerId: $engineerId)",
        id=tid,
        engineerId=users["e1"].user_id,
    )
    await mutate(w, "e1", "acknowledgeTicket(id: $id)", id=tid)
    await mutate(
        w,
        "e1",
        "checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude)",
        ticketId=tid,
        latitude=31.0,
        longitude=121.0,
    )
    await mutate(w, "e1", "requestClose(id: $id, summary: $summary)", id=tid, summary="done")
    await run_auto_close(w.services, utcnow() + timedelta(minutes=2))


async def test_every_event_type_happens_with_its_shape(world: World) -> None:
    await the_other_moves(world)
    await the_time_engine(world)
    async with world.services.sessionmaker() as session:
        rows = (await session.scalars(select(Event).order_by(Event.sequence))).all()
    seen: set[str] = set()
    for row in rows:
        event_type = EventType(row.type)  # an unknown type fails here
        check_payload(event_type, row.payload)
        seen.add(event_type)
    assert set(SHAPES) == set(EventType), "a type without its shape"
    assert seen == set(EventType), f"never happened: {sorted(set(EventType) - seen)}"
