"""GraphQL documents and small builders for the ticket tests.

* `create_ticket(server, token, customer_id, kind="REPAIR", **fields) -> dict`: the
  created ticket (asserts success); `create_ticket_response(...)` gives the raw answer.
* `move(server, token, "acknowledgeTicket", ticket_id, **args) -> response`: any
  lifecycle mutation, raw answer; the required arguments a test does not care about
  (reason, summary, coordinates, rating, work record) get defaults. `move_ok(...)`
  asserts success and returns the ticket; `dispatch(...)` is `move_ok` for
  `dispatchTicket`.
* `get_ticket(server, token, ticket_id) -> dict`: the ticket with its check-ins,
  work records, rating and history.
* `TicketWorld.build(server)`: a customer with a device, its agent, a CUSTOMER and an
  AGENT user for them, two engineers, a dispatcher (CUSTOMER_SERVICE) and a
  BACK_OFFICE user, all made through the API (build it once per test module: each
  user costs an argon2 hash). `world.new_ticket()` opens a ticket on its customer and
  device, `world.advance(ticket, "IN_PROGRESS")` walks the happy path up to a status.

Arguments may be given in snake_case or camelCase (`expected_version=...`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import records_helpers as rh
from .client import Client, UserHandle, assert_ok, unique_name

# -- fragments ---------------------------------------------------------------------

TICKET = (
    "id number kind status severity version source description contactName contactPhone"
    " remoteDiagnosis underWarranty dispatchedAt dispatchNote acceptedAt startedAt"
    " closeSummary closeRequestedAt confirmedAt closedAt cancelledAt cancelReason"
    " createdAt updatedAt customer { id } device { id } assignee { id } dispatchedBy { id }"
)
RATING = "communication quality solved comment at onBehalfOfCustomer ratedBy { id }"
EVENT = "sequence type at actor { id username } data ticket { id status version assignee { id } }"
TICKET_FULL = (
    f"{TICKET} checkIns {{ id at latitude longitude note engineer {{ id }} }}"
    " workRecords { id startedAt endedAt method place details issuesLeft engineer { id } }"
    f" rating {{ {RATING} }} history {{ {EVENT} }}"
)
NOTIFICATION = "id sequence kind handled message at ticketId ticket { id status }"
PAGE = "totalCount pageInfo { hasNextPage endCursor }"

# -- documents ---------------------------------------------------------------------

CREATE_TICKET = (
    f"mutation M($input: CreateTicketInput!) {{ createTicket(input: $input) {{ {TICKET} }} }}"
)
TICKET_BY_ID = f"query Q($id: ID!) {{ ticket(id: $id) {{ {TICKET_FULL} }} }}"
TICKETS = f"""
query Q($first: Int, $after: String, $filter: TicketFilter) {{
  tickets(first: $first, after: $after, filter: $filter) {{
    {PAGE} edges {{ cursor node {{ {TICKET} }} }}
  }}
}}"""
MY_NOTIFICATIONS = f"""
query Q($first: Int, $after: String, $unhandledOnly: Boolean) {{
  myNotifications(first: $first, after: $after, unhandledOnly: $unhandledOnly) {{
    {PAGE} nodes {{ {NOTIFICATION} }}
  }}
}}"""
SET_KIND_RESTRICTION = """
mutation M($kinds: [TicketKind!], $role: Role, $userId: ID) {
  setTicketKindRestriction(kinds: $kinds, role: $role, userId: $userId) {
    role kinds user { id }
  }
}"""
KIND_RESTRICTIONS = "query Q { ticketKindRestrictions { role kinds user { id } } }"

# The argument naming the ticket, per mutation (default "id").
TICKET_ARG = {"checkIn": "ticketId", "addWorkRecord": "ticketId", "issuePartsToTicket": "ticketId"}
ARG_TYPES = {
    "engineerId": "ID!",
    "note": "String",
    "reason": "String!",
    "summary": "String!",
    "diagnosis": "String!",
    "latitude": "Float!",
    "longitude": "Float!",
    "rating": "RatingInput!",
    "input": "WorkRecordInput!",
    "lines": "[PartLineInput!]!",
    "expectedVersion": "Int",
    "idempotencyKey": "String",
}


def _work_record() -> dict[str, Any]:
    end = datetime.now(UTC).replace(microsecond=0)
    return {
        "startedAt": (end - timedelta(hours=2)).isoformat(),
        "endedAt": end.isoformat(),
        "details": "Replaced the worn belt",
        "method": "ON_SITE",
        "place": "Line 2",
        "issuesLeft": None,
    }


# Required arguments a test may leave out (callables: fresh values per call).
DEFAULTS: dict[str, dict[str, Any]] = {
    "declineTicket": {"reason": "Not my area"},
    "checkIn": {"latitude": 30.2741, "longitude": 120.1551},
    "addWorkRecord": {"input": _work_record},
    "requestClose": {"summary": "Fixed and tested"},
    "confirmClose": {"rating": {"communication": 5, "quality": 4, "solved": True}},
    "rejectClose": {"reason": "Still broken"},
    "cancelTicket": {"reason": "Duplicate report"},
    "setRemoteDiagnosis": {"diagnosis": "Probably the belt"},
}
MOVES = (
    "dispatchTicket",
    "acknowledgeTicket",
    "declineTicket",
    "checkIn",
    "addWorkRecord",
    "requestClose",
    "confirmClose",
    "rejectClose",
    "finalizeClose",
    "cancelTicket",
    "setRemoteDiagnosis",
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def move_document(mutation: str, arg_names: list[str], selection: str = TICKET) -> str:
    """`mutation M($id: ID!, ...) { <mutation>(id: $id, ...) { <selection> } }`."""
    ticket_arg = TICKET_ARG.get(mutation, "id")
    names = [ticket_arg, *arg_names]
    types = {ticket_arg: "ID!", **ARG_TYPES}
    declared = ", ".join(f"${n}: {types[n]}" for n in names)
    passed = ", ".join(f"{n}: ${n}" for n in names)
    return f"mutation M({declared}) {{ {mutation}({passed}) {{ {selection} }} }}"


def move(
    server: Client,
    token: str | None,
    mutation: str,
    ticket_id: str,
    *,
    selection: str = TICKET,
    **args: Any,
) -> dict[str, Any]:
    """Runs a lifecycle mutation (e.g. "acknowledgeTicket"); returns the raw answer."""
    assert mutation in MOVES, f"unknown ticket mutation {mutation!r}; one of {MOVES}"
    values = {_camel(k): v for k, v in args.items()}
    for name, default in DEFAULTS.get(mutation, {}).items():
        values.setdefault(name, default() if callable(default) else default)
    unknown = set(values) - set(ARG_TYPES)
    assert not unknown, f"unknown arguments {unknown} for {mutation}"
    variables = {TICKET_ARG.get(mutation, "id"): ticket_id, **values}
    return server.gql(move_document(mutation, list(values), selection), variables, token)


def move_ok(
    server: Client, token: str | None, mutation: str, ticket_id: str, **args: Any
) -> dict[str, Any]:
    """`move` that asserts success; returns the ticket."""
    return assert_ok(move(server, token, mutation, ticket_id, **args))[mutation]


def dispatch(
    server: Client, token: str | None, ticket_id: str, engineer_id: str, **args: Any
) -> dict[str, Any]:
    """Dispatches (or reassigns) the ticket to the engineer; returns the ticket."""
    return move_ok(server, token, "dispatchTicket", ticket_id, engineer_id=engineer_id, **args)


def create_ticket_response(
    server: Client,
    token: str | None,
    customer_id: str,
    kind: str = "REPAIR",
    **fields: Any,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "kind": kind,
        "customerId": customer_id,
        "description": f"Fault {unique_name('d')}",
    }
    payload.update({_camel(k): v for k, v in fields.items()})
    return server.gql(CREATE_TICKET, {"input": payload}, token)


def create_ticket(
    server: Client,
    token: str | None,
    customer_id: str,
    kind: str = "REPAIR",
    **fields: Any,
) -> dict[str, Any]:
    """Opens a ticket (default description; `device_id=`, `severity=`...); returns it."""
    response = create_ticket_response(server, token, customer_id, kind, **fields)
    return assert_ok(response)["createTicket"]


def get_ticket_response(server: Client, token: str | None, ticket_id: str) -> dict[str, Any]:
    return server.gql(TICKET_BY_ID, {"id": ticket_id}, token)


def get_ticket(server: Client, token: str | None, ticket_id: str) -> dict[str, Any]:
    """The ticket with check-ins, work records, rating and history."""
    return assert_ok(get_ticket_response(server, token, ticket_id))["ticket"]


def list_tickets(
    server: Client, token: str | None, *, first: int = 100, after: str | None = None, **filter: Any
) -> dict[str, Any]:
    """One page of `tickets` ({totalCount, pageInfo, edges}); `filter` in snake/camelCase."""
    variables = {
        "first": first,
        "after": after,
        "filter": {_camel(k): v for k, v in filter.items()} or None,
    }
    return assert_ok(server.gql(TICKETS, variables, token))["tickets"]


def ticket_ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


def notifications(
    server: Client, token: str | None, *, unhandled_only: bool = False, first: int = 100
) -> list[dict[str, Any]]:
    """This user's notifications, newest first."""
    variables = {"first": first, "unhandledOnly": unhandled_only}
    return assert_ok(server.gql(MY_NOTIFICATIONS, variables, token))["myNotifications"]["nodes"]


def set_kind_restriction(
    server: Client,
    kinds: list[str] | None,
    *,
    role: str | None = None,
    user_id: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """Raw answer of `setTicketKindRestriction` (as the administrator unless `token`)."""
    variables = {"kinds": kinds, "role": role, "userId": user_id}
    return server.gql(SET_KIND_RESTRICTION, variables, token or server.admin_token)


# -- a world to play in ------------------------------------------------------------

HAPPY_PATH = (
    "NEW",
    "DISPATCHED",
    "ACCEPTED",
    "IN_PROGRESS",
    "CLOSE_REQUESTED",
    "CUSTOMER_CONFIRMED",
    "CLOSED",
)


@dataclass
class TicketWorld:
    """Everyone a ticket involves, made through the API (see the module docstring)."""

    server: Client
    agent: dict[str, Any]
    customer: dict[str, Any]
    device: dict[str, Any]
    customer_user: UserHandle
    agent_user: UserHandle
    engineer: UserHandle
    engineer2: UserHandle
    dispatcher: UserHandle
    back_office: UserHandle

    @classmethod
    def build(cls, server: Client) -> TicketWorld:
        agent = rh.create_agent(server)
        customer = rh.create_customer(server, agentId=agent["id"])
        warranty = (datetime.now(UTC).date() + timedelta(days=365)).isoformat()
        device = rh.register_device(server, customer["id"], warrantyEndsOn=warranty)
        return cls(
            server=server,
            agent=agent,
            customer=customer,
            device=device,
            customer_user=server.make_user("CUSTOMER", customer_id=customer["id"]),
            agent_user=server.make_user("AGENT", agent_id=agent["id"]),
            engineer=server.make_user("ENGINEER"),
            engineer2=server.make_user("ENGINEER"),
            dispatcher=server.make_user("CUSTOMER_SERVICE"),
            back_office=server.make_user("BACK_OFFICE"),
        )

    def new_ticket(
        self, kind: str = "REPAIR", *, token: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A NEW ticket on the world's customer and device (by the dispatcher)."""
        fields.setdefault("device_id", self.device["id"])
        return create_ticket(
            self.server, token or self.dispatcher.token, self.customer["id"], kind, **fields
        )

    def advance(
        self, ticket: dict[str, Any], status: str, *, engineer: UserHandle | None = None
    ) -> dict[str, Any]:
        """Walks `ticket` along the happy path (dispatcher -> `engineer`, default
        `self.engineer` -> customer user -> back office) until `status`, or cancels it
        (status "CANCELLED"). Returns the ticket as the last move answered."""
        s, engineer = self.server, engineer or self.engineer
        if status == "CANCELLED":
            return move_ok(s, self.dispatcher.token, "cancelTicket", ticket["id"])
        steps = {
            "DISPATCHED": lambda t: dispatch(s, self.dispatcher.token, t["id"], engineer.id),
            "ACCEPTED": lambda t: move_ok(s, engineer.token, "acknowledgeTicket", t["id"]),
            "IN_PROGRESS": lambda t: move_ok(s, engineer.token, "checkIn", t["id"]),
            "CLOSE_REQUESTED": lambda t: move_ok(s, engineer.token, "requestClose", t["id"]),
            "CUSTOMER_CONFIRMED": lambda t: move_ok(
                s, self.customer_user.token, "confirmClose", t["id"]
            ),
            "CLOSED": lambda t: move_ok(s, self.back_office.token, "finalizeClose", t["id"]),
        }
        assert status in HAPPY_PATH, f"not on the happy path: {status}"
        start = HAPPY_PATH.index(ticket["status"])
        for target in HAPPY_PATH[start + 1 : HAPPY_PATH.index(status) + 1]:
            ticket = steps[target](ticket)
            assert ticket["status"] == target, ticket
        return ticket
