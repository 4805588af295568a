"""The records end to end, as a user of the API sees them: customers with contacts,
codes that must be unique among live customers, partial updates, logical deletion
and restore, who/when stamps, the region tree, devices and their checks, searching
and paging, ids of the wrong type, the audit log, and no partial writes.

Access rules are in `test_records_access.py`; here everything runs as staff."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from . import records_helpers as rh
from .client import Server, assert_error, assert_ok, global_id, unique_name

BAD = "BAD_USER_INPUT"


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def customer_count(server: Server, code: str) -> int:
    """Customers, live or deleted, whose code or name contains `code`."""
    return len(rh.customers_matching(server, code, include_deleted=True))


def audit(server: Server, **filter: Any) -> dict[str, Any]:
    return server.admin(rh.AUDIT_LOG, {"first": 100, "filter": filter})["auditLog"]


# -- customers ---------------------------------------------------------------------


def test_create_customer_with_contacts_and_read_it_back(server: Server) -> None:
    province = rh.create_region(server, "PROVINCE")
    city = rh.create_region(server, "CITY", province["id"])
    agent = rh.create_agent(server)
    code = unique_name("CUST")
    contacts = [
        {
            "name": "Li Lei",
            "department": "Maintenance",
            "phone": "0571-88886666",
            "email": "li.lei@example.com",
        },
        {"name": "Han Meimei", "department": None, "phone": None, "email": None},
    ]
    created = server.admin(
        rh.CREATE_CUSTOMER,
        {
            "input": {
                "code": code,
                "name": "  Hangzhou Textile Works  ",
                "category": "KEY_ACCOUNT",
                "address": "1 West Lake Road",
                "phone": "+86 571 8888 0000",
                "agentId": agent["id"],
                "regionId": city["id"],
                "salespersonId": server.admin_id,
                "notes": "Three weaving lines",
                "contacts": contacts,
            }
        },
    )["createCustomer"]
    assert rh.type_of(created["id"]) == "Customer"
    assert created["name"] == "Hangzhou Textile Works"  # trimmed
    devices = [rh.register_device(server, created["id"])["id"] for _ in range(2)]

    customer = server.admin(rh.CUSTOMER_FULL, {"id": created["id"]})["customer"]
    assert customer["code"] == code
    assert customer["name"] == "Hangzhou Textile Works"
    assert customer["category"] == "KEY_ACCOUNT"
    assert customer["address"] == "1 West Lake Road"
    assert customer["phone"] == "+86 571 8888 0000"
    assert customer["notes"] == "Three weaving lines"
    assert customer["region"] == {
        "id": city["id"],
        "name": city["name"],
        "level": "CITY",
        "parent": {"id": province["id"], "name": province["name"]},
    }
    assert customer["agent"] == {"id": agent["id"], "name": agent["name"]}
    assert customer["salesperson"] == {"id": server.admin_id}
    assert [
        {k: c[k] for k in ("name", "department", "phone", "email")} for c in customer["contacts"]
    ] == contacts
    assert all(c["createdBy"] == {"id": server.admin_id} for c in customer["contacts"])
    assert sorted(d["id"] for d in customer["devices"]) == sorted(devices)
    assert customer["deletedAt"] is None


def test_duplicate_customer_code_is_refused(server: Server) -> None:
    code = unique_name("DUP")
    first = rh.create_customer(server, code=code)
    response = server.gql(
        rh.CREATE_CUSTOMER, {"input": {"code": code, "name": "Again"}}, server.admin_token
    )
    assert_error(response, BAD, field="code")
    assert rh.ids(rh.customers_matching(server, code, include_deleted=True)) == [first["id"]]
    # A customer keeping its own code is no clash.
    same = {"id": first["id"], "input": {"code": code, "notes": "same code"}}
    assert server.admin(rh.UPDATE_CUSTOMER, same)["updateCustomer"]["code"] == code


def test_changing_a_code_to_a_used_one_is_refused(server: Server) -> None:
    code = unique_name("DUP")
    first = rh.create_customer(server, code=code)
    other = rh.create_customer(server)
    response = server.gql(
        rh.UPDATE_CUSTOMER, {"id": other["id"], "input": {"code": code}}, server.admin_token
    )
    assert_error(response, BAD)
    assert rh.ids(rh.customers_matching(server, code, include_deleted=True)) == [first["id"]]
    now = server.admin(rh.CUSTOMER_BY_ID, {"id": other["id"]})["customer"]
    assert now["code"] == other["code"]


def test_changing_a_code_to_a_used_one_names_the_field(server: Server) -> None:
    code = unique_name("DUP")
    rh.create_customer(server, code=code)
    other = rh.create_customer(server)
    response = server.gql(
        rh.UPDATE_CUSTOMER, {"id": other["id"], "input": {"code": code}}, server.admin_token
    )
    assert_error(response, BAD, field="code")


def test_code_is_free_again_after_delete_and_restore_then_refused(server: Server) -> None:
    code = unique_name("REUSE")
    old = rh.create_customer(server, code=code, name="Old one")
    rh.delete_customer(server, old["id"])
    new = rh.create_customer(server, code=code, name="New one")
    assert new["id"] != old["id"]

    response = server.gql(rh.RESTORE_CUSTOMER, {"id": old["id"]}, server.admin_token)
    assert_error(response, BAD, field="code")
    found = {c["id"]: c for c in rh.customers_matching(server, code, include_deleted=True)}
    assert found[old["id"]]["deletedAt"] is not None
    assert found[new["id"]]["deletedAt"] is None

    # Once the new one is deleted, the old one comes back.
    rh.delete_customer(server, new["id"])
    restored = server.admin(rh.RESTORE_CUSTOMER, {"id": old["id"]})["restoreCustomer"]
    assert restored["deletedAt"] is None
    assert rh.ids(rh.customers_matching(server, code)) == [old["id"]]


def test_partial_update_changes_only_the_given_fields(server: Server) -> None:
    region = rh.create_region(server)
    agent = rh.create_agent(server)
    before = rh.create_customer(
        server,
        category="WON",
        address="5 Harbour Street",
        phone="021-66668888",
        notes="keep me",
        agentId=agent["id"],
        regionId=region["id"],
    )
    stamps = ("updatedAt", "updatedBy")

    def unchanged(after: dict[str, Any], *changed: str) -> None:
        skip = {*changed, *stamps}
        assert {k: v for k, v in after.items() if k not in skip} == {
            k: v for k, v in before.items() if k not in skip and k != "contacts"
        }

    patch = {"id": before["id"], "input": {"phone": "021-12345678"}}
    after = server.admin(rh.UPDATE_CUSTOMER, patch)["updateCustomer"]
    assert after["phone"] == "021-12345678"
    unchanged(after, "phone")
    before["phone"] = after["phone"]

    # An explicit null clears an optional field, and only that one.
    patch = {"id": before["id"], "input": {"address": None, "regionId": None}}
    after = server.admin(rh.UPDATE_CUSTOMER, patch)["updateCustomer"]
    assert after["address"] is None
    assert after["region"] is None
    unchanged(after, "address", "region")
    before.update(address=None, region=None)

    # A required field cannot be cleared or blanked.
    for field, value in (("name", None), ("name", "   "), ("code", None)):
        response = server.gql(
            rh.UPDATE_CUSTOMER, {"id": before["id"], "input": {field: value}}, server.admin_token
        )
        assert_error(response, BAD, field=field)
    now = server.admin(rh.CUSTOMER_BY_ID, {"id": before["id"]})["customer"]
    unchanged(now)
    assert now["updatedAt"] == after["updatedAt"]


def test_logical_delete_hides_from_lists_and_restore_brings_back(server: Server) -> None:
    tag = unique_name("gone")
    customer = rh.create_customer(server, code=f"{tag}-C")
    device = rh.register_device(server, customer["id"], serial=f"{tag}-D")

    deleted = server.admin(rh.DELETE_DEVICE, {"id": device["id"]})["deleteDevice"]
    assert deleted["deletedAt"] is not None
    assert rh.devices_matching(server, tag) == []
    assert rh.ids(rh.devices_matching(server, tag, includeDeleted=True)) == [device["id"]]
    restored = server.admin(rh.RESTORE_DEVICE, {"id": device["id"]})["restoreDevice"]
    assert restored["deletedAt"] is None
    assert rh.ids(rh.devices_matching(server, tag)) == [device["id"]]

    deleted = rh.delete_customer(server, customer["id"])
    assert deleted["deletedAt"] is not None
    assert rh.customers_matching(server, tag) == []
    hidden = rh.customers_matching(server, tag, include_deleted=True)
    assert rh.ids(hidden) == [customer["id"]]
    assert hidden[0]["deletedAt"] == deleted["deletedAt"]
    restored = server.admin(rh.RESTORE_CUSTOMER, {"id": customer["id"]})["restoreCustomer"]
    assert restored["deletedAt"] is None
    assert rh.ids(rh.customers_matching(server, tag)) == [customer["id"]]


def test_created_and_updated_by_and_at(server: Server) -> None:
    clerk = server.make_user("BACK_OFFICE")
    started = datetime.now(UTC) - timedelta(seconds=5)
    created = rh.create_customer(server)
    assert created["createdBy"] == {"id": server.admin_id}
    assert created["updatedBy"] == {"id": server.admin_id}
    created_at = when(created["createdAt"])
    assert started <= created_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert created["updatedAt"] == created["createdAt"]

    patch = {"id": created["id"], "input": {"notes": "called back"}}
    updated = server.data(rh.UPDATE_CUSTOMER, patch, clerk.token)["updateCustomer"]
    assert updated["createdBy"] == {"id": server.admin_id}
    assert updated["updatedBy"] == {"id": clerk.id}
    assert updated["createdAt"] == created["createdAt"]
    assert when(updated["updatedAt"]) > when(created["updatedAt"])

    # Devices carry the same stamps.
    device = rh.register_device(server, created["id"], token=clerk.token)
    assert device["createdBy"] == device["updatedBy"] == {"id": clerk.id}
    changed = server.admin(rh.UPDATE_DEVICE, {"id": device["id"], "input": {"model": "Y-2"}})
    assert changed["updateDevice"]["updatedBy"] == {"id": server.admin_id}
    assert changed["updateDevice"]["createdBy"] == {"id": clerk.id}


# -- contacts and the communication log --------------------------------------------


def test_contacts_add_update_remove(server: Server) -> None:
    customer = rh.create_customer(server, contacts=[{"name": "First"}])
    added = rh.add_contact(server, customer_id=customer["id"], name="Second", phone="13700000000")
    patch = {"id": added["id"], "input": {"name": "Second Renamed", "email": "s@example.com"}}
    updated = server.admin(rh.UPDATE_CONTACT, patch)["updateContact"]
    assert updated["name"] == "Second Renamed"
    assert updated["email"] == "s@example.com"
    assert updated["phone"] == "13700000000"  # not given, so kept
    cleared = {"id": added["id"], "input": {"phone": None}}
    assert server.admin(rh.UPDATE_CONTACT, cleared)["updateContact"]["phone"] is None
    refused = server.gql(
        rh.UPDATE_CONTACT, {"id": added["id"], "input": {"name": None}}, server.admin_token
    )
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    query = "query Q($id: ID!) { customer(id: $id) { contacts { id name } } }"
    names = [c["name"] for c in server.admin(query, {"id": customer["id"]})["customer"]["contacts"]]
    assert names == ["First", "Second Renamed"]

    removed = server.admin(rh.REMOVE_CONTACT, {"id": added["id"]})["removeContact"]
    assert removed["deletedAt"] is not None
    names = [c["name"] for c in server.admin(query, {"id": customer["id"]})["customer"]["contacts"]]
    assert names == ["First"]

    both = {"customerId": customer["id"], "agentId": rh.create_agent(server)["id"]}
    response = server.gql(rh.ADD_CONTACT, {**both, "input": {"name": "Nobody"}}, server.admin_token)
    assert_error(response, BAD)
    bad_email = {"customerId": customer["id"], "input": {"name": "X", "email": "not-an-email"}}
    assert_error(server.gql(rh.ADD_CONTACT, bad_email, server.admin_token), BAD)


def test_agent_contacts(server: Server) -> None:
    agent = rh.create_agent(server, contacts=[{"name": "Agent Desk", "phone": "010-5555555"}])
    rh.add_contact(server, agent_id=agent["id"], name="Agent Boss")
    query = "query Q($id: ID!) { agent(id: $id) { contacts { name phone } } }"
    contacts = server.admin(query, {"id": agent["id"]})["agent"]["contacts"]
    assert [c["name"] for c in contacts] == ["Agent Desk", "Agent Boss"]


def test_communication_log_is_newest_first_by_when_it_happened(server: Server) -> None:
    customer = rh.create_customer(server)
    for summary, at in (
        ("march", "2024-03-01T10:00:00+00:00"),
        ("january", "2024-01-05T09:00:00Z"),
    ):
        entry = {"customerId": customer["id"], "summary": summary, "occurredAt": at}
        server.admin(rh.LOG_COMMUNICATION, {"input": entry})
    log = server.admin(rh.COMMUNICATIONS, {"id": customer["id"]})["customer"]["communications"]
    assert [c["summary"] for c in log] == ["march", "january"]


def test_communication_log_entries(server: Server) -> None:
    customer = rh.create_customer(server)
    entry = {"customerId": customer["id"], "summary": "  Asked for a quote  ", "channel": "visit"}
    logged = server.admin(rh.LOG_COMMUNICATION, {"input": entry})["logCommunication"]
    assert logged["summary"] == "Asked for a quote"
    assert logged["channel"] == "VISIT"
    assert logged["createdBy"] == {"id": server.admin_id}
    assert abs(when(logged["occurredAt"]) - datetime.now(UTC)) < timedelta(minutes=1)
    log = server.admin(rh.COMMUNICATIONS, {"id": customer["id"]})["customer"]["communications"]
    assert [c["id"] for c in log] == [logged["id"]]

    for bad, field in (
        ({"summary": "   "}, "summary"),
        ({"summary": "naive time", "occurredAt": "2024-03-01T10:00:00"}, "occurredAt"),
    ):
        response = server.gql(
            rh.LOG_COMMUNICATION,
            {"input": {"customerId": customer["id"], **bad}},
            server.admin_token,
        )
        assert_error(response, BAD, field=field)


# -- regions -----------------------------------------------------------------------


def test_region_tree_and_customers_below_a_region(server: Server) -> None:
    province = rh.create_region(server, "PROVINCE")
    city = rh.create_region(server, "CITY", province["id"])
    county = rh.create_region(server, "COUNTY", city["id"])
    other_province = rh.create_region(server, "PROVINCE")
    assert city["parent"] == {"id": province["id"]}

    for level, parent, name in (
        ("COUNTY", province["id"], "county under a province"),
        ("CITY", None, "city without a province"),
        ("CITY", city["id"], "city under a city"),
        ("PROVINCE", province["id"], "province under a province"),
    ):
        response = server.gql(
            rh.CREATE_REGION,
            {"input": {"name": name, "level": level, "parentId": parent}},
            server.admin_token,
        )
        assert_error(response, BAD, field="parentId")
    assert rh.ids(server.admin(rh.REGIONS, {"parentId": province["id"]})["regions"]) == [city["id"]]
    assert province["id"] in rh.ids(server.admin(rh.REGIONS, {"parentId": None})["regions"])
    read = server.admin(rh.REGION_BY_ID, {"id": city["id"]})["region"]
    assert read["parent"] == {"id": province["id"]}
    assert read["children"] == [{"id": county["id"]}]

    in_province = rh.create_customer(server, regionId=province["id"])["id"]
    in_city = rh.create_customer(server, regionId=city["id"])["id"]
    in_county = rh.create_customer(server, regionId=county["id"])["id"]
    rh.create_customer(server, regionId=other_province["id"])

    def below(region: dict[str, Any]) -> set[str]:
        variables = {"first": 100, "filter": {"regionId": region["id"]}}
        return set(rh.ids(server.admin(rh.CUSTOMERS, variables)["customers"]["nodes"]))

    assert below(province) == {in_province, in_city, in_county}
    assert below(city) == {in_city, in_county}
    assert below(county) == {in_county}


def test_region_rename_delete_restore(server: Server) -> None:
    province = rh.create_region(server, "PROVINCE")
    name = unique_name("renamed")
    renamed = server.admin(rh.RENAME_REGION, {"id": province["id"], "name": name})
    assert renamed["renameRegion"]["name"] == name
    server.admin(rh.DELETE_REGION, {"id": province["id"]})
    assert province["id"] not in rh.ids(server.admin(rh.REGIONS, {"parentId": None})["regions"])
    server.admin(rh.RESTORE_REGION, {"id": province["id"]})
    assert province["id"] in rh.ids(server.admin(rh.REGIONS, {"parentId": None})["regions"])


# -- devices -----------------------------------------------------------------------


def test_serial_number_is_unique_per_brand(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    serial = unique_name("SER")
    rh.register_device(server, customer, serial=serial, brand="Acme")
    payload = {"customerId": customer, "brand": "Acme", "model": "Z", "serialNumber": serial}
    assert_error(
        server.gql(rh.REGISTER_DEVICE, {"input": payload}, server.admin_token),
        BAD,
        field="serialNumber",
    )
    other = rh.register_device(server, customer, serial=serial, brand="Bosch")
    assert other["serialNumber"] == serial
    assert sorted(d["brand"] for d in rh.devices_matching(server, serial)) == ["Acme", "Bosch"]


def test_changing_a_device_to_a_used_serial_is_refused(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    serial = unique_name("SER")
    rh.register_device(server, customer, serial=serial, brand="Acme")
    other = rh.register_device(server, customer, brand="Acme")
    patch = {"id": other["id"], "input": {"serialNumber": serial}}
    assert_error(server.gql(rh.UPDATE_DEVICE, patch, server.admin_token), BAD)
    assert server.admin(rh.DEVICE_BY_ID, {"id": other["id"]})["device"] == other


def test_changing_a_device_to_a_used_serial_names_the_field(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    serial = unique_name("SER")
    rh.register_device(server, customer, serial=serial, brand="Acme")
    other = rh.register_device(server, customer, brand="Acme")
    patch = {"id": other["id"], "input": {"serialNumber": serial}}
    assert_error(server.gql(rh.UPDATE_DEVICE, patch, server.admin_token), BAD, field="serialNumber")


def test_serial_is_free_again_after_delete_and_restore_then_refused(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    serial = unique_name("SER")
    old = rh.register_device(server, customer, serial=serial)
    server.admin(rh.DELETE_DEVICE, {"id": old["id"]})
    new = rh.register_device(server, customer, serial=serial)
    response = server.gql(rh.RESTORE_DEVICE, {"id": old["id"]}, server.admin_token)
    assert_error(response, BAD, field="serialNumber")
    found = {d["id"]: d for d in rh.devices_matching(server, serial, includeDeleted=True)}
    assert found[old["id"]]["deletedAt"] is not None
    assert found[new["id"]]["deletedAt"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"installedOn": "2024-06-01", "warrantyEndsOn": "2024-05-31"}, "warrantyEndsOn"),
        ({"installedOn": "2024-06-01", "lastMaintainedOn": "2024-01-01"}, "lastMaintainedOn"),
        ({"purchasePrice": "-0.01"}, "purchasePrice"),
        ({"quotedPrice": "-100"}, "quotedPrice"),
        ({"maintenanceIntervalDays": 0}, "maintenanceIntervalDays"),
        ({"maintenanceIntervalDays": -30}, "maintenanceIntervalDays"),
        ({"boughtFromUs": True, "vendor": "OtherCo"}, "vendor"),
        ({"model": "   "}, "model"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else v,
)
def test_device_checks(server: Server, fields: dict[str, Any], field: str) -> None:
    customer = rh.create_customer(server)["id"]
    serial = unique_name("CHK")
    payload = {"customerId": customer, "brand": "Acme", "model": "M", "serialNumber": serial}
    response = server.gql(rh.REGISTER_DEVICE, {"input": {**payload, **fields}}, server.admin_token)
    assert_error(response, BAD, field=field)
    assert rh.devices_matching(server, serial, includeDeleted=True) == []


def test_device_checks_apply_to_updates_on_the_whole_record(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    device = rh.register_device(server, customer, installedOn="2024-06-01")
    for patch, field in (
        ({"warrantyEndsOn": "2024-05-01"}, "warrantyEndsOn"),
        ({"vendor": "OtherCo"}, "vendor"),  # still bought from us
        ({"purchasePrice": "-1"}, "purchasePrice"),
        ({"serialNumber": None}, "serialNumber"),
    ):
        response = server.gql(
            rh.UPDATE_DEVICE, {"id": device["id"], "input": patch}, server.admin_token
        )
        assert_error(response, BAD, field=field)
    now = server.admin(rh.DEVICE_BY_ID, {"id": device["id"]})["device"]
    assert now == device
    # Both at once is consistent.
    both = {"boughtFromUs": False, "vendor": "OtherCo", "warrantyEndsOn": "2026-06-01"}
    changed = server.admin(rh.UPDATE_DEVICE, {"id": device["id"], "input": both})["updateDevice"]
    assert (changed["boughtFromUs"], changed["vendor"]) == (False, "OtherCo")
    assert changed["installedOn"] == "2024-06-01"
    assert changed["warrantyEndsOn"] == "2026-06-01"


def test_device_fields_round_trip(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    device = rh.register_device(
        server,
        customer,
        brand="Siemens",
        model="S7-1500",
        boughtFromUs=True,
        dealNumber="K3-2024-001",
        purchasePrice="12000.5",
        quotedPrice="15800",
        installedOn="2024-01-10",
        warrantyEndsOn="2026-01-09",
        maintenanceIntervalDays=90,
        lastMaintainedOn="2024-04-10",
    )
    read = server.admin(rh.DEVICE_BY_ID, {"id": device["id"]})["device"]
    assert read == device
    assert read["brand"] == "Siemens"
    assert read["dealNumber"] == "K3-2024-001"
    assert rh.money(read["purchasePrice"]) == Decimal("12000.50")
    assert rh.money(read["quotedPrice"]) == Decimal("15800")
    assert (read["installedOn"], read["warrantyEndsOn"]) == ("2024-01-10", "2026-01-09")
    assert read["maintenanceIntervalDays"] == 90
    assert read["lastMaintainedOn"] == "2024-04-10"
    assert read["customer"] == {"id": customer}


def test_under_warranty_filter_and_field(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    today = datetime.now(UTC).date()
    ends = {
        "future": (today + timedelta(days=365)).isoformat(),
        "today": today.isoformat(),
        "past": (today - timedelta(days=1)).isoformat(),
        "none": None,
    }
    made = {
        label: rh.register_device(
            server, customer, installedOn=str(date(2020, 1, 1)), warrantyEndsOn=end
        )
        for label, end in ends.items()
    }
    assert {label: d["underWarranty"] for label, d in made.items()} == {
        "future": True,
        "today": True,
        "past": False,
        "none": False,
    }

    def listed(under: bool) -> set[str]:
        variables = {"first": 100, "filter": {"customerId": customer, "underWarranty": under}}
        edges = server.admin(rh.DEVICES, variables)["devices"]["edges"]
        return {e["node"]["id"] for e in edges}

    assert listed(True) == {made["future"]["id"], made["today"]["id"]}
    assert listed(False) == {made["past"]["id"], made["none"]["id"]}


def test_device_search_by_serial_model_and_brand(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    tag = unique_name("srch").upper()
    by_serial = rh.register_device(server, customer, serial=f"{tag}-SERIAL", model="Plain")
    by_model = rh.register_device(server, customer, model=f"Model {tag}")
    by_brand = rh.register_device(server, customer, brand=f"Brand {tag}")
    assert rh.ids(rh.devices_matching(server, f"{tag}-serial")) == [by_serial["id"]]  # any case
    assert rh.ids(rh.devices_matching(server, f"model {tag.lower()}")) == [by_model["id"]]
    assert rh.ids(rh.devices_matching(server, f"brand {tag}")) == [by_brand["id"]]
    everything = rh.devices_matching(server, tag)
    assert sorted(rh.ids(everything)) == sorted([by_serial["id"], by_model["id"], by_brand["id"]])
    # Wildcards are plain characters.
    assert rh.devices_matching(server, f"{tag}%") == []
    filtered = rh.devices_matching(server, tag, brand=f"Brand {tag}")
    assert rh.ids(filtered) == [by_brand["id"]]
    ours = rh.devices_matching(server, tag, boughtFromUs=False)
    assert ours == []


# -- pagination and ids ------------------------------------------------------------


def test_pagination_through_seven_devices(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    made = [rh.register_device(server, customer)["id"] for _ in range(7)]
    seen: list[str] = []
    pages: list[tuple[int, bool, bool]] = []
    after = None
    while True:
        variables = {"first": 3, "after": after, "filter": {"customerId": customer}}
        page = server.admin(rh.DEVICES, variables)["devices"]
        assert page["totalCount"] == 7
        nodes = [e["node"]["id"] for e in page["edges"]]
        info = page["pageInfo"]
        pages.append((len(nodes), info["hasNextPage"], info["hasPreviousPage"]))
        seen.extend(nodes)
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        assert info["startCursor"] == page["edges"][0]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
        assert len(pages) < 5, "pagination does not end"
    assert pages == [(3, True, False), (3, True, True), (1, False, True)]
    assert len(seen) == len(set(seen)) == 7
    assert seen == made  # in the order they were registered


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"first": 3, "after": "garbage!"}, "after"),
        ({"first": 3, "after": global_id("Device", 1)}, "after"),
    ],
    ids=["first-101", "first-negative", "garbage-cursor", "an-id-as-cursor"],
)
def test_pagination_refuses_bad_arguments(
    server: Server, variables: dict[str, Any], field: str
) -> None:
    for query in (rh.DEVICES, rh.CUSTOMERS, rh.AGENTS):
        assert_error(server.gql(query, variables, server.admin_token), BAD, field=field)


def test_first_100_is_allowed(server: Server) -> None:
    assert_ok(server.gql(rh.DEVICES, {"first": 100}, server.admin_token))


def test_ids_of_the_wrong_type_are_bad_input(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    device = rh.register_device(server, customer)["id"]
    agent = rh.create_agent(server)["id"]
    token = server.admin_token
    payload = {"customerId": device, "brand": "Acme", "model": "M", "serialNumber": "x1"}
    assert_error(server.gql(rh.REGISTER_DEVICE, {"input": payload}, token), BAD, field="customerId")
    assert_error(server.gql(rh.CUSTOMER_BY_ID, {"id": device}, token), BAD)
    assert_error(server.gql(rh.DEVICE_BY_ID, {"id": customer}, token), BAD)
    assert_error(server.gql(rh.AGENT_BY_ID, {"id": "not an id"}, token), BAD)
    patch = {"id": agent, "input": {"notes": "x"}}
    assert_error(server.gql(rh.UPDATE_CUSTOMER, patch, token), BAD)
    wrong_agent = {"code": unique_name("W"), "name": "W", "agentId": customer}
    assert_error(
        server.gql(rh.CREATE_CUSTOMER, {"input": wrong_agent}, token), BAD, field="agentId"
    )
    assert customer_count(server, wrong_agent["code"]) == 0
    by_customer = {"filter": {"customerId": device}}
    assert_error(server.gql(rh.DEVICES, by_customer, token), BAD)


def test_unknown_ids_are_not_found(server: Server) -> None:
    token = server.admin_token
    missing = 2**31 - 1
    for query, kind in (
        (rh.CUSTOMER_BY_ID, "Customer"),
        (rh.DEVICE_BY_ID, "Device"),
        (rh.AGENT_BY_ID, "Agent"),
        (rh.REGION_BY_ID, "Region"),
    ):
        assert_error(server.gql(query, {"id": global_id(kind, missing)}, token), "NOT_FOUND")
    payload = {
        "customerId": global_id("Customer", missing),
        "brand": "Acme",
        "model": "M",
        "serialNumber": unique_name("sn"),
    }
    assert_error(server.gql(rh.REGISTER_DEVICE, {"input": payload}, token), "NOT_FOUND")


def test_ids_beyond_32_bits_are_not_found(server: Server) -> None:
    token = server.admin_token
    huge = 2**40
    assert_error(
        server.gql(rh.CUSTOMER_BY_ID, {"id": global_id("Customer", huge)}, token), "NOT_FOUND"
    )
    assert_error(
        server.gql(rh.DELETE_DEVICE, {"id": global_id("Device", huge)}, token), "NOT_FOUND"
    )


def test_a_cursor_beyond_32_bits_is_an_empty_page_or_bad_input(
    server: Server,
) -> None:
    cursor = base64.urlsafe_b64encode(f"after:{2**40}".encode()).decode().rstrip("=")
    response = server.gql(rh.DEVICES, {"first": 3, "after": cursor}, server.admin_token)
    if response.get("errors"):
        assert_error(response, BAD, field="after")
    else:
        assert response["data"]["devices"]["edges"] == []


# -- the audit log -----------------------------------------------------------------


def test_audit_entry_for_create_customer(server: Server) -> None:
    customer = rh.create_customer(server)["id"]
    entries = audit(server, recordId=customer)["nodes"]
    created = [e for e in entries if e["operation"] == "createCustomer"]
    assert len(created) == 1
    entry = created[0]
    assert entry["actor"] == {"id": server.admin_id}
    assert entry["ip"] == "127.0.0.1"
    assert customer in entry["recordIds"]
    assert abs(when(entry["at"]) - datetime.now(UTC)) < timedelta(minutes=1)


def test_audit_log_filters_by_operation_and_actor(server: Server) -> None:
    actor = server.make_user("ADMIN")
    first = rh.create_customer(server, token=actor.token)["id"]
    agent = rh.create_agent(server, token=actor.token)["id"]
    second = rh.create_customer(server, token=actor.token)["id"]
    device = rh.register_device(server, second, token=actor.token)["id"]

    found = audit(server, operation="createCustomer", actorId=actor.id)
    assert found["totalCount"] == 2
    assert [e["recordIds"] for e in found["nodes"]] == [[second], [first]]  # newest first
    assert all(e["actor"] == {"id": actor.id} for e in found["nodes"])

    everything = audit(server, actorId=actor.id)
    assert [e["operation"] for e in everything["nodes"]] == [
        "registerDevice",
        "createCustomer",
        "createAgent",
        "createCustomer",
    ]
    assert device in everything["nodes"][0]["recordIds"]
    assert second in everything["nodes"][0]["recordIds"]  # the customer it went to
    assert everything["nodes"][2]["recordIds"] == [agent]

    # Time window: everything happened just now.
    now = datetime.now(UTC)
    recent = audit(server, actorId=actor.id, since=(now - timedelta(minutes=5)).isoformat())
    assert recent["totalCount"] == 4
    later = audit(server, actorId=actor.id, since=(now + timedelta(minutes=5)).isoformat())
    assert later["totalCount"] == 0
    earlier = audit(server, actorId=actor.id, until=(now - timedelta(minutes=5)).isoformat())
    assert earlier["totalCount"] == 0


def test_a_failed_mutation_writes_no_audit_entry_and_no_row(server: Server) -> None:
    actor = server.make_user("BACK_OFFICE")
    code = unique_name("ONCE")
    rh.create_customer(server, code=code, token=actor.token)
    assert customer_count(server, code) == 1
    assert audit(server, actorId=actor.id)["totalCount"] == 1

    again = {"input": {"code": code, "name": "Second try"}}
    assert_error(server.gql(rh.CREATE_CUSTOMER, again, actor.token), BAD, field="code")
    assert customer_count(server, code) == 1
    assert audit(server, actorId=actor.id)["totalCount"] == 1
    # A refused read or write of another kind leaves no trace either.
    missing = {"id": global_id("Customer", 2**31 - 1)}
    assert_error(server.gql(rh.DELETE_CUSTOMER, missing, actor.token), "NOT_FOUND")
    assert audit(server, actorId=actor.id)["totalCount"] == 1


def test_no_partial_write_when_a_contact_is_invalid(server: Server) -> None:
    actor = server.make_user("CUSTOMER_SERVICE")
    code = unique_name("HALF")
    payload = {
        "code": code,
        "name": "Valid customer",
        "contacts": [
            {"name": "Good Contact", "email": "good@example.com"},
            {"name": "Bad Contact", "email": "not-an-email"},
        ],
    }
    response = server.gql(rh.CREATE_CUSTOMER, {"input": payload}, actor.token)
    assert_error(response, BAD)
    assert "email" in (response["errors"][0]["extensions"].get("field") or "")
    assert customer_count(server, code) == 0
    assert audit(server, actorId=actor.id)["totalCount"] == 0
    # The same customer with a valid contact goes through.
    payload["contacts"][1]["email"] = "bad.no.more@example.com"
    created = server.data(rh.CREATE_CUSTOMER, {"input": payload}, actor.token)["createCustomer"]
    assert [c["name"] for c in created["contacts"]] == ["Good Contact", "Bad Contact"]
    assert customer_count(server, code) == 1
