"""What must hold after a fault, checked against the database as it ends up.

`Problems` collects every broken expectation of a scenario, so one run reports all of
them (with the evidence) instead of stopping at the first.

`read_world(server, token)` reads every ticket with its history (the event table, as
the API shows it: the database is the test's own, so these are all its events).
Then:
* `check_records`: no half-written record: every ticket has exactly one event per
  version (1..version, the first TICKET_CREATED, then one TICKET_DIAGNOSED per
  diagnosis), and was written by some attempt of this run;
* `check_attempts`: every acknowledged mutation exists with its event, and so does a
  refused one whose error says `committed: true`; any other unanswered or refused one
  exists entirely or not at all (and is counted if it exists);
* `check_subscriber`: a subscriber received every event exactly once, in sequence
  order, as the table has it, without errors, and what it saw of each ticket matches.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .workload import Attempt, Subscriber

TICKETS = """
query Q($first: Int, $after: String) {
  tickets(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id version description remoteDiagnosis history { sequence type ticketVersion } }
  }
}"""


@dataclass
class Problems:
    """Every expectation a scenario broke, with its evidence."""

    found: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.found.append(message)
        return condition

    def note(self, message: str) -> None:
        """Not a failure: something the report should show (counts, latencies)."""
        self.notes.append(message)

    def report(self) -> str:
        lines = [f"{len(self.found)} problem(s):"]
        lines += [f"  - {p}" for p in self.found]
        lines += ["notes:"] + [f"  * {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class EventRow:
    sequence: int
    type: str
    ticket_id: str
    ticket_version: int


@dataclass
class World:
    tickets: dict[str, dict[str, Any]]
    events: dict[int, EventRow]

    @property
    def sequences(self) -> list[int]:
        return sorted(self.events)

    @property
    def last(self) -> int:
        return max(self.events, default=0)


def read_world(server: Any, token: str) -> World:
    tickets: dict[str, dict[str, Any]] = {}
    after: str | None = None
    while True:
        page = server.data(TICKETS, {"first": 100, "after": after}, token)["tickets"]
        for node in page["nodes"]:
            tickets[node["id"]] = node
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    events: dict[int, EventRow] = {}
    for ticket_id, node in tickets.items():
        for event in node["history"]:
            events[event["sequence"]] = EventRow(
                event["sequence"], event["type"], ticket_id, event["ticketVersion"]
            )
    return World(tickets, events)


def check_records(world: World, attempts: list[Attempt], problems: Problems) -> None:
    creates = {a.key for a in attempts if a.kind == "create"}
    for ticket_id, ticket in world.tickets.items():
        history = ticket["history"]
        versions = [e["ticketVersion"] for e in history]
        problems.check(
            versions == list(range(1, ticket["version"] + 1)),
            f"ticket {ticket_id} is at version {ticket['version']} but its events carry "
            f"versions {versions}: a change without its event, or an event without it",
        )
        types = [e["type"] for e in history]
        problems.check(
            types[:1] == ["TICKET_CREATED"] and all(t == "TICKET_DIAGNOSED" for t in types[1:]),
            f"ticket {ticket_id} has events {types}",
        )
        problems.check(
            ticket["description"] in creates,
            f"ticket {ticket_id} ({ticket['description']!r}) was written by no attempt",
        )


def check_attempts(world: World, attempts: list[Attempt], problems: Problems) -> None:
    by_description = {t["description"]: t for t in world.tickets.values()}
    diagnosed = Counter(
        (row.ticket_id) for row in world.events.values() if row.type == "TICKET_DIAGNOSED"
    )
    acked_diagnoses: Counter[str] = Counter()
    tried_diagnoses: Counter[str] = Counter()
    committed_unacknowledged: list[str] = []
    for attempt in attempts:
        if attempt.kind == "create":
            ticket = by_description.get(attempt.key)
            if attempt.outcome == "ok":
                if problems.check(
                    ticket is not None and ticket["id"] == attempt.ticket_id,
                    f"acknowledged but missing: {attempt.describe()}",
                ):
                    assert ticket is not None
                    created = [e for e in ticket["history"] if e["type"] == "TICKET_CREATED"]
                    problems.check(
                        len(created) == 1,
                        f"acknowledged create without its one event ({created}): "
                        f"{attempt.describe()}",
                    )
            elif said_committed(attempt):
                problems.check(
                    ticket is not None,
                    f"answered `committed: true` but missing: {attempt.describe()}",
                )
            elif ticket is not None:
                # Allowed (the answer was lost after the commit, or the commit's outcome
                # was unknown), and then whole: check_records checked its events.
                committed_unacknowledged.append(attempt.describe())
        else:
            assert attempt.ticket_id is not None
            tried_diagnoses[attempt.ticket_id] += 1
            if said_committed(attempt):
                acked_diagnoses[attempt.ticket_id] += 1
            if attempt.outcome == "ok":
                acked_diagnoses[attempt.ticket_id] += 1
                ticket = world.tickets.get(attempt.ticket_id)
                versions = {
                    e["ticketVersion"]
                    for e in (ticket or {}).get("history", [])
                    if e["type"] == "TICKET_DIAGNOSED"
                }
                problems.check(
                    attempt.version in versions,
                    f"acknowledged diagnosis (version {attempt.version}) has no event: "
                    f"{attempt.describe()}",
                )
    for ticket_id, count in diagnosed.items():
        problems.check(
            acked_diagnoses[ticket_id] <= count <= tried_diagnoses[ticket_id],
            f"ticket {ticket_id}: {count} diagnosis events for {acked_diagnoses[ticket_id]} "
            f"acknowledged of {tried_diagnoses[ticket_id]} attempted diagnoses",
        )
    if committed_unacknowledged:
        problems.note(
            f"{len(committed_unacknowledged)} create(s) not acknowledged but committed "
            f"(whole): {committed_unacknowledged[:5]}"
        )


def said_committed(attempt: Attempt) -> bool:
    """A refused change whose error says it was saved anyway (`committed: true`)."""
    return any((e.get("extensions") or {}).get("committed") is True for e in attempt.errors)


def check_subscriber(
    subscriber: Subscriber, world: World, problems: Problems, *, since: int = 0
) -> None:
    who = subscriber.name
    sequences = [d.sequence for d in subscriber.deliveries]
    problems.check(
        all(a < b for a, b in itertools.pairwise(sequences)),
        f"{who}: sequences not strictly increasing (duplicate or out of order): "
        f"{_irregular(sequences)}",
    )
    expected = [s for s in world.sequences if s > since]
    counts = Counter(sequences)
    missing = [s for s in expected if s not in counts]
    duplicated = sorted(s for s, n in counts.items() if n > 1)
    foreign = sorted(s for s in counts if s not in world.events)
    problems.check(
        not missing and not duplicated and not foreign,
        f"{who}: {len(sequences)} deliveries for {len(expected)} events: missing {missing[:20]}"
        f", duplicated {duplicated[:20]}, not in the table {foreign[:20]}",
    )
    wrong = [
        (d.sequence, d.type, d.ticket_id, d.ticket_version)
        for d in subscriber.deliveries
        if d.sequence in world.events
        and world.events[d.sequence] != EventRow(d.sequence, d.type, d.ticket_id, d.ticket_version)
    ]
    problems.check(not wrong, f"{who}: deliveries unlike the table: {wrong[:10]}")
    errored = [(d.sequence, d.errors) for d in subscriber.deliveries if d.errors]
    problems.check(not errored, f"{who}: events delivered with errors: {errored[:5]}")
    blank = [d.sequence for d in subscriber.deliveries if d.ticket is None and not d.errors]
    problems.check(not blank, f"{who}: events delivered without their ticket: {blank[:10]}")
    problems.check(
        not subscriber.leaks, f"{who}: messages leaked internals: {subscriber.leaks[:3]}"
    )


def _irregular(sequences: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in itertools.pairwise(sequences) if a >= b][:20]
