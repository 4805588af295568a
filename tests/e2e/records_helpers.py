"""GraphQL documents and small builders for the records tests (regions, agents,
customers, contacts, communications, devices, audit log).

Every builder goes through the API (as the administrator unless a token is given)
and returns the created record as the API answered it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .client import Client, assert_ok, decode_global_id, unique_name

# -- fragments ---------------------------------------------------------------------

TRACKED = "id createdAt updatedAt deletedAt createdBy { id } updatedBy { id }"
REGION = f"{TRACKED} name level parent {{ id }}"
AGENT = f"{TRACKED} name level phone email address region {{ id }}"
CONTACT = f"{TRACKED} name department phone email"
CUSTOMER = f"{TRACKED} code name category address phone notes agent {{ id }} region {{ id }}"
DEVICE = (
    f"{TRACKED} brand model serialNumber boughtFromUs vendor dealNumber purchasePrice"
    " quotedPrice installedOn warrantyEndsOn maintenanceIntervalDays lastMaintainedOn"
    " underWarranty customer { id }"
)
PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

# -- queries -----------------------------------------------------------------------

REGIONS = f"query Q($parentId: ID) {{ regions(parentId: $parentId) {{ {REGION} }} }}"
REGION_BY_ID = f"query Q($id: ID!) {{ region(id: $id) {{ {REGION} children {{ id }} }} }}"
AGENTS = f"""
query Q($first: Int, $after: String, $filter: AgentFilter) {{
  agents(first: $first, after: $after, filter: $filter) {{ {PAGE} nodes {{ {AGENT} }} }}
}}"""
AGENT_BY_ID = f"query Q($id: ID!) {{ agent(id: $id) {{ {AGENT} }} }}"
CUSTOMERS = f"""
query Q($first: Int, $after: String, $filter: CustomerFilter) {{
  customers(first: $first, after: $after, filter: $filter) {{ {PAGE} nodes {{ {CUSTOMER} }} }}
}}"""
CUSTOMER_BY_ID = f"query Q($id: ID!) {{ customer(id: $id) {{ {CUSTOMER} }} }}"
CUSTOMER_FULL = f"""
query Q($id: ID!) {{
  customer(id: $id) {{
    {CUSTOMER}
    region {{ id name level parent {{ id name }} }}
    agent {{ id name }}
    salesperson {{ id }}
    contacts {{ {CONTACT} }}
    devices {{ id serialNumber }}
  }}
}}"""
COMMUNICATIONS = """
query Q($id: ID!) {
  customer(id: $id) { id communications { id occurredAt channel summary createdBy { id } } }
}"""
DEVICES = f"""
query Q($first: Int, $after: String, $filter: DeviceFilter) {{
  devices(first: $first, after: $after, filter: $filter) {{
    {PAGE} edges {{ cursor node {{ {DEVICE} }} }}
  }}
}}"""
DEVICE_BY_ID = f"query Q($id: ID!) {{ device(id: $id) {{ {DEVICE} }} }}"
AUDIT_LOG = """
query Q($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    nodes { id at ip operation recordIds actor { id } }
  }
}"""
USERS = "query Q { users(first: 5) { totalCount nodes { id } } }"
USER_BY_ID = "query Q($id: ID!) { user(id: $id) { id username role } }"
ME = "query Q { me { id role customer { id } agent { id } } }"

# -- mutations ---------------------------------------------------------------------

CREATE_REGION = f"mutation M($input: RegionInput!) {{ createRegion(input: $input) {{ {REGION} }} }}"
RENAME_REGION = (
    f"mutation M($id: ID!, $name: String!) {{ renameRegion(id: $id, name: $name) {{ {REGION} }} }}"
)
DELETE_REGION = f"mutation M($id: ID!) {{ deleteRegion(id: $id) {{ {REGION} }} }}"
RESTORE_REGION = f"mutation M($id: ID!) {{ restoreRegion(id: $id) {{ {REGION} }} }}"
CREATE_AGENT = f"mutation M($input: AgentInput!) {{ createAgent(input: $input) {{ {AGENT} }} }}"
UPDATE_AGENT = f"mutation M($id: ID!, $input: AgentPatch!) {{ updateAgent(id: $id, input: $input) {{ {AGENT} }} }}"
DELETE_AGENT = f"mutation M($id: ID!) {{ deleteAgent(id: $id) {{ {AGENT} }} }}"
RESTORE_AGENT = f"mutation M($id: ID!) {{ restoreAgent(id: $id) {{ {AGENT} }} }}"
CREATE_CUSTOMER = f"""
mutation M($input: CustomerInput!) {{
  createCustomer(input: $input) {{ {CUSTOMER} contacts {{ {CONTACT} }} }}
}}"""
UPDATE_CUSTOMER = f"""
mutation M($id: ID!, $input: CustomerPatch!) {{
  updateCustomer(id: $id, input: $input) {{ {CUSTOMER} }}
}}"""
DELETE_CUSTOMER = f"mutation M($id: ID!) {{ deleteCustomer(id: $id) {{ {CUSTOMER} }} }}"
RESTORE_CUSTOMER = f"mutation M($id: ID!) {{ restoreCustomer(id: $id) {{ {CUSTOMER} }} }}"
ADD_CONTACT = f"""
mutation M($customerId: ID, $agentId: ID, $input: ContactInput!) {{
  addContact(customerId: $customerId, agentId: $agentId, input: $input) {{ {CONTACT} }}
}}"""
UPDATE_CONTACT = f"""
mutation M($id: ID!, $input: ContactPatch!) {{
  updateContact(id: $id, input: $input) {{ {CONTACT} }}
}}"""
REMOVE_CONTACT = f"mutation M($id: ID!) {{ removeContact(id: $id) {{ {CONTACT} }} }}"
LOG_COMMUNICATION = """
mutation M($input: CommunicationInput!) {
  logCommunication(input: $input) { id occurredAt channel summary createdBy { id } }
}"""
REGISTER_DEVICE = (
    f"mutation M($input: DeviceInput!) {{ registerDevice(input: $input) {{ {DEVICE} }} }}"
)
UPDATE_DEVICE = f"""
mutation M($id: ID!, $input: DevicePatch!) {{
  updateDevice(id: $id, input: $input) {{ {DEVICE} }}
}}"""
DELETE_DEVICE = f"mutation M($id: ID!) {{ deleteDevice(id: $id) {{ {DEVICE} }} }}"
RESTORE_DEVICE = f"mutation M($id: ID!) {{ restoreDevice(id: $id) {{ {DEVICE} }} }}"
CREATE_USER = """
mutation M($input: CreateUserInput!) { createUser(input: $input) { id username role } }"""


# -- builders ----------------------------------------------------------------------


def _run(server: Client, query: str, variables: dict[str, Any], token: str | None) -> dict:
    return assert_ok(server.gql(query, variables, token or server.admin_token))


def create_region(
    server: Client,
    level: str = "PROVINCE",
    parent_id: str | None = None,
    *,
    name: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    payload = {"name": name or unique_name(level.lower()), "level": level, "parentId": parent_id}
    return _run(server, CREATE_REGION, {"input": payload}, token)["createRegion"]


def create_agent(
    server: Client, *, name: str | None = None, token: str | None = None, **fields: Any
) -> dict[str, Any]:
    payload = {"name": name or unique_name("agent"), **fields}
    return _run(server, CREATE_AGENT, {"input": payload}, token)["createAgent"]


def create_customer(
    server: Client,
    *,
    code: str | None = None,
    name: str | None = None,
    token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    code = code or unique_name("cust")
    payload = {"code": code, "name": name or f"Customer {code}", **fields}
    return _run(server, CREATE_CUSTOMER, {"input": payload}, token)["createCustomer"]


def register_device(
    server: Client,
    customer_id: str,
    *,
    serial: str | None = None,
    brand: str = "Acme",
    model: str = "X-100",
    token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    payload = {
        "customerId": customer_id,
        "brand": brand,
        "model": model,
        "serialNumber": serial or unique_name("sn"),
        **fields,
    }
    return _run(server, REGISTER_DEVICE, {"input": payload}, token)["registerDevice"]


def add_contact(
    server: Client,
    *,
    customer_id: str | None = None,
    agent_id: str | None = None,
    token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    payload = {"name": unique_name("contact"), **fields}
    variables = {"customerId": customer_id, "agentId": agent_id, "input": payload}
    return _run(server, ADD_CONTACT, variables, token)["addContact"]


def delete_customer(server: Client, customer_id: str) -> dict[str, Any]:
    return server.admin(DELETE_CUSTOMER, {"id": customer_id})["deleteCustomer"]


def customers_matching(
    server: Client, search: str, *, token: str | None = None, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The customers (up to 100) whose code or name contains `search`."""
    variables = {"first": 100, "filter": {"search": search, "includeDeleted": include_deleted}}
    return _run(server, CUSTOMERS, variables, token)["customers"]["nodes"]


def devices_matching(
    server: Client, search: str, *, token: str | None = None, **filters: Any
) -> list[dict[str, Any]]:
    """The devices (up to 100) whose serial number, model or brand contains `search`."""
    variables = {"first": 100, "filter": {"search": search, **filters}}
    edges = _run(server, DEVICES, variables, token)["devices"]["edges"]
    return [edge["node"] for edge in edges]


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def type_of(global_id: str) -> str:
    return decode_global_id(global_id)[0]


def money(value: str | float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))
