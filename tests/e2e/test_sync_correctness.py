"""Sync correctness, in the style of Zulip's `verify_action`: a client that starts
from a query snapshot and applies only the ticket events it receives ends with
exactly what a fresh query shows it.

Against the real server (both backends), with the third-party `gql` client over
websockets:

* A small world: customer C1 (owned by an agent) with a CUSTOMER user, customer C2
  with its own CUSTOMER user, customer C3 without any account (staff decide on its
  closing), an AGENT user for C1's agent, three engineers, a CUSTOMER_SERVICE
  dispatcher and a BACK_OFFICE user.
* A seeded random run of ticket operations by the right users, checked one by one
  against a model of the lifecycle: mostly moves the current state allows, plus
  invalid ones (stale versions, wrong state, moves taken away, invisible tickets,
  forbidden roles, reused idempotency keys) that must fail with the right code and
  change nothing, idempotent retries that must return the first result, and races
  (two ends acting on the same version at once: exactly one wins).
* A client per role subscribes to `ticketEvents(since: S)` with S a sequence known
  before its snapshot, takes its `tickets` snapshot, and then applies only the events
  it receives, ignoring those whose version is not newer than what it already has
  for that ticket (they are part of its snapshot). An engineer drops a ticket from
  its view on the event that takes it away. Three more sessions (a second dispatcher
  board, an engineer's and a customer's or agent's phone) join while the operations
  run, from a sequence a little behind; two clients lose their connection for a few
  operations and resume with `since` = the last sequence they saw.
* At two checkpoints mid-run (before a client goes offline) and at the end (after
  markers that give every client a last event), each client waits, bounded, for the
  last event it may see; its view must then equal a fresh `tickets` query. At the
  end also: the sequences it received are strictly increasing, with no duplicates; it
  received exactly the events of the world it may see after S (computed from the
  tickets' `history`), each showing the ticket's state right after that event; and
  nothing else (no foreign ticket). The histories must match the model: one event
  and one version per successful move, none for a refused one.

Clients go offline only at checkpoints, when no event is in flight; a client leaving
mid-delivery is `test_a_client_leaving_does_not_end_other_clients_subscriptions`.

The seed is printed; `SYNC_SEED=<n>` replays a run (races and mid-run joins depend on
timing, so a replay follows the same choices only as long as the races resolve the
same way: the failure report lists every operation as it happened).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from gql import Client as GqlClient
from gql import GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

from . import parts_helpers as ph
from . import records_helpers as rh
from .client import Server, UserHandle, check_no_leak, unique_name
from .ticket_helpers import DEFAULTS, TICKET_ARG, move_document

SEED_ENV = "SYNC_SEED"
VERBOSE_ENV = "SYNC_VERBOSE"  # any value: print every operation even when all is well
RANDOM_STEPS = 60  # per backend, plus 2 opening tickets and the final markers
WAIT_SECONDS = 10.0  # for the last expected events, per check (normally milliseconds)
INVALID_SHARE = 0.22
REPLAY_SHARE = 0.05
RACE_SHARE = 0.06

DISPATCHER_ROLES = {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"}
OPEN = {"NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS", "CLOSE_REQUESTED", "CUSTOMER_CONFIRMED"}
KINDS = ["REPAIR", "MAINTENANCE", "INSTALLATION"]
TAKE_AWAY = {"TICKET_REASSIGNED", "TICKET_DECLINED"}

STATE = "id status version assignee { id } customer { id }"
EVENTS = gql(
    "subscription S($since: Int) { ticketEvents(since: $since) {"
    " sequence type ticketId ticketVersion ticket { id status version assignee { id } } } }"
)
TICKETS = f"""
query Q($first: Int, $after: String, $filter: TicketFilter) {{
  tickets(first: $first, after: $after, filter: $filter) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {STATE} }}
  }}
}}"""
TICKET_STATE = f"query Q($id: ID!) {{ ticket(id: $id) {{ {STATE} }} }}"
HISTORY = f"""
query Q($id: ID!) {{
  ticket(id: $id) {{
    {STATE}
    history {{ sequence type ticket {{ id status version assignee {{ id }} }} }}
  }}
}}"""
CREATE = f"mutation M($input: CreateTicketInput!) {{ createTicket(input: $input) {{ {STATE} }} }}"
SET_KINDS = """
mutation M($kinds: [TicketKind!], $userId: ID) {
  setTicketKindRestriction(kinds: $kinds, userId: $userId) { kinds }
}"""

# Mutation -> (event type, status after; None: unchanged).
EFFECT: dict[str, tuple[str, str | None]] = {
    "acknowledgeTicket": ("TICKET_ACKNOWLEDGED", "ACCEPTED"),
    "declineTicket": ("TICKET_DECLINED", "NEW"),
    "checkIn": ("TICKET_CHECKED_IN", "IN_PROGRESS"),
    "addWorkRecord": ("TICKET_WORK_RECORDED", None),
    "requestClose": ("TICKET_CLOSE_REQUESTED", "CLOSE_REQUESTED"),
    "confirmClose": ("TICKET_CLOSE_CONFIRMED", "CUSTOMER_CONFIRMED"),
    "rejectClose": ("TICKET_CLOSE_REJECTED", "IN_PROGRESS"),
    "finalizeClose": ("TICKET_CLOSED", "CLOSED"),
    "cancelTicket": ("TICKET_CANCELLED", "CANCELLED"),
    "setRemoteDiagnosis": ("TICKET_DIAGNOSED", None),
    "issuePartsToTicket": ("PARTS_USED", None),
}
KEYED = {
    "acknowledgeTicket",
    "declineTicket",
    "checkIn",
    "addWorkRecord",
    "requestClose",
    "confirmClose",
    "rejectClose",
    "issuePartsToTicket",
}
ENGINEER_MOVES = ["acknowledgeTicket", "declineTicket", "checkIn", "addWorkRecord", "requestClose"]

State = tuple[str, int, str | None]  # status, version, assignee id


def state_of(ticket: dict[str, Any]) -> State:
    assignee = ticket.get("assignee")
    return ticket["status"], ticket["version"], assignee["id"] if assignee else None


# -- GraphQL over async HTTP ------------------------------------------------------------


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def gql(self, query: str, variables: dict[str, Any] | None, token: str) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        decoded = response.json()
        assert isinstance(decoded, dict), decoded
        return decoded

    async def data(self, query: str, variables: dict[str, Any] | None, token: str) -> Any:
        answer = await self.gql(query, variables, token)
        assert not answer.get("errors"), f"unexpected errors: {json.dumps(answer)[:1500]}"
        return answer["data"]


# -- the world and the model -------------------------------------------------------------


@dataclass
class Actor:
    label: str
    user: UserHandle
    customer: str | None = None  # a CUSTOMER user's customer

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def id(self) -> str:
        return self.user.id


@dataclass
class World:
    c1: str
    c2: str
    c3: str
    cs: Actor
    bo: Actor
    engineers: list[Actor]
    cust1: Actor
    cust2: Actor
    agent: Actor
    part: str  # a spare part with plenty of stock, used on tickets

    @property
    def customers(self) -> list[str]:
        return [self.c1, self.c2, self.c3]

    @property
    def dispatchers(self) -> list[Actor]:
        return [self.cs, self.bo]

    @property
    def everyone(self) -> list[Actor]:
        return [self.cs, self.bo, *self.engineers, self.cust1, self.cust2, self.agent]

    def name(self, customer: str) -> str:
        return {self.c1: "C1", self.c2: "C2", self.c3: "C3"}[customer]

    def engineer_label(self, user_id: str | None) -> str:
        for engineer in self.engineers:
            if engineer.id == user_id:
                return engineer.label
        return "-" if user_id is None else user_id


def build_world(server: Server) -> World:
    agent = rh.create_agent(server)
    c1 = rh.create_customer(server, agentId=agent["id"])["id"]
    c2 = rh.create_customer(server)["id"]
    c3 = rh.create_customer(server)["id"]
    world = World(
        c1=c1,
        c2=c2,
        c3=c3,
        cs=Actor("cs", server.make_user("CUSTOMER_SERVICE")),
        bo=Actor("bo", server.make_user("BACK_OFFICE")),
        engineers=[Actor(f"e{i}", server.make_user("ENGINEER")) for i in (1, 2, 3)],
        cust1=Actor("cust1", server.make_user("CUSTOMER", customer_id=c1), customer=c1),
        cust2=Actor("cust2", server.make_user("CUSTOMER", customer_id=c2), customer=c2),
        agent=Actor("agent", server.make_user("AGENT", agent_id=agent["id"])),
        part=ph.stock_part(server, 10_000)["id"],
    )
    # A user's own restriction wins over its role's: other tests of the shared server
    # may leave role restrictions behind; these users handle every kind.
    for actor in world.everyone:
        server.admin(SET_KINDS, {"kinds": KINDS, "userId": actor.id})
    return world


@dataclass
class Ticket:
    """The model's view of one ticket."""

    id: str
    label: str
    customer: str
    kind: str
    status: str = "NEW"
    version: int = 1
    assignee: str | None = None
    ever: set[str] = field(default_factory=set)  # engineers it was ever assigned to
    types: list[str] = field(default_factory=lambda: ["TICKET_CREATED"])
    types_known: bool = True  # False once the server disagreed with the model

    @property
    def state(self) -> State:
        return self.status, self.version, self.assignee

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass
class Op:
    actor: Actor
    mutation: str
    ticket: Ticket | None
    variables: dict[str, Any]
    expect: str  # "OK", "REPLAY" or an error code
    why: str = ""
    replay_of: State | None = None
    customer: str | None = None  # createTicket: for whom


@dataclass
class Stored:
    """A successful mutation sent with an idempotency key, and what it answered."""

    op: Op
    ticket: Ticket
    result: State


# -- one client: snapshot + events ---------------------------------------------------------


@dataclass
class Event:
    sequence: int
    type: str
    ticket_id: str | None
    state: State | None  # None: the ticket is not shown to this client now
    version: int | None = None  # the ticket's version right after the event


class SyncClient:
    """A PC or phone: a `tickets` snapshot plus the `ticketEvents` it receives."""

    def __init__(
        self,
        label: str,
        actor: Actor,
        server: Server,
        fetch: Callable[[Actor], Awaitable[Any]],
        document: GraphQLRequest = EVENTS,
    ) -> None:
        self.label = label
        self.document = document
        self.actor = actor
        self.server = server
        self.fetch = fetch
        self.since0 = -1
        self.view: dict[str, State] = {}
        self.known: dict[str, int] = {}
        self.received: list[Event] = []
        self.problems: list[str] = []
        self.reconnects: list[int] = []
        self.arrived = asyncio.Event()
        self.failed = False
        self.joined_at_step: int | None = None
        self._buffer: list[Event] | None = []
        self._task: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        return self.received[-1].sequence if self.received else self.since0

    def sees(self, state: State) -> bool:
        """Whether a ticket in this state belongs in this client's view (the row rule)."""
        if self.actor.role == "ENGINEER":
            return state[2] == self.actor.id
        return True

    async def join(self, since: int) -> None:
        """Subscribes from `since` (known before the snapshot), then takes the snapshot."""
        self.since0 = since
        self._listen(since)
        snapshot = await self.fetch(self.actor)
        # No await from here on: events that arrived meanwhile are applied right after.
        self.view = {tid: state for tid, (state, _customer) in snapshot.items()}
        self.known = {tid: state[1] for tid, state in self.view.items()}
        buffered, self._buffer = self._buffer or [], None
        for event in buffered:
            self._apply(event)

    def listen_only(self, since: int) -> None:
        """Subscribes without a snapshot (for tests of delivery alone)."""
        self.since0, self._buffer = since, None
        self._listen(since)

    def _listen(self, since: int) -> None:
        self._task = asyncio.create_task(self._run(since), name=f"sync-{self.label}")

    async def _run(self, since: int) -> None:
        transport = WebsocketsTransport(
            url=self.server.ws_url,
            init_payload={"Authorization": f"Bearer {self.actor.user.token}"},
            close_timeout=2,
        )
        request = GraphQLRequest(self.document, variable_values={"since": since})
        try:
            async with GqlClient(transport=transport) as session:
                async for data in session.subscribe(request):
                    self._receive(data)
            self._fail(f"the subscription ended (since={since})")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(f"the subscription failed (since={since}): {type(exc).__name__}: {exc}")

    def _fail(self, message: str) -> None:
        self.problems.append(message)
        self.failed = True
        self.arrived.set()

    def _receive(self, data: dict[str, Any]) -> None:
        try:
            check_no_leak(json.dumps(data), f"ticketEvents of {self.label}")
        except AssertionError as exc:
            self.problems.append(str(exc))
        raw = data["ticketEvents"]
        ticket = raw.get("ticket")
        event = Event(
            sequence=raw["sequence"],
            type=raw["type"],
            ticket_id=raw["ticketId"],
            state=state_of(ticket) if ticket else None,
            version=raw["ticketVersion"],
        )
        self.received.append(event)
        if self._buffer is not None:
            self._buffer.append(event)
        else:
            self._apply(event)
        self.arrived.set()

    def _apply(self, event: Event) -> None:
        if event.ticket_id is None or event.version is None:
            self.problems.append(f"event {event.sequence} ({event.type}) names no ticket")
            return
        if event.state is not None and event.state[1] != event.version:
            self.problems.append(f"event {event.sequence}: ticketVersion is not the ticket's")
        if event.version <= self.known.get(event.ticket_id, 0):
            return  # already part of the snapshot (or of a newer event)
        self.known[event.ticket_id] = event.version
        # No ticket: the client may no longer see it (decided as it is delivered).
        if event.state is not None and self.sees(event.state):
            self.view[event.ticket_id] = event.state
        else:
            self.view.pop(event.ticket_id, None)

    @property
    def online(self) -> bool:
        return self._task is not None

    async def go_offline(self) -> None:
        """Loses the connection (the view stays as it is)."""
        await self.stop()

    def resume(self) -> int:
        """Reconnects with `since` = the last sequence seen; returns it."""
        since = self.last_seq
        self.reconnects.append(since)
        self._listen(since)
        return since

    def drop(self) -> asyncio.Task[None] | None:
        """Cancels the subscription at once (the connection closes); returns its task."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait_for(self, sequence: int, deadline: float) -> bool:
        loop = asyncio.get_running_loop()
        while self.last_seq < sequence and not self.failed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                return False
        return self.last_seq >= sequence


# -- the run -------------------------------------------------------------------------------


class Run:
    """The operations, checked one by one against the model of the lifecycle."""

    def __init__(self, server: Server, api: Api, world: World, seed: int) -> None:
        self.server = server
        self.api = api
        self.world = world
        self.rng = random.Random(seed)
        self.tickets: list[Ticket] = []
        self.by_id: dict[str, Ticket] = {}
        self.log: list[str] = []
        self.problems: list[str] = []
        self.stored: list[Stored] = []
        self.counts = {"ok": 0, "refused": 0, "replayed": 0, "races": 0}

    @property
    def admin_token(self) -> str:
        assert self.server.admin_token
        return self.server.admin_token

    # -- helpers ----------------------------------------------------------------

    def note(self, line: str) -> None:
        self.log.append(f"#{len(self.log):03d} {line}")

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.log[-1] if self.log else '(setup)'}\n      -> {message}")

    def who(self, user_id: str | None) -> str:
        return self.world.engineer_label(user_id)

    def show(self, state: State | None) -> str:
        return "?" if state is None else f"{state[0]} v{state[1]} {self.who(state[2])}"

    def label(self, ticket_id: str | None) -> str:
        ticket = self.by_id.get(ticket_id or "")
        return ticket.label if ticket else f"foreign {ticket_id}"

    def engineer_of(self, ticket: Ticket) -> Actor | None:
        return next((e for e in self.world.engineers if e.id == ticket.assignee), None)

    def decider(self, ticket: Ticket) -> Actor:
        """Who confirms or rejects the closing: the customer's user, else staff."""
        if ticket.customer == self.world.c1:
            return self.world.cust1
        if ticket.customer == self.world.c2:
            return self.world.cust2
        return self.rng.choice(self.world.dispatchers)

    def move(
        self,
        actor: Actor,
        mutation: str,
        ticket: Ticket,
        expect: str = "OK",
        why: str = "",
        *,
        versioned: bool | None = None,
        keyed: bool | None = None,
        **args: Any,
    ) -> Op:
        variables: dict[str, Any] = {}
        for name, default in DEFAULTS.get(mutation, {}).items():
            variables[name] = default() if callable(default) else default
        variables.update(args)
        if versioned is None:
            versioned = self.rng.random() < 0.8
        if versioned:
            variables["expectedVersion"] = ticket.version
        if keyed is None:
            keyed = mutation in KEYED and self.rng.random() < 0.3
        if keyed:
            variables["idempotencyKey"] = f"k-{secrets.token_hex(6)}"
        return Op(actor, mutation, ticket, variables, expect, why)

    def create(self, actor: Actor | None = None, customer: str | None = None) -> Op:
        w, rng = self.world, self.rng
        if actor is None or customer is None:
            actor, customer = rng.choice(
                [(w.cs, rng.choice(w.customers)), (w.cust1, w.c1), (w.cust2, w.c2), (w.agent, w.c1)]
            )
        kind = rng.choice(KINDS) if actor.role in DISPATCHER_ROLES else "REPAIR"
        payload: dict[str, Any] = {
            "kind": kind,
            "customerId": customer,
            "description": unique_name("sync"),
            "severity": rng.randint(1, 4),
        }
        if rng.random() < 0.3:
            payload["idempotencyKey"] = f"k-{secrets.token_hex(6)}"
        return Op(actor, "createTicket", None, {"input": payload}, "OK", customer=customer)

    # -- valid operations ---------------------------------------------------------------

    def valid_moves(self, t: Ticket) -> list[tuple[float, Op]]:
        w, rng = self.world, self.rng
        if not t.open:
            return []
        d = rng.choice(w.dispatchers)
        out: list[tuple[float, Op]] = [
            (0.6, self.move(d, "setRemoteDiagnosis", t, diagnosis=unique_name("dx"))),
            (0.35, self.move(d, "cancelTicket", t)),
        ]
        engineer = self.engineer_of(t)
        if t.status == "NEW":
            target = rng.choice(w.engineers)
            out.append((4, self.move(d, "dispatchTicket", t, engineerId=target.id)))
        if t.status in ("DISPATCHED", "ACCEPTED", "IN_PROGRESS"):
            target = rng.choice([e for e in w.engineers if e.id != t.assignee])
            out.append((1, self.move(d, "dispatchTicket", t, engineerId=target.id)))
        if engineer is not None and t.status in ("ACCEPTED", "IN_PROGRESS"):
            # Dispatching again to the same engineer (not DISPATCHED now) is allowed.
            out.append((0.2, self.move(d, "dispatchTicket", t, engineerId=engineer.id)))
        if engineer is not None and t.status == "DISPATCHED":
            out.append((4, self.move(engineer, "acknowledgeTicket", t)))
            out.append((1.2, self.move(engineer, "declineTicket", t)))
        if engineer is not None and t.status == "ACCEPTED":
            out.append((4, self.move(engineer, "checkIn", t)))
        if engineer is not None and t.status == "IN_PROGRESS":
            out.append((0.5, self.move(engineer, "checkIn", t)))
            out.append((1.5, self.move(engineer, "addWorkRecord", t)))
            out.append((3, self.move(engineer, "requestClose", t)))
        if t.status in ("NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS"):
            # Parts used on the ticket: by its engineer, or put out by the back office.
            user = engineer if engineer is not None and t.status != "NEW" else w.bo
            lines = [{"partId": w.part, "quantity": rng.randint(1, 3)}]
            out.append((1.5, self.move(user, "issuePartsToTicket", t, lines=lines)))
        if t.status == "CLOSE_REQUESTED":
            out.append((3, self.move(self.decider(t), "confirmClose", t)))
            out.append((1, self.move(self.decider(t), "rejectClose", t)))
        if t.status == "CUSTOMER_CONFIRMED":
            out.append((4, self.move(w.bo, "finalizeClose", t)))
        return out

    # -- invalid operations: each must fail for exactly one reason ---------------------

    def invalid_ops(self) -> list[Op]:
        w, rng = self.world, self.rng
        out: list[Op] = []
        for t in self.tickets:
            engineer = self.engineer_of(t)
            if t.open and t.version >= 2:
                valid = [op for _weight, op in self.valid_moves(t)]
                op = rng.choice(valid)
                op.variables["expectedVersion"] = t.version - 1
                op.variables.pop("idempotencyKey", None)
                op.expect, op.why = "CONFLICT", "stale expectedVersion"
                out.append(op)
            if engineer is not None and t.status in ("DISPATCHED", "ACCEPTED"):
                wrong = ["checkIn", "requestClose", "addWorkRecord"]
                if t.status == "ACCEPTED":
                    wrong = ["requestClose", "addWorkRecord", "declineTicket", "acknowledgeTicket"]
                out.append(self.move(engineer, rng.choice(wrong), t, "CONFLICT", "wrong status"))
            if engineer is not None:
                out.append(self.move(engineer, "cancelTicket", t, "FORBIDDEN", "engineer cancels"))
            if t.open and t.status != "CUSTOMER_CONFIRMED":
                out.append(self.move(w.bo, "finalizeClose", t, "CONFLICT", "not confirmed yet"))
            if t.status in ("CLOSE_REQUESTED", "CUSTOMER_CONFIRMED"):
                target = rng.choice(w.engineers)
                op = self.move(
                    rng.choice(w.dispatchers), "dispatchTicket", t, "CONFLICT", "too late"
                )
                op.variables["engineerId"] = target.id
                out.append(op)
            if t.status == "CLOSE_REQUESTED" and t.customer in (w.c1, w.c2):
                mutation = rng.choice(["confirmClose", "rejectClose"])
                staff = rng.choice(w.dispatchers)
                out.append(self.move(staff, mutation, t, "FORBIDDEN", "the customer decides"))
                if t.customer == w.c1:
                    out.append(self.move(w.agent, mutation, t, "FORBIDDEN", "an agent decides"))
            if t.status == "CUSTOMER_CONFIRMED":
                out.append(self.move(w.cs, "finalizeClose", t, "FORBIDDEN", "not back office"))
            if t.status == "DISPATCHED" and engineer is not None:
                op = self.move(
                    rng.choice(w.dispatchers),
                    "dispatchTicket",
                    t,
                    "BAD_USER_INPUT",
                    "already dispatched to this engineer",
                    engineerId=engineer.id,
                )
                out.append(op)
            if t.customer == w.c1:
                actor = rng.choice([w.cust1, w.agent])
                out.append(self.move(actor, "cancelTicket", t, "FORBIDDEN", "not a dispatcher"))
            if not t.open:
                mutation = rng.choice(["cancelTicket", "setRemoteDiagnosis"])
                d = rng.choice(w.dispatchers)
                out.append(self.move(d, mutation, t, "CONFLICT", "already over"))
            for e in w.engineers:
                if e.id == t.assignee:
                    continue
                mutation = rng.choice(ENGINEER_MOVES)
                if e.id in t.ever:
                    out.append(self.move(e, mutation, t, "CONFLICT", "taken away from them"))
                else:
                    out.append(self.move(e, mutation, t, "NOT_FOUND", "never theirs"))
            stranger = {w.c1: w.cust2, w.c2: w.cust1, w.c3: rng.choice([w.cust1, w.agent])}
            mutation = rng.choice(["confirmClose", "rejectClose", "cancelTicket"])
            out.append(self.move(stranger[t.customer], mutation, t, "NOT_FOUND", "invisible"))
        for actor, customer, kind, code in (
            (rng.choice(w.engineers), w.c1, "REPAIR", "FORBIDDEN"),
            (w.cust2, w.c1, "REPAIR", "NOT_FOUND"),
            (w.cust1, w.c1, "MAINTENANCE", "FORBIDDEN"),
            (w.agent, w.c2, "REPAIR", "NOT_FOUND"),
        ):
            payload = {"kind": kind, "customerId": customer, "description": unique_name("no")}
            out.append(
                Op(
                    actor,
                    "createTicket",
                    None,
                    {"input": payload},
                    code,
                    "may not create",
                    customer=customer,
                )
            )
        engineer_keys = [s for s in self.stored if s.op.actor.role == "ENGINEER"]
        if engineer_keys:
            stored = rng.choice(engineer_keys)
            other = rng.choice([m for m in ENGINEER_MOVES if m != stored.op.mutation])
            op = self.move(stored.op.actor, other, stored.ticket, "BAD_USER_INPUT", "key reused")
            op.variables["idempotencyKey"] = stored.op.variables["idempotencyKey"]
            out.append(op)
        return out

    # -- executing and checking -----------------------------------------------------------

    def describe(self, op: Op) -> str:
        shown = []
        for name in ("engineerId", "expectedVersion", "idempotencyKey"):
            if name in op.variables:
                value = op.variables[name]
                shown.append(f"{name}={self.who(value) if name == 'engineerId' else value}")
        if op.mutation == "createTicket":
            payload = op.variables["input"]
            target = f"{self.world.name(payload['customerId'])} {payload['kind']}"
            if "idempotencyKey" in payload:
                shown.append(f"idempotencyKey={payload['idempotencyKey']}")
            if op.ticket is not None:
                shown.append(f"(first made {op.ticket.label})")
        else:
            target = f"{op.ticket.label} [{self.show(op.ticket.state)}]"
        why = f" ({op.why})" if op.why else ""
        return (
            f"{op.actor.label:>5} {op.mutation} {target} {' '.join(shown)} expect {op.expect}{why}"
        )

    async def send(self, op: Op) -> dict[str, Any]:
        if op.mutation == "createTicket":
            return await self.api.gql(CREATE, op.variables, op.actor.user.token)
        assert op.ticket is not None
        document = move_document(op.mutation, list(op.variables), STATE)
        ticket_arg = TICKET_ARG.get(op.mutation, "id")
        return await self.api.gql(
            document, {ticket_arg: op.ticket.id, **op.variables}, op.actor.user.token
        )

    @staticmethod
    def outcome(answer: dict[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        errors = answer.get("errors") or []
        if errors:
            extensions = errors[0].get("extensions") or {}
            return extensions.get("code") or "NO_CODE", None, extensions
        data = answer.get("data") or {}
        return "OK", next(iter(data.values()), None), {}

    def effect(self, op: Op) -> None:
        """Applies a successful move to the model."""
        t = op.ticket
        assert t is not None
        if op.mutation == "dispatchTicket":
            engineer = op.variables["engineerId"]
            reassigned = t.assignee is not None and t.assignee != engineer
            t.types.append("TICKET_REASSIGNED" if reassigned else "TICKET_DISPATCHED")
            t.status, t.assignee = "DISPATCHED", engineer
            t.ever.add(engineer)
        else:
            event_type, status = EFFECT[op.mutation]
            t.types.append(event_type)
            t.status = status or t.status
            if op.mutation == "declineTicket":
                t.assignee = None
        t.version += 1

    async def resync(self, t: Ticket) -> None:
        """After a disagreement the model takes the server's word (and says so)."""
        data = await self.api.data(TICKET_STATE, {"id": t.id}, self.admin_token)
        t.status, t.version, t.assignee = state_of(data["ticket"])
        if t.assignee:
            t.ever.add(t.assignee)
        t.types_known = False

    async def unchanged(self, t: Ticket) -> None:
        data = await self.api.data(TICKET_STATE, {"id": t.id}, self.admin_token)
        actual = state_of(data["ticket"])
        if actual != t.state:
            self.problem(f"{t.label} changed: now {self.show(actual)}, model {self.show(t.state)}")
            await self.resync(t)

    def adopt(self, op: Op, result: dict[str, Any]) -> Ticket:
        label = f"T{len(self.tickets) + 1}{self.world.name(op.customer or '')}"
        t = Ticket(result["id"], label, op.customer or "", op.variables["input"]["kind"])
        self.tickets.append(t)
        self.by_id[t.id] = t
        self.log[-1] += f" = {label}"
        return t

    async def execute(self, op: Op) -> Ticket | None:
        self.note(self.describe(op))
        answer = await self.send(op)
        code, result, extensions = self.outcome(answer)
        self.log[-1] += f" -> {code}" + (f" {self.show(state_of(result))}" if result else "")
        t = op.ticket
        if op.expect == "REPLAY":
            self.counts["replayed"] += 1
            assert t is not None
            if code != "OK" or result is None or state_of(result) != op.replay_of:
                self.problem(f"a retry with the same key must answer {self.show(op.replay_of)}")
            elif result["id"] != t.id:
                self.problem(f"a retry with the same key must answer {t.label} again")
            await self.unchanged(t)
            return t
        if op.expect == "OK" and (code != "OK" or result is None):
            self.counts["refused"] += 1
            self.problem(f"a valid move failed: {json.dumps(answer.get('errors'))[:400]}")
            if t is not None:
                await self.resync(t)
            return t
        if op.expect == "OK":
            assert result is not None
            self.counts["ok"] += 1
            if t is None:
                t = self.adopt(op, result)
                if result["customer"]["id"] != op.customer:
                    self.problem(f"created for another customer: {result}")
                if state_of(result) != t.state:
                    self.problem(f"a new ticket is NEW v1 unassigned, not {result}")
                    await self.resync(t)
            else:
                self.effect(op)
                if state_of(result) != t.state:
                    self.problem(
                        f"answered {self.show(state_of(result))}, model {self.show(t.state)}"
                    )
                    await self.resync(t)
            if (op.variables.get("input") or op.variables).get("idempotencyKey"):
                self.stored.append(Stored(op, t, state_of(result)))
            return t
        self.counts["refused"] += 1
        if code != op.expect:
            detail = "it succeeded" if code == "OK" else json.dumps(answer.get("errors"))[:400]
            self.problem(f"expected {op.expect}, got {code}: {detail}")
            if code == "OK" and result is not None and t is None:
                t = self.adopt(op, result)  # a stray ticket: the final checks must know it
                t.types_known = False
                return t
        elif code == "CONFLICT" and t is not None:
            carried = (extensions.get("currentStatus"), extensions.get("currentVersion"))
            if carried != (t.status, t.version):
                self.problem(f"CONFLICT must carry the current state, carried {carried}")
        if t is not None:
            await self.unchanged(t)
        return t

    async def race(self) -> bool:
        """Two ends act on the same version at once: exactly one wins, the other gets a
        CONFLICT carrying the state the winner left."""
        w, rng = self.world, self.rng
        pairs: list[tuple[Op, Op]] = []
        for t in self.tickets:
            engineer = self.engineer_of(t)
            if t.status == "DISPATCHED" and engineer is not None:
                other = rng.choice([e for e in w.engineers if e.id != t.assignee])
                ack = self.move(engineer, "acknowledgeTicket", t, versioned=True, keyed=False)
                d = rng.choice(w.dispatchers)
                reassign = self.move(d, "dispatchTicket", t, versioned=True, engineerId=other.id)
                pairs.append((ack, reassign))
            if t.status == "CLOSE_REQUESTED":
                confirm = self.move(self.decider(t), "confirmClose", t, versioned=True, keyed=False)
                pairs.append((confirm, self.move(w.cs, "cancelTicket", t, versioned=True)))
        if not pairs:
            return False
        pair = rng.choice(pairs)
        t = pair[0].ticket
        assert t is not None
        self.counts["races"] += 1
        self.note(f"RACE {self.describe(pair[0])}  ||  {self.describe(pair[1])}")
        outcomes = [self.outcome(a) for a in await asyncio.gather(*map(self.send, pair))]
        codes = [code for code, _result, _ext in outcomes]
        self.log[-1] += f" -> {codes}"
        if sorted(codes) != ["CONFLICT", "OK"]:
            self.problem(f"exactly one must win and the other get CONFLICT: {codes}")
            await self.resync(t)
            return True
        self.counts["ok"] += 1
        self.counts["refused"] += 1
        winner = pair[codes.index("OK")]
        self.effect(winner)
        self.log[-1] += f" {winner.actor.label} won: {self.show(t.state)}"
        result = outcomes[codes.index("OK")][1]
        loser = outcomes[codes.index("CONFLICT")][2]
        if result is None or state_of(result) != t.state:
            self.problem(f"the winner answered {result}, model {self.show(t.state)}")
            await self.resync(t)
        elif (loser.get("currentStatus"), loser.get("currentVersion")) != (t.status, t.version):
            self.problem(f"the loser's CONFLICT must carry the winner's state: {loser}")
        await self.unchanged(t)
        return True

    def replay(self) -> Op | None:
        if not self.stored:
            return None
        stored = self.rng.choice(self.stored)
        return Op(
            stored.op.actor,
            stored.op.mutation,
            stored.ticket,
            stored.op.variables,
            "REPLAY",
            "same idempotency key again",
            replay_of=stored.result,
            customer=stored.op.customer,
        )

    async def step(self) -> None:
        roll = self.rng.random()
        if roll < RACE_SHARE and await self.race():
            return
        if roll < RACE_SHARE + REPLAY_SHARE and (op := self.replay()) is not None:
            await self.execute(op)
            return
        if roll < RACE_SHARE + REPLAY_SHARE + INVALID_SHARE:
            # One reason at a time, each as likely as the others.
            invalid = self.invalid_ops()
            why = self.rng.choice(sorted({op.why for op in invalid}))
            await self.execute(self.rng.choice([op for op in invalid if op.why == why]))
            return
        choices: list[tuple[float, Op | None]] = []
        for t in self.tickets:
            choices.extend(self.valid_moves(t))
        open_count = sum(t.open for t in self.tickets)
        choices.append((6.0 if open_count < 3 else 1.5 if open_count < 7 else 0.3, None))
        op = self.rng.choices([op for _w, op in choices], [w for w, _op in choices])[0]
        await self.execute(op if op is not None else self.create())


# -- ground truth: the tickets' history ------------------------------------------------------


@dataclass
class Truth:
    """Every event of the world, from the tickets' `history` (read as the administrator)."""

    events: dict[int, tuple[str, str, State, str | None]]  # seq -> ticket, type, state, previous
    customer_of: dict[str, str]


async def read_truth(run: Run) -> tuple[Truth, list[str]]:
    problems: list[str] = []
    events: dict[int, tuple[str, str, State, str | None]] = {}
    customers: dict[str, str] = {}
    for t in run.tickets:
        data = (await run.api.data(HISTORY, {"id": t.id}, run.admin_token))["ticket"]
        customers[t.id] = data["customer"]["id"]
        history = data["history"]
        sequences = [h["sequence"] for h in history]
        versions = [h["ticket"]["version"] for h in history]
        types = [h["type"] for h in history]
        if sequences != sorted(set(sequences)):
            problems.append(f"{t.label}: history sequences not strictly increasing: {sequences}")
        if versions != list(range(1, len(history) + 1)):
            problems.append(f"{t.label}: versions must go 1, 2, 3... one per event: {versions}")
        if t.types_known and types != t.types:
            problems.append(f"{t.label}: history {types}\n      model   {t.types}")
        if state_of(data) != t.state:
            problems.append(f"{t.label}: now {run.show(state_of(data))}, model {run.show(t.state)}")
        if history and state_of(history[-1]["ticket"]) != state_of(data):
            problems.append(f"{t.label}: the last event's state is not the ticket's state")
        previous: str | None = None
        for h in history:
            state = state_of(h["ticket"])
            events[h["sequence"]] = (t.id, h["type"], state, previous)
            previous = state[2]
    return Truth(events, customers), problems


def may_see(world: World, actor: Actor, truth: Truth, sequence: int) -> bool:
    """The event visibility the brief promises (dispatchers: all; an engineer: tickets
    assigned to them plus the event taking one away; a customer: its own; an agent:
    its customers')."""
    ticket_id, type_, state, previous = truth.events[sequence]
    if actor.role in DISPATCHER_ROLES:
        return True
    if actor.role == "ENGINEER":
        return state[2] == actor.id or (type_ in TAKE_AWAY and previous == actor.id)
    customer = truth.customer_of[ticket_id]
    if actor.role == "CUSTOMER":
        return customer == actor.customer
    if actor.role == "AGENT":
        return customer == world.c1
    return False


def sees_now(world: World, actor: Actor, ticket: Ticket) -> bool:
    if actor.role in DISPATCHER_ROLES:
        return True
    if actor.role == "ENGINEER":
        return ticket.assignee == actor.id
    if actor.role == "CUSTOMER":
        return ticket.customer == actor.customer
    return actor.role == "AGENT" and ticket.customer == world.c1


def make_fetch(api: Api, world: World) -> Callable[[Actor], Awaitable[dict[str, Any]]]:
    async def fetch(actor: Actor) -> dict[str, tuple[State, str]]:
        """The user's `tickets`: dispatchers (who see the whole shared server) per
        customer of this world, everyone else unfiltered."""
        filters: list[dict[str, Any] | None] = [None]
        if actor.role in DISPATCHER_ROLES:
            filters = [{"customerId": customer} for customer in world.customers]
        found: dict[str, tuple[State, str]] = {}
        for filter_ in filters:
            after = None
            while True:
                variables = {"first": 100, "after": after, "filter": filter_}
                page = (await api.data(TICKETS, variables, actor.user.token))["tickets"]
                for node in page["nodes"]:
                    found[node["id"]] = (state_of(node), node["customer"]["id"])
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        return found

    return fetch


def expected_events(world: World, client: SyncClient, truth: Truth) -> list[int]:
    """The world's events after the client's `since` that it may see, in order."""
    return [
        s
        for s in sorted(truth.events)
        if s > client.since0 and may_see(world, client.actor, truth, s)
    ]


async def wait_until_delivered(run: Run, clients: list[SyncClient], truth: Truth) -> list[str]:
    """Waits (bounded) until every client has the last event it may see."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    late: list[str] = []
    for client in clients:
        expected = expected_events(run.world, client, truth)
        if expected and not await client.wait_for(expected[-1], deadline):
            late.append(
                f"{client.label}: waited {WAIT_SECONDS:.0f} s for sequence {expected[-1]},"
                f" last received {client.last_seq}"
            )
    return late


async def view_problems(
    run: Run, client: SyncClient, fetch: Callable[[Actor], Awaitable[Any]]
) -> list[str]:
    """The client's view against a fresh `tickets` query (and the rules)."""
    actor, problems = client.actor, []
    fresh = await fetch(actor)
    if actor.role not in DISPATCHER_ROLES and (outside := set(fresh) - set(run.by_id)):
        problems.append(f"`tickets` shows tickets outside this world: {sorted(outside)[:5]}")
    now = {tid: state for tid, (state, _customer) in fresh.items() if tid in run.by_id}
    view = dict(client.view)
    if actor.role in DISPATCHER_ROLES:
        view = {tid: state for tid, state in view.items() if tid in run.by_id}
    for tid in sorted(set(now) | set(view), key=run.label):
        if now.get(tid) != view.get(tid):
            mine = run.show(view[tid]) if tid in view else "(not in view)"
            there = run.show(now[tid]) if tid in now else "(not in the query)"
            problems.append(f"view differs on {run.label(tid)}: client {mine}, fresh query {there}")
    should = {t.id for t in run.tickets if sees_now(run.world, actor, t)}
    if set(now) != should:
        problems.append(
            f"`tickets` shows {sorted(map(run.label, now))}, "
            f"the rules give {sorted(map(run.label, should))}"
        )
    return problems


def event_problems(run: Run, client: SyncClient, truth: Truth) -> list[str]:
    actor, problems = client.actor, list(client.problems)
    sequences = [e.sequence for e in client.received]
    for before, after in itertools.pairwise(sequences):
        if after <= before:
            kind = "duplicate" if after == before else "out of order"
            problems.append(f"{kind}: sequence {after} after {before}")
    mine = [e for e in client.received if e.ticket_id in run.by_id]
    foreign = [e for e in client.received if e.ticket_id not in run.by_id]
    if foreign and actor.role not in DISPATCHER_ROLES:
        shown_foreign = [(e.sequence, e.type, e.ticket_id) for e in foreign[:5]]
        problems.append(f"events of tickets outside this world: {shown_foreign}")
    expected = expected_events(run.world, client, truth)
    got = [e.sequence for e in mine]

    def shown(sequences: list[int]) -> str:
        return ", ".join(
            f"{s} {truth.events[s][1]} {run.label(truth.events[s][0])}"
            f" [{run.show(truth.events[s][2])}]"
            if s in truth.events
            else str(s)
            for s in sequences[:8]
        )

    if missing := sorted(set(expected) - set(got)):
        problems.append(f"missing events: {shown(missing)}")
    if unexpected := sorted(set(got) - set(expected)):
        problems.append(
            f"events it may not see (or from before since={client.since0}): {shown(unexpected)}"
        )
    for event in mine:
        if event.sequence not in truth.events:
            problems.append(f"event {event.sequence} {event.type} is not in any history")
            continue
        ticket_id, type_, state, _previous = truth.events[event.sequence]
        # A ticket not shown (no longer the client's when delivered) still has its version.
        shown_state = event.state if event.state is not None else state
        if (event.ticket_id, event.type, shown_state, event.version) != (
            ticket_id,
            type_,
            state,
            state[1],
        ):
            problems.append(
                f"event {event.sequence}: {event.type} {run.label(event.ticket_id)}"
                f" [{run.show(event.state)}], history: {type_} {run.label(ticket_id)}"
                f" [{run.show(state)}]"
            )
    return problems


async def checkpoint(
    run: Run, clients: list[SyncClient], fetch: Callable[[Actor], Awaitable[Any]], step: int
) -> list[str]:
    """Mid-run: every online client has what it may see so far and equals a fresh query."""
    online = [c for c in clients if c.online]
    truth, _ = await read_truth(run)
    found = [f"at step {step}: {line}" for line in await wait_until_delivered(run, online, truth)]
    for client in online:
        found += [
            f"at step {step}, {client.label}: {line}"
            for line in await view_problems(run, client, fetch)
        ]
    return found


# -- the test ------------------------------------------------------------------------------


async def test_every_client_view_equals_a_fresh_query(server: Server) -> None:
    seed = int(os.environ.get(SEED_ENV) or secrets.randbits(31))
    print(f"\nsync correctness on {server.backend}: seed {seed} (replay: {SEED_ENV}={seed})")
    started = time.monotonic()
    world = build_world(server)
    timings = {"setup": time.monotonic() - started}
    schedule = random.Random(seed + 1)  # joins and reconnects, apart from the operations
    clients: list[SyncClient] = []
    checkpoints: list[str] = []
    async with server.async_http() as http:
        api = Api(http)
        run = Run(server, api, world, seed)
        fetch = make_fetch(api, world)
        try:
            mark = time.monotonic()
            await run.execute(run.create(world.cs, world.c1))
            await run.execute(run.create(world.cs, world.c3))
            truth, _ = await read_truth(run)
            since = max(truth.events)  # known before any snapshot below
            board = SyncClient("cs", world.cs, server, fetch)
            clients = [board] + [SyncClient(a.label, a, server, fetch) for a in world.everyone[1:]]
            await asyncio.gather(*(c.join(since) for c in clients))
            timings["join"] = time.monotonic() - mark

            mark = time.monotonic()
            steps = schedule.sample(range(3, RANDOM_STEPS - 6), 5)
            joiners = {
                steps[0]: world.cs,
                steps[1]: schedule.choice(world.engineers),
                steps[2]: schedule.choice([world.cust1, world.cust2, world.agent]),
            }
            offline = {step: schedule.choice(clients) for step in steps[3:]}
            back = {step + schedule.randint(1, 4): client for step, client in offline.items()}
            joining: list[asyncio.Task[None]] = []
            for step in range(RANDOM_STEPS):
                if step in joiners:
                    # A second session (the phone) joins while the operations go on,
                    # from a sequence somewhat behind (any one seen before its snapshot).
                    actor = joiners[step]
                    late = SyncClient(f"{actor.label}#2", actor, server, fetch)
                    late.joined_at_step = step
                    clients.append(late)
                    seen = [e.sequence for e in board.received[-8:]] or [board.last_seq]
                    since = schedule.choice(seen)
                    joining.append(asyncio.create_task(late.join(since)))
                    run.note(f"      {late.label} joins with since={since}")
                if step in offline:
                    # A checkpoint: everyone up to date and equal to a fresh query. Then
                    # one client loses its connection for a few operations. (Only while
                    # nothing is in flight: see test_a_client_leaving_... below.)
                    await asyncio.gather(*joining)
                    checkpoints += await checkpoint(run, clients, fetch, step)
                    client = offline[step]
                    if client.online:
                        await client.go_offline()
                        run.note(f"      {client.label} goes offline")
                for client in [c for s, c in back.items() if s == step and not c.online]:
                    run.note(f"      {client.label} reconnects with since={client.resume()}")
                await run.step()
            for client in clients:
                if not client.online:
                    run.note(f"      {client.label} reconnects with since={client.resume()}")
            await asyncio.gather(*joining)
            # Markers: a last event for every client.
            await run.execute(run.create(world.cust1, world.c1))
            await run.execute(run.create(world.cust2, world.c2))
            for engineer in world.engineers:
                marker = await run.execute(run.create(world.cs, world.c3))
                assert marker is not None
                await run.execute(
                    run.move(world.cs, "dispatchTicket", marker, engineerId=engineer.id)
                )
            timings["operations"] = time.monotonic() - mark

            mark = time.monotonic()
            truth, history_problems = await read_truth(run)
            late_clients = await wait_until_delivered(run, clients, truth)
            timings["wait"] = time.monotonic() - mark

            mark = time.monotonic()
            report: dict[str, list[str]] = {}
            for client in clients:
                found = event_problems(run, client, truth)
                found += await view_problems(run, client, fetch)
                if found:
                    report[client.label] = found
            timings["verify"] = time.monotonic() - mark
        finally:
            for client in clients:
                await client.stop()

    timings["total"] = time.monotonic() - started
    received = ", ".join(
        f"{c.label}:{sum(e.ticket_id in run.by_id for e in c.received)}" for c in clients
    )
    summary = (
        f"{server.backend} seed {seed}: {len(run.log)} log lines, {run.counts},"
        f" {len(run.tickets)} tickets, {len(truth.events)} events; received {received};"
        " timings " + " ".join(f"{k}={v:.1f}s" for k, v in timings.items())
    )
    print(summary)
    if os.environ.get(VERBOSE_ENV):
        print("\n".join(run.log))
    failures = []
    if run.problems:
        failures.append("operations against the rules:\n  " + "\n  ".join(run.problems))
    if history_problems:
        failures.append("history:\n  " + "\n  ".join(history_problems))
    if checkpoints:
        failures.append("checkpoints:\n  " + "\n  ".join(checkpoints))
    if late_clients:
        failures.append("clients still waiting:\n  " + "\n  ".join(late_clients))
    for label, found in report.items():
        client = next(c for c in clients if c.label == label)
        failures.append(
            f"client {label} ({client.actor.role}, since={client.since0},"
            f" reconnects={client.reconnects}, joined at step {client.joined_at_step}):\n  "
            + "\n  ".join(found)
        )
    if failures:
        pytest.fail(
            f"{summary}\n\n" + "\n\n".join(failures) + "\n\noperations:\n" + "\n".join(run.log),
            pytrace=False,
        )


# -- a defect found by the test above ---------------------------------------------------------

LEAVERS_SPREAD = (0.0, 0.001, 0.002, 0.004, 0.008, 0.016)  # seconds between leavers' exits
LEAVE_ROUNDS = 10
# Two loader levels (ticket, then its customer): a realistic board row.
DEEP_EVENTS = gql(
    "subscription S($since: Int) { ticketEvents(since: $since) {"
    " sequence type ticketId ticketVersion"
    " ticket { id status version assignee { id } customer { id name } } } }"
)


async def test_a_client_leaving_does_not_end_other_clients_subscriptions(server: Server) -> None:
    """Three watchers (CUSTOMER_SERVICE, BACK_OFFICE, the customer's user) stay
    subscribed; each round, six other connections subscribe, a ticket is created, and
    those six disconnect within the next few milliseconds (while the event is being
    delivered). Then one more ticket is created: every watcher must still receive it."""
    customer = rh.create_customer(server)["id"]
    dispatcher = Actor("cs", server.make_user("CUSTOMER_SERVICE"))
    watchers = [
        dispatcher,
        Actor("bo", server.make_user("BACK_OFFICE")),
        Actor("cust", server.make_user("CUSTOMER", customer_id=customer), customer=customer),
    ]
    async with server.async_http() as http:
        api = Api(http)

        async def no_snapshot(_actor: Actor) -> dict[str, Any]:
            return {}

        async def new_ticket() -> str:
            payload = {"kind": "REPAIR", "customerId": customer, "description": unique_name("x")}
            created = await api.data(CREATE, {"input": payload}, dispatcher.user.token)
            return created["createTicket"]["id"]

        async def sequence_of(ticket_id: str) -> int:
            assert server.admin_token
            data = await api.data(HISTORY, {"id": ticket_id}, server.admin_token)
            return data["ticket"]["history"][-1]["sequence"]

        def client(actor: Actor, label: str, since: int) -> SyncClient:
            made = SyncClient(label, actor, server, no_snapshot, DEEP_EVENTS)
            made.listen_only(since)
            return made

        first = await sequence_of(await new_ticket())
        watching = [client(a, a.label, first - 1) for a in watchers]
        leavers: list[SyncClient] = []
        try:
            for c in watching:  # each has the replayed event: its subscription is live
                assert await c.wait_for(first, asyncio.get_running_loop().time() + 10), c.label
            for round_ in range(1, LEAVE_ROUNDS + 1):
                ready = await sequence_of(await new_ticket())
                leavers = [client(dispatcher, f"leaver{i}", ready - 1) for i in LEAVERS_SPREAD]
                deadline = asyncio.get_running_loop().time() + 10
                for leaver in leavers:
                    assert await leaver.wait_for(ready, deadline), leaver.problems
                delivering = await new_ticket()  # its event is being delivered now
                leaving = []
                for pause, leaver in zip(LEAVERS_SPREAD, leavers, strict=True):
                    await asyncio.sleep(pause)  # spreads the exits over the delivery
                    leaving.append(leaver.drop())
                await asyncio.gather(*filter(None, leaving), return_exceptions=True)
                delivered = await sequence_of(delivering)
                check = await sequence_of(await new_ticket())
                deadline = asyncio.get_running_loop().time() + 10
                for w in watching:
                    received = await w.wait_for(check, deadline)
                    assert received and not w.failed, (
                        f"round {round_}: six other connections left while event {delivered}"
                        f" was being delivered; watcher {w.label} ({w.actor.role}) received up"
                        f" to sequence {w.last_seq}, not {check}: {w.problems}"
                    )
        finally:
            for c in watching + leavers:
                await c.stop()
