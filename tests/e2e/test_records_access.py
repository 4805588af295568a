"""Who may do what with the records, end to end: every role against every query and
mutation on regions, agents, customers, contacts, the communication log, devices,
users and the audit log (a table written from the policy), then the row-level rules
(a customer sees its own records, an agent its own customers, an engineer the
customers of its tickets; others' records are NOT_FOUND by id and absent from lists)
and the purchase price that only the office sees.

One set of records per backend (module fixture `world`), built through the API:
agents A1 and A2; customers C1 (agent A1), C2 (agent A2), C3 (no agent); devices on
each; one user of every role, the CUSTOMER user belonging to C1 and the AGENT user to
A1; the ENGINEER user holds a ticket of C1. Every record of the set carries the set's unique tag in its code, name or serial
number, so searching for the tag sees exactly the set whatever else the shared
database holds. Mutations that change or remove their target get a fresh one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from . import records_helpers as rh
from . import ticket_helpers as th
from .client import Server, UserHandle, assert_error, assert_ok, unique_name

ROLES = ("ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER", "CUSTOMER", "AGENT")
STAFF = ("ADMIN", "BACK_OFFICE", "CUSTOMER_SERVICE", "ENGINEER")
OK, FORBID, NOTF = "ok", "FORBIDDEN", "NOT_FOUND"
PURCHASE_PRICE = Decimal("1234.50")

# What each role gets, written from SPEC.md's roles table and the policy:
# OK: no error and the expected data; FORBIDDEN / NOT_FOUND: that error code.
# "(C2)" and the like name the target: C1 belongs to the CUSTOMER user and to the
# AGENT user's agent A1; C2 (agent A2) and C3 (no agent) belong to neither.
# fmt: off
EXPECTED: dict[str, tuple[str, str, str, str, str, str]] = {
    # operation                        ADMIN   BACK_OFF CUST_SVC ENGINEER CUSTOMER AGENT
    "regions":                        (OK,     OK,      OK,      OK,      OK,      OK),
    "regions(parentId)":              (OK,     OK,      OK,      OK,      OK,      OK),
    "region":                         (OK,     OK,      OK,      OK,      OK,      OK),
    "createRegion":                   (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "renameRegion":                   (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "deleteRegion":                   (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "restoreRegion":                  (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "agents":                         (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "agent(A1)":                      (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "agent(A2)":                      (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "createAgent":                    (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "updateAgent":                    (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "deleteAgent":                    (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "restoreAgent":                   (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "customers":                      (OK,     OK,      OK,      OK,      OK,      OK),
    "customer(C1)":                   (OK,     OK,      OK,      OK,      OK,      OK),
    "customer(C2)":                   (OK,     OK,      OK,      NOTF,    NOTF,    NOTF),
    "customer(C3)":                   (OK,     OK,      OK,      NOTF,    NOTF,    NOTF),
    "customer(C1).communications":    (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "createCustomer":                 (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "createCustomer(agentId A1)":     (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "createCustomer(agentId A2)":     (OK,     OK,      OK,      FORBID,  FORBID,  FORBID),
    "updateCustomer(of A1)":          (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "updateCustomer(of A2)":          (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "updateCustomer(no agent)":       (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "updateCustomer(C1)":             (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "updateCustomer(C2)":             (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "deleteCustomer":                 (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "restoreCustomer":                (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "addContact(customer C1)":        (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "addContact(customer C2)":        (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "addContact(agent A1)":           (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "updateContact(of C1)":           (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "updateContact(of C2)":           (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "removeContact(of C1)":           (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "removeContact(of C2)":           (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "logCommunication(C1)":           (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "logCommunication(C2)":           (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "devices":                        (OK,     OK,      OK,      OK,      OK,      OK),
    "device(of C1)":                  (OK,     OK,      OK,      OK,      OK,      OK),
    "device(of C2)":                  (OK,     OK,      OK,      NOTF,    NOTF,    NOTF),
    "device(of C3)":                  (OK,     OK,      OK,      NOTF,    NOTF,    NOTF),
    "registerDevice(C1, ours)":       (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "registerDevice(C1, elsewhere)":  (OK,     OK,      OK,      FORBID,  OK,      OK),
    "registerDevice(C2, elsewhere)":  (OK,     OK,      OK,      FORBID,  NOTF,    NOTF),
    "registerDevice(C3, elsewhere)":  (OK,     OK,      OK,      FORBID,  NOTF,    NOTF),
    "updateDevice(of C1)":            (OK,     OK,      OK,      FORBID,  FORBID,  OK),
    "updateDevice(of C2)":            (OK,     OK,      OK,      FORBID,  FORBID,  NOTF),
    "deleteDevice":                   (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "restoreDevice":                  (OK,     OK,      FORBID,  FORBID,  FORBID,  FORBID),
    "auditLog":                       (OK,     FORBID,  FORBID,  FORBID,  FORBID,  FORBID),
    "users":                          (OK,     OK,      OK,      FORBID,  FORBID,  FORBID),
    "user(another)":                  (OK,     OK,      OK,      FORBID,  FORBID,  FORBID),
    "user(self)":                     (OK,     OK,      OK,      OK,      OK,      OK),
    "me":                             (OK,     OK,      OK,      OK,      OK,      OK),
    "createUser":                     (OK,     FORBID,  FORBID,  FORBID,  FORBID,  FORBID),
}
# fmt: on


# -- the set of records ------------------------------------------------------------


@dataclass
class World:
    tag: str
    province: str
    city: str
    a1: str
    a2: str
    c1: str
    c2: str
    c3: str
    d1: str  # C1's, bought from us, with a purchase price
    d1b: str  # C1's, bought elsewhere
    d2: str
    d3: str
    users: dict[str, UserHandle] = field(default_factory=dict)

    def token(self, role: str) -> str:
        return self.users[role].token


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    tag = unique_name("acc")
    province = rh.create_region(server, "PROVINCE", name=f"{tag} province")["id"]
    city = rh.create_region(server, "CITY", province, name=f"{tag} city")["id"]
    a1 = rh.create_agent(server, name=f"{tag} A1", regionId=province)["id"]
    a2 = rh.create_agent(server, name=f"{tag} A2")["id"]
    c1 = rh.create_customer(server, code=f"{tag}-C1", agentId=a1, regionId=city)["id"]
    c2 = rh.create_customer(server, code=f"{tag}-C2", agentId=a2)["id"]
    c3 = rh.create_customer(server, code=f"{tag}-C3")["id"]
    rh.add_contact(server, customer_id=c1, name="Wang Fang")
    server.admin(rh.LOG_COMMUNICATION, {"input": {"customerId": c1, "summary": "first call"}})
    d1 = rh.register_device(
        server, c1, serial=f"{tag}-D1", purchasePrice=str(PURCHASE_PRICE), quotedPrice="2000"
    )["id"]
    d1b = rh.register_device(server, c1, serial=f"{tag}-D1b", boughtFromUs=False, vendor="OtherCo")[
        "id"
    ]
    d2 = rh.register_device(server, c2, serial=f"{tag}-D2", purchasePrice="99.90")["id"]
    d3 = rh.register_device(server, c3, serial=f"{tag}-D3", purchasePrice="5")["id"]
    w = World(tag, province, city, a1, a2, c1, c2, c3, d1, d1b, d2, d3)
    for role in ROLES:
        links = {"customer_id": c1} if role == "CUSTOMER" else {}
        links = {"agent_id": a1} if role == "AGENT" else links
        w.users[role] = server.make_user(role, **links)
    # The engineer serves C1 (a ticket of C1 is assigned to it), no other customer.
    ticket = th.create_ticket(server, server.admin_token, c1)
    th.dispatch(server, server.admin_token, ticket["id"], w.users["ENGINEER"].id)
    return w


# -- the cases: one per row of EXPECTED --------------------------------------------


@dataclass
class Call:
    query: str
    variables: dict[str, Any]
    check: Callable[[dict[str, Any]], None]
    # Read as the administrator before and after a refused call: must not change.
    snapshot: Callable[[], Any] | None = None


Case = Callable[[Server, World, str], Call]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = fn
        return fn

    return register


def _read(server: Server, query: str, record_id: str) -> Callable[[], Any]:
    return lambda: server.admin(query, {"id": record_id})


def _fresh_customer(server: Server, agent_id: str | None) -> str:
    return rh.create_customer(server, agentId=agent_id)["id"]


def _matching(server: Server, search: str) -> Callable[[], Any]:
    return lambda: rh.customers_matching(server, search, include_deleted=True)


def _scoped(role: str, staff: set[str], own: set[str]) -> set[str]:
    """The office sees every record; the others (the engineer serving C1, the customer
    C1, the agent of C1) only C1's."""
    return own if role in ("CUSTOMER", "AGENT", "ENGINEER") else staff


# regions


@case("regions")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert w.province in rh.ids(data["regions"])

    return Call(rh.REGIONS, {"parentId": None}, check)


@case("regions(parentId)")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert rh.ids(data["regions"]) == [w.city]

    return Call(rh.REGIONS, {"parentId": w.province}, check)


@case("region")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["region"]["id"] == w.city
        assert data["region"]["parent"] == {"id": w.province}

    return Call(rh.REGION_BY_ID, {"id": w.city}, check)


@case("createRegion")
def _(s: Server, w: World, role: str) -> Call:
    name = unique_name("province")

    def check(data: dict[str, Any]) -> None:
        assert data["createRegion"]["name"] == name
        assert data["createRegion"]["level"] == "PROVINCE"

    return Call(rh.CREATE_REGION, {"input": {"name": name, "level": "PROVINCE"}}, check)


@case("renameRegion")
def _(s: Server, w: World, role: str) -> Call:
    region = rh.create_region(s, "CITY", w.province)["id"]
    name = unique_name("renamed")

    def check(data: dict[str, Any]) -> None:
        assert data["renameRegion"]["name"] == name

    return Call(
        rh.RENAME_REGION, {"id": region, "name": name}, check, _read(s, rh.REGION_BY_ID, region)
    )


@case("deleteRegion")
def _(s: Server, w: World, role: str) -> Call:
    region = rh.create_region(s)["id"]

    def check(data: dict[str, Any]) -> None:
        assert data["deleteRegion"]["deletedAt"] is not None

    return Call(rh.DELETE_REGION, {"id": region}, check, _read(s, rh.REGION_BY_ID, region))


@case("restoreRegion")
def _(s: Server, w: World, role: str) -> Call:
    region = rh.create_region(s)["id"]
    s.admin(rh.DELETE_REGION, {"id": region})

    def check(data: dict[str, Any]) -> None:
        assert data["restoreRegion"]["deletedAt"] is None

    return Call(rh.RESTORE_REGION, {"id": region}, check, _read(s, rh.REGION_BY_ID, region))


# agents


@case("agents")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        found = set(rh.ids(data["agents"]["nodes"]))
        assert found == ({w.a1} if role == "AGENT" else {w.a1, w.a2})

    return Call(rh.AGENTS, {"filter": {"search": w.tag}}, check)


@case("agent(A1)")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["agent"]["id"] == w.a1
        assert data["agent"]["region"] == {"id": w.province}

    return Call(rh.AGENT_BY_ID, {"id": w.a1}, check)


@case("agent(A2)")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["agent"]["id"] == w.a2

    return Call(rh.AGENT_BY_ID, {"id": w.a2}, check)


@case("createAgent")
def _(s: Server, w: World, role: str) -> Call:
    name = unique_name("agent")

    def check(data: dict[str, Any]) -> None:
        assert data["createAgent"]["name"] == name

    snapshot = lambda: s.admin(rh.AGENTS, {"filter": {"search": name, "includeDeleted": True}})  # noqa: E731
    return Call(rh.CREATE_AGENT, {"input": {"name": name, "level": "GOLD"}}, check, snapshot)


@case("updateAgent")
def _(s: Server, w: World, role: str) -> Call:
    agent = rh.create_agent(s, phone="010-1111111")["id"]

    def check(data: dict[str, Any]) -> None:
        assert data["updateAgent"]["phone"] == "010-2222222"

    return Call(
        rh.UPDATE_AGENT,
        {"id": agent, "input": {"phone": "010-2222222"}},
        check,
        _read(s, rh.AGENT_BY_ID, agent),
    )


@case("deleteAgent")
def _(s: Server, w: World, role: str) -> Call:
    agent = rh.create_agent(s)["id"]

    def check(data: dict[str, Any]) -> None:
        assert data["deleteAgent"]["deletedAt"] is not None

    return Call(rh.DELETE_AGENT, {"id": agent}, check, _read(s, rh.AGENT_BY_ID, agent))


@case("restoreAgent")
def _(s: Server, w: World, role: str) -> Call:
    agent = rh.create_agent(s)["id"]
    s.admin(rh.DELETE_AGENT, {"id": agent})

    def check(data: dict[str, Any]) -> None:
        assert data["restoreAgent"]["deletedAt"] is None

    return Call(rh.RESTORE_AGENT, {"id": agent}, check, _read(s, rh.AGENT_BY_ID, agent))


# customers


@case("customers")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        found = set(rh.ids(data["customers"]["nodes"]))
        assert found == _scoped(role, {w.c1, w.c2, w.c3}, {w.c1})
        assert data["customers"]["totalCount"] == len(found)

    return Call(rh.CUSTOMERS, {"filter": {"search": w.tag}}, check)


def _customer_case(name: str, attr: str) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        target = getattr(w, attr)

        def check(data: dict[str, Any]) -> None:
            assert data["customer"]["id"] == target
            assert data["customer"]["code"] == f"{w.tag}-{attr.upper()}"

        return Call(rh.CUSTOMER_BY_ID, {"id": target}, check)


_customer_case("customer(C1)", "c1")
_customer_case("customer(C2)", "c2")
_customer_case("customer(C3)", "c3")


@case("customer(C1).communications")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        summaries = [c["summary"] for c in data["customer"]["communications"]]
        assert "first call" in summaries

    return Call(rh.COMMUNICATIONS, {"id": w.c1}, check)


def _create_customer_case(name: str, agent_attr: str | None) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        code = unique_name("new")
        agent = getattr(w, agent_attr) if agent_attr else None
        payload: dict[str, Any] = {"code": code, "name": f"New {code}"}
        if agent:
            payload["agentId"] = agent

        def check(data: dict[str, Any]) -> None:
            created = data["createCustomer"]
            assert created["code"] == code
            # An agent's customers always belong to it.
            expected = w.a1 if role == "AGENT" else agent
            assert created["agent"] == (None if expected is None else {"id": expected})

        return Call(rh.CREATE_CUSTOMER, {"input": payload}, check, _matching(s, code))


_create_customer_case("createCustomer", None)
_create_customer_case("createCustomer(agentId A1)", "a1")
_create_customer_case("createCustomer(agentId A2)", "a2")


def _update_customer_case(name: str, target: Callable[[Server, World], str]) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        customer = target(s, w)
        notes = unique_name("notes")

        def check(data: dict[str, Any]) -> None:
            assert data["updateCustomer"]["id"] == customer
            assert data["updateCustomer"]["notes"] == notes

        return Call(
            rh.UPDATE_CUSTOMER,
            {"id": customer, "input": {"notes": notes}},
            check,
            _read(s, rh.CUSTOMER_BY_ID, customer),
        )


_update_customer_case("updateCustomer(of A1)", lambda s, w: _fresh_customer(s, w.a1))
_update_customer_case("updateCustomer(of A2)", lambda s, w: _fresh_customer(s, w.a2))
_update_customer_case("updateCustomer(no agent)", lambda s, w: _fresh_customer(s, None))
_update_customer_case("updateCustomer(C1)", lambda s, w: w.c1)
_update_customer_case("updateCustomer(C2)", lambda s, w: w.c2)


@case("deleteCustomer")
def _(s: Server, w: World, role: str) -> Call:
    customer = _fresh_customer(s, w.a1)

    def check(data: dict[str, Any]) -> None:
        assert data["deleteCustomer"]["deletedAt"] is not None

    return Call(rh.DELETE_CUSTOMER, {"id": customer}, check, _read(s, rh.CUSTOMER_BY_ID, customer))


@case("restoreCustomer")
def _(s: Server, w: World, role: str) -> Call:
    customer = _fresh_customer(s, w.a1)
    rh.delete_customer(s, customer)

    def check(data: dict[str, Any]) -> None:
        assert data["restoreCustomer"]["deletedAt"] is None

    return Call(rh.RESTORE_CUSTOMER, {"id": customer}, check, _read(s, rh.CUSTOMER_BY_ID, customer))


# contacts


def _contacts_of(s: Server, customer: str) -> Callable[[], Any]:
    query = "query Q($id: ID!) { customer(id: $id) { contacts { id name phone } } }"
    return _read(s, query, customer)


def _add_contact_case(name: str, owner: str) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        contact_name = unique_name("contact")
        variables: dict[str, Any] = {"input": {"name": contact_name, "phone": "13800000000"}}
        if owner == "a1":
            variables["agentId"] = w.a1
            snapshot = _read(s, "query Q($id: ID!) { agent(id: $id) { contacts { id } } }", w.a1)
        else:
            # A fresh customer of the same agent: its contacts are the snapshot.
            customer = _fresh_customer(s, w.a1 if owner == "c1" else w.a2)
            variables["customerId"] = customer
            snapshot = _contacts_of(s, customer)

        def check(data: dict[str, Any]) -> None:
            assert data["addContact"]["name"] == contact_name

        return Call(rh.ADD_CONTACT, variables, check, snapshot)


_add_contact_case("addContact(customer C1)", "c1")
_add_contact_case("addContact(customer C2)", "c2")
_add_contact_case("addContact(agent A1)", "a1")


def _contact_case(name: str, agent_attr: str, remove: bool) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        customer = _fresh_customer(s, getattr(w, agent_attr))
        contact = rh.add_contact(s, customer_id=customer, phone="13800000001")["id"]
        if remove:

            def check(data: dict[str, Any]) -> None:
                assert data["removeContact"]["id"] == contact
                assert data["removeContact"]["deletedAt"] is not None

            return Call(rh.REMOVE_CONTACT, {"id": contact}, check, _contacts_of(s, customer))

        def check_update(data: dict[str, Any]) -> None:
            assert data["updateContact"]["name"] == "Zhao Lei"
            assert data["updateContact"]["phone"] == "13900000000"

        variables = {"id": contact, "input": {"name": "Zhao Lei", "phone": "13900000000"}}
        return Call(rh.UPDATE_CONTACT, variables, check_update, _contacts_of(s, customer))


_contact_case("updateContact(of C1)", "a1", remove=False)
_contact_case("updateContact(of C2)", "a2", remove=False)
_contact_case("removeContact(of C1)", "a1", remove=True)
_contact_case("removeContact(of C2)", "a2", remove=True)


# the communication log


def _log_case(name: str, agent_attr: str) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        customer = _fresh_customer(s, getattr(w, agent_attr))
        summary = unique_name("called")

        def check(data: dict[str, Any]) -> None:
            entry = data["logCommunication"]
            assert entry["summary"] == summary
            assert entry["channel"] == "PHONE"
            assert entry["createdBy"] == {"id": w.users[role].id}

        variables = {"input": {"customerId": customer, "summary": summary, "channel": "phone"}}
        return Call(rh.LOG_COMMUNICATION, variables, check, _read(s, rh.COMMUNICATIONS, customer))


_log_case("logCommunication(C1)", "a1")
_log_case("logCommunication(C2)", "a2")


# devices


@case("devices")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        found = {edge["node"]["id"] for edge in data["devices"]["edges"]}
        assert found == _scoped(role, {w.d1, w.d1b, w.d2, w.d3}, {w.d1, w.d1b})
        assert data["devices"]["totalCount"] == len(found)

    return Call(rh.DEVICES, {"filter": {"search": w.tag}}, check)


def _device_case(name: str, attr: str, customer_attr: str) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        def check(data: dict[str, Any]) -> None:
            assert data["device"]["id"] == getattr(w, attr)
            assert data["device"]["customer"] == {"id": getattr(w, customer_attr)}

        return Call(rh.DEVICE_BY_ID, {"id": getattr(w, attr)}, check)


_device_case("device(of C1)", "d1", "c1")
_device_case("device(of C2)", "d2", "c2")
_device_case("device(of C3)", "d3", "c3")


def _register_case(name: str, customer_attr: str, ours: bool) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        serial = unique_name("sn")
        payload: dict[str, Any] = {
            "customerId": getattr(w, customer_attr),
            "brand": "Acme",
            "model": "R-1",
            "serialNumber": serial,
            "boughtFromUs": ours,
        }
        if not ours:
            payload["vendor"] = "OtherCo"

        def check(data: dict[str, Any]) -> None:
            device = data["registerDevice"]
            assert device["serialNumber"] == serial
            assert device["boughtFromUs"] is ours
            assert device["customer"] == {"id": getattr(w, customer_attr)}

        def snapshot() -> Any:
            return rh.devices_matching(s, serial, includeDeleted=True)

        return Call(rh.REGISTER_DEVICE, {"input": payload}, check, snapshot)


_register_case("registerDevice(C1, ours)", "c1", ours=True)
_register_case("registerDevice(C1, elsewhere)", "c1", ours=False)
_register_case("registerDevice(C2, elsewhere)", "c2", ours=False)
_register_case("registerDevice(C3, elsewhere)", "c3", ours=False)


def _update_device_case(name: str, customer_attr: str) -> None:
    @case(name)
    def _(s: Server, w: World, role: str) -> Call:
        device = rh.register_device(s, getattr(w, customer_attr))["id"]

        def check(data: dict[str, Any]) -> None:
            assert data["updateDevice"]["lastMaintainedOn"] == "2024-05-01"
            assert data["updateDevice"]["model"] == "X-100"

        variables = {"id": device, "input": {"lastMaintainedOn": "2024-05-01"}}
        return Call(rh.UPDATE_DEVICE, variables, check, _read(s, rh.DEVICE_BY_ID, device))


_update_device_case("updateDevice(of C1)", "c1")
_update_device_case("updateDevice(of C2)", "c2")


@case("deleteDevice")
def _(s: Server, w: World, role: str) -> Call:
    device = rh.register_device(s, w.c1)["id"]

    def check(data: dict[str, Any]) -> None:
        assert data["deleteDevice"]["deletedAt"] is not None

    return Call(rh.DELETE_DEVICE, {"id": device}, check, _read(s, rh.DEVICE_BY_ID, device))


@case("restoreDevice")
def _(s: Server, w: World, role: str) -> Call:
    device = rh.register_device(s, w.c1)["id"]
    s.admin(rh.DELETE_DEVICE, {"id": device})

    def check(data: dict[str, Any]) -> None:
        assert data["restoreDevice"]["deletedAt"] is None

    return Call(rh.RESTORE_DEVICE, {"id": device}, check, _read(s, rh.DEVICE_BY_ID, device))


# users and the audit log


@case("auditLog")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["auditLog"]["totalCount"] >= 1

    return Call(rh.AUDIT_LOG, {"first": 3}, check)


@case("users")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["users"]["totalCount"] >= len(ROLES)

    return Call(rh.USERS, {}, check)


@case("user(another)")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["user"]["id"] == s.admin_id

    return Call(rh.USER_BY_ID, {"id": s.admin_id}, check)


@case("user(self)")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        assert data["user"]["id"] == w.users[role].id
        assert data["user"]["role"] == role

    return Call(rh.USER_BY_ID, {"id": w.users[role].id}, check)


@case("me")
def _(s: Server, w: World, role: str) -> Call:
    def check(data: dict[str, Any]) -> None:
        me = data["me"]
        assert me["id"] == w.users[role].id
        assert me["role"] == role
        assert me["customer"] == ({"id": w.c1} if role == "CUSTOMER" else None)
        assert me["agent"] == ({"id": w.a1} if role == "AGENT" else None)

    return Call(rh.ME, {}, check)


@case("createUser")
def _(s: Server, w: World, role: str) -> Call:
    username = unique_name("made")
    payload = {"username": username, "password": "pw-Correct-Horse-9", "role": "ENGINEER"}

    def check(data: dict[str, Any]) -> None:
        assert data["createUser"]["username"] == username

    def snapshot() -> Any:
        query = "query Q($s: String) { users(filter: {search: $s}) { totalCount } }"
        return s.admin(query, {"s": username})

    return Call(rh.CREATE_USER, {"input": payload}, check, snapshot)


# -- the matrix --------------------------------------------------------------------


def test_the_table_covers_every_case() -> None:
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(EXPECTED))
def test_role_matrix(server: Server, world: World, operation: str, role: str) -> None:
    expected = EXPECTED[operation][ROLES.index(role)]
    call = CASES[operation](server, world, role)
    before = call.snapshot() if call.snapshot and expected != OK else None
    response = server.gql(call.query, call.variables, token=world.token(role))
    if expected == OK:
        call.check(assert_ok(response))
        return
    assert_error(response, expected)
    if call.snapshot is not None:
        assert call.snapshot() == before, f"a refused {operation} changed something"


# -- row-level rules ---------------------------------------------------------------


def test_customer_user_lists_only_its_customer(server: Server, world: World) -> None:
    token = world.token("CUSTOMER")
    assert rh.ids(rh.customers_matching(server, world.tag, token=token)) == [world.c1]
    everything = server.data(rh.CUSTOMERS, {"first": 100}, token)["customers"]
    assert rh.ids(everything["nodes"]) == [world.c1]
    assert everything["totalCount"] == 1
    # Naming another customer in a filter finds nothing rather than failing.
    other_agent = {"first": 100, "filter": {"agentId": world.a2}}
    assert server.data(rh.CUSTOMERS, other_agent, token)["customers"]["totalCount"] == 0


def test_customer_user_lists_only_its_devices(server: Server, world: World) -> None:
    token = world.token("CUSTOMER")
    found = rh.devices_matching(server, world.tag, token=token)
    assert sorted(rh.ids(found)) == sorted([world.d1, world.d1b])
    assert {d["customer"]["id"] for d in found} == {world.c1}
    # Even naming C2 as the filter shows nothing of it.
    other = {"first": 100, "filter": {"customerId": world.c2}}
    assert server.data(rh.DEVICES, other, token)["devices"]["totalCount"] == 0


def test_customer_user_cannot_reach_other_customers_by_id(server: Server, world: World) -> None:
    token = world.token("CUSTOMER")
    for customer in (world.c2, world.c3):
        assert_error(server.gql(rh.CUSTOMER_BY_ID, {"id": customer}, token), NOTF)
    for device in (world.d2, world.d3):
        assert_error(server.gql(rh.DEVICE_BY_ID, {"id": device}, token), NOTF)
    payload = {
        "customerId": world.c2,
        "brand": "Acme",
        "model": "R-1",
        "serialNumber": unique_name("sn"),
        "boughtFromUs": False,
    }
    assert_error(server.gql(rh.REGISTER_DEVICE, {"input": payload}, token), NOTF)


def test_customer_user_registers_devices_bought_elsewhere_for_itself(
    server: Server, world: World
) -> None:
    token = world.token("CUSTOMER")
    serial = unique_name("own")
    payload = {
        "customerId": world.c1,
        "brand": "Bosch",
        "model": "B-7",
        "serialNumber": serial,
        "boughtFromUs": False,
        "vendor": "Local shop",
        "quotedPrice": "300",
    }
    device = server.data(rh.REGISTER_DEVICE, {"input": payload}, token)["registerDevice"]
    assert device["customer"] == {"id": world.c1}
    assert rh.money(device["quotedPrice"]) == Decimal("300")
    # What we paid is not the customer's to read, so not its to write either (see
    # test_a_field_a_role_cannot_read_it_cannot_write).
    assert rh.ids(rh.devices_matching(server, serial, token=token)) == [device["id"]]
    # Bought from us (the default): only staff register those.
    ours = {k: v for k, v in payload.items() if k not in ("boughtFromUs", "vendor")}
    ours["serialNumber"] = unique_name("own")
    assert_error(server.gql(rh.REGISTER_DEVICE, {"input": ours}, token), FORBID)


def test_agent_user_sees_only_its_own_customers_and_their_devices(
    server: Server, world: World
) -> None:
    token = world.token("AGENT")
    assert rh.ids(rh.customers_matching(server, world.tag, token=token)) == [world.c1]
    found = rh.devices_matching(server, world.tag, token=token)
    assert sorted(rh.ids(found)) == sorted([world.d1, world.d1b])
    for customer in (world.c2, world.c3):
        assert_error(server.gql(rh.CUSTOMER_BY_ID, {"id": customer}, token), NOTF)
    for device in (world.d2, world.d3):
        assert_error(server.gql(rh.DEVICE_BY_ID, {"id": device}, token), NOTF)
    by_agent = {"first": 100, "filter": {"agentId": world.a2}}
    assert server.data(rh.CUSTOMERS, by_agent, token)["customers"]["totalCount"] == 0
    by_customer = {"first": 100, "filter": {"customerId": world.c2}}
    assert server.data(rh.DEVICES, by_customer, token)["devices"]["totalCount"] == 0


def test_agent_user_lists_only_its_agent(server: Server, world: World) -> None:
    token = world.token("AGENT")
    listed = server.data(rh.AGENTS, {"first": 100}, token)["agents"]
    assert rh.ids(listed["nodes"]) == [world.a1]
    assert listed["totalCount"] == 1
    assert_error(server.gql(rh.AGENT_BY_ID, {"id": world.a2}, token), NOTF)


def test_agent_user_enters_customers_for_itself_only(server: Server, world: World) -> None:
    token = world.token("AGENT")
    code = unique_name("agentmade")
    created = server.data(
        rh.CREATE_CUSTOMER, {"input": {"code": code, "name": "Agent's own"}}, token
    )["createCustomer"]
    assert created["agent"] == {"id": world.a1}
    # It is the agent's now: listed for the agent, with A1 as its agent for staff too.
    assert rh.ids(rh.customers_matching(server, code, token=token)) == [created["id"]]
    as_staff = server.data(rh.CUSTOMER_BY_ID, {"id": created["id"]}, world.token("BACK_OFFICE"))
    assert as_staff["customer"]["agent"] == {"id": world.a1}
    # Not for another agent.
    other = {"code": unique_name("agentmade"), "name": "For A2", "agentId": world.a2}
    assert_error(server.gql(rh.CREATE_CUSTOMER, {"input": other}, token), FORBID)
    assert rh.customers_matching(server, other["code"], include_deleted=True) == []


def test_agent_user_cannot_hand_a_customer_to_another_agent(server: Server, world: World) -> None:
    token = world.token("AGENT")
    customer = _fresh_customer(server, world.a1)
    for agent in (world.a2, None):
        response = server.gql(
            rh.UPDATE_CUSTOMER, {"id": customer, "input": {"agentId": agent}}, token
        )
        assert_error(response, FORBID)
    after = server.admin(rh.CUSTOMER_BY_ID, {"id": customer})["customer"]
    assert after["agent"] == {"id": world.a1}
    # Naming itself is fine.
    same = {"id": customer, "input": {"agentId": world.a1, "phone": "021-5555555"}}
    assert server.data(rh.UPDATE_CUSTOMER, same, token)["updateCustomer"]["phone"] == "021-5555555"


def test_agent_user_cannot_update_others_customers(server: Server, world: World) -> None:
    token = world.token("AGENT")
    for customer in (world.c2, world.c3):
        response = server.gql(rh.UPDATE_CUSTOMER, {"id": customer, "input": {"notes": "x"}}, token)
        assert_error(response, NOTF)
    device = {"id": world.d2, "input": {"model": "hijacked"}}
    assert_error(server.gql(rh.UPDATE_DEVICE, device, token), NOTF)
    assert server.admin(rh.DEVICE_BY_ID, {"id": world.d2})["device"]["model"] == "X-100"


@pytest.mark.parametrize("role", ["CUSTOMER_SERVICE", "BACK_OFFICE", "ADMIN"])
def test_the_office_sees_every_customer_and_device(server: Server, world: World, role: str) -> None:
    token = world.token(role)
    customers = rh.customers_matching(server, world.tag, token=token)
    assert sorted(rh.ids(customers)) == sorted([world.c1, world.c2, world.c3])
    devices = rh.devices_matching(server, world.tag, token=token)
    assert sorted(rh.ids(devices)) == sorted([world.d1, world.d1b, world.d2, world.d3])


def test_an_engineer_sees_the_customers_of_its_tickets_only(server: Server, world: World) -> None:
    engineer = world.users["ENGINEER"]
    customers = rh.customers_matching(server, world.tag, token=engineer.token)
    assert rh.ids(customers) == [world.c1]
    devices = rh.devices_matching(server, world.tag, token=engineer.token)
    assert sorted(rh.ids(devices)) == sorted([world.d1, world.d1b])
    # A ticket of C2 dispatched to it: C2 is served too, until it is taken away.
    ticket = th.create_ticket(server, server.admin_token, world.c2)
    th.dispatch(server, server.admin_token, ticket["id"], engineer.id)
    customers = rh.customers_matching(server, world.tag, token=engineer.token)
    assert sorted(rh.ids(customers)) == sorted([world.c1, world.c2])
    other = server.make_user("ENGINEER")
    th.dispatch(server, server.admin_token, ticket["id"], other.id, expected_version=2)
    assert rh.ids(rh.customers_matching(server, world.tag, token=engineer.token)) == [world.c1]
    assert_error(server.gql(rh.CUSTOMER_BY_ID, {"id": world.c2}, engineer.token), NOTF)


PRICE_VIEWS = """
query Q($id: ID!, $customer: ID!, $search: String) {
  device(id: $id) { purchasePrice quotedPrice }
  devices(first: 100, filter: {search: $search}) { edges { node { id purchasePrice } } }
  customer(id: $customer) { devices { id purchasePrice } }
}"""


@pytest.mark.parametrize("role", ROLES)
def test_purchase_price_is_for_the_office_only(server: Server, world: World, role: str) -> None:
    variables = {"id": world.d1, "customer": world.c1, "search": f"{world.tag}-D1"}
    data = server.data(PRICE_VIEWS, variables, world.token(role))
    expected = PURCHASE_PRICE if role in STAFF and role != "ENGINEER" else None
    assert rh.money(data["device"]["purchasePrice"]) == expected
    assert rh.money(data["device"]["quotedPrice"]) == Decimal("2000")  # the quote is no secret
    listed = {e["node"]["id"]: e["node"]["purchasePrice"] for e in data["devices"]["edges"]}
    nested = {d["id"]: d["purchasePrice"] for d in data["customer"]["devices"]}
    for prices in (listed, nested):
        assert rh.money(prices[world.d1]) == expected
        assert prices[world.d1b] is None  # no price was given for it


@pytest.mark.parametrize("role", ["CUSTOMER", "ENGINEER"])
def test_communication_log_is_hidden_in_lists_too(server: Server, world: World, role: str) -> None:
    query = """
    query Q($s: String) { customers(filter: {search: $s}) { nodes { id communications { id } } } }
    """
    response = server.gql(query, {"s": world.tag}, world.token(role))
    assert_error(response, FORBID)
    # The customer itself stays readable without the log.
    assert server.data(rh.CUSTOMER_BY_ID, {"id": world.c1}, world.token(role))["customer"]


# -- writes follow reads -------------------------------------------------------------


def test_a_field_a_role_cannot_read_it_cannot_write(server: Server, world: World) -> None:
    before = server.admin(rh.DEVICE_BY_ID, {"id": world.d1})["device"]
    patch = {"id": world.d1, "input": {"purchasePrice": "1.00", "model": "X-9"}}
    refused = server.gql(rh.UPDATE_DEVICE, patch, world.token("AGENT"))
    assert_error(refused, FORBID, field="input.purchasePrice")
    # Clearing is writing too.
    cleared = {"id": world.d1, "input": {"purchasePrice": None}}
    assert_error(server.gql(rh.UPDATE_DEVICE, cleared, world.token("AGENT")), FORBID)
    assert server.admin(rh.DEVICE_BY_ID, {"id": world.d1})["device"] == before

    serial = unique_name("sn")
    device = {
        "customerId": world.c1,
        "brand": "Acme",
        "model": "R-1",
        "serialNumber": serial,
        "boughtFromUs": False,
        "purchasePrice": "10.00",
    }
    token = world.token("CUSTOMER")
    refused = server.gql(rh.REGISTER_DEVICE, {"input": device}, token)
    assert_error(refused, FORBID, field="input.purchasePrice")
    assert rh.devices_matching(server, serial, includeDeleted=True) == []
    # A blank price on a new device writes nothing: the registration goes through.
    registered = server.data(
        rh.REGISTER_DEVICE, {"input": {**device, "purchasePrice": None}}, token
    )
    assert registered["registerDevice"]["purchasePrice"] is None
    # The office writes what it reads.
    office = server.data(rh.UPDATE_DEVICE, patch, world.token("BACK_OFFICE"))["updateDevice"]
    assert rh.money(office["purchasePrice"]) == Decimal("1.00")
