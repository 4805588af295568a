"""Every path to every record, for every role: default deny.

Generated from the served schema. For each reader of a seeded world (one of every
staff role, two engineers, two customers' users, two agents' users) it walks every
field path (no type twice on one path) to the depth limit from

* every root query: list roots once, `id` roots once per record of the world,
* every subscription payload, replayed from the first event,
* the results of the mutations the world is made with, as their authors got them,

and checks every object of every answer, by its `__typename`, against the oracle
below: a record the reader may not see must not be there, a field the reader may not
read must be null, a field refused to the reader must be FORBIDDEN.

The oracle is written from SPEC.md's row rules and the README's read matrix, not from
resolvers/visibility.py: a rule loosened there fails this test
(`test_a_loosened_rule_is_caught` proves it), and a type the oracle does not know
fails it too, so a new type cannot ship without its rule being stated here as well.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import io
import tempfile
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
    parse,
    subscribe,
)
from PIL import Image
from sqlalchemy import select
from starlette.datastructures import UploadFile
from strawberry import Schema

from domain.access import ANYONE
from domain.accounts.passwords import hash_password
from domain.errors import DomainError
from persistence import migrations
from persistence.db import make_engine, make_sessionmaker
from persistence.models import Notification, User
from persistence.storage import LocalStorage
from persistence.types import utcnow
from realtime.executor import EventScopedExecutor
from realtime.relay import Relay
from resolvers.accounts.tokens import issue_token
from resolvers.automation.jobs import JOBS
from resolvers.automation.runner import JobRunner, tick_of
from resolvers.channels.deliverer import fan_out
from resolvers.context import Context, Services
from resolvers.ids import decode_id, encode_id
from resolvers.sla.clock import run_sla_clock
from schema.root import build_schema
from settings import Settings

KEY = "e" * 48
PASSWORD = "pw-Correct-Horse-9"
DEPTH = 10
# A replay delivers what it holds back to back; this long without an event, it is over.
REPLAY_QUIET = 0.4
OFFICE = {"ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE"}
STAFF = OFFICE | {"ENGINEER"}
MANAGERS = {"ADMIN", "BACK_OFFICE"}


# -- the world ---------------------------------------------------------------------


@dataclass
class Reader:
    name: str
    role: str
    user_id: str = ""
    customer: str | None = None  # world name of its customer (CUSTOMER users)
    agent: str | None = None  # world name of its agent (AGENT users)
    token: str = ""


@dataclass
class World:
    services: Services
    schema: Schema
    readers: dict[str, Reader]
    ids: dict[str, str] = field(default_factory=dict)  # world name -> global id
    names: dict[str, str] = field(default_factory=dict)  # global id -> world name
    # Notification ids per reader name, read from the table (the oracle's truth).
    notifications: dict[str, set[str]] = field(default_factory=dict)
    # (reader, mutation, data) of every mutation made while seeding.
    results: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def name(self, key: str, global_id: str) -> str:
        self.ids[key], self.names[global_id] = global_id, key
        return global_id


READERS = [
    Reader("admin", "ADMIN"),
    Reader("office", "BACK_OFFICE"),
    Reader("cs", "CUSTOMER_SERVICE"),
    Reader("e1", "ENGINEER"),
    Reader("e2", "ENGINEER"),
    Reader("cust1", "CUSTOMER", customer="C1"),
    Reader("cust2", "CUSTOMER", customer="C2"),
    Reader("agent1", "AGENT", agent="A1"),
    Reader("agent2", "AGENT", agent="A2"),
]


def context(world: World, reader: Reader) -> Context:
    return Context.in_process(world.services, reader.token)


# -- full selections -----------------------------------------------------------------


def _named(output: Any) -> Any:
    while isinstance(output, GraphQLNonNull | GraphQLList):
        output = output.of_type
    return output


def _needs_arguments(gfield: Any) -> bool:
    return any(
        isinstance(arg.type, GraphQLNonNull) and arg.default_value is None
        for arg in gfield.args.values()
    )


def selection(
    otype: GraphQLObjectType, depth: int, seen: frozenset[str], role: str = "ADMIN"
) -> SelectionSetNode:
    """Every field of `otype`, and below it every path that repeats no type, down to
    the depth limit. A field refused outright (FORBIDDEN) to `role` is checked on its
    own (walk_refused): here it would only void the answer around it.

    Built as syntax nodes, not text: a document of every path holds thousands of
    fields, and parsing them as text took half of this test's time."""
    key = (id(otype), depth, seen, _refused_to(role))
    if key not in _SELECTIONS:
        _SELECTIONS[key] = _selection(otype, depth, seen, key[3])
    return _SELECTIONS[key]


_SELECTIONS: dict[tuple[int, int, frozenset[str], frozenset[Any]], SelectionSetNode] = {}


def _refused_to(role: str) -> frozenset[tuple[str, str]]:
    return frozenset(key for key, allowed in REFUSED.items() if role not in allowed)


def _field(name: str, below: SelectionSetNode | None = None) -> FieldNode:
    return FieldNode(name=NameNode(value=name), arguments=(), directives=(), selection_set=below)


def _selection(
    otype: GraphQLObjectType, depth: int, seen: frozenset[str], refused: frozenset[Any]
) -> SelectionSetNode:
    fields = [_field("__typename")]
    for name, inner in _selectable(otype):
        if (otype.name, name) in refused:
            continue
        if not isinstance(inner, GraphQLObjectType):
            fields.append(_field(name))
        elif depth < DEPTH and inner.name not in seen:
            fields.append(_field(name, _selection(inner, depth + 1, seen | {inner.name}, refused)))
    return SelectionSetNode(selections=tuple(fields))


@functools.cache
def _selectable(otype: GraphQLObjectType) -> list[tuple[str, Any]]:
    """(name, named type) of the fields of `otype` that need no argument."""
    return [
        (name, _named(gfield.type))
        for name, gfield in otype.fields.items()
        if not _needs_arguments(gfield)
    ]


def with_selection(text: str, below: SelectionSetNode | None) -> DocumentNode:
    """The one-field operation `text`, its field selecting `below`."""
    document = parse(text, no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    # Syntax nodes are frozen: the operation is rebuilt around the new field.
    field_node = replace(root, selection_set=below)
    selections = replace(operation.selection_set, selections=(field_node,))
    return replace(document, definitions=(replace(operation, selection_set=selections),))


_DOCUMENTS: dict[tuple[int, str, str, frozenset[Any]], tuple[DocumentNode, bool]] = {}


def root_document(
    schema: Schema, kind: str, name: str, role: str = "ADMIN"
) -> tuple[DocumentNode, bool]:
    """A document selecting everything under one root field; True if it takes `$id`.
    Roles refused the same fields share it."""
    key = (id(schema), kind, name, _refused_to(role))
    if key not in _DOCUMENTS:
        _DOCUMENTS[key] = _root_document(schema, kind, name, role)
    return _DOCUMENTS[key]


def _root_document(schema: Schema, kind: str, name: str, role: str) -> tuple[DocumentNode, bool]:
    gschema = schema._schema
    root = {"query": gschema.query_type, "subscription": gschema.subscription_type}[kind]
    assert root is not None
    gfield = root.fields[name]
    inner = _named(gfield.type)
    below = selection(inner, 2, frozenset({inner.name}), role)
    arguments = ""
    if "id" in gfield.args:
        arguments = "(id: $id)"
    elif "first" in gfield.args:
        arguments = "(first: 100)"
    elif "since" in gfield.args:
        arguments = "(since: 0)"
    variables = "($id: ID!)" if "id" in gfield.args else ""
    text = f"{kind} Q{variables} {{ {name}{arguments} }}"
    return with_selection(text, below), "id" in gfield.args


# -- the oracle --------------------------------------------------------------------

ALL = "all"
EVERYONE = {reader.name for reader in READERS}


def _by_role(**names: Any) -> Callable[[Reader], Any]:
    """{reader name: world names} -> a function of the reader; office readers see all."""

    def visible(reader: Reader) -> Any:
        if reader.role in OFFICE:
            return ALL
        return names.get(reader.name, set())

    return visible


# Which records of each type a reader may see (world names), from SPEC.md: an engineer
# sees the tickets assigned to it now and what they need (their customers, devices,
# agents); a customer its own; an agent its customers' (C3 moved from A1 to A2).
ROWS: dict[str, Callable[[Reader], Any]] = {
    "Customer": _by_role(
        e1={"C2"}, e2={"C1"}, cust1={"C1"}, cust2={"C2"}, agent1={"C1"}, agent2={"C2", "C3"}
    ),
    "Device": _by_role(
        e1={"D2"}, e2={"D1"}, cust1={"D1"}, cust2={"D2"}, agent1={"D1"}, agent2={"D2", "D3"}
    ),
    # T1 went from e1 to e2; T3 was reported by agent1 before C3 moved to agent2.
    "Ticket": _by_role(
        e1={"T2"}, e2={"T1"}, cust1={"T1"}, cust2={"T2"}, agent1={"T1"}, agent2={"T2", "T3"}
    ),
    "Agent": _by_role(
        e1={"A2"}, e2={"A1"}, cust1={"A1"}, cust2={"A2"}, agent1={"A1"}, agent2={"A2"}
    ),
    # A customer's people: whoever sees the customer; an agent's: the agent itself.
    "Contact": _by_role(
        e1={"CC2"},
        e2={"CC1"},
        cust1={"CC1"},
        cust2={"CC2"},
        agent1={"CC1", "AC1"},
        agent2={"CC2", "CC3", "AC2"},
    ),
    # Staff accounts are seen by all (as id and name by portal readers); a portal
    # account by staff, itself, and the portal readers of its customer or agent.
    "User": lambda reader: (
        ALL
        if reader.role in STAFF
        else {
            "cust1": {"U_admin", "U_office", "U_cs", "U_e1", "U_e2", "U_cust1", "U_agent1"},
            "cust2": {"U_admin", "U_office", "U_cs", "U_e1", "U_e2", "U_cust2", "U_agent2"},
            "agent1": {"U_admin", "U_office", "U_cs", "U_e1", "U_e2", "U_agent1", "U_cust1"},
            "agent2": {"U_admin", "U_office", "U_cs", "U_e1", "U_e2", "U_agent2", "U_cust2"},
        }[reader.name]
    ),
    "PartSale": _by_role(cust1={"S1"}, agent1={"S1"}),
    "OutingRequest": _by_role(e2={"O1"}),
    "OutingExpense": _by_role(e2={"X1"}),
    "PurchaseOrder": lambda reader: ALL if reader.role in MANAGERS else set(),
    "Communication": _by_role(agent1={"M1"}, agent2={"M3"}),
    "StockMovement": lambda reader: ALL if reader.role in STAFF else set(),
    "AuditEntry": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "KindRestriction": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "ImportColumn": lambda reader: ALL if reader.role in MANAGERS else set(),
    "ImportResult": lambda reader: ALL if reader.role in MANAGERS else set(),
    "Region": lambda reader: ALL,
    "Part": lambda reader: ALL,
    "LoginResult": lambda reader: ALL,
    # The time engine's settings: calendars and policies for staff, the service
    # settings for the office, the job runs for the administrator.
    "BusinessCalendar": lambda reader: ALL if reader.role in STAFF else set(),
    "SlaPolicy": lambda reader: ALL if reader.role in STAFF else set(),
    "ServiceSettings": lambda reader: ALL if reader.role in OFFICE else set(),
    "JobRun": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "DispatchRule": lambda reader: ALL if reader.role in STAFF else set(),
    "EngineerProfile": lambda reader: ALL if reader.role in STAFF else set(),
    "MaintenanceDue": lambda reader: ALL if reader.role in OFFICE else set(),
    # RM1 is addressed to e1 (by name) and to every agent (by role).
    "Reminder": _by_role(e1={"RM1"}, agent1={"RM1"}, agent2={"RM1"}),
    # T1's photo (F1) and signature (F2): whoever sees T1.
    "Attachment": _by_role(e2={"F1", "F2"}, cust1={"F1", "F2"}, agent1={"F1", "F2"}),
    "ChargeRates": lambda reader: ALL if reader.role in STAFF else set(),
    # Channels, their deliveries and test results are the admin's; a user's channel
    # preferences (no id: reached only as one's own) everyone's own.
    "Channel": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "Delivery": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "ChannelTestResult": lambda reader: ALL if reader.role == "ADMIN" else set(),
    "ChannelPreferences": lambda reader: ALL,
}
# Checked otherwise: events and notifications below, engineers' stock by its engineer.
SPECIAL = {"TicketEvent", "Notification", "EngineerStock"}
# Shown only inside their record, which the oracle checks.
PARTS_OF = {
    "CheckIn",
    "WorkRecord",
    "Rating",
    "PartUsage",
    "PartSaleLine",
    "PurchaseOrderLine",
    "OutingPartLine",
    "OutingTotals",
    "WorkingHours",
    "TicketSla",
    "TicketHold",
    "TicketDepot",
    "DepotStepEntry",
    "TicketSignature",
    "TicketCharges",
    "ChargeLine",
    "Estimate",
    "RepeatFailure",
    "DeliveredNotification",
}
STAFF_ONLY_EVENTS = {
    "OUTING_REQUESTED",
    "OUTING_APPROVED",
    "OUTING_REJECTED",
    "OUTING_CANCELLED",
    "SLA_WARNING",
    "SLA_BREACHED",
}


def _is_self(reader: Reader, world: World, obj: dict[str, Any]) -> bool:
    return obj.get("id") == reader.user_id


def _staff_or_self(reader: Reader, world: World, obj: dict[str, Any]) -> bool:
    return reader.role in STAFF or _is_self(reader, world, obj)


def _office_or_self(reader: Reader, world: World, obj: dict[str, Any]) -> bool:
    return reader.role in OFFICE or _is_self(reader, world, obj)


def _office_or_own_agent(reader: Reader, world: World, obj: dict[str, Any]) -> bool:
    return reader.role in OFFICE or (
        reader.agent is not None and obj.get("id") == world.ids[reader.agent]
    )


def _roles(*roles: str) -> Callable[[Reader, World, dict[str, Any]], bool]:
    return lambda reader, _world, _obj: reader.role in roles


# Fields some readers get as null: staff-private account fields, an agent's own
# business, internal customer notes, what we paid and what we earn.
HIDDEN: dict[tuple[str, str], Callable[[Reader, World, dict[str, Any]], bool]] = {
    **{("User", f): _staff_or_self for f in ("username", "role", "phone", "email")},
    **{
        ("User", f): _office_or_self
        for f in ("enabled", "lastLoginAt", "locked", "customer", "agent")
    },
    **{("Agent", f): _office_or_own_agent for f in ("level", "address", "region", "contacts")},
    ("Customer", "category"): _roles(*STAFF, "AGENT"),
    ("Customer", "notes"): _roles(*STAFF, "AGENT"),
    ("Device", "purchasePrice"): _roles(*OFFICE),
    ("Part", "costPrice"): _roles(*OFFICE),
    ("Part", "averagePurchasePrice"): _roles(*OFFICE),
    ("Part", "minimumPrice"): _roles(*STAFF),
    ("StockMovement", "unitCost"): _roles(*OFFICE),
    ("PartSaleLine", "costPrice"): _roles(*OFFICE),
    ("PartSaleLine", "margin"): _roles(*OFFICE),
    ("PartSaleLine", "minimumPrice"): _roles(*STAFF),
    # A ticket's SLA clock is the company's own business.
    ("Ticket", "sla"): _roles(*STAFF),
}
# Fields refused outright (FORBIDDEN) to readers outside their audience.
REFUSED: dict[tuple[str, str], set[str]] = {
    ("Customer", "communications"): OFFICE | {"AGENT"},
    ("Part", "movements"): STAFF,
}


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # typename -> objects seen
    shown: set[tuple[str, str]] = field(default_factory=set)  # hidden fields seen non-null

    def leak(self, reader: Reader, where: str, what: str) -> None:
        self.leaks.append(f"{reader.name} ({reader.role}) at {where}: {what}")


def check_object(
    world: World, reader: Reader, obj: dict[str, Any], where: str, found: Findings
) -> None:
    typename = obj["__typename"]
    found.seen[typename] = found.seen.get(typename, 0) + 1
    if typename in ROWS:
        allowed = ROWS[typename](reader)
        key = obj.get("id")
        if allowed != ALL and key is not None:
            name = world.names.get(key, f"unknown {key}")
            if name not in allowed:
                found.leak(reader, where, f"{typename} {name}")
    elif typename == "TicketEvent":
        if reader.role not in STAFF and obj.get("type") in STAFF_ONLY_EVENTS:
            found.leak(reader, where, f"staff-only event {obj['type']}")
    elif typename == "Notification":
        if obj.get("id") is not None and obj["id"] not in world.notifications[reader.name]:
            found.leak(reader, where, f"another user's notification {obj['id']}")
    elif typename == "EngineerStock":
        engineer = (obj.get("engineer") or {}).get("id")
        if reader.role not in OFFICE and engineer not in (None, reader.user_id):
            found.leak(reader, where, "another engineer's stock")
    elif typename not in PARTS_OF and not typename.endswith(("Connection", "Edge", "PageInfo")):
        found.leak(reader, where, f"{typename}: a type the oracle does not know")
    for (owner, name), may_read in HIDDEN.items():
        if owner == typename and obj.get(name) is not None:
            if may_read(reader, world, obj):
                found.shown.add((owner, name))
            else:
                found.leak(reader, where, f"{typename}.{name} = {obj[name]!r}")


def walk(world: World, reader: Reader, data: Any, where: str, found: Findings) -> None:
    if isinstance(data, list):
        for index, item in enumerate(data):
            walk(world, reader, item, f"{where}[{index}]", found)
    elif isinstance(data, dict):
        if "__typename" in data:
            check_object(world, reader, data, where, found)
        for key, value in data.items():
            walk(world, reader, value, f"{where}.{key}", found)


def check_errors(reader: Reader, where: str, errors: Any, found: Findings) -> None:
    """Only a root may be refused or missing; nothing else may fail."""
    for error in errors or []:
        original = error.original_error
        code = original.code if isinstance(original, DomainError) else "INTERNAL"
        if code not in ("FORBIDDEN", "NOT_FOUND") or len(error.path or []) > 1:
            trace = "".join(traceback.format_exception(original)) if original else ""
            found.leak(reader, f"{where} {error.path}", f"{code}: {error.message}\n{trace}")


# -- running documents ---------------------------------------------------------------


async def run(world: World, reader: Reader, document: DocumentNode, **variables: Any) -> Any:
    result = execute(
        world.schema._schema,
        document,
        context_value=context(world, reader),
        variable_values=variables,
        executor_class=EventScopedExecutor,
    )
    if asyncio.iscoroutine(result):
        result = await result
    return result


async def mutate(
    world: World, reader_name: str, text: str, *, checked: bool = True, **variables: Any
) -> dict[str, Any]:
    """A mutation as `reader_name`, selecting everything of its result, which is walked
    like any read: the oracle is who sees what at the end, so a result that showed its
    author what the author no longer sees (C3 before it moved away from agent1, T1
    before it was taken from e1) is made with `checked=False`."""
    reader = world.readers[reader_name]
    gschema = world.schema._schema
    assert gschema.mutation_type is not None
    name = text.split("(", 1)[0].strip()
    gfield = gschema.mutation_type.fields[name]
    inner = _named(gfield.type)
    below = (
        selection(inner, 2, frozenset({inner.name}), reader.role)
        if hasattr(inner, "fields")
        else None
    )
    declared = ", ".join(f"${k}: {_graphql_type(gfield, k)}" for k in variables)
    document = with_selection(f"mutation M({declared}) {{ {text} }}", below)
    result = await run(world, reader, document, **variables)
    assert not result.errors, f"{reader_name} {name}: {result.errors}"
    if checked:
        world.results.append((reader_name, name, result.data))
    return result.data[name]


def _graphql_type(gfield: Any, variable: str) -> str:
    return str(gfield.args[variable].type)


# -- seeding through the real operations -----------------------------------------------


async def seed(world: World) -> None:
    w, ids = world, world.ids
    # WeChat Work carries every notification from now (its deliveries are made in
    # changes_to_check; nothing is sent here).
    channel = await mutate(
        w,
        "admin",
        "createChannel(input: $input)",
        input={
            "kind": "WECOM",
            "name": "WeCom",
            "config": {"corpId": "ww-ep", "corpSecret": "s", "agentId": 1000002},
        },
    )
    w.name("CH1", channel["id"])
    region = await mutate(
        w, "admin", "createRegion(input: $input)", input={"name": "Jiangsu", "level": "PROVINCE"}
    )
    w.name("R1", region["id"])
    for label in ("A1", "A2"):
        agent = await mutate(
            w,
            "admin",
            "createAgent(input: $input)",
            input={
                "name": f"Agent {label}",
                "level": "GOLD",
                "phone": "+86 21 5555 0100",
                "email": f"{label.lower()}@agents.example",
                "address": f"{label} Road 1",
                "regionId": ids["R1"],
                "contacts": [{"name": f"{label} person", "phone": "+86 21 5555 0101"}],
            },
        )
        w.name(label, agent["id"])
        w.name(f"AC{label[1]}", agent["contacts"][0]["id"])
    for label, agent in (("C1", "A1"), ("C2", "A2"), ("C3", "A1")):
        customer = await mutate(
            w,
            "admin",
            "createCustomer(input: $input)",
            input={
                "code": f"EP-{label}",
                "name": f"Customer {label}",
                "category": "KEY_ACCOUNT",
                "notes": "internal: pays late",
                "phone": "+86 21 5555 0200",
                "agentId": ids[agent],
                "regionId": ids["R1"],
                "contacts": [{"name": f"{label} buyer", "phone": "+86 21 5555 0201"}],
            },
        )
        w.name(label, customer["id"])
        w.name(f"CC{label[1]}", customer["contacts"][0]["id"])
    for reader in list(world.readers.values())[1:]:
        extra: dict[str, Any] = {}
        if reader.customer:
            extra["customerId"] = ids[reader.customer]
        if reader.agent:
            extra["agentId"] = ids[reader.agent]
        user = await mutate(
            w,
            "admin",
            "createUser(input: $input)",
            input={
                "username": f"ep-{reader.name}",
                "password": PASSWORD,
                "role": reader.role,
                "displayName": f"Person {reader.name}",
                "phone": "+86 139 0000 0000",
                "email": f"{reader.name}@example.com",
                **extra,
            },
        )
        reader.user_id = w.name(f"U_{reader.name}", user["id"])
        reader.token = issue_token(
            KEY, user_id=decode_id(user["id"], "User"), token_version=1, ttl_minutes=30
        )
    for label, customer in (("D1", "C1"), ("D2", "C2"), ("D3", "C3")):
        device = await mutate(
            w,
            "admin",
            "registerDevice(input: $input)",
            input={
                "customerId": ids[customer],
                "brand": "Fanuc",
                "model": "R-2000iC",
                "serialNumber": f"EP-{label}",
                "purchasePrice": "1000.00",
                "quotedPrice": "2000.00",
                "warrantyEndsOn": "2099-01-01",
            },
        )
        w.name(label, device["id"])
    part = await mutate(
        w,
        "admin",
        "createPart(input: $input)",
        input={
            "partNumber": "EP-P1",
            "name": "Encoder",
            "costPrice": "6.00",
            "listPrice": "10.00",
            "minimumPrice": "8.00",
            "alarmThreshold": 1,
        },
    )
    w.name("P1", part["id"])
    await mutate(
        w,
        "office",
        "adjustStock(partId: $partId, quantity: $quantity, reason: $reason)",
        partId=ids["P1"],
        quantity=20,
        reason="opening stock",
    )
    order = await mutate(
        w,
        "office",
        "createPurchaseOrder(input: $input)",
        input={"supplier": "Encoders Ltd", "lines": [{"partId": ids["P1"], "quantity": 5}]},
    )
    w.name("PO1", order["id"])
    for who, step in (("office", "review"), ("admin", "approve"), ("office", "issue")):
        await mutate(w, who, f"{step}PurchaseOrder(id: $id)", id=ids["PO1"])
    await mutate(
        w,
        "office",
        "receivePurchaseOrder(id: $id, lines: $lines)",
        id=ids["PO1"],
        lines=[{"partId": ids["P1"], "quantity": 5}],
    )
    await _tickets(world)
    sale = await mutate(
        w,
        "office",
        "createPartSale(input: $input)",
        input={"customerId": ids["C1"], "lines": [{"partId": ids["P1"], "quantity": 1}]},
    )
    w.name("S1", sale["id"])
    note = await mutate(
        w,
        "admin",
        "logCommunication(input: $input)",
        input={"customerId": ids["C1"], "summary": "asked for a quote"},
    )
    w.name("M1", note["id"])
    await mutate(
        w,
        "admin",
        "setTicketKindRestriction(kinds: $kinds, role: $role)",
        kinds=["REPAIR", "MAINTENANCE", "INSTALLATION"],
        role="CUSTOMER_SERVICE",
    )


async def changes_to_check(world: World) -> None:
    """Mutations of every role whose results are walked: each leaves who sees what as it
    was, so the oracle holds for them as for any read."""
    w, ids = world, world.ids
    await mutate(w, "e1", "acknowledgeTicket(id: $id)", id=ids["T2"])
    await mutate(
        w,
        "e1",
        "setMyChannelPreferences(input: $input)",
        input={"wecomUserId": "e1-wecom", "kinds": []},
    )
    await mutate(
        w,
        "admin",
        "bindWecomUser(userId: $userId, wecomUserId: $wecomUserId)",
        userId=ids["U_e2"],
        wecomUserId="e2-wecom",
    )
    await mutate(w, "admin", "testChannel(id: $id)", id=ids["CH1"])
    # The job runner warns that T2's engineer is due on site, then T2 waits for parts.
    runner = JobRunner(w.services, JOBS, 30)
    await runner.run_tick(tick_of(utcnow(), 30))
    await run_sla_clock(w.services, utcnow() + timedelta(minutes=100))
    # Those warnings go out to e1 by WeChat Work: the deliveries are made (not sent).
    await fan_out(w.services, decode_id(ids["CH1"], "Channel"))
    # T2's unit went to the depot: its hand-overs show on the ticket.
    await mutate(
        w,
        "office",
        "advanceDepotRepair(ticketId: $ticketId, step: $step, note: $note)",
        ticketId=ids["T2"],
        step="RECEIVED_FROM_CUSTOMER",
        note="boxed",
    )
    # D2 is maintained every 90 days: on the office's maintenance list.
    await mutate(
        w,
        "office",
        "updateDevice(id: $id, input: $input)",
        id=ids["D2"],
        input={"installedOn": "2026-01-10", "maintenanceIntervalDays": 90},
    )
    reminder = await mutate(
        w,
        "cs",
        "createReminder(input: $input)",
        input={
            "title": "visit C2",
            "dueAt": "2030-01-01T09:00:00+08:00",
            "userIds": [ids["U_e1"]],
            "roles": ["AGENT"],
            "ticketId": ids["T2"],
            "customerId": ids["C2"],
            "deviceId": ids["D2"],
        },
    )
    w.name("RM1", reminder["id"])
    await mutate(w, "e1", "completeReminder(id: $id)", id=reminder["id"])
    # Automatic dispatch set up (for severity-4 installations: no ticket of the world).
    await mutate(
        w,
        "office",
        "setEngineerProfile(userId: $userId, input: $input)",
        userId=ids["U_e2"],
        input={"skills": ["FANUC"], "regionIds": [ids["R1"]], "maxOpenTickets": 3},
    )
    await mutate(
        w,
        "admin",
        "createDispatchRule(input: $input)",
        input={
            "name": "installs",
            "priority": 1,
            "strategy": "REGION_MATCH",
            "kinds": ["INSTALLATION"],
            "severities": [4],
            "regionIds": [ids["R1"]],
        },
    )
    await mutate(
        w,
        "e1",
        "holdTicket(id: $id, reason: $reason, note: $note)",
        id=ids["T2"],
        reason="WAITING_PARTS",
        note="bearing ordered",
    )
    await mutate(
        w,
        "e2",
        "claimExpense(expenseId: $expenseId, amount: $amount, receipt: $receipt)",
        expenseId=ids["X1"],
        amount="45.00",
        receipt="R-1",
    )
    await mutate(
        w,
        "agent1",
        "updateDevice(id: $id, input: $input)",
        id=ids["D1"],
        input={"model": "R-2000iD"},
    )
    await mutate(
        w,
        "agent1",
        "updateCustomer(id: $id, input: $input)",
        id=ids["C1"],
        input={"phone": "+86 21 5555 0299"},
    )
    await mutate(
        w,
        "office",
        "adjustStock(partId: $partId, quantity: $quantity, reason: $reason)",
        partId=ids["P1"],
        quantity=1,
        reason="found one",
    )
    await mutate(
        w,
        "admin",
        "updateUser(id: $id, input: $input)",
        id=ids["U_e2"],
        input={"phone": "+86 139 0000 0001"},
    )
    for name in ("cust1", "agent1", "e1"):
        login = replace(world.readers[name], token="")
        world.readers[f"{name}-login"] = login
        await mutate(
            w,
            f"{name}-login",
            "login(username: $username, password: $password)",
            username=f"ep-{name}",
            password=PASSWORD,
        )
        del world.readers[f"{name}-login"]


async def _tickets(world: World) -> None:
    w, ids = world, world.ids
    # A policy for severity 1 (T2): its clock, warning and hold are on T2's paths.
    calendar = await mutate(
        w,
        "admin",
        "createBusinessCalendar(input: $input)",
        input={
            "name": "always",
            "timezone": "Asia/Shanghai",
            "hours": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(1, 8)],
        },
    )
    await mutate(
        w,
        "office",
        "createSlaPolicy(input: $input)",
        input={
            "name": "severity 1",
            "severity": 1,
            "responseMinutes": 60,
            "onSiteMinutes": 120,
            "warnBeforeMinutes": 30,
            "calendarId": calendar["id"],
            "escalateTo": ["ADMIN"],
        },
    )
    t1 = await mutate(
        w,
        "cust1",
        "createTicket(input: $input)",
        input={
            "kind": "REPAIR",
            "customerId": ids["C1"],
            "deviceId": ids["D1"],
            "severity": 2,
            "description": "spindle alarm",
        },
    )
    w.name("T1", t1["id"])
    t2 = await mutate(
        w,
        "cs",
        "createTicket(input: $input)",
        input={"kind": "REPAIR", "customerId": ids["C2"], "severity": 1, "description": "noise"},
    )
    w.name("T2", t2["id"])
    t3 = await mutate(
        w,
        "agent1",
        "createTicket(input: $input)",
        checked=False,
        input={"kind": "REPAIR", "customerId": ids["C3"], "severity": 3, "description": "leak"},
    )
    w.name("T3", t3["id"])
    # C3 leaves agent1 for agent2 while agent1 still has its events.
    note = await mutate(
        w,
        "agent1",
        "logCommunication(input: $input)",
        checked=False,
        input={"customerId": ids["C3"], "summary": "customer unhappy"},
    )
    w.name("M3", note["id"])
    await mutate(
        w,
        "admin",
        "updateCustomer(id: $id, input: $input)",
        id=ids["C3"],
        input={"agentId": ids["A2"]},
    )
    dispatch = "dispatchTicket(id: $id, engineerId: $engineerId)"
    await mutate(w, "cs", dispatch, id=ids["T1"], engineerId=world.readers["e1"].user_id)
    await mutate(w, "e1", "acknowledgeTicket(id: $id)", checked=False, id=ids["T1"])
    # T1 is taken away from e1: e1 keeps its notifications and events, not the ticket.
    await mutate(w, "cs", dispatch, id=ids["T1"], engineerId=world.readers["e2"].user_id)
    await mutate(w, "e2", "acknowledgeTicket(id: $id)", id=ids["T1"])
    await mutate(
        w,
        "e2",
        "checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude)",
        ticketId=ids["T1"],
        latitude=31.2,
        longitude=121.5,
    )
    photo = await mutate(
        w,
        "e2",
        "uploadAttachment(ticketId: $ticketId, file: $file, kind: $kind)",
        ticketId=ids["T1"],
        file=upload("site.png", png()),
        kind="PHOTO",
    )
    w.name("F1", photo["id"])
    await mutate(
        w,
        "office",
        "sendEstimate(ticketId: $ticketId, amount: $amount)",
        ticketId=ids["T1"],
        amount=Decimal("300"),
    )
    await mutate(
        w,
        "cust1",
        "answerEstimate(ticketId: $ticketId, accept: $accept)",
        ticketId=ids["T1"],
        accept=True,
    )
    await mutate(
        w,
        "office",
        "addChargeLine(ticketId: $ticketId, description: $description, quantity: $quantity, "
        "unitPrice: $unitPrice)",
        ticketId=ids["T1"],
        description="crane",
        quantity=Decimal("1"),
        unitPrice=Decimal("80"),
    )
    outing = await mutate(
        w,
        "e2",
        "createOutingRequest(input: $input)",
        input={
            "ticketId": ids["T1"],
            "parts": [{"partId": ids["P1"], "quantity": 2}],
            "expenses": [{"kind": "TRAVEL", "amount": "50.00"}],
        },
    )
    w.name("O1", outing["id"])
    w.name("X1", outing["expenses"][0]["id"])
    await mutate(w, "office", "approveOutingRequest(id: $id)", id=ids["O1"])
    await mutate(
        w,
        "e2",
        "issuePartsToTicket(ticketId: $ticketId, lines: $lines)",
        ticketId=ids["T1"],
        lines=[{"partId": ids["P1"], "quantity": 1}],
    )
    await mutate(
        w,
        "e2",
        "addWorkRecord(ticketId: $ticketId, input: $input)",
        ticketId=ids["T1"],
        input={
            "startedAt": "2026-11-30T08:00:00+08:00",
            "endedAt": "2026-11-30T10:00:00+08:00",
            "details": "replaced the encoder",
        },
    )
    await mutate(w, "e2", "requestClose(id: $id, summary: $summary)", id=ids["T1"], summary="ok")
    signed = await mutate(
        w,
        "e2",
        "recordSignature(ticketId: $ticketId, signerName: $signerName, image: $image)",
        ticketId=ids["T1"],
        signerName="Mr Qian",
        image=upload("signature.png", png()),
    )
    w.name("F2", signed["attachments"][-1]["id"])
    await mutate(
        w,
        "cust1",
        "confirmClose(id: $id, rating: $rating)",
        id=ids["T1"],
        rating={"communication": 5, "quality": 4, "solved": True, "comment": "quick"},
    )
    await mutate(w, "cs", dispatch, id=ids["T2"], engineerId=world.readers["e1"].user_id)
    # Declining gives the ticket back: the response still shows its author the ticket.
    await mutate(w, "e1", "declineTicket(id: $id, reason: $reason)", id=ids["T2"], reason="busy")
    await mutate(w, "cs", dispatch, id=ids["T2"], engineerId=world.readers["e1"].user_id)


# -- fixtures -------------------------------------------------------------------------


# PostgreSQL here; SQLite in test_every_path_sqlite.py, a module of its own so that the
# two (a couple of minutes each) run on different CI workers.
@pytest.fixture(
    scope="module",
    params=[pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# The whole world is seeded and every path read in one test: more than the default limit.
pytestmark = [pytest.mark.timeout(300), pytest.mark.runs_long(200)]


@pytest.fixture(scope="module")
def database_url(backend: str, make_database: Any) -> str:
    url = make_database(backend)
    migrations.upgrade(url)
    return url


def _settings(url: str) -> Settings:
    # The walk sends whole trees: the size limits are the HTTP layer's, not the rules'.
    return Settings(
        environment="test",
        database_url=url,
        secret_key=KEY,
        max_query_tokens=10_000_000,
        max_aliases=1000,
        max_query_depth=DEPTH,
        # The world's WeChat Work channel names the public API: not looked up here.
        webhook_allow_private=True,
    )


def upload(name: str, content: bytes) -> UploadFile:
    """A file as the multipart parser hands it to a resolver."""
    return UploadFile(io.BytesIO(content), filename=name)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@contextlib.asynccontextmanager
async def services_for(url: str) -> AsyncIterator[Services]:
    settings = _settings(url)
    storage = LocalStorage(Path(tempfile.mkdtemp(prefix="every-path-files-")))
    await storage.start()
    # What is checked here is who sees what, not how the server copes when the database
    # is slow. On a loaded CI machine one path once failed with an error without a
    # message, most likely asyncpg's TimeoutError from a connection that took longer
    # than the 5 s a server allows (the failure now carries its traceback).
    engine = make_engine(url, pool_timeout=30)
    sessionmaker = make_sessionmaker(engine)
    relay = Relay(sessionmaker, "memory://", poll_interval=0.05)
    await relay.start()
    try:
        yield Services(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            signing_key=KEY,
            relay=relay,
            storage=storage,
        )
    finally:
        await relay.stop()
        await storage.close()
        await engine.dispose()


async def start_world(services: Services, schema: Schema, readers: list[Reader]) -> World:
    """A world with its administrator (made as `aftersales create-user` does); the rest
    is made by `seed` through the operations."""
    async with services.sessionmaker() as session, session.begin():
        admin = User(
            username="ep-admin",
            display_name="Person admin",
            role="ADMIN",
            password_hash=hash_password(PASSWORD),
        )
        session.add(admin)
    world = World(services, schema, {reader.name: replace(reader) for reader in readers})
    admin_reader = world.readers["admin"]
    admin_reader.user_id = world.name("U_admin", encode_id("User", admin.id))
    admin_reader.token = issue_token(KEY, user_id=admin.id, token_version=1, ttl_minutes=30)
    return world


@pytest.fixture(scope="module")
async def world(database_url: str) -> AsyncIterator[World]:
    async with services_for(database_url) as services:
        world = await start_world(services, build_schema(services.settings), READERS)
        readers = world.readers
        await seed(world)
        await changes_to_check(world)
        async with services.sessionmaker() as session:
            rows = (await session.execute(select(Notification.id, Notification.user_id))).all()
        by_user = {reader.user_id: reader.name for reader in readers.values()}
        world.notifications = {name: set() for name in readers}
        for pk, user_pk in rows:
            world.notifications[by_user[encode_id("User", user_pk)]].add(
                encode_id("Notification", pk)
            )
        yield world


# -- the walks ------------------------------------------------------------------------


def _record_ids(world: World, type_name: str) -> list[str]:
    prefix = {"User": "U_"}.get(type_name)
    return [
        global_id
        for name, global_id in world.ids.items()
        if (name.startswith(prefix) if prefix else _pk_type(global_id) == type_name)
    ]


def _pk_type(global_id: str) -> str:
    padded = global_id + "=" * (-len(global_id) % 4)
    return base64.urlsafe_b64decode(padded).decode().partition(":")[0]


async def walk_queries(world: World, reader: Reader, found: Findings) -> None:
    gschema = world.schema._schema
    for name, gfield in gschema.query_type.fields.items():
        document, by_id = root_document(world.schema, "query", name, reader.role)
        if by_id:
            target = _named(gfield.type).name
            runs = [{"id": key} for key in _record_ids(world, target)]
            assert runs or target == "Region", target  # the world has no region
        else:
            runs = [{}]
        for variables in runs:
            result = await run(world, reader, document, **variables)
            where = f"{name}{variables or ''}"
            check_errors(reader, where, result.errors, found)
            walk(world, reader, result.data, where, found)


async def walk_subscriptions(world: World, reader: Reader, found: Findings) -> None:
    gschema = world.schema._schema
    assert gschema.subscription_type is not None
    for name in gschema.subscription_type.fields:
        document, _ = root_document(world.schema, "subscription", name, reader.role)
        stream = await subscribe(
            gschema,
            document,
            context_value=context(world, reader),
            executor_class=EventScopedExecutor,
        )
        assert hasattr(stream, "__anext__"), stream
        count = 0
        try:
            while True:
                try:
                    result = await asyncio.wait_for(stream.__anext__(), REPLAY_QUIET)
                except TimeoutError:
                    break  # the replay is over; what follows would be live
                count += 1
                check_errors(reader, name, result.errors, found)
                walk(world, reader, result.data, f"{name}#{count}", found)
        finally:
            await stream.aclose()
        found.seen[f"subscription {name}"] = found.seen.get(f"subscription {name}", 0) + count


async def walk_refused(world: World, reader: Reader, found: Findings) -> None:
    # A record of the type that the reader sees, for each refused field.
    own_customer = ROWS["Customer"](reader)
    customer = "C1" if own_customer == ALL else sorted(own_customer)[0]
    checks = {
        ("Customer", "communications"): ("customer", customer, "communications { id }"),
        ("Part", "movements"): ("part", "P1", "movements { totalCount }"),
    }
    assert set(checks) == set(REFUSED), "a refused field without its check here"
    for key, (root, record, below) in checks.items():
        document = parse(f"query Q($id: ID!) {{ {root}(id: $id) {{ {below} }} }}")
        result = await run(world, reader, document, id=world.ids[record])
        codes = [getattr(e.original_error, "code", "INTERNAL") for e in result.errors or []]
        if reader.role in REFUSED[key]:
            if codes:
                found.leak(reader, f"{root}.{below}", f"refused to an allowed reader: {codes}")
        elif codes != ["FORBIDDEN"]:
            found.leak(reader, f"{root}.{below}", f"not refused: {codes} {result.data}")


def walk_mutation_results(world: World, found: Findings) -> None:
    """The results of the world's mutations, as their authors got them."""
    for reader_name, name, data in world.results:
        reader = world.readers.get(reader_name) or world.readers[reader_name.split("-")[0]]
        walk(world, reader, data, f"mutation {name}", found)


async def everything(world: World) -> Findings:
    found = Findings()
    walk_mutation_results(world, found)
    for reader in world.readers.values():
        await walk_queries(world, reader, found)
        await walk_subscriptions(world, reader, found)
        await walk_refused(world, reader, found)
    return found


# -- the tests ------------------------------------------------------------------------


async def test_no_path_shows_a_reader_what_it_may_not_see(world: World) -> None:
    found = await everything(world)
    assert not found.leaks, f"{len(found.leaks)} leaks:\n" + "\n".join(found.leaks[:60])
    # Not vacuous: every type the oracle knows was reached, every hidden field was
    # shown to someone allowed, and both subscriptions replayed events.
    gschema = world.schema._schema
    reachable = {
        name
        for name, gtype in gschema.type_map.items()
        if isinstance(gtype, GraphQLObjectType)
        and not name.startswith("__")
        and name not in ("Query", "Mutation", "Subscription")
        and not name.endswith(("Connection", "Edge", "PageInfo"))
    }
    unknown = reachable - set(ROWS) - SPECIAL - PARTS_OF
    assert not unknown, f"types the oracle does not know: {sorted(unknown)}"
    # No import in the world; no device with one defect repaired twice under warranty
    # (tests/e2e/test_charges.py makes one).
    unseen = reachable - set(found.seen) - {"ImportResult", "RepeatFailure"}
    assert not unseen, f"never reached: {sorted(unseen)}"
    assert set(HIDDEN) <= found.shown, f"never shown: {set(HIDDEN) - found.shown}"
    assert found.seen["subscription ticketEvents"] > 0
    assert found.seen["subscription notifications"] > 0


async def test_every_field_has_an_audience_and_every_record_field_its_rule(world: World) -> None:
    """The schema refuses to build without rules (schema.rules); here, the oracle's
    hidden fields are exactly the fields the rules hide from someone."""
    from schema.rules import rule_of

    hidden: set[tuple[str, str]] = set()
    gschema = world.schema._schema
    converter = world.schema.config.name_converter
    for name, gtype in gschema.type_map.items():
        rule = rule_of(world.schema, name) if isinstance(gtype, GraphQLObjectType) else None
        if rule is None or rule.structural:
            continue
        definition = world.schema.get_type_by_name(name)
        python = {converter.get_graphql_name(f): f.python_name for f in definition.fields}  # type: ignore[union-attr]
        for graphql_name in gtype.fields:
            if rule.audience_of[python[graphql_name]] != ANYONE:
                hidden.add((name, graphql_name))
    assert hidden == set(HIDDEN) | set(REFUSED)


def _loosened(world: World) -> Iterator[None]:
    """A copy of the schema with two rules loosened: devices' purchase price for all, and
    every ticket for every reader."""
    from domain.access import OFFICE_ONLY
    from resolvers import visibility
    from schema.assets import types
    from schema.tickets import types as ticket_types

    device_rule = types.Device.__read__
    ticket_rule = ticket_types.Ticket.__read__
    fields = dict(device_rule.fields)
    fields[ANYONE] = (*fields[ANYONE], "purchase_price")
    del fields[OFFICE_ONLY]
    types.Device.__read__ = replace(device_rule, fields=fields)
    ticket_types.Ticket.__read__ = replace(ticket_rule, rows=visibility.EVERY_ROW)
    try:
        yield
    finally:
        types.Device.__read__ = device_rule
        ticket_types.Ticket.__read__ = ticket_rule


async def test_a_loosened_rule_is_caught(world: World) -> None:
    with contextlib.contextmanager(_loosened)(world):
        loose = replace(world, schema=build_schema(world.services.settings))
    found = Findings()
    await walk_queries(loose, loose.readers["e1"], found)
    leaks = "\n".join(found.leaks)
    assert "Device.purchasePrice" in leaks
    assert "Ticket T1" in leaks  # the ticket taken away from e1
